//! The connection's way from the greeting to `Active`: the version the peer speaks,
//! the security handshake of 3.x peers (with ZAP), and the routing-id exchange of
//! ZMTP 1.0/2.0 peers.

use super::{Connection, Failure, Phase};
use crate::constants::*;
use crate::msg::{Metadata, MetadataStamp, Msg};
use crate::zmtp::frame::{Decoded, Decoder, Encoder, FrameFlags, Framing};
use crate::zmtp::greeting::PeerVersion;
use crate::zmtp::mechanism::{Mechanism as SecurityMechanism, MechanismConfig, Status};
use crate::zmtp::null::{socket_type_name, NullConfig};
use crate::zmtp::zap::{ZapPolicy, ZapReply};
use crate::zmtp::ProtocolError;
use std::time::Instant;

impl Connection {
    /// Feeds greeting bytes; returns how many were consumed. Once the peer's version is
    /// known, sets up its framing and starts its handshake.
    pub(super) fn feed_greeting(&mut self, input: &[u8], now: Instant) -> Result<usize, Failure> {
        let Phase::Greeting(exchange) = &mut self.phase else {
            return Ok(0);
        };
        let (consumed, detected) = exchange
            .feed(input)
            .map_err(|e| Failure::Protocol(e.monitor_code()))?;
        exchange.take_output(&mut self.transmit.buf);
        let Some(detected) = detected else {
            return Ok(consumed);
        };
        self.version = detected.version;
        match detected.version {
            PeerVersion::V3_0 | PeerVersion::V3_1 => self.start_mechanism()?,
            PeerVersion::V2 | PeerVersion::V1 | PeerVersion::V1Unversioned => {
                let framing = if detected.version == PeerVersion::V2 {
                    Framing::V2
                } else {
                    Framing::V1
                };
                self.decoder = Decoder::new(framing, self.config.maxmsgsize);
                self.encoder = Encoder::new(framing);
                // Our routing id is the first frame the old peer expects.
                if detected.routing_id_header_sent() {
                    self.transmit.buf.extend_from_slice(&self.config.routing_id);
                } else {
                    let _ = self.encoder.encode(
                        FrameFlags::MESSAGE,
                        &self.config.routing_id,
                        &mut self.transmit.buf,
                    );
                }
                let mut props = Metadata::new();
                if let Some(name) = detected
                    .peer_socket_type
                    .and_then(|t| socket_type_name(i32::from(t)))
                {
                    props.insert("Socket-Type", name.as_bytes());
                }
                self.add_connection_properties(&mut props);
                self.metadata = Some(MetadataStamp::new(props));
                self.phase = Phase::OldIdentity;
                self.replay(detected.replay(), now)?;
            }
        }
        Ok(consumed)
    }

    /// Bytes of an unversioned 1.0 peer's first frame (its routing id) that the
    /// greeting consumed: decoded before anything else. Frames after the routing id
    /// that they may hold are dropped, as no socket is attached yet.
    fn replay(&mut self, replay: &[u8], now: Instant) -> Result<(), Failure> {
        let mut pos = 0;
        while pos < replay.len() {
            let (consumed, event) = self
                .decoder
                .decode(&replay[pos..])
                .map_err(|e| Failure::Protocol(e.monitor_code()))?;
            if let Some(Decoded::Frame { flags: fl, body }) = event {
                let body = &replay[pos..][body];
                self.handle_frame::<fn(Msg) -> bool>(None, fl, body, now)?;
            }
            if consumed == 0 {
                break;
            }
            pos += consumed;
        }
        Ok(())
    }

    /// A 3.x greeting is done: the mechanism both sides named takes over.
    fn start_mechanism(&mut self) -> Result<(), Failure> {
        let config = MechanismConfig {
            base: NullConfig {
                socket_type: self.config.socket_type,
                routing_id: self.config.routing_id.clone(),
                properties: self.config.properties.clone(),
            },
            security: self.config.security.clone(),
            zap: ZapPolicy {
                domain: self.config.zap_domain.clone(),
                enforce_domain: self.config.zap_enforce_domain,
                handler_available: self.config.zap_handler_available,
                peer_address: self.peer.address.as_bytes().to_vec(),
            },
        };
        let mut mechanism = SecurityMechanism::new(&config).map_err(|_| Failure::Protocol(None))?;
        match mechanism.start().map_err(Failure::from_handshake)? {
            Status::NeedsZap(request) => self.zap_request = Some(request),
            Status::Continue => {}
        }
        self.mechanism = Some(Box::new(mechanism));
        self.phase = Phase::Handshake;
        Ok(())
    }

    /// A COMMAND frame during the security handshake.
    pub(super) fn handshake_command(
        &mut self,
        fl: FrameFlags,
        body: &[u8],
        now: Instant,
    ) -> Result<(), Failure> {
        if !fl.command {
            return Err(Failure::Protocol(Some(
                ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
            )));
        }
        let Some(mechanism) = self.mechanism.as_mut() else {
            return Err(Failure::Protocol(None));
        };
        let result = mechanism.handle_command(body);
        self.after_mechanism_step(result, now)
    }

    /// The first frame of a 1.0/2.0 peer: its routing id. A ZMTP 1.0 subscriber cannot
    /// subscribe, so a publisher sends it everything (a subscription to "" is queued
    /// for the socket).
    pub(super) fn old_peer_identity(&mut self, body: &[u8], now: Instant) {
        self.peer_routing_id = body.to_vec();
        self.become_active(now);
        if self.decoder.framing() == Framing::V1
            && matches!(self.config.socket_type, ZMQ_PUB | ZMQ_XPUB)
        {
            self.receive.queued = Some(Msg::from_slice(&[1]));
        }
    }

    /// The ZAP handler's reply (all its frames, delimiter first).
    pub fn handle_zap_reply<F: AsRef<[u8]>>(
        &mut self,
        frames: &[F],
        now: Instant,
    ) -> Result<(), Failure> {
        let result = match ZapReply::parse(frames) {
            Ok(reply) => match self.mechanism.as_mut() {
                Some(m) => m.zap_reply(&reply),
                None => return Err(Failure::Protocol(None)),
            },
            Err(e) => Err(e),
        };
        self.after_mechanism_step(result, now)
    }

    /// Queues what the mechanism has to send, then acts on its verdict: a ZAP request
    /// for the driver, a failure, or the end of the handshake (peer metadata, User-Id
    /// and the ZAP handler's properties become every message's metadata).
    fn after_mechanism_step(
        &mut self,
        result: Result<Status, ProtocolError>,
        now: Instant,
    ) -> Result<(), Failure> {
        let Some(mechanism) = self.mechanism.as_mut() else {
            return Err(Failure::Protocol(None));
        };
        let mut cmd = Vec::new();
        while mechanism.poll_command(&mut cmd) {
            let _ = self
                .encoder
                .encode(FrameFlags::COMMAND, &cmd, &mut self.transmit.buf);
            cmd.clear();
        }
        match result {
            Err(e) => {
                self.farewell = true;
                return Err(Failure::from_handshake(e));
            }
            Ok(Status::NeedsZap(request)) => self.zap_request = Some(request),
            Ok(Status::Continue) => {}
        }
        if !mechanism.is_complete() {
            return Ok(());
        }
        let mut props = Metadata::new();
        if let Some(peer) = mechanism.peer_metadata() {
            for (name, value) in peer.iter() {
                if let Ok(name) = std::str::from_utf8(name) {
                    props.insert(name, value);
                }
            }
            self.peer_routing_id = peer.get("Identity").map(|v| v.to_vec()).unwrap_or_default();
        }
        if let Some(zap) = mechanism.zap_metadata() {
            for (name, value) in zap.iter() {
                if let Ok(name) = std::str::from_utf8(name) {
                    props.insert(name, value);
                }
            }
        }
        if let Some(user) = mechanism.user_id() {
            props.insert("User-Id", user);
        }
        self.encrypted = mechanism.is_encrypted();
        self.add_connection_properties(&mut props);
        self.metadata = Some(MetadataStamp::new(props));
        self.become_active(now);
        Ok(())
    }

    /// Queues the handshake commands the mechanism has ready.
    pub(super) fn queue_handshake_commands(&mut self) {
        let Some(mechanism) = self.mechanism.as_mut() else {
            return;
        };
        let mut cmd = Vec::new();
        while mechanism.poll_command(&mut cmd) {
            let _ = self
                .encoder
                .encode(FrameFlags::COMMAND, &cmd, &mut self.transmit.buf);
            cmd.clear();
        }
    }
}
