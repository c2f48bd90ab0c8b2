//! What a learner reads in the committed drawings (`graphs/`): captions whose arithmetic
//! checks out at the digits they show, names the picture shows (never an arena index), and
//! edge labels that do not sit on top of each other. These read the committed files, so they
//! check exactly what a learner opens.

use std::path::{Path, PathBuf};

use rand::SeedableRng;
use scalargrad::nn::{Activation, Mlp};
use scalargrad::{Graph, viz};

fn graphs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("graphs")
}

fn files(ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(graphs())
        .expect("graphs/ exists")
        .map(|e| e.expect("readable graphs/").path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == ext)
                // Graphviz's own pictures are not committed and not ours to check.
                && !p.to_string_lossy().ends_with(".graphviz.svg")
                // Only step-by-step pages carry a picture and its steps (train.html draws
                // its look-inside graphs in the page, with the same engine and viewer).
                && (ext != "html"
                    || std::fs::read_to_string(p).is_ok_and(|t| {
                        t.contains(r#"<script id="data" type="application/json">"#)
                    }))
        })
        .collect();
    out.sort();
    out
}

/// The JSON a page carries (`<script id="data">`).
fn page_data(page: &str) -> serde_json::Value {
    let start = page
        .find(r#"<script id="data" type="application/json">"#)
        .expect("a page carries its data");
    let rest = &page[start..];
    let json = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
    serde_json::from_str(json).expect("the page's data is JSON")
}

fn captions(path: &Path) -> Vec<String> {
    let page = std::fs::read_to_string(path).unwrap();
    let data = page_data(&page);
    let mut out = Vec::new();
    for step in data["steps"].as_array().unwrap() {
        for lang in ["en", "ja"] {
            out.push(step[lang].as_str().unwrap().to_string());
        }
    }
    out
}

// ---- a small evaluator of the arithmetic captions write: numbers, + − × / ^ and brackets.

fn eval(text: &str) -> Option<f64> {
    let c: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if c.is_empty() {
        return None;
    }
    let mut at = 0;
    let v = sum(&c, &mut at)?;
    (at == c.len()).then_some(v)
}

fn sum(c: &[char], at: &mut usize) -> Option<f64> {
    let mut v = product(c, at)?;
    loop {
        match c.get(*at) {
            Some('+') => {
                *at += 1;
                v += product(c, at)?;
            }
            Some('−' | '-') => {
                *at += 1;
                v -= product(c, at)?;
            }
            _ => return Some(v),
        }
    }
}

fn product(c: &[char], at: &mut usize) -> Option<f64> {
    let mut v = power(c, at)?;
    loop {
        match c.get(*at) {
            Some('×') => {
                *at += 1;
                v *= power(c, at)?;
            }
            Some('/') => {
                *at += 1;
                v /= power(c, at)?;
            }
            _ => return Some(v),
        }
    }
}

fn power(c: &[char], at: &mut usize) -> Option<f64> {
    let base = atom(c, at)?;
    if c.get(*at) == Some(&'^') {
        *at += 1;
        return Some(base.powf(power(c, at)?));
    }
    Some(base)
}

fn atom(c: &[char], at: &mut usize) -> Option<f64> {
    match *c.get(*at)? {
        '(' => {
            *at += 1;
            let v = sum(c, at)?;
            if c.get(*at) != Some(&')') {
                return None;
            }
            *at += 1;
            Some(v)
        }
        '−' | '-' => {
            *at += 1;
            Some(-atom(c, at)?)
        }
        d if d.is_ascii_digit() => {
            let start = *at;
            while c.get(*at).is_some_and(|d| d.is_ascii_digit() || *d == '.') {
                *at += 1;
            }
            if c.get(*at) == Some(&'e') {
                *at += 1;
                if c.get(*at) == Some(&'-') {
                    *at += 1;
                }
                while c.get(*at).is_some_and(char::is_ascii_digit) {
                    *at += 1;
                }
            }
            c[start..*at].iter().collect::<String>().parse().ok()
        }
        _ => None,
    }
}

/// The number a caption piece starts with (`0.2452` in `0.2452. Local derivative…`).
fn leading_number(piece: &str) -> Option<&str> {
    let bytes = piece.as_bytes();
    let mut end = 0;
    if bytes.first() == Some(&b'-') {
        end = 1;
    }
    let digits_from = end;
    while end < bytes.len() && bytes[end].is_ascii_digit() {
        end += 1;
    }
    if end == digits_from {
        return None;
    }
    if end + 1 < bytes.len() && bytes[end] == b'.' && bytes[end + 1].is_ascii_digit() {
        end += 1;
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
    }
    if end < bytes.len() && bytes[end] == b'e' {
        let mut e = end + 1;
        if e < bytes.len() && bytes[e] == b'-' {
            e += 1;
        }
        if e < bytes.len() && bytes[e].is_ascii_digit() {
            end = e;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
        }
    }
    Some(&piece[..end])
}

/// Half a unit in the last place `shown` writes.
fn half_unit(shown: &str) -> f64 {
    let (mantissa, exponent) = shown.split_once('e').unwrap_or((shown, "0"));
    let decimals = mantissa.split('.').nth(1).map_or(0, str::len);
    0.5 * 10f64.powi(exponent.parse::<i32>().unwrap() - i32::try_from(decimals).unwrap())
}

/// Every `arithmetic = number` in a caption where the arithmetic is plain numbers: checks
/// that it rounds to the number at the digits shown. Returns how many it checked.
fn check_caption(caption: &str, failures: &mut Vec<String>) -> usize {
    let mut checked = 0;
    // Split at " = " and " ≈ ", remembering which.
    let mut pieces: Vec<(&str, bool)> = Vec::new(); // (piece, the separator before it is ≈)
    let mut rest = caption;
    let mut approx = false;
    loop {
        let eq = rest.find(" = ");
        let ap = rest.find(" ≈ ");
        let next = match (eq, ap) {
            (Some(e), Some(a)) => Some((e.min(a), a < e)),
            (Some(e), None) => Some((e, false)),
            (None, Some(a)) => Some((a, true)),
            (None, None) => None,
        };
        let Some((at, is_approx)) = next else {
            pieces.push((rest, approx));
            break;
        };
        pieces.push((&rest[..at], approx));
        approx = is_approx;
        rest = &rest[at + if is_approx { " ≈ ".len() } else { 3 }..];
    }
    for w in pieces.windows(2) {
        let ((left, _), (right, approx)) = (w[0], w[1]);
        if approx {
            continue;
        }
        // The left piece may end a sentence's text ("…: 1 × 3"): only pure arithmetic counts.
        let Some(value) = eval(left) else { continue };
        let Some(shown) = leading_number(right) else {
            continue;
        };
        let target: f64 = shown.parse().unwrap();
        checked += 1;
        if (value - target).abs() > half_unit(shown) * (1.0 + 1e-9) {
            failures.push(format!(
                "`{left} = {shown}`: the shown numbers give {value}\n    in: {caption}"
            ));
        }
    }
    checked
}

#[test]
fn caption_arithmetic_checks_out_at_the_digits_shown() {
    let mut failures = Vec::new();
    let mut checked = 0;
    let pages = files("html");
    assert!(pages.len() >= 5, "the step-by-step pages are committed");
    for page in &pages {
        for caption in captions(page) {
            checked += check_caption(&caption, &mut failures);
        }
    }
    assert!(
        checked > 100,
        "only {checked} equations found: is the parser stale?"
    );
    assert!(
        failures.is_empty(),
        "{} captions do not add up at the digits they show:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_checker_catches_the_rounding_a_learner_catches() {
    // `0.42 × 2 = 0.8399` reads wrong; `0.41997 × 2 = 0.83994` does not.
    let mut f = Vec::new();
    assert_eq!(check_caption("∂f/∂b = 0.42 × 2 = 0.8399", &mut f), 1);
    assert_eq!(f.len(), 1, "{f:?}");
    f.clear();
    check_caption("∂f/∂b = 0.41997 × 2 = 0.83994. Local derivative: 2", &mut f);
    check_caption("y = 18.1741 × 0.013491 = 0.2452", &mut f);
    check_caption("∂L/∂S = (-74.1222) × (-1.820136e-4) = 0.01349", &mut f);
    check_caption("a = 0 × 1.3 + (-1.357595) × 54.59815 = -74.1222", &mut f);
    check_caption("x = 0.42 × 2 ≈ 0.8399", &mut f);
    assert!(f.is_empty(), "{f:?}");
}

/// The captions of a page made now (not a committed one).
fn captions_of(page: &str) -> Vec<String> {
    let data = page_data(page);
    data["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            [
                s["en"].as_str().unwrap().to_string(),
                s["ja"].as_str().unwrap().to_string(),
            ]
        })
        .collect()
}

#[test]
fn a_learners_expression_adds_up_and_names_its_intermediates() {
    // f = (a*b + c).tanh() must not say `v4 = v3 + c` (an arena index) nor `0.42 × 2 = 0.8399`.
    let g = Graph::new();
    let a = g.value(2.0).named("a");
    let b = g.value(-3.0).named("b");
    let c = g.value(10.0).named("c");
    let f = (a * b + c).tanh().named("f");
    f.backward();
    let page = viz::to_html(f, &viz::DrawOptions::default());
    let caps = captions_of(&page);
    let all = caps.join("\n");
    assert!(all.contains("Forward (×): a × b = 2 × (-3) = -6"), "{all}");
    assert!(
        all.contains("Forward (+): a × b + c = (-6) + 10 = 4"),
        "{all}"
    );
    assert!(all.contains("f = tanh(a × b + c)"), "{all}");
    let mut failures = Vec::new();
    let checked: usize = caps.iter().map(|c| check_caption(c, &mut failures)).sum();
    assert!(checked >= 8, "{checked} equations in {all}");
    assert!(failures.is_empty(), "{failures:?}");
    // The box of `a × b` says so.
    assert!(page.contains(r#"<text class="name""#) && page.contains(">a × b + c</text>"));
}

#[test]
fn a_learners_network_names_its_weights_by_their_place() {
    let g = Graph::new();
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(3);
    let model = Mlp::builder(2)
        .layer(3, Activation::Tanh)
        .layer(1, Activation::Identity)
        .build(&g, &mut rng);
    let x = [g.value(0.5).named("x1"), g.value(-1.0).named("x2")];
    let y = model.forward(&x).unwrap()[0].named("y");
    y.backward();
    let t = viz::trace(y);
    let labels: Vec<&str> = t.graph.node_indices().map(|n| t.label(n)).collect();
    for want in [
        "layer1.neuron0.w0",
        "layer1.neuron2.w1",
        "layer2.neuron0.b",
        "x1",
        "y",
    ] {
        assert!(labels.contains(&want), "no `{want}` in {labels:?}");
    }
    let mut unique = labels.clone();
    unique.sort_unstable();
    unique.dedup();
    let ops = t
        .graph
        .node_weights()
        .filter(|n| matches!(n, viz::TraceNode::Op { .. }))
        .count();
    // Op nodes share their symbols (`+`, `tanh`); every value's name is its own.
    assert!(labels.len() - unique.len() <= ops, "{labels:?}");
    let page = viz::to_html(y, &viz::DrawOptions::default());
    let mut failures = Vec::new();
    for c in captions_of(&page) {
        assert_no_arena_index("a learner's network", &c);
        check_caption(&c, &mut failures);
    }
    assert!(failures.is_empty(), "{failures:?}");
}

fn assert_no_arena_index(page: &str, caption: &str) {
    for (i, c) in caption.char_indices() {
        let starts_word = i == 0
            || !caption[..i]
                .chars()
                .next_back()
                .is_some_and(|p| p.is_alphanumeric() || p == '_');
        if c == 'v' && starts_word {
            let digits: String = caption[i + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let after = caption[i + 1 + digits.len()..].chars().next();
            assert!(
                digits.is_empty() || after.is_some_and(char::is_alphabetic),
                "{page}: an arena index `v{digits}` in: {caption}"
            );
        }
    }
}

#[test]
fn captions_never_show_an_arena_index() {
    for page in files("html") {
        for caption in captions(&page) {
            assert_no_arena_index(&page.display().to_string(), &caption);
        }
    }
}

#[test]
fn every_name_a_caption_uses_is_in_the_picture() {
    for page_path in files("html") {
        let page = std::fs::read_to_string(&page_path).unwrap();
        let data = page_data(&page);
        let svg = &page[page.find("<svg").unwrap()..page.find("</svg>").unwrap()];
        // The texts of the boxes' name fields.
        let mut shown = std::collections::BTreeSet::new();
        let mut rest = svg;
        while let Some(at) = rest.find(r#"<text class="name""#) {
            let open = at + rest[at..].find('>').unwrap() + 1;
            let close = open + rest[open..].find("</text>").unwrap();
            shown.insert(rest[open..close].to_string());
            rest = &rest[close..];
        }
        for node in data["nodes"].as_array().unwrap() {
            if node["kind"] == "op" {
                continue;
            }
            let label = node["label"].as_str().unwrap();
            let escaped = label
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;");
            assert!(
                shown.contains(&escaped),
                "{}: `{label}` is named in the captions but no box shows it",
                page_path.display()
            );
        }
    }
}

// ---- edge labels

/// An edge label's box, from its `<text>` element: x, y (baseline), anchor, size, text.
struct Label {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    text: String,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    Some(tag[at..at + tag[at..].find('"')?].to_string())
}

/// The edge labels of a picture: the `<text>` elements inside `<g class="edges">`, with
/// their extent estimated as 0.6 em per character (digits and signs; our labels are
/// numbers) and a height of one em.
fn edge_labels(svg: &str) -> Vec<Label> {
    let Some(start) = svg.find(r#"<g class="edges""#) else {
        return Vec::new();
    };
    let end = svg[start..]
        .find(r#"<g class="nodes""#)
        .map_or(svg.len(), |e| start + e);
    let mut out = Vec::new();
    let mut rest = &svg[start..end];
    while let Some(at) = rest.find("<text") {
        let tag_end = at + rest[at..].find('>').unwrap();
        let tag = &rest[at..tag_end];
        let close = tag_end + rest[tag_end..].find("</text>").unwrap();
        let text = rest[tag_end + 1..close].to_string();
        let x: f64 = attr(tag, "x").unwrap().parse().unwrap();
        let y: f64 = attr(tag, "y").unwrap().parse().unwrap();
        let size: f64 = attr(tag, "font-size").map_or(12.0, |s| s.parse().unwrap());
        let w = 0.6 * size * text.chars().count() as f64;
        let (x0, x1) = match attr(tag, "text-anchor").as_deref() {
            Some("end") => (x - w, x),
            Some("middle") => (x - w / 2.0, x + w / 2.0),
            _ => (x, x + w),
        };
        out.push(Label {
            x0,
            x1,
            y0: y - 0.8 * size,
            y1: y + 0.2 * size,
            text,
        });
        rest = &rest[close..];
    }
    out
}

/// The node boxes of a picture (records and op circles), as (x0, x1, y0, y1).
fn node_boxes(svg: &str) -> Vec<(f64, f64, f64, f64)> {
    let Some(start) = svg.find(r#"<g class="nodes""#) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut rest = &svg[start..];
    while let Some(at) = rest.find('<') {
        let end = at + rest[at..].find('>').unwrap_or(rest.len() - at);
        let tag = &rest[at..end];
        let num = |name: &str| attr(tag, name).and_then(|v| v.parse::<f64>().ok());
        if tag.starts_with("<rect") {
            if let (Some(x), Some(y), Some(w), Some(h)) =
                (num("x"), num("y"), num("width"), num("height"))
            {
                out.push((x, x + w, y, y + h));
            }
        } else if tag.starts_with("<circle") {
            if let (Some(x), Some(y), Some(r)) = (num("cx"), num("cy"), num("r")) {
                out.push((x - r, x + r, y - r, y + r));
            }
        }
        rest = &rest[end..];
    }
    out
}

fn overlapping(labels: &[Label]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, a) in labels.iter().enumerate() {
        for b in &labels[i + 1..] {
            if a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 {
                out.push(format!(
                    "`{}` at ({:.0}, {:.0}) and `{}` at ({:.0}, {:.0})",
                    a.text, a.x0, a.y1, b.text, b.x0, b.y1
                ));
            }
        }
    }
    out
}

#[test]
fn edge_labels_never_overlap_each_other_or_a_node_in_any_committed_picture() {
    let mut pictures: Vec<(String, String)> = files("svg")
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    for p in files("html") {
        let page = std::fs::read_to_string(&p).unwrap();
        let svg = page[page.find("<svg").unwrap()..].to_string();
        pictures.push((format!("{} (its picture)", p.display()), svg));
    }
    let mut failures = Vec::new();
    let mut labelled = 0;
    for (name, svg) in &pictures {
        let labels = edge_labels(svg);
        labelled += usize::from(!labels.is_empty());
        for o in overlapping(&labels) {
            failures.push(format!("{name}: {o}"));
        }
        let nodes = node_boxes(svg);
        assert!(
            labels.is_empty() || !nodes.is_empty(),
            "{name}: no node boxes found: is the parser stale?"
        );
        for l in &labels {
            for &n in &nodes {
                if l.x0 < n.1 && n.0 < l.x1 && l.y0 < n.3 && n.2 < l.y1 {
                    failures.push(format!(
                        "{name}: `{}` at ({:.0}, {:.0}) lies on a node",
                        l.text, l.x0, l.y1
                    ));
                }
            }
        }
    }
    assert!(labelled >= 5, "only {labelled} pictures have edge labels");
    assert!(
        failures.is_empty(),
        "{} overlapping edge labels:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
