//! How the process sets itself up before any command runs: no huge pages, and
//! no log thread for a command.

/// The heap is a few MiB: huge pages would only make the kernel clear 2 MiB at
/// each first touch.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_process_runs_without_transparent_huge_pages() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_volc-im"))
        .args(["demo-server", "--port", "0"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.starts_with("listening on ") {
            break;
        }
    }
    let pid = child.id().expect("still running");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let threads: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .collect();
    child.kill().await.unwrap();
    // A command writes its few log lines itself; only the browser logs from a
    // thread of its own.
    assert!(
        !threads.iter().any(|name| name.starts_with("tracing")),
        "{threads:?}"
    );
    // Kernels before 6.0 do not report the flag.
    if let Some(line) = status.lines().find(|l| l.starts_with("THP_enabled:")) {
        assert_eq!(line.split_whitespace().nth(1), Some("0"), "{line}");
    }
}
