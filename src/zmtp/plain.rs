//! The PLAIN mechanism (RFC 24): username and password in clear text, checked by ZAP.
//!
//! Client: HELLO(username, password) -> WELCOME -> INITIATE(metadata) -> READY(metadata).
//! Server: HELLO -> ZAP request -> (200) WELCOME, INITIATE -> READY; (400/500) ERROR
//! with the status code; (300) silent close. As in libzmq 4.3.5 the server fails the
//! handshake when no ZAP handler is bound: PLAIN without ZAP would accept anyone.
//! Drive both through [`super::mechanism::Mechanism`].

use super::mechanism::{
    check_basic_structure, parse_error_reason, Status, ERROR_PREFIX, READY_PREFIX,
};
use super::metadata::Metadata;
use super::null::{build_ready_metadata, check_peer_metadata, NullConfig};
use super::zap::{ZapPolicy, ZapReply, ZapRequest};
use super::{error::CommandKind, ProtocolError};
use crate::error::Error;

/// The ERROR command as libzmq 4.3's PLAIN server writes it and its PLAIN client
/// expects it: the C literal `"\x5ERROR"` makes the hex escape swallow the `E`, so
/// the name-length byte is missing (0x5E, then "RROR"). A spec-conforming ERROR is
/// reported by libzmq clients as UNEXPECTED_COMMAND instead of an authentication
/// failure, so, to stand in for libzmq, our PLAIN server sends this form, and our
/// PLAIN client accepts both.
const LIBZMQ_PLAIN_ERROR: &[u8] = b"\x5eRROR";

fn libzmq_plain_error(status: u16) -> Vec<u8> {
    let code = status.to_string();
    let mut body = LIBZMQ_PLAIN_ERROR.to_vec();
    body.push(code.len() as u8);
    body.extend_from_slice(code.as_bytes());
    body
}

const HELLO_PREFIX: &[u8] = b"\x05HELLO";
const WELCOME: &[u8] = b"\x07WELCOME";
const INITIATE_PREFIX: &[u8] = b"\x08INITIATE";

/// The client's credentials (`ZMQ_PLAIN_USERNAME` / `ZMQ_PLAIN_PASSWORD`).
#[derive(Clone, Default)]
pub struct PlainCredentials {
    pub username: Vec<u8>,
    pub password: Vec<u8>,
}

impl std::fmt::Debug for PlainCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlainCredentials(..)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientState {
    SendHello,
    ExpectWelcome,
    SendInitiate,
    ExpectReady,
    Ready,
    Failed,
}

/// The PLAIN client side of one connection.
#[derive(Debug)]
pub struct PlainClient {
    state: ClientState,
    hello: Vec<u8>,
    initiate: Vec<u8>,
    socket_type: i32,
    peer: Option<Metadata>,
}

impl PlainClient {
    /// Fails with `Inval` for an over-long username or password (255 bytes at most) or
    /// metadata the socket cannot send.
    pub fn new(base: &NullConfig, credentials: &PlainCredentials) -> Result<Self, Error> {
        let user_len = u8::try_from(credentials.username.len()).map_err(|_| Error::Inval)?;
        let pass_len = u8::try_from(credentials.password.len()).map_err(|_| Error::Inval)?;
        let mut hello = HELLO_PREFIX.to_vec();
        hello.push(user_len);
        hello.extend_from_slice(&credentials.username);
        hello.push(pass_len);
        hello.extend_from_slice(&credentials.password);
        let mut initiate = INITIATE_PREFIX.to_vec();
        build_ready_metadata(
            base.socket_type,
            &base.routing_id,
            &base.properties,
            &mut initiate,
        )?;
        Ok(PlainClient {
            state: ClientState::SendHello,
            hello,
            initiate,
            socket_type: base.socket_type,
            peer: None,
        })
    }

    pub fn poll_command(&mut self, out: &mut Vec<u8>) -> bool {
        match self.state {
            ClientState::SendHello => {
                out.extend_from_slice(&self.hello);
                self.state = ClientState::ExpectWelcome;
                true
            }
            ClientState::SendInitiate => {
                out.extend_from_slice(&self.initiate);
                self.state = ClientState::ExpectReady;
                true
            }
            _ => false,
        }
    }

    pub fn handle_command(&mut self, body: &[u8]) -> Result<Status, ProtocolError> {
        let result = self.process(body);
        if result.is_err() {
            self.state = ClientState::Failed;
        }
        result
    }

    fn process(&mut self, body: &[u8]) -> Result<Status, ProtocolError> {
        if body.starts_with(WELCOME) {
            if self.state != ClientState::ExpectWelcome {
                return Err(ProtocolError::UnexpectedCommand);
            }
            if body.len() != WELCOME.len() {
                return Err(ProtocolError::MalformedCommand(CommandKind::Welcome));
            }
            self.state = ClientState::SendInitiate;
            Ok(Status::Continue)
        } else if let Some(props) = body.strip_prefix(READY_PREFIX) {
            if self.state != ClientState::ExpectReady {
                return Err(ProtocolError::UnexpectedCommand);
            }
            self.peer = Some(check_peer_metadata(self.socket_type, props)?);
            self.state = ClientState::Ready;
            Ok(Status::Continue)
        } else if body.starts_with(ERROR_PREFIX) || body.starts_with(LIBZMQ_PLAIN_ERROR) {
            if !matches!(
                self.state,
                ClientState::ExpectWelcome | ClientState::ExpectReady
            ) {
                return Err(ProtocolError::UnexpectedCommand);
            }
            let reason = match body.strip_prefix(LIBZMQ_PLAIN_ERROR) {
                Some(rest) => match rest.split_first() {
                    Some((&len, r)) if r.len() == usize::from(len) => r,
                    _ => return Err(ProtocolError::MalformedCommand(CommandKind::Error)),
                },
                None => parse_error_reason(body)?,
            };
            Err(ProtocolError::PeerError(reason.to_vec()))
        } else {
            Err(ProtocolError::UnexpectedCommand)
        }
    }

    pub fn is_complete(&self) -> bool {
        self.state == ClientState::Ready
    }

    pub fn peer_metadata(&self) -> Option<&Metadata> {
        self.peer.as_ref()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServerState {
    WaitingForHello,
    WaitingForZapReply,
    SendWelcome,
    WaitingForInitiate,
    SendReady,
    Ready,
    Failed,
}

/// The PLAIN server side of one connection.
#[derive(Debug)]
pub struct PlainServer {
    state: ServerState,
    socket_type: i32,
    routing_id: Vec<u8>,
    ready: Vec<u8>,
    policy: ZapPolicy,
    error: Option<Vec<u8>>,
    peer: Option<Metadata>,
    zap: Option<ZapReply>,
}

impl PlainServer {
    pub fn new(base: &NullConfig, policy: &ZapPolicy) -> Result<Self, Error> {
        let mut ready = READY_PREFIX.to_vec();
        build_ready_metadata(
            base.socket_type,
            &base.routing_id,
            &base.properties,
            &mut ready,
        )?;
        Ok(PlainServer {
            state: ServerState::WaitingForHello,
            socket_type: base.socket_type,
            routing_id: base.routing_id.clone(),
            ready,
            policy: policy.clone(),
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
            ServerState::SendWelcome => {
                out.extend_from_slice(WELCOME);
                self.state = ServerState::WaitingForInitiate;
                true
            }
            ServerState::SendReady => {
                out.extend_from_slice(&self.ready);
                self.state = ServerState::Ready;
                true
            }
            _ => false,
        }
    }

    pub fn handle_command(&mut self, body: &[u8]) -> Result<Status, ProtocolError> {
        let result = match self.state {
            ServerState::WaitingForHello => self.process_hello(body),
            ServerState::WaitingForInitiate => self.process_initiate(body),
            _ => Err(ProtocolError::Unspecified),
        };
        if result.is_err() {
            self.state = ServerState::Failed;
        }
        result
    }

    fn process_hello(&mut self, body: &[u8]) -> Result<Status, ProtocolError> {
        check_basic_structure(body)?;
        let rest = body
            .strip_prefix(HELLO_PREFIX)
            .ok_or(ProtocolError::UnexpectedCommand)?;
        let malformed = ProtocolError::MalformedCommand(CommandKind::Hello);
        let (username, rest) = split_short_string(rest).ok_or(malformed.clone())?;
        let (password, rest) = split_short_string(rest).ok_or(malformed.clone())?;
        if !rest.is_empty() {
            return Err(malformed);
        }
        if !self.policy.handler_available {
            return Err(ProtocolError::NoZapHandler);
        }
        self.state = ServerState::WaitingForZapReply;
        Ok(Status::NeedsZap(ZapRequest::new(
            &self.policy,
            &self.routing_id,
            b"PLAIN",
            vec![username.to_vec(), password.to_vec()],
        )))
    }

    fn process_initiate(&mut self, body: &[u8]) -> Result<Status, ProtocolError> {
        let props = body
            .strip_prefix(INITIATE_PREFIX)
            .ok_or(ProtocolError::UnexpectedCommand)?;
        self.peer = Some(check_peer_metadata(self.socket_type, props)?);
        self.state = ServerState::SendReady;
        Ok(Status::Continue)
    }

    /// Resumes after the ZAP handler answered.
    pub fn zap_reply(&mut self, reply: &ZapReply) -> Result<Status, ProtocolError> {
        if self.state != ServerState::WaitingForZapReply {
            return Err(ProtocolError::Unspecified);
        }
        self.zap = Some(reply.clone());
        match reply.status {
            200 => {
                self.state = ServerState::SendWelcome;
                Ok(Status::Continue)
            }
            status => {
                self.state = ServerState::Failed;
                // 300 is a temporary failure: libzmq closes without an ERROR.
                if status != 300 {
                    self.error = Some(libzmq_plain_error(status));
                }
                Err(ProtocolError::AuthFailed(status))
            }
        }
    }

    pub fn is_complete(&self) -> bool {
        self.state == ServerState::Ready
    }

    pub fn peer_metadata(&self) -> Option<&Metadata> {
        self.peer.as_ref()
    }

    pub fn zap_result(&self) -> Option<&ZapReply> {
        self.zap.as_ref()
    }
}

/// Splits `len (1) + bytes` off the front.
fn split_short_string(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&len, rest) = data.split_first()?;
    let len = usize::from(len);
    (rest.len() >= len).then(|| rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::*;

    fn base(socket_type: i32) -> NullConfig {
        NullConfig {
            socket_type,
            routing_id: Vec::new(),
            properties: Metadata::new(),
        }
    }

    fn policy() -> ZapPolicy {
        ZapPolicy {
            domain: b"test".to_vec(),
            handler_available: true,
            peer_address: b"127.0.0.1".to_vec(),
            ..ZapPolicy::default()
        }
    }

    fn creds() -> PlainCredentials {
        PlainCredentials {
            username: b"admin".to_vec(),
            password: b"password".to_vec(),
        }
    }

    fn next(m: &mut impl FnMut(&mut Vec<u8>) -> bool) -> Vec<u8> {
        let mut out = Vec::new();
        assert!(m(&mut out), "expected a command");
        out
    }

    #[test]
    fn accepted_by_zap() {
        let mut client = PlainClient::new(&base(ZMQ_DEALER), &creds()).unwrap();
        let mut server = PlainServer::new(&base(ZMQ_ROUTER), &policy()).unwrap();
        let hello = next(&mut |o| client.poll_command(o));
        assert_eq!(hello, b"\x05HELLO\x05admin\x08password");
        let Ok(Status::NeedsZap(req)) = server.handle_command(&hello) else {
            panic!("server must ask ZAP");
        };
        let expected: Vec<&[u8]> = vec![
            b"",
            b"1.0",
            b"1",
            b"test",
            b"127.0.0.1",
            b"",
            b"PLAIN",
            b"admin",
            b"password",
        ];
        assert_eq!(req.to_frames(), expected);
        assert!(!server.poll_command(&mut Vec::new()), "nothing before ZAP");
        let reply = ZapReply::parse(&ZapReply::frames(b"200", b"alice", b"")).unwrap();
        assert_eq!(server.zap_reply(&reply), Ok(Status::Continue));
        let welcome = next(&mut |o| server.poll_command(o));
        assert_eq!(welcome, b"\x07WELCOME");
        assert_eq!(client.handle_command(&welcome), Ok(Status::Continue));
        let initiate = next(&mut |o| client.poll_command(o));
        assert_eq!(
            initiate,
            b"\x08INITIATE\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x00"
        );
        assert_eq!(server.handle_command(&initiate), Ok(Status::Continue));
        let ready = next(&mut |o| server.poll_command(o));
        assert!(server.is_complete());
        assert_eq!(client.handle_command(&ready), Ok(Status::Continue));
        assert!(client.is_complete());
        assert_eq!(server.zap_result().unwrap().user_id, b"alice");
        assert_eq!(
            server.peer_metadata().unwrap().get("Socket-Type"),
            Some(&b"DEALER"[..])
        );
        assert_eq!(
            client.peer_metadata().unwrap().get("Socket-Type"),
            Some(&b"ROUTER"[..])
        );
    }

    #[test]
    fn rejected_by_zap_sends_error_with_status() {
        for (status, error_sent) in [(400u16, true), (500, true), (300, false)] {
            let mut client = PlainClient::new(&base(ZMQ_REQ), &creds()).unwrap();
            let mut server = PlainServer::new(&base(ZMQ_REP), &policy()).unwrap();
            let hello = next(&mut |o| client.poll_command(o));
            assert!(matches!(
                server.handle_command(&hello),
                Ok(Status::NeedsZap(_))
            ));
            let code = status.to_string();
            let reply = ZapReply::parse(&ZapReply::frames(code.as_bytes(), b"", b"")).unwrap();
            let err = server.zap_reply(&reply).unwrap_err();
            assert_eq!(err, ProtocolError::AuthFailed(status));
            assert_eq!(err.auth_status(), Some(status));
            let mut out = Vec::new();
            assert_eq!(server.poll_command(&mut out), error_sent);
            if error_sent {
                // libzmq's form (see LIBZMQ_PLAIN_ERROR), which our client accepts, as
                // it accepts the spec's "\x05ERROR".
                assert_eq!(out, [b"\x5eRROR\x03", code.as_bytes()].concat());
                let err = client.handle_command(&out).unwrap_err();
                assert_eq!(err.auth_status(), Some(status));
            }
            assert!(!server.poll_command(&mut Vec::new()));
        }
    }

    #[test]
    fn no_zap_handler_fails() {
        let mut p = policy();
        p.handler_available = false;
        let mut server = PlainServer::new(&base(ZMQ_REP), &p).unwrap();
        assert_eq!(
            server.handle_command(b"\x05HELLO\x00\x00"),
            Err(ProtocolError::NoZapHandler)
        );
    }

    #[test]
    fn malformed_hello_and_out_of_order_commands() {
        let hello = b"\x05HELLO\x05admin\x08password";
        for n in 0..hello.len() {
            let mut server = PlainServer::new(&base(ZMQ_REP), &policy()).unwrap();
            assert!(server.handle_command(&hello[..n]).is_err(), "prefix {n}");
        }
        let mut server = PlainServer::new(&base(ZMQ_REP), &policy()).unwrap();
        assert_eq!(
            server.handle_command(b"\x05HELLO\x00\x00x"),
            Err(ProtocolError::MalformedCommand(CommandKind::Hello))
        );
        let mut server = PlainServer::new(&base(ZMQ_REP), &policy()).unwrap();
        assert_eq!(
            server.handle_command(b"\x08INITIATE"),
            Err(ProtocolError::UnexpectedCommand)
        );
        let mut server = PlainServer::new(&base(ZMQ_REP), &policy()).unwrap();
        server.handle_command(hello).unwrap();
        assert_eq!(
            server.handle_command(b"\x08INITIATE"),
            Err(ProtocolError::Unspecified),
            "a command while ZAP is pending"
        );

        let mut client = PlainClient::new(&base(ZMQ_REQ), &creds()).unwrap();
        client.poll_command(&mut Vec::new());
        assert_eq!(
            client.handle_command(b"\x05READY"),
            Err(ProtocolError::UnexpectedCommand)
        );
        let mut client = PlainClient::new(&base(ZMQ_REQ), &creds()).unwrap();
        client.poll_command(&mut Vec::new());
        assert_eq!(
            client.handle_command(b"\x07WELCOMEx"),
            Err(ProtocolError::MalformedCommand(CommandKind::Welcome))
        );
        assert!(PlainClient::new(
            &base(ZMQ_REQ),
            &PlainCredentials {
                username: vec![b'u'; 256],
                password: Vec::new()
            }
        )
        .is_err());
    }
}
