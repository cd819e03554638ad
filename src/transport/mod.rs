//! Endpoints: parsing `transport://address` strings, and the transports themselves:
//! inproc (pipes only), and tcp/ipc sockets (`Acceptor`, `Stream`) that the I/O threads
//! drive. Nothing here runs an event loop.

pub mod acceptor;
pub mod host_lookup;
pub mod inproc;
pub mod ipc;
pub mod ipc_address;
pub mod peer_filter;
pub mod socket_options;
pub mod socks;
pub mod stream;
pub mod tcp;
pub mod tcp_address;
pub mod udp;
pub mod udp_address;

use crate::constants::{ZMQ_DGRAM, ZMQ_DISH, ZMQ_RADIO};
use crate::error::{Error, Result};

/// A parsed endpoint.
#[derive(Debug, PartialEq, Eq)]
pub enum Endpoint {
    Inproc(String),
    /// A transport that needs an I/O thread (tcp, ipc...).
    Network {
        transport: String,
        address: String,
    },
}

/// Transports libzmq knows by name; anything else is EPROTONOSUPPORT.
const KNOWN_TRANSPORTS: &[&str] = &[
    "tcp", "ipc", "inproc", "pgm", "epgm", "tipc", "vmci", "norm", "udp", "ws", "wss",
];

impl Endpoint {
    /// Parses `transport://address`, as libzmq: no `://`, an empty transport or an
    /// empty address is EINVAL (checked first), an unknown transport EPROTONOSUPPORT.
    pub fn parse(endpoint: &str) -> Result<Endpoint> {
        let (transport, address) = endpoint.split_once("://").ok_or(Error::Inval)?;
        if transport.is_empty() || address.is_empty() {
            return Err(Error::Inval);
        }
        if !KNOWN_TRANSPORTS.contains(&transport) {
            return Err(Error::ProtoNoSupport);
        }
        if transport == "inproc" {
            return Ok(Endpoint::Inproc(address.to_owned()));
        }
        Ok(Endpoint::Network {
            transport: transport.to_owned(),
            address: address.to_owned(),
        })
    }
}

impl Endpoint {
    /// `parse`, then whether a socket of `socket_type` may use the transport at all:
    /// libzmq always knows `udp://` but lets only RADIO, DISH and DGRAM use it, so for
    /// every socket type we have it is ENOCOMPATPROTO (on bind, connect, unbind,
    /// disconnect and monitor alike, before the address is looked at). Every other
    /// transport is open to every type (a DGRAM over tcp/ipc is raw, as a STREAM).
    pub fn parse_for(endpoint: &str, socket_type: i32) -> Result<Endpoint> {
        let parsed = Endpoint::parse(endpoint)?;
        let udp = matches!(&parsed, Endpoint::Network { transport, .. } if transport == "udp");
        if udp && !matches!(socket_type, ZMQ_RADIO | ZMQ_DISH | ZMQ_DGRAM) {
            return Err(Error::NoCompatProto);
        }
        Ok(parsed)
    }
}

/// The pipe pair between a socket and one of its network connections: SNDHWM limits
/// what the socket queues for the connection, RCVHWM what the connection queues for the
/// socket (conflating pipes have no limit). Returns (socket's end, session's end).
pub fn connection_pipes(o: &crate::options::Options) -> (crate::pipe::Pipe, crate::pipe::Pipe) {
    use crate::pipe::{pipe_pair, Direction};
    let conflate = o.effective_conflate();
    let limit = |hwm: i32| if conflate { 0 } else { hwm.max(0) as u64 };
    pipe_pair(
        Direction {
            hwm: limit(o.sndhwm),
            conflate,
        },
        Direction {
            hwm: limit(o.rcvhwm),
            conflate,
        },
    )
}

/// A failed connection attempt: why, and the descriptor that was opened and closed
/// again, if any (libzmq reports it in a CLOSED event).
pub struct ConnectFailure {
    pub error: std::io::Error,
    pub closed_fd: Option<std::os::unix::io::RawFd>,
}

impl From<std::io::Error> for ConnectFailure {
    fn from(error: std::io::Error) -> Self {
        ConnectFailure {
            error,
            closed_fd: None,
        }
    }
}

/// Where a connecting session connects (resolved once, at connect time).
pub enum Target {
    /// The address text: host names are resolved at each connection attempt.
    Tcp(String),
    Ipc(ipc_address::IpcAddress),
}

impl Target {
    /// Parses a network endpoint for connecting; EPROTONOSUPPORT for transports that
    /// are not built in.
    pub fn parse(transport: &str, address: &str) -> Result<Target> {
        match transport {
            "tcp" => {
                tcp_address::check_connect_syntax(address)?;
                Ok(Target::Tcp(address.to_owned()))
            }
            "ipc" => Ok(Target::Ipc(ipc_address::parse(address)?)),
            _ => Err(Error::ProtoNoSupport),
        }
    }

    /// Starts connecting (to the SOCKS proxy when [`Target::socks_client`] says so);
    /// the bool says whether the connect is still in progress.
    pub fn connect(
        &self,
        options: &crate::options::Options,
    ) -> std::result::Result<(stream::Stream, bool), ConnectFailure> {
        match (self, socks_proxy(options)) {
            (Target::Tcp(_), Some(proxy)) => tcp::connect(proxy, options),
            (Target::Tcp(t), None) => tcp::connect(t, options),
            (Target::Ipc(a), _) => ipc::connect(a),
        }
    }

    /// A tcp target with `ZMQ_SOCKS_PROXY` set is reached through the proxy: the
    /// SOCKS5 handshake to run on each new connection before ZMTP (with
    /// username/password when `ZMQ_SOCKS_USERNAME` is set, as libzmq). None otherwise.
    pub fn socks_client(&self, options: &crate::options::Options) -> Option<socks::SocksClient> {
        let Target::Tcp(address) = self else {
            return None;
        };
        socks_proxy(options)?;
        let credentials = (!options.socks_username.is_empty()).then(|| socks::Credentials {
            username: options.socks_username.clone(),
            password: options.socks_password.clone(),
        });
        Some(socks::SocksClient::new(address, credentials))
    }

    /// The endpoint monitor events of a connection to this target name: what is
    /// actually connected to, i.e. the proxy (`tcp://<proxy>`) for a SOCKS target, as
    /// libzmq reports it; otherwise the endpoint given to connect.
    pub fn event_endpoint(&self, options: &crate::options::Options, endpoint: &str) -> String {
        match (self, socks_proxy(options)) {
            (Target::Tcp(_), Some(proxy)) => format!("tcp://{proxy}"),
            _ => endpoint.to_owned(),
        }
    }
}

/// `ZMQ_SOCKS_PROXY` as text, if set. A value that is not UTF-8 names no host that
/// could be resolved; it is kept, so that every attempt fails and is retried.
fn socks_proxy(options: &crate::options::Options) -> Option<&str> {
    if options.socks_proxy.is_empty() {
        return None;
    }
    Some(std::str::from_utf8(&options.socks_proxy).unwrap_or("\u{fffd}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_like_libzmq() {
        assert_eq!(
            Endpoint::parse("inproc://a").unwrap(),
            Endpoint::Inproc("a".into())
        );
        assert_eq!(Endpoint::parse("inproc:/a"), Err(Error::Inval));
        assert_eq!(Endpoint::parse("foo://a"), Err(Error::ProtoNoSupport));
        assert_eq!(Endpoint::parse("foo://"), Err(Error::Inval));
        assert_eq!(
            Endpoint::parse_for("udp://127.0.0.1:5555", crate::constants::ZMQ_DEALER),
            Err(Error::NoCompatProto)
        );
        assert!(Endpoint::parse_for("udp://127.0.0.1:5555", ZMQ_DISH).is_ok());
        assert_eq!(
            Endpoint::parse_for("udp://", crate::constants::ZMQ_DEALER),
            Err(Error::Inval)
        );
        assert!(matches!(
            Endpoint::parse("tcp://127.0.0.1:5555"),
            Ok(Endpoint::Network { .. })
        ));
    }
}
