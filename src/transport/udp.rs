//! The udp transport's socket: opened non-blocking in the address's family, bound as
//! libzmq's udp engine binds it (SO_REUSEADDR; a receiver binds its address, or any
//! address at the port plus SO_REUSEPORT for multicast; a sender any port), and set up
//! for multicast: a receiver joins the group (IPv4: on the interface's address, IPv6:
//! on the interface's index, 0 = the kernel's choice); a sender sets the hops
//! (ZMQ_MULTICAST_HOPS), the loop (ZMQ_MULTICAST_LOOP) and the interface to send on.
//! Both honour ZMQ_BINDTODEVICE.

use super::socket_options::bind_to_device;
use super::udp_address::UdpAddress;
use crate::error::Result;
use crate::options::Options;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::os::unix::io::AsRawFd;

/// Opens the receiving socket of a DISH's or DGRAM's `bind("udp://...")`.
pub fn open_receiver(address: &UdpAddress, options: &Options) -> Result<UdpSocket> {
    let socket = new_socket(address, options)?;
    if address.is_multicast() {
        socket.set_reuse_port(true)?;
    }
    socket.bind(&SockAddr::from(address.bind_address()))?;
    match (address.target.ip(), address.local.ip()) {
        (IpAddr::V4(group), IpAddr::V4(interface)) if group.is_multicast() => {
            socket.join_multicast_v4(&group, &interface)?;
        }
        (IpAddr::V6(group), _) if group.is_multicast() => {
            socket.join_multicast_v6(&group, address.interface_index.unwrap_or(0))?;
        }
        _ => {}
    }
    Ok(socket.into())
}

/// Opens the sending socket of a RADIO's `connect("udp://...")`.
pub fn open_sender(address: &UdpAddress, options: &Options) -> Result<UdpSocket> {
    let socket = new_socket(address, options)?;
    // As libzmq: hops of 0 (or less) leave the system's default (1) in place.
    let hops = (options.multicast_hops > 0).then_some(options.multicast_hops as u32);
    let any_port = match address.target.ip() {
        IpAddr::V4(group) => {
            if group.is_multicast() {
                if let Some(hops) = hops {
                    socket.set_multicast_ttl_v4(hops)?;
                }
                socket.set_multicast_loop_v4(options.multicast_loop)?;
                if let IpAddr::V4(interface) = address.local.ip() {
                    if !interface.is_unspecified() {
                        socket.set_multicast_if_v4(&interface)?;
                    }
                }
            }
            SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))
        }
        IpAddr::V6(group) => {
            if group.is_multicast() {
                if let Some(hops) = hops {
                    socket.set_multicast_hops_v6(hops)?;
                }
                socket.set_multicast_loop_v6(options.multicast_loop)?;
                match address.interface_index {
                    Some(index) if index > 0 => socket.set_multicast_if_v6(index)?,
                    _ => {}
                }
            }
            SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0))
        }
    };
    socket.bind(&SockAddr::from(any_port))?;
    Ok(socket.into())
}

fn new_socket(address: &UdpAddress, options: &Options) -> Result<Socket> {
    let domain = if address.is_ipv6() {
        Domain::IPV6
    } else {
        Domain::IPV4
    };
    let socket = Socket::new(domain, Type::DGRAM.cloexec(), Some(Protocol::UDP))?;
    socket.set_nonblocking(true)?;
    socket.set_reuse_address(true)?;
    // ZMQ_BINDTODEVICE, as on tcp: the socket sends and receives on that device only.
    bind_to_device(socket.as_raw_fd(), &options.bindtodevice)?;
    Ok(socket)
}
