//! The long-term CURVE key helpers behind `zmq_curve_keypair` and `zmq_curve_public`
//! (the mechanism itself, CurveZMQ of RFC 26, is `zmtp::curve`).
//! All cryptography goes through `zmtp::curve::boxes` (libsodium); secrets are wiped
//! when dropped.

pub mod keys;
