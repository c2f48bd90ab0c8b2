//! A minimal flat-arena scalar autograd engine: the yardstick that the `bench` binary runs side
//! by side with scalargrad (the "Rust, flat arena" row of the team's WORKLOADS.md).
//!
//! 32-byte nodes in one `Vec` in creation order, constants in a side table, a reverse sweep
//! with one `match` per node, no flags, no handle checks, no names or scopes, only W1's and
//! W2's ops. Not part of the library: it makes the ratio measurable on any machine, in one run.

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Leaf,
    Add,
    Mul,
    Div,
    AddC,
    MulC,
    Neg,
    Relu,
    Sigmoid,
    Exp,
    Ln,
}

/// One node: 32 bytes.
#[derive(Clone, Copy)]
pub struct Node {
    pub data: f64,
    pub grad: f64,
    a: u32,
    b: u32,
    op: Op,
}

/// The arena. A value is its `u32` index.
#[derive(Default)]
pub struct Tape {
    pub nodes: Vec<Node>,
    consts: Vec<f64>,
}

impl Tape {
    pub fn with_capacity(n: usize) -> Self {
        let (nodes, consts) = (Vec::with_capacity(n), Vec::new());
        Tape { nodes, consts }
    }

    #[inline]
    fn push(&mut self, op: Op, a: u32, b: u32, data: f64) -> u32 {
        let (i, grad) = (self.nodes.len() as u32, 0.0);
        self.nodes.push(Node {
            data,
            grad,
            a,
            b,
            op,
        });
        i
    }
    #[inline]
    fn d(&self, i: u32) -> f64 {
        self.nodes[i as usize].data
    }

    pub fn leaf(&mut self, x: f64) -> u32 {
        self.push(Op::Leaf, 0, 0, x)
    }
    pub fn add(&mut self, a: u32, b: u32) -> u32 {
        self.push(Op::Add, a, b, self.d(a) + self.d(b))
    }
    pub fn mul(&mut self, a: u32, b: u32) -> u32 {
        self.push(Op::Mul, a, b, self.d(a) * self.d(b))
    }
    pub fn div(&mut self, a: u32, b: u32) -> u32 {
        self.push(Op::Div, a, b, self.d(a) / self.d(b))
    }
    pub fn addc(&mut self, a: u32, c: f64) -> u32 {
        self.consts.push(c);
        self.push(Op::AddC, a, self.consts.len() as u32 - 1, self.d(a) + c)
    }
    pub fn mulc(&mut self, a: u32, c: f64) -> u32 {
        self.consts.push(c);
        self.push(Op::MulC, a, self.consts.len() as u32 - 1, self.d(a) * c)
    }
    pub fn neg(&mut self, a: u32) -> u32 {
        self.push(Op::Neg, a, 0, -self.d(a))
    }
    pub fn relu(&mut self, a: u32) -> u32 {
        let x = self.d(a);
        self.push(Op::Relu, a, 0, if x > 0.0 { x } else { 0.0 })
    }
    pub fn sigmoid(&mut self, a: u32) -> u32 {
        self.push(Op::Sigmoid, a, 0, 1.0 / (1.0 + (-self.d(a)).exp()))
    }
    pub fn exp(&mut self, a: u32) -> u32 {
        self.push(Op::Exp, a, 0, self.d(a).exp())
    }
    pub fn ln(&mut self, a: u32) -> u32 {
        self.push(Op::Ln, a, 0, self.d(a).ln())
    }
    /// Discards the nodes (and constants) from `len` (`consts`) on.
    pub fn truncate(&mut self, len: usize, consts: usize) {
        self.nodes.truncate(len);
        self.consts.truncate(consts);
    }
    pub fn consts_len(&self) -> usize {
        self.consts.len()
    }

    /// d root / d node for every node up to `root`, on a freshly built graph (every node
    /// starts with gradient 0; the workloads rebuild the graph for every backward, and the
    /// caller zeroes the parameters' gradients). No clearing pass, no flags.
    pub fn backward(&mut self, root: u32) {
        let n = &mut self.nodes[..=root as usize];
        n[root as usize].grad = 1.0;
        for i in (0..n.len()).rev() {
            let Node {
                data,
                grad,
                a,
                b,
                op,
            } = n[i];
            let (a, b) = (a as usize, b as usize);
            match op {
                Op::Leaf => {}
                Op::Add => {
                    n[a].grad += grad;
                    n[b].grad += grad;
                }
                Op::Mul => {
                    let (x, y) = (n[a].data, n[b].data);
                    n[a].grad += grad * y;
                    n[b].grad += grad * x;
                }
                Op::Div => {
                    let (x, y) = (n[a].data, n[b].data);
                    n[a].grad += grad / y;
                    n[b].grad += -grad * x / (y * y);
                }
                Op::AddC => n[a].grad += grad,
                Op::MulC => n[a].grad += grad * self.consts[b],
                Op::Neg => n[a].grad -= grad,
                Op::Relu => n[a].grad += if data > 0.0 { grad } else { 0.0 },
                Op::Sigmoid => n[a].grad += grad * data * (1.0 - data),
                Op::Exp => n[a].grad += grad * data,
                Op::Ln => n[a].grad += grad / n[a].data,
            }
        }
    }
}
