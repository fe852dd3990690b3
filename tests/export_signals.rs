//! `volc-im export` stopped by a real signal: it keeps what it wrote, prints the
//! command that resumes it, exits 130 after Ctrl-C (SIGINT), 143 after SIGTERM and
//! 129 after SIGHUP; resuming completes the output with no gap and no duplicate.

mod common;

use std::time::{Duration, Instant};

use common::*;
use volc_im::demo::{DEMO_GROUP, DemoOptions, DemoServer};

/// Waits until `path` holds at least `lines` lines.
async fn wait_for_lines(path: &std::path::Path, lines: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = std::fs::read_to_string(path).unwrap_or_default();
        if now.lines().count() >= lines {
            return;
        }
        assert!(Instant::now() < deadline, "no output after 30 s: {now:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_sigterm_and_sighup_keep_the_output_and_say_how_to_resume() {
    let server = DemoServer::start(DemoOptions {
        latency: Duration::from_millis(150),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let all = demo_raw(DEMO_GROUP);
    assert!(all.len() > 100, "the conversation must take several pages");
    for (signal, code, said) in [
        (libc::SIGINT, 130, "interrupted (Ctrl-C)"),
        (libc::SIGTERM, 143, "stopped by SIGTERM"),
        (libc::SIGHUP, 129, "stopped by SIGHUP"),
    ] {
        let out = home.path().join(format!("group-{signal}.jsonl"));
        let mut args = export_from(&server.endpoint(), &[DEMO_GROUP]);
        args.extend(words(&["--output", out.to_str().unwrap()]));
        let child = volc_im(home.path())
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        wait_for_lines(&out, 20).await;
        let pid = child.id().unwrap() as i32;
        // SAFETY: kill(2) sends a signal to the child this test started.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let ran = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
            .await
            .expect("the export ends after the signal")
            .unwrap();
        let stderr = String::from_utf8_lossy(&ran.stderr).into_owned();
        assert_eq!(ran.status.code(), Some(code), "{said}: {stderr}");
        assert!(stderr.starts_with(&format!("volc-im: {said}")), "{stderr}");
        let kept = std::fs::read_to_string(&out).unwrap();
        let kept = jsonl_lines(&kept);
        assert!(!kept.is_empty() && kept.len() < all.len(), "{said}");
        assert_eq!(kept, all[..kept.len()], "{said}: a clean prefix");

        let resumed = run(&mut volc_im(home.path()), &resume_args(&stderr)).await;
        assert!(resumed.status.success(), "{said}: {}", resumed.stderr);
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(jsonl_lines(&text), all, "{said}: no gap, no duplicate");
    }
}
