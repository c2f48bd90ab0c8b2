//! Named scopes: a layer, a neuron. Drawings group a scope's nodes in a cluster.

use crate::engine::arena::{NameId, ScopeRec};
use crate::engine::graph::Graph;
use crate::engine::value::Value;

/// An identifier of a named scope, see [`Graph::scoped`].
///
/// It carries the generation its scope was opened in: after a rewind has discarded the
/// scope, the id names nothing (and the accessors panic), even when a newer scope reuses its
/// slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScopeId {
    index: u32,
    generation: u32,
}

impl Graph {
    /// Runs `f` inside a named scope: every node it creates belongs to the scope, and
    /// drawings group those nodes in a cluster. Scopes nest.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(2.0);
    /// let y = g.scoped("layer 1", || (x * 3.0).tanh());
    /// let s = g.scope_of(y).unwrap();
    /// assert_eq!(g.scope_name(s), "layer 1");
    /// assert_eq!(g.scope_of(x), None);
    /// ```
    ///
    /// The scope closes when `f` returns or unwinds, so a panic caught outside leaves no
    /// scope open. Names are interned: the graph keeps one copy of each distinct name.
    pub fn scoped<R>(&self, name: impl AsRef<str>, f: impl FnOnce() -> R) -> R {
        // `as_ref` is user code: run it before borrowing the arena.
        let name: &str = name.as_ref();
        let id = self.with(|a| a.intern(name));
        self.scoped_interned(id, f)
    }

    /// Interns a scope name, for callers that open the same scope many times
    /// ([`nn`](crate::nn) opens one per neuron per sample).
    pub(crate) fn intern(&self, name: &str) -> NameId {
        self.with(|a| a.intern(name))
    }

    /// [`Graph::scoped`] with an interned name.
    pub(crate) fn scoped_interned<R>(&self, name: NameId, f: impl FnOnce() -> R) -> R {
        /// Closes the scope when dropped, so that an unwinding `f` closes it too.
        struct Close<'g> {
            graph: &'g Graph,
            scope: ScopeId,
        }
        impl Drop for Close<'_> {
            fn drop(&mut self) {
                let scope = self.scope;
                self.graph.with(|a| {
                    // A rewind inside `f` may have discarded the scope already.
                    if a.scope_record(scope.index, scope.generation).is_none() {
                        return;
                    }
                    if let Some(pos) = a.open_scopes.iter().rposition(|&s| s == scope.index) {
                        a.open_scopes.truncate(pos);
                    }
                    let end = u32::try_from(a.nodes.len()).unwrap_or(u32::MAX - 1);
                    a.scopes[scope.index as usize].end = end;
                });
            }
        }
        let scope = self.with(|a| {
            let index = u32::try_from(a.scopes.len()).unwrap_or(u32::MAX);
            let start = u32::try_from(a.nodes.len()).unwrap_or(u32::MAX);
            a.scopes.push(ScopeRec {
                name,
                parent: a.open_scopes.last().copied(),
                start,
                end: u32::MAX,
                generation: a.generation,
            });
            a.open_scopes.push(index);
            ScopeId {
                index,
                generation: a.generation,
            }
        });
        let _close = Close { graph: self, scope };
        f()
    }

    /// The innermost scope that `v` was created in, if any.
    ///
    /// Cost: O(log scopes + nesting depth).
    ///
    /// # Panics
    /// If `v` belongs to another graph, or is stale (see [`Graph::rewind`]).
    #[must_use]
    pub fn scope_of(&self, v: Value<'_>) -> Option<ScopeId> {
        assert!(
            std::ptr::eq(v.graph(), self),
            "scalargrad: scope_of was asked about Value #{} of another Graph: ask the Graph \
             that made it (v.graph().scope_of(v))",
            v.index()
        );
        let index = v.index();
        self.with_live(index, v.generation(), |a| {
            // Scopes are stored by start. The last one to start at or before `index` is either
            // the innermost scope holding it or nested inside every scope that holds it, so
            // walking up its parents finds the answer.
            let last = a.scopes.partition_point(|s| s.start <= index);
            let mut candidate = last
                .checked_sub(1)
                .map(|i| u32::try_from(i).unwrap_or(u32::MAX));
            while let Some(id) = candidate {
                let s = &a.scopes[id as usize];
                if index < s.end {
                    return Some(ScopeId {
                        index: id,
                        generation: s.generation,
                    });
                }
                candidate = s.parent;
            }
            None
        })
    }

    /// The scope's record, or a panic (after the borrow) if a rewind discarded it.
    fn scope_rec(&self, scope: ScopeId) -> ScopeRec {
        match self.with(|a| a.scope_record(scope.index, scope.generation).copied()) {
            Some(rec) => rec,
            None => panic!(
                "scalargrad: scope #{} no longer exists: a rewind discarded it (it was opened \
                 in generation {}). Look scopes up again after a rewind",
                scope.index, scope.generation
            ),
        }
    }

    /// The name a scope was given.
    ///
    /// # Panics
    /// If the scope was discarded by a rewind.
    #[must_use]
    pub fn scope_name(&self, scope: ScopeId) -> String {
        let rec = self.scope_rec(scope);
        self.with(|a| a.names[rec.name.0 as usize].to_string())
    }

    /// The scope that `scope` is nested in, if any.
    ///
    /// # Panics
    /// If the scope was discarded by a rewind.
    #[must_use]
    pub fn scope_parent(&self, scope: ScopeId) -> Option<ScopeId> {
        let rec = self.scope_rec(scope);
        let parent = rec.parent?;
        // A parent opens before its children, so it outlives any rewind they survive.
        let generation = self.with(|a| a.scopes[parent as usize].generation);
        Some(ScopeId {
            index: parent,
            generation,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_scope_record_is_24_bytes() {
        assert_eq!(std::mem::size_of::<crate::engine::arena::ScopeRec>(), 24);
    }
}
