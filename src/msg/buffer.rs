//! A reference-counted byte buffer: the storage of messages too large to live inline.
//! One header carries the count and how to release the bytes: our own allocation (header
//! and bytes in one block) or user memory handed over by `zmq_msg_init_data`, whose free
//! function is called exactly once, when the last reference goes, on whatever thread
//! drops it. A `Buffer` may view a sub-range of its storage (zero-copy slices).

use super::pool;
use std::alloc::{alloc, dealloc, Layout};
use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicUsize, Ordering};

/// The free function of `zmq_msg_init_data`: `ffn(data, hint)`.
pub type FreeFn = unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void);

enum Release {
    /// Header and bytes are one allocation of this layout.
    Inline(Layout),
    /// The bytes belong to the user; hand them back through `ffn`.
    User {
        ffn: FreeFn,
        data: *mut u8,
        hint: *mut c_void,
    },
}

struct Header {
    refs: AtomicUsize,
    release: Release,
}

/// A counted reference to (a range of) shared bytes.
pub struct Buffer {
    header: NonNull<Header>,
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the header's count is atomic and the bytes are only written through a
// `Buffer` that is the unique reference (see `as_mut_ptr`); user free functions are
// documented by libzmq to be callable from any thread.
unsafe impl Send for Buffer {}
// SAFETY: shared access only reads.
unsafe impl Sync for Buffer {}

impl Buffer {
    /// Allocates `len` uninitialised bytes (the caller fills them through `as_mut_ptr`).
    /// Common large sizes come from the recycling pool (`pool.rs`).
    pub fn alloc(len: usize) -> Option<Buffer> {
        let capacity = pool::capacity_for(len);
        let (layout, offset) = block_layout(capacity)?;
        let block = match pool::take(capacity) {
            Some(block) => block.as_ptr(),
            // SAFETY: the layout has a non-zero size (it contains a Header).
            None => unsafe { alloc(layout) },
        };
        let header = NonNull::new(block.cast::<Header>())?;
        // SAFETY: `block` is a fresh allocation large and aligned enough for a Header.
        unsafe {
            header.as_ptr().write(Header {
                refs: AtomicUsize::new(1),
                release: Release::Inline(layout),
            });
        }
        // SAFETY: offset is within the allocation by construction of the layout.
        let ptr = unsafe { block.add(offset) };
        Some(Buffer { header, ptr, len })
    }

    /// Copies `bytes` into a new buffer.
    pub fn copy_from(bytes: &[u8]) -> Option<Buffer> {
        let buffer = Buffer::alloc(bytes.len())?;
        // SAFETY: the buffer has exactly bytes.len() writable bytes, freshly allocated.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer.ptr, bytes.len()) };
        Some(buffer)
    }

    /// Takes over user memory; `ffn(data, hint)` runs when the last reference is dropped.
    ///
    /// # Safety
    /// `data` must be valid for `len` bytes until `ffn` is called.
    pub unsafe fn from_user(
        data: *mut u8,
        len: usize,
        ffn: FreeFn,
        hint: *mut c_void,
    ) -> Option<Buffer> {
        let header = Box::new(Header {
            refs: AtomicUsize::new(1),
            release: Release::User { ffn, data, hint },
        });
        Some(Buffer {
            header: NonNull::from(Box::leak(header)),
            ptr: data,
            len,
        })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn as_slice(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: ptr is valid for len bytes while any reference to the storage lives.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// The bytes, for the C caller who fills a message created by `zmq_msg_init_size`.
    pub fn as_mut_ptr(&self) -> *mut u8 {
        self.ptr
    }

    /// The first `len` bytes (a buffer being filled is only viewed up to what was written).
    pub fn head(&self, len: usize) -> &[u8] {
        let len = len.min(self.len);
        if len == 0 {
            return &[];
        }
        // SAFETY: ptr is valid for self.len >= len bytes while any reference lives.
        unsafe { std::slice::from_raw_parts(self.ptr, len) }
    }

    /// Writable view of `start..start + len` of this buffer's bytes.
    ///
    /// # Safety
    /// No other `Buffer` or slice may view any byte of that range while the returned
    /// slice lives (the engine writes only past everything it has handed out).
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn range_mut(&self, start: usize, len: usize) -> &mut [u8] {
        debug_assert!(start + len <= self.len);
        // SAFETY: the range lies within the allocation (checked in debug builds, the
        // callers' contract otherwise) and the caller guarantees nothing else views it.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(start), len) }
    }

    /// True when more than one reference shares the bytes.
    pub fn is_shared(&self) -> bool {
        // SAFETY: the header lives while self does.
        unsafe { self.header.as_ref() }.refs.load(Ordering::Acquire) > 1
    }

    /// Another reference to the same bytes.
    pub fn share(&self) -> Buffer {
        // SAFETY: the header lives while self does.
        unsafe { self.header.as_ref() }
            .refs
            .fetch_add(1, Ordering::Relaxed);
        Buffer {
            header: self.header,
            ptr: self.ptr,
            len: self.len,
        }
    }

    /// A reference to `start..start+len` of these bytes (caller checks the range).
    pub fn slice(&self, start: usize, len: usize) -> Buffer {
        debug_assert!(start + len <= self.len);
        let mut piece = self.share();
        // SAFETY: the range lies within the viewed bytes (checked by the caller).
        piece.ptr = unsafe { self.ptr.add(start) };
        piece.len = len;
        piece
    }
}

/// References a `SliceSource` buys at a time.
const SLICE_BATCH: usize = 256;

/// A buffer that many slices are cut from: the engine's receive buffer, each of whose
/// messages views it. The references are bought from the count in batches, so the I/O
/// thread does not write the count's cache line once per message while the application
/// thread, dropping the messages, writes it too.
pub struct SliceSource {
    buffer: Buffer,
    /// References already in the count that no slice has been given yet.
    prepaid: usize,
}

impl SliceSource {
    pub fn new(buffer: Buffer) -> SliceSource {
        SliceSource { buffer, prepaid: 0 }
    }

    pub fn buffer(&self) -> &Buffer {
        &self.buffer
    }

    /// A reference to `start..start+len` of the bytes (caller checks the range).
    #[inline]
    pub fn slice(&mut self, start: usize, len: usize) -> Buffer {
        debug_assert!(start + len <= self.buffer.len);
        if self.prepaid == 0 {
            // SAFETY: the header lives while self.buffer does.
            unsafe { self.buffer.header.as_ref() }
                .refs
                .fetch_add(SLICE_BATCH, Ordering::Relaxed);
            self.prepaid = SLICE_BATCH;
        }
        self.prepaid -= 1;
        Buffer {
            header: self.buffer.header,
            // SAFETY: the range lies within the viewed bytes (checked by the caller).
            ptr: unsafe { self.buffer.ptr.add(start) },
            len,
        }
    }

    /// True while a slice handed out is still alive.
    pub fn is_shared(&self) -> bool {
        // SAFETY: the header lives while self.buffer does.
        let refs = unsafe { self.buffer.header.as_ref() }
            .refs
            .load(Ordering::Acquire);
        refs > 1 + self.prepaid
    }

    /// A second source over the same bytes that takes over the prepaid references (so
    /// slices can be cut while `self` is borrowed elsewhere); give it back with `rejoin`.
    pub fn split(&mut self) -> SliceSource {
        SliceSource {
            buffer: self.buffer.share(),
            prepaid: std::mem::take(&mut self.prepaid),
        }
    }

    /// Takes back the prepaid references of a source from `split` (if it still views the
    /// same bytes; otherwise they are simply released).
    pub fn rejoin(&mut self, mut other: SliceSource) {
        if other.buffer.header == self.buffer.header {
            self.prepaid += std::mem::take(&mut other.prepaid);
        }
    }
}

impl Drop for SliceSource {
    fn drop(&mut self) {
        if self.prepaid > 0 {
            // SAFETY: the header lives while self.buffer does; self.buffer's own
            // reference keeps this from being the last.
            unsafe { self.buffer.header.as_ref() }
                .refs
                .fetch_sub(self.prepaid, Ordering::Release);
        }
    }
}

/// One block: the header, then `capacity` bytes (at offset `size_of::<Header>()`).
fn block_layout(capacity: usize) -> Option<(Layout, usize)> {
    let (layout, offset) = Layout::new::<Header>()
        .extend(Layout::array::<u8>(capacity).ok()?)
        .ok()?;
    debug_assert_eq!(offset, size_of::<Header>());
    Some((layout, offset))
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // SAFETY: the header lives while any Buffer refers to it; we hold one reference.
        let header = unsafe { self.header.as_ref() };
        // The sole owner skips the atomic read-modify-write (most messages are never shared).
        if header.refs.load(Ordering::Acquire) != 1
            && header.refs.fetch_sub(1, Ordering::Release) != 1
        {
            return;
        }
        fence(Ordering::Acquire);
        let block = self.header.as_ptr();
        // SAFETY: this was the last reference: nobody else can reach the header or bytes.
        unsafe {
            match std::ptr::read(&(*block).release) {
                Release::Inline(layout) => {
                    let capacity = layout.size() - size_of::<Header>();
                    if let Err(block) = pool::give(NonNull::new_unchecked(block.cast()), capacity) {
                        dealloc(block.as_ptr(), layout);
                    }
                }
                Release::User { ffn, data, hint } => {
                    drop(Box::from_raw(block));
                    ffn(data.cast(), hint);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr::null_mut;
    use std::sync::atomic::AtomicUsize;

    static FREED: AtomicUsize = AtomicUsize::new(0);

    unsafe extern "C" fn count_free(_data: *mut c_void, hint: *mut c_void) {
        FREED.fetch_add(hint as usize, Ordering::SeqCst);
    }

    #[test]
    fn user_free_runs_once_after_last_share() {
        let mut storage = [7u8; 100];
        // SAFETY: `storage` outlives every view (all are dropped before the test ends)
        // and `count_free` only counts.
        let b =
            unsafe { Buffer::from_user(storage.as_mut_ptr(), 100, count_free, 1 as *mut c_void) }
                .unwrap();
        let c = b.share();
        let d = c.slice(10, 5);
        drop(b);
        drop(c);
        assert_eq!(FREED.load(Ordering::SeqCst), 0);
        assert_eq!(d.as_slice(), &[7; 5]);
        drop(d);
        assert_eq!(FREED.load(Ordering::SeqCst), 1);
    }

    static SOURCE_FREED: AtomicUsize = AtomicUsize::new(0);

    unsafe extern "C" fn count_source_free(_data: *mut c_void, _hint: *mut c_void) {
        SOURCE_FREED.fetch_add(1, Ordering::SeqCst);
    }

    /// Slices cut in batches and dropped on another thread, some after the source: the
    /// storage is freed exactly once, when the last slice goes (Miri checks the rest).
    #[test]
    fn slices_of_a_source_outlive_it_across_threads() {
        let n = if cfg!(miri) {
            SLICE_BATCH + 10
        } else {
            4 * SLICE_BATCH + 10
        };
        let mut storage = vec![5u8; n];
        // SAFETY: `storage` outlives every slice (the threads are joined first) and the
        // free function only counts.
        let buffer =
            unsafe { Buffer::from_user(storage.as_mut_ptr(), n, count_source_free, null_mut()) }
                .unwrap();
        let mut source = SliceSource::new(buffer);
        let first = source.slice(0, 1);
        assert!(source.is_shared());
        drop(first);
        assert!(!source.is_shared(), "prepaid references are not slices");
        let mut lent = source.split();
        let slices: Vec<Buffer> = (0..n).map(|i| lent.slice(i, 1)).collect();
        source.rejoin(lent);
        assert!(source.is_shared());
        let consumer = std::thread::spawn(move || {
            slices
                .iter()
                .map(|s| s.as_slice()[0] as usize)
                .sum::<usize>()
        });
        drop(source);
        assert_eq!(consumer.join().unwrap(), 5 * n);
        assert_eq!(SOURCE_FREED.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn copy_and_share_across_threads() {
        let b = Buffer::copy_from(&[1, 2, 3]).unwrap();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let s = b.share();
                std::thread::spawn(move || s.as_slice().iter().map(|&x| x as u32).sum::<u32>())
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), 6);
        }
        assert!(!b.is_shared());
    }
}
