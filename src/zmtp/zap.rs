//! ZAP (RFC 27): the request a server-side mechanism sends to the authentication
//! handler at `inproc://zeromq.zap.01`, and the reply it gets back, as plain frames.
//!
//! The engine carries [`ZapRequest::to_frames`] over an inproc pipe (one multipart
//! message, MORE on every frame but the last) and hands the whole reply message back to
//! [`ZapReply::parse`], which validates it exactly as libzmq's `zap_client.cpp` does.
//! Nothing here knows about sockets; [`ZapPolicy`] says whether a handler exists.

use super::error::ZapError;
use super::metadata::Metadata;
use super::ProtocolError;

/// The ZAP protocol version, first frame after the delimiter both ways.
pub const ZAP_VERSION: &[u8] = b"1.0";
/// libzmq has at most one request in flight per connection and always numbers it "1".
pub const REQUEST_ID: &[u8] = b"1";
/// Where the handler binds.
pub const ZAP_ENDPOINT: &str = "inproc://zeromq.zap.01";

/// When a server-side mechanism consults ZAP, from the socket's options and the
/// context's state.
#[derive(Debug, Clone, Default)]
pub struct ZapPolicy {
    /// `ZMQ_ZAP_DOMAIN` (sent in the request; NULL consults ZAP only when it is set).
    pub domain: Vec<u8>,
    /// `ZMQ_ZAP_ENFORCE_DOMAIN`.
    pub enforce_domain: bool,
    /// Whether a handler is bound at [`ZAP_ENDPOINT`] (libzmq's `zap_connect` succeeds).
    pub handler_available: bool,
    /// The peer's address as libzmq writes it (IP string for tcp, credentials for ipc).
    pub peer_address: Vec<u8>,
}

/// One ZAP request. `routing_id` is our own socket's `ZMQ_ROUTING_ID`, which is what
/// libzmq sends in the identity frame.
#[derive(Clone, PartialEq, Eq)]
pub struct ZapRequest {
    pub domain: Vec<u8>,
    pub address: Vec<u8>,
    pub routing_id: Vec<u8>,
    /// "NULL", "PLAIN" or "CURVE".
    pub mechanism: &'static [u8],
    /// PLAIN: username, password. CURVE: the client's 32-byte long-term public key.
    pub credentials: Vec<Vec<u8>>,
}

impl std::fmt::Debug for ZapRequest {
    // Credentials may hold a password: never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZapRequest")
            .field("domain", &String::from_utf8_lossy(&self.domain))
            .field("mechanism", &String::from_utf8_lossy(self.mechanism))
            .field("credentials", &self.credentials.len())
            .finish_non_exhaustive()
    }
}

impl ZapRequest {
    pub(crate) fn new(
        policy: &ZapPolicy,
        routing_id: &[u8],
        mechanism: &'static [u8],
        credentials: Vec<Vec<u8>>,
    ) -> ZapRequest {
        ZapRequest {
            domain: policy.domain.clone(),
            address: policy.peer_address.clone(),
            routing_id: routing_id.to_vec(),
            mechanism,
            credentials,
        }
    }

    /// The request's frames in wire order: empty delimiter, version, request id,
    /// domain, address, identity, mechanism, then one frame per credential.
    pub fn to_frames(&self) -> Vec<Vec<u8>> {
        let mut frames = vec![
            Vec::new(),
            ZAP_VERSION.to_vec(),
            REQUEST_ID.to_vec(),
            self.domain.clone(),
            self.address.clone(),
            self.routing_id.clone(),
            self.mechanism.to_vec(),
        ];
        frames.extend(self.credentials.iter().cloned());
        frames
    }
}

/// A validated ZAP reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZapReply {
    /// 200, 300, 400 or 500.
    pub status: u16,
    pub status_text: Vec<u8>,
    /// Becomes the messages' "User-Id" property.
    pub user_id: Vec<u8>,
    /// Extra properties the handler attaches to the peer's messages.
    pub metadata: Metadata,
}

impl ZapReply {
    /// Validates a whole reply message in libzmq's order: frame count (7), empty
    /// delimiter, version "1.0", request id "1", status code, metadata.
    pub fn parse<F: AsRef<[u8]>>(frames: &[F]) -> Result<ZapReply, ProtocolError> {
        let zap = |e| ProtocolError::Zap(e);
        let [delimiter, version, id, status, text, user_id, metadata] = frames else {
            return Err(zap(ZapError::MalformedReply));
        };
        if !delimiter.as_ref().is_empty() {
            return Err(zap(ZapError::Unspecified));
        }
        if version.as_ref() != ZAP_VERSION {
            return Err(zap(ZapError::BadVersion));
        }
        if id.as_ref() != REQUEST_ID {
            return Err(zap(ZapError::BadRequestId));
        }
        let status = match status.as_ref() {
            [d @ b'2'..=b'5', b'0', b'0'] => u16::from(d - b'0') * 100,
            _ => return Err(zap(ZapError::InvalidStatusCode)),
        };
        let metadata =
            Metadata::parse(metadata.as_ref()).map_err(|_| zap(ZapError::InvalidMetadata))?;
        Ok(ZapReply {
            status,
            status_text: text.as_ref().to_vec(),
            user_id: user_id.as_ref().to_vec(),
            metadata,
        })
    }

    /// A reply as a handler would send it (for tests and in-process handlers).
    pub fn frames(status: &[u8], user_id: &[u8], metadata: &[u8]) -> Vec<Vec<u8>> {
        vec![
            Vec::new(),
            ZAP_VERSION.to_vec(),
            REQUEST_ID.to_vec(),
            status.to_vec(),
            b"OK".to_vec(),
            user_id.to_vec(),
            metadata.to_vec(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_frames_match_libzmq() {
        let policy = ZapPolicy {
            domain: b"global".to_vec(),
            peer_address: b"127.0.0.1".to_vec(),
            ..ZapPolicy::default()
        };
        let req = ZapRequest::new(
            &policy,
            b"",
            b"PLAIN",
            vec![b"admin".to_vec(), b"secret".to_vec()],
        );
        let frames = req.to_frames();
        let expected: Vec<&[u8]> = vec![
            b"",
            b"1.0",
            b"1",
            b"global",
            b"127.0.0.1",
            b"",
            b"PLAIN",
            b"admin",
            b"secret",
        ];
        assert_eq!(frames, expected);
        assert!(!format!("{req:?}").contains("secret"));
        let null = ZapRequest::new(&policy, b"id", b"NULL", Vec::new());
        assert_eq!(null.to_frames().len(), 7);
    }

    #[test]
    fn reply_validation_codes() {
        let ok = ZapReply::parse(&ZapReply::frames(
            b"200",
            b"alice",
            b"\x05X-Foo\x00\x00\x00\x03bar",
        ))
        .unwrap();
        assert_eq!(ok.status, 200);
        assert_eq!(ok.user_id, b"alice");
        assert_eq!(ok.metadata.get("x-foo"), Some(&b"bar"[..]));
        for code in [&b"300"[..], b"400", b"500"] {
            assert!(ZapReply::parse(&ZapReply::frames(code, b"", b"")).is_ok());
        }
        let err = |e| Err(ProtocolError::Zap(e));
        for bad in [&b"100"[..], b"600", b"201", b"20", b"2000", b"abc", b""] {
            assert_eq!(
                ZapReply::parse(&ZapReply::frames(bad, b"", b"")),
                err(ZapError::InvalidStatusCode)
            );
        }
        let mut frames = ZapReply::frames(b"200", b"", b"");
        frames.pop();
        assert_eq!(ZapReply::parse(&frames), err(ZapError::MalformedReply));
        let mut frames = ZapReply::frames(b"200", b"", b"");
        frames.push(Vec::new());
        assert_eq!(ZapReply::parse(&frames), err(ZapError::MalformedReply));
        let mut frames = ZapReply::frames(b"200", b"", b"");
        frames[0] = b"x".to_vec();
        assert_eq!(ZapReply::parse(&frames), err(ZapError::Unspecified));
        let mut frames = ZapReply::frames(b"200", b"", b"");
        frames[1] = b"2.0".to_vec();
        assert_eq!(ZapReply::parse(&frames), err(ZapError::BadVersion));
        let mut frames = ZapReply::frames(b"200", b"", b"");
        frames[2] = b"2".to_vec();
        assert_eq!(ZapReply::parse(&frames), err(ZapError::BadRequestId));
        assert_eq!(
            ZapReply::parse(&ZapReply::frames(b"200", b"", b"\x05X-Foo\x00")),
            err(ZapError::InvalidMetadata)
        );
        let none: [&[u8]; 0] = [];
        assert_eq!(ZapReply::parse(&none), err(ZapError::MalformedReply));
    }
}
