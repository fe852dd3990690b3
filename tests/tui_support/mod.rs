//! The pseudo-terminal harness of the end-to-end tests: the real `volc-im` binary in
//! a pseudo-terminal, its output parsed by a terminal emulator, and a demo server as
//! its own process. Waits for text on screen with a deadline, never with fixed sleeps.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use serde_json::Value;
use volc_im::demo::{DEMO_ACCESS_KEY, DEMO_GROUP, DEMO_SECRET_KEY, demo_data};
use volc_im::model::ConversationId;

pub const BIN: &str = env!("CARGO_BIN_EXE_volc-im");
pub const DEADLINE: Duration = Duration::from_secs(20);
/// How often a wait looks again at conditions the terminal does not signal.
pub const RECHECK: Duration = Duration::from_millis(20);
pub const ROWS: u16 = 40;
pub const COLS: u16 = 140;

/// `volc-im demo-server --port 0 --log-requests`, with its request log.
pub struct DemoProcess {
    child: Child,
    pub port: u16,
    requests: Arc<Mutex<Vec<Value>>>,
}

impl DemoProcess {
    pub fn start() -> DemoProcess {
        DemoProcess::start_with(&[])
    }

    /// The demo server with extra options (`--grow-every-ms 300`, `--port N`, ...).
    pub fn start_with(extra: &[&str]) -> DemoProcess {
        let port: &[&str] = if extra.contains(&"--port") {
            &[]
        } else {
            &["--port", "0"]
        };
        let mut child = Command::new(BIN)
            .args(["demo-server", "--log-requests"])
            .args(port)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the demo server starts");
        let stdout = child.stdout.take().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (port_tx, port_rx) = mpsc::channel();
        let log = Arc::clone(&requests);
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
                    let port: u16 = rest.trim().trim_end_matches('/').parse().unwrap();
                    let _ = port_tx.send(port);
                } else if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    log.lock().unwrap().push(v);
                }
            }
        });
        let port = port_rx
            .recv_timeout(DEADLINE)
            .expect("the demo server prints its port");
        DemoProcess {
            child,
            port,
            requests,
        }
    }

    /// The logged lines (`action`, `body`, `status`, `new_cursor`) of one action.
    pub fn logged(&self, action: &str) -> Vec<Value> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r["action"] == action)
            .cloned()
            .collect()
    }

    /// The bodies of the logged requests of one action.
    pub fn bodies(&self, action: &str) -> Vec<Value> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r["action"] == action)
            .map(|r| r["body"].clone())
            .collect()
    }
}

impl Drop for DemoProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The browser in a pseudo-terminal, its output parsed by a terminal emulator.
pub struct Tui {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    output: Arc<Mutex<Vec<u8>>>,
    /// Counts the reads from the terminal; notified on each, so waits wake at once.
    updates: Arc<(Mutex<u64>, Condvar)>,
    started: Instant,
    /// The terminal device the browser runs on, kept open by the test so that its
    /// modes can be read after the browser exits.
    slave: std::fs::File,
}

impl Tui {
    pub fn start<S: AsRef<OsStr>>(args: &[S], home: &Path) -> Tui {
        Tui::start_with(args, home, (COLS, ROWS), &[])
    }

    /// The browser at `cols`×`rows` with extra environment variables.
    pub fn start_with<S: AsRef<OsStr>>(
        args: &[S],
        home: &Path,
        (cols, rows): (u16, u16),
        env: &[(&str, &str)],
    ) -> Tui {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let started = Instant::now();
        let child = pair.slave.spawn_command(command(args, home, env)).unwrap();
        let slave = open_slave(&*pair.master);
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            rows.try_into().unwrap(),
            cols.try_into().unwrap(),
            0,
        )));
        let output = Arc::new(Mutex::new(Vec::new()));
        let updates = Arc::new((Mutex::new(0u64), Condvar::new()));
        let (s, o, u) = (
            Arc::clone(&screen),
            Arc::clone(&output),
            Arc::clone(&updates),
        );
        thread::spawn(move || {
            // Keeps the master open until the reader is done.
            let _master = pair.master;
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        s.lock().unwrap().process(&buf[..n]);
                        o.lock().unwrap().extend_from_slice(&buf[..n]);
                        *u.0.lock().unwrap() += 1;
                        u.1.notify_all();
                    }
                }
            }
        });
        Tui {
            child,
            writer,
            screen,
            output,
            updates,
            started,
            slave,
        }
    }

    /// The browser's process id.
    pub fn pid(&self) -> i32 {
        self.child.process_id().expect("a running child has an id") as i32
    }

    /// True when the terminal is in its normal (cooked) mode: line editing and echo on.
    pub fn terminal_is_cooked(&self) -> bool {
        use std::os::fd::AsRawFd;
        // SAFETY: tcgetattr fills the termios it is given; the fd is open.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        let rc = unsafe { libc::tcgetattr(self.slave.as_raw_fd(), &mut t) };
        assert_eq!(rc, 0, "reading the terminal's modes");
        t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0
    }

    /// The process's state letter from /proc (`T` when stopped).
    pub fn process_state(&self) -> char {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        stat.rsplit(')')
            .next()
            .and_then(|r| r.trim().chars().next())
            .unwrap_or('?')
    }

    /// Sends a signal to the browser.
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill only sends a signal, to our own child.
        let rc = unsafe { libc::kill(self.pid(), sig) };
        assert_eq!(rc, 0, "sending signal {sig}");
    }

    /// How many bytes the browser has written so far.
    pub fn output_len(&self) -> usize {
        self.output.lock().unwrap().len()
    }

    /// The output written after byte `from`.
    pub fn output_since(&self, from: usize) -> Vec<u8> {
        self.output.lock().unwrap()[from..].to_vec()
    }

    pub fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits until the screen shows `text`; how long it took since start.
    pub fn wait_for(&self, text: &str) -> Duration {
        self.wait_until(&format!("{text:?} on screen"), || {
            self.contents().contains(text)
        });
        self.started.elapsed()
    }

    pub fn wait_until(&self, what: &str, mut done: impl FnMut() -> bool) {
        let start = Instant::now();
        loop {
            let seen = *self.updates.0.lock().unwrap();
            if done() {
                return;
            }
            if start.elapsed() > DEADLINE {
                panic!("timed out waiting for {what}; screen:\n{}", self.contents());
            }
            // Wakes as soon as the terminal shows something new; conditions that do not
            // depend on the screen (the server's request log) are looked at again soon.
            let guard = self.updates.0.lock().unwrap();
            let _ = self
                .updates
                .1
                .wait_timeout_while(guard, RECHECK, |n| *n == seen)
                .unwrap();
        }
    }

    /// Waits for the process to end; its exit code.
    pub fn wait_exit(&mut self) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.exit_code();
            }
            if start.elapsed() > DEADLINE {
                let _ = self.child.kill();
                panic!("the browser did not exit; screen:\n{}", self.contents());
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn raw_output(&self) -> Vec<u8> {
        self.output.lock().unwrap().clone()
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// The binary with `args` as the harness runs it: in `home`, with its config, state,
/// data and cache under it, the demo key pair, UTC, a colour terminal, and `env` on top.
fn command<S: AsRef<OsStr>>(args: &[S], home: &Path, env: &[(&str, &str)]) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(BIN);
    cmd.args(args);
    cmd.cwd(home);
    cmd.env("HOME", home);
    for var in [
        "XDG_CONFIG_HOME",
        "XDG_STATE_HOME",
        "XDG_DATA_HOME",
        "XDG_CACHE_HOME",
    ] {
        cmd.env(var, home.join(var.to_lowercase()));
    }
    cmd.env("VOLC_ACCESSKEY", DEMO_ACCESS_KEY);
    cmd.env("VOLC_SECRETKEY", DEMO_SECRET_KEY);
    cmd.env_remove("VOLC_SESSION_TOKEN");
    cmd.env("TERM", "xterm-256color");
    cmd.env("TZ", "UTC");
    cmd.env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// What a command run in a pseudo-terminal to its end left.
pub struct Printed {
    /// Its exit code.
    pub code: u32,
    /// Everything it printed, control sequences and all.
    pub text: String,
}

/// Runs the binary with `args` (and `env`) in a pseudo-terminal `cols` wide to its
/// end, which must come within [`DEADLINE`]: for commands that print and exit, to
/// see what a person at a terminal sees.
pub fn run_in_terminal<S: AsRef<OsStr> + std::fmt::Debug>(
    args: &[S],
    home: &Path,
    cols: u16,
    env: &[(&str, &str)],
) -> Printed {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut child = pair.slave.spawn_command(command(args, home, env)).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 8192];
        // The terminal reports an end (or an error) once the program has exited
        // and so closed it.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        let _ = tx.send(all);
    });
    let Ok(output) = rx.recv_timeout(DEADLINE) else {
        let _ = child.kill();
        panic!("volc-im {args:?} did not end within {DEADLINE:?}");
    };
    let status = child.wait().unwrap();
    Printed {
        code: status.exit_code(),
        text: String::from_utf8_lossy(&output).into_owned(),
    }
}

/// Opens the pseudo-terminal's other side, as the browser sees it.
fn open_slave(master: &dyn portable_pty::MasterPty) -> std::fs::File {
    let fd = master.as_raw_fd().expect("a unix pty has a descriptor");
    let mut name = [0 as libc::c_char; 128];
    // SAFETY: ptsname_r writes a NUL-terminated name into the buffer it is given.
    let rc = unsafe { libc::ptsname_r(fd, name.as_mut_ptr(), name.len()) };
    assert_eq!(rc, 0, "naming the pty");
    let name = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) };
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().unwrap())
        .expect("opening the pty")
}

/// True when `needle` occurs in `haystack`.
/// The arguments that name the demo app's group conversation, then `more`.
pub fn demo_group(more: &[&str]) -> Vec<String> {
    let (app, group) = (
        volc_im::demo::DEMO_APP_ID.to_string(),
        volc_im::demo::DEMO_GROUP.to_string(),
    );
    let named = ["--app-id", &app, "--conversation", &group];
    named.iter().chain(more).map(|a| a.to_string()).collect()
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The sequences that give the terminal back: mouse reporting off, main screen,
/// cursor shown.
pub const RESTORE_SEQUENCES: [&[u8]; 3] = [b"\x1b[?1000l", b"\x1b[?1049l", b"\x1b[?25h"];

/// Something of a message's text that a row shows whole: its first words in ASCII,
/// else its first characters.
pub fn recognisable(text: &str) -> String {
    let ascii: String = text
        .chars()
        .take_while(|c| c.is_ascii() && !c.is_ascii_control())
        .collect();
    let ascii = ascii.trim().to_owned();
    if ascii.len() >= 6 {
        ascii.chars().take(24).collect()
    } else {
        text.chars().take(3).collect()
    }
}

/// The demo group's messages, newest first.
pub fn group_newest_first() -> Vec<volc_im::model::Message> {
    let conv = demo_data()
        .conversation(ConversationId(DEMO_GROUP))
        .expect("the demo group exists");
    let mut messages = conv.messages();
    messages.sort_by_key(|m| std::cmp::Reverse(m.order_key()));
    messages
}

/// A server on loopback that takes connections and requests and never answers.
/// Its thread ends with the test process.
pub fn silent_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    endpoint
}
