//! `Options::get`: encoding one option value into the C caller's buffer.

use super::codec::{put_bool, put_bytes, put_i64, put_int, put_str, put_u64};
use super::curve_key::get_curve_key;
use super::Options;
use crate::constants::*;
use crate::error::{Error, Result};

impl Options {
    /// Writes the option's value into `out` (the caller's buffer, of the size it passed
    /// in `*optvallen`) and returns the length to report back in `*optvallen`.
    ///
    /// Numbers need a buffer of exactly their C size; strings come back NUL-terminated
    /// (the length counts the NUL) and binary values without terminator, in a buffer at
    /// least that long whose rest is zeroed; CURVE keys need exactly 32 (raw) or 41 (Z85
    /// and NUL) bytes. Anything else, unknown options and write-only options (the accept
    /// filters, METADATA, CONNECT_ROUTING_ID, HELLO/DISCONNECT/HICCUP_MSG) is `Inval`.
    pub fn get(&self, option: libc::c_int, out: &mut [u8]) -> Result<usize> {
        match option {
            ZMQ_SNDHWM => put_int(out, self.sndhwm),
            ZMQ_RCVHWM => put_int(out, self.rcvhwm),
            ZMQ_AFFINITY => put_u64(out, self.affinity),
            ZMQ_ROUTING_ID => put_bytes(out, &self.routing_id),
            ZMQ_RATE => put_int(out, self.rate),
            ZMQ_RECOVERY_IVL => put_int(out, self.recovery_ivl),
            ZMQ_SNDBUF => put_int(out, self.sndbuf),
            ZMQ_RCVBUF => put_int(out, self.rcvbuf),
            ZMQ_TOS => put_int(out, self.tos),
            ZMQ_TYPE => put_int(out, self.socket_type),
            ZMQ_LINGER => put_int(out, self.linger),
            ZMQ_CONNECT_TIMEOUT => put_int(out, self.connect_timeout),
            ZMQ_TCP_MAXRT => put_int(out, self.tcp_maxrt),
            ZMQ_RECONNECT_STOP => put_int(out, self.reconnect_stop),
            ZMQ_RECONNECT_IVL => put_int(out, self.reconnect_ivl),
            ZMQ_RECONNECT_IVL_MAX => put_int(out, self.reconnect_ivl_max),
            ZMQ_BACKLOG => put_int(out, self.backlog),
            ZMQ_MAXMSGSIZE => put_i64(out, self.maxmsgsize),
            ZMQ_MULTICAST_HOPS => put_int(out, self.multicast_hops),
            ZMQ_MULTICAST_MAXTPDU => put_int(out, self.multicast_maxtpdu),
            ZMQ_RCVTIMEO => put_int(out, self.rcvtimeo),
            ZMQ_SNDTIMEO => put_int(out, self.sndtimeo),
            ZMQ_IPV4ONLY => put_bool(out, !self.ipv6),
            ZMQ_IPV6 => put_bool(out, self.ipv6),
            ZMQ_IMMEDIATE => put_bool(out, self.immediate),
            ZMQ_SOCKS_PROXY => put_str(out, &self.socks_proxy),
            ZMQ_SOCKS_USERNAME => put_str(out, &self.socks_username),
            ZMQ_SOCKS_PASSWORD => put_str(out, &self.socks_password),
            ZMQ_TCP_KEEPALIVE => put_int(out, self.tcp_keepalive),
            ZMQ_TCP_KEEPALIVE_CNT => put_int(out, self.tcp_keepalive_cnt),
            ZMQ_TCP_KEEPALIVE_IDLE => put_int(out, self.tcp_keepalive_idle),
            ZMQ_TCP_KEEPALIVE_INTVL => put_int(out, self.tcp_keepalive_intvl),
            ZMQ_MECHANISM => put_int(out, self.mechanism),
            ZMQ_PLAIN_SERVER => put_bool(out, self.is_server_of(ZMQ_PLAIN)),
            ZMQ_PLAIN_USERNAME => put_str(out, &self.plain_username),
            ZMQ_PLAIN_PASSWORD => put_str(out, &self.plain_password),
            ZMQ_ZAP_DOMAIN => put_str(out, &self.zap_domain),
            ZMQ_CURVE_SERVER => put_bool(out, self.is_server_of(ZMQ_CURVE)),
            ZMQ_CURVE_PUBLICKEY => get_curve_key(&self.curve_public_key, out),
            ZMQ_CURVE_SECRETKEY => get_curve_key(&self.curve_secret_key, out),
            ZMQ_CURVE_SERVERKEY => get_curve_key(&self.curve_server_key, out),
            ZMQ_CONFLATE => put_bool(out, self.conflate),
            ZMQ_HANDSHAKE_IVL => put_int(out, self.handshake_ivl),
            ZMQ_INVERT_MATCHING => put_bool(out, self.invert_matching),
            ZMQ_HEARTBEAT_IVL => put_int(out, self.heartbeat_ivl),
            ZMQ_HEARTBEAT_TTL => put_int(out, i32::from(self.heartbeat_ttl) * 100),
            ZMQ_HEARTBEAT_TIMEOUT => put_int(out, self.heartbeat_timeout),
            ZMQ_USE_FD => put_int(out, self.use_fd),
            ZMQ_BINDTODEVICE => put_str(out, &self.bindtodevice),
            ZMQ_LAST_ENDPOINT => put_str(out, self.last_endpoint.as_bytes()),
            ZMQ_ZAP_ENFORCE_DOMAIN => put_bool(out, self.zap_enforce_domain),
            ZMQ_LOOPBACK_FASTPATH => put_bool(out, self.loopback_fastpath),
            ZMQ_MULTICAST_LOOP => put_bool(out, self.multicast_loop),
            ZMQ_ROUTER_NOTIFY => put_int(out, self.router_notify),
            ZMQ_IN_BATCH_SIZE => put_int(out, self.in_batch_size),
            ZMQ_OUT_BATCH_SIZE => put_int(out, self.out_batch_size),
            ZMQ_PRIORITY => put_int(out, self.priority),
            ZMQ_BUSY_POLL => {
                // libzmq 4.3.5 writes the value and then still fails with EINVAL (its
                // getter lacks the `return 0`); a drop-in does the same.
                put_int(out, self.busy_poll)?;
                Err(Error::Inval)
            }
            _ => Err(Error::Inval),
        }
    }

    /// Whether the socket is the server of `mechanism`, which must be the selected one.
    fn is_server_of(&self, mechanism: libc::c_int) -> bool {
        self.as_server && self.mechanism == mechanism
    }
}
