//! Socket-level tuning of tcp and ipc connections, as libzmq applies it, plus the
//! `syscall!` helper the transport's thin wrappers share.
//!
//! libzmq tunes a TCP socket in two phases, and the order matters (buffer sizes must be
//! set before `listen`/`connect` to influence window scaling):
//! * [`prepare_socket`] right after `socket()`, before `bind`/`connect`: IP_TOS (and
//!   IPV6_TCLASS), SO_PRIORITY, SO_BINDTODEVICE, SO_SNDBUF, SO_RCVBUF (then a listener
//!   adds [`set_reuse_address`]; an IPv6 socket gets [`enable_ipv4_mapping`] first);
//! * [`tune_connection`] once a connection exists (connected or accepted): TCP_NODELAY,
//!   the keepalive family, TCP_USER_TIMEOUT.
//!
//! An accepted socket gets [`tune_accepted`]: TOS and priority again, then the
//! connection tuning (buffers and device are inherited from the listener).
//! No event loop here; every function is one or a few `setsockopt` calls.

use std::io;
use std::mem;
use std::os::unix::io::RawFd;

use crate::options::Options;

/// Calls a `libc` function and turns its `-1` failure into the thread's `io::Error`.
/// The call site carries the `// SAFETY:` justification for the arguments it passes.
macro_rules! syscall {
    ($fn:ident ( $($arg:expr),* $(,)? )) => {{
        #[allow(unused_unsafe)]
        // SAFETY: each call site states why its arguments are valid for this call.
        let rc = unsafe { libc::$fn($($arg),*) };
        if rc == -1 {
            Err(std::io::Error::last_os_error())
        } else {
            Ok(rc)
        }
    }};
}
pub(crate) use syscall;

/// Everything libzmq sets on a TCP socket, in one call: [`prepare_socket`] followed by
/// [`tune_connection`]. A listener or connecter should call the two phases separately
/// (buffers before `connect`, the rest after); this is the all-at-once form.
pub fn apply_tcp_options(fd: RawFd, options: &Options) -> io::Result<()> {
    prepare_socket(fd, options)?;
    tune_connection(fd, options)
}

/// The options libzmq sets on a fresh TCP socket before `bind` or `connect`
/// (`tcp_open_socket` and `tcp_listener_t::set_local_address`).
pub fn prepare_socket(fd: RawFd, options: &Options) -> io::Result<()> {
    if options.tos != 0 {
        set_type_of_service(fd, options.tos)?;
    }
    if options.priority != 0 {
        set_int(fd, libc::SOL_SOCKET, libc::SO_PRIORITY, options.priority)?;
    }
    bind_to_device(fd, &options.bindtodevice)?;
    // libzmq's rule: -1 (the default) leaves the OS value, 0 and above are applied.
    if options.sndbuf >= 0 {
        set_int(fd, libc::SOL_SOCKET, libc::SO_SNDBUF, options.sndbuf)?;
    }
    if options.rcvbuf >= 0 {
        set_int(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, options.rcvbuf)?;
    }
    // ZMQ_BUSY_POLL (draft): microseconds to busy-poll on a read, as libzmq (raising it
    // above net.core.busy_read needs CAP_NET_ADMIN: EPERM otherwise).
    if options.busy_poll > 0 {
        set_int(fd, libc::SOL_SOCKET, libc::SO_BUSY_POLL, options.busy_poll)?;
    }
    Ok(())
}

/// The options libzmq sets once a TCP connection exists, on both ends.
pub fn tune_connection(fd: RawFd, options: &Options) -> io::Result<()> {
    set_int(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1)?;
    set_keepalives(fd, options)?;
    // TCP_MAXRT is in milliseconds, as TCP_USER_TIMEOUT; 0 (default) leaves the OS value.
    if options.tcp_maxrt > 0 {
        set_int(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_USER_TIMEOUT,
            options.tcp_maxrt,
        )?;
    }
    Ok(())
}

/// What libzmq sets on a socket returned by `accept`: TOS and priority (the listener's
/// buffers and device are inherited), then the connection tuning.
pub fn tune_accepted(fd: RawFd, options: &Options) -> io::Result<()> {
    if options.tos != 0 {
        set_type_of_service(fd, options.tos)?;
    }
    if options.priority != 0 {
        set_int(fd, libc::SOL_SOCKET, libc::SO_PRIORITY, options.priority)?;
    }
    tune_connection(fd, options)
}

/// `ZMQ_TCP_KEEPALIVE*`: -1 leaves the OS default; the counts are set only when
/// keepalive is explicitly on.
fn set_keepalives(fd: RawFd, options: &Options) -> io::Result<()> {
    if options.tcp_keepalive == -1 {
        return Ok(());
    }
    set_int(
        fd,
        libc::SOL_SOCKET,
        libc::SO_KEEPALIVE,
        options.tcp_keepalive,
    )?;
    if options.tcp_keepalive == 0 {
        return Ok(());
    }
    let counts = [
        (libc::TCP_KEEPCNT, options.tcp_keepalive_cnt),
        (libc::TCP_KEEPIDLE, options.tcp_keepalive_idle),
        (libc::TCP_KEEPINTVL, options.tcp_keepalive_intvl),
    ];
    for (name, value) in counts {
        if value != -1 {
            set_int(fd, libc::IPPROTO_TCP, name, value)?;
        }
    }
    Ok(())
}

/// IP_TOS, and IPV6_TCLASS for IPv6 sockets. As libzmq, the IPv6 call is made on every
/// socket and its "not an IPv6 socket" failure (ENOPROTOOPT) is ignored.
pub fn set_type_of_service(fd: RawFd, tos: i32) -> io::Result<()> {
    set_int(fd, libc::IPPROTO_IP, libc::IP_TOS, tos)?;
    match set_int(fd, libc::IPPROTO_IPV6, libc::IPV6_TCLASS, tos) {
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOPROTOOPT | libc::EINVAL)) => Ok(()),
        other => other,
    }
}

/// `ZMQ_BINDTODEVICE`: SO_BINDTODEVICE with the name's bytes; an empty name sets nothing.
pub fn bind_to_device(fd: RawFd, name: &[u8]) -> io::Result<()> {
    if name.is_empty() {
        return Ok(());
    }
    let len = libc::socklen_t::try_from(name.len())
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: `name` is a live slice of `len` bytes for the duration of the call.
    syscall!(setsockopt(
        fd,
        libc::SOL_SOCKET,
        libc::SO_BINDTODEVICE,
        name.as_ptr().cast(),
        len
    ))?;
    Ok(())
}

/// SO_REUSEADDR, which libzmq sets on a listener just before `bind`, and on a
/// connecting socket that binds a source address (`tcp://src:port;dst:port`).
pub fn set_reuse_address(fd: RawFd) -> io::Result<()> {
    set_int(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)
}

/// libzmq turns IPv4 mapping on for every IPv6 socket (IPV6_V6ONLY = 0), so a `[::]`
/// listener also accepts IPv4 peers whatever the system default is.
pub fn enable_ipv4_mapping(fd: RawFd) -> io::Result<()> {
    set_int(fd, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, 0)
}

/// The text `zmq_msg_gets(msg, "Peer-Address")` returns: the peer's numeric host for
/// tcp (`127.0.0.1`, `::1`, `::ffff:127.0.0.1`); for ipc, what glibc's `getnameinfo`
/// says of a unix peer (`localhost`) followed by `:uid:gid:pid` from SO_PEERCRED.
/// `None` when the socket has no peer, in which case libzmq sets no property.
pub fn peer_address_string(fd: RawFd) -> Option<String> {
    // SAFETY: an all-zero sockaddr_storage is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: `storage` is writable for `len` bytes; the kernel updates `len`.
    syscall!(getpeername(
        fd,
        (&mut storage as *mut libc::sockaddr_storage).cast(),
        &mut len
    ))
    .ok()?;
    if i32::from(storage.ss_family) == libc::AF_UNIX {
        // glibc's getnameinfo names every unix peer "localhost"; libzmq appends the
        // peer's credentials.
        let mut text = String::from("localhost");
        if let Some(cred) = peer_credentials(fd) {
            text.push_str(&format!(":{}:{}:{}", cred.uid, cred.gid, cred.pid));
        }
        return Some(text);
    }
    super::tcp_address::numeric_host(&storage, len)
}

/// SO_PEERCRED of a connected unix socket.
pub(crate) fn peer_credentials(fd: RawFd) -> Option<libc::ucred> {
    // SAFETY: an all-zero ucred is a valid value.
    let mut cred: libc::ucred = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` is writable for `len` bytes.
    syscall!(getsockopt(
        fd,
        libc::SOL_SOCKET,
        libc::SO_PEERCRED,
        (&mut cred as *mut libc::ucred).cast(),
        &mut len
    ))
    .ok()?;
    Some(cred)
}

fn set_int(fd: RawFd, level: i32, name: i32, value: i32) -> io::Result<()> {
    // SAFETY: `value` is a live c_int and the length passed is its size.
    syscall!(setsockopt(
        fd,
        level,
        name,
        (&value as *const i32).cast(),
        mem::size_of::<i32>() as libc::socklen_t
    ))?;
    Ok(())
}

#[cfg(test)]
fn get_int(fd: RawFd, level: i32, name: i32) -> io::Result<i32> {
    let mut value: i32 = 0;
    let mut len = mem::size_of::<i32>() as libc::socklen_t;
    // SAFETY: `value` is writable for `len` bytes.
    syscall!(getsockopt(
        fd,
        level,
        name,
        (&mut value as *mut i32).cast(),
        &mut len
    ))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::ZMQ_PAIR;
    use std::net::{TcpListener, TcpStream};
    use std::os::unix::io::AsRawFd;
    use std::os::unix::net::UnixStream;

    fn connected_pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (client, server)
    }

    #[test]
    fn defaults_set_only_nodelay() {
        let (client, _server) = connected_pair();
        let fd = client.as_raw_fd();
        let keepalive_before = get_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE).unwrap();
        let sndbuf_before = get_int(fd, libc::SOL_SOCKET, libc::SO_SNDBUF).unwrap();
        apply_tcp_options(fd, &Options::new(ZMQ_PAIR)).unwrap();
        assert_eq!(
            get_int(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY).unwrap(),
            1
        );
        assert_eq!(
            get_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE).unwrap(),
            keepalive_before
        );
        assert_eq!(
            get_int(fd, libc::SOL_SOCKET, libc::SO_SNDBUF).unwrap(),
            sndbuf_before
        );
        assert_eq!(get_int(fd, libc::IPPROTO_IP, libc::IP_TOS).unwrap(), 0);
        assert_eq!(
            get_int(fd, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT).unwrap(),
            0
        );
    }

    #[test]
    fn keepalive_tos_buffers_and_maxrt_read_back() {
        let (client, _server) = connected_pair();
        let fd = client.as_raw_fd();
        let mut options = Options::new(ZMQ_PAIR);
        options.tcp_keepalive = 1;
        options.tcp_keepalive_cnt = 7;
        options.tcp_keepalive_idle = 33;
        options.tcp_keepalive_intvl = 11;
        options.tos = 0x28;
        options.rcvbuf = 65536;
        options.tcp_maxrt = 1234;
        apply_tcp_options(fd, &options).unwrap();
        assert_eq!(
            get_int(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY).unwrap(),
            1
        );
        assert_eq!(
            get_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE).unwrap(),
            1
        );
        assert_eq!(
            get_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPCNT).unwrap(),
            7
        );
        assert_eq!(
            get_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE).unwrap(),
            33
        );
        assert_eq!(
            get_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL).unwrap(),
            11
        );
        assert_eq!(get_int(fd, libc::IPPROTO_IP, libc::IP_TOS).unwrap(), 0x28);
        // Linux doubles the requested buffer size for its bookkeeping.
        assert_eq!(
            get_int(fd, libc::SOL_SOCKET, libc::SO_RCVBUF).unwrap(),
            2 * 65536
        );
        assert_eq!(
            get_int(fd, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT).unwrap(),
            1234
        );
    }

    #[test]
    fn keepalive_zero_turns_it_off_and_skips_the_counts() {
        let (client, _server) = connected_pair();
        let fd = client.as_raw_fd();
        let cnt_before = get_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPCNT).unwrap();
        let mut options = Options::new(ZMQ_PAIR);
        options.tcp_keepalive = 1;
        tune_connection(fd, &options).unwrap();
        assert_eq!(
            get_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE).unwrap(),
            1
        );
        options.tcp_keepalive = 0;
        options.tcp_keepalive_cnt = 3;
        tune_connection(fd, &options).unwrap();
        assert_eq!(
            get_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE).unwrap(),
            0
        );
        assert_eq!(
            get_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPCNT).unwrap(),
            cnt_before
        );
    }

    #[test]
    fn sndbuf_zero_is_applied_as_libzmq_does() {
        let (client, _server) = connected_pair();
        let fd = client.as_raw_fd();
        let mut options = Options::new(ZMQ_PAIR);
        options.sndbuf = 0;
        prepare_socket(fd, &options).unwrap();
        // The kernel clamps 0 up to its minimum, well below any default.
        let sndbuf = get_int(fd, libc::SOL_SOCKET, libc::SO_SNDBUF).unwrap();
        assert!(sndbuf > 0 && sndbuf < 16384, "{sndbuf}");
    }

    #[test]
    fn reuse_address_is_set() {
        let (client, _server) = connected_pair();
        set_reuse_address(client.as_raw_fd()).unwrap();
        assert_eq!(
            get_int(client.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR).unwrap(),
            1
        );
    }

    #[test]
    fn priority_is_set_when_nonzero() {
        let (client, _server) = connected_pair();
        let fd = client.as_raw_fd();
        let mut options = Options::new(ZMQ_PAIR);
        options.priority = 3;
        tune_accepted(fd, &options).unwrap();
        assert_eq!(get_int(fd, libc::SOL_SOCKET, libc::SO_PRIORITY).unwrap(), 3);
    }

    #[test]
    fn tos_on_ipv6_socket_sets_traffic_class() {
        let Ok(listener) = TcpListener::bind("[::1]:0") else {
            return; // no IPv6 on this host
        };
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let fd = client.as_raw_fd();
        set_type_of_service(fd, 0x10).unwrap();
        assert_eq!(
            get_int(fd, libc::IPPROTO_IPV6, libc::IPV6_TCLASS).unwrap(),
            0x10
        );
    }

    #[test]
    fn ipv4_mapping_is_enabled() {
        // Like libzmq, before bind: the kernel refuses the change on a bound socket.
        // SAFETY: socket() takes no pointers.
        let Ok(fd) = syscall!(socket(libc::AF_INET6, libc::SOCK_STREAM, 0)) else {
            return; // no IPv6 on this host
        };
        set_int(fd, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, 1).unwrap();
        enable_ipv4_mapping(fd).unwrap();
        assert_eq!(
            get_int(fd, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY).unwrap(),
            0
        );
        // SAFETY: the test owns `fd` and closes it once.
        unsafe { libc::close(fd) };
    }

    #[test]
    fn bind_to_device_empty_is_a_no_op_and_unknown_fails() {
        let (client, _server) = connected_pair();
        let fd = client.as_raw_fd();
        bind_to_device(fd, b"").unwrap();
        let err = bind_to_device(fd, b"nosuchif0").unwrap_err();
        // ENODEV as root, EPERM without CAP_NET_RAW.
        assert!(
            matches!(err.raw_os_error(), Some(libc::ENODEV | libc::EPERM)),
            "{err}"
        );
    }

    #[test]
    fn peer_address_of_tcp_is_the_numeric_host() {
        let (client, server) = connected_pair();
        assert_eq!(
            peer_address_string(client.as_raw_fd()).as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            peer_address_string(server.as_raw_fd()).as_deref(),
            Some("127.0.0.1")
        );
    }

    #[test]
    fn peer_address_of_ipc_is_localhost_and_credentials() {
        let (a, _b) = UnixStream::pair().unwrap();
        // SAFETY: these calls take no arguments and cannot fail.
        let (uid, gid, pid) = unsafe { (libc::getuid(), libc::getgid(), libc::getpid()) };
        assert_eq!(
            peer_address_string(a.as_raw_fd()),
            Some(format!("localhost:{uid}:{gid}:{pid}"))
        );
    }

    #[test]
    fn peer_address_of_unconnected_socket_is_none() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        assert_eq!(peer_address_string(listener.as_raw_fd()), None);
    }
}
