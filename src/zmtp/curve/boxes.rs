//! The one door to the cryptography: X25519 key pairs and `crypto_box`
//! (XSalsa20-Poly1305 under HSalsa20 of the X25519 secret), all from libsodium, the
//! audited library libzmq itself uses for CURVE. Its vectorised XSalsa20 is what makes
//! CURVE fast (the pure-Rust `salsa20` crate has no SIMD backend and ran at a quarter of
//! its speed: see the security issue's note).
//!
//! A sealed box is written as libsodium's `crypto_box_easy` writes it: the 16-byte
//! Poly1305 MAC, then the ciphertext. [`Cipher`] is the precomputed shared key
//! (`crypto_box_beforenm`), so `seal`/`open` are the `*_detached_afternm` calls, done in
//! place. Secrets are wiped when dropped: secret keys, shared keys and [`SecretBytes`]
//! (plaintexts that hold key material).

use std::ffi::{c_int, c_ulonglong, c_void};
use std::ops::Deref;
use std::sync::atomic::{compiler_fence, AtomicBool, Ordering};
use std::sync::Arc;

pub const KEY_LEN: usize = 32;
pub const MAC_LEN: usize = 16;
pub const NONCE_LEN: usize = 24;

/// The few libsodium functions CURVE needs (libsodium >= 1.0.14 for the detached box
/// calls; Debian ships 1.0.18). Linked by build.rs.
mod sodium {
    use super::*;

    extern "C" {
        pub fn sodium_init() -> c_int;
        pub fn randombytes_buf(buf: *mut c_void, size: usize);
        pub fn crypto_scalarmult_base(q: *mut u8, n: *const u8) -> c_int;
        pub fn crypto_box_beforenm(k: *mut u8, pk: *const u8, sk: *const u8) -> c_int;
        pub fn crypto_box_detached_afternm(
            c: *mut u8,
            mac: *mut u8,
            m: *const u8,
            mlen: c_ulonglong,
            n: *const u8,
            k: *const u8,
        ) -> c_int;
        pub fn crypto_box_open_detached_afternm(
            m: *mut u8,
            c: *const u8,
            mac: *const u8,
            clen: c_ulonglong,
            n: *const u8,
            k: *const u8,
        ) -> c_int;
    }

    /// libsodium must be initialised before its first use. `sodium_init` is thread-safe
    /// and idempotent, so a flag that skips the call later is enough (a `Once` caught
    /// running by `fork` would hang a child that does CURVE).
    pub fn ready() {
        static DONE: AtomicBool = AtomicBool::new(false);
        if !DONE.load(Ordering::Acquire) {
            // SAFETY: sodium_init has no preconditions and is safe to call repeatedly.
            unsafe { sodium_init() };
            DONE.store(true, Ordering::Release);
        }
    }
}

/// 32 secret bytes, wiped when dropped.
struct Secret([u8; KEY_LEN]);

impl Drop for Secret {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// An X25519 key pair.
#[cfg_attr(test, derive(Clone))]
pub struct KeyPair {
    secret: SecretBytes,
    public: [u8; KEY_LEN],
}

impl KeyPair {
    /// A fresh random pair (the short-term keys C'/S', one per connection).
    pub fn generate() -> KeyPair {
        let mut secret: [u8; KEY_LEN] = random();
        let pair = KeyPair::from_secret(&secret);
        wipe(&mut secret);
        pair
    }

    /// The pair of a known secret key (the long-term `ZMQ_CURVE_SECRETKEY`).
    pub fn from_secret(secret: &[u8; KEY_LEN]) -> KeyPair {
        sodium::ready();
        let mut public = [0u8; KEY_LEN];
        // SAFETY: both buffers are 32 bytes, as crypto_scalarmult_base requires. It only
        // fails for an all-zero result, impossible with the clamped base-point product.
        unsafe { sodium::crypto_scalarmult_base(public.as_mut_ptr(), secret.as_ptr()) };
        KeyPair {
            secret: SecretBytes(secret.to_vec()),
            public,
        }
    }

    pub fn public(&self) -> &[u8; KEY_LEN] {
        &self.public
    }

    /// A copy of the secret key, wiped when dropped.
    pub fn secret_bytes(&self) -> SecretBytes {
        self.secret.clone_secret()
    }
}

/// A precomputed box key between our secret key and a peer's public key.
/// (Shared so that tests can snapshot a connection; it is never mutated.)
#[derive(Clone)]
pub struct Cipher(Arc<Secret>);

impl Cipher {
    pub fn new(peer_public: &[u8; KEY_LEN], ours: &KeyPair) -> Cipher {
        sodium::ready();
        let mut key = Secret([0u8; KEY_LEN]);
        // SAFETY: all three buffers are 32 bytes.
        let rc = unsafe {
            sodium::crypto_box_beforenm(
                key.0.as_mut_ptr(),
                peer_public.as_ptr(),
                ours.secret.as_ptr(),
            )
        };
        if rc != 0 {
            // A low-order peer key gives a shared secret anyone knows; libsodium refuses
            // it. A random key nobody knows makes every box of this peer fail to open,
            // so its handshake fails like any other bad box.
            key.0 = random();
        }
        Cipher(Arc::new(key))
    }

    /// Appends `MAC (16) + ciphertext` of `plaintext` to `out`.
    pub fn seal_into(&self, nonce: &[u8; NONCE_LEN], plaintext: &[u8], out: &mut Vec<u8>) {
        let mac_at = out.len();
        out.resize(mac_at + MAC_LEN, 0);
        out.extend_from_slice(plaintext);
        self.seal_tail(nonce, out, mac_at);
    }

    /// Encrypts `out[mac_at + 16..]` in place and writes its MAC at `out[mac_at..]`
    /// (the caller reserved the 16 bytes), so a message is boxed without a copy.
    pub fn seal_tail(&self, nonce: &[u8; NONCE_LEN], out: &mut [u8], mac_at: usize) {
        let Some(region) = out.get_mut(mac_at..) else {
            return;
        };
        if region.len() < MAC_LEN {
            return;
        }
        let (mac, text) = region.split_at_mut(MAC_LEN);
        // SAFETY: mac is 16 bytes, nonce 24, key 32; libsodium allows the ciphertext to
        // be written over the plaintext (same pointer). It cannot fail.
        unsafe {
            sodium::crypto_box_detached_afternm(
                text.as_mut_ptr(),
                mac.as_mut_ptr(),
                text.as_ptr(),
                text.len() as c_ulonglong,
                nonce.as_ptr(),
                self.0 .0.as_ptr(),
            )
        };
    }

    /// Opens `MAC + ciphertext` in place: on success the plaintext is
    /// `boxed[16..]`; `false` when the box is too short or does not authenticate
    /// (then the bytes are left as they were).
    pub fn open_in_place(&self, nonce: &[u8; NONCE_LEN], boxed: &mut [u8]) -> bool {
        if boxed.len() < MAC_LEN {
            return false;
        }
        let (mac, text) = boxed.split_at_mut(MAC_LEN);
        // SAFETY: as in seal_tail; the MAC is checked before anything is written.
        let rc = unsafe {
            sodium::crypto_box_open_detached_afternm(
                text.as_mut_ptr(),
                text.as_ptr(),
                mac.as_ptr(),
                text.len() as c_ulonglong,
                nonce.as_ptr(),
                self.0 .0.as_ptr(),
            )
        };
        rc == 0
    }

    /// Opens `MAC + ciphertext` into a new, self-wiping buffer.
    pub fn open(&self, nonce: &[u8; NONCE_LEN], boxed: &[u8]) -> Option<SecretBytes> {
        let mut buf = SecretBytes(boxed.to_vec());
        if !self.open_in_place(nonce, &mut buf.0) {
            return None;
        }
        buf.0.drain(..MAC_LEN);
        Some(buf)
    }
}

/// A 24-byte nonce: an ASCII prefix then the counter or random tail.
pub fn nonce(prefix: &[u8], tail: &[u8]) -> [u8; NONCE_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    for (dst, src) in nonce.iter_mut().zip(prefix.iter().chain(tail)) {
        *dst = *src;
    }
    nonce
}

/// `N` bytes from libsodium's generator (the operating system's, `getrandom`).
pub fn random<const N: usize>() -> [u8; N] {
    sodium::ready();
    let mut bytes = [0u8; N];
    // SAFETY: writes exactly N bytes into the array.
    unsafe { sodium::randombytes_buf(bytes.as_mut_ptr().cast(), N) };
    bytes
}

/// Bytes that held or hold secrets; zeroed when dropped.
#[cfg_attr(test, derive(Clone))]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    pub fn new(bytes: Vec<u8>) -> SecretBytes {
        SecretBytes(bytes)
    }

    fn clone_secret(&self) -> SecretBytes {
        SecretBytes(self.0.clone())
    }
}

impl Deref for SecretBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBytes(..)")
    }
}

/// Overwrites secret bytes with zeros in a way the optimizer may not drop.
pub fn wipe(bytes: &mut [u8]) {
    for byte in bytes.iter_mut() {
        // SAFETY: `byte` is a valid, aligned, exclusive reference into the slice; the
        // volatile write only keeps the compiler from eliding a store to dead memory.
        unsafe { std::ptr::write_volatile(byte, 0) };
    }
    compiler_fence(Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn key(s: &str) -> [u8; 32] {
        unhex(s).try_into().unwrap()
    }

    // Expected bytes produced with libsodium 1.0.18 (Debian libsodium-dev) by a
    // throwaway C program: keys from crypto_scalarmult_base, boxes from
    // crypto_box_easy / crypto_box_beforenm + crypto_box_easy_afternm. The short-term
    // secrets are the bytes 1..=32 (client, c') and 33..=64 (server, s').
    const C_PRIME: &str = "07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7c";
    const S_PRIME: &str = "5869aff450549732cbaaed5e5df9b30a6da31cb0e5742bad5ad4a1a768f1a67b";
    const S_PUB: &str = "54fcba24e93249969316fb617c872bb0c1d1ff14800427c594cbfacf1bc2d652";
    const HELLO_BOX: &str = "6e3f26f72fe2f05db20de7881ee6a08fc432afe73b138226f5930879c93bdd4d\
        8586425a3a8d6bc5d83598a3017e0f1792ff0381360d168b6fe1c5e0bb752b0d365e13ea8e8a29ce1c\
        5052c8c63eced7";
    const MESSAGE_BOX: &str = "694a5fa569dba9278e3183b0152a097b230731a3f5fd";

    fn seq(start: u8) -> [u8; 32] {
        std::array::from_fn(|i| start + i as u8)
    }

    #[test]
    fn public_keys_match_libsodium() {
        assert_eq!(KeyPair::from_secret(&seq(1)).public(), &key(C_PRIME));
        assert_eq!(KeyPair::from_secret(&seq(33)).public(), &key(S_PRIME));
    }

    #[test]
    fn boxes_match_libsodium() {
        let server_secret =
            crate::z85::decode(b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6").unwrap();
        let server = KeyPair::from_secret(&server_secret.try_into().unwrap());
        assert_eq!(server.public(), &key(S_PUB));
        let client_short = KeyPair::from_secret(&seq(1));

        // HELLO signature box: 64 zeros, C' -> S.
        let cipher = Cipher::new(server.public(), &client_short);
        let n = nonce(b"CurveZMQHELLO---", &1u64.to_be_bytes());
        let mut out = Vec::new();
        cipher.seal_into(&n, &[0u8; 64], &mut out);
        assert_eq!(out, unhex(HELLO_BOX));
        // The server opens it with its own side of the same key.
        let opened = Cipher::new(client_short.public(), &server).open(&n, &out);
        assert_eq!(opened.as_deref(), Some(&[0u8; 64][..]));

        // MESSAGE box with the precomputed key C' x S'.
        let cipher = Cipher::new(&key(S_PRIME), &client_short);
        let n = nonce(b"CurveZMQMESSAGEC", &3u64.to_be_bytes());
        let mut out = Vec::new();
        cipher.seal_into(&n, b"\x01Hello", &mut out);
        assert_eq!(out, unhex(MESSAGE_BOX));

        // Any flipped bit fails to open.
        let back = Cipher::new(client_short.public(), &KeyPair::from_secret(&seq(33)));
        for i in 0..out.len() * 8 {
            let mut bad = out.clone();
            bad[i / 8] ^= 1 << (i % 8);
            assert!(back.open(&n, &bad).is_none());
        }
        assert_eq!(back.open(&n, &out).as_deref(), Some(&b"\x01Hello"[..]));
        assert!(back.open(&n, &out[..15]).is_none());
    }

    #[test]
    fn a_low_order_peer_key_gets_a_key_nobody_knows() {
        // The all-zero point makes every X25519 secret zero; libsodium refuses it, and
        // the cipher falls back to a random key, so even the same inputs twice cannot
        // open each other's boxes (and a peer cannot predict the key).
        let ours = KeyPair::from_secret(&seq(1));
        let a = Cipher::new(&[0u8; 32], &ours);
        let b = Cipher::new(&[0u8; 32], &ours);
        let n = nonce(b"CurveZMQMESSAGEC", &1u64.to_be_bytes());
        let mut sealed = Vec::new();
        a.seal_into(&n, b"secret", &mut sealed);
        assert!(b.open(&n, &sealed).is_none());
        assert_eq!(a.open(&n, &sealed).as_deref(), Some(&b"secret"[..]));
    }

    #[test]
    fn rfc26_test_key_pair() {
        let secret = crate::z85::decode(b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs").unwrap();
        let pair = KeyPair::from_secret(&secret.try_into().unwrap());
        assert_eq!(
            crate::z85::encode(pair.public()).unwrap(),
            b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
        );
        assert_eq!(
            &*pair.secret_bytes(),
            &crate::z85::decode(b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs").unwrap()[..]
        );
    }
}
