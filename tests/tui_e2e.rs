//! End to end: the real `volc-im` binary in a pseudo-terminal, reading the demo data
//! from a demo server running as its own process. Waits for text on screen with a
//! deadline, never with fixed sleeps.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use serde_json::Value;
use volc_im::demo::{DEMO_ACCESS_KEY, DEMO_APP_ID, DEMO_GROUP, DEMO_SECRET_KEY, demo_data};
use volc_im::model::ConversationId;

const BIN: &str = env!("CARGO_BIN_EXE_volc-im");
const DEADLINE: Duration = Duration::from_secs(20);
/// How often a wait looks again at conditions the terminal does not signal.
const RECHECK: Duration = Duration::from_millis(20);
const ROWS: u16 = 40;
const COLS: u16 = 140;

/// `volc-im demo-server --port 0 --log-requests`, with its request log.
struct DemoProcess {
    child: Child,
    port: u16,
    requests: Arc<Mutex<Vec<Value>>>,
}

impl DemoProcess {
    fn start() -> DemoProcess {
        let mut child = Command::new(BIN)
            .args(["demo-server", "--port", "0", "--log-requests"])
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
    fn logged(&self, action: &str) -> Vec<Value> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r["action"] == action)
            .cloned()
            .collect()
    }

    /// The bodies of the logged requests of one action.
    fn bodies(&self, action: &str) -> Vec<Value> {
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
struct Tui {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    output: Arc<Mutex<Vec<u8>>>,
    /// Counts the reads from the terminal; notified on each, so waits wake at once.
    updates: Arc<(Mutex<u64>, Condvar)>,
    started: Instant,
}

impl Tui {
    fn start(args: &[&str], home: &Path) -> Tui {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
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
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            ROWS.try_into().unwrap(),
            COLS.try_into().unwrap(),
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
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits until the screen shows `text`; how long it took since start.
    fn wait_for(&self, text: &str) -> Duration {
        self.wait_until(&format!("{text:?} on screen"), || {
            self.contents().contains(text)
        });
        self.started.elapsed()
    }

    fn wait_until(&self, what: &str, mut done: impl FnMut() -> bool) {
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
    fn wait_exit(&mut self) -> u32 {
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

    fn raw_output(&self) -> Vec<u8> {
        self.output.lock().unwrap().clone()
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Something of a message's text that a row shows whole: its first words in ASCII,
/// else its first characters.
fn recognisable(text: &str) -> String {
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
fn group_newest_first() -> Vec<volc_im::model::Message> {
    let conv = demo_data()
        .conversation(ConversationId(DEMO_GROUP))
        .expect("the demo group exists");
    let mut messages = conv.messages();
    messages.sort_by_key(|m| std::cmp::Reverse(m.order_key()));
    messages
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn browses_the_demo_group_pages_back_and_quits_cleanly() {
    let demo = DemoProcess::start();
    let home = tempfile::tempdir().unwrap();
    let endpoint = format!("http://127.0.0.1:{}", demo.port);
    let (app, group) = (DEMO_APP_ID.to_string(), DEMO_GROUP.to_string());
    let mut tui = Tui::start(
        &[
            "--endpoint",
            &endpoint,
            "--app-id",
            &app,
            "--conversation",
            &group,
        ],
        home.path(),
    );

    // It opens on the newest message.
    let newest = group_newest_first();
    let newest_text = newest[0].decoded_content().summary();
    let first_frame = tui.wait_for(&recognisable(&newest_text));
    eprintln!("first frame with the newest message after {first_frame:?}");

    // The first page asks for the newest messages.
    tui.wait_until("the first GetConversationMessages", || {
        !demo.bodies("GetConversationMessages").is_empty()
    });
    let first = &demo.bodies("GetConversationMessages")[0];
    assert_eq!(
        (&first["Cursor"], &first["Reverse"]),
        (&i64::MAX.into(), &1.into())
    );

    // Moving up past the top asks for the page before, from the NewCursor of the
    // answer that came before it, as the server logged both.
    tui.send("g");
    for _ in 0..5 {
        tui.send("k");
    }
    tui.wait_until("a third GetConversationMessages", || {
        demo.logged("GetConversationMessages").len() >= 3
    });
    let pages = demo.logged("GetConversationMessages");
    for (i, pair) in pages.windows(2).enumerate() {
        let new_cursor = &pair[0]["new_cursor"];
        assert!(new_cursor.is_i64(), "answer {i} had a NewCursor: {pages:?}");
        assert_eq!(
            &pair[1]["body"]["Cursor"],
            new_cursor,
            "request {} starts at the NewCursor of answer {i}: {pages:?}",
            i + 1
        );
        assert_eq!(pair[1]["body"]["Reverse"], 1);
    }

    // A reply shows its quoted hint.
    tui.wait_for("↪");
    tui.wait_until("display names asked for", || {
        !demo.bodies("BatchGetUser").is_empty()
    });

    tui.send("q");
    assert_eq!(tui.wait_exit(), 0, "q exits with status 0");
    // The terminal is restored: main screen, cursor shown. (The reader may still be
    // draining the last bytes the browser wrote, hence the wait.)
    tui.wait_until("the sequences restoring the terminal", || {
        let out = tui.raw_output();
        contains(&out, b"\x1b[?1049l") && contains(&out, b"\x1b[?25h")
    });
    assert!(contains(&tui.raw_output(), b"\x1b[?1049h"));
}

#[test]
fn demo_mode_opens_on_its_own_and_times_the_first_frame() {
    let home = tempfile::tempdir().unwrap();
    let group = DEMO_GROUP.to_string();
    let mut tui = Tui::start(&["--demo", "--conversation", &group], home.path());
    let newest = group_newest_first();
    let text = newest[0].decoded_content().summary();
    let first_frame = tui.wait_for(&recognisable(&text));
    eprintln!("demo mode: first full frame after {first_frame:?}");
    tui.wait_for("DEMO");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

/// A word of an older message (not among the newest 60, within the search's reach)
/// that no newer message shows, by text, quote or sender; and that message's text.
fn word_from_an_older_page() -> (String, String) {
    let newest = group_newest_first();
    let data = demo_data();
    let shown = |m: &volc_im::model::Message| {
        let name = m
            .body
            .sender
            .and_then(|u| data.user(u))
            .and_then(|u| u.nick_name.clone())
            .unwrap_or_default();
        let hint = m
            .body
            .ref_msg_info
            .as_ref()
            .map(|r| r.hint.clone())
            .unwrap_or_default();
        format!("{} {name} {hint}", m.decoded_content().summary()).to_lowercase()
    };
    for i in 60..300 {
        let text = newest[i].decoded_content().summary();
        for word in text.split(|c: char| !c.is_ascii_alphabetic()) {
            let word = word.to_lowercase();
            if word.len() >= 7 && !newest[..i].iter().any(|m| shown(m).contains(&word)) {
                return (word, text);
            }
        }
    }
    panic!("the demo group has no word to search for");
}

#[test]
fn a_search_finds_a_message_pages_back_while_the_screen_stays_live() {
    let home = tempfile::tempdir().unwrap();
    let group = DEMO_GROUP.to_string();
    let mut tui = Tui::start(&["--demo", "--conversation", &group], home.path());
    let newest = group_newest_first();
    tui.wait_for(&recognisable(&newest[0].decoded_content().summary()));
    let (word, text) = word_from_an_older_page();
    eprintln!("searching for {word:?}, in {text:?}");
    tui.send("/");
    tui.wait_for("Enter searches");
    tui.send(&word);
    tui.wait_for(&format!("/{word}"));
    tui.send("\r");
    let seen = recognisable(&text);
    tui.wait_until(&format!("{seen:?} selected and \"match 1/\""), || {
        let screen = tui.contents();
        screen.contains("match 1/")
            && screen
                .lines()
                .any(|l| l.starts_with('▌') && l.contains(&seen))
    });
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

/// A server on loopback that takes connections and requests and never answers.
/// Its thread ends with the test process.
fn silent_server() -> String {
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

#[test]
fn a_server_that_never_answers_is_shown_waiting_in_the_browser_and_the_export() {
    let endpoint = silent_server();
    let home = tempfile::tempdir().unwrap();
    let mut tui = Tui::start(
        &[
            "--endpoint",
            &endpoint,
            "--app-id",
            "1",
            "--conversation",
            "9",
        ],
        home.path(),
    );
    let shown = tui.wait_for("waiting for the server · 1 s · attempt 1 of 5");
    assert!(shown < Duration::from_secs(3), "shown after {shown:?}");
    tui.wait_for("waiting for the server · 2 s");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);

    let out = home.path().join("out.jsonl");
    let export = Tui::start(
        &[
            "export",
            "--endpoint",
            &endpoint,
            "--app-id",
            "1",
            "--conversation",
            "9",
            "--output",
            out.to_str().unwrap(),
        ],
        home.path(),
    );
    let shown = export.wait_for("waiting for the server · 1 s · attempt 1 of 5");
    assert!(shown < Duration::from_secs(3), "shown after {shown:?}");
}
