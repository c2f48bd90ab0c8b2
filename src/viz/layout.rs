//! A layered (Sugiyama-style) layout that knows our scopes, for the pure-Rust pictures.
//!
//! We know more than a general graph-layout engine is told: the graph is a DAG given in
//! creation order (a topological order), and every node belongs to a nest of scopes (a
//! layer, a neuron) that must be drawn as non-overlapping frames. So:
//!
//! 1. **Ranks**: the longest path from the inputs; then each leaf (an input or a parameter)
//!    moves right, next to the op that first uses it, as Graphviz's `dot` would place it.
//! 2. **Dummy nodes** break every edge longer than one rank, so long edges get their own lane
//!    instead of crossing over nodes. A dummy belongs to the innermost scope holding both
//!    ends of its edge.
//! 3. **Order within a rank**: barycenter sweeps, down and up. Sorting is hierarchical: the
//!    members of a scope stay contiguous in every rank, and sibling scopes are ordered by one
//!    key for the whole picture (the mean position of their members).
//! 4. **Coordinates across the ranks**, bottom-up over the scope tree: a scope is laid out as
//!    one rigid block, then placed inside its parent like a single tall node spanning its
//!    ranks. Blocks and nodes of one parent that share a rank keep their order and never
//!    overlap; within those bounds each moves towards the mean of its neighbours, so edges
//!    run straight where they can. Frames cannot overlap nodes that are not theirs: a frame
//!    is exactly its block.
//! 5. **Direction**: left to right, as the book draws its graphs, unless that picture is more
//!    than [`MAX_ASPECT`] times wider than tall and the top-to-bottom one is closer to square
//!    without being more than [`MAX_ASPECT`] times taller than wide (a chain stays a row).
//!
//! Everything is deterministic: the same trace gives the same coordinates, to the bit.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use petgraph::visit::EdgeRef;

use super::trace::Trace;
use crate::ScopeId;

/// Which way the ranks run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flow {
    /// Ranks are columns, edges run left to right (Graphviz's `rankdir=LR`).
    LeftToRight,
    /// Ranks are rows, edges run top to bottom.
    TopToBottom,
}

/// The widest picture that keeps the book's left-to-right direction, as width / height.
pub(super) const MAX_ASPECT: f64 = 3.0;

/// What the layout needs to know about the drawing.
pub(super) trait Measure {
    /// A node's `(width, height)` when the ranks flow `flow`.
    fn node_size(&self, node: usize, flow: Flow) -> (f64, f64);
    /// The room an edge's labels need between the last two ranks it crosses, along the
    /// flow.
    fn label_room(&self, edge: usize, flow: Flow) -> f64;
}

/// An axis-aligned box, by its centre.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Rect {
    /// Centre, x.
    pub x: f64,
    /// Centre, y.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// A scope's frame.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Frame {
    /// The scope.
    pub scope: ScopeId,
    /// Top-left corner and size.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
    /// Nesting depth (0 for a top-level scope).
    pub depth: usize,
}

/// A finished layout: every node's box, every edge's route, every frame.
#[derive(Clone, Debug)]
pub(super) struct Layout {
    /// Which way the ranks run.
    pub flow: Flow,
    /// One per trace node, by node index.
    pub nodes: Vec<Rect>,
    /// One per trace edge, by edge index: from the source's side to the target's side,
    /// through the lanes of any dummy nodes; consecutive points are joined by curves that
    /// leave and arrive along the flow.
    pub edges: Vec<Vec<(f64, f64)>>,
    /// The scope frames, outer ones first.
    pub frames: Vec<Frame>,
    /// The size of the whole picture (everything lies in `[0, width] × [0, height]`).
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// The space between two nodes (or blocks) that share a rank.
const GAP: f64 = 18.0;
/// The smallest space between two ranks.
const MIN_RANK_GAP: f64 = 28.0;
/// A frame's margin inside, across the flow, and the room for its title.
const FRAME_PAD: f64 = 8.0;
const FRAME_TITLE: f64 = 16.0;
/// A frame's margin along the flow grows with the number of frames nested inside it.
fn frame_pad_along(levels_below: usize) -> f64 {
    6.0 + 8.0 * levels_below as f64
}
/// Barycenter sweeps (each one down and up) and coordinate relaxation rounds.
const SWEEPS: usize = 12;
const RELAX_ROUNDS: usize = 41;
/// The margin around the whole picture.
const MARGIN: f64 = 8.0;

/// Lays `trace` out in both directions and keeps the one that reads best (see the module
/// docs).
pub(super) fn layout(trace: &Trace, measure: &dyn Measure) -> Layout {
    let wide = layout_flow(trace, measure, Flow::LeftToRight);
    let aspect = |l: &Layout| l.width / l.height.max(1.0);
    if aspect(&wide) <= MAX_ASPECT {
        return wide;
    }
    let tall = layout_flow(trace, measure, Flow::TopToBottom);
    if aspect(&tall) >= 1.0 / MAX_ASPECT && aspect(&tall).ln().abs() < aspect(&wide).ln().abs() {
        tall
    } else {
        wide
    }
}

/// One element to place: a trace node, or a dummy on a long edge.
#[derive(Clone, Debug)]
struct Elem {
    rank: usize,
    scope: Option<ScopeId>,
    /// Size along the flow and across it.
    along: f64,
    across: f64,
    /// The creation-order key used to start the ordering.
    seed: f64,
}

/// The scope tree of a trace.
struct Scopes {
    parent: BTreeMap<ScopeId, Option<ScopeId>>,
    children: BTreeMap<Option<ScopeId>, Vec<ScopeId>>,
    levels_below: BTreeMap<ScopeId, usize>,
}

impl Scopes {
    fn new(trace: &Trace) -> Self {
        let parent: BTreeMap<ScopeId, Option<ScopeId>> =
            trace.scopes.iter().map(|s| (s.id, s.parent)).collect();
        let mut children: BTreeMap<Option<ScopeId>, Vec<ScopeId>> = BTreeMap::new();
        for s in &trace.scopes {
            children.entry(s.parent).or_default().push(s.id);
        }
        let mut levels_below = BTreeMap::new();
        // Scopes are ordered by id and a child has a larger id than its parent, so a reverse
        // walk sees every child before its parent.
        for s in trace.scopes.iter().rev() {
            let below = children
                .get(&Some(s.id))
                .into_iter()
                .flatten()
                .map(|c| levels_below.get(c).copied().unwrap_or(0) + 1)
                .max()
                .unwrap_or(0);
            levels_below.insert(s.id, below);
        }
        Scopes {
            parent,
            children,
            levels_below,
        }
    }

    /// The chain from the top-level scope down to `s`.
    fn path(&self, s: Option<ScopeId>) -> Vec<ScopeId> {
        let mut out = Vec::new();
        let mut cur = s;
        while let Some(c) = cur {
            out.push(c);
            cur = self.parent.get(&c).copied().flatten();
        }
        out.reverse();
        out
    }

    /// The innermost scope holding both `a` and `b`.
    fn common(&self, a: Option<ScopeId>, b: Option<ScopeId>) -> Option<ScopeId> {
        let pa = self.path(a);
        let pb = self.path(b);
        pa.iter()
            .zip(&pb)
            .take_while(|(x, y)| x == y)
            .last()
            .map(|(x, _)| *x)
    }

    fn pad_along(&self, s: ScopeId) -> f64 {
        frame_pad_along(self.levels_below.get(&s).copied().unwrap_or(0))
    }
}

/// A laid-out scope (or the whole picture): rigid, spanning ranks `r0..=r1`.
struct Block {
    r0: usize,
    r1: usize,
    extent: f64,
    /// Elements and the offset of their top edge from the block's top.
    members: Vec<(usize, f64)>,
    /// Frames inside, with their offset from the block's top: (scope, top, extent, r0, r1).
    frames: Vec<(ScopeId, f64, f64, usize, usize)>,
}

#[allow(clippy::too_many_lines)]
fn layout_flow(trace: &Trace, measure: &dyn Measure, flow: Flow) -> Layout {
    let g = &trace.graph;
    let n = g.node_count();
    let scopes = Scopes::new(trace);

    // 1. Ranks: longest path, then leaves next to their first user.
    let mut rank = vec![0usize; n];
    for v in g.node_indices() {
        rank[v.index()] = g
            .neighbors_directed(v, petgraph::Direction::Incoming)
            .map(|p| rank[p.index()] + 1)
            .max()
            .unwrap_or(0);
    }
    for v in g.node_indices().rev() {
        let is_source = g
            .neighbors_directed(v, petgraph::Direction::Incoming)
            .next()
            .is_none();
        if let Some(first_use) = g
            .neighbors_directed(v, petgraph::Direction::Outgoing)
            .map(|s| rank[s.index()])
            .min()
            .filter(|_| is_source)
        {
            rank[v.index()] = first_use.saturating_sub(1);
        }
    }

    // 2. Elements: the nodes, then a dummy for every rank a long edge crosses.
    let mut elems: Vec<Elem> = g
        .node_indices()
        .map(|v| {
            let (w, h) = measure.node_size(v.index(), flow);
            let (along, across) = match flow {
                Flow::LeftToRight => (w, h),
                Flow::TopToBottom => (h, w),
            };
            Elem {
                rank: rank[v.index()],
                scope: g[v].scope(),
                along,
                across,
                seed: v.index() as f64,
            }
        })
        .collect();
    let mut chains: Vec<Vec<usize>> = Vec::with_capacity(g.edge_count());
    for e in g.edge_references() {
        let (s, t) = (e.source().index(), e.target().index());
        let mut chain = vec![s];
        let scope = scopes.common(elems[s].scope, elems[t].scope);
        for r in rank[s] + 1..rank[t] {
            elems.push(Elem {
                rank: r,
                scope,
                along: 0.0,
                across: 6.0,
                seed: s as f64 + 0.5,
            });
            chain.push(elems.len() - 1);
        }
        chain.push(t);
        chains.push(chain);
    }
    let ranks = elems.iter().map(|e| e.rank + 1).max().unwrap_or(1);
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); elems.len()];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); elems.len()];
    for chain in &chains {
        for w in chain.windows(2) {
            down[w[0]].push(w[1]);
            up[w[1]].push(w[0]);
        }
    }

    // 3. Order within each rank.
    let mut by_rank: Vec<Vec<usize>> = vec![Vec::new(); ranks];
    for (i, e) in elems.iter().enumerate() {
        by_rank[e.rank].push(i);
    }
    let paths: Vec<Vec<ScopeId>> = elems.iter().map(|e| scopes.path(e.scope)).collect();
    let mut pos: Vec<f64> = elems.iter().map(|e| e.seed).collect();
    let mut cluster_key = cluster_keys(&paths, &pos);
    let seeds = pos.clone();
    for rank in &mut by_rank {
        sort_rank(rank, &paths, &cluster_key, &seeds, &mut pos);
    }
    normalise(&by_rank, &mut pos);
    cluster_key = cluster_keys(&paths, &pos);
    let mut best = (crossings(&by_rank, &down, &pos), by_rank.clone());
    let mut bary = pos.clone();
    for _ in 0..SWEEPS {
        for (range, towards) in [
            ((1..ranks).collect::<Vec<_>>(), &up),
            ((0..ranks.saturating_sub(1)).rev().collect(), &down),
        ] {
            for r in range {
                // Only this rank's entries are read: one buffer serves every rank.
                for &i in &by_rank[r] {
                    let nb = &towards[i];
                    bary[i] = if nb.is_empty() {
                        pos[i]
                    } else {
                        nb.iter().map(|&j| pos[j]).sum::<f64>() / nb.len() as f64
                    };
                }
                sort_rank(&mut by_rank[r], &paths, &cluster_key, &bary, &mut pos);
            }
            cluster_key = cluster_keys(&paths, &pos);
        }
        let c = crossings(&by_rank, &down, &pos);
        if c < best.0 {
            best = (c, by_rank.clone());
        }
    }
    // Keep the ordering with the fewest crossings (the first one found, on ties: creation
    // order, the order the reader wrote the expression in).
    by_rank = best.1;
    normalise(&by_rank, &mut pos);
    cluster_key = cluster_keys(&paths, &pos);

    // 4. Coordinates across the flow, scope by scope.
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); elems.len()];
    for i in 0..elems.len() {
        neighbours[i].extend(up[i].iter().chain(&down[i]).copied());
    }
    let mut members: BTreeMap<Option<ScopeId>, Vec<usize>> = BTreeMap::new();
    for (i, e) in elems.iter().enumerate() {
        members.entry(e.scope).or_default().push(i);
    }
    let placer = Placer {
        elems: &elems,
        members,
        scopes: &scopes,
        pos: &pos,
        cluster_key: &cluster_key,
        neighbours: &neighbours,
    };
    let root = placer.place(None);
    let mut across = vec![0.0; elems.len()];
    for &(i, top) in &root.members {
        across[i] = MARGIN + top + elems[i].across / 2.0;
    }

    // 5. Coordinates along the flow: rank by rank, with room for labels and frames.
    let mut thick = vec![0.0f64; ranks];
    for e in &elems {
        thick[e.rank] = thick[e.rank].max(e.along);
    }
    let mut gap = vec![MIN_RANK_GAP; ranks];
    for (k, e) in g.edge_references().enumerate() {
        let r = rank[e.target().index()].saturating_sub(1);
        gap[r] = gap[r].max(measure.label_room(k, flow));
    }
    let mut pad_end = vec![0.0f64; ranks];
    let mut pad_start = vec![0.0f64; ranks];
    for &(s, _, _, r0, r1) in &root.frames {
        pad_start[r0] = pad_start[r0].max(scopes.pad_along(s));
        pad_end[r1] = pad_end[r1].max(scopes.pad_along(s));
    }
    let mut centre = vec![0.0; ranks];
    let mut at = MARGIN + pad_start[0];
    for r in 0..ranks {
        centre[r] = at + thick[r] / 2.0;
        let next_pad = pad_start.get(r + 1).copied().unwrap_or(0.0);
        at += thick[r] + gap[r].max(pad_end[r] + next_pad + 20.0);
    }
    let along_total = at - gap[ranks - 1].max(20.0) + pad_end[ranks - 1] + MARGIN;
    let across_total = root.extent + 2.0 * MARGIN;

    let to_xy = |u: f64, v: f64| match flow {
        Flow::LeftToRight => (u, v),
        Flow::TopToBottom => (v, u),
    };
    let nodes: Vec<Rect> = (0..n)
        .map(|i| {
            let e = &elems[i];
            let (x, y) = to_xy(centre[e.rank], across[i]);
            let (w, h) = to_xy(e.along, e.across);
            Rect { x, y, w, h }
        })
        .collect();
    let edges = chains
        .iter()
        .map(|chain| {
            let (s, t) = (chain[0], chain[chain.len() - 1]);
            let mut pts = vec![to_xy(
                centre[elems[s].rank] + elems[s].along / 2.0,
                across[s],
            )];
            for &d in &chain[1..chain.len() - 1] {
                let r = elems[d].rank;
                pts.push(to_xy(centre[r] - thick[r] / 2.0, across[d]));
                pts.push(to_xy(centre[r] + thick[r] / 2.0, across[d]));
            }
            pts.push(to_xy(
                centre[elems[t].rank] - elems[t].along / 2.0,
                across[t],
            ));
            pts
        })
        .collect();
    let frames = root
        .frames
        .iter()
        .map(|&(scope, top, extent, r0, r1)| {
            let pad = scopes.pad_along(scope);
            let u0 = centre[r0] - thick[r0] / 2.0 - pad;
            let u1 = centre[r1] + thick[r1] / 2.0 + pad;
            let (x, y) = to_xy(u0, MARGIN + top);
            let (w, h) = to_xy(u1 - u0, extent);
            Frame {
                scope,
                x,
                y,
                w,
                h,
                depth: scopes.path(Some(scope)).len() - 1,
            }
        })
        .collect();
    let (width, height) = to_xy(along_total, across_total);
    Layout {
        flow,
        nodes,
        edges,
        frames,
        width,
        height,
    }
}

/// Positions become `(index + 0.5) / len` within each rank.
fn normalise(by_rank: &[Vec<usize>], pos: &mut [f64]) {
    for rank in by_rank {
        let len = rank.len() as f64;
        for (k, &i) in rank.iter().enumerate() {
            pos[i] = (k as f64 + 0.5) / len;
        }
    }
}

/// The number of edge crossings between consecutive ranks: per rank, the segments sorted
/// by their upper end, then the strict inversions of their lower ends (merge sort, so
/// O(E log E) rather than every pair).
fn crossings(by_rank: &[Vec<usize>], down: &[Vec<usize>], pos: &[f64]) -> usize {
    let mut total = 0;
    let mut segs: Vec<(f64, f64)> = Vec::new();
    let mut ends: Vec<f64> = Vec::new();
    let mut scratch: Vec<f64> = Vec::new();
    for rank in by_rank {
        segs.clear();
        for &i in rank {
            for &j in &down[i] {
                segs.push((pos[i], pos[j]));
            }
        }
        segs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        ends.clear();
        ends.extend(segs.iter().map(|s| s.1));
        scratch.resize(ends.len(), 0.0);
        total += inversions(&mut ends, &mut scratch);
    }
    total
}

/// Sorts `v` and returns the number of pairs `k < l` with `v[k] > v[l]` (equal values are
/// not counted: two edges into one node do not cross).
fn inversions(v: &mut [f64], scratch: &mut [f64]) -> usize {
    let n = v.len();
    if n < 2 {
        return 0;
    }
    let mid = n / 2;
    let mut count = {
        let (a, b) = v.split_at_mut(mid);
        let (sa, sb) = scratch.split_at_mut(mid);
        inversions(a, sa) + inversions(b, sb)
    };
    let (mut i, mut j, mut k) = (0, mid, 0);
    while i < mid && j < n {
        if v[i] <= v[j] {
            scratch[k] = v[i];
            i += 1;
        } else {
            scratch[k] = v[j];
            count += mid - i;
            j += 1;
        }
        k += 1;
    }
    scratch[k..k + mid - i].copy_from_slice(&v[i..mid]);
    k += mid - i;
    scratch[k..k + n - j].copy_from_slice(&v[j..n]);
    v.copy_from_slice(&scratch[..n]);
    count
}

/// Each scope's key: the mean position of every element inside it (nested scopes included).
fn cluster_keys(paths: &[Vec<ScopeId>], pos: &[f64]) -> BTreeMap<ScopeId, f64> {
    let mut sum: BTreeMap<ScopeId, (f64, f64)> = BTreeMap::new();
    for (path, &p) in paths.iter().zip(pos) {
        for s in path {
            let e = sum.entry(*s).or_insert((0.0, 0.0));
            e.0 += p;
            e.1 += 1.0;
        }
    }
    sum.into_iter().map(|(s, (t, c))| (s, t / c)).collect()
}

/// Sorts one rank by its elements' keys, keeping each scope's members together; writes the
/// new normalised positions into `pos`.
fn sort_rank(
    rank: &mut [usize],
    paths: &[Vec<ScopeId>],
    cluster_key: &BTreeMap<ScopeId, f64>,
    own: &[f64],
    pos: &mut [f64],
) {
    // The sort key: for each enclosing scope, its key and id (a scope sorts before a lone
    // element with the same key); then the element's own key.
    type Key = Vec<(f64, Option<ScopeId>, usize)>;
    let key = |i: usize| -> Key {
        let mut k: Key = paths[i]
            .iter()
            .map(|s| (cluster_key.get(s).copied().unwrap_or(0.5), Some(*s), 0))
            .collect();
        k.push((own[i], None, i));
        k
    };
    let mut keyed: Vec<(Key, usize)> = rank.iter().map(|&i| (key(i), i)).collect();
    keyed.sort_by(|a, b| {
        for (x, y) in a.0.iter().zip(&b.0) {
            let o =
                x.0.total_cmp(&y.0)
                    .then(y.1.is_some().cmp(&x.1.is_some()))
                    .then(x.1.cmp(&y.1))
                    .then(x.2.cmp(&y.2));
            if o != Ordering::Equal {
                return o;
            }
        }
        a.0.len().cmp(&b.0.len()).then(a.1.cmp(&b.1))
    });
    let len = rank.len() as f64;
    for (k, (_, i)) in keyed.into_iter().enumerate() {
        rank[k] = i;
        pos[i] = (k as f64 + 0.5) / len;
    }
}

struct Placer<'a> {
    elems: &'a [Elem],
    /// The elements directly in each scope, in element order.
    members: BTreeMap<Option<ScopeId>, Vec<usize>>,
    scopes: &'a Scopes,
    pos: &'a [f64],
    cluster_key: &'a BTreeMap<ScopeId, f64>,
    neighbours: &'a [Vec<usize>],
}

impl Placer<'_> {
    /// Lays out the members of `scope` (its own elements and its child scopes' blocks).
    fn place(&self, scope: Option<ScopeId>) -> Block {
        let mut items: Vec<(f64, Block)> = Vec::new();
        for &c in self.scopes.children.get(&scope).into_iter().flatten() {
            let b = self.place(Some(c));
            if !b.members.is_empty() {
                items.push((self.cluster_key.get(&c).copied().unwrap_or(0.5), b));
            }
        }
        for &i in self.members.get(&scope).into_iter().flatten() {
            let e = &self.elems[i];
            {
                items.push((
                    self.pos[i],
                    Block {
                        r0: e.rank,
                        r1: e.rank,
                        extent: e.across,
                        members: vec![(i, 0.0)],
                        frames: Vec::new(),
                    },
                ));
            }
        }
        items.sort_by(|a, b| a.0.total_cmp(&b.0));
        let blocks: Vec<Block> = items.into_iter().map(|(_, b)| b).collect();
        let tops = self.relax(&blocks);

        let (title, pad) = if scope.is_some() {
            (FRAME_TITLE, FRAME_PAD)
        } else {
            (0.0, 0.0)
        };
        let min_top = tops.iter().copied().fold(f64::INFINITY, f64::min);
        let shift = if min_top.is_finite() {
            title + pad - min_top
        } else {
            0.0
        };
        let mut out = Block {
            r0: usize::MAX,
            r1: 0,
            extent: 0.0,
            members: Vec::new(),
            frames: Vec::new(),
        };
        for (b, top) in blocks.into_iter().zip(tops) {
            let top = top + shift;
            out.r0 = out.r0.min(b.r0);
            out.r1 = out.r1.max(b.r1);
            out.extent = out.extent.max(top + b.extent);
            out.members
                .extend(b.members.into_iter().map(|(i, t)| (i, t + top)));
            out.frames.extend(
                b.frames
                    .into_iter()
                    .map(|(s, t, x, r0, r1)| (s, t + top, x, r0, r1)),
            );
        }
        out.extent += pad;
        if let Some(s) = scope {
            if !out.members.is_empty() {
                out.frames.insert(0, (s, 0.0, out.extent, out.r0, out.r1));
            }
        }
        out
    }

    /// Offsets for `blocks` (in key order): blocks that share a rank keep their order with
    /// [`GAP`] between them; each moves towards the mean of its neighbours within the
    /// blocks.
    fn relax(&self, blocks: &[Block]) -> Vec<f64> {
        let k = blocks.len();
        // Which block holds each element, and where its centre sits in that block.
        let mut home: BTreeMap<usize, (usize, f64)> = BTreeMap::new();
        for (bi, b) in blocks.iter().enumerate() {
            for &(i, t) in &b.members {
                home.insert(i, (bi, t + self.elems[i].across / 2.0));
            }
        }
        // Pull of each block: (my centre offset, other block, its centre offset, whether the
        // other end is upstream).
        let mut pulls: Vec<Vec<(f64, usize, f64, bool)>> = vec![Vec::new(); k];
        for (&i, &(bi, off)) in &home {
            for j in &self.neighbours[i] {
                if let Some(&(bj, off_j)) = home.get(j) {
                    if bj != bi {
                        let upstream = self.elems[*j].rank < self.elems[i].rank;
                        pulls[bi].push((off, bj, off_j, upstream));
                    }
                }
            }
        }
        // Blocks that share a rank keep their order. It is enough to keep each block below
        // the one just before it in every rank it spans: the rest follows, so the bounds
        // come out the same as over all earlier blocks, in time linear in the blocks.
        let (before, after) = rank_neighbours(blocks);
        let mut top = vec![0.0; k];
        for j in 0..k {
            top[j] = before[j]
                .iter()
                .map(|&i| top[i] + blocks[i].extent + GAP)
                .fold(0.0, f64::max);
        }
        // Sweeps along the flow and back, so a long chain straightens in one round.
        let mut along: Vec<usize> = (0..k).collect();
        along.sort_by_key(|&i| (blocks[i].r0, i));
        let mut back = along.clone();
        back.sort_by_key(|&i| (std::cmp::Reverse(blocks[i].r1), i));
        // Sweeps along the flow follow the upstream neighbours, sweeps back the downstream
        // ones (so a chain comes out straight in one sweep); the last round balances both.
        for round in 0..RELAX_ROUNDS {
            let order = if round % 2 == 0 { &along } else { &back };
            let side = if round + 1 == RELAX_ROUNDS {
                None
            } else {
                Some(round % 2 == 0)
            };
            for &j in order {
                let chosen: Vec<&(f64, usize, f64, bool)> = pulls[j]
                    .iter()
                    .filter(|p| side.is_none_or(|up| p.3 == up))
                    .collect();
                let chosen = if chosen.is_empty() {
                    pulls[j].iter().collect()
                } else {
                    chosen
                };
                if chosen.is_empty() {
                    continue;
                }
                let want = chosen
                    .iter()
                    .map(|&&(off, b, off_b, _)| top[b] + off_b - off)
                    .sum::<f64>()
                    / chosen.len() as f64;
                let lo = before[j]
                    .iter()
                    .map(|&i| top[i] + blocks[i].extent + GAP)
                    .fold(f64::NEG_INFINITY, f64::max);
                let hi = after[j]
                    .iter()
                    .map(|&i| top[i] - blocks[j].extent - GAP)
                    .fold(f64::INFINITY, f64::min);
                if lo <= hi {
                    top[j] = want.clamp(lo, hi);
                }
            }
        }
        top
    }
}

/// For each block (in key order), the blocks just before and just after it in each rank it
/// spans.
fn rank_neighbours(blocks: &[Block]) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let k = blocks.len();
    let mut before: Vec<Vec<usize>> = vec![Vec::new(); k];
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); k];
    // The last block seen in each rank.
    let mut last: BTreeMap<usize, usize> = BTreeMap::new();
    for (j, b) in blocks.iter().enumerate() {
        for r in b.r0..=b.r1 {
            if let Some(i) = last.insert(r, j) {
                if before[j].last() != Some(&i) && !before[j].contains(&i) {
                    before[j].push(i);
                    after[i].push(j);
                }
            }
        }
    }
    (before, after)
}

#[cfg(test)]
mod tests {
    use super::super::svg::draw;
    use super::super::{DrawOptions, trace};
    use super::*;
    use crate::Graph;
    use crate::loss::{Reduction, Target, cross_entropy};
    use crate::nn::{Activation, Mlp};
    use rand::SeedableRng;

    /// The XOR network of `examples/xor_train.rs` (2-4-2, sigmoid, no biases), one sample,
    /// cross-entropy: about 110 nodes in 10 nested scopes.
    fn xor_trace() -> Trace {
        let g = Graph::new();
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
        let model = Mlp::builder(2)
            .layer(4, Activation::Sigmoid)
            .layer(2, Activation::Identity)
            .bias(false)
            .build(&g, &mut rng);
        let x = [g.value(0.0).named("x1"), g.value(1.0).named("x2")];
        let y = model.forward(&x).unwrap();
        let loss = cross_entropy(&[y], Target::Classes(&[1]), Reduction::Mean)
            .unwrap()
            .named("loss");
        loss.backward();
        trace(loss)
    }

    fn overlaps(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
        a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3
    }

    #[test]
    fn frames_hold_their_own_nodes_and_no_others() {
        let t = xor_trace();
        assert!(t.graph.node_count() > 80, "{}", t.graph.node_count());
        for options in [DrawOptions::default(), DrawOptions::backward()] {
            let (_, lay) = draw(&t, &options);
            let scopes = Scopes::new(&t);
            assert!(lay.frames.len() >= 6, "{} frames", lay.frames.len());
            for f in &lay.frames {
                let frame = (f.x, f.y, f.w, f.h);
                for n in t.graph.node_indices() {
                    let r = lay.nodes[n.index()];
                    let node = (r.x - r.w / 2.0, r.y - r.h / 2.0, r.w, r.h);
                    let inside = scopes.path(t.graph[n].scope()).contains(&f.scope);
                    if inside {
                        assert!(
                            node.0 >= f.x
                                && node.1 >= f.y
                                && node.0 + node.2 <= f.x + f.w
                                && node.1 + node.3 <= f.y + f.h,
                            "node {} sticks out of its frame {:?}",
                            n.index(),
                            f.scope
                        );
                    } else {
                        assert!(
                            !overlaps(frame, node),
                            "frame {:?} overlaps node {} of another scope",
                            f.scope,
                            n.index()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn nodes_never_overlap_and_the_picture_is_not_far_wider_than_tall() {
        let t = xor_trace();
        let start = std::time::Instant::now();
        let (_, lay) = draw(&t, &DrawOptions::backward());
        eprintln!(
            "xor_network: {} nodes laid out in {:?}: {:.0} × {:.0}",
            t.graph.node_count(),
            start.elapsed(),
            lay.width,
            lay.height
        );
        assert!(
            lay.width / lay.height <= MAX_ASPECT,
            "{} × {}",
            lay.width,
            lay.height
        );
        for (i, a) in lay.nodes.iter().enumerate() {
            for b in &lay.nodes[i + 1..] {
                let boxed = |r: &Rect| (r.x - r.w / 2.0, r.y - r.h / 2.0, r.w, r.h);
                assert!(!overlaps(boxed(a), boxed(b)), "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn layout_is_deterministic() {
        let t = xor_trace();
        let a = draw(&t, &DrawOptions::backward()).0;
        let b = draw(&xor_trace(), &DrawOptions::backward()).0;
        assert!(a == b);
    }

    #[test]
    fn a_chain_stays_a_row_or_a_column() {
        let g = Graph::new();
        let x = g.value(1.0);
        let y = (0..6).fold(x, |v, _| v.tanh());
        let t = trace(y);
        let (_, lay) = draw(&t, &DrawOptions::backward());
        let first = lay.nodes[0];
        for r in &lay.nodes {
            match lay.flow {
                Flow::LeftToRight => assert!((r.y - first.y).abs() < 1e-9),
                Flow::TopToBottom => assert!((r.x - first.x).abs() < 1e-9),
            }
        }
    }

    #[test]
    fn crossings_counted_by_merge_sort_match_every_pair() {
        use rand::RngExt;
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(7);
        for n in [0, 1, 2, 5, 40, 200] {
            // Few distinct values, so ties (edges into one node) are common.
            let v: Vec<f64> = (0..n)
                .map(|_| f64::from(rng.random_range(0..8u8)))
                .collect();
            let brute = (0..n)
                .flat_map(|k| (k + 1..n).map(move |l| (k, l)))
                .filter(|&(k, l)| v[k] > v[l])
                .count();
            let mut sorted = v.clone();
            let mut scratch = vec![0.0; n];
            assert_eq!(inversions(&mut sorted, &mut scratch), brute, "{v:?}");
            assert!(sorted.windows(2).all(|w| w[0] <= w[1]));
        }
    }

    /// Not a check: how long the layout of a 1,000-node graph takes, for BENCHMARKS.md
    /// (`cargo test --release --lib layout_time -- --ignored --nocapture`).
    #[test]
    #[ignore = "a measurement, not a check"]
    fn layout_time() {
        for terms in [100, 333, 1000, 3333] {
            let g = Graph::new();
            let xs: Vec<_> = (0..terms)
                .map(|i| g.value(f64::from(i)).named(&format!("a{i}")))
                .collect();
            let sum = xs[1..].iter().fold(xs[0], |acc, &x| acc + x);
            sum.backward();
            let t = trace(sum);
            let start = std::time::Instant::now();
            let svg = super::super::render_svg(&t, &DrawOptions::backward());
            let svg_time = start.elapsed();
            let start = std::time::Instant::now();
            let page = super::super::html::page(&t, &DrawOptions::backward());
            eprintln!(
                "flat sum of {terms}: {} nodes, render_svg {svg_time:?} ({} bytes), page {:?} ({} bytes)",
                t.graph.node_count(),
                svg.len(),
                start.elapsed(),
                page.len()
            );
        }
        for width in [8, 16, 32] {
            let g = Graph::new();
            let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
            let model = Mlp::builder(width)
                .layer(width, Activation::Tanh)
                .layer(1, Activation::Identity)
                .build(&g, &mut rng);
            let x: Vec<_> = (0..width).map(|i| g.value(i as f64)).collect();
            let y = model.forward(&x).unwrap()[0];
            y.backward();
            let t = trace(y);
            let start = std::time::Instant::now();
            let _ = super::super::render_svg(&t, &DrawOptions::backward());
            eprintln!(
                "mlp {width}-{width}-1: {} nodes, render_svg {:?}",
                t.graph.node_count(),
                start.elapsed()
            );
        }
    }
}
