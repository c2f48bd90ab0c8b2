//! The examples' command lines, run as a newcomer runs them: `--help`, exit codes, and
//! experiments that leave the committed pictures (and `git status`) alone.
//!
//! The tests run the example binaries in `target/<profile>/examples/`, after a
//! `cargo build --example` that brings them up to date.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The path of an example binary, built (or brought up to date) once per test process.
fn example(name: &str) -> PathBuf {
    static BUILT: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    // target/<profile>/deps/examples_cli-<hash> → target/<profile>/examples/<name>
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    let mut built = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if built.insert(name.to_string()) {
        // A no-op when `cargo test` has just built the examples; needed when it has not
        // (`cargo test --test examples_cli` builds only this file).
        let mut cargo = Command::new(option_env!("CARGO").unwrap_or("cargo"));
        cargo
            .current_dir(repo())
            .args(["build", "--quiet", "--example", name]);
        if profile_dir.file_name().is_some_and(|p| p == "release") {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("cargo runs");
        assert!(status.success(), "cargo build --example {name} failed");
    }
    profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// Runs an example from a scratch directory (not the repository: a newcomer may be anywhere).
fn run(name: &str, args: &[&str]) -> Output {
    let cwd = std::env::temp_dir();
    Command::new(example(name))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the example starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file of graphs/ with its bytes.
fn graphs_snapshot() -> BTreeMap<PathBuf, Vec<u8>> {
    std::fs::read_dir(repo().join("graphs"))
        .expect("graphs/ exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).expect("readable");
            (p, bytes)
        })
        .collect()
}

/// `git status --porcelain`, or `None` outside a git checkout (e.g. a source tarball).
fn git_status() -> Option<String> {
    let out = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=all"])
        .current_dir(repo())
        .output()
        .ok()?;
    out.status.success().then(|| text(&out.stdout))
}

#[test]
fn xor_train_experiment_leaves_graphs_and_git_status_untouched() {
    let graphs_before = graphs_snapshot();
    let git_before = git_status();
    let out = run("xor_train", &["--seed", "3", "--epochs", "100"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        graphs_snapshot() == graphs_before,
        "xor_train --seed 3 changed graphs/"
    );
    assert_eq!(
        git_status(),
        git_before,
        "xor_train --seed 3 changed git status"
    );
    // It says where the pictures went, with the full path, and that path is out/.
    let wrote: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("wrote "))
        .collect();
    assert_eq!(wrote.len(), 5, "{stdout}"); // xor_network.{dot,svg,html}, loss, regions
    for path in wrote {
        let path = Path::new(path);
        assert!(path.is_absolute(), "{} is not a full path", path.display());
        assert_eq!(path.parent(), Some(repo().join("out").as_path()));
        assert!(path.exists());
    }
    assert!(
        stdout.contains("no PyTorch check: --seed 3 starts from random weights"),
        "{stdout}"
    );
}

#[test]
fn xor_train_out_writes_into_the_given_directory() {
    let dir = std::env::temp_dir().join(format!("scalargrad-cli-{}", std::process::id()));
    let out = run(
        "xor_train",
        &["--epochs", "0", "--out", dir.to_str().expect("UTF-8")],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    for file in [
        "xor_loss.svg",
        "xor_decision_regions.svg",
        "xor_network.dot",
    ] {
        assert!(
            dir.join(file).exists(),
            "{file} missing in {}",
            dir.display()
        );
    }
    assert!(
        stdout.contains("no PyTorch check: --epochs 0 trains nothing"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).expect("the scratch directory is removable");
}

#[test]
fn xor_train_help_lists_every_option_with_its_default() {
    let out = run("xor_train", &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for option in ["--data", "--seed", "--epochs", "--out"] {
        assert!(help.contains(option), "--help lacks {option}:\n{help}");
    }
    assert!(help.contains("[default: 10000]"), "{help}");
    assert!(help.contains("sample.csv]"), "{help}");
}

#[test]
fn usage_errors_exit_2_with_clap_message() {
    for (name, args) in [
        ("xor_train", &["--epochs", "-5"][..]),
        ("xor_train", &["--epochs=ten"][..]),
        ("xor_train", &["--sed", "3"][..]),
        ("bench", &["w9"][..]),
        ("bench", &["--reps", "0"][..]),
        ("apple_graph", &["--outt", "x"][..]),
    ] {
        let out = run(name, args);
        assert_eq!(out.status.code(), Some(2), "{name} {args:?}");
        let err = text(&out.stderr);
        assert!(err.starts_with("error: "), "{name} {args:?}: {err}");
        assert!(err.contains("--help"), "{name} {args:?}: {err}");
    }
}

#[test]
fn data_errors_exit_1_with_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("scalargrad-cli-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let csv = dir.join("bad.csv");
    std::fs::write(&csv, "x1,x2,class1,class2\n0,0,0,1\n0,1,one,0\n").expect("writable");
    let out = run("xor_train", &["--data", csv.to_str().expect("UTF-8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.csv:3: column \"class1\": expected a number, found \"one\""),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).expect("the scratch directory is removable");
}
