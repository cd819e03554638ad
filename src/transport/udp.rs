//! The udp transport's socket: opened non-blocking, bound as libzmq's udp engine
//! binds it (SO_REUSEADDR; a receiver binds its address, a sender any port), and set
//! up for multicast (join the group to receive; ZMQ_MULTICAST_HOPS, ZMQ_MULTICAST_LOOP
//! and the interface to send).

use super::udp_address::UdpAddress;
use crate::error::Result;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};

/// Opens the receiving socket of a DISH's `bind("udp://...")`.
pub fn open_receiver(address: &UdpAddress) -> Result<UdpSocket> {
    let socket = new_socket()?;
    if address.is_multicast() {
        socket.set_reuse_port(true)?;
    }
    socket.bind(&SockAddr::from(address.bind))?;
    if address.is_multicast() {
        socket.join_multicast_v4(address.target.ip(), &address.interface)?;
    }
    Ok(socket.into())
}

/// Opens the sending socket of a RADIO's `connect("udp://...")`.
pub fn open_sender(address: &UdpAddress, options: &crate::options::Options) -> Result<UdpSocket> {
    let socket = new_socket()?;
    if address.is_multicast() {
        socket.set_multicast_ttl_v4(options.multicast_hops.max(0) as u32)?;
        socket.set_multicast_loop_v4(options.multicast_loop)?;
        if !address.interface.is_unspecified() {
            socket.set_multicast_if_v4(&address.interface)?;
        }
    }
    socket.bind(&SockAddr::from(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)))?;
    Ok(socket.into())
}

fn new_socket() -> Result<Socket> {
    let socket = Socket::new(Domain::IPV4, Type::DGRAM.cloexec(), Some(Protocol::UDP))?;
    socket.set_nonblocking(true)?;
    socket.set_reuse_address(true)?;
    Ok(socket)
}
