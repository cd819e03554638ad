//! The C ABI. Every exported function checks its pointers, converts its arguments, calls
//! one method of the safe API and maps the `Result` to libzmq's return value and errno,
//! all inside `boundary::guard`. No behaviour lives here.
//!
//! The safety contract of each exported function is the one libzmq documents for it
//! (valid pointers, one thread per socket at a time), so the functions carry no
//! separate `# Safety` sections.
//!
//! Unsafe code here follows the crate's rules (`[lints]` in Cargo.toml): an `unsafe fn`
//! does its unsafe operations in explicit `unsafe` blocks, and every block says why it
//! is sound.
#![allow(clippy::missing_safety_doc)]

pub mod atomic_counter;
pub mod boundary;
pub mod ctx;
pub mod curve;
pub mod errno;
pub mod handles;
pub mod info;
pub mod msg;
pub mod poll;
pub mod poller;
pub mod proxy;
pub mod socket;
pub mod thread;
pub mod timers;
pub mod types;
pub mod z85;
