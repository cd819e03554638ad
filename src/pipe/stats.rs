//! Pipe statistics for `zmq_socket_monitor_pipes_stats` (draft, monitor v2's
//! `ZMQ_EVENT_PIPES_STATS`). Each end of a pipe knows only what it has queued towards
//! the other (`msgs_written - peers_msgs_read`, as its HWM counts it), so one report
//! takes a round trip, as in libzmq: the socket's end sends `StatsRequest` with its
//! count to the owner of the other end (a session on an I/O thread, or an inproc
//! peer socket), which adds its own count and sends `StatsReply` back; the socket
//! publishes the event when it processes its mailbox. Nothing here touches the hot path.

use super::{Pipe, PipeCommand};
use std::sync::Arc;

/// The two addresses a pipe's PIPES_STATS event names (libzmq's endpoint pair of the
/// socket's end): those of the connection for a pipe a session made (an accepted
/// connection, or a connect with ZMQ_IMMEDIATE), the endpoint as given to connect
/// (remote) for one the socket made at connect time, none over inproc.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EndpointPair {
    pub local: String,
    pub remote: String,
}

impl EndpointPair {
    /// A pipe the socket made itself when it connected (tcp, ipc, a RADIO's udp):
    /// libzmq names the endpoint as the caller gave it, as the remote one.
    pub fn connected_to(endpoint: &str) -> Arc<EndpointPair> {
        Arc::new(EndpointPair {
            local: String::new(),
            remote: endpoint.to_owned(),
        })
    }

    /// The pipe of a udp endpoint bound by the socket (DISH, DGRAM): the endpoint as
    /// given, as the local one.
    pub fn bound_at(endpoint: &str) -> Arc<EndpointPair> {
        Arc::new(EndpointPair {
            local: endpoint.to_owned(),
            remote: String::new(),
        })
    }
}

/// One report travelling from the socket to the other end of a pipe and back.
#[derive(Debug)]
pub struct PipeStats {
    /// Messages the socket queued towards the peer and the peer has not yet reported read.
    pub outbound: u64,
    /// Messages the peer queued towards the socket, counted the same way (filled in by
    /// the peer).
    pub inbound: u64,
    pub endpoints: Option<Arc<EndpointPair>>,
}

impl Pipe {
    /// Messages written to this end and not yet reported read by the other end (credit
    /// comes back every low-water mark, so this is what the HWM sees, not the exact
    /// queue length).
    pub fn queued(&self) -> u64 {
        self.msgs_written.saturating_sub(self.peers_msgs_read)
    }

    /// Asks the owner of the other end for its count (the socket's side of a report).
    pub fn request_stats(&self) {
        self.send_to_peer(PipeCommand::StatsRequest(
            self.peer_id,
            Box::new(PipeStats {
                outbound: self.queued(),
                inbound: 0,
                endpoints: self.endpoint_pair.clone(),
            }),
        ));
    }

    /// Answers a `StatsRequest` that arrived for this end with its own count.
    pub fn answer_stats(&self, mut stats: Box<PipeStats>) {
        stats.inbound = self.queued();
        self.send_to_peer(PipeCommand::StatsReply(self.peer_id, stats));
    }
}

#[cfg(test)]
mod tests {
    use super::super::{pipe_pair, Direction};
    use super::*;
    use crate::mailbox::Mailbox;
    use crate::msg::Msg;

    fn dir(hwm: u64) -> Direction {
        Direction {
            hwm,
            conflate: false,
        }
    }

    #[test]
    fn a_report_carries_both_ends_counts_and_the_socket_ends_endpoints() {
        let (mut socket_end, mut peer_end) = pipe_pair(dir(10), dir(10));
        let socket_owner = Arc::new(Mailbox::<PipeCommand>::new().unwrap());
        let peer_owner = Arc::new(Mailbox::<PipeCommand>::new().unwrap());
        socket_end.set_owner(&socket_owner);
        peer_end.set_owner(&peer_owner);
        socket_end.endpoint_pair = Some(Arc::new(EndpointPair {
            local: "tcp://127.0.0.1:5555".into(),
            remote: String::new(),
        }));
        for _ in 0..3 {
            socket_end.write(Msg::from_slice(b"out")).unwrap();
        }
        socket_end.flush();
        // Routing ids and frames before the last of a message are not messages.
        let mut first = Msg::from_slice(b"a");
        first.set_more(true);
        peer_end.write(first).unwrap();
        peer_end.write(Msg::from_slice(b"b")).unwrap();
        peer_end.flush();

        socket_end.request_stats();
        let Some(PipeCommand::StatsRequest(id, stats)) = peer_owner.try_recv() else {
            panic!("expected a StatsRequest at the peer");
        };
        assert_eq!(id, peer_end.id());
        peer_end.answer_stats(stats);
        let Some(PipeCommand::StatsReply(id, stats)) = socket_owner.try_recv() else {
            panic!("expected a StatsReply at the socket");
        };
        assert_eq!(id, socket_end.id());
        assert_eq!((stats.outbound, stats.inbound), (3, 1));
        assert_eq!(
            stats.endpoints.as_deref().map(|e| e.local.as_str()),
            Some("tcp://127.0.0.1:5555")
        );
    }
}
