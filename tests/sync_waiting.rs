//! `volc-im sync` in a terminal against a server that takes requests and never
//! answers: the progress line says so within seconds instead of a bare "starting".

use std::io::Read;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

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
fn a_sync_from_a_server_that_never_answers_is_shown_waiting() {
    let endpoint = silent_server();
    let home = tempfile::tempdir().unwrap();
    let archive = home.path().join("archive.sqlite3");
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_volc-im"));
    cmd.args([
        "sync",
        "--endpoint",
        &endpoint,
        "--app-id",
        "1",
        "--conversation",
        "9",
        "--archive",
        archive.to_str().unwrap(),
    ]);
    cmd.env_clear();
    cmd.env("HOME", home.path());
    cmd.env("TERM", "xterm-256color");
    cmd.env("XDG_STATE_HOME", home.path().join("state"));
    cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
    cmd.env("VOLC_ACCESSKEY", "AKLTtest");
    cmd.env("VOLC_SECRETKEY", "test-secret");
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let mut seen = Vec::new();
    let wanted = "waiting for the server · 1 s · attempt 1 of ";
    while !String::from_utf8_lossy(&seen).contains(wanted) {
        let left = Duration::from_secs(10).saturating_sub(started.elapsed());
        match rx.recv_timeout(left) {
            Ok(more) => seen.extend(more),
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "no {wanted:?} within 10 s; shown: {:?}",
                    String::from_utf8_lossy(&seen)
                );
            }
        }
    }
    let shown = started.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    assert!(shown < Duration::from_secs(4), "shown after {shown:?}");
}
