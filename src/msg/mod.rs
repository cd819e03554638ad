//! `Msg`: the message, laid out so that it *is* a `zmq_msg_t` (64 bytes, align 8, no
//! self-references: C may `memcpy` it). Small payloads live inline; large ones in a
//! shared `Buffer` (so copies, fan-out and zero-copy slices only bump a count); user
//! memory from `zmq_msg_init_data` is never copied; `zmq_send_const` data is borrowed.
//!
//! The payload union and the kind byte are the only unsafe layout here; every accessor
//! reads the union according to `kind`, which is always written together with it.

mod buffer;
mod metadata;
mod pool;
mod shared_metadata;

pub use buffer::{Buffer, FreeFn, SliceSource};
use metadata::GROUP_PROPERTY;
pub use metadata::{Metadata, GROUP_MAX_LENGTH, SOURCE_FD_PROPERTY};
pub use shared_metadata::{MetadataStamp, SharedMetadata};

use std::ffi::{c_void, CStr};
use std::mem::ManuallyDrop;

/// Bytes a message can hold without allocating.
pub const INLINE_CAPACITY: usize = 48;

/// cbindgen:ignore
/// What the payload union holds. Values are far from 0 so that a zeroed or garbage
/// `zmq_msg_t` is recognised as "not a message" (libzmq's EFAULT check).
mod kind {
    pub const INLINE: u8 = 0x65;
    pub const SHARED: u8 = 0x66;
    pub const CONSTANT: u8 = 0x67;
    pub const DELIMITER: u8 = 0x68;
    /// After `zmq_msg_close`: the storage is no longer a message.
    pub const CLOSED: u8 = 0x00;
}

/// Message flags.
/// cbindgen:ignore
pub mod flags {
    /// More frames of this message follow.
    pub const MORE: u8 = 0x01;
    /// A ZMTP command, not user data.
    pub const COMMAND: u8 = 0x02;
    /// The peer's routing id, the first message of a pipe to a ROUTER.
    pub const ROUTING_ID: u8 = 0x40;
    /// A subscription (body = topic) travelling from a subscriber to a publisher.
    pub const SUBSCRIBE: u8 = 0x04;
    /// An unsubscription (body = topic).
    pub const CANCEL: u8 = 0x08;
    /// A DISH joined a group (body = group) travelling to a RADIO.
    pub const JOIN: u8 = 0x10;
    /// A DISH left a group (body = group).
    pub const LEAVE: u8 = 0x20;
}

#[derive(Clone, Copy)]
#[repr(C)]
struct ConstSlice {
    ptr: *const u8,
    len: usize,
}

#[repr(C)]
union Payload {
    inline: [u8; INLINE_CAPACITY],
    shared: ManuallyDrop<Buffer>,
    constant: ConstSlice,
}

/// A message frame.
#[repr(C, align(8))]
pub struct Msg {
    kind: u8,
    flags: u8,
    inline_len: u8,
    _reserved: u8,
    routing_id: u32,
    payload: Payload,
    metadata: Option<SharedMetadata>,
}

const _: () = assert!(std::mem::size_of::<Msg>() == 64);
const _: () = assert!(std::mem::align_of::<Msg>() == 8);

// SAFETY: every payload variant is Send: inline bytes, a Buffer (Send), or constant
// data whose owner promised (zmq_send_const) it stays valid and unchanged.
unsafe impl Send for Msg {}

impl Default for Msg {
    fn default() -> Self {
        Msg::new()
    }
}

impl Msg {
    /// An empty message.
    pub const fn new() -> Msg {
        Msg {
            kind: kind::INLINE,
            flags: 0,
            inline_len: 0,
            _reserved: 0,
            routing_id: 0,
            payload: Payload {
                inline: [0; INLINE_CAPACITY],
            },
            metadata: None,
        }
    }

    /// A message of `len` bytes for the caller to fill (`zmq_msg_init_size`). Large
    /// contents are allocated but not initialised, as in libzmq.
    pub fn with_size(len: usize) -> Option<Msg> {
        if len <= INLINE_CAPACITY {
            let mut m = Msg::new();
            m.inline_len = len as u8;
            return Some(m);
        }
        Some(Msg::from_buffer(Buffer::alloc(len)?))
    }

    /// A message holding a copy of `bytes`, for the library's own small messages (ids,
    /// notices, monitor events); aborts like `Vec` when memory is exhausted. Bytes of a
    /// size a caller or a peer chose go through `try_from_slice`.
    pub fn from_slice(bytes: &[u8]) -> Msg {
        match Msg::try_from_slice(bytes) {
            Some(m) => m,
            None => std::alloc::handle_alloc_error(std::alloc::Layout::new::<u8>()),
        }
    }

    /// A message holding a copy of `bytes`; None when the memory cannot be allocated.
    pub fn try_from_slice(bytes: &[u8]) -> Option<Msg> {
        if bytes.len() <= INLINE_CAPACITY {
            let mut m = Msg::new();
            m.inline_len = bytes.len() as u8;
            // SAFETY: kind is INLINE, the inline arm is active.
            unsafe { m.payload.inline[..bytes.len()].copy_from_slice(bytes) };
            return Some(m);
        }
        Buffer::copy_from(bytes).map(Msg::from_buffer)
    }

    /// A message holding a copy of the `len` bytes at `data` (`zmq_send`): the storage is
    /// allocated first, so an impossible size is None (ENOMEM, as in libzmq) before
    /// `data` is ever looked at.
    ///
    /// # Safety
    /// When the allocation succeeds and `len > 0`, `data` must be readable for `len` bytes.
    pub unsafe fn copy_from_raw(data: *const u8, len: usize) -> Option<Msg> {
        let mut m = Msg::with_size(len)?;
        if len > 0 {
            let dest = m.data_mut()?;
            // SAFETY: `dest` is a fresh, unshared buffer of `len` bytes; the caller
            // guarantees `data` is readable for `len` bytes.
            unsafe { std::ptr::copy_nonoverlapping(data, dest.as_mut_ptr(), len) };
        }
        Some(m)
    }

    /// A message viewing a shared buffer.
    pub fn from_buffer(buffer: Buffer) -> Msg {
        let mut m = Msg::new();
        m.kind = kind::SHARED;
        m.payload = Payload {
            shared: ManuallyDrop::new(buffer),
        };
        m
    }

    /// A message over user memory (`zmq_msg_init_data`): `ffn(data, hint)` is called
    /// exactly once, when the last copy of the message is dropped.
    ///
    /// # Safety
    /// `data` must stay valid for `len` bytes until `ffn` is called.
    pub unsafe fn from_user(
        data: *mut u8,
        len: usize,
        ffn: FreeFn,
        hint: *mut c_void,
    ) -> Option<Msg> {
        // SAFETY: the caller's contract is `Buffer::from_user`'s.
        Some(Msg::from_buffer(unsafe {
            Buffer::from_user(data, len, ffn, hint)
        }?))
    }

    /// A message over constant memory that is never freed (`zmq_send_const`, or
    /// `zmq_msg_init_data` without a free function).
    ///
    /// # Safety
    /// `data` must stay valid and unchanged for `len` bytes for as long as any copy of
    /// the message exists.
    pub unsafe fn from_const(data: *const u8, len: usize) -> Msg {
        let mut m = Msg::new();
        m.kind = kind::CONSTANT;
        m.payload = Payload {
            constant: ConstSlice { ptr: data, len },
        };
        m
    }

    /// The marker a pipe's writer leaves when it goes away.
    pub(crate) fn delimiter() -> Msg {
        let mut m = Msg::new();
        m.kind = kind::DELIMITER;
        m
    }

    pub fn is_delimiter(&self) -> bool {
        self.kind == kind::DELIMITER
    }

    /// The payload bytes.
    #[inline]
    pub fn data(&self) -> &[u8] {
        // SAFETY: the union is read according to `kind`, which is set with it.
        unsafe {
            match self.kind {
                kind::SHARED => self.payload.shared.as_slice(),
                kind::CONSTANT => {
                    let c = self.payload.constant;
                    if c.len == 0 {
                        &[]
                    } else {
                        std::slice::from_raw_parts(c.ptr, c.len)
                    }
                }
                _ => &self.payload.inline[..self.inline_len as usize],
            }
        }
    }

    /// Where C may write the payload (`zmq_msg_data`).
    pub fn data_ptr(&mut self) -> *mut u8 {
        // SAFETY: as in `data`.
        unsafe {
            match self.kind {
                kind::SHARED => self.payload.shared.as_mut_ptr(),
                kind::CONSTANT => self.payload.constant.ptr as *mut u8,
                _ => self.payload.inline.as_mut_ptr(),
            }
        }
    }

    /// A writable view of an inline or uniquely owned payload (None when shared).
    pub fn data_mut(&mut self) -> Option<&mut [u8]> {
        match self.kind {
            kind::INLINE | kind::DELIMITER => {
                let len = self.inline_len as usize;
                // SAFETY: inline arm active.
                Some(unsafe { &mut self.payload.inline[..len] })
            }
            // SAFETY: shared arm active; unique owner so nobody else reads the bytes.
            kind::SHARED if !unsafe { self.payload.shared.is_shared() } => {
                // SAFETY: shared arm active.
                let (ptr, len) =
                    unsafe { (self.payload.shared.as_mut_ptr(), self.payload.shared.len()) };
                if len == 0 {
                    return Some(&mut []);
                }
                // SAFETY: unique reference to len valid bytes.
                Some(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
            }
            _ => None,
        }
    }

    /// Keeps only `range` of the payload (clamped to it): a narrower view of a shared
    /// buffer (no copy), the bytes moved down for an inline one. The engine opens a CURVE
    /// box in place and keeps just its plaintext this way.
    pub fn narrow(&mut self, range: std::ops::Range<usize>) {
        let end = range.end.min(self.len());
        let start = range.start.min(end);
        match self.kind {
            kind::SHARED => {
                // SAFETY: shared arm active; the old view is replaced (and released) by
                // a view of part of the same bytes.
                unsafe {
                    let piece = self.payload.shared.slice(start, end - start);
                    ManuallyDrop::drop(&mut self.payload.shared);
                    self.payload.shared = ManuallyDrop::new(piece);
                }
            }
            kind::CONSTANT => {
                // SAFETY: constant arm active; the narrowed range lies within it.
                unsafe {
                    let c = &mut self.payload.constant;
                    c.ptr = c.ptr.wrapping_add(start);
                    c.len = end - start;
                }
            }
            _ => {
                // SAFETY: inline arm active (DELIMITER is an empty inline payload).
                unsafe { self.payload.inline.copy_within(start..end, 0) };
                self.inline_len = (end - start) as u8;
            }
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        match self.kind {
            // SAFETY: as in `data`.
            kind::SHARED => unsafe { self.payload.shared.len() },
            // SAFETY: constant arm active.
            kind::CONSTANT => unsafe { self.payload.constant.len },
            _ => self.inline_len as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    pub fn flags(&self) -> u8 {
        self.flags
    }

    #[inline]
    pub fn more(&self) -> bool {
        self.flags & flags::MORE != 0
    }

    #[inline]
    pub fn set_more(&mut self, more: bool) {
        if more {
            self.flags |= flags::MORE;
        } else {
            self.flags &= !flags::MORE;
        }
    }

    pub fn set_flags(&mut self, f: u8) {
        self.flags |= f;
    }

    pub fn reset_flags(&mut self, f: u8) {
        self.flags &= !f;
    }

    pub fn is_routing_id(&self) -> bool {
        self.flags & flags::ROUTING_ID != 0
    }

    /// True when the bytes are shared with another message or constant (`ZMQ_SHARED`).
    pub fn is_shared(&self) -> bool {
        match self.kind {
            // SAFETY: shared arm active.
            kind::SHARED => unsafe { self.payload.shared.is_shared() },
            kind::CONSTANT => true,
            _ => false,
        }
    }

    /// Another message with the same bytes and properties: large payloads are shared, not
    /// copied (`zmq_msg_copy`, PUB fan-out).
    pub fn share(&self) -> Msg {
        let mut m = Msg {
            kind: self.kind,
            flags: self.flags,
            inline_len: self.inline_len,
            _reserved: 0,
            routing_id: self.routing_id,
            payload: Payload {
                inline: [0; INLINE_CAPACITY],
            },
            metadata: self.metadata.clone(),
        };
        // SAFETY: the union is copied according to `kind`.
        unsafe {
            match self.kind {
                kind::SHARED => m.payload.shared = ManuallyDrop::new(self.payload.shared.share()),
                kind::CONSTANT => m.payload.constant = self.payload.constant,
                _ => m.payload.inline = self.payload.inline,
            }
        }
        m
    }

    pub fn metadata(&self) -> Option<&SharedMetadata> {
        self.metadata.as_ref()
    }

    pub fn set_metadata(&mut self, metadata: Option<SharedMetadata>) {
        self.metadata = metadata;
    }

    /// The routing id attached to the message (draft CLIENT/SERVER API), 0 if none.
    pub fn routing_id(&self) -> u32 {
        self.routing_id
    }

    pub fn set_routing_id(&mut self, id: u32) {
        self.routing_id = id;
    }

    /// The message's group (draft RADIO/DISH API), empty if none.
    ///
    /// It travels with the message's properties (a `Msg` has no room of its own for
    /// 255 bytes), so a socket that clears those on send drops it; RADIO must read it
    /// first.
    pub fn group(&self) -> &CStr {
        self.metadata
            .as_ref()
            .and_then(|m| m.get(GROUP_PROPERTY))
            .unwrap_or(c"")
    }

    /// Sets the group; EINVAL above `GROUP_MAX_LENGTH` bytes or with a NUL byte.
    pub fn set_group(&mut self, group: &[u8]) -> Result<(), crate::error::Error> {
        if group.len() > GROUP_MAX_LENGTH || group.contains(&0) {
            return Err(crate::error::Error::Inval);
        }
        let mut properties = self.metadata.as_deref().cloned().unwrap_or_default();
        properties.insert(GROUP_PROPERTY, group);
        self.metadata = Some(SharedMetadata::new(properties));
        Ok(())
    }

    /// Drops the message's properties except its group (what RADIO sends with).
    pub fn keep_only_group(&mut self) {
        let Some(metadata) = self.metadata.take() else {
            return;
        };
        if let Some(group) = metadata.get(GROUP_PROPERTY) {
            if metadata.len() == 1 {
                self.metadata = Some(metadata);
            } else {
                let _ = self.set_group(group.to_bytes());
            }
        }
    }

    /// Checks that `storage` holds a live message (libzmq's `msg_t::check`).
    ///
    /// # Safety
    /// `storage` must point to 64 readable bytes.
    pub unsafe fn is_valid(storage: *const Msg) -> bool {
        // SAFETY: the caller guarantees 64 readable bytes; bytes 0 (kind) and 2 (inline
        // length) are plain bytes whatever they hold.
        let (k, inline_len) = unsafe {
            (
                *(storage as *const u8),
                *(storage as *const u8).add(2) as usize,
            )
        };
        matches!(
            k,
            kind::INLINE | kind::SHARED | kind::CONSTANT | kind::DELIMITER
        ) && (k != kind::INLINE || inline_len <= INLINE_CAPACITY)
    }

    /// Drops the message in `storage` and marks it closed.
    ///
    /// # Safety
    /// `storage` must hold a valid message (see `is_valid`).
    pub unsafe fn close_in_place(storage: *mut Msg) {
        // SAFETY: the caller guarantees a valid message, dropped exactly once here; the
        // bytes are then overwritten with the closed marker, which is no message.
        unsafe {
            std::ptr::drop_in_place(storage);
            std::ptr::write_bytes(storage as *mut u8, 0, std::mem::size_of::<Msg>());
            *(storage as *mut u8) = kind::CLOSED;
        }
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        if self.kind == kind::SHARED {
            // SAFETY: shared arm active; dropped exactly once here.
            unsafe { ManuallyDrop::drop(&mut self.payload.shared) };
        }
    }
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Msg")
            .field("len", &self.len())
            .field("flags", &self.flags)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_messages_are_inline_and_large_ones_shared() {
        let small = Msg::from_slice(b"hello");
        assert_eq!(small.data(), b"hello");
        assert!(!small.is_shared());
        let big = Msg::from_slice(&[9u8; 1000]);
        let copy = big.share();
        assert!(big.is_shared());
        assert_eq!(copy.data(), &[9u8; 1000][..]);
        drop(copy);
        assert!(!big.is_shared());
    }

    #[test]
    fn with_size_gives_writable_storage() {
        for len in [0usize, 1, 48, 49, 70000] {
            let mut m = Msg::with_size(len).unwrap();
            assert_eq!(m.len(), len);
            m.data_mut().unwrap().fill(3);
            assert!(m.data().iter().all(|&b| b == 3));
        }
    }

    #[test]
    fn impossible_sizes_are_none_not_an_abort() {
        assert!(Msg::with_size(usize::MAX).is_none());
        assert!(Msg::with_size(1 << 62).is_none());
        // SAFETY: the allocation fails first, so the dangling pointer is never read.
        let copy = unsafe { Msg::copy_from_raw(std::ptr::NonNull::dangling().as_ptr(), 1 << 62) };
        assert!(copy.is_none());
        let bytes: Vec<u8> = (0..100u8).collect();
        // SAFETY: `bytes` is readable for its length.
        let copy = unsafe { Msg::copy_from_raw(bytes.as_ptr(), bytes.len()) }.unwrap();
        assert_eq!(copy.data(), &bytes[..]);
        assert_eq!(Msg::try_from_slice(b"abc").unwrap().data(), b"abc");
    }

    #[test]
    fn narrow_keeps_a_view_of_the_range() {
        let bytes: Vec<u8> = (0..200u8).collect();
        let mut big = Msg::from_slice(&bytes);
        big.narrow(33..150);
        assert_eq!(big.data(), &bytes[33..150]);
        assert!(!big.is_shared(), "the narrowed view is the sole owner");
        big.data_mut().unwrap()[0] = 7;
        assert_eq!(big.data()[0], 7);

        let mut small = Msg::from_slice(&bytes[..40]);
        small.narrow(10..30);
        assert_eq!(small.data(), &bytes[10..30]);

        let mut clamped = Msg::from_slice(b"abc");
        clamped.narrow(2..99);
        assert_eq!(clamped.data(), b"c");
        clamped.narrow(5..9);
        assert!(clamped.is_empty());
    }

    #[test]
    fn validity_and_close() {
        let mut m = std::mem::MaybeUninit::<Msg>::uninit();
        // SAFETY: the storage is written before it is read, and closed once.
        unsafe {
            m.as_mut_ptr().write(Msg::from_slice(&[1u8; 100]));
            assert!(Msg::is_valid(m.as_ptr()));
            Msg::close_in_place(m.as_mut_ptr());
            assert!(!Msg::is_valid(m.as_ptr()));
        }
    }
}
