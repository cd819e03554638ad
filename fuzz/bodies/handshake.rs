//! Drives a real [`Mechanism`] the way the engine does: the peer's bytes go through the
//! frame decoder in input-chosen chunks, COMMAND frames go to the handshake, ZAP
//! requests are answered from the input, and every command we send must parse.
#![allow(dead_code)]

use zmq::zmtp::command::Command;
use zmq::zmtp::frame::{Decoded, Decoder, Encoder, FrameFlags, Framing};
use zmq::zmtp::mechanism::{Mechanism, MechanismConfig, Security, Status};
use zmq::zmtp::metadata::Metadata;
use zmq::zmtp::null::NullConfig;
use zmq::zmtp::zap::{ZapPolicy, ZapReply};
use zmq::zmtp::ProtocolError;

use crate::common::{chunk_sizes, socket_pair, Reader, Script};

/// How a handshake ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    Complete,
    Failed(ProtocolError),
    /// The peer's bytes ran out first.
    Incomplete,
}

/// Our socket's side of the handshake: socket type, routing id, one `X-` property.
pub fn base_config(r: &mut Reader, socket_type: i32) -> NullConfig {
    let routing_id = r.bytes().to_vec();
    let mut properties = Metadata::new();
    let name = r.bytes();
    let value = r.bytes();
    if !name.is_empty() {
        let _ = properties.push(name, value);
    }
    NullConfig {
        socket_type,
        routing_id,
        properties,
    }
}

pub fn base_script(s: Script) -> Script {
    s.bytes(b"").bytes(b"").bytes(b"")
}

/// ZAP settings from one byte: bit 0 domain set, bit 1 handler bound, bit 2 enforce.
pub fn zap_policy(r: &mut Reader) -> ZapPolicy {
    let bits = r.u8();
    ZapPolicy {
        domain: if bits & 1 != 0 {
            b"global".to_vec()
        } else {
            Vec::new()
        },
        handler_available: bits & 2 != 0,
        enforce_domain: bits & 4 != 0,
        peer_address: b"127.0.0.1".to_vec(),
    }
}

/// A ZAP reply: a well-formed one with the chosen status, or (mode 4+) raw frames.
pub fn zap_frames(r: &mut Reader) -> Vec<Vec<u8>> {
    let mode = r.u8();
    let statuses: [&[u8]; 4] = [b"200", b"300", b"400", b"500"];
    match statuses.get(usize::from(mode)) {
        Some(status) => {
            let user_id = r.bytes();
            let metadata = r.bytes();
            ZapReply::frames(status, user_id, metadata)
        }
        None => {
            let count = usize::from(r.u8() % 9);
            (0..count).map(|_| r.bytes().to_vec()).collect()
        }
    }
}

/// The default (all-zero) choice of [`zap_frames`]: 200, empty user id and metadata.
pub fn zap_script(s: Script, status_index: u8, user_id: &[u8]) -> Script {
    s.u8(status_index).bytes(user_id).bytes(b"")
}

/// A COMMAND frame (3.x framing) around `body`.
pub fn command_frame(body: &[u8], out: &mut Vec<u8>) {
    let _ = Encoder::new(Framing::V3).encode(FrameFlags::COMMAND, body, out);
}

/// A message frame (3.x framing).
pub fn message_frame(body: &[u8], more: bool, out: &mut Vec<u8>) {
    let flags = if more {
        FrameFlags::MORE
    } else {
        FrameFlags::MESSAGE
    };
    let _ = Encoder::new(Framing::V3).encode(flags, body, out);
}

/// Takes what the mechanism wants to send; each command must parse as one.
pub fn drain(mech: &mut Mechanism) -> Vec<Vec<u8>> {
    let mut sent = Vec::new();
    for _ in 0..8 {
        let mut out = Vec::new();
        if !mech.poll_command(&mut out) {
            return sent;
        }
        // libzmq's PLAIN server spells its ERROR "\x5eRROR" (a length byte of 94), and
        // ours copies it on purpose; everything else must be a well-formed command.
        assert!(
            Command::parse(&out).is_ok() || out.starts_with(b"\x5eRROR"),
            "we sent a command our own parser rejects: {out:?}"
        );
        sent.push(out);
    }
    panic!("poll_command never runs dry");
}

/// Hands one command body to the handshake (answering ZAP from `zap`) and returns
/// what it sends in response.
pub fn command(
    mech: &mut Mechanism,
    body: &[u8],
    zap: &[Vec<u8>],
) -> Result<Vec<Vec<u8>>, ProtocolError> {
    let result = mech.handle_command(body);
    step(mech, result, zap)
}

/// After an error: drain what is queued; the handshake must never complete.
pub fn failed(mech: &mut Mechanism) {
    drain(mech);
    assert!(!mech.is_complete(), "complete after an error");
}

pub fn step(
    mech: &mut Mechanism,
    result: Result<Status, ProtocolError>,
    zap: &[Vec<u8>],
) -> Result<Vec<Vec<u8>>, ProtocolError> {
    let status = result?;
    let mut sent = drain(mech);
    if let Status::NeedsZap(request) = status {
        let frames = request.to_frames();
        assert!(frames.len() >= 6, "ZAP request frames: {}", frames.len());
        let reply = ZapReply::parse(zap)?;
        let resumed = mech.zap_reply(&reply);
        if reply.status != 200 {
            assert_eq!(resumed, Err(ProtocolError::AuthFailed(reply.status)));
        }
        resumed?;
        sent.extend(drain(mech));
    }
    Ok(sent)
}

/// A handshake whose side consults ZAP (NULL with a domain, PLAIN server): the input
/// chooses our socket, the ZAP policy and the handler's reply, then is the peer's stream.
pub fn run_with_zap(data: &[u8], security: Security) {
    let mut r = Reader::new(data);
    let (socket_type, _) = socket_pair(r.u8());
    let base = base_config(&mut r, socket_type);
    let zap = zap_policy(&mut r);
    let reply = zap_frames(&mut r);
    let chunk_seed = r.u8();
    let config = MechanismConfig {
        base,
        security,
        zap,
    };
    let Ok(mut mech) = Mechanism::new(&config) else {
        return;
    };
    drive(&mut mech, r.rest(), chunk_seed, &reply);
}

/// Runs the handshake against `stream` (the peer's bytes after the greeting).
pub fn drive(mech: &mut Mechanism, stream: &[u8], chunk_seed: u8, zap: &[Vec<u8>]) -> End {
    let end = run(mech, stream, chunk_seed, zap);
    match &end {
        End::Failed(_) => failed(mech),
        End::Complete => {
            assert!(mech.is_complete());
            assert!(mech.peer_metadata().is_some(), "complete without metadata");
        }
        End::Incomplete => {}
    }
    end
}

fn run(mech: &mut Mechanism, stream: &[u8], chunk_seed: u8, zap: &[Vec<u8>]) -> End {
    let started = mech.start();
    if let Err(e) = step(mech, started, zap) {
        return End::Failed(e);
    }
    // An error after the handshake (a bad frame or MESSAGE) closes the connection but
    // does not undo the handshake: report it as complete.
    let failed = |mech: &Mechanism, e| {
        if mech.is_complete() {
            End::Complete
        } else {
            End::Failed(e)
        }
    };
    let mut decoder = Decoder::new(Framing::V3, -1);
    let mut large: Option<(FrameFlags, Vec<u8>)> = None;
    let mut pos = 0;
    for size in chunk_sizes(stream.len(), chunk_seed) {
        let mut chunk = &stream[pos..pos + size];
        pos += size;
        while !chunk.is_empty() {
            let (consumed, event) = match decoder.decode(chunk) {
                Ok(r) => r,
                Err(e) => return failed(mech, e),
            };
            let frame = match event {
                None => None,
                Some(Decoded::Frame { flags, body }) => Some((flags, chunk[body].to_vec())),
                Some(Decoded::Start { flags, .. }) => {
                    large = Some((flags, Vec::new()));
                    None
                }
                Some(Decoded::Chunk { body, last }) => {
                    if let Some((_, data)) = large.as_mut() {
                        data.extend_from_slice(&chunk[body]);
                    }
                    if last {
                        large.take()
                    } else {
                        None
                    }
                }
            };
            chunk = &chunk[consumed..];
            if let Some((flags, body)) = frame {
                let was_complete = mech.is_complete();
                if let Err(e) = frame_arrived(mech, flags, &body, zap) {
                    if was_complete {
                        return End::Complete;
                    }
                    return End::Failed(e);
                }
            }
            if consumed == 0 {
                break;
            }
        }
    }
    if mech.is_complete() {
        End::Complete
    } else {
        End::Incomplete
    }
}

fn frame_arrived(
    mech: &mut Mechanism,
    flags: FrameFlags,
    body: &[u8],
    zap: &[Vec<u8>],
) -> Result<(), ProtocolError> {
    if !mech.is_complete() {
        if !flags.command {
            // The engine refuses a message before the handshake is done.
            return Err(ProtocolError::UnexpectedCommand);
        }
        return command(mech, body, zap).map(|_| ());
    }
    if mech.is_encrypted() {
        let (_, plain) = mech.decode_message(body)?;
        let _ = Command::parse(&plain);
    } else if flags.command {
        let _ = Command::parse(body);
    }
    Ok(())
}
