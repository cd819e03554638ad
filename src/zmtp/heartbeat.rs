//! ZMTP 3.1 heartbeats: when to PING, how to answer one, when the peer counts as dead.
//!
//! The engine, after the handshake, calls [`Heartbeat::start`]; then for every read that
//! brought bytes, [`Heartbeat::on_traffic`] (any traffic is a sign of life) *before*
//! handing decoded PINGs to [`Heartbeat::on_ping`]; it arms one timer at
//! [`Heartbeat::next_timeout`] and calls [`Heartbeat::handle_timeout`] when it fires;
//! and it sends what [`Heartbeat::poll_command`] writes as COMMAND frames.
//!
//! The timing is libzmq's: a PING every HEARTBEAT_IVL; after sending one, the peer must
//! send something within HEARTBEAT_TIMEOUT (default: the interval); after a PING with a
//! TTL, the peer must send something within that TTL. PINGs are answered with a PONG
//! echoing their context even when heartbeats are not configured here, one PONG per
//! PING (PINGs decoded from one read each get theirs, as libzmq answers each at once).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::command::{Command, MAX_PING_CONTEXT};
use super::ProtocolError;

/// Heartbeat options of the socket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeartbeatConfig {
    /// `ZMQ_HEARTBEAT_IVL`; `None` (or zero) disables sending PINGs.
    pub interval: Option<Duration>,
    /// `ZMQ_HEARTBEAT_TIMEOUT`; `None` means "same as the interval" (libzmq's -1).
    pub timeout: Option<Duration>,
    /// `ZMQ_HEARTBEAT_TTL` announced in our PINGs (sent in deciseconds, max 6553.5 s).
    pub ttl: Duration,
}

/// PONGs waiting to be written. libzmq answers a PING as it decodes it, or, when its
/// output is stuck, keeps only the latest; past this many we keep the latest too, so a
/// peer flooding PINGs without reading cannot grow our memory.
const MAX_PENDING_PONGS: usize = 64;

/// A PING's context, echoed in its PONG.
type PongContext = ([u8; MAX_PING_CONTEXT], usize);

/// The heartbeat state of one connection.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    interval: Option<Duration>,
    timeout: Option<Duration>,
    ttl_deciseconds: u16,
    next_ping: Option<Instant>,
    ping_due: bool,
    /// Set when a PING went out; cleared by any traffic.
    timeout_deadline: Option<Instant>,
    /// Set when a PING with a TTL arrived; cleared by any later traffic.
    ttl_deadline: Option<Instant>,
    pongs: VecDeque<PongContext>,
}

impl Heartbeat {
    pub fn new(config: HeartbeatConfig) -> Self {
        let interval = config.interval.filter(|d| !d.is_zero());
        let timeout = interval.map(|ivl| config.timeout.unwrap_or(ivl));
        let ttl_deciseconds = u16::try_from(config.ttl.as_millis() / 100).unwrap_or(u16::MAX);
        Heartbeat {
            interval,
            timeout: timeout.filter(|d| !d.is_zero()),
            ttl_deciseconds,
            next_ping: None,
            ping_due: false,
            timeout_deadline: None,
            ttl_deadline: None,
            pongs: VecDeque::new(),
        }
    }

    /// The handshake completed at `now`: the PING interval starts.
    pub fn start(&mut self, now: Instant) {
        self.next_ping = self.interval.map(|ivl| now + ivl);
    }

    /// Bytes arrived from the peer at `now`.
    pub fn on_traffic(&mut self, _now: Instant) {
        self.timeout_deadline = None;
        self.ttl_deadline = None;
    }

    /// A PING arrived (call after `on_traffic` for the same read). Queues the PONG and,
    /// when the peer announced a TTL, expects more traffic within it.
    pub fn on_ping(&mut self, now: Instant, ttl_deciseconds: u16, context: &[u8]) {
        if ttl_deciseconds > 0 && self.ttl_deadline.is_none() {
            self.ttl_deadline = Some(now + Duration::from_millis(u64::from(ttl_deciseconds) * 100));
        }
        let context = context.get(..MAX_PING_CONTEXT).unwrap_or(context);
        let mut stored = [0u8; MAX_PING_CONTEXT];
        stored[..context.len()].copy_from_slice(context);
        if self.pongs.len() >= MAX_PENDING_PONGS {
            self.pongs.pop_back();
        }
        self.pongs.push_back((stored, context.len()));
    }

    /// Handles a decoded command if it belongs to heartbeating (PING, PONG): returns
    /// true when it did. PONG needs no action beyond the `on_traffic` it caused.
    pub fn on_command(&mut self, now: Instant, command: &Command<'_>) -> bool {
        match *command {
            Command::Ping { ttl, context } => {
                self.on_ping(now, ttl, context);
                true
            }
            Command::Pong { .. } => true,
            _ => false,
        }
    }

    /// Checks the deadlines at `now`: `Err(HeartbeatTimeout)` when the peer is dead;
    /// otherwise makes a PING due when its time has come.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), ProtocolError> {
        let expired = |deadline: Option<Instant>| deadline.is_some_and(|d| d <= now);
        if expired(self.timeout_deadline) || expired(self.ttl_deadline) {
            return Err(ProtocolError::HeartbeatTimeout);
        }
        if let (Some(at), Some(ivl)) = (self.next_ping, self.interval) {
            if at <= now {
                self.ping_due = true;
                self.next_ping = Some(now + ivl);
            }
        }
        Ok(())
    }

    /// Appends the next heartbeat command body (PONG first, then a due PING) and
    /// returns true, or false when none is pending. Sending a PING at `now` starts the
    /// HEARTBEAT_TIMEOUT wait unless one is already running.
    pub fn poll_command(&mut self, now: Instant, out: &mut Vec<u8>) -> bool {
        if let Some((context, len)) = self.pongs.pop_front() {
            let context = context.get(..len).unwrap_or(&[]);
            Command::Pong { context }.encode(out);
            return true;
        }
        if self.ping_due {
            self.ping_due = false;
            Command::Ping {
                ttl: self.ttl_deciseconds,
                context: &[],
            }
            .encode(out);
            if self.timeout_deadline.is_none() {
                self.timeout_deadline = self.timeout.map(|t| now + t);
            }
            return true;
        }
        false
    }

    /// Whether `poll_command` has something to write.
    pub fn has_command(&self) -> bool {
        !self.pongs.is_empty() || self.ping_due
    }

    /// When `handle_timeout` must be called next, if ever.
    pub fn next_timeout(&self) -> Option<Instant> {
        let next_ping = if self.ping_due { None } else { self.next_ping };
        [next_ping, self.timeout_deadline, self.ttl_deadline]
            .into_iter()
            .flatten()
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn pings_every_interval_and_times_out_without_traffic() {
        let t0 = Instant::now();
        let mut hb = Heartbeat::new(HeartbeatConfig {
            interval: Some(ms(100)),
            timeout: None,
            ttl: ms(2500),
        });
        assert_eq!(hb.next_timeout(), None);
        hb.start(t0);
        assert_eq!(hb.next_timeout(), Some(t0 + ms(100)));
        hb.handle_timeout(t0 + ms(50)).unwrap();
        assert!(!hb.has_command());
        hb.handle_timeout(t0 + ms(100)).unwrap();
        let mut out = Vec::new();
        assert!(hb.poll_command(t0 + ms(100), &mut out));
        assert_eq!(out, b"\x04PING\x00\x19");
        assert!(!hb.poll_command(t0 + ms(100), &mut out));
        // Timeout (= interval) and the next PING are both at 200 ms.
        assert_eq!(hb.next_timeout(), Some(t0 + ms(200)));
        assert_eq!(
            hb.handle_timeout(t0 + ms(200)),
            Err(ProtocolError::HeartbeatTimeout)
        );
    }

    #[test]
    fn traffic_keeps_the_connection_alive() {
        let t0 = Instant::now();
        let mut hb = Heartbeat::new(HeartbeatConfig {
            interval: Some(ms(100)),
            timeout: Some(ms(150)),
            ttl: ms(0),
        });
        hb.start(t0);
        let mut out = Vec::new();
        for i in 1..=10u64 {
            let now = t0 + ms(100 * i);
            hb.handle_timeout(now).unwrap();
            assert!(hb.poll_command(now, &mut out));
            hb.on_traffic(now + ms(10));
        }
        assert_eq!(out.len(), 10 * 7);
        hb.handle_timeout(t0 + ms(1100)).unwrap();
        hb.poll_command(t0 + ms(1100), &mut out);
        assert_eq!(hb.next_timeout(), Some(t0 + ms(1200)));
        hb.handle_timeout(t0 + ms(1200)).unwrap();
        hb.poll_command(t0 + ms(1200), &mut out);
        assert_eq!(hb.next_timeout(), Some(t0 + ms(1250)));
        assert_eq!(
            hb.handle_timeout(t0 + ms(1250)),
            Err(ProtocolError::HeartbeatTimeout)
        );
    }

    #[test]
    fn answers_ping_even_when_not_configured_and_honours_ttl() {
        let t0 = Instant::now();
        let mut hb = Heartbeat::new(HeartbeatConfig::default());
        hb.start(t0);
        assert_eq!(hb.next_timeout(), None);
        hb.on_traffic(t0);
        assert!(hb.on_command(
            t0,
            &Command::Ping {
                ttl: 10,
                context: b"abc"
            }
        ));
        let mut out = Vec::new();
        assert!(hb.poll_command(t0, &mut out));
        assert_eq!(out, b"\x04PONGabc");
        assert_eq!(hb.next_timeout(), Some(t0 + ms(1000)));
        // Traffic before the TTL clears it.
        hb.on_traffic(t0 + ms(900));
        assert_eq!(hb.next_timeout(), None);
        hb.on_ping(t0 + ms(900), 10, &[7u8; 20]);
        let mut out = Vec::new();
        hb.poll_command(t0 + ms(900), &mut out);
        assert_eq!(out.len(), 5 + 16, "context truncated to 16 bytes");
        assert_eq!(
            hb.handle_timeout(t0 + ms(1900)),
            Err(ProtocolError::HeartbeatTimeout)
        );
    }

    #[test]
    fn every_ping_gets_its_pong() {
        let t0 = Instant::now();
        let mut hb = Heartbeat::new(HeartbeatConfig::default());
        hb.start(t0);
        hb.on_ping(t0, 0, b"one");
        hb.on_ping(t0, 0, b"two");
        let mut out = Vec::new();
        while hb.poll_command(t0, &mut out) {}
        assert_eq!(out, b"\x04PONGone\x04PONGtwo");
        // A flood keeps a bounded number, the latest last.
        for i in 0..1000u32 {
            hb.on_ping(t0, 0, &i.to_be_bytes());
        }
        let mut count = 0;
        let mut last = Vec::new();
        while hb.poll_command(t0, &mut last) {
            count += 1;
        }
        assert_eq!(count, MAX_PENDING_PONGS);
        assert!(last.ends_with(&999u32.to_be_bytes()));
    }

    #[test]
    fn ttl_is_sent_in_deciseconds_saturating() {
        let mut hb = Heartbeat::new(HeartbeatConfig {
            interval: Some(ms(1)),
            timeout: None,
            ttl: Duration::from_secs(100_000),
        });
        let t0 = Instant::now();
        hb.start(t0);
        hb.handle_timeout(t0 + ms(1)).unwrap();
        let mut out = Vec::new();
        hb.poll_command(t0 + ms(1), &mut out);
        assert_eq!(out, b"\x04PING\xFF\xFF");
        assert!(!hb.on_command(t0, &Command::Subscribe(b"")));
    }
}
