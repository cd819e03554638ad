//! The address part of `ipc://` endpoints, as libzmq reads, binds and prints it.
//!
//! * A path (relative paths stay relative to the working directory). It must fit
//!   `sun_path` with its NUL: 107 bytes at most, else ENAMETOOLONG.
//! * `@name`: a Linux abstract socket (`sun_path[0] == 0`, no trailing NUL in the
//!   address length); `@` alone is EINVAL.
//! * On bind only, anything starting with `*` asks for a fresh directory made by
//!   `mkdtemp` under `$TMPDIR`, `$TEMPDIR` or `$TMP` (the first that is a directory),
//!   else under the working directory, holding a socket named `socket`:
//!   `ipc://tmpAbC123/socket`. On connect, `*` is just a file name.
//!
//! Binding first unlinks whatever file is at the path (libzmq's recovery from a crashed
//! predecessor). On close only the wildcard's socket and directory are removed; a
//! named socket file stays, as with libzmq.

use std::ffi::{CString, OsStr, OsString};
use std::io;
use std::mem;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::io::RawFd;
use std::path::{Path, PathBuf};

use super::socket_options::syscall;
use crate::error::{Error, Result};

/// Room in `sun_path`, including the terminating NUL libzmq insists on.
const SUN_PATH_LEN: usize = 108;

/// A parsed ipc address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpcAddress {
    /// A socket file.
    Path(PathBuf),
    /// A Linux abstract socket name (the bytes after `@`).
    Abstract(Vec<u8>),
}

/// What a bind resolved to: the address, and for `ipc://*` the temporary directory
/// made for it (removed again by [`cleanup_after_close`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpcBind {
    pub address: IpcAddress,
    pub temp_dir: Option<PathBuf>,
}

/// Parses the part after `ipc://` (as connect does; bind adds the wildcard, see
/// [`prepare_bind`]). Too long is ENAMETOOLONG, `@` alone is EINVAL.
pub fn parse(address: &str) -> Result<IpcAddress> {
    // A C caller cannot pass an embedded NUL; refuse one rather than truncate.
    if address.contains('\0') {
        return Err(Error::Inval);
    }
    if address.len() >= SUN_PATH_LEN {
        return Err(Error::Os(libc::ENAMETOOLONG));
    }
    match address.strip_prefix('@') {
        Some("") => Err(Error::Inval),
        Some(name) => Ok(IpcAddress::Abstract(name.as_bytes().to_vec())),
        None => Ok(IpcAddress::Path(PathBuf::from(address))),
    }
}

/// The `ipc://...` text libzmq reports (`ZMQ_LAST_ENDPOINT`, monitor events).
pub fn endpoint_string(address: &IpcAddress) -> String {
    match address {
        IpcAddress::Path(path) => format!("ipc://{}", path.to_string_lossy()),
        IpcAddress::Abstract(name) => format!("ipc://@{}", String::from_utf8_lossy(name)),
    }
}

/// Whether a bind address asks for a fresh temporary socket (`*`, `*anything`).
pub fn is_wildcard(address: &str) -> bool {
    address.starts_with('*')
}

/// Everything libzmq's ipc listener does before `bind()`: make the wildcard directory,
/// unlink a stale file at the path, parse. If parsing fails, the wildcard directory is
/// removed again and the parse error returned.
pub fn prepare_bind(address: &str) -> Result<IpcBind> {
    prepare_bind_with_env(address, |name| std::env::var_os(name))
}

/// [`prepare_bind`] with the environment lookup given (tests avoid the real one).
fn prepare_bind_with_env(address: &str, env: impl Fn(&str) -> Option<OsString>) -> Result<IpcBind> {
    let (text, temp_dir) = if is_wildcard(address) {
        let dir = create_wildcard_dir(env)?;
        let mut socket = dir.clone().into_os_string();
        socket.push("/socket");
        (socket, Some(dir))
    } else {
        (OsString::from(address), None)
    };
    let parsed = text.to_str().ok_or(Error::Inval).and_then(parse);
    let address = match parsed {
        Ok(address) => address,
        Err(e) => {
            if let Some(dir) = &temp_dir {
                let _ = std::fs::remove_dir(dir);
            }
            return Err(e);
        }
    };
    if let IpcAddress::Path(path) = &address {
        unlink_stale(path);
    }
    Ok(IpcBind { address, temp_dir })
}

/// Removes whatever file is at `path` before binding, ignoring failure (usually:
/// there is none). Like libzmq this is unconditional: a regular file is removed too.
pub fn unlink_stale(path: &Path) {
    let _ = std::fs::remove_file(path);
}

/// What libzmq's ipc listener removes when it closes: for a wildcard bind the socket
/// file, then its directory. Named paths are left in place.
pub fn cleanup_after_close(bind: &IpcBind) -> io::Result<()> {
    if let (Some(dir), IpcAddress::Path(path)) = (&bind.temp_dir, &bind.address) {
        std::fs::remove_file(path)?;
        std::fs::remove_dir(dir)?;
    }
    Ok(())
}

/// `mkdtemp("<base>tmpXXXXXX")` where the base is the first of `$TMPDIR`, `$TEMPDIR`,
/// `$TMP` that names a directory (with a `/` appended if missing), else nothing: the
/// working directory.
fn create_wildcard_dir(env: impl Fn(&str) -> Option<OsString>) -> Result<PathBuf> {
    let mut template = ["TMPDIR", "TEMPDIR", "TMP"]
        .into_iter()
        .filter_map(env)
        .find(|dir| Path::new(dir).is_dir())
        .map(|dir| {
            let mut bytes = dir.into_vec();
            if bytes.last() != Some(&b'/') {
                bytes.push(b'/');
            }
            bytes
        })
        .unwrap_or_default();
    template.extend_from_slice(b"tmpXXXXXX");
    let template = CString::new(template).map_err(|_| Error::Inval)?;
    let mut buffer = template.into_bytes_with_nul();
    // SAFETY: `buffer` is a writable NUL-terminated template ending in XXXXXX;
    // mkdtemp rewrites those characters in place.
    let made = unsafe { libc::mkdtemp(buffer.as_mut_ptr().cast()) };
    if made.is_null() {
        return Err(io::Error::last_os_error().into());
    }
    buffer.pop(); // the NUL
    Ok(PathBuf::from(OsString::from_vec(buffer)))
}

/// The address as a `sockaddr_un` and the length to pass to `bind`/`connect`:
/// the path's bytes (the NUL is not counted, as in libzmq), or a NUL followed by the
/// abstract name.
pub fn to_sockaddr(address: &IpcAddress) -> Result<(libc::sockaddr_un, libc::socklen_t)> {
    // SAFETY: an all-zero sockaddr_un is a valid value.
    let mut sun: libc::sockaddr_un = unsafe { mem::zeroed() };
    sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let (offset, bytes) = match address {
        IpcAddress::Path(path) => (0, path.as_os_str().as_bytes()),
        IpcAddress::Abstract(name) => (1, name.as_slice()),
    };
    if offset + bytes.len() >= SUN_PATH_LEN {
        return Err(Error::Os(libc::ENAMETOOLONG));
    }
    for (slot, byte) in sun.sun_path.iter_mut().skip(offset).zip(bytes) {
        *slot = *byte as libc::c_char;
    }
    let len = mem::offset_of!(libc::sockaddr_un, sun_path) + offset + bytes.len();
    Ok((sun, len as libc::socklen_t))
}

/// Reads a `sockaddr_un` as the kernel filled it (`getsockname`/`getpeername`).
/// `None` for an unnamed socket. As libzmq, a name stops at its first NUL.
pub fn from_sockaddr(sun: &libc::sockaddr_un, len: libc::socklen_t) -> Option<IpcAddress> {
    if i32::from(sun.sun_family) != libc::AF_UNIX {
        return None;
    }
    let offset = mem::offset_of!(libc::sockaddr_un, sun_path);
    let used = (len as usize).saturating_sub(offset).min(SUN_PATH_LEN);
    let raw: Vec<u8> = sun.sun_path.iter().take(used).map(|c| *c as u8).collect();
    let until_nul =
        |bytes: &[u8]| -> Vec<u8> { bytes.iter().copied().take_while(|b| *b != 0).collect() };
    match raw.split_first() {
        None => None,
        Some((0, name)) if name.first().is_some_and(|b| *b != 0) => {
            Some(IpcAddress::Abstract(until_nul(name)))
        }
        Some((0, _)) => None,
        Some(_) => Some(IpcAddress::Path(PathBuf::from(OsStr::from_bytes(
            &until_nul(&raw),
        )))),
    }
}

/// The `ZMQ_LAST_ENDPOINT` text of a bound unix socket, from `getsockname` as libzmq
/// reads it.
pub fn local_endpoint(fd: RawFd) -> io::Result<String> {
    // SAFETY: an all-zero sockaddr_un is a valid value.
    let mut sun: libc::sockaddr_un = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
    // SAFETY: `sun` is writable for `len` bytes; the kernel updates `len`.
    syscall!(getsockname(
        fd,
        (&mut sun as *mut libc::sockaddr_un).cast(),
        &mut len
    ))?;
    from_sockaddr(&sun, len)
        .map(|address| endpoint_string(&address))
        .ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))
}

/// Which end of a connected unix socket to name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketEnd {
    Local,
    Peer,
}

/// libzmq's text for one end of a connected unix socket (the addresses of monitor v2
/// events): `ipc://` and the path, `ipc://@` and the abstract name, or `ipc://` alone
/// for an unnamed end (a connecting socket's own, and so an accepted peer); empty when
/// the kernel cannot tell.
pub fn connection_end(fd: RawFd, end: SocketEnd) -> String {
    // SAFETY: an all-zero sockaddr_un is a valid value.
    let mut sun: libc::sockaddr_un = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
    let address = (&mut sun as *mut libc::sockaddr_un).cast();
    let named = match end {
        // SAFETY: `sun` is writable for `len` bytes; the kernel updates `len`.
        SocketEnd::Local => syscall!(getsockname(fd, address, &mut len)),
        // SAFETY: as above.
        SocketEnd::Peer => syscall!(getpeername(fd, address, &mut len)),
    };
    if named.is_err() || i32::from(sun.sun_family) != libc::AF_UNIX {
        return String::new();
    }
    from_sockaddr(&sun, len).map_or_else(|| "ipc://".to_owned(), |a| endpoint_string(&a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::io::AsRawFd;
    use std::os::unix::net::{UnixListener, UnixStream};

    fn scratch_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("zmq-ipc-test-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn bind_raw(address: &IpcAddress) -> io::Result<RawFd> {
        let (sun, len) = to_sockaddr(address).map_err(|_| io::Error::other("to_sockaddr"))?;
        // SAFETY: socket() takes no pointers.
        let fd = syscall!(socket(
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
            0
        ))?;
        // SAFETY: `sun` is a valid sockaddr_un of `len` bytes.
        let bound = syscall!(bind(fd, (&sun as *const libc::sockaddr_un).cast(), len))
            // SAFETY: listen() takes no pointers.
            .and_then(|_| syscall!(listen(fd, 10)));
        if let Err(e) = bound {
            // SAFETY: `fd` is ours and closed once.
            unsafe { libc::close(fd) };
            return Err(e);
        }
        Ok(fd)
    }

    fn close(fd: RawFd) {
        // SAFETY: the test owns `fd` and closes it once.
        unsafe { libc::close(fd) };
    }

    #[test]
    fn parses_paths_and_abstract_names() {
        assert_eq!(
            parse("/tmp/x.sock"),
            Ok(IpcAddress::Path("/tmp/x.sock".into()))
        );
        assert_eq!(parse("rel-sock"), Ok(IpcAddress::Path("rel-sock".into())));
        assert_eq!(parse("*"), Ok(IpcAddress::Path("*".into())));
        assert_eq!(parse("@x"), Ok(IpcAddress::Abstract(b"x".to_vec())));
        assert_eq!(parse("@"), Err(Error::Inval));
    }

    #[test]
    fn length_limit_is_107_bytes_for_both_kinds() {
        for prefix in ["/", "@"] {
            let fits = format!("{prefix}{}", "a".repeat(106));
            let too_long = format!("{prefix}{}", "a".repeat(107));
            assert!(parse(&fits).is_ok(), "{prefix}");
            assert_eq!(parse(&too_long), Err(Error::Os(libc::ENAMETOOLONG)));
        }
    }

    #[test]
    fn endpoint_strings() {
        assert_eq!(
            endpoint_string(&IpcAddress::Path("/tmp/np/sock1".into())),
            "ipc:///tmp/np/sock1"
        );
        assert_eq!(
            endpoint_string(&IpcAddress::Abstract(b"abstract-probe".to_vec())),
            "ipc://@abstract-probe"
        );
    }

    #[test]
    fn abstract_socket_binds_and_reports_its_name() {
        let name = format!("zmq-rs-test-{}", std::process::id());
        let address = parse(&format!("@{name}")).unwrap();
        let (_, len) = to_sockaddr(&address).unwrap();
        assert_eq!(
            len as usize,
            mem::offset_of!(libc::sockaddr_un, sun_path) + 1 + name.len()
        );
        let fd = bind_raw(&address).unwrap();
        assert_eq!(local_endpoint(fd).unwrap(), format!("ipc://@{name}"));
        // Connect with the same address reaches it.
        let (sun, len) = to_sockaddr(&address).unwrap();
        // SAFETY: socket() takes no pointers.
        let client = syscall!(socket(libc::AF_UNIX, libc::SOCK_STREAM, 0)).unwrap();
        // SAFETY: valid sockaddr_un of `len` bytes.
        syscall!(connect(
            client,
            (&sun as *const libc::sockaddr_un).cast(),
            len
        ))
        .unwrap();
        close(client);
        close(fd);
    }

    #[test]
    fn path_bind_unlinks_stale_files_and_reports_the_path() {
        let dir = scratch_dir("path");
        let path = dir.join("sock");
        // A regular file is in the way: libzmq removes it.
        std::fs::write(&path, b"stale").unwrap();
        let text = path.to_str().unwrap();
        let bind = prepare_bind(text).unwrap();
        assert_eq!(bind.temp_dir, None);
        assert!(!path.exists());
        let fd = bind_raw(&bind.address).unwrap();
        assert_eq!(local_endpoint(fd).unwrap(), format!("ipc://{text}"));
        close(fd);
        // The file survives close (libzmq leaves named sockets), and a rebind works.
        cleanup_after_close(&bind).unwrap();
        assert!(path.exists());
        let again = prepare_bind(text).unwrap();
        let fd = bind_raw(&again.address).unwrap();
        close(fd);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn prepare_bind_refuses_too_long_paths() {
        let long = format!("/{}", "a".repeat(120));
        assert_eq!(prepare_bind(&long), Err(Error::Os(libc::ENAMETOOLONG)));
        assert_eq!(prepare_bind("@"), Err(Error::Inval));
    }

    #[test]
    fn wildcard_dir_honours_tmpdir_then_falls_back() {
        let base = scratch_dir("wild");
        let base_text = base.clone().into_os_string();
        let dir = create_wildcard_dir(|name| match name {
            "TMPDIR" => Some(OsString::from("/nonexistent-dir")),
            "TEMPDIR" => Some(base_text.clone()),
            _ => None,
        })
        .unwrap();
        assert!(dir.is_dir());
        assert_eq!(dir.parent(), Some(base.as_path()));
        let name = dir.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("tmp") && name.len() == 9, "{name}");
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn wildcard_bind_lives_in_a_fresh_directory_removed_on_close() {
        let base = scratch_dir("wildbind");
        let base_text = base.clone().into_os_string();
        let bind = prepare_bind_with_env("*anything", |name| {
            (name == "TMP").then(|| base_text.clone())
        })
        .unwrap();
        let dir = bind.temp_dir.clone().unwrap();
        let IpcAddress::Path(path) = &bind.address else {
            panic!("wildcard gives a path");
        };
        assert_eq!(path, &dir.join("socket"));
        assert!(dir.is_dir());
        let fd = bind_raw(&bind.address).unwrap();
        assert_eq!(
            local_endpoint(fd).unwrap(),
            format!("ipc://{}", path.display())
        );
        close(fd);
        cleanup_after_close(&bind).unwrap();
        assert!(!dir.exists());
        std::fs::remove_dir(&base).unwrap();
    }

    #[test]
    fn wildcard_with_too_long_tmpdir_fails_and_leaves_nothing() {
        let base = scratch_dir("wildlong");
        let deep = base.join("d".repeat(100));
        std::fs::create_dir_all(&deep).unwrap();
        let deep_text = deep.clone().into_os_string();
        let result =
            prepare_bind_with_env("*", |name| (name == "TMPDIR").then(|| deep_text.clone()));
        assert_eq!(result, Err(Error::Os(libc::ENAMETOOLONG)));
        assert_eq!(std::fs::read_dir(&deep).unwrap().count(), 0);
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn connection_ends_are_named_as_libzmq_names_them() {
        let dir = scratch_dir("ends");
        let path = dir.join("s");
        let listener = UnixListener::bind(&path).unwrap();
        let client = UnixStream::connect(&path).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        let named = format!("ipc://{}", path.display());
        assert_eq!(
            connection_end(client.as_raw_fd(), SocketEnd::Local),
            "ipc://"
        );
        assert_eq!(connection_end(client.as_raw_fd(), SocketEnd::Peer), named);
        assert_eq!(
            connection_end(accepted.as_raw_fd(), SocketEnd::Local),
            named
        );
        assert_eq!(
            connection_end(accepted.as_raw_fd(), SocketEnd::Peer),
            "ipc://"
        );
        std::fs::remove_dir_all(&dir).unwrap();

        let name = format!("zmq-ends-{}", std::process::id());
        let fd = bind_raw(&IpcAddress::Abstract(name.clone().into_bytes())).unwrap();
        let (sun, len) = to_sockaddr(&IpcAddress::Abstract(name.clone().into_bytes())).unwrap();
        // SAFETY: socket() takes no pointers.
        let c = syscall!(socket(
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
            0
        ))
        .unwrap();
        // SAFETY: `sun` is a valid sockaddr_un of `len` bytes.
        syscall!(connect(c, (&sun as *const libc::sockaddr_un).cast(), len)).unwrap();
        assert_eq!(connection_end(c, SocketEnd::Peer), format!("ipc://@{name}"));
        close(c);
        close(fd);
        assert_eq!(connection_end(-1, SocketEnd::Local), "");
    }

    #[test]
    fn from_sockaddr_of_unnamed_peer_is_none() {
        let (a, _b) = UnixStream::pair().unwrap();
        assert!(local_endpoint(a.as_raw_fd()).is_err());
        let dir = scratch_dir("peer");
        let listener = UnixListener::bind(dir.join("s")).unwrap();
        assert_eq!(
            local_endpoint(listener.as_raw_fd()).unwrap(),
            format!("ipc://{}", dir.join("s").display())
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
