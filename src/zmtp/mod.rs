//! ZMTP, the ZeroMQ wire protocol, as sans-IO state machines.
//!
//! Nothing here touches a socket, a thread or a clock: the engine (one connection's I/O
//! driver) hands in the bytes it read and the current `Instant`, and takes out bytes to
//! write, decoded frames and events. Every protocol case, including hostile input, is
//! therefore a plain unit test.
//!
//! [`connection::Connection`] puts the pieces below together into one connection's
//! protocol; the engine drives that. The pieces, in the order a connection uses them:
//! 1. [`greeting::GreetingExchange`]: write what `take_output` gives, `feed` what arrives,
//!    until it reports the peer's [`greeting::PeerVersion`] (ZMTP 1.0, 2.0, 3.0 or 3.1).
//! 2. Pick the [`frame::Framing`] for that version and decode/encode with
//!    [`frame::Decoder`] / [`frame::Encoder`].
//! 3. For 3.x peers, run the security handshake ([`mechanism::Mechanism`]: NULL,
//!    PLAIN or CURVE, with ZAP requests as [`zap`] frames) on COMMAND frames; metadata
//!    arrives as [`metadata::Metadata`]. CURVE then boxes every frame as a MESSAGE.
//! 4. After the handshake, feed [`heartbeat::Heartbeat`] with traffic and PINGs, arm a
//!    timer at its `next_timeout`, and send the commands it produces.
//! 5. Subscriptions travel as commands or as `0x01`/`0x00` messages depending on the
//!    peer's version: [`subscription`].
//!
//! Failures are [`ProtocolError`] values that name the `ZMQ_PROTOCOL_ERROR_ZMTP_*` code the
//! engine reports to a monitor; nothing here panics on peer input.

pub mod command;
pub mod connection;
pub mod curve;
pub mod error;
pub mod frame;
pub mod greeting;
pub mod heartbeat;
pub mod mechanism;
pub mod metadata;
pub mod null;
pub mod plain;
pub mod subscription;
pub mod zap;

#[cfg(test)]
mod fuzz_tests;

pub use error::ProtocolError;
