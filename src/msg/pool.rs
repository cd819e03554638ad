//! Recycled storage for large message buffers.
//!
//! A message is usually allocated on one thread (the sender, or an I/O thread that
//! reads it) and freed on another (the receiver). glibc's malloc serves that pattern
//! badly for large blocks: the freeing thread takes the allocating thread's arena lock
//! (futex waits when both are busy) and freed space at the top of a heap is trimmed and
//! faulted in again. So blocks of common payload sizes are passed back through lock-free
//! queues instead: the thread that frees one pushes it, the next allocation of that size
//! pops it. Each queue holds at most about 1 MiB; beyond that, or for other sizes, blocks
//! go to and come from malloc as before.
//!
//! Payload sizes are rounded up to a class (two per power of two, from 1 KiB to 1 MiB),
//! so a block wastes at most a third of its payload and every 1 KiB, 64 KiB... message,
//! and the engine's 64 KiB read buffers, fit a class exactly.

use crossbeam_queue::ArrayQueue;
use std::ptr::NonNull;
use std::sync::OnceLock;

/// Smallest pooled payload (smaller blocks are cheap for malloc's thread caches).
const MIN_PAYLOAD: usize = 1024;
/// Largest pooled payload.
const MAX_PAYLOAD: usize = 1 << 20;
/// Bytes of payload each class may keep in its queue.
const BYTES_PER_CLASS: usize = 1 << 20;
/// Classes: 1 KiB, 1.5 KiB, 2 KiB, 3 KiB, ... 768 KiB, 1 MiB.
const CLASSES: usize = 21;

/// A free block, owned by the queue while it sits there.
struct Block(NonNull<u8>);

// SAFETY: a block in a queue is owned by nobody else; whoever pops it owns it.
unsafe impl Send for Block {}

fn queues() -> &'static [ArrayQueue<Block>; CLASSES] {
    static QUEUES: OnceLock<[ArrayQueue<Block>; CLASSES]> = OnceLock::new();
    QUEUES.get_or_init(|| {
        std::array::from_fn(|class| {
            ArrayQueue::new((BYTES_PER_CLASS / class_payload(class)).clamp(2, 1024))
        })
    })
}

/// The payload capacity of a class.
const fn class_payload(class: usize) -> usize {
    let octave = MIN_PAYLOAD << (class / 2);
    if class % 2 == 0 {
        octave
    } else {
        octave + octave / 2
    }
}

/// The class whose payload is the smallest that holds `len`, if `len` is pooled.
pub fn class_of(len: usize) -> Option<usize> {
    if !(MIN_PAYLOAD..=MAX_PAYLOAD).contains(&len) {
        return None;
    }
    // The octave: MIN_PAYLOAD << k is the largest power-of-two class not above len.
    let k = (usize::BITS - 1 - (len / MIN_PAYLOAD).leading_zeros()) as usize;
    let base = MIN_PAYLOAD << k;
    let class = if len == base {
        2 * k
    } else if len <= base + base / 2 {
        2 * k + 1
    } else {
        2 * k + 2
    };
    (class < CLASSES).then_some(class)
}

/// The payload to allocate for `len` bytes: its class's capacity, or `len` itself.
pub fn capacity_for(len: usize) -> usize {
    class_of(len).map_or(len, class_payload)
}

/// A recycled block for a payload of exactly `capacity` bytes (as `capacity_for` gave).
pub fn take(capacity: usize) -> Option<NonNull<u8>> {
    let class = class_of(capacity)?;
    debug_assert_eq!(class_payload(class), capacity);
    queues()[class].pop().map(|b| b.0)
}

/// Keeps a block whose payload capacity is `capacity`; gives it back to the caller
/// (to free) when that size is not pooled or its queue is full.
pub fn give(block: NonNull<u8>, capacity: usize) -> Result<(), NonNull<u8>> {
    match class_of(capacity) {
        Some(class) if class_payload(class) == capacity => {
            queues()[class].push(Block(block)).map_err(|b| b.0)
        }
        _ => Err(block),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_their_range_tightly() {
        assert_eq!(class_payload(0), 1024);
        assert_eq!(class_payload(1), 1536);
        assert_eq!(class_payload(CLASSES - 1), MAX_PAYLOAD);
        assert_eq!(class_of(1023), None);
        assert_eq!(class_of(MAX_PAYLOAD + 1), None);
        for len in (MIN_PAYLOAD..=MAX_PAYLOAD)
            .step_by(97)
            .chain([65536, 1024, 1 << 20])
        {
            let class = class_of(len).unwrap();
            let cap = class_payload(class);
            assert!(cap >= len, "{len} -> {cap}");
            assert!(
                cap * 2 <= len * 3,
                "{len} -> {cap}: more than a third wasted"
            );
            if class > 0 {
                assert!(
                    class_payload(class - 1) < len,
                    "{len}: a smaller class fits"
                );
            }
        }
        assert_eq!(capacity_for(65536), 65536);
        assert_eq!(capacity_for(1000), 1000);
    }
}
