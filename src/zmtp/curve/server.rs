//! The CURVE server: HELLO -> WELCOME (with a cookie), INITIATE -> ZAP -> READY.
//!
//! The server keeps nothing about the client between HELLO and INITIATE that the
//! client could not give back: the cookie holds C' and s' boxed under a cookie key
//! made fresh for each WELCOME (as libzmq does, per connection). Only this server can
//! open it, so its format is ours: a box from the cookie key pair to itself, which is
//! as strong as libzmq's `crypto_secretbox` under a random key and keeps all
//! cryptography behind `boxes`. Its size on the wire (16-byte nonce + 80-byte box) is
//! the RFC's.

use super::boxes::{nonce, random, Cipher, KeyPair, SecretBytes, KEY_LEN};
use super::{short_nonce, MessageCodec, CLIENT_MESSAGE_NONCE, SERVER_MESSAGE_NONCE};
use crate::error::Error;
use crate::zmtp::curve::CurveKey;
use crate::zmtp::error::CommandKind;
use crate::zmtp::mechanism::{check_basic_structure, error_command, Status, READY_PREFIX};
use crate::zmtp::metadata::Metadata;
use crate::zmtp::null::{build_ready_metadata, check_peer_metadata, NullConfig};
use crate::zmtp::zap::{ZapPolicy, ZapReply, ZapRequest};
use crate::zmtp::ProtocolError;

const HELLO_PREFIX: &[u8] = b"\x05HELLO";
const INITIATE_PREFIX: &[u8] = b"\x08INITIATE";
/// The smallest INITIATE: name, cookie (96), short nonce, box of C + vouch (144).
pub const INITIATE_MIN: usize = 9 + 96 + 8 + 144;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    WaitingForHello,
    SendWelcome,
    WaitingForInitiate,
    WaitingForZapReply,
    SendReady,
    Ready,
    Failed,
}

/// The CURVE server side of one connection.
#[cfg_attr(test, derive(Clone))]
pub struct CurveServer {
    state: State,
    socket_type: i32,
    routing_id: Vec<u8>,
    ready_metadata: SecretBytes,
    policy: ZapPolicy,
    long_term: KeyPair,
    short_term: KeyPair,
    /// C', from HELLO.
    client_short: [u8; KEY_LEN],
    /// C' x S: opens HELLO and seals WELCOME.
    hello_cipher: Option<Cipher>,
    /// The cookie key, made for WELCOME and dropped once INITIATE's cookie is checked.
    cookie_cipher: Option<Cipher>,
    /// C' x S', created by INITIATE.
    codec: Option<MessageCodec>,
    /// The client's long-term key C, from INITIATE.
    client_key: [u8; KEY_LEN],
    error: Option<Vec<u8>>,
    peer: Option<Metadata>,
    zap: Option<ZapReply>,
}

impl CurveServer {
    /// `secret_key` is `ZMQ_CURVE_SECRETKEY`.
    pub fn new(
        base: &NullConfig,
        secret_key: &CurveKey,
        policy: &ZapPolicy,
    ) -> Result<Self, Error> {
        Self::with_short_term(base, secret_key, policy, KeyPair::generate())
    }

    pub(crate) fn with_short_term(
        base: &NullConfig,
        secret_key: &CurveKey,
        policy: &ZapPolicy,
        short_term: KeyPair,
    ) -> Result<Self, Error> {
        let mut metadata = Vec::new();
        build_ready_metadata(
            base.socket_type,
            &base.routing_id,
            &base.properties,
            &mut metadata,
        )?;
        Ok(CurveServer {
            state: State::WaitingForHello,
            socket_type: base.socket_type,
            routing_id: base.routing_id.clone(),
            ready_metadata: SecretBytes::new(metadata),
            policy: policy.clone(),
            long_term: KeyPair::from_secret(secret_key.as_bytes()),
            short_term,
            client_short: [0; KEY_LEN],
            hello_cipher: None,
            cookie_cipher: None,
            codec: None,
            client_key: [0; KEY_LEN],
            error: None,
            peer: None,
            zap: None,
        })
    }

    pub fn poll_command(&mut self, out: &mut Vec<u8>) -> bool {
        if let Some(error) = self.error.take() {
            out.extend_from_slice(&error);
            return true;
        }
        match self.state {
            State::SendWelcome => {
                self.produce_welcome(out);
                self.state = State::WaitingForInitiate;
                true
            }
            State::SendReady => {
                self.produce_ready(out);
                self.state = State::Ready;
                true
            }
            _ => false,
        }
    }

    fn produce_welcome(&mut self, out: &mut Vec<u8>) {
        // Cookie = nonce tail (16) + Box[C' + s'](K), K fresh for this connection.
        let cookie_key = KeyPair::generate();
        let cookie_tail: [u8; 16] = random();
        let secret = self.short_term.secret_bytes();
        let cookie_plain = SecretBytes::new([&self.client_short[..], &secret[..]].concat());
        let mut plaintext = Vec::with_capacity(128);
        plaintext.extend_from_slice(self.short_term.public());
        plaintext.extend_from_slice(&cookie_tail);
        let cookie_cipher = Cipher::new(cookie_key.public(), &cookie_key);
        cookie_cipher.seal_into(
            &nonce(b"COOKIE--", &cookie_tail),
            &cookie_plain,
            &mut plaintext,
        );
        self.cookie_cipher = Some(cookie_cipher);

        let Some(hello_cipher) = self.hello_cipher.take() else {
            return;
        };
        let welcome_tail: [u8; 16] = random();
        out.extend_from_slice(b"\x07WELCOME");
        out.extend_from_slice(&welcome_tail);
        hello_cipher.seal_into(&nonce(b"WELCOME-", &welcome_tail), &plaintext, out);
    }

    fn produce_ready(&mut self, out: &mut Vec<u8>) {
        let Some(codec) = self.codec.as_mut() else {
            return;
        };
        let short = codec.take_nonce().to_be_bytes();
        out.extend_from_slice(READY_PREFIX);
        out.extend_from_slice(&short);
        codec.cipher().seal_into(
            &nonce(b"CurveZMQREADY---", &short),
            &self.ready_metadata,
            out,
        );
    }

    pub fn handle_command(&mut self, body: &[u8]) -> Result<Status, ProtocolError> {
        let result = match self.state {
            State::WaitingForHello => self.process_hello(body),
            State::WaitingForInitiate => self.process_initiate(body),
            _ => Err(ProtocolError::Unspecified),
        };
        if result.is_err() {
            self.state = State::Failed;
        }
        result
    }

    fn process_hello(&mut self, body: &[u8]) -> Result<Status, ProtocolError> {
        check_basic_structure(body)?;
        if !body.starts_with(HELLO_PREFIX) {
            return Err(ProtocolError::UnexpectedCommand);
        }
        let malformed = ProtocolError::MalformedCommand(CommandKind::Hello);
        if body.len() != super::client::HELLO_SIZE || body[6..8] != [1, 0] {
            return Err(malformed);
        }
        self.client_short.copy_from_slice(&body[80..112]);
        let (_, short) = short_nonce(body, 112).ok_or(malformed)?;
        // The signature box must open: proof the client knows our public key.
        let cipher = Cipher::new(&self.client_short, &self.long_term);
        cipher
            .open(&nonce(b"CurveZMQHELLO---", short), &body[120..])
            .ok_or(ProtocolError::Cryptographic)?;
        self.hello_cipher = Some(cipher);
        self.state = State::SendWelcome;
        Ok(Status::Continue)
    }

    fn process_initiate(&mut self, body: &[u8]) -> Result<Status, ProtocolError> {
        check_basic_structure(body)?;
        if !body.starts_with(INITIATE_PREFIX) {
            return Err(ProtocolError::UnexpectedCommand);
        }
        if body.len() < INITIATE_MIN {
            return Err(ProtocolError::MalformedCommand(CommandKind::Initiate));
        }
        // The cookie must be ours and name this connection's C' and s'.
        let cookie_cipher = self
            .cookie_cipher
            .take()
            .ok_or(ProtocolError::Unspecified)?;
        let cookie = cookie_cipher
            .open(&nonce(b"COOKIE--", &body[9..25]), &body[25..105])
            .ok_or(ProtocolError::Cryptographic)?;
        let secret = self.short_term.secret_bytes();
        if cookie[..KEY_LEN] != self.client_short || cookie[KEY_LEN..] != secret[..] {
            return Err(ProtocolError::Cryptographic);
        }

        let (value, short) =
            short_nonce(body, 105).ok_or(ProtocolError::MalformedCommand(CommandKind::Initiate))?;
        let mut codec = MessageCodec::new(
            Cipher::new(&self.client_short, &self.short_term),
            SERVER_MESSAGE_NONCE,
            CLIENT_MESSAGE_NONCE,
            1,
        );
        codec.set_peer_nonce(value);
        let plain = codec
            .cipher()
            .open(&nonce(b"CurveZMQINITIATE", short), &body[113..])
            .ok_or(ProtocolError::Cryptographic)?;

        // Vouch = Box[C' + S](C -> S'): the long-term key C stands behind C'.
        self.client_key.copy_from_slice(&plain[..KEY_LEN]);
        let vouch = Cipher::new(&self.client_key, &self.short_term)
            .open(&nonce(b"VOUCH---", &plain[32..48]), &plain[48..128])
            .ok_or(ProtocolError::Cryptographic)?;
        // libzmq checks only C' here (S was already proven by HELLO).
        if vouch[..KEY_LEN] != self.client_short {
            return Err(ProtocolError::KeyExchange);
        }
        self.codec = Some(codec);
        self.peer = Some(check_peer_metadata(self.socket_type, &plain[128..])?);

        // ZAP when a domain is set, or always unless ZAP_ENFORCE_DOMAIN; without a
        // handler the client is accepted ("Stonehouse") unless the domain is enforced.
        if !self.policy.domain.is_empty() || !self.policy.enforce_domain {
            if self.policy.handler_available {
                self.state = State::WaitingForZapReply;
                return Ok(Status::NeedsZap(ZapRequest::new(
                    &self.policy,
                    &self.routing_id,
                    b"CURVE",
                    vec![self.client_key.to_vec()],
                )));
            }
            if self.policy.enforce_domain {
                return Err(ProtocolError::NoZapHandler);
            }
        }
        self.state = State::SendReady;
        Ok(Status::Continue)
    }

    /// Resumes after the ZAP handler answered.
    pub fn zap_reply(&mut self, reply: &ZapReply) -> Result<Status, ProtocolError> {
        if self.state != State::WaitingForZapReply {
            return Err(ProtocolError::Unspecified);
        }
        self.zap = Some(reply.clone());
        match reply.status {
            200 => {
                self.state = State::SendReady;
                Ok(Status::Continue)
            }
            status => {
                self.state = State::Failed;
                if status != 300 {
                    self.error = Some(error_command(status));
                }
                Err(ProtocolError::AuthFailed(status))
            }
        }
    }

    pub fn is_complete(&self) -> bool {
        self.state == State::Ready
    }

    pub fn peer_metadata(&self) -> Option<&Metadata> {
        self.peer.as_ref()
    }

    pub fn zap_result(&self) -> Option<&ZapReply> {
        self.zap.as_ref()
    }

    /// The client's long-term public key, once INITIATE was accepted.
    pub fn client_key(&self) -> Option<&[u8; KEY_LEN]> {
        self.codec.as_ref().map(|_| &self.client_key)
    }

    /// The MESSAGE codec, once the handshake is complete.
    pub fn codec(&mut self) -> Option<&mut MessageCodec> {
        match self.state {
            State::Ready => self.codec.as_mut(),
            _ => None,
        }
    }
}

impl std::fmt::Debug for CurveServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurveServer")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}
