//! The SOCKS5 client (RFC 1928, and RFC 1929 username/password) that a tcp connect
//! runs through `ZMQ_SOCKS_PROXY`, as a sans-IO state machine: the caller writes
//! [`SocksClient::output`], reads at most [`SocksClient::wanted`] bytes and feeds them
//! to [`SocksClient::receive`], until [`SocksClient::is_done`]; from then on the stream
//! carries ZMTP. Reading no more than wanted leaves the peer's first ZMTP bytes in the
//! socket for the engine. No sockets, no clock.
//!
//! What is sent and accepted is libzmq 4.3.5's: one offered method (no authentication,
//! or username/password when a username is set), a CONNECT request naming the target
//! as an IPv4 or IPv6 address when it is a numeric one and as a domain name otherwise
//! (never resolved here), and a reply checked byte by byte as it arrives.

use std::net::{IpAddr, Ipv6Addr};

const VERSION: u8 = 0x05;
const AUTH_VERSION: u8 = 0x01;
const METHOD_NONE: u8 = 0x00;
const METHOD_USERNAME_PASSWORD: u8 = 0x02;
const COMMAND_CONNECT: u8 = 0x01;
const ATYP_IPV4: u8 = 0x01;
const ATYP_DOMAIN: u8 = 0x03;
const ATYP_IPV6: u8 = 0x04;
/// The highest reply code RFC 1928 defines; anything above is a malformed reply.
const LAST_REPLY_CODE: u8 = 0x08;

/// Why the proxy handshake failed. Either way the connection is dropped and retried
/// after the reconnect interval, as libzmq does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocksError {
    /// The proxy sent bytes that are not a SOCKS5 message of the expected kind.
    Malformed,
    /// The proxy accepts none of the offered authentication methods.
    NoAcceptableMethod,
    /// The proxy refused the username/password (its status byte).
    AuthenticationFailed(u8),
    /// The proxy could not connect to the target (its reply code, 1..=8).
    Refused(u8),
    /// The target address cannot be put in a request (no port, port 0, a name longer
    /// than 255 bytes).
    BadTarget,
}

/// Username/password credentials (RFC 1929), each at most 255 bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub username: Vec<u8>,
    pub password: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Waiting for the method choice (2 bytes).
    Choice,
    /// Waiting for the username/password status (2 bytes).
    AuthStatus,
    /// Waiting for the CONNECT reply (variable length).
    Reply,
    Done,
    Failed(SocksError),
}

pub struct SocksClient {
    state: State,
    /// The target as given to connect (`host:port`), put into the request once the
    /// proxy has chosen a method.
    target: String,
    credentials: Option<Credentials>,
    output: Vec<u8>,
    /// The bytes of the message being received.
    input: Vec<u8>,
}

impl SocksClient {
    /// A client that will ask the proxy to connect to `target` (the tcp address given
    /// to `zmq_connect`, `host:port` or `[v6]:port`). The greeting is ready to send.
    pub fn new(target: &str, credentials: Option<Credentials>) -> SocksClient {
        let method = if credentials.is_some() {
            METHOD_USERNAME_PASSWORD
        } else {
            METHOD_NONE
        };
        SocksClient {
            state: State::Choice,
            target: target.to_owned(),
            credentials,
            output: vec![VERSION, 1, method],
            input: Vec::new(),
        }
    }

    /// Bytes to send to the proxy now.
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    /// `n` bytes of [`SocksClient::output`] were sent.
    pub fn consume_output(&mut self, n: usize) {
        self.output.drain(..n.min(self.output.len()));
    }

    /// How many bytes to read from the proxy at most: the rest of the message being
    /// received, so that nothing after it is taken from the stream. 0 when done.
    pub fn wanted(&self) -> usize {
        let total = match self.state {
            State::Choice | State::AuthStatus => 2,
            State::Reply => reply_length(&self.input),
            State::Done | State::Failed(_) => return 0,
        };
        total.saturating_sub(self.input.len())
    }

    /// True once the proxy has connected us to the target (and all output is sent).
    pub fn is_done(&self) -> bool {
        self.state == State::Done && self.output.is_empty()
    }

    /// Feeds bytes read from the proxy (at most [`SocksClient::wanted`]; any more are
    /// refused as malformed, since they cannot belong to the handshake).
    pub fn receive(&mut self, bytes: &[u8]) -> Result<(), SocksError> {
        if let State::Failed(e) = self.state {
            return Err(e);
        }
        for &byte in bytes {
            if self.wanted() == 0 {
                return self.fail(SocksError::Malformed);
            }
            self.input.push(byte);
            if let Err(e) = self.check_prefix() {
                return self.fail(e);
            }
            if self.wanted() == 0 {
                if let Err(e) = self.message_complete() {
                    return self.fail(e);
                }
            }
        }
        Ok(())
    }

    fn fail(&mut self, error: SocksError) -> Result<(), SocksError> {
        self.state = State::Failed(error);
        self.output.clear();
        Err(error)
    }

    /// Checks the bytes of the current message received so far, as libzmq does after
    /// each read: version bytes, the reply code range, the reserved byte, the address
    /// type.
    fn check_prefix(&self) -> Result<(), SocksError> {
        let input = &self.input;
        match self.state {
            State::Choice if input[0] != VERSION => Err(SocksError::Malformed),
            State::AuthStatus if input[0] != AUTH_VERSION => Err(SocksError::Malformed),
            State::Reply => {
                let bad = input[0] != VERSION
                    || input.get(1).is_some_and(|&code| code > LAST_REPLY_CODE)
                    || input.get(2).is_some_and(|&reserved| reserved != 0)
                    || input
                        .get(3)
                        .is_some_and(|&atyp| !matches!(atyp, ATYP_IPV4 | ATYP_DOMAIN | ATYP_IPV6));
                if bad {
                    Err(SocksError::Malformed)
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    fn message_complete(&mut self) -> Result<(), SocksError> {
        let message = std::mem::take(&mut self.input);
        match self.state {
            State::Choice => match message[1] {
                // libzmq follows the proxy's choice among the two it knows, whichever
                // it offered (empty credentials when it offered none).
                METHOD_NONE => self.send_request(),
                METHOD_USERNAME_PASSWORD => self.send_credentials(),
                _ => Err(SocksError::NoAcceptableMethod),
            },
            State::AuthStatus => match message[1] {
                0 => self.send_request(),
                status => Err(SocksError::AuthenticationFailed(status)),
            },
            State::Reply => match message[1] {
                0 => {
                    self.state = State::Done;
                    Ok(())
                }
                code => Err(SocksError::Refused(code)),
            },
            State::Done | State::Failed(_) => Ok(()),
        }
    }

    fn send_credentials(&mut self) -> Result<(), SocksError> {
        let (username, password) = match &self.credentials {
            Some(c) => (c.username.as_slice(), c.password.as_slice()),
            None => (&[][..], &[][..]),
        };
        let (Ok(user_len), Ok(pass_len)) =
            (u8::try_from(username.len()), u8::try_from(password.len()))
        else {
            return Err(SocksError::BadTarget);
        };
        self.output.push(AUTH_VERSION);
        self.output.push(user_len);
        self.output.extend_from_slice(username);
        self.output.push(pass_len);
        self.output.extend_from_slice(password);
        self.state = State::AuthStatus;
        Ok(())
    }

    fn send_request(&mut self) -> Result<(), SocksError> {
        let request = connect_request(&self.target)?;
        self.output.extend_from_slice(&request);
        self.state = State::Reply;
        Ok(())
    }
}

/// The full length of a CONNECT reply, as far as the bytes so far tell: at least the
/// 5 bytes up to the first address byte, then by address type.
fn reply_length(input: &[u8]) -> usize {
    match (input.get(3), input.get(4)) {
        (Some(&ATYP_IPV4), _) => 4 + 4 + 2,
        (Some(&ATYP_IPV6), _) => 4 + 16 + 2,
        (Some(&ATYP_DOMAIN), Some(&len)) => 4 + 1 + usize::from(len) + 2,
        _ => 5,
    }
}

/// The CONNECT request for `target` (`host:port`, `[host]:port`): the host split off
/// at the last colon, brackets removed, the port read like C's `atoi` (0 is refused).
fn connect_request(target: &str) -> Result<Vec<u8>, SocksError> {
    let (host, port) = target.rsplit_once(':').ok_or(SocksError::BadTarget)?;
    let host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(inner) if host.len() >= 2 => inner,
        _ => host,
    };
    let port = c_atoi_u16(port);
    if port == 0 {
        return Err(SocksError::BadTarget);
    }
    let mut request = vec![VERSION, COMMAND_CONNECT, 0];
    match numeric_host(host) {
        Some(IpAddr::V4(v4)) => {
            request.push(ATYP_IPV4);
            request.extend_from_slice(&v4.octets());
        }
        Some(IpAddr::V6(v6)) => {
            request.push(ATYP_IPV6);
            request.extend_from_slice(&v6.octets());
        }
        None => {
            let len = u8::try_from(host.len()).map_err(|_| SocksError::BadTarget)?;
            request.push(ATYP_DOMAIN);
            request.push(len);
            request.extend_from_slice(host.as_bytes());
        }
    }
    request.extend_from_slice(&port.to_be_bytes());
    Ok(request)
}

/// A host that `getaddrinfo(AI_NUMERICHOST)` takes as an address: IPv4 in every
/// `inet_aton` form, or IPv6 (a `%zone` suffix is dropped; it is not sent).
fn numeric_host(host: &str) -> Option<IpAddr> {
    if let Some(v4) = crate::options::parse_inet_aton(host.as_bytes()) {
        return Some(IpAddr::V4(v4));
    }
    let without_zone = host.split_once('%').map_or(host, |(addr, _)| addr);
    without_zone.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// `(uint16_t) atoi(text)`: optional spaces and sign, leading digits, wrapped to 16 bits.
fn c_atoi_u16(text: &str) -> u16 {
    let text = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match text.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        rest => (false, rest),
    };
    let value = digits
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0i64, |acc, &b| {
            (acc * 10 + i64::from(b - b'0')).min(i64::from(i32::MAX))
        });
    let value = if negative { -value } else { value };
    value as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the client against scripted proxy replies; returns what it sent.
    fn exchange(client: &mut SocksClient, replies: &[&[u8]]) -> Result<Vec<u8>, SocksError> {
        let mut sent = Vec::new();
        for reply in replies {
            sent.extend_from_slice(client.output());
            let n = client.output().len();
            client.consume_output(n);
            for &byte in *reply {
                // One byte at a time, as a slow proxy would deliver them.
                client.receive(&[byte])?;
            }
        }
        sent.extend_from_slice(client.output());
        Ok(sent)
    }

    const CHOICE_NONE: &[u8] = &[5, 0];
    const SUCCESS_V4: &[u8] = &[5, 0, 0, 1, 10, 0, 0, 1, 0x1f, 0x90];

    #[test]
    fn domain_name_target_is_sent_unresolved() {
        let mut c = SocksClient::new("example.org:5555", None);
        let sent = exchange(&mut c, &[CHOICE_NONE, SUCCESS_V4]).unwrap();
        let mut expected = vec![5, 1, 0, 5, 1, 0, 3, 11];
        expected.extend_from_slice(b"example.org");
        expected.extend_from_slice(&[0x15, 0xb3]);
        assert_eq!(sent, expected);
        assert!(c.is_done());
        assert_eq!(c.wanted(), 0);
    }

    #[test]
    fn numeric_targets_are_sent_as_addresses() {
        let request = connect_request("127.0.0.1:80").unwrap();
        assert_eq!(request, [5, 1, 0, 1, 127, 0, 0, 1, 0, 80]);
        let request = connect_request("127.1:80").unwrap();
        assert_eq!(request, [5, 1, 0, 1, 127, 0, 0, 1, 0, 80]);
        let request = connect_request("[::1]:443").unwrap();
        let mut expected = vec![5, 1, 0, 4];
        expected.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        expected.extend_from_slice(&[1, 0xbb]);
        assert_eq!(request, expected);
    }

    #[test]
    fn bad_targets() {
        assert_eq!(connect_request("host"), Err(SocksError::BadTarget));
        assert_eq!(connect_request("host:0"), Err(SocksError::BadTarget));
        assert_eq!(connect_request("host:*"), Err(SocksError::BadTarget));
        let long = format!("{}:1", "a".repeat(256));
        assert_eq!(connect_request(&long), Err(SocksError::BadTarget));
        // atoi: leading digits count, the rest is ignored; 65536 wraps to 0.
        assert_eq!(connect_request("h:80x").unwrap().last(), Some(&80));
        assert_eq!(connect_request("h:65536"), Err(SocksError::BadTarget));
        let mut c = SocksClient::new("host:0", None);
        assert_eq!(exchange(&mut c, &[CHOICE_NONE]), Err(SocksError::BadTarget));
    }

    #[test]
    fn reply_lengths_follow_the_address_type() {
        for reply in [
            &[5u8, 0, 0, 1, 1, 2, 3, 4, 0, 1][..],
            &[5, 0, 0, 3, 3, b'a', b'b', b'c', 0, 1][..],
            &[
                5, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1,
            ][..],
        ] {
            let mut c = SocksClient::new("h:1", None);
            exchange(&mut c, &[CHOICE_NONE]).unwrap();
            c.consume_output(c.output().len());
            assert_eq!(c.wanted(), 5);
            c.receive(&reply[..5]).unwrap();
            assert_eq!(c.wanted(), reply.len() - 5);
            c.receive(&reply[5..]).unwrap();
            assert!(c.is_done(), "{reply:?}");
        }
    }

    #[test]
    fn username_password() {
        let credentials = Credentials {
            username: b"user".to_vec(),
            password: b"pw".to_vec(),
        };
        let mut c = SocksClient::new("h:1", Some(credentials));
        let sent = exchange(&mut c, &[&[5, 2], &[1, 0], SUCCESS_V4]).unwrap();
        let mut expected = vec![5, 1, 2, 1, 4];
        expected.extend_from_slice(b"user");
        expected.push(2);
        expected.extend_from_slice(b"pw");
        expected.extend_from_slice(&[5, 1, 0, 3, 1, b'h', 0, 1]);
        assert_eq!(sent, expected);
        assert!(c.is_done());

        let mut c = SocksClient::new("h:1", None);
        assert_eq!(
            exchange(&mut c, &[&[5, 2], &[1, 1]]),
            Err(SocksError::AuthenticationFailed(1))
        );
    }

    #[test]
    fn refusals() {
        let mut c = SocksClient::new("h:1", None);
        assert_eq!(
            exchange(&mut c, &[&[5, 0xff]]),
            Err(SocksError::NoAcceptableMethod)
        );
        let mut c = SocksClient::new("h:1", None);
        let refused = [5, 5, 0, 1, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            exchange(&mut c, &[CHOICE_NONE, &refused]),
            Err(SocksError::Refused(5))
        );
        assert!(!c.is_done());
        assert_eq!(c.receive(&[0]), Err(SocksError::Refused(5)));
    }

    #[test]
    fn malformed_replies_are_caught_at_the_first_bad_byte() {
        let cases: [(&[u8], &[u8]); 7] = [
            (&[4], &[]),                  // choice: wrong version
            (CHOICE_NONE, &[4]),          // reply: wrong version
            (CHOICE_NONE, &[5, 9]),       // reply code out of range
            (CHOICE_NONE, &[5, 0, 1]),    // reserved byte set
            (CHOICE_NONE, &[5, 0, 0, 2]), // unknown address type
            (CHOICE_NONE, &[5, 0, 0, 0]), // unknown address type
            (&[5, 2], &[2]),              // auth status: wrong version
        ];
        for (first, second) in cases {
            let mut c = SocksClient::new("h:1", None);
            let result = exchange(&mut c, &[first, second]);
            assert_eq!(result, Err(SocksError::Malformed), "{first:?} {second:?}");
            assert_eq!(c.wanted(), 0);
            assert!(c.output().is_empty());
        }
    }

    #[test]
    fn bytes_beyond_the_reply_are_refused() {
        let mut c = SocksClient::new("h:1", None);
        exchange(&mut c, &[CHOICE_NONE, SUCCESS_V4]).unwrap();
        assert_eq!(c.receive(&[0xff]), Err(SocksError::Malformed));
    }

    #[test]
    fn arbitrary_input_never_panics() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            let mut c = SocksClient::new("host:9", None);
            for _ in 0..40 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let byte = (seed >> 24) as u8;
                c.consume_output(c.output().len());
                if c.receive(&[byte]).is_err() || c.is_done() {
                    break;
                }
            }
        }
    }
}
