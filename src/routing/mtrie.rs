//! Which pipes subscribed to which prefixes, for PUB/XPUB fan-out (libzmq's `mtrie_t`).
//!
//! Each prefix holds a *set* of pipes, as in libzmq: a pipe that subscribes twice to the
//! same prefix is recorded once, and one unsubscribe removes it. (Only SUB-side `Trie`
//! counts.) Sets are sorted vectors: fan-out iterates them far more often than pipes come
//! and go. Built on the radix tree in `trie`; it knows nothing about pipes but their key.

use super::trie::{PrefixTree, Slot};

/// Outcome of [`MTrie::rm`], as libzmq's `rm_result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RmResult {
    /// The pipe did not hold this prefix.
    NotFound,
    /// The pipe was the last one holding this prefix.
    LastValueRemoved,
    /// The pipe was removed; other pipes still hold the prefix.
    ValuesRemain,
}

/// The pipes holding one prefix, sorted and without duplicates.
struct Pipes<P>(Vec<P>);

impl<P> Default for Pipes<P> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<P> Slot for Pipes<P> {
    #[inline]
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<P: Ord> Pipes<P> {
    /// Removes `pipe`; false if it was not there. Gives back memory as the set shrinks.
    fn remove(&mut self, pipe: &P) -> bool {
        let Ok(at) = self.0.binary_search(pipe) else {
            return false;
        };
        self.0.remove(at);
        if self.0.len() * 4 < self.0.capacity() {
            self.0.shrink_to_fit();
        }
        true
    }
}

/// Subscriptions of a publisher's pipes: prefix -> set of pipes.
pub struct MTrie<P> {
    tree: PrefixTree<Pipes<P>>,
}

impl<P: Copy + Ord> MTrie<P> {
    pub fn new() -> Self {
        Self {
            tree: PrefixTree::new(),
        }
    }

    /// Records that `pipe` holds `prefix`; true if no pipe held it before. Adding a pair
    /// that is already present changes nothing (and returns false).
    pub fn add(&mut self, prefix: &[u8], pipe: P) -> bool {
        self.tree.upsert(prefix, |pipes| {
            let first = pipes.0.is_empty();
            if let Err(at) = pipes.0.binary_search(&pipe) {
                pipes.0.insert(at, pipe);
            }
            first
        })
    }

    /// Removes `pipe` from `prefix`, however many times it was added.
    pub fn rm(&mut self, prefix: &[u8], pipe: P) -> RmResult {
        self.tree
            .update(prefix, |pipes| {
                if !pipes.remove(&pipe) {
                    RmResult::NotFound
                } else if pipes.0.is_empty() {
                    RmResult::LastValueRemoved
                } else {
                    RmResult::ValuesRemain
                }
            })
            .unwrap_or(RmResult::NotFound)
    }

    /// Removes every subscription of `pipe`; calls f(prefix) for each prefix it held, or,
    /// when `call_on_uniq` is true, only for prefixes that no pipe holds any more.
    /// Prefixes are reported in lexicographic order, each at most once.
    pub fn rm_pipe(&mut self, pipe: P, call_on_uniq: bool, mut f: impl FnMut(&[u8])) {
        self.tree.visit_mut(|prefix, pipes| {
            if pipes.remove(&pipe) && (!call_on_uniq || pipes.0.is_empty()) {
                f(prefix);
            }
        });
    }

    /// Calls f(pipe) for every pipe holding a prefix of `data`. As in libzmq, a pipe is
    /// reported once per matching prefix it holds, so a pipe subscribed to both "a" and
    /// "ab" is reported twice for "abc": callers must treat repeats as no-ops (the
    /// distributor's "mark as matching" is). Order: shorter prefixes first, and within one
    /// prefix ascending `P`. Allocates nothing; costs the length of `data` plus the
    /// number of reports, whatever the number of subscriptions.
    #[inline]
    pub fn match_prefixes(&self, data: &[u8], mut f: impl FnMut(P)) {
        for pipes in self.tree.matches(data) {
            for &pipe in &pipes.0 {
                f(pipe);
            }
        }
    }

    /// Number of prefixes held by at least one pipe.
    pub fn num_prefixes(&self) -> usize {
        self.tree.len()
    }
}

impl<P: Copy + Ord> Default for MTrie<P> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::trie::tests::XorShift;
    use std::collections::{BTreeSet, HashMap};

    fn matched(t: &MTrie<u32>, data: &[u8]) -> Vec<u32> {
        let mut out = Vec::new();
        t.match_prefixes(data, |p| out.push(p));
        out
    }

    fn removed(t: &mut MTrie<u32>, pipe: u32, call_on_uniq: bool) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        t.rm_pipe(pipe, call_on_uniq, |p| out.push(p.to_vec()));
        out
    }

    #[test]
    fn a_pipe_is_stored_once_per_prefix() {
        let mut t = MTrie::new();
        assert!(t.add(b"abc", 1));
        assert!(!t.add(b"abc", 1));
        assert!(!t.add(b"abc", 2));
        assert_eq!(t.num_prefixes(), 1);
        assert_eq!(matched(&t, b"abcd"), vec![1, 2]);
        assert_eq!(t.rm(b"abc", 1), RmResult::ValuesRemain);
        assert_eq!(t.rm(b"abc", 1), RmResult::NotFound);
        assert_eq!(t.rm(b"abc", 2), RmResult::LastValueRemoved);
        assert_eq!(t.rm(b"abc", 2), RmResult::NotFound);
        assert_eq!(t.num_prefixes(), 0);
        assert_eq!(t.tree.arena_len(), 1);
    }

    #[test]
    fn empty_prefix_matches_everything() {
        let mut t = MTrie::new();
        assert!(matched(&t, b"x").is_empty());
        assert!(t.add(b"", 7));
        assert_eq!(matched(&t, b""), vec![7]);
        assert_eq!(matched(&t, b"\xff\x00"), vec![7]);
        assert_eq!(t.rm(b"", 7), RmResult::LastValueRemoved);
        assert!(matched(&t, b"").is_empty());
    }

    #[test]
    fn overlapping_prefixes_report_a_pipe_per_prefix() {
        let mut t = MTrie::new();
        t.add(b"a", 1);
        t.add(b"ab", 1);
        t.add(b"ab", 2);
        t.add(b"abd", 3);
        t.add(b"b\x00", 4);
        t.tree.assert_invariants();
        assert_eq!(matched(&t, b"abc"), vec![1, 1, 2]);
        assert_eq!(matched(&t, b"abd"), vec![1, 1, 2, 3]);
        assert_eq!(matched(&t, b"a"), vec![1]);
        assert_eq!(matched(&t, b"b\x00\x00"), vec![4]);
        assert!(matched(&t, b"b").is_empty());
        assert_eq!(t.rm(b"ab", 1), RmResult::ValuesRemain);
        assert_eq!(matched(&t, b"abd"), vec![1, 2, 3]);
    }

    #[test]
    fn rm_of_absent_subscription() {
        let mut t = MTrie::new();
        assert_eq!(t.rm(b"a", 1), RmResult::NotFound);
        assert_eq!(t.rm(b"", 1), RmResult::NotFound);
        t.add(b"abc", 1);
        assert_eq!(t.rm(b"ab", 1), RmResult::NotFound);
        assert_eq!(t.rm(b"abcd", 1), RmResult::NotFound);
        assert_eq!(t.rm(b"abc", 2), RmResult::NotFound);
        assert_eq!(t.num_prefixes(), 1);
        let mut none = Vec::new();
        t.rm_pipe(2, false, |p| none.push(p.to_vec()));
        assert!(none.is_empty());
        t.tree.assert_invariants();
    }

    #[test]
    fn rm_pipe_reports_every_prefix_it_held() {
        let mut t = MTrie::new();
        for (prefix, pipe) in [(&b"b"[..], 1), (b"", 1), (b"ab", 1), (b"ab", 2), (b"a", 2)] {
            t.add(prefix, pipe);
        }
        let all: Vec<Vec<u8>> = vec![b"".to_vec(), b"ab".to_vec(), b"b".to_vec()];
        assert_eq!(removed(&mut t, 1, false), all);
        t.tree.assert_invariants();
        assert_eq!(t.num_prefixes(), 2);
        assert_eq!(matched(&t, b"abc"), vec![2, 2]);
        assert_eq!(removed(&mut t, 1, false), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn rm_pipe_on_uniq_reports_only_abandoned_prefixes() {
        let mut t = MTrie::new();
        for (prefix, pipe) in [(&b"b"[..], 1), (b"", 1), (b"ab", 1), (b"ab", 2), (b"a", 2)] {
            t.add(prefix, pipe);
        }
        assert_eq!(removed(&mut t, 1, true), vec![b"".to_vec(), b"b".to_vec()]);
        t.tree.assert_invariants();
        assert_eq!(
            removed(&mut t, 2, true),
            vec![b"a".to_vec(), b"ab".to_vec()]
        );
        assert_eq!(t.num_prefixes(), 0);
        assert_eq!(t.tree.arena_len(), 1);
    }

    #[test]
    fn one_mebibyte_topic() {
        let long: Vec<u8> = (0..1 << 20).map(|i| (i * 13 % 256) as u8).collect();
        let mut t = MTrie::new();
        assert!(t.add(&long, 1));
        assert!(t.add(&long[..1000], 2));
        assert_eq!(matched(&t, &long), vec![2, 1]);
        assert_eq!(matched(&t, &long[..(1 << 20) - 1]), vec![2]);
        assert_eq!(removed(&mut t, 1, true), vec![long.clone()]);
        assert_eq!(t.rm(&long[..1000], 2), RmResult::LastValueRemoved);
        assert_eq!(t.tree.arena_len(), 1);
    }

    #[test]
    fn deep_tree_needs_no_stack() {
        std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(|| {
                let long = vec![0u8; 4000];
                let mut t = MTrie::new();
                for len in 0..=long.len() {
                    t.add(&long[..len], (len % 3) as u32);
                }
                assert_eq!(matched(&t, &long).len(), long.len() + 1);
                let mut n = 0;
                t.rm_pipe(1, true, |_| n += 1);
                assert_eq!(n, (0..=long.len()).filter(|len| len % 3 == 1).count());
                t.tree.assert_invariants();
                t.rm_pipe(0, false, |_| {});
                t.rm_pipe(2, false, |_| {});
                assert_eq!(t.num_prefixes(), 0);
                assert_eq!(t.tree.arena_len(), 1);
            })
            .expect("spawn")
            .join()
            .expect("deep tree test panicked");
    }

    #[test]
    fn random_ops_match_a_naive_model() {
        let mut rng = XorShift(0xD1B5_4A32_D192_ED03);
        let mut t: MTrie<u32> = MTrie::new();
        let mut model: HashMap<Vec<u8>, BTreeSet<u32>> = HashMap::new();
        for round in 0..20_000 {
            let key = rng.key(6);
            let pipe = rng.below(6) as u32;
            match rng.below(20) {
                0..=7 => {
                    let set = model.entry(key.clone()).or_default();
                    let first = set.is_empty();
                    set.insert(pipe);
                    assert_eq!(t.add(&key, pipe), first);
                }
                8..=13 => {
                    let removed = model.get_mut(&key).is_some_and(|set| set.remove(&pipe));
                    let expected = match model.get(&key) {
                        _ if !removed => RmResult::NotFound,
                        Some(set) if set.is_empty() => {
                            model.remove(&key);
                            RmResult::LastValueRemoved
                        }
                        _ => RmResult::ValuesRemain,
                    };
                    assert_eq!(t.rm(&key, pipe), expected, "rm {key:?} {pipe}");
                }
                14 => {
                    let call_on_uniq = rng.below(2) == 0;
                    let mut want = Vec::new();
                    for (k, set) in model.iter_mut() {
                        if set.remove(&pipe) && (!call_on_uniq || set.is_empty()) {
                            want.push(k.clone());
                        }
                    }
                    model.retain(|_, set| !set.is_empty());
                    want.sort();
                    assert_eq!(removed(&mut t, pipe, call_on_uniq), want);
                }
                _ => {
                    let data = rng.key(8);
                    let mut want: Vec<u32> = model
                        .iter()
                        .filter(|(k, _)| data.starts_with(k))
                        .flat_map(|(_, set)| set.iter().copied())
                        .collect();
                    let mut got = matched(&t, &data);
                    want.sort();
                    got.sort();
                    assert_eq!(got, want, "match {data:?}");
                }
            }
            assert_eq!(t.num_prefixes(), model.len());
            if round % 500 == 0 {
                t.tree.assert_invariants();
            }
        }
        for pipe in 0..6 {
            t.rm_pipe(pipe, true, |_| {});
        }
        assert_eq!(t.num_prefixes(), 0);
        assert_eq!(t.tree.arena_len(), 1);
    }
}
