//! ZAP replies: the input is the handler's frames (raw, or a valid reply with fields
//! from the input). A reply that parses round-trips through `ZapReply::frames`, and a
//! PLAIN server waiting for it reacts as its status says.

use zmq::constants::ZMQ_PULL;
use zmq::zmtp::mechanism::{Mechanism, MechanismConfig, Security, Status};
use zmq::zmtp::null::NullConfig;
use zmq::zmtp::zap::{ZapPolicy, ZapReply};
use zmq::zmtp::ProtocolError;

use crate::common::Reader;
use crate::handshake::{drain, zap_frames};

pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let frames = zap_frames(&mut r);
    let Ok(reply) = ZapReply::parse(&frames) else {
        return;
    };
    assert!(matches!(reply.status, 200 | 300 | 400 | 500));
    let mut metadata = Vec::new();
    reply.metadata.encode(&mut metadata);
    let again = ZapReply::frames(
        reply.status.to_string().as_bytes(),
        &reply.user_id,
        &metadata,
    );
    let mut again = ZapReply::parse(&again).expect("re-built reply parses");
    again.status_text.clone_from(&reply.status_text);
    assert_eq!(again, reply);

    let config = MechanismConfig {
        base: NullConfig {
            socket_type: ZMQ_PULL,
            ..NullConfig::default()
        },
        security: Security::PlainServer,
        zap: ZapPolicy {
            handler_available: true,
            ..ZapPolicy::default()
        },
    };
    let mut mech = Mechanism::new(&config).expect("PLAIN server");
    let hello = b"\x05HELLO\x05admin\x06secret";
    assert!(matches!(
        mech.handle_command(hello),
        Ok(Status::NeedsZap(_))
    ));
    let result = mech.zap_reply(&reply);
    let sent = drain(&mut mech);
    if reply.status == 200 {
        assert_eq!(result, Ok(Status::Continue));
        assert_eq!(sent, vec![b"\x07WELCOME".to_vec()]);
        assert_eq!(mech.user_id(), Some(&reply.user_id[..]));
    } else {
        assert_eq!(result, Err(ProtocolError::AuthFailed(reply.status)));
        // 300 closes quietly; other refusals tell the client.
        assert_eq!(sent.len(), usize::from(reply.status != 300));
    }
}
