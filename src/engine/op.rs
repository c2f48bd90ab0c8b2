//! Every operation the engine knows: its forward value and its local derivatives, side by side.
//!
//! This is the only place where an op's mathematics is written. The graph stores the op tag
//! and its operands; [`Op::eval`] computes the forward value and [`Op::vjp`] what backward
//! hands each parent for an upstream gradient `g`, written as PyTorch's backward computes it
//! (its `derivatives.yaml` and CPU kernels, in the same order of operations), with a
//! derivative that is exactly 0 selected rather than multiplied. Backward knows nothing about
//! any individual op.
//!
//! An op is one row of the table [`Op`] is declared with (its arity, symbol, formula and
//! derivative formulas) and one arm in each of [`Op::eval`] and [`Op::vjp`]; outside this file,
//! one method on [`Value`](crate::Value) and its arm in the drawings' recipe. The README's
//! "adding an op" lists every place and says which ones the compiler names.
//!
//! [`Op::vjp`] is written once, over the small [`Scalar`] vocabulary. Backward,
//! [`Graph::gradients`](crate::Graph::gradients) and the replay plan call it with `f64`s
//! (numbers, and the same machine code as a hand-written `f64` version);
//! [`Graph::grad`](crate::Graph::grad) calls it with symbolic operands, so the same arms build
//! the derivative as new nodes, which can be differentiated again.

use std::ops::{Add, Div, Mul, Neg, Sub};

/// The arithmetic local derivatives are written in.
///
/// Implemented by `f64`, for backward, and by the symbolic operands of
/// [`Graph::grad`](crate::Graph::grad), for which every operation creates a node (or folds
/// constants). Branch only on [`Scalar::number`] of a constant operand, never on data: a
/// derivative graph must stay right when [`Graph::recompute`](crate::Graph::recompute)
/// changes the data.
pub trait Scalar:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// A constant.
    fn lit(c: f64) -> Self;
    /// A derivative that is identically zero, such as a step function's (PyTorch's
    /// "undefined" gradient): for `f64` it is `0.0`; symbolically it creates no node.
    fn zero() -> Self;
    /// The number: for a constant operand, its value.
    fn number(self) -> f64;
    /// `self^e` for a constant real exponent ([`Op::PowF`]), as PyTorch computes it.
    #[must_use]
    fn powf(self, e: f64) -> Self;
    /// `self^n` for a constant integer exponent ([`Op::PowI`]), as PyTorch computes it.
    #[must_use]
    fn powi(self, n: i32) -> Self;
    /// The unit step [`Op::Step`]: 0 where `self ≤ 0`, else 1.
    #[must_use]
    fn step(self) -> Self;
    /// PyTorch's `sign` ([`Op::Sign`]): −1, 0 or 1, and 0 for NaN.
    #[must_use]
    fn sign(self) -> Self;
    /// [`Op::Gate`]: `self` where `cond > 0` (or NaN), else 0, selected and not multiplied,
    /// so that an infinite or NaN `self` gives 0 where `cond ≤ 0` (PyTorch's
    /// `threshold_backward`).
    #[must_use]
    fn gate(self, cond: Self) -> Self;
    /// `eˣ` ([`Op::Exp`]).
    #[must_use]
    fn exp(self) -> Self;
    /// `ln x` ([`Op::Ln`]).
    #[must_use]
    fn ln(self) -> Self;
    /// `sin x` ([`Op::Sin`]).
    #[must_use]
    fn sin(self) -> Self;
    /// `cos x` ([`Op::Cos`]).
    #[must_use]
    fn cos(self) -> Self;
    /// `self^e` for an exponent that is a value ([`Op::Pow`]).
    #[must_use]
    fn pow(self, e: Self) -> Self;
    /// `a` where `x > y`, else `b` (also where either is NaN): a selection, so the branch not
    /// taken may be infinite or NaN. Symbolically it is built from [`Op::Cmp`] and
    /// [`Op::Gate`] nodes, and may then differ in the sign of a zero only.
    #[must_use]
    fn select_gt(x: Self, y: Self, a: Self, b: Self) -> Self;
    /// `a` where `x ≥ y`, else `b` (also where either is NaN), as [`Scalar::select_gt`].
    #[must_use]
    fn select_ge(x: Self, y: Self, a: Self, b: Self) -> Self;
}

impl Scalar for f64 {
    #[inline(always)]
    fn lit(c: f64) -> Self {
        c
    }
    #[inline(always)]
    fn zero() -> Self {
        0.0
    }
    #[inline(always)]
    fn number(self) -> f64 {
        self
    }
    #[inline(always)]
    fn powf(self, e: f64) -> Self {
        pow(self, e)
    }
    #[inline(always)]
    fn powi(self, n: i32) -> Self {
        pow(self, f64::from(n))
    }
    #[inline(always)]
    fn step(self) -> Self {
        // NaN gives 1: relu' = step(relu x) then lets a NaN through, as PyTorch's
        // threshold_backward does.
        if self <= 0.0 { 0.0 } else { 1.0 }
    }
    #[inline(always)]
    fn sign(self) -> Self {
        sign(self)
    }
    #[inline(always)]
    fn gate(self, cond: Self) -> Self {
        gate(self, cond)
    }
    #[inline(always)]
    fn exp(self) -> Self {
        f64::exp(self)
    }
    #[inline(always)]
    fn ln(self) -> Self {
        f64::ln(self)
    }
    #[inline(always)]
    fn sin(self) -> Self {
        f64::sin(self)
    }
    #[inline(always)]
    fn cos(self) -> Self {
        f64::cos(self)
    }
    #[inline(always)]
    fn pow(self, e: Self) -> Self {
        f64::powf(self, e)
    }
    #[inline(always)]
    fn select_gt(x: Self, y: Self, a: Self, b: Self) -> Self {
        if x > y { a } else { b }
    }
    #[inline(always)]
    fn select_ge(x: Self, y: Self, a: Self, b: Self) -> Self {
        if x >= y { a } else { b }
    }
}

/// How many inputs an op reads, and where its second operand comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Arity {
    /// A leaf: an input or parameter, created by [`Graph::value`](crate::Graph::value).
    Leaf,
    /// One parent value: `f(x)`.
    Unary,
    /// One parent value and a plain `f64` constant `c` that is not gradient-tracked:
    /// `f(x, c)`, such as `x + 1.0` or `x * -1.0`.
    UnaryConst,
    /// Two parent values: `f(x, y)`.
    Binary,
    /// Any number of parent values, listed in a side table ([`Op::Dot`]).
    Nary,
}

/// How the table below becomes code (a first reading can skip to the table).
///
/// `ops! { … pub enum Op { Row => arity, symbol, formula, [∂x, ∂y]; … } }` writes the enum
/// with each row's doc comment on its variant, one `const fn` `match` per column
/// ([`Op::arity`], [`Op::symbol`], [`Op::formula`], [`Op::derivative_formula`]), [`Op::ALL`]
/// in row order, and `specialize!` over the same rows. Nothing else lists the ops, so nothing
/// can miss one. `arity`, which the engine's loops call per node, has one arm per arity, as
/// the hand-written `match` had, and compiles to the same machine code.
macro_rules! ops {
    (
        $(#[$enum_attr:meta])*
        pub enum Op {
            $(
                $(#[$doc:meta])*
                $op:ident => $arity:ident, $symbol:literal, $formula:literal, [$($d:literal),*];
            )*
        }
    ) => {
        $(#[$enum_attr])*
        pub enum Op {
            $($(#[$doc])* $op,)*
        }

        impl Op {
            /// Every op, in declaration order: for tables, fixtures and names that must cover
            /// them all. Made from the table's rows, as `specialize!` is; the test
            /// `every_op_is_listed_once` checks the order.
            pub const ALL: [Op; [$(Op::$op),*].len()] = [$(Op::$op),*];

            /// How many parents the op has, and whether its second operand is a constant.
            #[must_use]
            pub const fn arity(self) -> Arity {
                match self {
                    ops!(@of Leaf; [] $($op $arity)*) => Arity::Leaf,
                    ops!(@of Unary; [] $($op $arity)*) => Arity::Unary,
                    ops!(@of UnaryConst; [] $($op $arity)*) => Arity::UnaryConst,
                    ops!(@of Binary; [] $($op $arity)*) => Arity::Binary,
                    ops!(@of Nary; [] $($op $arity)*) => Arity::Nary,
                }
            }

            /// A short symbol for drawings: `+`, `×`, `exp`, …
            ///
            /// For constant ops, [`Op::label`] also shows the constant, as the book does
            /// ("× −1").
            #[must_use]
            pub const fn symbol(self) -> &'static str {
                match self {
                    $(Op::$op => $symbol,)*
                }
            }

            /// The forward formula in the operands' names: `x` and `y` are the parents, `c`
            /// the constant, as in [`Op::eval`]. Empty for a leaf.
            ///
            /// ```
            /// use scalargrad::Op;
            /// assert_eq!(Op::Mul.formula(), "x × y");
            /// assert_eq!(Op::RDivC.formula(), "c / x");
            /// ```
            #[must_use]
            pub const fn formula(self) -> &'static str {
                match self {
                    $(Op::$op => $formula,)*
                }
            }

            /// The local derivatives `[∂out/∂x, ∂out/∂y]` as formulas, the text of what
            /// [`Op::partials`] computes (`out` is the op's own value). The second entry is
            /// empty for ops with one parent; for [`Op::Dot`] they are `∂/∂aₖ` and `∂/∂cₖ` of
            /// one term (a bias has derivative 1).
            ///
            /// ```
            /// use scalargrad::Op;
            /// assert_eq!(Op::Mul.derivative_formula(), ["y", "x"]);
            /// assert_eq!(Op::Exp.derivative_formula(), ["exp(x)", ""]);
            /// ```
            #[must_use]
            pub const fn derivative_formula(self) -> [&'static str; 2] {
                match self {
                    $(Op::$op => ops!(@two $($d),*),)*
                }
            }
        }

        // A misspelt arity is an error here (no such `Arity`), not an op missing from `arity`.
        const _: [Arity; Op::ALL.len()] = [$(Arity::$arity),*];

        ops!(@specialize ($) $($op)*);
    };
    // `ops!(@of Unary; [] Leaf Leaf Neg Unary …)`: the pattern `Op::Neg | …` of every op of
    // that arity, so that `arity` is one arm per arity. (One arm per op gives the same values
    // but moves registers and instructions in backward and replay.)
    (@of $want:ident; [| $($pattern:tt)*]) => { $($pattern)* };
    (@of Leaf; [$($pattern:tt)*] $op:ident Leaf $($rest:tt)*) => {
        ops!(@of Leaf; [$($pattern)* | Op::$op] $($rest)*)
    };
    (@of Unary; [$($pattern:tt)*] $op:ident Unary $($rest:tt)*) => {
        ops!(@of Unary; [$($pattern)* | Op::$op] $($rest)*)
    };
    (@of UnaryConst; [$($pattern:tt)*] $op:ident UnaryConst $($rest:tt)*) => {
        ops!(@of UnaryConst; [$($pattern)* | Op::$op] $($rest)*)
    };
    (@of Binary; [$($pattern:tt)*] $op:ident Binary $($rest:tt)*) => {
        ops!(@of Binary; [$($pattern)* | Op::$op] $($rest)*)
    };
    (@of Nary; [$($pattern:tt)*] $op:ident Nary $($rest:tt)*) => {
        ops!(@of Nary; [$($pattern)* | Op::$op] $($rest)*)
    };
    (@of $want:ident; [$($pattern:tt)*] $op:ident $other:ident $($rest:tt)*) => {
        ops!(@of $want; [$($pattern)*] $($rest)*)
    };
    // A row's derivatives, padded to `[∂x, ∂y]` with empty strings.
    (@two) => { ["", ""] };
    (@two $dx:literal) => { [$dx, ""] };
    (@two $dx:literal, $dy:literal) => { [$dx, $dy] };
    // `$d` is a `$` for the macro written here (a macro cannot write `$` itself).
    (@specialize ($d:tt) $($op:ident)*) => {
        /// `specialize!(op, |o| body)`: a `match` with one arm per op, in which `o` is that op
        /// as a constant. Once `body` is inlined, `o.arity()`, [`Op::eval`] and [`Op::vjp`]
        /// fold to that op's own formula, so a loop over nodes pays for one jump per node, as
        /// a hand-written `match` would, while the mathematics stays in this file.
        macro_rules! specialize {
            ($d value:expr, |$d o:ident| $d body:expr) => {
                match $d value {
                    $(Op::$op => {
                        let $d o = Op::$op;
                        $d body
                    })*
                }
            };
        }
        pub(crate) use specialize;
    };
}

ops! {
    /// The operation that produced a node.
    ///
    /// `x` and `y` name the first and second parent, `c` a constant operand (not tracked), and
    /// `out` the node's own value. Each variant's doc gives its formula and its derivative.
    ///
    /// The enum is `#[non_exhaustive]`: adding an op is routine, and a `match` outside this crate
    /// needs a `_` arm.
    ///
    /// In the source (`src/engine/op.rs`) this enum is a table with one row per op: its doc,
    /// then `Name => arity, symbol, formula, [∂out/∂x, ∂out/∂y]` ([`Arity`], [`Op::symbol`],
    /// [`Op::formula`], [`Op::derivative_formula`]). Its value and its gradient are its arms in
    /// [`Op::eval`] and [`Op::vjp`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    #[repr(u8)]
    #[non_exhaustive]
    pub enum Op {
        // Grouped by arity: leaf, unary, constant, binary, n-ary.
        /// A leaf: no parents.
        Leaf => Leaf, "", "", [];
        /// `−x`; ∂x = −1.
        Neg => Unary, "−", "−x", ["−1"];
        /// `eˣ`; ∂x = eˣ = out.
        Exp => Unary, "exp", "exp(x)", ["exp(x)"];
        /// natural log `ln x`; ∂x = 1/x, applied as PyTorch's `g / x`.
        Ln => Unary, "ln", "ln(x)", ["1 / x"];
        /// `tanh x`; ∂x = 1 − out².
        Tanh => Unary, "tanh", "tanh(x)", ["1 − out²"];
        /// `max(x, 0)`, with NaN propagating; ∂x = step(out): 0 where out ≤ 0, else 1 (so
        /// relu'(0) = 0 and relu'(NaN) = 1, as in PyTorch).
        Relu => Unary, "relu", "max(x, 0)", ["1 if out > 0, else 0"];
        /// `σ(x) = 1/(1 + e⁻ˣ)`; ∂x = out·(1 − out), applied as PyTorch's `(g·(1 − out))·out`.
        Sigmoid => Unary, "sigmoid", "1 / (1 + exp(−x))", ["out × (1 − out)"];
        /// `√x`; ∂x = 1/(2·out), applied as PyTorch's `g / (2·out)`.
        Sqrt => Unary, "sqrt", "√x", ["1 / (2 × out)"];
        /// `|x|`; ∂x = sign(x), with sign(0) = sign(NaN) = 0 (as in PyTorch).
        Abs => Unary, "abs", "|x|", ["sign(x)"];
        /// PyTorch's `sign x`: −1, 0 or 1, and 0 for ±0 and NaN; ∂x = 0.
        Sign => Unary, "sign", "sign(x)", ["0"];
        /// The unit step function (Heaviside's, as a value; not a training step): 0 where x ≤ 0,
        /// else 1 (NaN gives 1); ∂x = 0. It is relu's
        /// derivative, `step(relu x)`, as a node, so that [`Graph::grad`](crate::Graph::grad) can
        /// build it.
        Step => Unary, "step", "1 if x > 0, else 0", ["0"];
        /// `x + c`; ∂x = 1.
        AddC => UnaryConst, "+", "x + c", ["1"];
        /// `x − c`; ∂x = 1.
        SubC => UnaryConst, "−", "x − c", ["1"];
        /// `c − x`; ∂x = −1.
        RSubC => UnaryConst, "−", "c − x", ["−1"];
        /// `x · c`; ∂x = c.
        MulC => UnaryConst, "×", "x × c", ["c"];
        /// `x / c`; ∂x = 1/c, applied as PyTorch's `g / c`.
        DivC => UnaryConst, "/", "x / c", ["1 / c"];
        /// `c / x`; ∂x = −c/x², computed as −(out/x) so that it does not overflow or underflow
        /// where the result is representable (PyTorch's form for a tensor divisor).
        RDivC => UnaryConst, "/", "c / x", ["−c / x²"];
        /// `x^c` for a real constant `c`, computed as PyTorch does (x·x for 2, x·x·x for 3, √x for
        /// ½, …, else `pow`); ∂x = c·x^(c−1), and 0 for c = 0 (also at x = 0, as in PyTorch).
        PowF => UnaryConst, "^", "x^c", ["c × x^(c − 1)"];
        /// `x^n` for an integer constant `n`, computed as [`Op::PowF`] (PyTorch's `x ** n` is
        /// `pow` with the exponent as a double); ∂x = n·x^(n−1), and 0 for n = 0 (also at x = 0,
        /// as in PyTorch).
        PowI => UnaryConst, "^", "x^c", ["c × x^(c − 1)"];
        /// `x + y`; ∂x = 1, ∂y = 1.
        Add => Binary, "+", "x + y", ["1", "1"];
        /// `x − y`; ∂x = 1, ∂y = −1.
        Sub => Binary, "−", "x − y", ["1", "−1"];
        /// `x · y`; ∂x = y, ∂y = x.
        Mul => Binary, "×", "x × y", ["y", "x"];
        /// `x / y`; ∂x = 1/y, ∂y = −x/y², applied as PyTorch's `g / y` and `−g·((x/y)/y)`, which
        /// does not overflow or underflow where the result is representable.
        Div => Binary, "/", "x / y", ["1 / y", "−x / y²"];
        /// A neuron's weighted sum in one node: `b + a₀·c₀ + a₁·c₁ + …`, folded left from the
        /// optional bias `b` exactly as the chain of `×` and `+` nodes it replaces, so it gives
        /// the same numbers to the bit; ∂aₖ = cₖ, ∂cₖ = aₖ, ∂b = 1. Made by
        /// [`Graph::weighted_sum`](crate::Graph::weighted_sum).
        Dot => Nary, "Σ", "b + Σ aₖ × cₖ", ["cₖ", "aₖ"];
        /// `x` where `y > 0` (or `y` is NaN), else 0: the gradient relu lets through, as a
        /// node (PyTorch's `threshold_backward(x, y, 0)`), so that
        /// [`Graph::grad`](crate::Graph::grad) selects a zero where backward does;
        /// ∂x = gate(1, y), ∂y = 0.
        Gate => Binary, "gate", "x if y > 0, else 0", ["1 if y > 0, else 0", "0"];
        /// `x`, with no gradient: PyTorch's `detach`. ∂x = 0. Replay recomputes it, so a value
        /// taken from the data (a softmax's shift) follows new data without being differentiated.
        Detach => Unary, "detach", "x (no gradient)", ["0"];
        /// `sin x`; ∂x = cos x.
        Sin => Unary, "sin", "sin(x)", ["cos(x)"];
        /// `cos x`; ∂x = −sin x.
        Cos => Unary, "cos", "cos(x)", ["−sin(x)"];
        /// `ln(1 + x)`, accurate near 0; ∂x = 1/(x + 1), applied as PyTorch's `g / (x + 1)`.
        Log1p => Unary, "log1p", "ln(1 + x)", ["1 / (x + 1)"];
        /// PyTorch's `softplus` with β = 1 and threshold 20: `x` where x > 20, else `ln(1 + eˣ)`;
        /// ∂x = 1 where x > 20, else `eˣ/(eˣ + 1)`, applied as PyTorch's `(g·z)/(z + 1)`, z = eˣ.
        Softplus => Unary, "softplus", "ln(1 + exp(x)), x if x > 20",
            ["exp(x) / (exp(x) + 1), 1 if x > 20"];
        /// `x` where x > 0, else `c·x` (PyTorch's `leaky_relu` with negative slope `c`); ∂x = 1
        /// where x > 0, else `c` (so `c` at 0 and at NaN).
        LeakyRelu => UnaryConst, "leaky_relu", "x if x > 0, else c × x", ["1 if x > 0, else c"];
        /// `max(x, c)`, NaN propagating (PyTorch's `clamp_min`); ∂x = 1 where x > c, else 0 (so
        /// 0 at x = c, as PyTorch 2.15 gives).
        ClampMin => UnaryConst, "clamp_min", "max(x, c)", ["1 if x > c, else 0"];
        /// `min(x, c)`, NaN propagating (PyTorch's `clamp_max`); ∂x = 1 where x < c, else 0 (so
        /// 0 at x = c, as PyTorch 2.15 gives).
        ClampMax => UnaryConst, "clamp_max", "min(x, c)", ["1 if x < c, else 0"];
        /// `max(x, y)`, NaN if either is (PyTorch's `maximum`); ∂x = 1 where x > y, ½ where
        /// x = y, 0 where x < y (and 1 at NaN), ∂y likewise: equal inputs share the gradient.
        Max => Binary, "max", "max(x, y)",
            ["1 if x > y, ½ if x = y, else 0", "1 if y > x, ½ if x = y, else 0"];
        /// `min(x, y)`, NaN if either is (PyTorch's `minimum`); ∂x = 1 where x < y, ½ where
        /// x = y, 0 where x > y (and 1 at NaN), ∂y likewise.
        Min => Binary, "min", "min(x, y)",
            ["1 if x < y, ½ if x = y, else 0", "1 if y < x, ½ if x = y, else 0"];
        /// `x^y` with a value as the exponent (PyTorch's `pow(Tensor, Tensor)`); ∂x = y·x^(y−1)
        /// (0 where y = 0), ∂y = out·ln x (0 where x = 0 and y ≥ 0).
        Pow => Binary, "^", "x^y", ["y × x^(y − 1)", "out × ln(x)"];
        /// The comparison behind [`Scalar::select_gt`]: 1 where x > y, ½ where x = y, 0 where
        /// x < y or either is NaN; ∂x = ∂y = 0.
        Cmp => Binary, "cmp", "1 if x > y, ½ if x = y, else 0", ["0", "0"];
    }
}

impl Op {
    /// The forward value. `y` is the second parent's value or the constant `c`; unary ops
    /// ignore it. A leaf has no formula and returns `x`. For [`Op::Dot`] it is one term
    /// `x·y`; [`Op::fold_dot`] sums the terms.
    #[inline]
    #[must_use]
    pub fn eval(self, x: f64, y: f64) -> f64 {
        match self {
            Op::Leaf | Op::Detach => x,
            Op::Add | Op::AddC => x + y,
            Op::Sub | Op::SubC => x - y,
            Op::RSubC => y - x,
            Op::Mul | Op::MulC | Op::Dot => x * y,
            Op::Div | Op::DivC => x / y,
            Op::RDivC => y / x,
            Op::Neg => -x,
            Op::PowF | Op::PowI => pow(x, y),
            Op::Exp => x.exp(),
            Op::Ln => x.ln(),
            Op::Tanh => x.tanh(),
            // NaN and −0 compare false and pass through, as in PyTorch.
            Op::Relu => {
                if x < 0.0 {
                    0.0
                } else {
                    x
                }
            }
            Op::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Op::Sqrt => x.sqrt(),
            Op::Abs => x.abs(),
            Op::Sign => sign(x),
            Op::Step => Scalar::step(x),
            Op::Gate => gate(x, y),
            Op::Sin => x.sin(),
            Op::Cos => x.cos(),
            Op::Log1p => x.ln_1p(),
            Op::Softplus => {
                if x > 20.0 {
                    x
                } else {
                    x.exp().ln_1p()
                }
            }
            Op::LeakyRelu => {
                if x > 0.0 {
                    x
                } else {
                    x * y
                }
            }
            // NaN passes through, as in PyTorch's clamp kernels.
            Op::ClampMin => {
                if x < y {
                    y
                } else {
                    x
                }
            }
            Op::ClampMax => {
                if y < x {
                    y
                } else {
                    x
                }
            }
            Op::Max => {
                if x.is_nan() || y.is_nan() {
                    f64::NAN
                } else if x < y {
                    y
                } else {
                    x
                }
            }
            Op::Min => {
                if x.is_nan() || y.is_nan() {
                    f64::NAN
                } else if y < x {
                    y
                } else {
                    x
                }
            }
            Op::Pow => x.powf(y),
            Op::Cmp => cmp(x, y),
        }
    }

    /// The local derivatives `(∂out/∂x, ∂out/∂y)`, given the operands and the forward value:
    /// [`Op::vjp`] with an upstream gradient of 1.
    ///
    /// For unary and constant ops the second entry is [`Scalar::zero`] and unused; for
    /// [`Op::Dot`] they are the partials of one term `x·y` (a bias has partial 1).
    ///
    /// ```
    /// use scalargrad::Op;
    /// assert_eq!(Op::Mul.partials(2.0, 5.0, 10.0), (5.0, 2.0));
    /// // −(x/y)/y: no overflow where −x/y² would give −∞ (PyTorch: −1e170)
    /// assert_eq!(Op::Div.partials(1e-170, 1e-170, 1.0).1, -1e170);
    /// ```
    #[inline(always)]
    #[must_use]
    pub fn partials<T: Scalar>(self, x: T, y: T, out: T) -> (T, T) {
        self.vjp(x, y, out, T::lit(1.0))
    }

    /// What the op hands its parents in backward: `(g·∂out/∂x, g·∂out/∂y)` for an upstream
    /// gradient `g`, given the operands and the forward value (a vector-Jacobian product).
    ///
    /// Where a local derivative is exactly 0 (relu for x ≤ 0, sign, step, a power with
    /// exponent 0) the contribution is selected as 0, not multiplied, so an infinite or NaN
    /// `g` gives 0, as PyTorch's `threshold_backward` and `zeros_like` do.
    ///
    /// For unary and constant ops the second entry is [`Scalar::zero`] and unused; for
    /// [`Op::Dot`] they are the contributions of one term `x·y` (a bias gets `g`). Derivatives
    /// that can be written with `out` reuse it (exp, tanh, sigmoid, sqrt, relu, the divisions).
    ///
    /// Generic over [`Scalar`]: with `f64`s it gives numbers (backward), with the symbolic
    /// operands of [`Graph::grad`](crate::Graph::grad) it builds the same formulas as nodes.
    /// This is the only place an op's calculus is written.
    ///
    /// ```
    /// use scalargrad::Op;
    /// assert_eq!(Op::Mul.vjp(2.0, 5.0, 10.0, 3.0), (15.0, 6.0));
    /// // relu at x = −1 selects 0 whatever arrives (PyTorch: threshold_backward)
    /// assert_eq!(Op::Relu.vjp(-1.0, 0.0, 0.0, f64::INFINITY).0, 0.0);
    /// ```
    #[inline(always)]
    #[must_use]
    pub fn vjp<T: Scalar>(self, x: T, y: T, out: T, g: T) -> (T, T) {
        let one = || T::lit(1.0);
        let unary = |d: T| (d, T::zero());
        match self {
            Op::Leaf | Op::Sign | Op::Step | Op::Detach | Op::Cmp => (T::zero(), T::zero()),
            Op::Add => (g, g),
            Op::Sub => (g, -g),
            // For Dot: the contributions of one term x·y.
            Op::Mul | Op::Dot => (g * y, g * x),
            // PyTorch: grad / other and −grad · ((self / other) / other), which does not
            // overflow or underflow where the result is representable.
            Op::Div => (g / y, -g * (out / y)),
            Op::AddC | Op::SubC => unary(g),
            Op::RSubC | Op::Neg => unary(-g),
            Op::MulC => unary(g * y),
            Op::DivC => unary(g / y),
            Op::RDivC => unary(-g * (out / x)),
            // PyTorch selects 0 for c = 0, where c·x^(c−1) would be 0·∞ at x = 0.
            Op::PowF | Op::PowI => unary(if y.number() == 0.0 {
                T::zero()
            } else {
                g * (y * x.powf(y.number() - 1.0))
            }),
            Op::Exp => unary(g * out),
            Op::Ln => unary(g / x),
            Op::Tanh => unary(g * (one() - out * out)),
            Op::Relu => unary(g.gate(out)),
            Op::Sigmoid => unary((g * (one() - out)) * out),
            Op::Sqrt => unary(g / (T::lit(2.0) * out)),
            Op::Abs => unary(g * x.sign()),
            Op::Gate => (g.gate(y), T::zero()),
            Op::Sin => unary(g * x.cos()),
            Op::Cos => unary(g * -x.sin()),
            Op::Log1p => unary(g / (x + one())),
            Op::Softplus => {
                let z = x.exp();
                unary(T::select_gt(x, T::lit(20.0), g, (g * z) / (z + one())))
            }
            Op::LeakyRelu => unary(T::select_gt(x, T::lit(0.0), g, g * y)),
            Op::ClampMin => unary(T::select_gt(x, y, g, T::zero())),
            Op::ClampMax => unary(T::select_gt(y, x, g, T::zero())),
            // PyTorch: where(x == y, g/2, g), masked to 0 where the other input is larger.
            Op::Max => (
                T::select_gt(y, x, T::zero(), T::select_ge(y, x, g / T::lit(2.0), g)),
                T::select_gt(x, y, T::zero(), T::select_ge(x, y, g / T::lit(2.0), g)),
            ),
            Op::Min => (
                T::select_gt(x, y, T::zero(), T::select_ge(x, y, g / T::lit(2.0), g)),
                T::select_gt(y, x, T::zero(), T::select_ge(y, x, g / T::lit(2.0), g)),
            ),
            Op::Pow => {
                // PyTorch's pow_backward_self and pow_backward_exponent.
                let zero = T::lit(0.0);
                let dx = g * (y * x.pow(y - one()));
                let dy = out * x.ln();
                (
                    T::select_ge(y, zero, T::select_ge(zero, y, T::zero(), dx), dx),
                    g * T::select_ge(
                        x,
                        zero,
                        T::select_ge(zero, x, T::select_ge(y, zero, T::lit(0.0), dy), dy),
                        dy,
                    ),
                )
            }
        }
    }

    /// [`Op::Dot`]'s value: `((b + a₀c₀) + a₁c₁) + …`, or `(a₀c₀ + a₁c₁) + …` without a
    /// bias, each product rounded before it is added, as separate `×` and `+` nodes would.
    #[inline]
    #[must_use]
    pub fn fold_dot(bias: Option<f64>, mut terms: impl Iterator<Item = (f64, f64)>) -> f64 {
        let first = terms.next().map_or(0.0, |(a, c)| a * c);
        let start = bias.map_or(first, |b| b + first);
        terms.fold(start, |acc, (a, c)| acc + a * c)
    }

    /// The symbol with the constant folded in, as the book draws it: `+ 1`, `× −1`, `1 /`.
    /// `c` is ignored unless the op has a constant operand.
    #[must_use]
    pub fn label(self, c: f64) -> String {
        self.label_with(&fmt_const(c))
    }

    /// [`Op::label`] with the constant already written out (rounded for a drawing, say).
    #[must_use]
    pub fn label_with(self, c: &str) -> String {
        match self.arity() {
            // The constant stands where the formula puts it: `c − x` is drawn `c −`.
            Arity::UnaryConst if self.formula().starts_with('c') => {
                format!("{c} {}", self.symbol())
            }
            Arity::UnaryConst => format!("{} {c}", self.symbol()),
            _ => self.symbol().to_string(),
        }
    }

    /// This op's index in [`Op::ALL`].
    #[must_use]
    pub const fn position(self) -> usize {
        // A fieldless enum without explicit discriminants counts its variants from 0 in
        // declaration order, the order of `ALL`.
        self as usize
    }
}

/// `x^c` as PyTorch's CPU kernel computes it for a scalar exponent (`pow_tensor_scalar`):
/// 1 for c = 0, x for 1, √x for ½, 1/√x for −½, 1/x for −1, x·x for 2, x·x·x for 3,
/// 1/(x·x) for −2, else the C library's `pow`.
#[inline(always)]
fn pow(x: f64, c: f64) -> f64 {
    if c == 0.0 {
        1.0
    } else if c == 1.0 {
        x
    } else if c == 0.5 {
        x.sqrt()
    } else if c == -0.5 {
        1.0 / x.sqrt()
    } else if c == -1.0 {
        1.0 / x
    } else if c == 2.0 {
        x * x
    } else if c == 3.0 {
        x * x * x
    } else if c == -2.0 {
        1.0 / (x * x)
    } else {
        x.powf(c)
    }
}

/// PyTorch's `sign`: −1, 0 or 1; `(0 < x) − (x < 0)`, so ±0 and NaN give 0.
#[inline(always)]
fn sign(x: f64) -> f64 {
    f64::from(u8::from(0.0 < x)) - f64::from(u8::from(x < 0.0))
}

/// `x` where `cond > 0` or `cond` is NaN, else 0 ([`Op::Gate`]).
#[inline(always)]
fn gate(x: f64, cond: f64) -> f64 {
    if cond <= 0.0 { 0.0 } else { x }
}

/// 1 where `x > y`, ½ where `x = y`, else 0 (also for NaN) ([`Op::Cmp`]).
#[inline(always)]
fn cmp(x: f64, y: f64) -> f64 {
    if x > y {
        1.0
    } else if x == y {
        0.5
    } else {
        0.0
    }
}

/// A constant as the book writes it: `-1` as `−1`, `1.1` as `1.1`.
fn fmt_const(c: f64) -> String {
    let s = format!("{c}");
    s.strip_prefix('-')
        .map_or_else(|| s.clone(), |rest| format!("−{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_labels_read_like_the_book() {
        assert_eq!(Op::MulC.label(-1.0), "× −1");
        assert_eq!(Op::AddC.label(1.0), "+ 1");
        assert_eq!(Op::RDivC.label(1.0), "1 /");
        assert_eq!(Op::Mul.label(0.0), "×");
    }

    #[test]
    fn every_op_is_listed_once() {
        for (k, op) in Op::ALL.into_iter().enumerate() {
            assert_eq!(op.position(), k, "{op:?}");
        }
    }

    #[test]
    fn every_op_has_one_derivative_formula_per_parent() {
        for op in Op::ALL {
            let [dx, dy] = op.derivative_formula();
            let two = matches!(op.arity(), Arity::Binary | Arity::Nary);
            let leaf = op.arity() == Arity::Leaf;
            assert_eq!(dx.is_empty(), leaf, "{op:?}");
            assert_eq!(dy.is_empty(), !two, "{op:?}");
            assert_eq!(op.formula().is_empty(), leaf, "{op:?}");
        }
    }

    #[test]
    fn abs_derivative_at_zero_is_zero() {
        assert_eq!(Op::Abs.partials(0.0, 0.0, 0.0).0, 0.0);
        assert_eq!(Op::Abs.partials(-2.0, 0.0, 2.0).0, -1.0);
    }
}
