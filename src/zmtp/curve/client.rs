//! The CURVE client: HELLO, then INITIATE once WELCOME proves the server holds the
//! secret of `ZMQ_CURVE_SERVERKEY`, then READY.

use super::boxes::{nonce, random, Cipher, KeyPair, SecretBytes, KEY_LEN, MAC_LEN};
use super::{short_nonce, MessageCodec, CLIENT_MESSAGE_NONCE, SERVER_MESSAGE_NONCE};
use crate::error::Error;
use crate::zmtp::curve::CurveKey;
use crate::zmtp::error::CommandKind;
use crate::zmtp::mechanism::{parse_error_reason, Status, ERROR_PREFIX, READY_PREFIX};
use crate::zmtp::metadata::Metadata;
use crate::zmtp::null::{build_ready_metadata, check_peer_metadata, NullConfig};
use crate::zmtp::ProtocolError;

const WELCOME_PREFIX: &[u8] = b"\x07WELCOME";
/// HELLO is exactly this long (RFC 26 grammar; libzmq `curve_client_tools.hpp`).
pub const HELLO_SIZE: usize = 200;
/// WELCOME is exactly this long.
pub const WELCOME_SIZE: usize = 168;
/// The smallest READY: name, short nonce, MAC of an empty property list.
pub const READY_MIN: usize = 6 + 8 + MAC_LEN;

/// The client's keys (`ZMQ_CURVE_PUBLICKEY`, `_SECRETKEY`, `_SERVERKEY`).
#[derive(Debug, Clone, Default)]
pub struct CurveClientConfig {
    pub public_key: CurveKey,
    pub secret_key: CurveKey,
    pub server_key: CurveKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    SendHello,
    ExpectWelcome,
    SendInitiate,
    ExpectReady,
    Ready,
    Failed,
}

/// The CURVE client side of one connection.
#[cfg_attr(test, derive(Clone))]
pub struct CurveClient {
    state: State,
    socket_type: i32,
    /// Our INITIATE property list (plaintext until boxed).
    metadata: SecretBytes,
    public_key: [u8; KEY_LEN],
    long_term: KeyPair,
    server_key: [u8; KEY_LEN],
    short_term: KeyPair,
    /// C' x S: seals HELLO and opens WELCOME.
    hello_cipher: Cipher,
    /// Set by WELCOME: S' and the server's cookie.
    server_short: [u8; KEY_LEN],
    cookie: Vec<u8>,
    /// C' x S', created by WELCOME; carries the nonces from then on.
    codec: Option<MessageCodec>,
    peer: Option<Metadata>,
}

impl CurveClient {
    pub fn new(base: &NullConfig, keys: &CurveClientConfig) -> Result<Self, Error> {
        Self::with_short_term(base, keys, KeyPair::generate())
    }

    /// As `new` with a given short-term key pair (known-answer tests).
    pub(crate) fn with_short_term(
        base: &NullConfig,
        keys: &CurveClientConfig,
        short_term: KeyPair,
    ) -> Result<Self, Error> {
        let mut metadata = Vec::new();
        build_ready_metadata(
            base.socket_type,
            &base.routing_id,
            &base.properties,
            &mut metadata,
        )?;
        Ok(CurveClient {
            state: State::SendHello,
            socket_type: base.socket_type,
            metadata: SecretBytes::new(metadata),
            public_key: *keys.public_key.as_bytes(),
            long_term: KeyPair::from_secret(keys.secret_key.as_bytes()),
            server_key: *keys.server_key.as_bytes(),
            hello_cipher: Cipher::new(keys.server_key.as_bytes(), &short_term),
            short_term,
            server_short: [0; KEY_LEN],
            cookie: Vec::new(),
            codec: None,
            peer: None,
        })
    }

    pub fn poll_command(&mut self, out: &mut Vec<u8>) -> bool {
        match self.state {
            State::SendHello => {
                self.produce_hello(out);
                self.state = State::ExpectWelcome;
                true
            }
            State::SendInitiate => {
                self.produce_initiate(out);
                self.state = State::ExpectReady;
                true
            }
            _ => false,
        }
    }

    fn produce_hello(&self, out: &mut Vec<u8>) {
        // The HELLO nonce is 1; the codec made at WELCOME continues from 2.
        let short = 1u64.to_be_bytes();
        out.extend_from_slice(b"\x05HELLO\x01\x00");
        out.extend_from_slice(&[0u8; 72]);
        out.extend_from_slice(self.short_term.public());
        out.extend_from_slice(&short);
        self.hello_cipher
            .seal_into(&nonce(b"CurveZMQHELLO---", &short), &[0u8; 64], out);
    }

    fn produce_initiate(&mut self, out: &mut Vec<u8>) {
        let Some(codec) = self.codec.as_mut() else {
            return;
        };
        // Vouch = Box[C' + S](C -> S'), under a random long nonce.
        let vouch_tail: [u8; 16] = random();
        let vouch_plain =
            SecretBytes::new([&self.short_term.public()[..], &self.server_key[..]].concat());
        let mut plaintext = Vec::with_capacity(128 + self.metadata.len());
        plaintext.extend_from_slice(&self.public_key);
        plaintext.extend_from_slice(&vouch_tail);
        Cipher::new(&self.server_short, &self.long_term).seal_into(
            &nonce(b"VOUCH---", &vouch_tail),
            &vouch_plain,
            &mut plaintext,
        );
        plaintext.extend_from_slice(&self.metadata);
        let plaintext = SecretBytes::new(plaintext);

        let short = codec.take_nonce().to_be_bytes();
        out.extend_from_slice(b"\x08INITIATE");
        out.extend_from_slice(&self.cookie);
        out.extend_from_slice(&short);
        codec
            .cipher()
            .seal_into(&nonce(b"CurveZMQINITIATE", &short), &plaintext, out);
    }

    pub fn handle_command(&mut self, body: &[u8]) -> Result<Status, ProtocolError> {
        let result = self.process(body);
        if result.is_err() {
            self.state = State::Failed;
        }
        result
    }

    fn process(&mut self, body: &[u8]) -> Result<Status, ProtocolError> {
        if body.starts_with(WELCOME_PREFIX) {
            if self.state != State::ExpectWelcome {
                return Err(ProtocolError::UnexpectedCommand);
            }
            self.process_welcome(body)
        } else if body.starts_with(READY_PREFIX) {
            if self.state != State::ExpectReady {
                return Err(ProtocolError::UnexpectedCommand);
            }
            self.process_ready(body)
        } else if body.starts_with(ERROR_PREFIX) {
            if !matches!(self.state, State::ExpectWelcome | State::ExpectReady) {
                return Err(ProtocolError::UnexpectedCommand);
            }
            Err(ProtocolError::PeerError(parse_error_reason(body)?.to_vec()))
        } else {
            Err(ProtocolError::UnexpectedCommand)
        }
    }

    fn process_welcome(&mut self, body: &[u8]) -> Result<Status, ProtocolError> {
        // libzmq reports a WELCOME of the wrong size as a cryptographic failure.
        if body.len() != WELCOME_SIZE {
            return Err(ProtocolError::Cryptographic);
        }
        let n = nonce(b"WELCOME-", &body[8..24]);
        let plain = self
            .hello_cipher
            .open(&n, &body[24..])
            .ok_or(ProtocolError::Cryptographic)?;
        self.server_short.copy_from_slice(&plain[..KEY_LEN]);
        self.cookie = plain[KEY_LEN..].to_vec();
        let cipher = Cipher::new(&self.server_short, &self.short_term);
        self.codec = Some(MessageCodec::new(
            cipher,
            CLIENT_MESSAGE_NONCE,
            SERVER_MESSAGE_NONCE,
            2,
        ));
        self.state = State::SendInitiate;
        Ok(Status::Continue)
    }

    fn process_ready(&mut self, body: &[u8]) -> Result<Status, ProtocolError> {
        if body.len() < READY_MIN {
            return Err(ProtocolError::MalformedCommand(CommandKind::Ready));
        }
        let codec = self.codec.as_mut().ok_or(ProtocolError::Unspecified)?;
        let (value, short) = short_nonce(body, 6).ok_or(ProtocolError::Unspecified)?;
        codec.set_peer_nonce(value);
        let plain = codec
            .cipher()
            .open(&nonce(b"CurveZMQREADY---", short), &body[14..])
            .ok_or(ProtocolError::Cryptographic)?;
        self.peer = Some(check_peer_metadata(self.socket_type, &plain)?);
        self.state = State::Ready;
        Ok(Status::Continue)
    }

    pub fn is_complete(&self) -> bool {
        self.state == State::Ready
    }

    pub fn peer_metadata(&self) -> Option<&Metadata> {
        self.peer.as_ref()
    }

    /// The MESSAGE codec, once the handshake is complete.
    pub fn codec(&mut self) -> Option<&mut MessageCodec> {
        match self.state {
            State::Ready => self.codec.as_mut(),
            _ => None,
        }
    }
}

impl std::fmt::Debug for CurveClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurveClient")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}
