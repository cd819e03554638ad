//! Routing tables shared by the socket patterns: subscription prefixes for PUB/SUB.
//! `trie` counts a socket's own subscriptions; `mtrie` records which pipes hold which.

pub mod mtrie;
pub mod trie;
