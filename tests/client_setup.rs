//! How the client is set up, seen from the command line: root certificates only
//! for https, and the request rate from `--max-qps`.

mod common;

use common::{export_from, jsonl_lines, run, volc_im, words};
use volc_im::demo::{DEMO_APP_ID, DEMO_DIRECT, DemoOptions, DemoServer};

/// `SSL_CERT_FILE` and `SSL_CERT_DIR` naming nothing: a client that reads the
/// system's root certificates finds none and cannot be built.
fn without_root_certificates(cmd: &mut tokio::process::Command, home: &std::path::Path) {
    cmd.env("SSL_CERT_FILE", home.join("no-such-file.pem"))
        .env("SSL_CERT_DIR", home.join("no-such-dir"));
}

fn count_body() -> String {
    format!(r#"{{"AppId":{DEMO_APP_ID},"ConversationShortId":{DEMO_DIRECT}}}"#)
}

#[tokio::test]
async fn a_plain_http_endpoint_reads_no_root_certificates() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut cmd = volc_im(home.path());
    without_root_certificates(&mut cmd, home.path());
    let args = [
        "api",
        "GetConversationUserCount",
        "--endpoint",
        &server.endpoint(),
        "--body",
        &count_body(),
    ];
    let out = run(&mut cmd, &words(&args)).await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stdout.contains("\"Count\""), "{}", out.stdout);
}

#[tokio::test]
async fn an_https_endpoint_does_read_them() {
    // The same environment breaks an https client: so the http one above did not
    // merely find certificates elsewhere.
    let home = tempfile::tempdir().unwrap();
    let mut cmd = volc_im(home.path());
    without_root_certificates(&mut cmd, home.path());
    let args = [
        "api",
        "GetConversationUserCount",
        "--endpoint",
        "https://127.0.0.1:9",
        "--body",
        &count_body(),
    ];
    let out = run(&mut cmd, &words(&args)).await;
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("cannot build the HTTP client"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn max_qps_above_the_documented_limit_warns_and_still_exports() {
    let server = DemoServer::start(DemoOptions {
        max_qps: 0,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut args = export_from(&server.endpoint(), &[DEMO_DIRECT]);
    args.extend(words(&["--max-qps", "5000"]));
    let out = run(&mut volc_im(home.path()), &args).await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("5000 requests a second is above the service's documented limit of 100"),
        "{}",
        out.stderr
    );
    assert_eq!(jsonl_lines(&out.stdout).len(), 80);

    let mut args = export_from(&server.endpoint(), &[DEMO_DIRECT]);
    args.extend(words(&["--max-qps", "100"]));
    let out = run(&mut volc_im(home.path()), &args).await;
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn max_qps_out_of_range_is_refused_before_anything_is_sent() {
    let home = tempfile::tempdir().unwrap();
    for value in ["0", "1000001", "fast"] {
        let mut args = export_from("http://127.0.0.1:9", &[DEMO_DIRECT]);
        args.extend(words(&["--max-qps", value]));
        let out = run(&mut volc_im(home.path()), &args).await;
        assert_eq!(out.status.code(), Some(2), "{value}: {}", out.stderr);
        assert!(out.stderr.contains("--max-qps"), "{}", out.stderr);
    }
}

#[tokio::test]
async fn every_command_that_calls_the_service_takes_max_qps() {
    let home = tempfile::tempdir().unwrap();
    for command in [
        &["api", "GetMessages"][..],
        &["conversations"],
        &["export"],
        &["sync"],
        &[],
    ] {
        let mut args = words(command);
        args.push("--help".into());
        let out = run(&mut volc_im(home.path()), &args).await;
        assert!(
            out.stdout.contains("--max-qps <N>"),
            "{command:?}: {}",
            out.stdout
        );
    }
}
