//! `volc-im api` as a user runs it: a real subprocess against the demo server.

mod common;

use common::{Ran, run, volc_im, words};
use volc_im::demo::{DEMO_APP_ID, DEMO_GROUP, DemoOptions, DemoServer};

/// Runs `volc-im api ...` with the demo key pair in the environment.
async fn api(home: &std::path::Path, args: &[&str]) -> Ran {
    let mut all = vec!["api"];
    all.extend_from_slice(args);
    run(&mut volc_im(home), &words(&all)).await
}

/// Runs `volc-im api ACTION --endpoint <server> --body BODY`.
async fn api_on(home: &std::path::Path, server: &DemoServer, action: &str, body: &str) -> Ran {
    api(
        home,
        &[action, "--endpoint", &server.endpoint(), "--body", body],
    )
    .await
}

#[tokio::test]
async fn api_prints_the_result_of_a_signed_call() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let body = format!(
        r#"{{"AppId":{DEMO_APP_ID},"ConversationShortId":{DEMO_GROUP},"Cursor":0,"Limit":2,"Reverse":0}}"#
    );
    let out = api_on(home.path(), &server, "GetConversationMessages", &body).await;
    assert!(out.status.success(), "{}", out.stderr);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["Messages"].as_array().unwrap().len(), 2);
    assert_eq!(value["HasMore"], true);
}

#[tokio::test]
async fn api_reads_the_body_from_a_file() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("body.json");
    std::fs::write(
        &file,
        format!(r#"{{"AppId":{DEMO_APP_ID},"ConversationShortId":{DEMO_GROUP}}}"#),
    )
    .unwrap();
    let body = format!("@{}", file.display());
    let out = api_on(home.path(), &server, "GetConversationUserCount", &body).await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stdout.contains("\"Count\""), "{}", out.stdout);
}

#[tokio::test]
async fn a_wrong_secret_fails_with_code_and_request_id_and_never_shows_the_secret() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut cmd = volc_im(home.path());
    cmd.env("VOLC_SECRETKEY", "wrong-secret-value");
    let args = [
        "api",
        "BatchGetUser",
        "--endpoint",
        &server.endpoint(),
        "--body",
        r#"{"AppId":100001,"UserIds":[1]}"#,
    ];
    let out = run(&mut cmd, &words(&args)).await;
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("SignatureDoesNotMatch"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("RequestId"), "{}", out.stderr);
    assert_eq!(
        out.stderr.trim().lines().count(),
        1,
        "one line: {}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("wrong-secret-value") && !out.stdout.contains("wrong-secret-value")
    );
}

#[tokio::test]
async fn dry_run_prints_the_signed_request_without_secrets() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = volc_im(home.path());
    cmd.env("VOLC_ACCESSKEY", "AKLTexample")
        .env("VOLC_SECRETKEY", "very-secret-key")
        .env("VOLC_SESSION_TOKEN", "very-secret-token");
    let args = [
        "api",
        "GetMessages",
        "--dry-run",
        "--body",
        r#"{"AppId":1,"ConversationShortId":2,"MessageIds":[3]}"#,
    ];
    let out = run(&mut cmd, &words(&args)).await;
    let stdout = &out.stdout;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        stdout.starts_with(
            "POST https://rtc.volcengineapi.com/?Action=GetMessages&Version=2020-12-01\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("Authorization: HMAC-SHA256 Credential=AKLTexample/"),
        "{stdout}"
    );
    assert!(
        stdout.contains("SignedHeaders=content-type;host;x-content-sha256;x-date;x-security-token"),
        "{stdout}"
    );
    assert!(stdout.contains("X-Security-Token: ***"), "{stdout}");
    assert!(
        stdout
            .trim_end()
            .ends_with(r#"{"AppId":1,"ConversationShortId":2,"MessageIds":[3]}"#)
    );
    assert!(!stdout.contains("very-secret") && !out.stderr.contains("very-secret"));
}

#[tokio::test]
async fn a_bad_body_or_action_is_refused_before_any_request() {
    let home = tempfile::tempdir().unwrap();
    let out = api(home.path(), &["GetMessages", "--demo", "--body", "{oops"]).await;
    assert!(!out.status.success());
    assert!(out.stderr.contains("not valid JSON"), "{}", out.stderr);
    let out = api(home.path(), &["Get Messages", "--demo"]).await;
    assert!(!out.status.success());
    assert!(out.stderr.contains("not an action name"), "{}", out.stderr);
}

#[tokio::test]
async fn no_credentials_says_where_to_put_them() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = volc_im(home.path());
    cmd.env_remove("VOLC_ACCESSKEY")
        .env_remove("VOLC_SECRETKEY");
    let out = run(&mut cmd, &words(&["api", "GetMessages", "--body", "{}"])).await;
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("VOLC_ACCESSKEY") && out.stderr.contains("--demo"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn config_errors_name_file_line_and_key() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("c.toml");
    std::fs::write(&cfg, "region = \"cn-north-1\"\nmax_qsp = 10\n").unwrap();
    let out = api(
        home.path(),
        &["GetMessages", "--config", cfg.to_str().unwrap()],
    )
    .await;
    assert!(!out.status.success());
    assert!(
        out.stderr
            .contains(&format!("{}:2: max_qsp", cfg.display())),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn plain_http_off_loopback_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let out = api(
        home.path(),
        &[
            "GetMessages",
            "--endpoint",
            "http://im.example.invalid",
            "--body",
            "{}",
        ],
    )
    .await;
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("--allow-insecure-http"),
        "{}",
        out.stderr
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_config_file_with_a_secret_readable_by_others_gets_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("c.toml");
    std::fs::write(
        &cfg,
        "access_key_id = \"AK\"\nsecret_access_key = \"file-secret\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut cmd = volc_im(home.path());
    cmd.env_remove("VOLC_ACCESSKEY")
        .env_remove("VOLC_SECRETKEY");
    let args = words(&[
        "api",
        "GetMessages",
        "--dry-run",
        "--config",
        cfg.to_str().unwrap(),
    ]);
    let out = run(&mut cmd, &args).await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stderr.contains("chmod 600"), "{}", out.stderr);
    assert!(!out.stderr.contains("file-secret") && !out.stdout.contains("file-secret"));
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut cmd = volc_im(home.path());
    cmd.env_remove("VOLC_ACCESSKEY")
        .env_remove("VOLC_SECRETKEY");
    let out = run(&mut cmd, &args).await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(!out.stderr.contains("chmod"), "no warning once private");
}

/// A call to a closed loopback port: it fails after its retries, and logs.
fn unanswered_call() -> Vec<String> {
    words(&[
        "api",
        "GetMessages",
        "--endpoint",
        "http://127.0.0.1:9",
        "--body",
        "{}",
    ])
}

#[cfg(unix)]
#[tokio::test]
async fn the_log_file_is_private_and_holds_no_secret() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let mut cmd = volc_im(home.path());
    cmd.env("VOLC_SECRETKEY", "log-must-not-hold-this")
        .env("VOLC_IM_LOG", "debug");
    let out = run(&mut cmd, &unanswered_call()).await;
    assert!(!out.status.success());
    let log = home
        .path()
        .join("state")
        .join("volc-im")
        .join("volc-im.log");
    let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}", log.display());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.is_empty());
    assert!(!text.contains("log-must-not-hold-this"), "{text}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_log_holds_info_lines_unless_asked_for_more_and_an_open_log_is_narrowed() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("state").join("volc-im");
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("volc-im.log");
    std::fs::write(&log, "an earlier line\n").unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
    let args = unanswered_call();
    let mut cmd = volc_im(home.path());
    cmd.env_remove("VOLC_IM_LOG");
    assert!(!run(&mut cmd, &args).await.status.success());
    let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "narrowed");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.starts_with("an earlier line\n"), "appended to: {text}");
    assert!(text.contains(" INFO volc_im::"), "{text}");
    assert!(!text.contains("DEBUG"), "info and above by default: {text}");

    let mut cmd = volc_im(home.path());
    cmd.env("VOLC_IM_LOG", "debug");
    assert!(!run(&mut cmd, &args).await.status.success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("DEBUG"), "VOLC_IM_LOG asks for more: {text}");
}

#[tokio::test]
async fn region_on_the_command_line_picks_its_endpoint_over_the_files() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("c.toml");
    std::fs::write(&cfg, "endpoint = \"https://rtc.volcengineapi.com\"\n").unwrap();
    let args = [
        "GetMessages",
        "--dry-run",
        "--region",
        "ap-southeast-1",
        "--config",
        cfg.to_str().unwrap(),
    ];
    let out = api(home.path(), &args).await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("POST https://open-ap-singapore-1.volcengineapi.com/"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("/ap-southeast-1/rtc/request"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn a_missing_config_file_is_named_once() {
    let home = tempfile::tempdir().unwrap();
    let out = api(
        home.path(),
        &["GetMessages", "--config", "/nonexistent/volc-im.toml"],
    )
    .await;
    assert!(!out.status.success());
    assert_eq!(
        out.stderr.matches("No such file").count(),
        1,
        "{}",
        out.stderr
    );
}
