//! `volc-im api` as a user runs it: a real subprocess against the demo server.

use std::path::Path;
use std::process::{Command, Output};

use volc_im::demo::{
    DEMO_ACCESS_KEY, DEMO_APP_ID, DEMO_GROUP, DEMO_SECRET_KEY, DemoOptions, DemoServer,
};

/// The binary with a clean home: no developer's real config or credentials are read.
fn volc_im(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_volc-im"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"));
    cmd
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_prints_the_result_of_a_signed_call() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let body = format!(
        r#"{{"AppId":{DEMO_APP_ID},"ConversationShortId":{DEMO_GROUP},"Cursor":0,"Limit":2,"Reverse":0}}"#
    );
    let out = volc_im(home.path())
        .args([
            "api",
            "GetConversationMessages",
            "--endpoint",
            &server.endpoint(),
            "--body",
            &body,
        ])
        .env("VOLC_ACCESSKEY", DEMO_ACCESS_KEY)
        .env("VOLC_SECRETKEY", DEMO_SECRET_KEY)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["Messages"].as_array().unwrap().len(), 2);
    assert_eq!(value["HasMore"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_reads_the_body_from_a_file() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("body.json");
    std::fs::write(
        &file,
        format!(r#"{{"AppId":{DEMO_APP_ID},"ConversationShortId":{DEMO_GROUP}}}"#),
    )
    .unwrap();
    let out = volc_im(home.path())
        .args([
            "api",
            "GetConversationUserCount",
            "--endpoint",
            &server.endpoint(),
        ])
        .arg("--body")
        .arg(format!("@{}", file.display()))
        .env("VOLC_ACCESSKEY", DEMO_ACCESS_KEY)
        .env("VOLC_SECRETKEY", DEMO_SECRET_KEY)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("\"Count\""), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_fails_with_code_and_request_id_and_never_shows_the_secret() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = volc_im(home.path())
        .args([
            "api",
            "BatchGetUser",
            "--endpoint",
            &server.endpoint(),
            "--body",
            r#"{"AppId":100001,"UserIds":[1]}"#,
        ])
        .env("VOLC_ACCESSKEY", DEMO_ACCESS_KEY)
        .env("VOLC_SECRETKEY", "wrong-secret-value")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("SignatureDoesNotMatch"), "{stderr}");
    assert!(stderr.contains("RequestId"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.contains("wrong-secret-value") && !stdout.contains("wrong-secret-value"));
}

#[test]
fn dry_run_prints_the_signed_request_without_secrets() {
    let home = tempfile::tempdir().unwrap();
    let out = volc_im(home.path())
        .args([
            "api",
            "GetMessages",
            "--dry-run",
            "--body",
            r#"{"AppId":1,"ConversationShortId":2,"MessageIds":[3]}"#,
        ])
        .env("VOLC_ACCESSKEY", "AKLTexample")
        .env("VOLC_SECRETKEY", "very-secret-key")
        .env("VOLC_SESSION_TOKEN", "very-secret-token")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
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
    assert!(!stdout.contains("very-secret") && !stderr.contains("very-secret"));
}

#[test]
fn a_bad_body_or_action_is_refused_before_any_request() {
    let home = tempfile::tempdir().unwrap();
    let out = volc_im(home.path())
        .args(["api", "GetMessages", "--demo", "--body", "{oops"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).1.contains("not valid JSON"));
    let out = volc_im(home.path())
        .args(["api", "Get Messages", "--demo"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).1.contains("not an action name"));
}

#[test]
fn no_credentials_says_where_to_put_them() {
    let home = tempfile::tempdir().unwrap();
    let out = volc_im(home.path())
        .args(["api", "GetMessages", "--body", "{}"])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("VOLC_ACCESSKEY") && stderr.contains("--demo"),
        "{stderr}"
    );
}

#[test]
fn config_errors_name_file_line_and_key() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("c.toml");
    std::fs::write(&cfg, "region = \"cn-north-1\"\nmax_qsp = 10\n").unwrap();
    let out = volc_im(home.path())
        .args(["api", "GetMessages", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!("{}:2: max_qsp", cfg.display())),
        "{stderr}"
    );
}

#[test]
fn plain_http_off_loopback_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let out = volc_im(home.path())
        .args([
            "api",
            "GetMessages",
            "--endpoint",
            "http://im.example.invalid",
            "--body",
            "{}",
        ])
        .env("VOLC_ACCESSKEY", "AK")
        .env("VOLC_SECRETKEY", "SK")
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("--allow-insecure-http"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_config_file_with_a_secret_readable_by_others_gets_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("c.toml");
    std::fs::write(
        &cfg,
        "access_key_id = \"AK\"\nsecret_access_key = \"file-secret\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = volc_im(home.path())
        .args(["api", "GetMessages", "--dry-run", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("chmod 600"), "{stderr}");
    assert!(!stderr.contains("file-secret") && !stdout.contains("file-secret"));
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = volc_im(home.path())
        .args(["api", "GetMessages", "--dry-run", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(!text(&out).1.contains("chmod"), "no warning once private");
}
