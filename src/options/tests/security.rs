//! The CURVE, PLAIN and GSSAPI options and how they select the mechanism.

use super::{dealer, get_bytes, get_int, set_int};
use crate::constants::*;
use crate::error::Error;

const Z85_KEY: &[u8; 40] = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
const RAW_KEY: [u8; 32] = [
    0xbb, 0x88, 0x47, 0x1d, 0x65, 0xe2, 0x65, 0x9b, 0x30, 0xc5, 0x5a, 0x53, 0x21, 0xce, 0xbb, 0x5a,
    0xab, 0x2b, 0x70, 0xa3, 0x98, 0x64, 0x5c, 0x26, 0xdc, 0xa2, 0xb2, 0xfc, 0xb4, 0x3f, 0xc5, 0x18,
];

#[test]
fn curve_keys_in_both_forms() {
    let mut o = dealer();
    // Unset keys read back as zeros, in both forms.
    assert_eq!(get_bytes(&o, ZMQ_CURVE_PUBLICKEY, 32), Ok(vec![0; 32]));
    let mut zeros_z85 = vec![b'0'; 40];
    zeros_z85.push(0);
    assert_eq!(get_bytes(&o, ZMQ_CURVE_SECRETKEY, 41), Ok(zeros_z85));
    for size in [0, 31, 33, 40, 42] {
        assert_eq!(get_bytes(&o, ZMQ_CURVE_SERVERKEY, size), Err(Error::Inval));
    }

    assert_eq!(o.set(ZMQ_CURVE_PUBLICKEY, Z85_KEY), Ok(()));
    assert_eq!(get_bytes(&o, ZMQ_CURVE_PUBLICKEY, 32), Ok(RAW_KEY.to_vec()));
    let mut text = Z85_KEY.to_vec();
    text.push(0);
    assert_eq!(get_bytes(&o, ZMQ_CURVE_PUBLICKEY, 41), Ok(text.clone()));
    assert_eq!(o.set(ZMQ_CURVE_SECRETKEY, &text), Ok(()));
    assert_eq!(o.curve_secret_key.as_bytes(), &RAW_KEY);
    assert_eq!(o.set(ZMQ_CURVE_SERVERKEY, &RAW_KEY), Ok(()));
    assert_eq!(get_bytes(&o, ZMQ_CURVE_SERVERKEY, 41), Ok(text));

    for size in [0, 31, 33, 39, 42] {
        assert_eq!(
            o.set(ZMQ_CURVE_SERVERKEY, &[b'a'; 42][..size]),
            Err(Error::Inval)
        );
    }
    let mut bad = Z85_KEY.to_vec();
    bad.push(b'x'); // 41 characters without the NUL
    assert_eq!(o.set(ZMQ_CURVE_SECRETKEY, &bad), Err(Error::Inval));
}

#[test]
fn curve_z85_quirks_match_libzmq() {
    let mut o = dealer();
    // Text up to an embedded NUL is decoded into the front of the key only.
    assert_eq!(o.set(ZMQ_CURVE_SERVERKEY, &[0; 32]), Ok(()));
    let mut short = Z85_KEY.to_vec();
    short.push(0);
    short[20] = 0;
    assert_eq!(o.set(ZMQ_CURVE_SERVERKEY, &short), Ok(()));
    let mut expected = RAW_KEY[..16].to_vec();
    expected.extend_from_slice(&[0; 16]);
    assert_eq!(o.curve_server_key.as_bytes()[..], expected[..]);
    short[3] = 0; // fewer than 5 characters
    assert_eq!(o.set(ZMQ_CURVE_SERVERKEY, &short), Err(Error::Inval));
    short[0] = 0;
    assert_eq!(o.set(ZMQ_CURVE_SERVERKEY, &short), Err(Error::Inval));

    // An invalid group fails after the groups before it were written.
    assert_eq!(o.set(ZMQ_CURVE_PUBLICKEY, &[0x11; 32]), Ok(()));
    let mut bad = *Z85_KEY;
    bad[12] = b'"';
    assert_eq!(o.set(ZMQ_CURVE_PUBLICKEY, &bad), Err(Error::Inval));
    let mut expected = RAW_KEY[..8].to_vec();
    expected.extend_from_slice(&[0x11; 24]);
    assert_eq!(o.curve_public_key.as_bytes()[..], expected[..]);
}

#[test]
fn security_options_switch_the_mechanism_like_libzmq() {
    let mut o = dealer();
    assert_eq!(o.set(ZMQ_CURVE_PUBLICKEY, Z85_KEY), Ok(()));
    assert_eq!(get_int(&o, ZMQ_MECHANISM), Ok(ZMQ_CURVE));
    assert_eq!(get_int(&o, ZMQ_CURVE_SERVER), Ok(0));
    assert_eq!(set_int(&mut o, ZMQ_CURVE_SERVER, 1), Ok(()));
    assert_eq!(get_int(&o, ZMQ_CURVE_SERVER), Ok(1));
    assert_eq!(get_int(&o, ZMQ_PLAIN_SERVER), Ok(0));
    // Setting the server key makes the socket a CURVE client again.
    assert_eq!(o.set(ZMQ_CURVE_SERVERKEY, &RAW_KEY), Ok(()));
    assert_eq!(get_int(&o, ZMQ_MECHANISM), Ok(ZMQ_CURVE));
    assert_eq!(get_int(&o, ZMQ_CURVE_SERVER), Ok(0));
    assert_eq!(set_int(&mut o, ZMQ_CURVE_SERVER, 0), Ok(()));
    assert_eq!(get_int(&o, ZMQ_MECHANISM), Ok(ZMQ_NULL));

    // PLAIN: a credential selects the client; NULL selects NULL but keeps the value.
    assert_eq!(o.set(ZMQ_PLAIN_USERNAME, b"u"), Ok(()));
    assert_eq!(get_int(&o, ZMQ_MECHANISM), Ok(ZMQ_PLAIN));
    assert_eq!(o.set(ZMQ_PLAIN_USERNAME, b""), Err(Error::Inval));
    assert_eq!(o.set_nullable(ZMQ_PLAIN_USERNAME, None), Ok(()));
    assert_eq!(get_int(&o, ZMQ_MECHANISM), Ok(ZMQ_NULL));
    assert_eq!(get_bytes(&o, ZMQ_PLAIN_USERNAME, 4), Ok(b"u\0".to_vec()));
    assert_eq!(set_int(&mut o, ZMQ_PLAIN_SERVER, 1), Ok(()));
    assert_eq!(get_int(&o, ZMQ_MECHANISM), Ok(ZMQ_PLAIN));
    assert_eq!(get_int(&o, ZMQ_PLAIN_SERVER), Ok(1));
    assert_eq!(o.set(ZMQ_PLAIN_PASSWORD, b"p"), Ok(()));
    assert_eq!(get_int(&o, ZMQ_PLAIN_SERVER), Ok(0));
    assert_eq!(set_int(&mut o, ZMQ_PLAIN_SERVER, 0), Ok(()));
    assert_eq!(get_int(&o, ZMQ_MECHANISM), Ok(ZMQ_NULL));
    // PLAIN_SERVER=0 also turns a CURVE server back to NULL.
    assert_eq!(set_int(&mut o, ZMQ_CURVE_SERVER, 1), Ok(()));
    assert_eq!(set_int(&mut o, ZMQ_PLAIN_SERVER, 0), Ok(()));
    assert_eq!(get_int(&o, ZMQ_MECHANISM), Ok(ZMQ_NULL));

    // GSSAPI is not built: every GSSAPI option is refused, as by a libzmq built
    // without it, and the mechanism stays what it was.
    for option in [
        ZMQ_GSSAPI_SERVER,
        ZMQ_GSSAPI_PLAINTEXT,
        ZMQ_GSSAPI_PRINCIPAL_NAMETYPE,
        ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE,
    ] {
        assert_eq!(set_int(&mut o, option, 1), Err(Error::Inval));
        assert_eq!(get_int(&o, option), Err(Error::Inval));
    }
    for option in [ZMQ_GSSAPI_PRINCIPAL, ZMQ_GSSAPI_SERVICE_PRINCIPAL] {
        assert_eq!(o.set(option, b"p"), Err(Error::Inval));
        assert_eq!(get_bytes(&o, option, 10), Err(Error::Inval));
    }
    assert_eq!(get_int(&o, ZMQ_MECHANISM), Ok(ZMQ_NULL));
}
