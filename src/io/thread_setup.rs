//! How the context's thread options shape an I/O thread, as libzmq applies them when it
//! starts one: its name (`ZMQ_THREAD_NAME_PREFIX`), scheduling policy and priority
//! (`ZMQ_THREAD_SCHED_POLICY`, `ZMQ_THREAD_PRIORITY`) and CPU set
//! (`ZMQ_THREAD_AFFINITY_CPU_ADD`/`REMOVE`). Settings the system refuses (a real-time
//! policy without the privilege, say) are left as they were: libzmq aborts the
//! process there, which we do not copy.

use std::collections::BTreeSet;

use crate::constants::{ZMQ_THREAD_PRIORITY_DFLT, ZMQ_THREAD_SCHED_POLICY_DFLT};

/// Linux keeps 15 bytes of a thread's name.
const MAX_THREAD_NAME: usize = 15;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadSettings {
    /// `ZMQ_THREAD_NAME_PREFIX` as text (libzmq keeps the decimal form of the int).
    /// ZMQ_THREAD_NAME_PREFIX: bytes as given (`zmq_ctx_set_ext`), or an int's decimal
    /// text (`zmq_ctx_set`).
    pub name_prefix: Option<Vec<u8>>,
    /// `ZMQ_THREAD_PRIORITY`, -1 = leave as it is.
    pub priority: i32,
    /// `ZMQ_THREAD_SCHED_POLICY`, -1 = leave as it is.
    pub sched_policy: i32,
    /// `ZMQ_THREAD_AFFINITY_CPU_ADD`ed CPUs; empty = leave as it is.
    pub cpus: BTreeSet<i32>,
}

impl Default for ThreadSettings {
    fn default() -> Self {
        ThreadSettings {
            name_prefix: None,
            priority: ZMQ_THREAD_PRIORITY_DFLT,
            sched_policy: ZMQ_THREAD_SCHED_POLICY_DFLT,
            cpus: BTreeSet::new(),
        }
    }
}

impl ThreadSettings {
    /// The name of I/O thread `index`: `[prefix/]ZMQbg/IO/<index>`, cut to what Linux
    /// keeps.
    pub fn io_thread_name(&self, index: usize) -> String {
        let mut name = match &self.name_prefix {
            Some(prefix) => {
                // The name is a C string: a NUL in the prefix ends it there.
                let prefix = prefix.split(|&b| b == 0).next().unwrap_or_default();
                let prefix = String::from_utf8_lossy(prefix);
                format!("{prefix}/ZMQbg/IO/{index}")
            }
            None => format!("ZMQbg/IO/{index}"),
        };
        let mut end = name.len().min(MAX_THREAD_NAME);
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
        name
    }

    /// Applies the scheduling settings to the calling thread (called first thing in a
    /// new I/O thread).
    pub fn apply_to_current_thread(&self) {
        if self.sched_policy != ZMQ_THREAD_SCHED_POLICY_DFLT
            || self.priority != ZMQ_THREAD_PRIORITY_DFLT
        {
            self.apply_scheduling();
        }
        if !self.cpus.is_empty() {
            self.apply_cpus();
        }
    }

    fn apply_scheduling(&self) {
        let mut policy: libc::c_int = 0;
        // SAFETY: an all-zero sched_param is a valid value.
        let mut param: libc::sched_param = unsafe { std::mem::zeroed() };
        // SAFETY: both out-pointers refer to live locals.
        if unsafe { libc::pthread_getschedparam(libc::pthread_self(), &mut policy, &mut param) }
            != 0
        {
            return;
        }
        if self.sched_policy != ZMQ_THREAD_SCHED_POLICY_DFLT {
            policy = self.sched_policy;
        }
        // Only the real-time policies have priorities (1..=99); for the others the
        // priority is 0 and a positive ZMQ_THREAD_PRIORITY raises the nice value.
        let real_time = policy == libc::SCHED_FIFO || policy == libc::SCHED_RR;
        param.sched_priority = if real_time && self.priority != ZMQ_THREAD_PRIORITY_DFLT {
            self.priority
        } else {
            0
        };
        // SAFETY: `param` is a live, initialised sched_param.
        let _ = unsafe { libc::pthread_setschedparam(libc::pthread_self(), policy, &param) };
        if !real_time && self.priority > 0 {
            // Linux applies nice per thread: the highest priority, as libzmq asks.
            // SAFETY: plain syscall; failure (no privilege) leaves the value as it was.
            let _ = unsafe { libc::nice(-20) };
        }
    }

    fn apply_cpus(&self) {
        // SAFETY: an all-zero cpu_set_t is the empty set.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        for &cpu in &self.cpus {
            let Ok(cpu) = usize::try_from(cpu) else {
                continue;
            };
            if cpu < libc::CPU_SETSIZE as usize {
                // SAFETY: `cpu` is below CPU_SETSIZE, inside the set.
                unsafe { libc::CPU_SET(cpu, &mut set) };
            }
        }
        // SAFETY: `set` is a live cpu_set_t of the size passed.
        let _ = unsafe {
            libc::pthread_setaffinity_np(
                libc::pthread_self(),
                std::mem::size_of::<libc::cpu_set_t>(),
                &set,
            )
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let mut settings = ThreadSettings::default();
        assert_eq!(settings.io_thread_name(0), "ZMQbg/IO/0");
        settings.name_prefix = Some("42".into());
        assert_eq!(settings.io_thread_name(3), "42/ZMQbg/IO/3");
        settings.name_prefix = Some("123456789".into());
        assert_eq!(settings.io_thread_name(0), "123456789/ZMQbg");
        settings.name_prefix = Some("-5".into());
        assert_eq!(settings.io_thread_name(1), "-5/ZMQbg/IO/1");
        settings.name_prefix = Some(b"ab\0cd".to_vec());
        assert_eq!(settings.io_thread_name(1), "ab/ZMQbg/IO/1");
    }
}
