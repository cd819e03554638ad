//! The atomic counter behind `zmq_atomic_counter_*`: a 32-bit counter shared between
//! threads, with libzmq's return conventions (increment reports the previous value,
//! decrement reports whether the counter is still non-zero). Arithmetic wraps, as the
//! unsigned 32-bit counter of libzmq does; values are seen as `i32` by callers.

use std::sync::atomic::{AtomicU32, Ordering};

/// A 32-bit counter that any number of threads may update at once.
#[derive(Debug, Default)]
pub struct AtomicCounter {
    value: AtomicU32,
}

impl AtomicCounter {
    /// A counter starting at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the value.
    pub fn set(&self, value: i32) {
        self.value.store(value as u32, Ordering::Release);
    }

    /// Adds one and returns the value before the increment.
    pub fn inc(&self) -> i32 {
        self.value.fetch_add(1, Ordering::AcqRel) as i32
    }

    /// Subtracts one and returns whether the counter is non-zero afterwards; the usual
    /// "was that the last reference?" test is `!counter.dec()`.
    pub fn dec(&self) -> bool {
        self.value.fetch_sub(1, Ordering::AcqRel) != 1
    }

    /// The current value.
    pub fn value(&self) -> i32 {
        self.value.load(Ordering::Acquire) as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn inc_returns_previous_value_and_dec_reports_non_zero() {
        let counter = AtomicCounter::new();
        assert_eq!(counter.value(), 0);
        assert_eq!(counter.inc(), 0);
        assert_eq!(counter.inc(), 1);
        assert_eq!(counter.inc(), 2);
        assert_eq!(counter.value(), 3);
        assert!(counter.dec());
        assert!(counter.dec());
        assert!(!counter.dec());
        counter.set(2);
        assert!(counter.dec());
        assert!(!counter.dec());
    }

    #[test]
    fn arithmetic_wraps_like_an_unsigned_32_bit_counter() {
        let counter = AtomicCounter::new();
        assert!(counter.dec(), "0 - 1 wraps to a non-zero value");
        assert_eq!(counter.value(), -1);
        assert_eq!(counter.inc(), -1);
        assert_eq!(counter.value(), 0);
        counter.set(i32::MAX);
        assert_eq!(counter.inc(), i32::MAX);
        assert_eq!(counter.value(), i32::MIN);
    }

    #[test]
    fn concurrent_increments_and_decrements_are_not_lost() {
        let counter = Arc::new(AtomicCounter::new());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        counter.inc();
                        counter.inc();
                        counter.dec();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(counter.value(), 40_000);
    }
}
