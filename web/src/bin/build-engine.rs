//! Writes `graphs/scalargrad_engine.js` (the WebAssembly engine of the live pages, inline as
//! base64) and `graphs/playground.html` (the expression playground).
//!
//! Run from anywhere in the workspace: `cargo run -p scalargrad-web --bin build-engine`.
//! It builds `scalargrad-web` for `wasm32-unknown-unknown` with the `wasm` profile
//! (`rustup target add wasm32-unknown-unknown` once), with the paths of this machine
//! remapped so that the bytes do not depend on where the workspace or the registry lies.
//! The same toolchain gives the same bytes: CI checks that graphs/ is fresh.

use std::path::{Path, PathBuf};
use std::process::Command;

const LOADER: &str = include_str!("../../engine.js");
/// The expression the playground opens with (micrograd's first example), and its inputs.
const START: &str = "e = a*b\nd = e + c\nL = d*f";
const START_INPUTS: [(&str, f64); 4] = [("a", 2.0), ("b", -3.0), ("c", 10.0), ("f", -2.0)];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("web/ is inside the workspace")
        .to_path_buf();
    let wasm = build(&root);
    let bytes = std::fs::read(&wasm).unwrap_or_else(|e| panic!("{}: {e}", wasm.display()));
    // Level 10 of miniz_oxide; its output depends only on the input and the level.
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(&bytes, 10);
    let js = LOADER.replace("@WASM@", &base64(&packed));
    let engine = root.join("graphs/scalargrad_engine.js");
    std::fs::write(&engine, &js).unwrap_or_else(|e| panic!("{}: {e}", engine.display()));
    println!(
        "wrote {} ({} bytes; the module is {} bytes, {} compressed)",
        engine.display(),
        js.len(),
        bytes.len(),
        packed.len()
    );
    let page = playground();
    let path = root.join("graphs/playground.html");
    std::fs::write(&path, &page).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    println!("wrote {} ({} bytes)", path.display(), page.len());
}

/// Builds the module and returns its path.
fn build(root: &Path) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let home = std::env::var("CARGO_HOME").unwrap_or_else(|_| {
        std::env::var("HOME")
            .map(|h| format!("{h}/.cargo"))
            .unwrap_or_default()
    });
    let target =
        std::env::var("CARGO_TARGET_DIR").map_or_else(|_| root.join("target"), PathBuf::from);
    let flags = format!(
        "--remap-path-prefix={home}=/cargo --remap-path-prefix={}=/scalargrad",
        root.display()
    );
    let status = Command::new(cargo)
        .current_dir(root)
        .env("CARGO_ENCODED_RUSTFLAGS", flags.replace(' ', "\u{1f}"))
        .env_remove("RUSTFLAGS")
        .args([
            "build",
            "--lib",
            "-p",
            "scalargrad-web",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm",
        ])
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "the WebAssembly build failed (is the target installed? rustup target add wasm32-unknown-unknown)"
    );
    target.join("wasm32-unknown-unknown/wasm/scalargrad_web.wasm")
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The playground page: a live page of the starting expression, with the source editor.
fn playground() -> String {
    let inputs = START_INPUTS
        .iter()
        .map(|&(k, v)| (k.to_string(), v))
        .collect();
    scalargrad_web::playground_page(START, &inputs)
        .unwrap_or_else(|e| panic!("the starting expression: {e}"))
}
