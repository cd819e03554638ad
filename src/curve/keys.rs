//! Long-term CURVE key pairs, in the Z85 text form libzmq's key helpers use.

use crate::error::{Error, Result};
use crate::z85;
use crate::zmtp::curve::boxes::{wipe, KeyPair};

/// A fresh key pair as 40-character Z85 strings: (public, secret).
pub fn generate_keypair() -> Result<(Vec<u8>, Vec<u8>)> {
    let pair = KeyPair::generate();
    let secret_text = z85::encode(&pair.secret_bytes()).ok_or(Error::Inval)?;
    let public_text = z85::encode(pair.public()).ok_or(Error::Inval)?;
    Ok((public_text, secret_text))
}

/// The Z85 public key of a Z85 secret key (EINVAL for anything but 40 valid characters).
pub fn public_of(secret_text: &[u8]) -> Result<Vec<u8>> {
    let bytes = z85::decode(secret_text).ok_or(Error::Inval)?;
    let mut bytes: [u8; 32] = bytes.try_into().map_err(|_| Error::Inval)?;
    let public = KeyPair::from_secret(&bytes).public().to_owned();
    wipe(&mut bytes);
    z85::encode(&public).ok_or(Error::Inval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_key_derivation_matches_libsodium_vector() {
        // The key pair from RFC 26's test (libzmq's tests/test_security_curve.cpp uses
        // the same Z85 pair).
        let secret = b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
        let public = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
        assert_eq!(public_of(secret).unwrap(), public);
    }

    #[test]
    fn generated_pairs_are_consistent() {
        let (public, secret) = generate_keypair().unwrap();
        assert_eq!(public.len(), 40);
        assert_eq!(public_of(&secret).unwrap(), public);
        assert!(public_of(b"short").is_err());
    }
}
