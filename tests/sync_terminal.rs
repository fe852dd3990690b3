//! `volc-im sync` on a terminal: progress while it runs, a summary at the end. The
//! real binary in a pseudo-terminal; the test waits for the process and its text,
//! never for a fixed time.

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use volc_im::demo::{DEMO_ACCESS_KEY, DEMO_SECRET_KEY};

const BIN: &str = env!("CARGO_BIN_EXE_volc-im");
const DEADLINE: Duration = Duration::from_secs(60);

#[test]
fn on_a_terminal_a_sync_shows_progress_and_ends_with_a_summary_per_conversation() {
    let home = tempfile::tempdir().unwrap();
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 30,
            cols: 160,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(BIN);
    cmd.args(["sync", "--demo", "--all"]);
    cmd.cwd(home.path());
    cmd.env("HOME", home.path());
    for var in ["XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"] {
        cmd.env(var, home.path().join(var.to_lowercase()));
    }
    cmd.env("VOLC_ACCESSKEY", DEMO_ACCESS_KEY);
    cmd.env("VOLC_SECRETKEY", DEMO_SECRET_KEY);
    cmd.env("TERM", "xterm-256color");
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let output = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&output);
    let reading = thread::spawn(move || {
        let _master = pair.master;
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < DEADLINE, "the sync ends");
        thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
    let _ = reading.join();
    let raw = String::from_utf8_lossy(&output.lock().unwrap()).into_owned();
    let mut screen = vt100::Parser::new(30u16.try_into().unwrap(), 160u16.try_into().unwrap(), 0);
    screen.process(raw.as_bytes());
    let text = screen.screen().contents();
    assert!(
        raw.contains("page"),
        "progress counted pages while it ran: {raw}"
    );
    for name in ["demo-group", "demo-direct", "demo-live"] {
        let label = volc_im::session::demo_conversations()
            .into_iter()
            .find(|c| c.name == name)
            .map(|c| volc_im::session::display_name(&c, true))
            .unwrap();
        assert!(
            text.contains(&format!("{label}: ")) && text.contains("new messages"),
            "a summary line for {label}: {text}"
        );
    }
    assert!(
        text.contains("synced 971 new messages") && text.contains("in 3 conversations"),
        "{text}"
    );
}
