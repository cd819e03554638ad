//! The timer set behind `zmq_timers_*`: repeating timers, each with an interval in
//! milliseconds and a handler value, identified by ids counting up from 1.
//!
//! The clock is an argument (`now`), never read here, so behaviour is tested with a
//! simulated clock. Time is kept in whole milliseconds since the first timer was added,
//! the granularity libzmq uses, so a caller that sleeps for `timeout` finds the timer due.
//!
//! Running handlers is split in two steps, `due` then `fire`, so that a caller can run
//! each handler without holding a borrow of the set: a C handler may call back into the
//! same timer set (cancel, add, reset) while it runs. `execute` combines both for Rust
//! callers. Each due timer runs at most once per pass, so an interval of 0 cannot make a
//! pass loop forever (libzmq 4.3 does).

use crate::error::{Error, Result};
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// Identifies a timer within its `Timers`; the first is 1.
pub type TimerId = i32;

/// Position in the schedule: due time in ms, then insertion order for equal due times.
type Slot = (u64, u64);

#[derive(Debug)]
struct Timer<H> {
    interval_ms: u64,
    handler: H,
    slot: Slot,
}

/// A set of repeating timers carrying handler values of type `H`.
#[derive(Debug)]
pub struct Timers<H> {
    /// The instant that is millisecond 0; set when the first timer is added.
    origin: Option<Instant>,
    last_id: TimerId,
    next_seq: u64,
    timers: HashMap<TimerId, Timer<H>>,
    schedule: BTreeMap<Slot, TimerId>,
}

impl<H> Default for Timers<H> {
    fn default() -> Self {
        Self {
            origin: None,
            last_id: 0,
            next_seq: 0,
            timers: HashMap::new(),
            schedule: BTreeMap::new(),
        }
    }
}

impl<H> Timers<H> {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a timer that first fires `interval_ms` after `now`, then every `interval_ms`
    /// after each run, and returns its id.
    pub fn add(&mut self, interval_ms: u64, handler: H, now: Instant) -> Result<TimerId> {
        // Ids are never reused; running out of them is "too many timers".
        let id = self.last_id.checked_add(1).ok_or(Error::MFile)?;
        self.last_id = id;
        self.origin.get_or_insert(now);
        let slot = self.slot_at(self.millis(now).saturating_add(interval_ms));
        self.schedule.insert(slot, id);
        self.timers.insert(
            id,
            Timer {
                interval_ms,
                handler,
                slot,
            },
        );
        Ok(id)
    }

    /// Removes a timer. `Inval` if `id` was never added or is already cancelled.
    pub fn cancel(&mut self, id: TimerId) -> Result<()> {
        let timer = self.timers.remove(&id).ok_or(Error::Inval)?;
        self.schedule.remove(&timer.slot);
        Ok(())
    }

    /// Changes a timer's interval and restarts it: it next fires `interval_ms` after
    /// `now`. `Inval` for an unknown or cancelled id.
    pub fn set_interval(&mut self, id: TimerId, interval_ms: u64, now: Instant) -> Result<()> {
        self.timers.get_mut(&id).ok_or(Error::Inval)?.interval_ms = interval_ms;
        self.reset(id, now)
    }

    /// Restarts a timer: it next fires one interval after `now`. `Inval` for an unknown
    /// or cancelled id.
    pub fn reset(&mut self, id: TimerId, now: Instant) -> Result<()> {
        let interval_ms = self.timers.get(&id).ok_or(Error::Inval)?.interval_ms;
        self.reschedule(id, self.millis(now).saturating_add(interval_ms));
        Ok(())
    }

    /// Milliseconds from `now` until the next timer is due (0 if one is overdue), or
    /// `None` when there are no timers.
    pub fn timeout(&self, now: Instant) -> Option<u64> {
        let (&(due, _), _) = self.schedule.first_key_value()?;
        Some(due.saturating_sub(self.millis(now)))
    }

    /// The timers due at `now`, in the order they should run (earliest due first, then
    /// the order they were scheduled in). First step of a pass; see `fire`.
    pub fn due(&self, now: Instant) -> Vec<TimerId> {
        let now_ms = self.millis(now);
        self.schedule
            .range(..=(now_ms, u64::MAX))
            .map(|(_, &id)| id)
            .collect()
    }

    /// Second step of a pass, once per id from `due(now)`: if the timer still exists and
    /// is still due at `now` (a handler run earlier in the pass may have cancelled or
    /// reset it), schedules its next run one interval after `now` and returns its
    /// handler for the caller to run.
    pub fn fire(&mut self, id: TimerId, now: Instant) -> Option<&H> {
        let now_ms = self.millis(now);
        let timer = self.timers.get(&id)?;
        if timer.slot.0 > now_ms {
            return None;
        }
        let next_ms = now_ms.saturating_add(timer.interval_ms);
        self.reschedule(id, next_ms);
        self.timers.get(&id).map(|timer| &timer.handler)
    }

    /// Runs every timer due at `now` once, through `run(id, handler)`.
    pub fn execute(&mut self, now: Instant, mut run: impl FnMut(TimerId, &H)) {
        for id in self.due(now) {
            if let Some(handler) = self.fire(id, now) {
                run(id, handler);
            }
        }
    }

    fn millis(&self, now: Instant) -> u64 {
        let elapsed = self
            .origin
            .map(|origin| now.saturating_duration_since(origin).as_millis())
            .unwrap_or(0);
        u64::try_from(elapsed).unwrap_or(u64::MAX)
    }

    fn slot_at(&mut self, due_ms: u64) -> Slot {
        let seq = self.next_seq;
        self.next_seq += 1;
        (due_ms, seq)
    }

    /// Moves an existing timer to `due_ms`, behind timers already due then.
    fn reschedule(&mut self, id: TimerId, due_ms: u64) {
        let slot = self.slot_at(due_ms);
        if let Some(timer) = self.timers.get_mut(&id) {
            self.schedule.remove(&timer.slot);
            timer.slot = slot;
            self.schedule.insert(slot, id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A simulated clock: `at(ms)` is `ms` milliseconds after a fixed start.
    struct Clock(Instant);

    impl Clock {
        fn new() -> Self {
            Clock(Instant::now())
        }
        fn at(&self, ms: u64) -> Instant {
            self.0 + Duration::from_millis(ms)
        }
    }

    fn run_all(timers: &mut Timers<&'static str>, now: Instant) -> Vec<(TimerId, &'static str)> {
        let mut ran = Vec::new();
        timers.execute(now, |id, name| ran.push((id, *name)));
        ran
    }

    #[test]
    fn ids_count_up_from_one_and_are_not_reused() {
        let clock = Clock::new();
        let mut timers = Timers::new();
        assert_eq!(timers.add(10, "a", clock.at(0)), Ok(1));
        assert_eq!(timers.add(10, "b", clock.at(0)), Ok(2));
        timers.cancel(2).unwrap();
        assert_eq!(timers.add(10, "c", clock.at(0)), Ok(3));
    }

    #[test]
    fn timeout_is_none_without_timers_and_counts_down_to_zero() {
        let clock = Clock::new();
        let mut timers = Timers::new();
        assert_eq!(timers.timeout(clock.at(0)), None);
        timers.add(100, "a", clock.at(0)).unwrap();
        timers.add(30, "b", clock.at(0)).unwrap();
        assert_eq!(timers.timeout(clock.at(0)), Some(30));
        assert_eq!(timers.timeout(clock.at(20)), Some(10));
        assert_eq!(timers.timeout(clock.at(30)), Some(0));
        assert_eq!(timers.timeout(clock.at(500)), Some(0), "overdue is 0");
    }

    #[test]
    fn execute_runs_due_timers_in_due_order_and_reschedules_them() {
        let clock = Clock::new();
        let mut timers = Timers::new();
        timers.add(50, "slow", clock.at(0)).unwrap();
        timers.add(20, "fast", clock.at(0)).unwrap();
        timers.add(20, "fast-too", clock.at(0)).unwrap();
        assert!(run_all(&mut timers, clock.at(19)).is_empty());
        assert_eq!(
            run_all(&mut timers, clock.at(20)),
            [(2, "fast"), (3, "fast-too")]
        );
        assert_eq!(timers.timeout(clock.at(20)), Some(20), "next run at 40");
        assert_eq!(
            run_all(&mut timers, clock.at(55)),
            [(2, "fast"), (3, "fast-too"), (1, "slow")]
        );
        // Rescheduled from the pass's `now` (55), not from the missed due time.
        assert_eq!(timers.timeout(clock.at(55)), Some(20));
    }

    #[test]
    fn zero_interval_timer_runs_once_per_pass() {
        let clock = Clock::new();
        let mut timers = Timers::new();
        timers.add(0, "busy", clock.at(0)).unwrap();
        assert_eq!(run_all(&mut timers, clock.at(0)), [(1, "busy")]);
        assert_eq!(run_all(&mut timers, clock.at(0)), [(1, "busy")]);
        assert_eq!(timers.timeout(clock.at(0)), Some(0));
    }

    #[test]
    fn cancel_removes_the_timer_and_a_second_cancel_is_inval() {
        let clock = Clock::new();
        let mut timers = Timers::new();
        let id = timers.add(10, "a", clock.at(0)).unwrap();
        assert_eq!(timers.cancel(id), Ok(()));
        assert_eq!(timers.cancel(id), Err(Error::Inval));
        assert_eq!(timers.reset(id, clock.at(0)), Err(Error::Inval));
        assert_eq!(timers.set_interval(id, 5, clock.at(0)), Err(Error::Inval));
        assert_eq!(timers.timeout(clock.at(0)), None);
        assert!(run_all(&mut timers, clock.at(100)).is_empty());
    }

    #[test]
    fn unknown_ids_are_inval() {
        let clock = Clock::new();
        let mut timers: Timers<()> = Timers::new();
        for id in [0, -1, 1, 99] {
            assert_eq!(timers.cancel(id), Err(Error::Inval));
            assert_eq!(timers.reset(id, clock.at(0)), Err(Error::Inval));
            assert_eq!(timers.set_interval(id, 1, clock.at(0)), Err(Error::Inval));
        }
    }

    #[test]
    fn reset_and_set_interval_restart_from_now() {
        let clock = Clock::new();
        let mut timers = Timers::new();
        let id = timers.add(100, "a", clock.at(0)).unwrap();
        timers.reset(id, clock.at(60)).unwrap();
        assert_eq!(timers.timeout(clock.at(60)), Some(100));
        assert!(run_all(&mut timers, clock.at(100)).is_empty());
        timers.set_interval(id, 10, clock.at(100)).unwrap();
        assert_eq!(timers.timeout(clock.at(100)), Some(10));
        assert_eq!(run_all(&mut timers, clock.at(110)), [(id, "a")]);
        assert_eq!(timers.timeout(clock.at(110)), Some(10), "new interval kept");
    }

    #[test]
    fn a_timer_cancelled_or_reset_during_a_pass_is_skipped() {
        let clock = Clock::new();
        let mut timers = Timers::new();
        let a = timers.add(10, "a", clock.at(0)).unwrap();
        let b = timers.add(10, "b", clock.at(0)).unwrap();
        let c = timers.add(10, "c", clock.at(0)).unwrap();
        let now = clock.at(10);
        let due = timers.due(now);
        assert_eq!(due, [a, b, c]);
        // What a reentrant handler of `a` may do before `b` and `c` get their turn.
        assert_eq!(timers.fire(a, now), Some(&"a"));
        timers.cancel(b).unwrap();
        timers.reset(c, now).unwrap();
        assert_eq!(timers.fire(b, now), None);
        assert_eq!(timers.fire(c, now), None);
    }

    #[test]
    fn huge_intervals_saturate_instead_of_overflowing() {
        let clock = Clock::new();
        let mut timers = Timers::new();
        timers.add(u64::MAX, "never", clock.at(5)).unwrap();
        assert_eq!(timers.timeout(clock.at(5)), Some(u64::MAX));
        assert!(run_all(&mut timers, clock.at(1_000_000)).is_empty());
    }

    #[test]
    fn a_clock_reading_before_the_first_add_counts_as_zero() {
        let clock = Clock::new();
        let mut timers = Timers::new();
        timers.add(10, "a", clock.at(50)).unwrap();
        assert_eq!(timers.timeout(clock.at(0)), Some(10));
    }
}
