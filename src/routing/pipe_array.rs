//! An ordered set of pipe keys that knows each key's position, so that moving a pipe
//! between the active and inactive regions (a swap) is O(1). The routing strategies
//! partition it into prefixes: `[0, active)` are the pipes currently usable.

use crate::pipe::PipeKey;

#[derive(Default)]
pub struct PipeArray {
    keys: Vec<PipeKey>,
    /// position of key k in `keys`, or usize::MAX.
    positions: Vec<usize>,
}

impl PipeArray {
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn push(&mut self, key: PipeKey) {
        if self.positions.len() <= key {
            self.positions.resize(key + 1, usize::MAX);
        }
        self.positions[key] = self.keys.len();
        self.keys.push(key);
    }

    pub fn index_of(&self, key: PipeKey) -> Option<usize> {
        match self.positions.get(key) {
            Some(&i) if i != usize::MAX => Some(i),
            _ => None,
        }
    }

    #[inline]
    pub fn at(&self, i: usize) -> PipeKey {
        self.keys[i]
    }

    pub fn swap(&mut self, i: usize, j: usize) {
        if i == j {
            return;
        }
        self.keys.swap(i, j);
        self.positions[self.keys[i]] = i;
        self.positions[self.keys[j]] = j;
    }

    /// Removes `key` by swapping the last element into its place.
    pub fn erase(&mut self, key: PipeKey) {
        if let Some(i) = self.index_of(key) {
            let last = self.keys.len() - 1;
            self.swap(i, last);
            self.keys.pop();
            self.positions[key] = usize::MAX;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = PipeKey> + '_ {
        self.keys.iter().copied()
    }
}
