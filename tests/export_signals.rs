//! `volc-im export` stopped by a real signal: it keeps what it wrote, prints the
//! command that resumes it, exits 130 after Ctrl-C (SIGINT), 143 after SIGTERM and
//! 129 after SIGHUP; resuming completes the output with no gap and no duplicate.

mod common;

use std::time::Duration;

use common::*;
use volc_im::demo::{DEMO_GROUP, DemoOptions, DemoServer};

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
        let ran = export_stopped_by(&server.endpoint(), home.path(), &out, signal, 20).await;
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
