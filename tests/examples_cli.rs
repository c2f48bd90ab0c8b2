//! The examples' command lines, run as a newcomer runs them: `--help`, exit codes, and
//! experiments that leave the committed pictures (and `git status`) alone.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{example_binary, scratch_dir};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs an example from a scratch directory (not the repository: a newcomer may be anywhere).
fn run(name: &str, args: &[&str]) -> Output {
    run_in_world(name, args, &World::AsIs)
}

/// The machine an example runs on, as far as the tools it may call are concerned.
enum World {
    /// The test's own `PATH`, whatever is installed.
    AsIs,
    /// The test's `PATH` without the directories that hold Graphviz's `dot`: a machine without
    /// Graphviz.
    WithoutGraphviz,
}

impl World {
    /// The `PATH` of the example's process.
    fn path(&self) -> std::ffi::OsString {
        let path = std::env::var_os("PATH").unwrap_or_default();
        match self {
            World::AsIs => path,
            World::WithoutGraphviz => {
                let dot = format!("dot{}", std::env::consts::EXE_SUFFIX);
                let kept: Vec<PathBuf> = std::env::split_paths(&path)
                    .filter(|dir| !dir.join(&dot).exists())
                    .collect();
                std::env::join_paths(kept).expect("the PATH's own directories join again")
            }
        }
    }

    /// Whether Graphviz's `dot` runs in this world (`dot -V` succeeds).
    fn has_graphviz(&self) -> bool {
        Command::new("dot")
            .arg("-V")
            .env("PATH", self.path())
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn describe(&self) -> &'static str {
        if self.has_graphviz() {
            "Graphviz's dot on the PATH"
        } else {
            "no Graphviz on the PATH"
        }
    }
}

/// Runs an example from a scratch directory with the `PATH` of `world`.
fn run_in_world(name: &str, args: &[&str], world: &World) -> Output {
    let cwd = std::env::temp_dir();
    Command::new(example_binary(name))
        .args(args)
        .current_dir(cwd)
        .env("PATH", world.path())
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

/// The files `xor_train` writes: `xor_network.graphviz.svg` only where Graphviz's `dot` runs.
fn xor_train_pictures(world: &World) -> BTreeSet<String> {
    let mut files: BTreeSet<String> = [
        "xor_network.dot",
        "xor_network.svg",
        "xor_network.html",
        "xor_loss.svg",
        "xor_decision_regions.svg",
    ]
    .map(String::from)
    .into();
    if world.has_graphviz() {
        files.insert("xor_network.graphviz.svg".into());
    }
    files
}

/// Runs `xor_train --seed 3 --epochs 100` in `world` and checks that it leaves graphs/ and
/// `git status` alone, and writes exactly the pictures it should, saying where with full paths.
fn xor_experiment_in(world: &World) {
    let graphs_before = graphs_snapshot();
    let git_before = git_status();
    let out = run_in_world("xor_train", &["--seed", "3", "--epochs", "100"], world);
    let stdout = text(&out.stdout);
    let w = world.describe();
    assert!(
        out.status.success(),
        "xor_train --seed 3 failed ({w}):\n{stdout}{}",
        text(&out.stderr)
    );
    assert!(
        graphs_snapshot() == graphs_before,
        "xor_train --seed 3 changed graphs/ ({w})"
    );
    assert_eq!(
        git_status(),
        git_before,
        "xor_train --seed 3 changed git status ({w})"
    );
    // It says where the pictures went, with the full path, and that path is out/.
    let wrote: Vec<&Path> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("wrote "))
        .map(Path::new)
        .collect();
    let names: BTreeSet<String> = wrote
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    let want = xor_train_pictures(world);
    assert!(
        names == want && wrote.len() == want.len(),
        "expected {} `wrote` lines ({w}): {want:?}; got {}: {wrote:?}\nmissing: {:?}\nunexpected: {:?}\n--- stdout ---\n{stdout}",
        want.len(),
        wrote.len(),
        want.difference(&names).collect::<Vec<_>>(),
        names.difference(&want).collect::<Vec<_>>(),
    );
    let out_dir = repo().join("out");
    for path in wrote {
        assert!(
            path.is_absolute(),
            "`wrote {}` is not a full path ({w})",
            path.display()
        );
        assert_eq!(
            path.parent(),
            Some(out_dir.as_path()),
            "`wrote {}` is not in {} ({w})",
            path.display(),
            out_dir.display()
        );
        assert!(
            path.exists(),
            "`wrote {}` but there is no such file ({w})",
            path.display()
        );
    }
    assert!(
        stdout.contains("no PyTorch check: --seed 3 starts from random weights"),
        "no `no PyTorch check: --seed 3 ...` line ({w}):\n{stdout}"
    );
}

// Both worlds in one test: they write the same files in out/, so they must not run in parallel.
#[test]
fn xor_train_experiment_leaves_graphs_and_git_status_untouched() {
    xor_experiment_in(&World::WithoutGraphviz);
    if World::AsIs.has_graphviz() {
        xor_experiment_in(&World::AsIs);
    } else {
        eprintln!(
            "\n*** xor_train_experiment_leaves_graphs_and_git_status_untouched: ran only without \
             Graphviz, because `dot -V` does not run on this PATH (install Graphviz to test \
             xor_network.graphviz.svg too) ***\n"
        );
    }
}

#[test]
fn xor_train_out_writes_into_the_given_directory() {
    let dir = std::env::temp_dir().join(format!("scalargrad-cli-{}", std::process::id()));
    let out = run(
        "xor_train",
        &["--epochs", "0", "--out", dir.to_str().expect("UTF-8")],
    );
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "xor_train --epochs 0 --out failed:\n{stdout}{}",
        text(&out.stderr)
    );
    for file in [
        "xor_loss.svg",
        "xor_decision_regions.svg",
        "xor_network.dot",
    ] {
        assert!(
            dir.join(file).exists(),
            "{file} missing in {}; stdout:\n{stdout}",
            dir.display()
        );
    }
    assert!(
        stdout.contains("no PyTorch check: --epochs 0 trains nothing"),
        "no `no PyTorch check: --epochs 0 ...` line:\n{stdout}"
    );
    std::fs::remove_dir_all(&dir).expect("the scratch directory is removable");
}

#[test]
fn xor_train_help_lists_every_option_with_its_default() {
    let out = run("xor_train", &["--help"]);
    let help = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "xor_train --help:\n{help}{}",
        text(&out.stderr)
    );
    for option in [
        "--data", "--seed", "--epochs", "--out", "--hidden", "--lr", "--bias",
    ] {
        assert!(help.contains(option), "--help lacks {option}:\n{help}");
    }
    assert!(
        help.contains("[default: 10000]"),
        "--help lacks --epochs' default [default: 10000]:\n{help}"
    );
    assert!(
        help.contains("sample.csv]"),
        "--help lacks --data's default (…sample.csv]):\n{help}"
    );
    for default in ["[default: 4]", "[default: 0.001]"] {
        assert!(
            help.contains(default),
            "--help lacks {default} (--hidden, --lr):\n{help}"
        );
    }
}

#[test]
fn usage_errors_exit_2_with_clap_message() {
    for (name, args) in [
        ("xor_train", &["--epochs", "-5"][..]),
        ("xor_train", &["--epochs=ten"][..]),
        ("xor_train", &["--sed", "3"][..]),
        ("xor_train", &["--hidden", "0"][..]),
        ("xor_train", &["--lr", "-1"][..]),
        ("xor_train", &["--lr", "fast"][..]),
        ("xor_train", &["--bias=yes"][..]),
        ("apple_graph", &["--outt", "x"][..]),
    ] {
        let out = run(name, args);
        let err = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{name} {args:?}: want exit code 2 (usage error); stderr:\n{err}"
        );
        assert!(
            err.starts_with("error: "),
            "{name} {args:?}: stderr does not start with `error: `:\n{err}"
        );
        assert!(
            err.contains("--help"),
            "{name} {args:?}: stderr does not point to --help:\n{err}"
        );
    }
}

#[test]
fn data_errors_exit_1_with_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("scalargrad-cli-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let csv = dir.join("bad.csv");
    std::fs::write(&csv, "x1,x2,class1,class2\n0,0,0,1\n0,1,one,0\n").expect("writable");
    let out = run("xor_train", &["--data", csv.to_str().expect("UTF-8")]);
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "xor_train --data bad.csv: want exit code 1 (bad data); stderr:\n{err}"
    );
    assert!(
        err.contains("bad.csv:3: column \"class1\": expected a number, found \"one\""),
        "the error does not name bad.csv:3, column class1 and the value \"one\":\n{err}"
    );
    std::fs::remove_dir_all(&dir).expect("the scratch directory is removable");
}

/// The circles of the `<g class="points">` group of a decision-region SVG, as (cx, cy).
fn region_points(svg: &str) -> Vec<(f64, f64)> {
    let group = svg
        .split(r#"<g class="points">"#)
        .nth(1)
        .and_then(|g| g.split("</g>").next())
        .unwrap_or_else(|| panic!("no <g class=\"points\"> in the SVG:\n{svg}"));
    let attr = |line: &str, name: &str| -> f64 {
        let start = line
            .find(&format!(" {name}=\""))
            .unwrap_or_else(|| panic!("no {name} in {line}"))
            + name.len()
            + 3;
        line[start..]
            .split('"')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} is not a number in {line}"))
    };
    group
        .lines()
        .filter(|l| l.starts_with("<circle"))
        .map(|l| (attr(l, "cx"), attr(l, "cy")))
        .collect()
}

/// The frame of the plot area: (left, top, right, bottom).
fn region_frame(svg: &str) -> (f64, f64, f64, f64) {
    let line = svg
        .lines()
        .find(|l| l.starts_with(r#"<rect class="frame""#))
        .unwrap_or_else(|| panic!("no frame in the SVG:\n{svg}"));
    let num = |name: &str| -> f64 {
        let start = line.find(&format!(" {name}=\"")).expect(name) + name.len() + 3;
        line[start..]
            .split('"')
            .next()
            .and_then(|v| v.parse().ok())
            .expect("a number")
    };
    let (x, y) = (num("x"), num("y"));
    (x, y, x + num("width"), y + num("height"))
}

/// The `accuracy: c/n` line of `xor_train`'s stdout.
fn accuracy_line(stdout: &str) -> &str {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("accuracy: "))
        .unwrap_or_else(|| panic!("no `accuracy: ` line:\n{stdout}"))
}

#[test]
fn xor_train_on_own_data_takes_axes_from_the_data_and_reports_accuracy_in_the_title() {
    let dir = scratch_dir("own-data");
    // A ring of class 0 around a blob of class 1, all of it away from the tutorial's window
    // (x2 down to −3, x1 up to 7).
    let mut csv = String::from("x1,x2,class1,class2\n");
    for k in 0..24 {
        let t = f64::from(k) * std::f64::consts::TAU / 24.0;
        let (r, inside) = if k % 2 == 0 { (2.5, 0) } else { (0.7, 1) };
        let (x1, x2) = (4.0 + r * t.cos(), r * t.sin() - 0.5);
        writeln!(csv, "{x1},{x2},{inside},{}", 1 - inside).expect("a String takes it");
    }
    let data = dir.join("ring.csv");
    std::fs::write(&data, csv).expect("writable");
    let out = run(
        "xor_train",
        &[
            "--data",
            data.to_str().expect("UTF-8"),
            "--epochs",
            "30",
            "--out",
            dir.to_str().expect("UTF-8"),
        ],
    );
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "xor_train --data ring.csv failed:\n{stdout}{}",
        text(&out.stderr)
    );
    let accuracy = accuracy_line(&stdout);
    let svg = std::fs::read_to_string(dir.join("xor_decision_regions.svg"))
        .expect("xor_decision_regions.svg written");
    let title = svg
        .lines()
        .find(|l| l.contains(r#"class="title""#))
        .expect("a title");
    assert!(
        title.contains(&format!(
            "on ring.csv: {accuracy} points classified correctly"
        )),
        "the title does not report `accuracy: {accuracy}` of the run:\n{title}"
    );
    assert!(
        !title.contains("separated") && !title.contains("4つの点"),
        "the tutorial's sentence about its four points is on another data set's plot:\n{title}"
    );
    // Every point is drawn inside the frame, none on its edge: the axes come from the data.
    let (left, top, right, bottom) = region_frame(&svg);
    let points = region_points(&svg);
    assert_eq!(points.len(), 24, "24 rows, {} points drawn", points.len());
    for (cx, cy) in points {
        assert!(
            cx > left + 5.0 && cx < right - 5.0 && cy > top + 5.0 && cy < bottom - 5.0,
            "point at ({cx}, {cy}) px is not well inside the frame {left}..{right} × {top}..{bottom}"
        );
    }
    assert!(
        svg.contains(r#"class="tick-y" "#) && svg.contains(">-3<"),
        "no tick at x2 = −3 although the data go down to −3:\n{svg}"
    );
    std::fs::remove_dir_all(&dir).expect("the scratch directory is removable");
}

#[test]
fn tutorial_sentence_only_where_the_four_points_are_separated() {
    // The committed picture, from the tutorial's run: all four points right.
    let committed = std::fs::read_to_string(repo().join("graphs/xor_decision_regions.svg"))
        .expect("graphs/xor_decision_regions.svg");
    assert!(
        committed.contains("(the four points are separated)")
            && committed.contains("wrong: 0 of 4"),
        "graphs/xor_decision_regions.svg lacks the tutorial's sentence or `wrong: 0 of 4`"
    );
    // Untrained (--epochs 0): the tutorial's initial weights do not separate them.
    let dir = scratch_dir("untrained");
    let out = run(
        "xor_train",
        &["--epochs", "0", "--out", dir.to_str().expect("UTF-8")],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let accuracy = accuracy_line(&stdout);
    let correct = accuracy.strip_suffix("/4").expect("c/4");
    assert_ne!(
        correct, "4",
        "the untrained network separates the points?\n{stdout}"
    );
    let svg = std::fs::read_to_string(dir.join("xor_decision_regions.svg")).expect("written");
    assert!(
        svg.contains(&format!(
            "only {correct} of the four points classified correctly"
        )) && !svg.contains("are separated"),
        "the title of an untrained run (accuracy {accuracy}) is not honest:\n{}",
        svg.lines().find(|l| l.contains("title")).unwrap_or("")
    );
    std::fs::remove_dir_all(&dir).expect("the scratch directory is removable");
}

#[test]
fn hidden_lr_and_bias_change_the_network_and_say_why_there_is_no_pytorch_check() {
    let dir = scratch_dir("hidden");
    let model = dir.join("model.safetensors");
    let out = run(
        "xor_train",
        &[
            "--hidden",
            "3",
            "--bias",
            "--lr",
            "0.01",
            "--epochs",
            "5",
            "--out",
            dir.to_str().expect("UTF-8"),
            "--save",
            model.to_str().expect("UTF-8"),
        ],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    for line in [
        "starting from random weights (--seed 0): the tutorial's initial weights are for its 2-4-2 network without biases, not 2-3-2 with biases",
        "no PyTorch check: a 2-3-2 network with biases is not the tutorial's 2-4-2 network without biases",
        // The saved network, as PyTorch code: 3 hidden neurons, biases (nn.Linear's default).
        "2 → 3 (sigmoid) → 2 (identity), with bias.",
        "nn.Linear(2, 3),",
        "nn.Linear(3, 2),",
    ] {
        assert!(stdout.contains(line), "missing `{line}`:\n{stdout}");
    }
    let svg = std::fs::read_to_string(dir.join("xor_decision_regions.svg")).expect("written");
    assert!(
        svg.contains("2-3-2 network with biases, 5 epochs, lr 0.01"),
        "the title does not name the network and its settings:\n{svg}"
    );
    // Only --lr: the tutorial's network and weights, but no replay to compare with.
    let out = run(
        "xor_train",
        &[
            "--lr",
            "0.01",
            "--epochs",
            "1",
            "--out",
            dir.to_str().expect("UTF-8"),
        ],
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("no PyTorch check: --lr 0.01 is not the tutorial's learning rate 0.001"),
        "{stdout}{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).expect("the scratch directory is removable");
}

/// Every `wrote` line of an example's stdout names a full path that exists.
fn assert_wrote_full_paths(name: &str, stdout: &str) {
    let wrote: Vec<&Path> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("wrote "))
        .map(Path::new)
        .collect();
    assert!(
        !wrote.is_empty(),
        "{name} printed no `wrote` line:\n{stdout}"
    );
    for path in wrote {
        assert!(
            path.is_absolute() && path.exists(),
            "{name}: `wrote {}` is not the full path of a file that exists",
            path.display()
        );
    }
}

#[test]
fn sigmoid_backprop_prints_no_minus_zero_and_rounds_finite_differences() {
    let dir = scratch_dir("sigmoid");
    let out = run("sigmoid_backprop", &["--out", dir.to_str().expect("UTF-8")]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    for line in stdout.lines() {
        assert!(
            !line.split_whitespace().any(|w| w == "-0"),
            "a −0 where a learner expects 0: `{line}`"
        );
        if line.contains("finite-difference") {
            // `≈ 0.1049935854 (off by -2.2e-14: …)`: rounded, and the difference in e-notation.
            let value = line
                .split("≈ ")
                .nth(1)
                .and_then(|v| v.split(' ').next())
                .unwrap_or_else(|| panic!("not `≈ value`: `{line}`"));
            assert!(
                value.len() <= 13 && value.parse::<f64>().is_ok(),
                "finite difference not rounded to its accuracy: `{line}`"
            );
            assert!(line.contains("(off by "), "no difference shown: `{line}`");
        }
    }
    assert!(
        stdout.contains("finite-difference curvature  ≈ 0 (off by"),
        "the curvature at x = 0 is not shown as ≈ 0:\n{stdout}"
    );
    assert_wrote_full_paths("sigmoid_backprop", &stdout);
    std::fs::remove_dir_all(&dir).expect("the scratch directory is removable");
}

#[test]
fn tutorial_forward_labels_each_product_with_how_the_tutorial_computes_it() {
    let dir = scratch_dir("forward");
    let out = run("tutorial_forward", &["--out", dir.to_str().expect("UTF-8")]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    for label in [
        "C・D = np.dot(C, D) =",
        "C・D = C @ D =",
        "D・C = np.dot(D, C) =",
        "D・C = D @ C =",
    ] {
        assert_eq!(
            stdout.matches(label).count(),
            1,
            "`{label}` should appear once:\n{stdout}"
        );
    }
    assert_wrote_full_paths("tutorial_forward", &stdout);
    std::fs::remove_dir_all(&dir).expect("the scratch directory is removable");
}
