// TEMPORARY stand-in until the netaddr branch lands; not committed.
use crate::options::Options;
use std::io;
use std::os::unix::io::RawFd;
pub fn apply_tcp_options(fd: RawFd, _o: &Options) -> io::Result<()> {
    let one: libc::c_int = 1;
    unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&one as *const libc::c_int).cast(),
            4,
        )
    };
    Ok(())
}
pub fn bind_to_device(_fd: RawFd, _name: &[u8]) -> io::Result<()> {
    Ok(())
}
