//! The one door to the cryptography: X25519 key pairs and libsodium-compatible
//! `crypto_box` (XSalsa20-Poly1305 under HSalsa20 of the X25519 secret), through the
//! `crypto_box` crate only.
//!
//! A sealed box is written as libsodium's `crypto_box_easy` writes it: the 16-byte
//! Poly1305 MAC, then the ciphertext. [`Cipher`] is the precomputed shared key
//! (`crypto_box_beforenm`), so `seal`/`open` are `*_easy_afternm`. Secrets are wiped
//! when dropped: the crate's keys zeroize themselves, [`SecretBytes`] covers plaintexts
//! that hold key material.

use std::ops::Deref;
use std::sync::atomic::{compiler_fence, Ordering};
use std::sync::Arc;

use crypto_box::aead::generic_array::GenericArray;
use crypto_box::aead::rand_core::RngCore;
use crypto_box::aead::{AeadInPlace, OsRng};
use crypto_box::{PublicKey, SalsaBox, SecretKey};

pub const KEY_LEN: usize = 32;
pub const MAC_LEN: usize = 16;
pub const NONCE_LEN: usize = 24;

/// An X25519 key pair.
#[cfg_attr(test, derive(Clone))]
pub struct KeyPair {
    secret: SecretKey,
    public: [u8; KEY_LEN],
}

impl KeyPair {
    /// A fresh random pair (the short-term keys C'/S', one per connection).
    pub fn generate() -> KeyPair {
        KeyPair::from_secret_key(SecretKey::generate(&mut OsRng))
    }

    /// The pair of a known secret key (the long-term `ZMQ_CURVE_SECRETKEY`).
    pub fn from_secret(secret: &[u8; KEY_LEN]) -> KeyPair {
        KeyPair::from_secret_key(SecretKey::from(*secret))
    }

    fn from_secret_key(secret: SecretKey) -> KeyPair {
        let public = secret.public_key().to_bytes();
        KeyPair { secret, public }
    }

    pub fn public(&self) -> &[u8; KEY_LEN] {
        &self.public
    }

    /// A copy of the secret key, wiped when dropped.
    pub fn secret_bytes(&self) -> SecretBytes {
        let mut bytes = self.secret.to_bytes();
        let copy = SecretBytes(bytes.to_vec());
        wipe(&mut bytes);
        copy
    }
}

/// A precomputed box key between our secret key and a peer's public key.
/// (Shared so that tests can snapshot a connection; it is never mutated.)
#[derive(Clone)]
pub struct Cipher(Arc<SalsaBox>);

impl Cipher {
    pub fn new(peer_public: &[u8; KEY_LEN], ours: &KeyPair) -> Cipher {
        Cipher(Arc::new(SalsaBox::new(
            &PublicKey::from(*peer_public),
            &ours.secret,
        )))
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
        let (mac, text) = region.split_at_mut(MAC_LEN.min(region.len()));
        // XSalsa20-Poly1305 with no associated data cannot fail for any length we
        // can hold in memory; on the impossible error the MAC stays zero and the
        // peer rejects the box.
        if let Ok(tag) =
            self.0
                .encrypt_in_place_detached(GenericArray::from_slice(nonce), b"", text)
        {
            if mac.len() == MAC_LEN {
                mac.copy_from_slice(&tag);
            }
        }
    }

    /// Opens `MAC + ciphertext` in place: on success the plaintext is
    /// `boxed[16..]`; `false` when the box is too short or does not authenticate.
    pub fn open_in_place(&self, nonce: &[u8; NONCE_LEN], boxed: &mut [u8]) -> bool {
        if boxed.len() < MAC_LEN {
            return false;
        }
        let (mac, text) = boxed.split_at_mut(MAC_LEN);
        let tag = GenericArray::clone_from_slice(mac);
        self.0
            .decrypt_in_place_detached(GenericArray::from_slice(nonce), b"", text, &tag)
            .is_ok()
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

/// `N` bytes from the operating system's generator.
pub fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// Bytes that held or hold secrets; zeroed when dropped.
#[cfg_attr(test, derive(Clone))]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    pub fn new(bytes: Vec<u8>) -> SecretBytes {
        SecretBytes(bytes)
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
