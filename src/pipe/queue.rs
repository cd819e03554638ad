//! The single-producer single-consumer queue under every pipe, after libzmq's ypipe:
//! items live in linked chunks; the writer publishes a whole batch with one atomic swap
//! (`flush`), and a reader that finds the queue empty marks itself asleep in the same
//! word, so the writer learns from that swap whether the reader needs a wake-up.
//! Each item is written as the end of a message or not (`write(item, complete)`), and a
//! flush publishes only up to the end of the last whole message: a reader never sees
//! part of a message, whoever flushes and whenever. The unfinished tail can be taken
//! back (`rollback`), which is how a partly written multipart message is withdrawn.
//! One spare chunk travels back from reader to writer so a steady flow allocates
//! nothing.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::Arc;

const CHUNK: usize = 128;
/// Set in `published` by a reader that found nothing to read and went to sleep.
const ASLEEP: u64 = 1 << 63;

struct Chunk<T> {
    slots: [UnsafeCell<MaybeUninit<T>>; CHUNK],
    next: AtomicPtr<Chunk<T>>,
}

impl<T> Chunk<T> {
    fn alloc() -> *mut Chunk<T> {
        Box::into_raw(Box::new(Chunk {
            slots: [const { UnsafeCell::new(MaybeUninit::uninit()) }; CHUNK],
            next: AtomicPtr::new(ptr::null_mut()),
        }))
    }
}

/// Where the reader stopped, left behind when it is dropped so that the last owner can
/// drop what was never read.
struct ReaderPosition<T> {
    chunk: *mut Chunk<T>,
    index: usize,
    read: u64,
}

struct Shared<T> {
    /// Count of items the writer has made visible, plus the ASLEEP bit.
    published: AtomicU64,
    spare: AtomicPtr<Chunk<T>>,
    reader_left: UnsafeCell<Option<ReaderPosition<T>>>,
}

/// The writing end.
pub struct Writer<T> {
    shared: Arc<Shared<T>>,
    tail: *mut Chunk<T>,
    tail_index: usize,
    written: u64,
    /// Items up to here end with a whole message: a flush publishes no further.
    complete: u64,
    complete_chunk: *mut Chunk<T>,
    complete_index: usize,
    flushed: u64,
    flush_chunk: *mut Chunk<T>,
    flush_index: usize,
}

/// The reading end.
pub struct Reader<T> {
    shared: Arc<Shared<T>>,
    head: *mut Chunk<T>,
    head_index: usize,
    read: u64,
    /// Items known to be published (a cached copy of `published`).
    limit: u64,
}

// SAFETY: each end is used by one thread at a time; the ends only touch the slots the
// publication protocol hands them (writer: unpublished slots; reader: published ones).
unsafe impl<T: Send> Send for Writer<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for Reader<T> {}
// SAFETY: Shared is only reached through the ends; `reader_left` is written once by the
// dropping reader and read only by the last owner in `Drop`.
unsafe impl<T: Send> Sync for Shared<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for Shared<T> {}

/// A new empty queue.
pub fn queue<T>() -> (Writer<T>, Reader<T>) {
    let first = Chunk::alloc();
    let shared = Arc::new(Shared {
        published: AtomicU64::new(0),
        spare: AtomicPtr::new(ptr::null_mut()),
        reader_left: UnsafeCell::new(None),
    });
    (
        Writer {
            shared: shared.clone(),
            tail: first,
            tail_index: 0,
            written: 0,
            complete: 0,
            complete_chunk: first,
            complete_index: 0,
            flushed: 0,
            flush_chunk: first,
            flush_index: 0,
        },
        Reader {
            shared,
            head: first,
            head_index: 0,
            read: 0,
            limit: 0,
        },
    )
}

impl<T> Writer<T> {
    /// Appends an item; `complete` says it ends a message. It stays invisible to the
    /// reader until a `flush` after the item that completes its message.
    #[inline]
    pub fn write(&mut self, item: T, complete: bool) {
        // SAFETY: slot tail_index of the tail chunk is unpublished, so only we touch it.
        unsafe { (*(*self.tail).slots[self.tail_index].get()).write(item) };
        self.written += 1;
        self.tail_index += 1;
        if self.tail_index == CHUNK {
            self.advance_chunk();
        }
        if complete {
            self.complete = self.written;
            self.complete_chunk = self.tail;
            self.complete_index = self.tail_index;
        }
    }

    #[cold]
    fn advance_chunk(&mut self) {
        // SAFETY: the tail chunk is live (the reader frees only chunks it has passed, and
        // it cannot pass unpublished items).
        unsafe {
            let mut next = (*self.tail).next.load(Ordering::Acquire);
            if next.is_null() {
                next = self.shared.spare.swap(ptr::null_mut(), Ordering::Acquire);
                if next.is_null() {
                    next = Chunk::alloc();
                } else {
                    (*next).next.store(ptr::null_mut(), Ordering::Relaxed);
                }
                (*self.tail).next.store(next, Ordering::Release);
            }
            self.tail = next;
        }
        self.tail_index = 0;
    }

    /// Makes every whole message written so far visible (the frames of an unfinished
    /// one stay back). Returns false when the reader had gone to sleep and must be
    /// woken by the caller.
    #[inline]
    pub fn flush(&mut self) -> bool {
        if self.complete == self.flushed {
            return true;
        }
        self.flushed = self.complete;
        self.flush_chunk = self.complete_chunk;
        self.flush_index = self.complete_index;
        let before = self.shared.published.swap(self.complete, Ordering::AcqRel);
        before & ASLEEP == 0
    }

    /// True when the reader has taken everything published so far, found nothing more
    /// and went to sleep (unpublished items do not count). Then nothing queued can be
    /// overtaken by a message sent some other way.
    #[inline]
    pub fn reader_idle(&self) -> bool {
        self.shared.published.load(Ordering::Acquire) == self.flushed | ASLEEP
    }

    /// Moves the unpublished items out, oldest first, as if they had never been
    /// written (the reader never sees them).
    pub fn take_unpublished(&mut self, each: impl FnMut(T)) {
        self.complete = self.flushed;
        self.complete_chunk = self.flush_chunk;
        self.complete_index = self.flush_index;
        self.take_unfinished(each);
    }

    /// Takes back (and drops) the items of the unfinished message: those written since
    /// the end of the last whole message.
    pub fn rollback(&mut self) {
        self.take_unfinished(drop);
    }

    /// Moves the items after the last whole message out, oldest first.
    fn take_unfinished(&mut self, mut each: impl FnMut(T)) {
        let (mut chunk, mut index) = (self.complete_chunk, self.complete_index);
        let count = self.written - self.complete;
        // The write position goes back first: whatever `each` does, no slot is read twice.
        self.written = self.complete;
        self.tail = self.complete_chunk;
        self.tail_index = self.complete_index;
        for _ in 0..count {
            // SAFETY: these slots were written and never published, and the write
            // position is already behind them: each is read exactly once.
            unsafe {
                each((*(*chunk).slots[index].get()).assume_init_read());
                index += 1;
                if index == CHUNK {
                    chunk = (*chunk).next.load(Ordering::Acquire);
                    index = 0;
                }
            }
        }
    }
}

impl<T> Reader<T> {
    /// True when an item can be read; otherwise marks the reader asleep so the writer's
    /// next flush reports that a wake-up is needed.
    #[inline]
    pub fn check_read(&mut self) -> bool {
        if self.read < self.limit {
            return true;
        }
        self.check_read_slow()
    }

    #[cold]
    fn check_read_slow(&mut self) -> bool {
        let seen = self.shared.published.load(Ordering::Acquire);
        if seen & !ASLEEP > self.read {
            self.limit = seen & !ASLEEP;
            return true;
        }
        match self.shared.published.compare_exchange(
            seen,
            self.read | ASLEEP,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => false,
            Err(now) => {
                // The writer published in between: it did not see us asleep.
                self.limit = now & !ASLEEP;
                self.limit > self.read
            }
        }
    }

    /// The next item, if one is published.
    #[inline]
    pub fn read(&mut self) -> Option<T> {
        if !self.check_read() {
            return None;
        }
        // SAFETY: read < limit <= published: the slot was written and made visible by
        // the writer's release swap, which our acquire load observed.
        let item = unsafe { (*(*self.head).slots[self.head_index].get()).assume_init_read() };
        self.read += 1;
        self.head_index += 1;
        if self.head_index == CHUNK {
            self.leave_chunk();
        }
        Some(item)
    }

    /// The next item without removing it.
    pub fn peek(&mut self) -> Option<&T> {
        if !self.check_read() {
            return None;
        }
        // SAFETY: as in `read`; the reference lives no longer than &mut self.
        Some(unsafe { (*(*self.head).slots[self.head_index].get()).assume_init_ref() })
    }

    #[cold]
    fn leave_chunk(&mut self) {
        // SAFETY: the writer linked `next` before publishing the last slot of this chunk,
        // which we have just read; the old chunk is empty and unreachable by the writer.
        unsafe {
            let next = (*self.head).next.load(Ordering::Acquire);
            let old = self.shared.spare.swap(self.head, Ordering::AcqRel);
            if !old.is_null() {
                drop(Box::from_raw(old));
            }
            self.head = next;
        }
        self.head_index = 0;
    }
}

impl<T> Drop for Writer<T> {
    fn drop(&mut self) {
        // Whole messages never flushed are the writer's too.
        self.take_unpublished(drop);
    }
}

impl<T> Drop for Reader<T> {
    fn drop(&mut self) {
        // SAFETY: written once, by the only reader, before it lets go of `shared`.
        unsafe {
            *self.shared.reader_left.get() = Some(ReaderPosition {
                chunk: self.head,
                index: self.head_index,
                read: self.read,
            });
        }
    }
}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        // Both ends are gone: drop what was published but never read, then every chunk.
        let Some(pos) = self.reader_left.get_mut().take() else {
            return;
        };
        let published = *self.published.get_mut() & !ASLEEP;
        let (mut chunk, mut index) = (pos.chunk, pos.index);
        // SAFETY: we are the last owner; slots read..published hold live items, and the
        // chunk list from the reader's head onwards is owned by nobody else.
        unsafe {
            for _ in pos.read..published {
                (*(*chunk).slots[index].get()).assume_init_drop();
                index += 1;
                if index == CHUNK {
                    chunk = (*chunk).next.load(Ordering::Acquire);
                    index = 0;
                }
            }
            let mut chunk = pos.chunk;
            while !chunk.is_null() {
                let next = (*chunk).next.load(Ordering::Acquire);
                drop(Box::from_raw(chunk));
                chunk = next;
            }
            let spare = *self.spare.get_mut();
            if !spare.is_null() {
                drop(Box::from_raw(spare));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn items_appear_only_after_flush() {
        let (mut w, mut r) = queue();
        w.write(1, true);
        w.write(2, true);
        assert_eq!(r.read(), None);
        // The reader went to sleep: the flush must say so.
        assert!(!w.flush());
        assert_eq!(r.read(), Some(1));
        assert_eq!(r.read(), Some(2));
        assert_eq!(r.read(), None);
        w.write(3, true);
        assert!(!w.flush());
        w.write(4, true);
        assert!(w.flush(), "reader awake: no wake-up needed");
        assert_eq!(r.read(), Some(3));
        assert_eq!(r.read(), Some(4));
    }

    #[test]
    fn reader_idle_only_when_asleep_and_caught_up() {
        let (mut w, mut r) = queue::<u32>();
        assert!(
            !w.reader_idle(),
            "a reader that never looked is not known to be asleep"
        );
        assert_eq!(r.read(), None);
        assert!(w.reader_idle());
        w.write(1, true);
        assert!(w.reader_idle(), "unpublished items are the writer's own");
        assert!(!w.flush());
        assert!(!w.reader_idle());
        assert_eq!(r.read(), Some(1));
        assert!(!w.reader_idle(), "awake until it finds the queue empty");
        assert_eq!(r.read(), None);
        assert!(w.reader_idle());
    }

    #[test]
    fn take_unpublished_moves_items_out_across_chunks() {
        let (mut w, mut r) = queue::<String>();
        w.write("kept".to_string(), true);
        w.flush();
        for i in 0..(CHUNK + 3) {
            w.write(i.to_string(), true);
        }
        let mut taken = Vec::new();
        w.take_unpublished(|s| taken.push(s));
        assert_eq!(taken.len(), CHUNK + 3);
        assert_eq!(taken[0], "0");
        assert_eq!(taken[CHUNK + 2], (CHUNK + 2).to_string());
        assert_eq!(w.written, w.flushed);
        w.write("after".to_string(), true);
        w.flush();
        assert_eq!(r.read().as_deref(), Some("kept"));
        assert_eq!(r.read().as_deref(), Some("after"));
        assert_eq!(r.read(), None);
    }

    #[test]
    fn rollback_withdraws_unflushed_items_across_chunks() {
        let (mut w, mut r) = queue();
        w.write(0usize, true);
        w.flush();
        for i in 1..(3 * CHUNK) {
            w.write(i, false);
        }
        w.rollback();
        w.write(42, true);
        w.flush();
        assert_eq!(r.read(), Some(0));
        assert_eq!(r.read(), Some(42));
        assert_eq!(r.read(), None);
    }

    #[test]
    fn flush_publishes_whole_messages_only() {
        let (mut w, mut r) = queue();
        assert_eq!(r.read(), None);
        w.write("a1", false);
        w.write("a2", true);
        w.write("b1", false);
        w.write("b2", false);
        assert!(!w.flush());
        assert_eq!(r.read(), Some("a1"));
        assert_eq!(r.read(), Some("a2"));
        assert_eq!(r.read(), None, "the unfinished message stays back");
        assert!(
            w.flush(),
            "nothing new is whole: no publication, no wake-up"
        );
        assert_eq!(r.read(), None);
        w.write("b3", true);
        assert!(!w.flush());
        assert_eq!(r.read(), Some("b1"));
        assert_eq!(r.read(), Some("b2"));
        assert_eq!(r.read(), Some("b3"));
    }

    #[test]
    fn rollback_drops_only_the_unfinished_message() {
        let (mut w, mut r) = queue::<usize>();
        w.write(1, true);
        // A whole message written but not yet flushed survives a rollback.
        w.write(2, false);
        w.write(3, true);
        for i in 0..(2 * CHUNK) {
            w.write(100 + i, false);
        }
        w.rollback();
        w.write(4, true);
        w.flush();
        let got: Vec<usize> = std::iter::from_fn(|| r.read()).collect();
        assert_eq!(got, vec![1, 2, 3, 4]);
    }

    #[test]
    fn reader_never_sees_part_of_a_message_across_threads() {
        let (mut w, mut r) = queue::<(u64, u64, u64)>();
        const MESSAGES: u64 = if cfg!(miri) { 300 } else { 100_000 };
        let writer = std::thread::spawn(move || {
            for m in 0..MESSAGES {
                let frames = 1 + m % 7;
                for f in 0..frames {
                    w.write((m, f, frames), f + 1 == frames);
                    // Flushing after every frame must still publish whole messages only.
                    w.flush();
                }
            }
            w
        });
        let mut expected = 0;
        while expected < MESSAGES {
            let Some((m, 0, frames)) = r.read() else {
                std::hint::spin_loop();
                continue;
            };
            assert_eq!(m, expected);
            for f in 1..frames {
                assert_eq!(
                    r.read(),
                    Some((m, f, frames)),
                    "frame missing from a published message"
                );
            }
            expected += 1;
        }
        drop(writer.join().unwrap());
    }

    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn unread_items_are_dropped_with_the_queue() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut w, mut r) = queue();
        for _ in 0..(CHUNK * 2 + 5) {
            w.write(Counted(drops.clone()), true);
        }
        w.flush();
        for _ in 0..10 {
            drop(r.read());
        }
        w.write(Counted(drops.clone()), true); // unflushed
        drop(r);
        drop(w);
        assert_eq!(drops.load(Ordering::SeqCst), CHUNK * 2 + 6);
    }

    #[test]
    fn threads_see_every_item_in_order() {
        let (mut w, mut r) = queue::<u64>();
        // Under Miri (which checks the unsafe queue for undefined behaviour and data
        // races) a few chunks' worth is enough and a million would take hours.
        const N: u64 = if cfg!(miri) { 3_000 } else { 1_000_000 };
        let writer = std::thread::spawn(move || {
            for i in 0..N {
                w.write(i, true);
                if i % 7 == 0 {
                    w.flush();
                }
            }
            w.flush();
            w
        });
        let mut expected = 0;
        while expected < N {
            match r.read() {
                Some(v) => {
                    assert_eq!(v, expected);
                    expected += 1;
                }
                None => std::hint::spin_loop(),
            }
        }
        drop(writer.join().unwrap());
    }
}
