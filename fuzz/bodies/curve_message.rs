//! CURVE MESSAGE boxes after a real handshake between our own client and server: the
//! input is a sequence of frames sent either way, each optionally mutated, replayed or
//! replaced by raw bytes. Honest frames must arrive intact, in place and copied;
//! anything else must be refused without a panic.

use zmq::constants::{ZMQ_DEALER, ZMQ_ROUTER};
use zmq::zmtp::mechanism::{Mechanism, MechanismConfig, Security};
use zmq::zmtp::null::NullConfig;
use zmq::zmtp::zap::ZapPolicy;

use crate::common::Reader;
use crate::curve_peer::{self, mutate};
use crate::handshake::drain;

fn pair() -> (Mechanism, Mechanism) {
    let base = |socket_type| NullConfig {
        socket_type,
        ..NullConfig::default()
    };
    let client = MechanismConfig {
        base: base(ZMQ_DEALER),
        security: Security::CurveClient(curve_peer::client_config()),
        zap: ZapPolicy::default(),
    };
    let server = MechanismConfig {
        base: base(ZMQ_ROUTER),
        security: Security::CurveServer(curve_peer::server_secret()),
        zap: ZapPolicy::default(),
    };
    let mut client = Mechanism::new(&client).expect("client");
    let mut server = Mechanism::new(&server).expect("server");
    for _ in 0..4 {
        for body in drain(&mut client) {
            server.handle_command(&body).expect("server accepts");
        }
        for body in drain(&mut server) {
            client.handle_command(&body).expect("client accepts");
        }
    }
    assert!(client.is_complete() && server.is_complete());
    (client, server)
}

pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let (mut client, mut server) = pair();
    let mut replay: Vec<(bool, Vec<u8>)> = Vec::new();
    for _ in 0..32 {
        if r.is_empty() {
            break;
        }
        let op = r.u8();
        let to_server = op & 1 == 0;
        let (from, to) = if to_server {
            (&mut client, &mut server)
        } else {
            (&mut server, &mut client)
        };
        match (op >> 1) % 4 {
            0 | 1 => {
                let flags = r.u8();
                let body = r.bytes();
                let mut boxed = Vec::new();
                from.encode_message(flags, body, &mut boxed)
                    .expect("complete handshake encodes");
                let mutated = mutate(&mut r, &mut boxed);
                let result = if op & 2 == 0 {
                    to.decode_message(&boxed)
                } else {
                    let mut copy = boxed.clone();
                    to.decode_message_in_place(&mut copy)
                        .map(|(f, range)| (f, copy[range].to_vec()))
                };
                if !mutated {
                    assert_eq!(result, Ok((flags & 3, body.to_vec())));
                    replay.push((to_server, boxed));
                }
            }
            2 => {
                let _ = to.decode_message(r.bytes());
            }
            _ => {
                let pick = usize::from(r.u8());
                if let Some((dir, old)) = replay.get(pick % replay.len().max(1)) {
                    let target = if *dir { &mut server } else { &mut client };
                    assert!(target.decode_message(old).is_err(), "replay accepted");
                }
            }
        }
    }
}
