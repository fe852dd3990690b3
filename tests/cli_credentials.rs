//! Credentials as a user keeps them: the SDKs' INI file written by hand on another
//! system, and a `secret_key_command` that misbehaves.

mod common;

use std::time::{Duration, Instant};

use common::*;
use volc_im::demo::{DEMO_ACCESS_KEY, DEMO_DIRECT, DEMO_SECRET_KEY, DemoOptions, DemoServer};

fn without_env_credentials(home: &std::path::Path) -> tokio::process::Command {
    let mut cmd = volc_im(home);
    cmd.env_remove("VOLC_ACCESSKEY")
        .env_remove("VOLC_SECRETKEY");
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credentials_file_with_bom_crlf_comments_and_odd_case_signs_requests() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".volc")).unwrap();
    std::fs::write(
        home.path().join(".volc/credentials"),
        format!(
            "\u{feff}# written on Windows\r\n[DEFAULT]\r\nAccess_Key_Id = {DEMO_ACCESS_KEY} ; mine\r\n\
             secret_access_key = {DEMO_SECRET_KEY}   # keep private\r\n"
        ),
    )
    .unwrap();
    let ran = run(
        &mut without_env_credentials(home.path()),
        &export_from(&server.endpoint(), &[DEMO_DIRECT]),
    )
    .await;
    assert!(ran.status.success(), "{}", ran.stderr);
    assert_eq!(jsonl_lines(&ran.stdout), demo_raw(DEMO_DIRECT));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_key_command_that_hangs_or_floods_fails_fast_without_showing_itself() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    for (command, said) in [
        ("sleep 30; echo hunter2-cmd", "did not finish within 1s"),
        ("yes hunter2-cmd", "printed more than 64 KiB"),
        (
            "echo hunter2-out; echo 'vault is sealed' >&2; exit 4",
            "vault is sealed",
        ),
    ] {
        let config = home.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "access_key_id = \"{DEMO_ACCESS_KEY}\"\nsecret_key_command = {command:?}\n\
                 secret_key_command_timeout_secs = 1\n"
            ),
        )
        .unwrap();
        let mut args = export_from(&server.endpoint(), &[DEMO_DIRECT]);
        args.extend(words(&["--config", config.to_str().unwrap()]));
        let started = Instant::now();
        let ran = run(&mut without_env_credentials(home.path()), &args).await;
        assert!(started.elapsed() < Duration::from_secs(15), "{command}");
        assert_eq!(ran.status.code(), Some(1), "{command}: {}", ran.stderr);
        assert!(ran.stderr.contains("secret_key_command"), "{}", ran.stderr);
        assert!(ran.stderr.contains(said), "{command}: {}", ran.stderr);
        let log = std::fs::read_to_string(home.path().join("state/volc-im/volc-im.log"))
            .unwrap_or_default();
        for shown in [&ran.stderr, &log] {
            assert!(!shown.contains("hunter2"), "{command}: {shown}");
        }
    }
}
