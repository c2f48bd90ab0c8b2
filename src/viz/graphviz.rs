//! Graphviz's `dot`, run with a time limit: the optional second rendering of a drawing.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long [`Drawing::write`](super::Drawing::write) and
/// [`render_svg_with_graphviz`](super::render_svg_with_graphviz) wait for Graphviz: a large
/// graph can keep `dot` busy for minutes, and its picture is optional.
pub const GRAPHVIZ_TIMEOUT: Duration = Duration::from_secs(10);

/// What Graphviz made of a DOT text ([`run_graphviz`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Graphviz {
    /// The SVG `dot -Tsvg` wrote.
    Svg(String),
    /// `dot` is not installed.
    Absent,
    /// It failed or ran out of time: why.
    Failed(String),
}

/// Runs Graphviz's `dot -Tsvg` on `dot`, killing it after `timeout`. Its input and output go through
/// threads, so a large graph cannot block on a full pipe.
#[must_use]
pub fn run_graphviz(dot: &str, timeout: Duration) -> Graphviz {
    let Ok(mut child) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        return Graphviz::Absent;
    };
    let (Some(mut stdin), Some(mut stdout), Some(mut stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        let _ = child.kill();
        let _ = child.wait();
        return Graphviz::Failed("could not talk to Graphviz's dot".into());
    };
    let text = dot.to_string();
    // A write error means dot has exited; its status says why.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(text.as_bytes());
    });
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        out
    });
    let errors = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = stderr.read_to_string(&mut out);
        out
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Graphviz::Failed(format!(
                    "Graphviz's dot took more than {} s and was stopped (the .svg drawn \
                     without Graphviz is complete)",
                    timeout.as_secs_f64()
                ));
            }
            Err(e) => return Graphviz::Failed(format!("waiting for Graphviz's dot: {e}")),
        }
    };
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    let errors = errors.join().unwrap_or_default();
    if !status.success() {
        return Graphviz::Failed(format!(
            "Graphviz's dot failed ({status}): {}",
            errors.trim()
        ));
    }
    String::from_utf8(out).map_or_else(
        |_| Graphviz::Failed("Graphviz's dot wrote something that is not UTF-8".into()),
        Graphviz::Svg,
    )
}
