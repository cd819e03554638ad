//! The queue of a conflating pipe (`ZMQ_CONFLATE`): one slot, each write replaces what is
//! there, so the reader only ever sees the latest message. Same wake-up contract as the
//! SPSC queue: a write tells the writer whether the reader was asleep.

use parking_lot::Mutex;
use std::sync::Arc;

struct Slot<T> {
    item: Option<T>,
    reader_asleep: bool,
}

/// Both ends of a conflating queue share one slot.
pub struct Conflate<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

impl<T> Clone for Conflate<T> {
    fn clone(&self) -> Self {
        Conflate {
            slot: self.slot.clone(),
        }
    }
}

impl<T> Conflate<T> {
    pub fn new() -> Self {
        Conflate {
            slot: Arc::new(Mutex::new(Slot {
                item: None,
                reader_asleep: false,
            })),
        }
    }

    /// Replaces the slot's item. Returns false when the reader was asleep.
    pub fn write(&self, item: T) -> bool {
        let old;
        let awake;
        {
            let mut slot = self.slot.lock();
            old = slot.item.replace(item);
            awake = !slot.reader_asleep;
            slot.reader_asleep = false;
        }
        drop(old);
        awake
    }

    /// Takes the item; marks the reader asleep when there is none.
    pub fn read(&self) -> Option<T> {
        let mut slot = self.slot.lock();
        let item = slot.item.take();
        if item.is_none() {
            slot.reader_asleep = true;
        }
        item
    }

    pub fn has_item(&self) -> bool {
        self.slot.lock().item.is_some()
    }
}

impl<T> Default for Conflate<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_latest() {
        let c = Conflate::new();
        assert!(c.write(1));
        assert!(c.write(2));
        assert_eq!(c.read(), Some(2));
        assert_eq!(c.read(), None);
        assert!(!c.write(3), "reader was asleep");
    }
}
