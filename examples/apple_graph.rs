//! The apple example of ゼロから作るDeep Learning, chapter 5, as a computation graph.
//!
//! 2 apples at 100 yen each, 10% consumption tax: 100 × 2 × 1.1 = 220 yen. Backward gives how
//! much the price moves per unit change of each input: d/d(apple) = 2.2, d/d(count) = 110,
//! d/d(tax) = 200. The apple + orange variant (3 oranges at 150 yen) gives 715 yen.
//!
//! Run: `cargo run --example apple_graph`. Writes `graphs/apple.{dot,svg,html}` and
//! `graphs/apple_orange.{dot,svg,html}` (the `.html` steps through the graph in a browser).

use scalargrad::viz::{self, Drawing};
use scalargrad::{Graph, Value};

fn draw(stem: &str, title: &str, root: Value<'_>) -> Drawing {
    let options = viz::DrawOptions {
        title: Some(title.to_string()),
        ..viz::DrawOptions::backward()
    };
    Drawing::new(stem, &viz::trace(root), &options)
}

fn check(what: &str, got: f64, want: f64) {
    println!("  {what:<24} = {got:<22} (book: {want})");
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{what}: got {got}, the book says {want}"
    );
}

/// Builds both graphs, prints and checks every number, and returns the drawings.
pub fn run() -> Vec<Drawing> {
    println!("りんごの例 (apple): 100 yen × 2 apples × 1.1 tax");
    let g = Graph::new();
    let apple = g.value(100.0).named("apple");
    let count = g.value(2.0).named("apple_num");
    let tax = g.value(1.1).named("tax");
    let apple_price = (apple * count).named("apple_price");
    let price = (apple_price * tax).named("price");
    price.backward();
    println!(" forward:");
    check("apple × apple_num", apple_price.data(), 200.0);
    check("price", price.data(), 220.0);
    println!(" backward:");
    check("dprice/dprice", price.grad(), 1.0);
    check("dprice/dapple_price", apple_price.grad(), 1.1);
    check("dprice/dapple", apple.grad(), 2.2);
    check("dprice/dapple_num", count.grad(), 110.0);
    check("dprice/dtax", tax.grad(), 200.0);
    let first = draw("apple", "apple: 100 × 2 × 1.1 = 220", price);

    println!("\nりんごとみかんの例 (apple + orange): (100 × 2 + 150 × 3) × 1.1");
    let g = Graph::new();
    let apple = g.value(100.0).named("apple");
    let apple_num = g.value(2.0).named("apple_num");
    let orange = g.value(150.0).named("orange");
    let orange_num = g.value(3.0).named("orange_num");
    let tax = g.value(1.1).named("tax");
    let apple_price = (apple * apple_num).named("apple_price");
    let orange_price = (orange * orange_num).named("orange_price");
    let all_price = (apple_price + orange_price).named("all_price");
    let price = (all_price * tax).named("price");
    price.backward();
    println!(" forward:");
    check("apple_price", apple_price.data(), 200.0);
    check("orange_price", orange_price.data(), 450.0);
    check("all_price", all_price.data(), 650.0);
    check("price", price.data(), 715.0);
    println!(" backward:");
    check("dprice/dapple", apple.grad(), 2.2);
    check("dprice/dapple_num", apple_num.grad(), 110.0);
    check("dprice/dorange", orange.grad(), 3.3);
    check("dprice/dorange_num", orange_num.grad(), 165.0);
    check("dprice/dtax", tax.grad(), 650.0);
    let second = draw(
        "apple_orange",
        "apple + orange: (100 × 2 + 150 × 3) × 1.1 = 715",
        price,
    );
    vec![first, second]
}

fn main() -> std::io::Result<()> {
    for d in run() {
        for path in d.write(std::path::Path::new("graphs"))? {
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}
