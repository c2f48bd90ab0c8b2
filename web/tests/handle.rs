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
    let caption = a["data"]["steps"][4]["en"].as_str().unwrap();
    assert!(caption.ends_with("= 330"), "{caption}");
}

#[test]
#[ignore = "timing probe"]
fn long_inputs_time() {
    for (name, src) in [
        ("x+x", format!("x{}", " + x".repeat(2500))),
        ("x*x", format!("x{}", "*x".repeat(5000))),
        ("exp", format!("{}x{}", "exp(".repeat(2500), ")".repeat(2500))),
        ("parens", format!("{}x{}", "(".repeat(3000), ")".repeat(3000))),
        ("minus", format!("{}x", "-".repeat(10_000))),
    ] {
        let t = std::time::Instant::now();
        let req = serde_json::json!({"fn": "expr", "source": src, "inputs": {"x": 1.0}}).to_string();
        let a = handle(&req);
        println!("{name}: {:?} {} bytes {}", t.elapsed(), a.len(), &a[..a.len().min(100)]);
    }
}
