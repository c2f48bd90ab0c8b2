//! Where the examples write their pictures (shared by every example that draws).

use std::path::{Path, PathBuf};

/// The directory for an example's pictures, created, as an absolute path.
///
/// - `--out DIR` when given;
/// - else `graphs/` of the repository for the default run, the reproducible one whose pictures
///   are committed (`.ci/run` checks that they do not change);
/// - else `out/` of the repository, which git ignores, so that an experiment (`--seed 3`,
///   `--data my.csv`) never overwrites the committed pictures.
pub fn picture_dir(out: Option<&Path>, default_run: bool) -> std::io::Result<PathBuf> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = match out {
        Some(dir) => dir.to_path_buf(),
        None if default_run => repo.join("graphs"),
        None => repo.join("out"),
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    std::path::absolute(&dir)
}
