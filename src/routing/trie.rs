//! Subscription prefixes: the byte-prefix tree both subscription tables are built on, and
//! `Trie`, the counted set of prefixes a SUB/XSUB socket filters with.
//!
//! `PrefixTree<V>` is a radix tree over raw bytes (any value, 0x00 and 0xFF included)
//! holding one `V` per node. Nodes live in an arena and refer to each other by index, so
//! no operation recurses and dropping a tree is flat: a 1 MiB topic is as safe as a short
//! one. Matching walks the tree along the topic, so it costs the topic's length whatever
//! the number of subscriptions, and allocates nothing. It holds no pipes, sockets or I/O.

use std::mem;

/// What a tree node stores; an empty value means "no subscription ends here".
pub(crate) trait Slot: Default {
    fn is_empty(&self) -> bool;
}

type NodeId = usize;
const ROOT: NodeId = 0;

/// Once this many arena slots are free (and at least half the arena), the live nodes are
/// moved into a fresh arena, so add/rm churn cannot grow memory without bound.
const COMPACT_MIN_FREE: usize = 32;

/// One node: the bytes on the edge from its parent, its children keyed by the first
/// byte of their label (kept sorted, searched by bisection), and its value.
///
/// Invariant, kept by every mutation: a node other than the root has a non-empty label
/// and either a non-empty value or at least two children. The arena therefore holds at
/// most `2 * prefixes + 1` live nodes.
#[derive(Default)]
struct Node<V> {
    label: Box<[u8]>,
    keys: Vec<u8>,
    kids: Vec<NodeId>,
    value: V,
}

impl<V> Node<V> {
    #[inline]
    fn child(&self, byte: u8) -> Option<NodeId> {
        let at = self.keys.binary_search(&byte).ok()?;
        self.kids.get(at).copied()
    }

    fn remove_child(&mut self, byte: u8) {
        if let Ok(at) = self.keys.binary_search(&byte) {
            self.keys.remove(at);
            self.kids.remove(at);
            if self.keys.len() * 4 < self.keys.capacity() {
                self.keys.shrink_to_fit();
                self.kids.shrink_to_fit();
            }
        }
    }
}

/// A radix tree mapping byte strings to values, with prefix matching.
pub(crate) struct PrefixTree<V> {
    nodes: Vec<Node<V>>,
    free: Vec<NodeId>,
    /// Number of nodes whose value is not empty.
    values: usize,
}

impl<V: Slot> PrefixTree<V> {
    pub(crate) fn new() -> Self {
        Self {
            nodes: vec![Node::default()],
            free: Vec::new(),
            values: 0,
        }
    }

    /// Number of keys whose value is not empty.
    pub(crate) fn len(&self) -> usize {
        self.values
    }

    /// Calls `f` on the value of `key`, creating the node if needed. `f` must leave the
    /// value non-empty (it adds a subscription), or the node would be useless.
    pub(crate) fn upsert<R>(&mut self, key: &[u8], f: impl FnOnce(&mut V) -> R) -> R {
        let mut id = ROOT;
        let mut rest = key;
        while let Some(&byte) = rest.first() {
            let Some(child) = self.nodes[id].child(byte) else {
                let leaf = self.alloc(Node {
                    label: rest.into(),
                    ..Node::default()
                });
                let parent = &mut self.nodes[id];
                let at = parent.keys.partition_point(|&k| k < byte);
                parent.keys.insert(at, byte);
                parent.kids.insert(at, leaf);
                id = leaf;
                break;
            };
            let label_len = self.nodes[child].label.len();
            let common = common_len(&self.nodes[child].label, rest);
            if common < label_len {
                // The key leaves the edge midway: split it with a new node at the fork.
                let label = mem::take(&mut self.nodes[child].label);
                self.nodes[child].label = label[common..].into();
                let fork = self.alloc(Node {
                    label: label[..common].into(),
                    keys: vec![label[common]],
                    kids: vec![child],
                    value: V::default(),
                });
                let parent = &mut self.nodes[id];
                if let Ok(at) = parent.keys.binary_search(&byte) {
                    parent.kids[at] = fork;
                }
                id = fork;
            } else {
                id = child;
            }
            rest = &rest[common..];
        }
        self.with_value(id, f)
    }

    /// Calls `f` on the value of `key` if a node for it exists (its value may be empty),
    /// then frees the node if it no longer serves a purpose. `None` if there is no node.
    pub(crate) fn update<R>(&mut self, key: &[u8], f: impl FnOnce(&mut V) -> R) -> Option<R> {
        let mut parent = ROOT;
        let mut id = ROOT;
        let mut rest = key;
        while let Some(&byte) = rest.first() {
            let child = self.nodes[id].child(byte)?;
            let label = &self.nodes[child].label;
            if !rest.starts_with(label) {
                return None;
            }
            rest = &rest[label.len()..];
            parent = id;
            id = child;
        }
        let result = self.with_value(id, f);
        if self.nodes[id].value.is_empty() {
            self.prune(parent, id);
            self.reclaim();
        }
        Some(result)
    }

    /// The non-empty values of every key that is a prefix of `data`, shortest first.
    #[inline]
    pub(crate) fn matches<'a>(&'a self, data: &'a [u8]) -> Matches<'a, V> {
        Matches {
            nodes: &self.nodes,
            next: Some(ROOT),
            rest: data,
        }
    }

    /// Calls `f(key, value)` for every non-empty value, in lexicographic key order.
    pub(crate) fn visit(&self, mut f: impl FnMut(&[u8], &V)) {
        let mut key = Vec::new();
        // (node, index of the next child to visit, key length before this node's label)
        let mut stack = vec![(ROOT, 0, 0)];
        if !self.nodes[ROOT].value.is_empty() {
            f(&key, &self.nodes[ROOT].value);
        }
        while let Some(&(id, next, base)) = stack.last() {
            if let Some(&child) = self.nodes[id].kids.get(next) {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                let child_base = key.len();
                key.extend_from_slice(&self.nodes[child].label);
                if !self.nodes[child].value.is_empty() {
                    f(&key, &self.nodes[child].value);
                }
                stack.push((child, 0, child_base));
            } else {
                stack.pop();
                key.truncate(base);
            }
        }
    }

    /// Calls `f(key, value)` for every non-empty value, in lexicographic key order, letting
    /// `f` change it; then frees the nodes the changes made useless.
    pub(crate) fn visit_mut(&mut self, mut f: impl FnMut(&[u8], &mut V)) {
        let mut key = Vec::new();
        let mut stack = vec![(ROOT, 0, 0)];
        if !self.nodes[ROOT].value.is_empty() {
            self.with_value(ROOT, |v| f(&key, v));
        }
        while let Some(&(id, next, base)) = stack.last() {
            if let Some(&child) = self.nodes[id].kids.get(next) {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                let child_base = key.len();
                key.extend_from_slice(&self.nodes[child].label);
                if !self.nodes[child].value.is_empty() {
                    self.with_value(child, |v| f(&key, v));
                }
                stack.push((child, 0, child_base));
            } else {
                // Post-order: the children are already tidy, so tidying here restores
                // the invariant for the whole subtree.
                stack.pop();
                self.tidy(id);
                key.truncate(base);
            }
        }
        self.reclaim();
    }

    /// Runs `f` on a node's value and keeps `values` in step with it.
    fn with_value<R>(&mut self, id: NodeId, f: impl FnOnce(&mut V) -> R) -> R {
        let value = &mut self.nodes[id].value;
        let was_empty = value.is_empty();
        let result = f(value);
        match (was_empty, value.is_empty()) {
            (true, false) => self.values += 1,
            (false, true) => self.values -= 1,
            _ => {}
        }
        result
    }

    /// Restores the invariant after the value of `id` (child of `parent`) became empty.
    fn prune(&mut self, parent: NodeId, id: NodeId) {
        if id == ROOT {
            return;
        }
        match self.nodes[id].kids.len() {
            0 => {
                let node = self.release(id);
                if let Some(&byte) = node.label.first() {
                    self.nodes[parent].remove_child(byte);
                }
                let p = &self.nodes[parent];
                if parent != ROOT && p.value.is_empty() && p.kids.len() == 1 {
                    self.absorb_only_child(parent);
                }
            }
            1 => self.absorb_only_child(id),
            _ => {}
        }
    }

    /// Frees the children of `id` that hold nothing, then merges `id` into its only child
    /// if it holds nothing itself.
    fn tidy(&mut self, id: NodeId) {
        let mut at = 0;
        while let Some(&kid) = self.nodes[id].kids.get(at) {
            let k = &self.nodes[kid];
            if k.value.is_empty() && k.kids.is_empty() {
                let node = self.release(kid);
                if let Some(&byte) = node.label.first() {
                    self.nodes[id].remove_child(byte);
                }
            } else {
                at += 1;
            }
        }
        let n = &self.nodes[id];
        if id != ROOT && n.value.is_empty() && n.kids.len() == 1 {
            self.absorb_only_child(id);
        }
    }

    /// Replaces `id`'s (empty) value and children with those of its only child, whose
    /// label is appended to `id`'s. `id` keeps its place in its parent.
    fn absorb_only_child(&mut self, id: NodeId) {
        let Some(&kid) = self.nodes[id].kids.first() else {
            return;
        };
        let child = self.release(kid);
        let node = &mut self.nodes[id];
        let mut label = Vec::with_capacity(node.label.len() + child.label.len());
        label.extend_from_slice(&node.label);
        label.extend_from_slice(&child.label);
        node.label = label.into();
        node.keys = child.keys;
        node.kids = child.kids;
        node.value = child.value;
    }

    fn alloc(&mut self, node: Node<V>) -> NodeId {
        match self.free.pop() {
            Some(id) => {
                self.nodes[id] = node;
                id
            }
            None => {
                self.nodes.push(node);
                self.nodes.len() - 1
            }
        }
    }

    fn release(&mut self, id: NodeId) -> Node<V> {
        self.free.push(id);
        mem::take(&mut self.nodes[id])
    }

    /// Gives memory back once enough of the arena is free. Node ids change.
    fn reclaim(&mut self) {
        if self.values == 0 && self.nodes[ROOT].kids.is_empty() {
            *self = Self::new();
            return;
        }
        if self.free.len() < COMPACT_MIN_FREE || self.free.len() * 2 < self.nodes.len() {
            return;
        }
        let mut old = mem::take(&mut self.nodes);
        let mut nodes = Vec::with_capacity(old.len() - self.free.len());
        nodes.push(mem::take(&mut old[ROOT]));
        // Breadth-first copy: the new arena is its own queue.
        let mut at = 0;
        while at < nodes.len() {
            let mut kids = mem::take(&mut nodes[at].kids);
            for kid in &mut kids {
                nodes.push(mem::take(&mut old[*kid]));
                *kid = nodes.len() - 1;
            }
            nodes[at].kids = kids;
            at += 1;
        }
        self.nodes = nodes;
        self.free = Vec::new();
    }

    /// Nodes held in the arena, free slots included (for memory tests).
    #[cfg(test)]
    pub(crate) fn arena_len(&self) -> usize {
        self.nodes.len()
    }

    /// Checks the structural invariants; panics with a description if one is broken.
    #[cfg(test)]
    pub(crate) fn assert_invariants(&self) {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![ROOT];
        let mut values = 0;
        let mut live = 0;
        while let Some(id) = stack.pop() {
            assert!(!seen[id], "node {id} reachable twice");
            seen[id] = true;
            live += 1;
            let n = &self.nodes[id];
            if !n.value.is_empty() {
                values += 1;
            }
            if id != ROOT {
                assert!(!n.label.is_empty(), "empty label");
                assert!(!n.value.is_empty() || n.kids.len() >= 2, "useless node");
            }
            assert_eq!(n.keys.len(), n.kids.len());
            assert!(n.keys.windows(2).all(|w| w[0] < w[1]), "keys unsorted");
            for (&k, &kid) in n.keys.iter().zip(&n.kids) {
                assert_eq!(self.nodes[kid].label.first(), Some(&k));
                stack.push(kid);
            }
        }
        assert_eq!(values, self.values);
        assert_eq!(live + self.free.len(), self.nodes.len());
        assert!(live <= 2 * self.values + 1);
    }
}

fn common_len(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Iterator behind [`PrefixTree::matches`]; walks one path down the tree.
pub(crate) struct Matches<'a, V> {
    nodes: &'a [Node<V>],
    next: Option<NodeId>,
    rest: &'a [u8],
}

impl<'a, V: Slot> Iterator for Matches<'a, V> {
    type Item = &'a V;

    #[inline]
    fn next(&mut self) -> Option<&'a V> {
        loop {
            let node = self.nodes.get(self.next.take()?)?;
            if let Some(&byte) = self.rest.first() {
                if let Some(kid) = node.child(byte) {
                    let label = &self.nodes.get(kid)?.label;
                    if let Some(rest) = self.rest.strip_prefix(&label[..]) {
                        self.rest = rest;
                        self.next = Some(kid);
                    }
                }
            }
            if !node.value.is_empty() {
                return Some(&node.value);
            }
        }
    }
}

impl Slot for usize {
    #[inline]
    fn is_empty(&self) -> bool {
        *self == 0
    }
}

/// The prefixes a SUB/XSUB socket subscribed to, each with a subscription count, as
/// libzmq's `trie_t`: subscribing twice needs unsubscribing twice.
pub struct Trie {
    tree: PrefixTree<usize>,
}

impl Trie {
    pub fn new() -> Self {
        Self {
            tree: PrefixTree::new(),
        }
    }

    /// Counts one subscription to `prefix`; true if it was not subscribed before.
    pub fn add(&mut self, prefix: &[u8]) -> bool {
        self.tree.upsert(prefix, |count| {
            *count = count.saturating_add(1);
            *count == 1
        })
    }

    /// Drops one subscription to `prefix`; true if that was the last one. False if the
    /// prefix was not subscribed, or still is.
    pub fn rm(&mut self, prefix: &[u8]) -> bool {
        self.tree
            .update(prefix, |count| match *count {
                0 => false,
                n => {
                    *count = n - 1;
                    n == 1
                }
            })
            .unwrap_or(false)
    }

    /// Whether some subscribed prefix starts `data` (the empty prefix matches everything).
    #[inline]
    pub fn check(&self, data: &[u8]) -> bool {
        self.tree.matches(data).next().is_some()
    }

    /// Calls `f` once for each subscribed prefix, in lexicographic order.
    pub fn apply(&self, mut f: impl FnMut(&[u8])) {
        self.tree.visit(|prefix, _| f(prefix));
    }

    /// Number of distinct subscribed prefixes.
    pub fn num_prefixes(&self) -> usize {
        self.tree.len()
    }
}

impl Default for Trie {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;

    /// xorshift64: deterministic, dependency-free randomness for the model tests.
    pub(crate) struct XorShift(pub u64);

    impl XorShift {
        pub(crate) fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        pub(crate) fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        /// Short strings over a tiny alphabet (with 0x00 and 0xFF) so keys overlap a lot.
        pub(crate) fn key(&mut self, max_len: usize) -> Vec<u8> {
            const ALPHABET: [u8; 4] = [0x00, b'a', b'b', 0xFF];
            let len = self.below(max_len + 1);
            (0..len).map(|_| ALPHABET[self.below(4)]).collect()
        }
    }

    fn prefixes(t: &Trie) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        t.apply(|p| out.push(p.to_vec()));
        out
    }

    #[test]
    fn subscriptions_are_counted() {
        let mut t = Trie::new();
        assert!(t.add(b"abc"));
        assert!(!t.add(b"abc"));
        assert_eq!(t.num_prefixes(), 1);
        assert!(!t.rm(b"abc"));
        assert!(t.check(b"abcd"));
        assert!(t.rm(b"abc"));
        assert!(!t.check(b"abcd"));
        assert!(!t.rm(b"abc"));
        assert_eq!(t.num_prefixes(), 0);
        assert_eq!(t.tree.arena_len(), 1);
    }

    #[test]
    fn empty_prefix_matches_everything() {
        let mut t = Trie::new();
        assert!(!t.check(b""));
        assert!(t.add(b""));
        assert!(t.check(b""));
        assert!(t.check(b"\x00\xff anything"));
        assert_eq!(prefixes(&t), vec![Vec::<u8>::new()]);
        assert!(t.rm(b""));
        assert!(!t.check(b"x"));
    }

    #[test]
    fn overlapping_prefixes() {
        let mut t = Trie::new();
        t.add(b"abcdef");
        t.add(b"abc");
        t.add(b"abx");
        t.add(b"\x00\xff");
        t.tree.assert_invariants();
        assert!(t.check(b"abc"));
        assert!(t.check(b"abcd"));
        assert!(!t.check(b"ab"));
        assert!(t.check(b"abxyz"));
        assert!(!t.check(b"aby"));
        assert!(t.check(b"\x00\xff\x00"));
        assert!(!t.check(b"\x00"));
        assert_eq!(
            prefixes(&t),
            vec![
                b"\x00\xff".to_vec(),
                b"abc".to_vec(),
                b"abcdef".to_vec(),
                b"abx".to_vec()
            ]
        );
        assert!(t.rm(b"abc"));
        t.tree.assert_invariants();
        assert!(!t.check(b"abcd"));
        assert!(t.check(b"abcdefg"));
        assert!(t.rm(b"abcdef"));
        assert!(t.rm(b"abx"));
        assert!(t.rm(b"\x00\xff"));
        assert_eq!(t.tree.arena_len(), 1);
    }

    #[test]
    fn rm_of_absent_prefix() {
        let mut t = Trie::new();
        assert!(!t.rm(b"a"));
        assert!(!t.rm(b""));
        t.add(b"abc");
        assert!(!t.rm(b"ab"));
        assert!(!t.rm(b"abcd"));
        assert!(!t.rm(b"abd"));
        assert!(!t.rm(b""));
        assert_eq!(t.num_prefixes(), 1);
        t.tree.assert_invariants();
    }

    #[test]
    fn one_mebibyte_topic() {
        let long: Vec<u8> = (0..1 << 20).map(|i| (i * 7 % 256) as u8).collect();
        let mut t = Trie::new();
        assert!(t.add(&long));
        assert!(t.add(&long[..1 << 19]));
        assert!(t.check(&long));
        assert!(t.check(&long[..(1 << 19) + 1]));
        assert!(!t.check(&long[..(1 << 19) - 1]));
        assert_eq!(prefixes(&t), vec![long[..1 << 19].to_vec(), long.clone()]);
        assert!(t.rm(&long[..1 << 19]));
        assert!(!t.check(&long[..(1 << 20) - 1]));
        assert!(t.check(&long));
        assert!(t.rm(&long));
        assert_eq!(t.tree.arena_len(), 1);
    }

    #[test]
    fn deep_tree_needs_no_stack() {
        // Every prefix of a long string makes a chain of one-byte edges; on a 64 KiB
        // stack any per-level recursion would overflow.
        std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(|| {
                let long = vec![0xFFu8; 4000];
                let mut t = Trie::new();
                for len in 1..=long.len() {
                    t.add(&long[..len]);
                }
                assert_eq!(t.num_prefixes(), long.len());
                assert!(t.check(&long));
                let mut n = 0;
                t.apply(|_| n += 1);
                assert_eq!(n, long.len());
                for len in (1..=long.len()).step_by(2) {
                    assert!(t.rm(&long[..len]));
                }
                t.tree.assert_invariants();
                drop(t);
            })
            .expect("spawn")
            .join()
            .expect("deep tree test panicked");
    }

    #[test]
    fn random_ops_match_a_naive_model() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let mut t = Trie::new();
        let mut model: HashMap<Vec<u8>, usize> = HashMap::new();
        for round in 0..20_000 {
            let key = rng.key(6);
            match rng.below(10) {
                0..=3 => {
                    let count = model.entry(key.clone()).or_insert(0);
                    *count += 1;
                    assert_eq!(t.add(&key), *count == 1);
                }
                4..=7 => {
                    let expected = match model.get_mut(&key) {
                        Some(count) => {
                            *count -= 1;
                            let last = *count == 0;
                            if last {
                                model.remove(&key);
                            }
                            last
                        }
                        None => false,
                    };
                    assert_eq!(t.rm(&key), expected, "rm {key:?}");
                }
                _ => {
                    let data = rng.key(8);
                    let expected = model.keys().any(|k| data.starts_with(k));
                    assert_eq!(t.check(&data), expected, "check {data:?}");
                }
            }
            assert_eq!(t.num_prefixes(), model.len());
            if round % 500 == 0 {
                t.tree.assert_invariants();
                let mut got = prefixes(&t);
                let mut want: Vec<_> = model.keys().cloned().collect();
                want.sort();
                assert_eq!(got, want, "apply is sorted and complete");
                got.dedup();
                assert_eq!(got.len(), model.len());
            }
        }
        // Drain everything: the arena must shrink back to the root.
        for (key, count) in model.drain() {
            for _ in 0..count {
                t.rm(&key);
            }
        }
        assert_eq!(t.num_prefixes(), 0);
        assert_eq!(t.tree.arena_len(), 1);
    }

    #[test]
    fn churn_does_not_grow_the_arena() {
        let mut rng = XorShift(42);
        let mut t = Trie::new();
        let mut live: Vec<Vec<u8>> = Vec::new();
        for _ in 0..200 {
            let mut key = rng.key(12);
            key.push(b'!');
            live.push(key.clone());
            t.add(&key);
        }
        let mut peak = 0;
        for _ in 0..20_000 {
            let at = rng.below(live.len());
            let old = std::mem::replace(&mut live[at], rng.key(12));
            t.rm(&old);
            t.add(&live[at]);
            peak = peak.max(t.tree.arena_len());
        }
        t.tree.assert_invariants();
        // At most 2n+1 live nodes, plus the slack allowed before compaction.
        assert!(
            peak <= 2 * (2 * live.len() + 1) + COMPACT_MIN_FREE,
            "{peak}"
        );
    }
}
