//! Which accepted connections a listener serves: `ZMQ_TCP_ACCEPT_FILTER` for tcp (the
//! peer's address against address/prefix entries) and `ZMQ_IPC_FILTER_UID`/`GID`/`PID`
//! for ipc (the peer's SO_PEERCRED credentials). A refused connection is closed at once
//! by the listener. The decision follows libzmq 4.3.5 on Linux, including how a group
//! filter is matched: the peer's primary group, or a group whose member list (in the
//! group database) names the peer's user. The peer's other supplementary groups are
//! not looked at, as in libzmq.

use std::collections::BTreeSet;
use std::ffi::CStr;
use std::net::IpAddr;
use std::os::unix::io::RawFd;

use crate::options::{Options, TcpAcceptFilter};

/// True when a tcp peer at `peer` may stay: no filters, or one matching.
pub fn tcp_peer_allowed(filters: &[TcpAcceptFilter], peer: &IpAddr) -> bool {
    filters.is_empty() || filters.iter().any(|f| f.matches(peer))
}

/// The credentials the kernel reports for a unix peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerCredentials {
    pub uid: libc::uid_t,
    pub gid: libc::gid_t,
    pub pid: libc::pid_t,
}

/// Where the group check looks up names: the user database and the group database.
pub trait AccountDatabase {
    /// The login name of `uid`, if it has one.
    fn user_name(&self, uid: libc::uid_t) -> Option<Vec<u8>>;
    /// The member names listed for `gid`, if the group exists.
    fn group_members(&self, gid: libc::gid_t) -> Option<Vec<Vec<u8>>>;
}

/// The ipc filters of a listener.
pub struct IpcFilters<'a> {
    pub uids: &'a BTreeSet<libc::uid_t>,
    pub gids: &'a BTreeSet<libc::gid_t>,
    pub pids: &'a BTreeSet<libc::pid_t>,
}

impl<'a> IpcFilters<'a> {
    pub fn of(options: &'a Options) -> IpcFilters<'a> {
        IpcFilters {
            uids: &options.ipc_filter_uids,
            gids: &options.ipc_filter_gids,
            pids: &options.ipc_filter_pids,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.uids.is_empty() && self.gids.is_empty() && self.pids.is_empty()
    }

    /// Whether a peer with `cred` (None: the kernel would not say) may stay. Any one
    /// matching filter of any kind lets it in.
    pub fn allows(&self, cred: Option<PeerCredentials>, db: &dyn AccountDatabase) -> bool {
        if self.is_empty() {
            return true;
        }
        let Some(cred) = cred else {
            return false;
        };
        if self.uids.contains(&cred.uid)
            || self.gids.contains(&cred.gid)
            || self.pids.contains(&cred.pid)
        {
            return true;
        }
        let Some(user) = db.user_name(cred.uid) else {
            return false;
        };
        self.gids.iter().any(|&gid| {
            db.group_members(gid)
                .is_some_and(|members| members.contains(&user))
        })
    }
}

/// True when an accepted unix connection on `fd` passes the listener's ipc filters.
pub fn ipc_peer_allowed(options: &Options, fd: RawFd) -> bool {
    let filters = IpcFilters::of(options);
    if filters.is_empty() {
        return true;
    }
    let cred = super::socket_options::peer_credentials(fd).map(|c| PeerCredentials {
        uid: c.uid,
        gid: c.gid,
        pid: c.pid,
    });
    filters.allows(cred, &SystemAccounts)
}

/// The system's user and group databases (NSS), through the reentrant calls.
pub struct SystemAccounts;

/// Room for one passwd or group entry's strings; grown on ERANGE up to a limit.
const FIRST_BUFFER: usize = 1024;
const LARGEST_BUFFER: usize = 1 << 20;

impl AccountDatabase for SystemAccounts {
    fn user_name(&self, uid: libc::uid_t) -> Option<Vec<u8>> {
        let mut size = FIRST_BUFFER;
        loop {
            let mut buffer = vec![0 as libc::c_char; size];
            // SAFETY: an all-zero passwd is a valid value to be filled in.
            let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
            let mut found: *mut libc::passwd = std::ptr::null_mut();
            // SAFETY: every pointer refers to live memory of the sizes given; the
            // strings written into `buffer` are read before it is dropped.
            let rc =
                unsafe { libc::getpwuid_r(uid, &mut entry, buffer.as_mut_ptr(), size, &mut found) };
            if rc == libc::ERANGE && size < LARGEST_BUFFER {
                size *= 2;
                continue;
            }
            if rc != 0 || found.is_null() || entry.pw_name.is_null() {
                return None;
            }
            // SAFETY: pw_name is a NUL-terminated string inside `buffer`.
            return Some(unsafe { CStr::from_ptr(entry.pw_name) }.to_bytes().to_vec());
        }
    }

    fn group_members(&self, gid: libc::gid_t) -> Option<Vec<Vec<u8>>> {
        let mut size = FIRST_BUFFER;
        loop {
            let mut buffer = vec![0 as libc::c_char; size];
            // SAFETY: an all-zero group is a valid value to be filled in.
            let mut entry: libc::group = unsafe { std::mem::zeroed() };
            let mut found: *mut libc::group = std::ptr::null_mut();
            // SAFETY: as in `user_name`.
            let rc =
                unsafe { libc::getgrgid_r(gid, &mut entry, buffer.as_mut_ptr(), size, &mut found) };
            if rc == libc::ERANGE && size < LARGEST_BUFFER {
                size *= 2;
                continue;
            }
            if rc != 0 || found.is_null() {
                return None;
            }
            let mut members = Vec::new();
            let mut cursor = entry.gr_mem;
            // SAFETY: gr_mem is a NULL-terminated array of NUL-terminated strings, all
            // inside `buffer`, which lives until the end of this iteration.
            unsafe {
                while !cursor.is_null() && !(*cursor).is_null() {
                    members.push(CStr::from_ptr(*cursor).to_bytes().to_vec());
                    cursor = cursor.add(1);
                }
            }
            return Some(members);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct FakeAccounts;

    impl AccountDatabase for FakeAccounts {
        fn user_name(&self, uid: libc::uid_t) -> Option<Vec<u8>> {
            match uid {
                1000 => Some(b"alice".to_vec()),
                1001 => Some(b"bob".to_vec()),
                _ => None,
            }
        }
        fn group_members(&self, gid: libc::gid_t) -> Option<Vec<Vec<u8>>> {
            match gid {
                50 => Some(vec![b"bob".to_vec(), b"alice".to_vec()]),
                51 => Some(vec![b"bob".to_vec()]),
                _ => None,
            }
        }
    }

    fn alice() -> Option<PeerCredentials> {
        Some(PeerCredentials {
            uid: 1000,
            gid: 100,
            pid: 4242,
        })
    }

    fn allows(uids: &[u32], gids: &[u32], pids: &[i32], cred: Option<PeerCredentials>) -> bool {
        let (uids, gids, pids) = (
            uids.iter().copied().collect(),
            gids.iter().copied().collect(),
            pids.iter().copied().collect(),
        );
        IpcFilters {
            uids: &uids,
            gids: &gids,
            pids: &pids,
        }
        .allows(cred, &FakeAccounts)
    }

    #[test]
    fn no_filters_allow_everyone_even_without_credentials() {
        assert!(allows(&[], &[], &[], alice()));
        assert!(allows(&[], &[], &[], None));
    }

    #[test]
    fn any_matching_kind_is_enough() {
        assert!(allows(&[1000], &[], &[], alice()));
        assert!(allows(&[7], &[], &[4242], alice()));
        assert!(allows(&[7], &[100], &[1], alice()));
        assert!(!allows(&[7], &[], &[1], alice()));
        assert!(!allows(&[1000], &[], &[], None));
    }

    #[test]
    fn group_matches_primary_or_listed_membership() {
        assert!(allows(&[], &[100], &[], alice()));
        assert!(allows(&[], &[50], &[], alice()));
        assert!(!allows(&[], &[51], &[], alice()));
        assert!(!allows(&[], &[999], &[], alice()));
    }

    #[test]
    fn a_user_without_a_name_matches_only_by_id() {
        let nameless = Some(PeerCredentials {
            uid: 5,
            gid: 5,
            pid: 5,
        });
        assert!(!allows(&[], &[50], &[], nameless));
        assert!(allows(&[], &[5], &[], nameless));
    }

    #[test]
    fn tcp_filters() {
        let ours = TcpAcceptFilter::parse(b"127.0.0.0/8", false).unwrap();
        let other = TcpAcceptFilter::parse(b"10.0.0.1", false).unwrap();
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(tcp_peer_allowed(&[], &peer));
        assert!(tcp_peer_allowed(&[other.clone(), ours], &peer));
        assert!(!tcp_peer_allowed(&[other], &peer));
    }

    #[test]
    fn system_database_knows_root() {
        assert_eq!(SystemAccounts.user_name(0).as_deref(), Some(&b"root"[..]));
        assert!(SystemAccounts.group_members(0).is_some());
    }
}
