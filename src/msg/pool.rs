//! Recycled storage for message buffers.
//!
//! A message is usually allocated on one thread (the sender, or an I/O thread that
//! reads it) and freed on another (the receiver). glibc's malloc serves that pattern
//! badly: the freeing thread takes the allocating thread's arena lock (futex waits when
//! both are busy), its thread cache fills with blocks the other thread needs, and freed
//! space at the top of a heap is trimmed and faulted in again. So blocks are passed back
//! through lock-free queues instead: the thread that frees one pushes it, the next
//! allocation of that class pops it. On inproc this is 3x libzmq's throughput at 64 B
//! and 1 KiB (see the benchmark). Payloads above 256 KiB, and blocks beyond a full
//! queue, go to and come from malloc as before.
//!
//! Payload sizes are rounded up to a class (two per power of two, from 64 B to 256 KiB),
//! so a block wastes at most a third of its payload and 64 B, 1 KiB, 64 KiB... messages,
//! and the engine's 64 KiB read buffers, fit a class exactly. Each queue keeps at most
//! 1 MiB of payload (at most 1,024 blocks): what a process keeps after a burst is bounded
//! by about 1 MiB per class it used.

use crossbeam_queue::ArrayQueue;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

/// The smallest class (any smaller payload uses it too).
const MIN_PAYLOAD: usize = 64;
/// Largest pooled payload.
const MAX_PAYLOAD: usize = 256 << 10;
/// Bytes of payload each class may keep in its queue.
const BYTES_PER_CLASS: usize = 1 << 20;
/// Classes: 64 B, 96 B, 128 B, 192 B, ... 192 KiB, 256 KiB.
const CLASSES: usize = 25;

/// A free block, owned by the queue while it sits there.
struct Block(NonNull<u8>);

// SAFETY: a block in a queue is owned by nobody else; whoever pops it owns it.
unsafe impl Send for Block {}

type Queues = [ArrayQueue<Block>; CLASSES];

/// The queues of this process. A forked child must not use its parent's: another thread
/// of the parent (an I/O thread) may have been half-way through a push, a pop or the
/// lazy set-up when `fork` copied the memory, and in the child that never completes (seen:
/// php-zmq clients forked by a broker hung in their first handshake, their I/O thread
/// waiting on a `OnceLock` the parent's I/O thread was initialising). So set-up never
/// blocks, and a fork handler drops the child's reference (leaking the copy): the child
/// starts with empty queues.
static QUEUES: AtomicPtr<Queues> = AtomicPtr::new(ptr::null_mut());

fn queues() -> &'static Queues {
    let current = QUEUES.load(Ordering::Acquire);
    if !current.is_null() {
        // SAFETY: a published queue set is never freed (a forked child only forgets it).
        return unsafe { &*current };
    }
    // Nothing here may block: a `Once` caught running by a fork would hang the child.
    static FORK_HANDLER: AtomicBool = AtomicBool::new(false);
    if !FORK_HANDLER.swap(true, Ordering::AcqRel) {
        // SAFETY: registers a handler that only stores to an atomic, which is
        // async-signal-safe and fine in the single-threaded child.
        unsafe { libc::pthread_atfork(None, None, Some(forget_in_child)) };
    }
    let fresh: Box<Queues> = Box::new(std::array::from_fn(|class| {
        ArrayQueue::new((BYTES_PER_CLASS / class_payload(class)).clamp(2, 1024))
    }));
    let fresh = Box::into_raw(fresh);
    match QUEUES.compare_exchange(ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire) {
        // SAFETY: we just published it; it is never freed.
        Ok(_) => unsafe { &*fresh },
        Err(winner) => {
            // SAFETY: ours was never shared; the winner is published and never freed.
            unsafe {
                drop(Box::from_raw(fresh));
                &*winner
            }
        }
    }
}

/// Runs in a forked child: start over with empty queues.
extern "C" fn forget_in_child() {
    QUEUES.store(ptr::null_mut(), Ordering::Release);
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
    if len > MAX_PAYLOAD {
        return None;
    }
    if len <= MIN_PAYLOAD {
        return Some(0);
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
        assert_eq!(class_payload(0), 64);
        assert_eq!(class_payload(1), 96);
        assert_eq!(class_payload(CLASSES - 1), MAX_PAYLOAD);
        assert_eq!(class_of(1), Some(0));
        assert_eq!(class_of(64), Some(0));
        assert_eq!(class_of(MAX_PAYLOAD + 1), None);
        for len in (MIN_PAYLOAD..=MAX_PAYLOAD)
            .step_by(97)
            .chain([65536, 1024, 65, 256 << 10])
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
        assert_eq!(capacity_for(1000), 1024);
        assert_eq!(capacity_for(1 << 20), 1 << 20);
    }
}
