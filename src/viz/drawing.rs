//! [`Drawing`]: a graph's DOT text, SVG picture and step-by-step page, written side by side
//! into a folder.

use std::io;
use std::path::{Path, PathBuf};

use super::{DrawOptions, Trace, render_svg, render_svg_with_graphviz, to_dot};

/// A drawing of a trace: its DOT text, its pure-Rust SVG and its step-by-step page, under
/// one file stem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drawing {
    /// The file name without extension, e.g. `apple`.
    pub stem: String,
    /// The DOT text ([`to_dot`]).
    pub dot: String,
    /// The SVG picture ([`render_svg`]): the same bytes on every machine.
    pub svg: String,
    /// The step-by-step page ([`to_html`](super::to_html)): one self-contained file.
    pub html: String,
}

impl Drawing {
    /// Draws `trace` all three ways.
    #[must_use]
    pub fn new(stem: &str, trace: &Trace, options: &DrawOptions) -> Self {
        Drawing {
            stem: stem.to_string(),
            dot: to_dot(trace, options),
            svg: render_svg(trace, options),
            html: super::html::page(trace, options),
        }
    }

    /// Writes `<dir>/<stem>.dot`, `<dir>/<stem>.svg` and `<dir>/<stem>.html`, creating `dir`
    /// if needed; when
    /// Graphviz's `dot` is on the `PATH`, also `<dir>/<stem>.graphviz.svg` (with clusters;
    /// its bytes depend on the Graphviz version, so it is not meant to be committed).
    /// Returns the paths written.
    ///
    /// # Errors
    /// Any I/O error, with the path that failed in its message.
    pub fn write(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let with_path = |path: &Path, e: io::Error| {
            io::Error::new(e.kind(), format!("{}: {e}", path.display()))
        };
        std::fs::create_dir_all(dir).map_err(|e| with_path(dir, e))?;
        let mut files = vec![
            (dir.join(format!("{}.dot", self.stem)), self.dot.clone()),
            (dir.join(format!("{}.svg", self.stem)), self.svg.clone()),
            (dir.join(format!("{}.html", self.stem)), self.html.clone()),
        ];
        if let Some(svg) = render_svg_with_graphviz(&self.dot) {
            files.push((dir.join(format!("{}.graphviz.svg", self.stem)), svg));
        }
        for (path, text) in &files {
            std::fs::write(path, text).map_err(|e| with_path(path, e))?;
        }
        Ok(files.into_iter().map(|(p, _)| p).collect())
    }
}
