//! The docs as a newcomer uses them: every Rust snippet (README.md, README.ja.md, rustdoc)
//! compiles when pasted into a new project that depends on scalargrad alone, and the two
//! READMEs give the same commands, options and sections.

use std::path::Path;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A code block of a document: where it starts, its language tag and its lines.
struct Block {
    at: String,
    lang: String,
    lines: Vec<String>,
}

/// The fenced code blocks of markdown `lines` (already stripped of any `///` or `//!`).
fn blocks(file: &str, lines: &[(usize, String)]) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (n, line) in lines {
        let t = line.trim_start();
        if let Some(tag) = t.strip_prefix("```") {
            match open.take() {
                Some(b) => out.push(b),
                None => {
                    open = Some(Block {
                        at: format!("{file}:{n}"),
                        lang: tag.trim().to_string(),
                        lines: Vec::new(),
                    });
                }
            }
        } else if let Some(b) = &mut open {
            b.lines.push(line.clone());
        }
    }
    out
}

/// Whether rustdoc compiles a block with this tag as Rust (no tag, `rust`, or only
/// attributes such as `no_run`, `should_panic`, `compile_fail`, `edition2021`).
fn is_rust(lang: &str) -> bool {
    lang.split(',').map(str::trim).all(|t| {
        t.is_empty()
            || t == "rust"
            || t == "no_run"
            || t == "should_panic"
            || t == "ignore"
            || t.starts_with("compile_fail")
            || t.starts_with("edition")
    })
}

/// Every Rust snippet of the READMEs and of the doc comments under src/.
fn rust_snippets() -> Vec<Block> {
    let mut all = Vec::new();
    for readme in ["README.md", "README.ja.md"] {
        let text = std::fs::read_to_string(repo().join(readme)).expect("README readable");
        let lines: Vec<(usize, String)> = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.to_string()))
            .collect();
        // In markdown only ```rust is Rust: rustdoc reads a bare ``` as Rust, GitHub as text.
        all.extend(
            blocks(readme, &lines)
                .into_iter()
                .filter(|b| b.lang == "rust"),
        );
    }
    let mut files = Vec::new();
    let mut dirs = vec![repo().join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("source readable");
        let name = path
            .strip_prefix(repo())
            .unwrap_or(&path)
            .display()
            .to_string();
        // Consecutive doc-comment lines form one markdown text.
        let mut doc: Vec<(usize, String)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let t = line.trim_start();
            let body = t.strip_prefix("///").or_else(|| t.strip_prefix("//!"));
            match body {
                Some(b) => doc.push((i + 1, b.strip_prefix(' ').unwrap_or(b).to_string())),
                None if !doc.is_empty() => {
                    all.extend(blocks(&name, &doc).into_iter().filter(|b| is_rust(&b.lang)));
                    doc.clear();
                }
                None => {}
            }
        }
        all.extend(blocks(&name, &doc).into_iter().filter(|b| is_rust(&b.lang)));
    }
    all
}

/// The crates a new project has without adding them: scalargrad and the standard library.
const OWN: [&str; 7] = [
    "scalargrad",
    "std",
    "core",
    "alloc",
    "crate",
    "self",
    "super",
];

/// The first path segment of each `a::b` path in `line` that is not itself after `::`.
fn path_roots(line: &str) -> Vec<&str> {
    let mut roots = Vec::new();
    for (i, _) in line.match_indices("::") {
        let before = &line[..i];
        let start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |k| k + 1);
        let word = &before[start..];
        let preceded_by_path = before[..start].ends_with("::");
        if !word.is_empty()
            && !preceded_by_path
            && word.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        {
            roots.push(word);
        }
    }
    roots
}

/// `cargo test --doc` compiles and runs the snippets (the READMEs through `ReadmeDoctests` and
/// `ReadmeJaDoctests` in `src/lib.rs`), but a doc test may name every dependency of this
/// package, `rand` included, which a new project does not have. So this checks what the
/// compiler cannot: a snippet names other crates only through `scalargrad::` (as
/// `scalargrad::rand`), and uses rand 0.10's names.
#[test]
fn snippets_name_other_crates_only_through_scalargrad() {
    let snippets = rust_snippets();
    assert!(
        snippets.len() > 50,
        "only {} Rust snippets found: is the scan broken?",
        snippets.len()
    );
    // The dependencies of this package a snippet could name by mistake.
    let manifest = std::fs::read_to_string(repo().join("Cargo.toml")).expect("Cargo.toml");
    let deps: Vec<String> = manifest
        .split("[dependencies]")
        .nth(1)
        .into_iter()
        .chain(manifest.split("[dev-dependencies]").nth(1))
        .flat_map(|section| {
            section
                .lines()
                .skip(1)
                .take_while(|l| !l.starts_with('['))
                .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().replace('-', "_")))
                .filter(|k| !k.is_empty() && !k.starts_with('#'))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(deps.iter().any(|d| d == "rand"), "no rand among {deps:?}");
    let mut problems = Vec::new();
    for b in &snippets {
        for line in &b.lines {
            // The code without a trailing comment (which may name the old API on purpose).
            let code = line.trim_start().trim_start_matches("# ");
            let code = code.split("//").next().unwrap_or_default();
            for root in path_roots(code) {
                if deps.iter().any(|d| d == root) && !OWN.contains(&root) {
                    problems.push(format!(
                        "{}: `{}`: `{root}::` is not a dependency of a new project; write `scalargrad::{root}::`",
                        b.at,
                        code.trim()
                    ));
                }
            }
            for (old, new) in [
                ("gen_range", "random_range (trait scalargrad::rand::RngExt)"),
                ("thread_rng", "a seeded rngs::Xoshiro256PlusPlus"),
                (
                    "StdRng",
                    "rngs::Xoshiro256PlusPlus (StdRng needs rand's std_rng feature)",
                ),
            ] {
                if code.contains(old) {
                    problems.push(format!(
                        "{}: `{}`: `{old}` does not exist in scalargrad::rand (rand 0.10, std only); use {new}",
                        b.at,
                        code.trim()
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} snippet lines would not compile in a new project:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_scan_finds_a_bare_rand_path() {
    assert_eq!(path_roots("use rand::SeedableRng;"), ["rand"]);
    assert_eq!(
        path_roots("let r = scalargrad::rand::rngs::X::seed_from_u64(0);"),
        ["scalargrad"]
    );
    assert!(path_roots("let x = Value::data(v);").is_empty());
}

/// What a README tells a reader to type, and how it is organised.
#[derive(Debug)]
struct ReadmeFacts {
    /// `cargo …` and `python3 …` commands: the lines of ```sh and ```text blocks, and the code
    /// spans that start with `cargo `, without trailing `# comments`.
    commands: std::collections::BTreeSet<String>,
    /// Every `--option` in a code span or a code block.
    options: std::collections::BTreeSet<String>,
    /// How many `##` and `###` headings.
    headings: (usize, usize),
}

fn commands_of(name: &str) -> ReadmeFacts {
    let text = std::fs::read_to_string(repo().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let normalise = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut commands = std::collections::BTreeSet::new();
    let mut options = std::collections::BTreeSet::new();
    let mut add_options = |s: &str| {
        for word in s.split(|c: char| c.is_whitespace() || "`,()[]{}".contains(c)) {
            if word.len() > 2
                && word.starts_with("--")
                && word[2..]
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                options.insert(word.to_string());
            }
        }
    };
    let mut block: Option<String> = None;
    let mut headings = (0, 0);
    for line in text.lines() {
        if let Some(tag) = line.trim_start().strip_prefix("```") {
            block = match block {
                Some(_) => None,
                None => Some(tag.trim().to_string()),
            };
            continue;
        }
        if let Some(tag) = &block {
            add_options(line);
            let command = line.split(" #").next().unwrap_or_default().trim();
            if (tag == "sh" || tag == "text")
                && (command.starts_with("cargo ") || command.starts_with("python3 "))
            {
                commands.insert(normalise(command));
            }
        } else {
            if line.starts_with("## ") {
                headings.0 += 1;
            } else if line.starts_with("### ") {
                headings.1 += 1;
            }
            // Code spans: the odd-numbered pieces between backticks.
            for span in line.split('`').skip(1).step_by(2) {
                add_options(span);
                if span.starts_with("cargo ") {
                    commands.insert(normalise(span));
                }
            }
        }
    }
    ReadmeFacts {
        commands,
        options,
        headings,
    }
}

#[test]
fn readme_ja_gives_the_same_commands_options_and_sections_as_readme() {
    let en = commands_of("README.md");
    let ja = commands_of("README.ja.md");
    assert!(
        en.commands.contains("cargo test --workspace") && en.commands.len() >= 10,
        "the scan found too little in README.md: {en:#?}"
    );
    let missing: Vec<_> = en.commands.difference(&ja.commands).collect();
    let extra: Vec<_> = ja.commands.difference(&en.commands).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "README.ja.md's commands differ from README.md's:\n  only in README.md: {missing:#?}\n  only in README.ja.md: {extra:#?}"
    );
    let missing: Vec<_> = en.options.difference(&ja.options).collect();
    let extra: Vec<_> = ja.options.difference(&en.options).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "README.ja.md's options differ from README.md's:\n  only in README.md: {missing:?}\n  only in README.ja.md: {extra:?}"
    );
    assert_eq!(
        en.headings, ja.headings,
        "README.md has (## sections, ### subsections) = {:?}, README.ja.md {:?}",
        en.headings, ja.headings
    );
}

#[test]
fn each_readme_opens_with_the_apple_page() {
    for (name, link) in [
        ("README.md", "graphs/apple.html"),
        ("README.ja.md", "graphs/apple.html?lang=ja"),
    ] {
        let text = std::fs::read_to_string(repo().join(name)).expect("readable");
        let top: String = text.lines().take(4).collect::<Vec<_>>().join("\n");
        assert!(
            top.contains(link),
            "{name} does not point to {link} in its first lines:\n{top}"
        );
    }
}

#[test]
fn every_tutorial_section_is_written_in_english_and_japanese() {
    let text = std::fs::read_to_string(repo().join("src/tutorial.rs")).expect("readable");
    let doc: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    let doc = doc.join("\n");
    // Hiragana or katakana outside headings and code: Japanese prose, not only a quoted term.
    let kana = |s: &str| {
        s.chars()
            .filter(|c| ('\u{3040}'..='\u{30ff}').contains(c))
            .count()
    };
    let sections: Vec<&str> = doc.split("\n## ").skip(1).collect();
    assert!(sections.len() >= 9, "only {} sections", sections.len());
    for section in sections {
        let heading = section.lines().next().unwrap_or_default();
        let body: String = section.lines().skip(1).collect::<Vec<_>>().join("\n");
        let prose: String = body.split("```").step_by(2).collect();
        // English words outside code spans (the code is the same in both languages).
        let words: String = prose.split('`').step_by(2).collect();
        let english = words
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() >= 3)
            .count();
        assert!(
            kana(&prose) >= 15 && english >= 10,
            "section `{heading}` has {} kana and {english} English words: it needs a paragraph in each language",
            kana(&prose)
        );
    }
}
