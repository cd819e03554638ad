//! CURVE security (CurveZMQ, RFC 26). So far: the long-term key helpers behind
//! `zmq_curve_keypair` and `zmq_curve_public`; the mechanism itself comes next.
//! All cryptography goes through `crypto_box` (RustCrypto's libsodium-compatible
//! X25519/XSalsa20-Poly1305); secrets are zeroized when dropped.

pub mod keys;
