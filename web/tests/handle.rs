//! The binding's requests, natively: the same code the pages run as WebAssembly.

use scalargrad_web::{handle, recipe_of_page};

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

#[test]
fn a_playground_error_has_a_message_and_a_column() {
    let a = json(&handle(r#"{"fn":"expr","source":"(x"}"#));
    assert!(a["error"]["message"].is_string(), "{a}");
    assert!(a["error"]["column"].is_u64(), "{a}");
}

#[test]
fn evaluate_answers_value_and_one_gradient_per_variable() {
    let a = json(&handle(
        r#"{"fn":"evaluate","source":"x*y + 1","inputs":{"x":2,"y":3}}"#,
    ));
    assert_eq!(a, json(r#"{"value":7.0,"grads":{"x":3.0,"y":2.0}}"#));
    let nan = json(&handle(
        r#"{"fn":"evaluate","source":"ln(x)","inputs":{"x":-1}}"#,
    ));
    assert_eq!(nan["value"], "#NaN");
}

#[test]
fn bad_requests_are_errors_not_panics() {
    for r in [
        "",
        "[]",
        r#"{"fn":"nope"}"#,
        r#"{"fn":"page"}"#,
        r#"{"fn":"page","recipe":{"root":5,"nodes":[]}}"#,
        r#"{"fn":"page","recipe":{"root":0,"nodes":[{"op":"Exp","parents":[0]}]}}"#,
        r#"{"fn":"probe","recipe":{"root":0,"nodes":[{"op":"Leaf","parents":[],"data":1}]},"leaf":3}"#,
        r#"{"fn":"evaluate","source":"x","inputs":{"x":"a"}}"#,
    ] {
        let a = json(&handle(r));
        assert!(a["error"]["message"].is_string(), "{r}: {a}");
    }
}

#[test]
fn the_apple_page_rebuilt_at_150_yen() {
    let page =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../graphs/apple.html"))
            .expect("graphs/apple.html");
    let recipe = recipe_of_page(&page).expect("a recipe");
    let g = scalargrad::Graph::new();
    let same = recipe.build(&g, &recipe.values()).expect("builds");
    assert_eq!(same.data(), 220.000_000_000_000_03);
    let mut values = recipe.values();
    values[0] = 150.0;
    let req = format!(
        r#"{{"fn":"probe","recipe":{},"values":{},"leaf":0,"lr":0.01}}"#,
        recipe.to_json(),
        serde_json::to_string(&values).unwrap()
    );
    let p = json(&handle(&req));
    assert_eq!(p["output"].as_f64(), Some(330.0));
    assert_eq!(p["grad"].as_f64(), Some(2.2));
    assert!((p["fd"].as_f64().unwrap() - 2.2).abs() < 1e-6);
    assert_eq!(p["newW"].as_f64(), Some(150.0 - 0.01 * 2.2));
    assert_eq!(p["text"]["newW"], "149.978");
    let req = format!(
        r#"{{"fn":"page","recipe":{},"values":{}}}"#,
        recipe.to_json(),
        serde_json::to_string(&values).unwrap()
    );
    let a = json(&handle(&req));
    assert!(a["svg"].as_str().unwrap().starts_with("<svg"));
    // Steps: 0 the inputs, 1 apple_price, 2 price.
    let caption = a["data"]["steps"][2]["en"].as_str().unwrap();
    assert!(caption.ends_with("= 330"), "{caption}");
}

#[test]
fn long_inputs_are_errors_or_graphs_quickly() {
    for src in [
        format!("x{}", " + x".repeat(2500)),
        format!("x{}", "*x".repeat(5000)),
        format!("{}x{}", "exp(".repeat(2500), ")".repeat(2500)),
        format!("{}x{}", "(".repeat(3000), ")".repeat(3000)),
        format!("{}x", "(".repeat(10_000)),
        format!("{}x", "-".repeat(10_000)),
        "9".repeat(10_000),
    ] {
        let req =
            serde_json::json!({"fn": "expr", "source": src, "inputs": {"x": 1.0}}).to_string();
        let a = json(&handle(&req));
        assert!(
            a["error"]["message"].is_string() || a["svg"].is_string(),
            "{a}"
        );
        let req =
            serde_json::json!({"fn": "evaluate", "source": src, "inputs": {"x": 1.0}}).to_string();
        let a = json(&handle(&req));
        assert!(
            a["error"]["message"].is_string() || a.get("value").is_some(),
            "{a}"
        );
    }
}

#[test]
#[ignore = "timing probe: cargo test --release -p scalargrad-web --test handle -- --ignored --nocapture"]
fn drawing_time_by_size() {
    for n in [10, 20, 39, 50] {
        let src = format!("x{}", " + x*y".repeat(n));
        let t = std::time::Instant::now();
        let req = serde_json::json!({"fn": "expr", "source": src, "inputs": {"x": 1.0, "y": 2.0}})
            .to_string();
        let a = handle(&req);
        println!("{n}: {:?} {} bytes", t.elapsed(), a.len());
    }
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../graphs/xor_network.html"
    ))
    .unwrap();
    let recipe = recipe_of_page(&page).unwrap();
    let req = format!(r#"{{"fn":"page","recipe":{}}}"#, recipe.to_json());
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let a = handle(&req);
        println!(
            "xor_network page ({} nodes): {:?} {} bytes",
            recipe.nodes.len(),
            t.elapsed(),
            a.len()
        );
    }
}

/// Every page in graphs/ carries a recipe that builds its graph again to the same bits: the
/// output and every gradient the page shows.
#[test]
fn every_page_recipe_rebuilds_the_page_numbers() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../graphs");
    let mut pages = 0;
    for entry in std::fs::read_dir(dir).expect("graphs/") {
        let path = entry.expect("an entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("html") {
            continue;
        }
        // The training page draws no recorded graph (tests/browser/check_train.py checks it).
        if path.file_stem().and_then(|e| e.to_str()) == Some("train") {
            continue;
        }
        let html = std::fs::read_to_string(&path).expect("a page");
        let recipe = recipe_of_page(&html).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let req = format!(r#"{{"fn":"page","recipe":{}}}"#, recipe.to_json());
        let a = json(&handle(&req));
        let start = html
            .find(r#"<script id="data" type="application/json">"#)
            .unwrap();
        let rest = &html[start..];
        let data = json(&rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()]);
        let shown = |d: &serde_json::Value| -> Vec<(serde_json::Value, serde_json::Value)> {
            d["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["kind"] != "op")
                .map(|n| (n["data"].clone(), n["grad"].clone()))
                .collect()
        };
        assert_eq!(shown(&a["data"]), shown(&data), "{}", path.display());
        assert_eq!(
            a["data"]["steps"].as_array().unwrap().len(),
            data["steps"].as_array().unwrap().len()
        );
        pages += 1;
    }
    assert!(pages >= 6, "{pages} pages");
}
