//! Routing strategies shared by the socket patterns: fair-queuing (`fq`), load-balancing
//! (`lb`) and fan-out (`dist`) over pipes, and the subscription tables for PUB/SUB
//! (`trie` counts a socket's own subscriptions; `mtrie` records which pipes hold which).

pub mod dist;
pub mod fq;
pub mod lb;
pub mod mtrie;
pub mod pipe_array;
pub mod trie;

#[cfg(test)]
mod test_pipes;
