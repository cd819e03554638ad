//! The per-socket option store for the options libzmq keeps for every socket type
//! (its `options_t`): typed fields with libzmq's defaults, and `set`/`get` that decode
//! and encode the C option values with exactly libzmq's size, range and errno rules.
//!
//! Socket-type specific options (ROUTER_MANDATORY, SUBSCRIBE, XPUB_*, ...) and the
//! socket-level read-only ones (RCVMORE, FD, EVENTS, THREAD_SAFE) are not handled here:
//! `set`/`get` answer `Error::Inval` for them so the socket layer, which asks its socket
//! type first and this store second, can claim them. Nothing here performs I/O.

mod accept_filter;
mod codec;
mod curve_key;
mod get;
mod set;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use libc::c_int;

pub use accept_filter::{parse_inet_aton, TcpAcceptFilter};
pub use codec::{
    bool_value, i64_value, int_value, non_negative_bool_value, put_bool, put_bytes, put_i64,
    put_int, put_int_or_larger, put_str, put_u64, relaxed_bool_value, u64_value,
};
pub use curve_key::{get_curve_key, CurveKey, KEY_SIZE, KEY_SIZE_Z85};

use crate::constants::{ZMQ_DISH, ZMQ_NULL, ZMQ_SUB, ZMQ_XSUB};

/// Every generic socket option, typed, with libzmq 4.3.5's default. Durations are in
/// milliseconds and `-1` means "infinite"/"OS default" where libzmq says so. Strings
/// given by the C caller are kept as raw bytes (libzmq keeps them as `std::string`).
/// Not `Debug`: it holds passwords and secret keys.
#[derive(Clone)]
pub struct Options {
    /// `ZMQ_TYPE` (read-only): the socket type this store belongs to.
    pub socket_type: c_int,
    /// `ZMQ_SNDHWM`, messages, 0 = unlimited. Default 1000.
    pub sndhwm: i32,
    /// `ZMQ_RCVHWM`, messages, 0 = unlimited. Default 1000.
    pub rcvhwm: i32,
    /// `ZMQ_AFFINITY`, I/O thread bitmap. Default 0.
    pub affinity: u64,
    /// `ZMQ_ROUTING_ID` (alias `ZMQ_IDENTITY`), 1..=255 bytes once set; empty = unset.
    pub routing_id: Vec<u8>,
    /// `ZMQ_RATE`, kbit/s for multicast, > 0. Default 100.
    pub rate: i32,
    /// `ZMQ_RECOVERY_IVL`, ms, >= 0. Default 10000.
    pub recovery_ivl: i32,
    /// `ZMQ_SNDBUF`, bytes, -1 = OS default. Default -1.
    pub sndbuf: i32,
    /// `ZMQ_RCVBUF`, bytes, -1 = OS default. Default -1.
    pub rcvbuf: i32,
    /// `ZMQ_TOS`, >= 0. Default 0.
    pub tos: i32,
    /// `ZMQ_LINGER`, ms, -1 = forever. Default -1 (the context may lower it to 0 when
    /// `ZMQ_BLOCKY` is off, as libzmq does when it creates the socket).
    pub linger: i32,
    /// `ZMQ_RECONNECT_IVL`, ms, -1 = never reconnect. Default 100.
    pub reconnect_ivl: i32,
    /// `ZMQ_RECONNECT_IVL_MAX`, ms, 0 = use `reconnect_ivl`. Default 0.
    pub reconnect_ivl_max: i32,
    /// `ZMQ_BACKLOG`, connections. Default 100.
    pub backlog: i32,
    /// `ZMQ_MAXMSGSIZE`, bytes, -1 = unlimited (any value is accepted). Default -1.
    pub maxmsgsize: i64,
    /// `ZMQ_MULTICAST_HOPS`, > 0. Default 1.
    pub multicast_hops: i32,
    /// `ZMQ_MULTICAST_MAXTPDU`, bytes, > 0. Default 1500.
    pub multicast_maxtpdu: i32,
    /// `ZMQ_RCVTIMEO`, ms, -1 = block forever. Default -1.
    pub rcvtimeo: i32,
    /// `ZMQ_SNDTIMEO`, ms, -1 = block forever. Default -1.
    pub sndtimeo: i32,
    /// `ZMQ_IPV6` (and the inverse, deprecated `ZMQ_IPV4ONLY`). Default false.
    pub ipv6: bool,
    /// The context's `ZMQ_ZERO_COPY_RECV` when the socket was made (not a socket
    /// option): large received messages view the receive buffer. Default true.
    pub zero_copy_recv: bool,
    /// `ZMQ_SOCKS_PROXY`, empty = none.
    pub socks_proxy: Vec<u8>,
    /// `ZMQ_SOCKS_USERNAME` (draft), up to 255 bytes, empty = none.
    pub socks_username: Vec<u8>,
    /// `ZMQ_SOCKS_PASSWORD` (draft), up to 255 bytes, empty = none.
    pub socks_password: Vec<u8>,
    /// `ZMQ_TCP_KEEPALIVE`: -1 = OS default, 0 = off, 1 = on. Default -1.
    pub tcp_keepalive: i32,
    /// `ZMQ_TCP_KEEPALIVE_CNT`, -1 = OS default. Default -1.
    pub tcp_keepalive_cnt: i32,
    /// `ZMQ_TCP_KEEPALIVE_IDLE`, seconds, -1 = OS default. Default -1.
    pub tcp_keepalive_idle: i32,
    /// `ZMQ_TCP_KEEPALIVE_INTVL`, seconds, -1 = OS default. Default -1.
    pub tcp_keepalive_intvl: i32,
    /// `ZMQ_IMMEDIATE`: queue only to completed connections. Default false.
    pub immediate: bool,
    /// `ZMQ_TCP_ACCEPT_FILTER` (write-only): empty = accept everyone.
    pub tcp_accept_filters: Vec<TcpAcceptFilter>,
    /// `ZMQ_IPC_FILTER_PID` (write-only): empty = accept everyone.
    pub ipc_filter_pids: BTreeSet<libc::pid_t>,
    /// `ZMQ_IPC_FILTER_UID` (write-only): empty = accept everyone.
    pub ipc_filter_uids: BTreeSet<libc::uid_t>,
    /// `ZMQ_IPC_FILTER_GID` (write-only): empty = accept everyone.
    pub ipc_filter_gids: BTreeSet<libc::gid_t>,
    /// `ZMQ_MECHANISM` (read-only): `ZMQ_NULL`, `ZMQ_PLAIN` or `ZMQ_CURVE` (GSSAPI is
    /// not built: its options are refused),
    /// switched by the security options in the order they are set. Default `ZMQ_NULL`.
    pub mechanism: c_int,
    /// Whether the socket is the server side of its mechanism. Read back through
    /// `ZMQ_PLAIN_SERVER`/`ZMQ_CURVE_SERVER` only while that
    /// mechanism is selected.
    pub as_server: bool,
    /// `ZMQ_PLAIN_USERNAME`, up to 255 bytes.
    pub plain_username: Vec<u8>,
    /// `ZMQ_PLAIN_PASSWORD`, up to 255 bytes.
    pub plain_password: Vec<u8>,
    /// `ZMQ_ZAP_DOMAIN`, 1..=255 bytes once set; empty = none (cannot be set back).
    pub zap_domain: Vec<u8>,
    /// `ZMQ_ZAP_ENFORCE_DOMAIN` (draft). Default false.
    pub zap_enforce_domain: bool,
    /// `ZMQ_CURVE_PUBLICKEY`, all zeros until set.
    pub curve_public_key: CurveKey,
    /// `ZMQ_CURVE_SECRETKEY`, all zeros until set.
    pub curve_secret_key: CurveKey,
    /// `ZMQ_CURVE_SERVERKEY`, all zeros until set.
    pub curve_server_key: CurveKey,
    /// `ZMQ_CONFLATE`: keep only the last message. Default false.
    pub conflate: bool,
    /// `ZMQ_HANDSHAKE_IVL`, ms, 0 = no limit. Default 30000.
    pub handshake_ivl: i32,
    /// `ZMQ_INVERT_MATCHING`. Default false.
    pub invert_matching: bool,
    /// `ZMQ_HEARTBEAT_IVL`, ms, 0 = no heartbeats. Default 0.
    pub heartbeat_ivl: i32,
    /// `ZMQ_HEARTBEAT_TTL` in **deciseconds** (the unit of the PING command): set in ms
    /// and truncated to a multiple of 100, read back in ms. Default 0.
    pub heartbeat_ttl: u16,
    /// `ZMQ_HEARTBEAT_TIMEOUT`, ms, -1 = use `heartbeat_ivl`. Default -1.
    pub heartbeat_timeout: i32,
    /// `ZMQ_CONNECT_TIMEOUT`, ms, 0 = OS default. Default 0.
    pub connect_timeout: i32,
    /// `ZMQ_TCP_MAXRT`, ms, 0 = OS default. Default 0.
    pub tcp_maxrt: i32,
    /// `ZMQ_USE_FD`: a pre-bound listening fd for the next bind, -1 = none.
    pub use_fd: i32,
    /// `ZMQ_BINDTODEVICE`, up to 16 bytes (IFNAMSIZ), empty = none.
    pub bindtodevice: Vec<u8>,
    /// `ZMQ_CONNECT_ROUTING_ID` (ROUTER and STREAM only, write-only): the peer routing
    /// id for the next `connect`, which takes it.
    pub connect_routing_id: Option<Vec<u8>>,
    /// `ZMQ_LAST_ENDPOINT` (read-only): the endpoint of the last bind or connect.
    pub last_endpoint: String,
    /// `ZMQ_LOOPBACK_FASTPATH` (draft, Windows only in effect). Default false.
    pub loopback_fastpath: bool,
    /// `ZMQ_MULTICAST_LOOP` (draft). Default true.
    pub multicast_loop: bool,
    /// `ZMQ_METADATA` (draft, write-only): `X-` properties for the handshake, sorted by
    /// name; setting a name that is already present keeps the first value, as libzmq.
    pub metadata: BTreeMap<Vec<u8>, Vec<u8>>,
    /// `ZMQ_IN_BATCH_SIZE` (draft), bytes, > 0. Default 8192.
    pub in_batch_size: i32,
    /// `ZMQ_OUT_BATCH_SIZE` (draft), bytes, > 0. Default 8192.
    pub out_batch_size: i32,
    /// `ZMQ_RECONNECT_STOP` (draft): `ZMQ_RECONNECT_STOP_*` flags. Default 0.
    pub reconnect_stop: i32,
    /// `ZMQ_PRIORITY` (draft), >= 0. Default 0.
    pub priority: i32,
    /// `ZMQ_BUSY_POLL` (draft). Default 0.
    pub busy_poll: i32,
    /// `ZMQ_HELLO_MSG` (draft, write-only): sent to each new peer, empty = none.
    pub hello_msg: Vec<u8>,
    /// `ZMQ_DISCONNECT_MSG` (draft, write-only): delivered when a peer leaves.
    pub disconnect_msg: Vec<u8>,
    /// `ZMQ_HICCUP_MSG` (draft, write-only): delivered when a connection is re-made.
    pub hiccup_msg: Vec<u8>,
    /// `ZMQ_ROUTER_NOTIFY` (draft): set by the ROUTER socket type (set is not generic),
    /// but read back here for every socket type, as libzmq does. Default 0.
    pub router_notify: i32,
}

impl Options {
    /// ZMQ_CONFLATE takes effect only on the socket types libzmq applies it to.
    pub fn effective_conflate(&self) -> bool {
        use crate::constants::{ZMQ_DEALER, ZMQ_PUB, ZMQ_PULL, ZMQ_PUSH};
        self.conflate
            && matches!(
                self.socket_type,
                ZMQ_DEALER | ZMQ_PULL | ZMQ_PUSH | ZMQ_PUB | ZMQ_SUB
            )
    }

    /// ZMQ_HELLO_MSG as sent to each new peer: only ROUTER, SERVER, DEALER, CLIENT and
    /// PEER send it (libzmq 4.3.5's `can_send_hello_msg`); empty = none.
    pub fn hello_to_send(&self) -> &[u8] {
        use crate::constants::{ZMQ_CLIENT, ZMQ_DEALER, ZMQ_PEER, ZMQ_ROUTER, ZMQ_SERVER};
        match self.socket_type {
            ZMQ_ROUTER | ZMQ_SERVER | ZMQ_DEALER | ZMQ_CLIENT | ZMQ_PEER => &self.hello_msg,
            _ => &[],
        }
    }

    /// ZMQ_DISCONNECT_MSG as received when a peer goes: only ROUTER, SERVER and PEER
    /// receive it (libzmq 4.3.5's `can_recv_disconnect_msg`); empty = none.
    pub fn disconnect_to_receive(&self) -> &[u8] {
        use crate::constants::{ZMQ_PEER, ZMQ_ROUTER, ZMQ_SERVER};
        match self.socket_type {
            ZMQ_ROUTER | ZMQ_SERVER | ZMQ_PEER => &self.disconnect_msg,
            _ => &[],
        }
    }

    /// The defaults libzmq gives a new socket of `socket_type`.
    pub fn new(socket_type: c_int) -> Options {
        Options {
            socket_type,
            sndhwm: 1000,
            rcvhwm: 1000,
            affinity: 0,
            routing_id: Vec::new(),
            rate: 100,
            recovery_ivl: 10000,
            sndbuf: -1,
            rcvbuf: -1,
            tos: 0,
            // SUB, XSUB and DISH do not linger: pending subscriptions are not worth
            // waiting for.
            linger: if matches!(socket_type, ZMQ_SUB | ZMQ_XSUB | ZMQ_DISH) {
                0
            } else {
                -1
            },
            reconnect_ivl: 100,
            reconnect_ivl_max: 0,
            backlog: 100,
            maxmsgsize: -1,
            multicast_hops: 1,
            multicast_maxtpdu: 1500,
            rcvtimeo: -1,
            sndtimeo: -1,
            ipv6: false,
            zero_copy_recv: true,
            socks_proxy: Vec::new(),
            socks_username: Vec::new(),
            socks_password: Vec::new(),
            tcp_keepalive: -1,
            tcp_keepalive_cnt: -1,
            tcp_keepalive_idle: -1,
            tcp_keepalive_intvl: -1,
            immediate: false,
            tcp_accept_filters: Vec::new(),
            ipc_filter_pids: BTreeSet::new(),
            ipc_filter_uids: BTreeSet::new(),
            ipc_filter_gids: BTreeSet::new(),
            mechanism: ZMQ_NULL,
            as_server: false,
            plain_username: Vec::new(),
            plain_password: Vec::new(),
            zap_domain: Vec::new(),
            zap_enforce_domain: false,
            curve_public_key: CurveKey::default(),
            curve_secret_key: CurveKey::default(),
            curve_server_key: CurveKey::default(),
            conflate: false,
            handshake_ivl: 30000,
            invert_matching: false,
            heartbeat_ivl: 0,
            heartbeat_ttl: 0,
            heartbeat_timeout: -1,
            connect_timeout: 0,
            tcp_maxrt: 0,
            use_fd: -1,
            bindtodevice: Vec::new(),
            connect_routing_id: None,
            last_endpoint: String::new(),
            loopback_fastpath: false,
            multicast_loop: true,
            metadata: BTreeMap::new(),
            in_batch_size: 8192,
            out_batch_size: 8192,
            reconnect_stop: 0,
            priority: 0,
            busy_poll: 0,
            hello_msg: Vec::new(),
            disconnect_msg: Vec::new(),
            hiccup_msg: Vec::new(),
            router_notify: 0,
        }
    }
}
