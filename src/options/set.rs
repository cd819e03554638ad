//! `Options::set`: decoding and validating one option value from the C caller.

use super::codec::{bool_value, i64_value, int_value, relaxed_bool_value, u64_value};
use super::{Options, TcpAcceptFilter};
use crate::constants::*;
use crate::error::{Error, Result};

/// Longest routing id, PLAIN credential, ZAP domain, SOCKS credential,
/// accept filter and metadata name libzmq accepts (UCHAR_MAX).
const MAX_SHORT_STRING: usize = 255;
/// Longest `ZMQ_BINDTODEVICE` name (IFNAMSIZ).
const MAX_DEVICE_NAME: usize = 16;

impl Options {
    /// Sets a generic option from its C bytes (a non-NULL pointer). `Err(Inval)` for an
    /// unknown or socket-type specific option, a wrong value size or an out-of-range
    /// value, exactly where libzmq answers `EINVAL`.
    pub fn set(&mut self, option: libc::c_int, value: &[u8]) -> Result<()> {
        self.set_nullable(option, Some(value))
    }

    /// Like [`Options::set`], with `None` standing for a NULL value pointer with length 0,
    /// which some options treat differently from an empty value (it resets
    /// BINDTODEVICE, SOCKS_PROXY, TCP_ACCEPT_FILTER and the IPC filters, and switches
    /// PLAIN_USERNAME/PASSWORD back to the NULL mechanism). The C boundary should reject
    /// a NULL pointer with a non-zero length itself (`EINVAL`).
    pub fn set_nullable(&mut self, option: libc::c_int, value: Option<&[u8]>) -> Result<()> {
        let bytes = value.unwrap_or_default();
        let int_at_least = |min: i32| match int_value(bytes)? {
            v if v >= min => Ok(v),
            _ => Err(Error::Inval),
        };
        // The GSSAPI options (ZMQ_GSSAPI_*, 62-65, 90, 91) fall through to EINVAL:
        // the mechanism is not built, and libzmq built without it refuses them so, rather
        // than accept a security option it would not apply.
        match option {
            ZMQ_SNDHWM => self.sndhwm = int_at_least(0)?,
            ZMQ_RCVHWM => self.rcvhwm = int_at_least(0)?,
            ZMQ_AFFINITY => self.affinity = u64_value(bytes)?,
            ZMQ_ROUTING_ID => self.routing_id = bounded_bytes(bytes, 1, MAX_SHORT_STRING)?,
            ZMQ_RATE => self.rate = int_at_least(1)?,
            ZMQ_RECOVERY_IVL => self.recovery_ivl = int_at_least(0)?,
            ZMQ_SNDBUF => self.sndbuf = int_at_least(-1)?,
            ZMQ_RCVBUF => self.rcvbuf = int_at_least(-1)?,
            ZMQ_TOS => self.tos = int_at_least(0)?,
            ZMQ_LINGER => self.linger = int_at_least(-1)?,
            ZMQ_CONNECT_TIMEOUT => self.connect_timeout = int_at_least(0)?,
            ZMQ_TCP_MAXRT => self.tcp_maxrt = int_at_least(0)?,
            ZMQ_RECONNECT_STOP => self.reconnect_stop = int_value(bytes)?,
            ZMQ_RECONNECT_IVL => self.reconnect_ivl = int_at_least(-1)?,
            ZMQ_RECONNECT_IVL_MAX => self.reconnect_ivl_max = int_at_least(0)?,
            ZMQ_BACKLOG => self.backlog = int_at_least(0)?,
            ZMQ_MAXMSGSIZE => self.maxmsgsize = i64_value(bytes)?,
            ZMQ_MULTICAST_HOPS => self.multicast_hops = int_at_least(1)?,
            ZMQ_MULTICAST_MAXTPDU => self.multicast_maxtpdu = int_at_least(1)?,
            ZMQ_RCVTIMEO => self.rcvtimeo = int_at_least(-1)?,
            ZMQ_SNDTIMEO => self.sndtimeo = int_at_least(-1)?,
            ZMQ_IPV4ONLY => self.ipv6 = !bool_value(bytes)?,
            ZMQ_IPV6 => self.ipv6 = bool_value(bytes)?,
            ZMQ_SOCKS_PROXY => self.socks_proxy = nullable_string(value, usize::MAX)?,
            ZMQ_SOCKS_USERNAME => self.socks_username = optional_string(bytes)?,
            ZMQ_SOCKS_PASSWORD => self.socks_password = optional_string(bytes)?,
            ZMQ_TCP_KEEPALIVE => {
                self.tcp_keepalive = match int_value(bytes)? {
                    v @ -1..=1 => v,
                    _ => return Err(Error::Inval),
                }
            }
            ZMQ_TCP_KEEPALIVE_CNT => self.tcp_keepalive_cnt = int_at_least(-1)?,
            ZMQ_TCP_KEEPALIVE_IDLE => self.tcp_keepalive_idle = int_at_least(-1)?,
            ZMQ_TCP_KEEPALIVE_INTVL => self.tcp_keepalive_intvl = int_at_least(-1)?,
            ZMQ_IMMEDIATE => self.immediate = bool_value(bytes)?,
            ZMQ_TCP_ACCEPT_FILTER => match nullable_string(value, MAX_SHORT_STRING)? {
                text if text.is_empty() => self.tcp_accept_filters.clear(),
                text => {
                    let filter = TcpAcceptFilter::parse(&text, self.ipv6)?;
                    self.tcp_accept_filters.push(filter);
                }
            },
            ZMQ_IPC_FILTER_PID => match value {
                None => self.ipc_filter_pids.clear(),
                Some(v) => _ = self.ipc_filter_pids.insert(int_value(v)?),
            },
            ZMQ_IPC_FILTER_UID => match value {
                None => self.ipc_filter_uids.clear(),
                Some(v) => _ = self.ipc_filter_uids.insert(int_value(v)? as libc::uid_t),
            },
            ZMQ_IPC_FILTER_GID => match value {
                None => self.ipc_filter_gids.clear(),
                Some(v) => _ = self.ipc_filter_gids.insert(int_value(v)? as libc::gid_t),
            },
            ZMQ_PLAIN_SERVER => {
                self.as_server = bool_value(bytes)?;
                self.mechanism = if self.as_server { ZMQ_PLAIN } else { ZMQ_NULL };
            }
            ZMQ_PLAIN_USERNAME => self.set_plain_credential(value, false)?,
            ZMQ_PLAIN_PASSWORD => self.set_plain_credential(value, true)?,
            ZMQ_ZAP_DOMAIN => self.zap_domain = bounded_bytes(bytes, 1, MAX_SHORT_STRING)?,
            ZMQ_CURVE_SERVER => {
                self.as_server = bool_value(bytes)?;
                self.mechanism = if self.as_server { ZMQ_CURVE } else { ZMQ_NULL };
            }
            ZMQ_CURVE_PUBLICKEY => {
                self.curve_public_key.set(bytes)?;
                self.mechanism = ZMQ_CURVE;
            }
            ZMQ_CURVE_SECRETKEY => {
                self.curve_secret_key.set(bytes)?;
                self.mechanism = ZMQ_CURVE;
            }
            ZMQ_CURVE_SERVERKEY => {
                self.curve_server_key.set(bytes)?;
                self.mechanism = ZMQ_CURVE;
                self.as_server = false;
            }
            ZMQ_CONFLATE => self.conflate = bool_value(bytes)?,
            ZMQ_HANDSHAKE_IVL => self.handshake_ivl = int_at_least(0)?,
            ZMQ_INVERT_MATCHING => self.invert_matching = relaxed_bool_value(bytes)?,
            ZMQ_HEARTBEAT_IVL => self.heartbeat_ivl = int_at_least(0)?,
            ZMQ_HEARTBEAT_TTL => {
                // Milliseconds in, deciseconds stored: truncated toward zero first, so
                // -99..=-1 become 0 and are accepted, as in libzmq.
                let deciseconds = int_value(bytes)? / 100;
                self.heartbeat_ttl = u16::try_from(deciseconds).map_err(|_| Error::Inval)?;
            }
            ZMQ_HEARTBEAT_TIMEOUT => self.heartbeat_timeout = int_at_least(0)?,
            ZMQ_USE_FD => self.use_fd = int_at_least(-1)?,
            ZMQ_BINDTODEVICE => self.bindtodevice = nullable_string(value, MAX_DEVICE_NAME)?,
            ZMQ_ZAP_ENFORCE_DOMAIN => self.zap_enforce_domain = relaxed_bool_value(bytes)?,
            ZMQ_LOOPBACK_FASTPATH => self.loopback_fastpath = relaxed_bool_value(bytes)?,
            ZMQ_METADATA => {
                let (name, value) = metadata_property(bytes)?;
                self.metadata.entry(name).or_insert(value);
            }
            ZMQ_MULTICAST_LOOP => self.multicast_loop = relaxed_bool_value(bytes)?,
            ZMQ_IN_BATCH_SIZE => self.in_batch_size = int_at_least(1)?,
            ZMQ_OUT_BATCH_SIZE => self.out_batch_size = int_at_least(1)?,
            ZMQ_HELLO_MSG => self.hello_msg = bytes.to_vec(),
            ZMQ_DISCONNECT_MSG => self.disconnect_msg = bytes.to_vec(),
            ZMQ_HICCUP_MSG => self.hiccup_msg = bytes.to_vec(),
            ZMQ_PRIORITY => self.priority = int_at_least(0)?,
            ZMQ_BUSY_POLL => self.busy_poll = int_value(bytes)?,
            // libzmq keeps this in the ROUTER/STREAM base class: other types say EINVAL.
            // No upper bound is checked here (a 256-byte id is accepted).
            ZMQ_CONNECT_ROUTING_ID
                if matches!(self.socket_type, ZMQ_ROUTER | ZMQ_STREAM) && !bytes.is_empty() =>
            {
                self.connect_routing_id = Some(bytes.to_vec())
            }
            _ => return Err(Error::Inval),
        }
        Ok(())
    }

    /// PLAIN_USERNAME / PLAIN_PASSWORD: a value selects the PLAIN client; NULL selects
    /// the NULL mechanism and leaves the stored credential as it was.
    fn set_plain_credential(&mut self, value: Option<&[u8]>, password: bool) -> Result<()> {
        match value {
            None => self.mechanism = ZMQ_NULL,
            Some(bytes) => {
                let credential = bounded_bytes(bytes, 1, MAX_SHORT_STRING)?;
                if password {
                    self.plain_password = credential;
                } else {
                    self.plain_username = credential;
                }
                self.as_server = false;
                self.mechanism = ZMQ_PLAIN;
            }
        }
        Ok(())
    }
}

/// A byte string whose length must lie in `min..=max`.
fn bounded_bytes(bytes: &[u8], min: usize, max: usize) -> Result<Vec<u8>> {
    if (min..=max).contains(&bytes.len()) {
        Ok(bytes.to_vec())
    } else {
        Err(Error::Inval)
    }
}

/// A string that NULL resets to empty; a non-NULL value must be 1..=max bytes.
fn nullable_string(value: Option<&[u8]>, max: usize) -> Result<Vec<u8>> {
    match value {
        None => Ok(Vec::new()),
        Some(bytes) => bounded_bytes(bytes, 1, max),
    }
}

/// SOCKS credentials: NULL or empty both reset, otherwise up to 255 bytes.
fn optional_string(bytes: &[u8]) -> Result<Vec<u8>> {
    bounded_bytes(bytes, 0, MAX_SHORT_STRING)
}

/// `X-name:value`: split at the first colon, the name starting with `X-` (case
/// sensitive) and at most 255 bytes, the value non-empty. A 4-byte value is refused
/// whatever it says, because libzmq takes any `sizeof(int)` value for a number here.
fn metadata_property(bytes: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    if bytes.is_empty() || bytes.len() == std::mem::size_of::<libc::c_int>() {
        return Err(Error::Inval);
    }
    let colon = bytes.iter().position(|&b| b == b':').ok_or(Error::Inval)?;
    let (name, value) = (&bytes[..colon], &bytes[colon + 1..]);
    if colon == 0 || value.is_empty() || !name.starts_with(b"X-") || name.len() > MAX_SHORT_STRING {
        return Err(Error::Inval);
    }
    Ok((name.to_vec(), value.to_vec()))
}
