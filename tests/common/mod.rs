//! Helpers shared by the integration tests.
#![allow(dead_code)]

/// Asserts `|got − want| ≤ tol · max(|want|, 1)`, naming what was compared.
#[track_caller]
pub fn assert_close(what: &str, got: f64, want: f64, tol: f64) {
    let ok = (got.is_nan() && want.is_nan())
        || got == want
        || (got - want).abs() <= tol * want.abs().max(1.0);
    assert!(ok, "{what}: got {got:e}, want {want:e} (tolerance {tol:e})");
}

/// Asserts a relative difference `|got − want| ≤ tol · |want|` (with equality for zeros).
#[track_caller]
pub fn assert_rel(what: &str, got: f64, want: f64, tol: f64) {
    let ok =
        (got.is_nan() && want.is_nan()) || got == want || (got - want).abs() <= tol * want.abs();
    assert!(
        ok,
        "{what}: got {got:e}, want {want:e} (relative tolerance {tol:e})"
    );
}
