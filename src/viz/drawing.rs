//! [`Drawing`]: a graph's DOT text and SVG picture, written side by side into a folder.

use std::io;
use std::path::{Path, PathBuf};

use super::{DrawOptions, Trace, render_svg, render_svg_with_graphviz, to_dot};

/// A drawing of a trace: its DOT text and its pure-Rust SVG, under one file stem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drawing {
    /// The file name without extension, e.g. `apple`.
    pub stem: String,
    /// The DOT text ([`to_dot`]).
    pub dot: String,
    /// The SVG picture ([`render_svg`]): the same bytes on every machine.
    pub svg: String,
}

impl Drawing {
    /// Draws `trace` both ways.
    #[must_use]
    pub fn new(stem: &str, trace: &Trace, options: &DrawOptions) -> Self {
        Drawing {
            stem: stem.to_string(),
            dot: to_dot(trace, options),
            svg: render_svg(trace, options),
        }
    }

    /// Writes `<dir>/<stem>.dot` and `<dir>/<stem>.svg`, creating `dir` if needed; when
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
