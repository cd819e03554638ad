//! Greeting exchange and version detection: the input configures our side, then is the
//! peer's bytes, fed in input-chosen chunks. Chunking must not change the outcome, we
//! never send more than a greeting, and a decided exchange stays decided.

use zmq::zmtp::greeting::{
    Detected, Greeting, GreetingConfig, GreetingExchange, Mechanism, PeerVersion, GREETING_LEN,
    SIGNATURE_LEN, V2_GREETING_LEN,
};
use zmq::zmtp::ProtocolError;

use crate::common::{chunk_sizes, Reader};

type Outcome = (usize, Vec<u8>, Option<Result<Detected, ProtocolError>>);

fn exchange(config: GreetingConfig, peer: &[u8], chunk_seed: u8) -> Outcome {
    let mut ex = GreetingExchange::new(config);
    let mut sent = Vec::new();
    ex.take_output(&mut sent);
    let mut consumed = 0;
    let mut pos = 0;
    for size in chunk_sizes(peer.len(), chunk_seed) {
        let chunk = &peer[pos..pos + size];
        pos += size;
        match ex.feed(chunk) {
            Ok((n, detected)) => {
                assert!(n <= chunk.len());
                consumed += n;
                ex.take_output(&mut sent);
                assert!(!ex.has_output());
                if let Some(d) = detected {
                    // Decided: nothing more is consumed.
                    assert_eq!(ex.feed(b"\xFF\x00"), Ok((0, None)));
                    return (consumed, sent, Some(Ok(d)));
                }
                assert_eq!(n, chunk.len(), "undecided but bytes left over");
            }
            Err(e) => {
                assert!(ex.feed(b"\x00").is_err(), "a failed exchange recovers");
                // The count of a failed feed is not reported: compare outcomes only.
                ex.take_output(&mut sent);
                return (0, sent, Some(Err(e)));
            }
        }
    }
    (consumed, sent, None)
}

pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let mechanisms = [
        Mechanism::Null,
        Mechanism::Plain,
        Mechanism::Curve,
        Mechanism::Gssapi,
    ];
    let config = GreetingConfig {
        socket_type: r.u8(),
        routing_id_len: usize::from(r.u8()),
        mechanism: mechanisms[usize::from(r.u8() % 4)],
        as_server: r.bool(),
        zap_enabled: r.bool(),
    };
    let chunk_seed = r.u8();
    let peer = r.rest();

    let whole = exchange(config, peer, 0);
    let chunked = exchange(config, peer, chunk_seed);
    assert_eq!(whole, chunked, "chunking changed the outcome");
    let (consumed, sent, outcome) = whole;
    assert!(sent.len() <= GREETING_LEN);
    assert!(consumed <= peer.len());
    if let Some(Ok(d)) = &outcome {
        assert!(d.replay().len() <= SIGNATURE_LEN);
        assert!(peer.starts_with(d.replay()));
        let expected_sent = match d.version {
            PeerVersion::V1Unversioned => SIGNATURE_LEN,
            PeerVersion::V1 | PeerVersion::V2 => V2_GREETING_LEN,
            PeerVersion::V3_0 | PeerVersion::V3_1 => GREETING_LEN,
        };
        assert_eq!(sent.len(), expected_sent, "{:?}", d.version);
        if let Some(g) = &d.greeting {
            assert!(g.mechanism_is(config.mechanism));
            assert_eq!(consumed, GREETING_LEN);
        }
    }

    // The static parser, and its round trip.
    if let Ok(g) = Greeting::parse(peer) {
        assert_eq!(Greeting::parse(&g.encode()), Ok(g));
        let _ = g.mechanism_name();
    }
}
