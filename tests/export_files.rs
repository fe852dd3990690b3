//! What `volc-im export` does to the files it is given: it appends only to its own
//! output of the same format, never writes a file another export is writing, exports
//! a conversation given twice once, and says each cause of an error once.

mod common;

use common::*;
use volc_im::demo::{DEMO_DIRECT, DEMO_GROUP};

fn export_demo(format: &str, output: &std::path::Path, append: bool) -> Vec<String> {
    let mut args = words(&[
        "export",
        "--demo",
        "--conversation",
        "demo-direct",
        "--format",
        format,
        "--output",
        output.to_str().unwrap(),
    ]);
    if append {
        args.push("--append".into());
    }
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_refuses_any_file_that_is_not_its_own_output_of_that_format() {
    let home = tempfile::tempdir().unwrap();
    let formats = ["jsonl", "json", "csv", "markdown"];
    let mut files = vec![home.path().join("notes.md")];
    std::fs::write(&files[0], "# Notes\n\nbuy milk\n").unwrap();
    for format in formats {
        let file = home.path().join(format!("direct.{format}"));
        let ran = run(
            &mut volc_im(home.path()),
            &export_demo(format, &file, false),
        )
        .await;
        assert!(ran.status.success(), "{format}: {}", ran.stderr);
        files.push(file);
    }
    for format in formats {
        for file in &files {
            if file.extension().unwrap() == format {
                continue;
            }
            let before = std::fs::read(file).unwrap();
            let ran = run(&mut volc_im(home.path()), &export_demo(format, file, true)).await;
            assert_eq!(ran.status.code(), Some(1), "{format} onto {file:?}");
            assert!(
                ran.stderr.contains("cannot append to") && ran.stderr.contains("does not read as"),
                "{format} onto {file:?}: {}",
                ran.stderr
            );
            assert_eq!(std::fs::read(file).unwrap(), before, "nothing changed");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_another_export_is_writing_is_refused_at_once_and_left_alone() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("group.jsonl");
    let ran = run(
        &mut volc_im(home.path()),
        &export_demo("jsonl", &file, false),
    )
    .await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let before = std::fs::read(&file).unwrap();
    // Another writer: this process holds the lock an export holds while writing.
    let other = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap();
    other.try_lock().unwrap();
    for append in [true, false] {
        let started = std::time::Instant::now();
        let ran = run(
            &mut volc_im(home.path()),
            &export_demo("jsonl", &file, append),
        )
        .await;
        assert_eq!(ran.status.code(), Some(1), "{}", ran.stderr);
        assert!(
            ran.stderr
                .contains("is being written by another volc-im export"),
            "{}",
            ran.stderr
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        assert_eq!(std::fs::read(&file).unwrap(), before, "append {append}");
    }
    drop(other);
    let ran = run(
        &mut volc_im(home.path()),
        &export_demo("jsonl", &file, true),
    )
    .await;
    assert!(ran.status.success(), "once free: {}", ran.stderr);
    assert_eq!(std::fs::read(&file).unwrap(), before, "nothing new to add");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_given_twice_is_exported_once_with_a_warning() {
    let home = tempfile::tempdir().unwrap();
    let args = words(&[
        "export",
        "--demo",
        "--conversation",
        "demo-direct",
        "--conversation",
        "demo-group",
        "--conversation",
        &DEMO_DIRECT.to_string(),
    ]);
    let ran = run(&mut volc_im(home.path()), &args).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let mut want = demo_raw(DEMO_DIRECT);
    want.extend(demo_raw(DEMO_GROUP));
    assert_eq!(jsonl_lines(&ran.stdout), want);
    assert_eq!(
        ran.stderr.trim(),
        format!(
            "volc-im: warning: --conversation {DEMO_DIRECT} is conversation {DEMO_DIRECT} \
             (demo-direct) again: exporting it once"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_says_its_cause_once() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("no such dir").join("out.jsonl");
    let ran = run(
        &mut volc_im(home.path()),
        &export_demo("jsonl", &file, false),
    )
    .await;
    assert_eq!(ran.status.code(), Some(1));
    assert_eq!(
        ran.stderr.trim(),
        format!(
            "volc-im: writing {}: No such file or directory (os error 2)",
            file.display()
        )
    );
}
