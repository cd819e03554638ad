//! Handles given to C. Every object a C program holds a `void *` to (context, socket,
//! timer set, atomic counter, thread, stopwatch, draft poller) lives in a `Handle<T>`,
//! and this file is the only place that allocates one, checks one or takes an object
//! back. A new kind is one more line of the `kinds!` table.
//!
//! One lifetime policy for every kind:
//! * A handle starts with a tag word: the kind's `LIVE` tag while C holds the object,
//!   `DEAD` once it is destroyed. Every call checks the tag before touching anything
//!   else, as libzmq's `check_tag` does; the check is a NULL/alignment test and one
//!   atomic load (a plain load on x86), with no lock and no lookup, because it sits on
//!   the `zmq_send`/`zmq_recv` path.
//! * Handle memory is never given back to the allocator. A destroyed handle goes on
//!   its kind's free list and is reused for the next object of that kind. So a stale
//!   pointer always points at a handle: a second destroy, or any call after the
//!   first, reads `DEAD` and fails with the kind's errno (`ENOTSOCK` for sockets,
//!   `EFAULT` for the rest, as libzmq's checks report) without touching freed memory,
//!   where libzmq reads or frees it again. Memory held is the peak number of live
//!   objects of each kind.
//! * Destroying swaps the tag from `LIVE` to `DEAD` in one compare-and-swap, so of two
//!   racing destroys exactly one takes the object; the other fails like a stale one.
//! * A new object's value is written before its `LIVE` tag is published (Release; the
//!   checks load with Acquire), so whoever sees `LIVE` sees the whole object.
//!
//! * A handle also has a lock, outside its value so that it outlives every object the
//!   handle holds. Sockets are reached only through it (`lock`): calls on one socket
//!   are serialised, which is what a thread-safe socket needs, and what keeps a classic
//!   socket used from two threads at once (a bug in the program, libzmq corrupts
//!   itself) from doing more than wait its turn. The lock is uncontended on the usual
//!   path, one atomic read-modify-write to lock and a plain store to unlock. The tag is read again under the lock:
//!   a socket closed while a caller waited for the lock fails like a stale one.
//!
//! What stays the caller's duty, as in libzmq: a stale pointer whose handle has been
//! reused names the newer object of the same kind; and an object must not be destroyed
//! while another thread is inside a call on it.

use super::poller::PollerHandle;
use super::thread::{AppThread, Stopwatch};
use super::timers::TimerSet;
use crate::atomic_counter::AtomicCounter;
use crate::ctx::Context;
use crate::error::{Error, Result};
use crate::socket::Socket;
use parking_lot::Mutex;
use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

/// The tag of a destroyed handle, whatever its kind.
const DEAD: u32 = 0xDEAD_BEEF;

/// An object C holds through a `void *`.
pub trait Kind: Sized + 'static {
    /// The tag of a live handle of this kind, unlike every other kind's and `DEAD`.
    const LIVE: u32;
    /// What a call fails with when its pointer is not a live handle of this kind.
    const NOT_LIVE: Error;
    /// Destroyed handles of this kind, kept for the next object.
    fn free_list() -> &'static FreeList<Self>;
}

/// What a `void *` given to C points to.
#[repr(C)]
pub struct Handle<T> {
    /// First in every kind, so a pointer of any kind (or none) is checked the same way.
    tag: AtomicU32,
    /// Serialises `lock` callers and destroy; never overwritten when the handle is
    /// reused, so a caller that found the handle live may always take it.
    lock: HandleLock,
    /// Initialised exactly while `tag` is `T::LIVE`.
    value: UnsafeCell<MaybeUninit<T>>,
}

/// A handle's lock, made for the uncontended path every socket call takes: one
/// compare-and-swap to lock and a plain release store to unlock (a parked-waiter mutex
/// needs a second read-modify-write there). A waiter spins briefly, then yields, then
/// naps: contention is short on a thread-safe socket (its calls hold the lock for one
/// attempt, never while they wait) and a program bug on a classic one.
struct HandleLock(AtomicBool);

impl HandleLock {
    #[inline]
    fn lock(&self) {
        if self
            .0
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
    }

    #[cold]
    fn lock_contended(&self) {
        let mut tries = 0u32;
        loop {
            if !self.0.load(Ordering::Relaxed)
                && self
                    .0
                    .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                return;
            }
            tries = tries.saturating_add(1);
            if tries < 64 {
                std::hint::spin_loop();
            } else if tries < 256 {
                std::thread::yield_now();
            } else {
                std::thread::sleep(Duration::from_micros(50));
            }
        }
    }

    /// Only by the holder.
    #[inline]
    fn unlock(&self) {
        self.0.store(false, Ordering::Release);
    }
}

/// Destroyed handles of one kind.
pub struct FreeList<T>(Mutex<Vec<FreeHandle<T>>>);

/// A destroyed handle, owned by the free list until it is reused.
struct FreeHandle<T>(NonNull<Handle<T>>);

// SAFETY: a handle on a free list holds no `T` (its value is uninitialised), only
// memory, which passes to whichever thread pops it.
unsafe impl<T> Send for FreeHandle<T> {}

impl<T> FreeList<T> {
    const fn new() -> Self {
        FreeList(Mutex::new(Vec::new()))
    }
}

/// Declares the kinds with their tags and errors, and checks that the tags differ.
macro_rules! kinds {
    ($($kind:ty => $tag:expr, $not_live:expr;)*) => {
        $(
            impl Kind for $kind {
                const LIVE: u32 = $tag;
                const NOT_LIVE: Error = $not_live;
                fn free_list() -> &'static FreeList<Self> {
                    static FREE: FreeList<$kind> = FreeList::new();
                    &FREE
                }
            }
        )*
        const _: () = assert!(all_distinct(&[DEAD, $($tag),*]), "handle tags must differ");
    };
}

kinds! {
    Context => 0xABAD_CAFE, Error::Fault;
    Socket => 0xBADC_AFE0, Error::NotSock;
    TimerSet => 0x7A71_3E75, Error::Fault;
    AtomicCounter => 0xC04E_7E12, Error::Fault;
    AppThread => 0x7EAD_0001, Error::Fault;
    Stopwatch => 0x5700_3A7C, Error::Fault;
    PollerHandle => 0xCAFE_BABE, Error::Fault;
}

const fn all_distinct(tags: &[u32]) -> bool {
    let mut i = 0;
    while i < tags.len() {
        let mut j = i + 1;
        while j < tags.len() {
            if tags[i] == tags[j] {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}

/// Gives `value` to C as a live handle of its kind, reusing a destroyed one if any.
pub fn into_c<T: Kind>(value: T) -> *mut c_void {
    let reused = T::free_list().0.lock().pop();
    let handle = match reused {
        Some(FreeHandle(handle)) => {
            // SAFETY: a handle on the free list is valid memory tagged DEAD, with an
            // uninitialised value that no check will read until the tag says LIVE; we
            // popped it, so no one else writes it.
            unsafe { (*handle.as_ref().value.get()).write(value) };
            handle
        }
        None => NonNull::from(Box::leak(Box::new(Handle {
            tag: AtomicU32::new(DEAD),
            lock: HandleLock(AtomicBool::new(false)),
            value: UnsafeCell::new(MaybeUninit::new(value)),
        }))),
    };
    // SAFETY: `handle` is valid memory that this file never frees.
    unsafe { handle.as_ref() }
        .tag
        .store(T::LIVE, Ordering::Release);
    handle.as_ptr().cast()
}

/// The handle behind `ptr` if it is a live one of kind `T`.
///
/// # Safety
/// `ptr` is NULL or its first four bytes are readable (libzmq reads its tag the same
/// way); true of any pointer this file handed out, live or destroyed.
#[inline]
unsafe fn live<T: Kind>(ptr: *mut c_void) -> Result<&'static Handle<T>> {
    let handle = ptr.cast::<Handle<T>>();
    if handle.is_null() || !handle.is_aligned() {
        return Err(T::NOT_LIVE);
    }
    // SAFETY: non-NULL, aligned, and the caller promises the tag word is readable; the
    // reference covers the tag alone, since a foreign pointer may point at no more.
    let tag = unsafe { &*std::ptr::addr_of!((*handle).tag) };
    if tag.load(Ordering::Acquire) != T::LIVE {
        return Err(T::NOT_LIVE);
    }
    // SAFETY: tagged LIVE for `T`, so `ptr` came from `into_c::<T>`: a whole handle,
    // never freed.
    Ok(unsafe { &*handle })
}

/// The object behind a C pointer, shared: `T::NOT_LIVE` unless `ptr` is a live handle
/// of kind `T`.
///
/// # Safety
/// As `live`; and the object is not destroyed while the reference is in use.
#[inline]
pub unsafe fn get<'a, T: Kind>(ptr: *mut c_void) -> Result<&'a T> {
    // SAFETY: forwarded caller contract.
    let handle = unsafe { live::<T>(ptr)? };
    // SAFETY: tagged LIVE (loaded with Acquire after `into_c` wrote the value and
    // published the tag with Release), so the value is initialised; the caller keeps
    // it from being destroyed while borrowed.
    Ok(unsafe { (*handle.value.get()).assume_init_ref() })
}

/// The object behind a C pointer, exclusive for as long as the guard lives (other
/// callers of `lock` and `destroy` wait). `T::NOT_LIVE` unless `ptr` is a live handle of
/// kind `T`, before or after waiting for the lock.
///
/// # Safety
/// As `live`. Unlike `get`, the object may be destroyed concurrently: destroy waits for
/// the guard.
#[inline]
pub unsafe fn lock<T: Kind>(ptr: *mut c_void) -> Result<Locked<T>> {
    // SAFETY: forwarded caller contract.
    let handle = unsafe { live::<T>(ptr)? };
    handle.lock.lock();
    let locked = Locked {
        handle,
        not_send: PhantomData,
    };
    // Destroyed (or destroyed and reused) while we waited: the guard unlocks on drop.
    if handle.tag.load(Ordering::Acquire) != T::LIVE {
        return Err(T::NOT_LIVE);
    }
    Ok(locked)
}

/// Exclusive use of a live object, from `lock`.
pub struct Locked<T: 'static> {
    handle: &'static Handle<T>,
    /// Unlocked by the thread that locked it.
    not_send: PhantomData<*const ()>,
}

impl<T> Deref for Locked<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the tag was LIVE under the lock and destroy takes the lock first, so
        // the value stays initialised while this guard lives.
        unsafe { (*self.handle.value.get()).assume_init_ref() }
    }
}

impl<T> DerefMut for Locked<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; the lock makes this the only reference handed out.
        unsafe { (*self.handle.value.get()).assume_init_mut() }
    }
}

impl<T> Drop for Locked<T> {
    #[inline]
    fn drop(&mut self) {
        // This guard holds the lock, taken in `lock`.
        self.handle.lock.unlock();
    }
}

/// Takes the object back from C. From here on the handle is `DEAD`: a second destroy
/// or any later call fails with `T::NOT_LIVE`. Of two racing destroys one gets the
/// object and the other fails.
///
/// # Safety
/// As `live`; and no reference to the object from `get` is still in use (guards from
/// `lock` are waited for).
pub unsafe fn destroy<T: Kind>(ptr: *mut c_void) -> Result<T> {
    // SAFETY: forwarded caller contract.
    let handle = unsafe { live::<T>(ptr)? };
    handle.lock.lock();
    if handle
        .tag
        .compare_exchange(T::LIVE, DEAD, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        handle.lock.unlock();
        return Err(T::NOT_LIVE);
    }
    // SAFETY: this call swapped LIVE for DEAD, so the value is initialised, no other
    // destroy will read it and no check will hand it out again; no guard from `lock`
    // exists (we hold the lock) and the caller promises no reference from `get` is in
    // use. It is moved out exactly once, here.
    let value = unsafe { (*handle.value.get()).assume_init_read() };
    // The value is out: the next `lock` caller reads DEAD and touches nothing else.
    handle.lock.unlock();
    T::free_list()
        .0
        .lock()
        .push(FreeHandle(NonNull::from(handle)));
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_destroyed_handle_fails_with_its_kinds_error_and_is_reused() {
        let counter = AtomicCounter::new();
        counter.set(41);
        let ptr = into_c(counter);
        // SAFETY: every pointer here came from `into_c`; nothing is borrowed across a
        // destroy.
        unsafe {
            assert_eq!(get::<AtomicCounter>(ptr).map(|c| c.inc()), Ok(41));
            assert_eq!(destroy::<AtomicCounter>(ptr).map(|c| c.value()), Ok(42));
            assert_eq!(destroy::<AtomicCounter>(ptr).err(), Some(Error::Fault));
            assert!(get::<AtomicCounter>(ptr).is_err());
            let again = into_c(AtomicCounter::new());
            assert_eq!(get::<AtomicCounter>(again).map(|c| c.value()), Ok(0));
            assert!(destroy::<AtomicCounter>(again).is_ok());
        }
    }

    #[test]
    fn a_handle_of_another_kind_or_no_handle_is_not_live() {
        let ptr = into_c(AtomicCounter::new());
        let mut words = [0u64; 8];
        let foreign = words.as_mut_ptr().cast::<c_void>();
        // SAFETY: every pointer points at readable memory of at least a tag word.
        unsafe {
            assert_eq!(get::<Stopwatch>(ptr).err(), Some(Error::Fault));
            assert_eq!(lock::<Socket>(ptr).err(), Some(Error::NotSock));
            assert_eq!(get::<Context>(foreign).err(), Some(Error::Fault));
            let misaligned = foreign.cast::<u8>().add(1).cast::<c_void>();
            assert_eq!(lock::<Socket>(misaligned).err(), Some(Error::NotSock));
            assert_eq!(
                get::<Context>(std::ptr::null_mut()).err(),
                Some(Error::Fault)
            );
            assert!(destroy::<AtomicCounter>(ptr).is_ok());
        }
    }

    /// A handle pointer sent to another thread.
    struct SendPtr(*mut c_void);
    // SAFETY: handles are never freed and `destroy` is safe to race.
    unsafe impl Send for SendPtr {}

    impl SendPtr {
        /// Taken whole by a closure (a field access would capture the bare pointer).
        fn into_inner(self) -> *mut c_void {
            self.0
        }
    }

    #[test]
    fn of_racing_destroys_exactly_one_wins() {
        for _ in 0..20 {
            let ptr = into_c(AtomicCounter::new());
            let racers: Vec<_> = (0..2)
                .map(|_| {
                    let ptr = SendPtr(ptr);
                    std::thread::spawn(move || {
                        let ptr = ptr.into_inner();
                        // SAFETY: the handle is never freed; no reference outlives this.
                        unsafe { destroy::<AtomicCounter>(ptr) }.is_ok()
                    })
                })
                .collect();
            let wins = racers
                .into_iter()
                .map(|racer| racer.join().unwrap_or(false))
                .filter(|&won| won)
                .count();
            assert_eq!(wins, 1);
        }
    }
}
