/* zmq_timers_*: ids, execution order, timeout values, cancel/reset/set_interval, a
 * handler that cancels itself, and the EFAULT/EINVAL contracts. Also times the waits
 * with zmq_stopwatch_* and checks zmq_sleep. */
#include <zmq.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHECK(cond, what)                                                      \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf (stderr, "%s:%d: %s: failed: %s\n", __FILE__, __LINE__,    \
                     what, #cond);                                             \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

#define CHECK_FAILS(call, err, what)                                           \
    do {                                                                       \
        errno = 0;                                                             \
        CHECK ((call) == -1, what " returns -1");                              \
        CHECK (errno == (err), what " sets " #err);                            \
    } while (0)

static void sleep_ms (long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep (&t, &t) == -1 && errno == EINTR) {
    }
}

/* Records the ids of the timers that ran, in order. */
typedef struct
{
    int ids[16];
    int count;
} record_t;

static void record (int timer_id, void *arg)
{
    record_t *r = (record_t *) arg;
    if (r->count < 16)
        r->ids[r->count] = timer_id;
    r->count++;
}

static void noop (int timer_id, void *arg)
{
    (void) timer_id;
    (void) arg;
}

static void null_and_bad_ids (void)
{
    CHECK_FAILS (zmq_timers_add (NULL, 10, noop, NULL), EFAULT, "add on NULL");
    CHECK_FAILS (zmq_timers_cancel (NULL, 1), EFAULT, "cancel on NULL");
    CHECK_FAILS (zmq_timers_set_interval (NULL, 1, 10), EFAULT,
                 "set_interval on NULL");
    CHECK_FAILS (zmq_timers_reset (NULL, 1), EFAULT, "reset on NULL");
    CHECK_FAILS (zmq_timers_timeout (NULL), EFAULT, "timeout on NULL");
    CHECK_FAILS (zmq_timers_execute (NULL), EFAULT, "execute on NULL");
    void *null_timers = NULL;
    CHECK_FAILS (zmq_timers_destroy (&null_timers), EFAULT, "destroy of NULL");

    void *timers = zmq_timers_new ();
    CHECK (timers != NULL, "zmq_timers_new returns a handle");
    CHECK_FAILS (zmq_timers_add (timers, 10, NULL, NULL), EFAULT,
                 "add with a NULL handler");
    CHECK (zmq_timers_timeout (timers) == -1, "timeout is -1 without timers");
    CHECK (zmq_timers_execute (timers) == 0, "execute without timers succeeds");

    const int unknown[] = {0, -1, 1, 1000};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        CHECK_FAILS (zmq_timers_cancel (timers, unknown[i]), EINVAL,
                     "cancel of an unknown id");
        CHECK_FAILS (zmq_timers_reset (timers, unknown[i]), EINVAL,
                     "reset of an unknown id");
        CHECK_FAILS (zmq_timers_set_interval (timers, unknown[i], 5), EINVAL,
                     "set_interval of an unknown id");
    }

    CHECK (zmq_timers_destroy (&timers) == 0, "destroy succeeds");
    CHECK (timers == NULL, "destroy NULLs the caller's pointer");
    CHECK_FAILS (zmq_timers_destroy (&timers), EFAULT, "second destroy");
}

static void ids_order_and_repeat (void)
{
    void *timers = zmq_timers_new ();
    record_t ran = {{0}, 0};
    void *watch = zmq_stopwatch_start ();
    const int slow = zmq_timers_add (timers, 90, record, &ran);
    const int fast = zmq_timers_add (timers, 30, record, &ran);
    const int middle = zmq_timers_add (timers, 60, record, &ran);
    CHECK (slow == 1 && fast == 2 && middle == 3, "ids count up from 1");

    const long timeout = zmq_timers_timeout (timers);
    CHECK (timeout >= 0 && timeout <= 30, "timeout is the earliest timer's");

    sleep_ms (120);
    CHECK (zmq_timers_execute (timers) == 0, "execute succeeds");
    CHECK (zmq_stopwatch_intermediate (watch) >= 90000UL,
           "the stopwatch saw at least the 90 ms we waited");
    CHECK (ran.count == 3, "all three due timers ran once");
    CHECK (ran.ids[0] == fast && ran.ids[1] == middle && ran.ids[2] == slow,
           "due timers run earliest-due first");

    /* Each timer was rescheduled one interval after the pass. */
    const long next = zmq_timers_timeout (timers);
    CHECK (next >= 0 && next <= 30, "rescheduled fast timer is next");
    CHECK (zmq_timers_execute (timers) == 0 && ran.count == 3,
           "nothing runs again before its interval");

    /* A cancelled timer does not run, and stays cancelled. */
    CHECK (zmq_timers_cancel (timers, fast) == 0, "cancel of a live timer");
    CHECK_FAILS (zmq_timers_cancel (timers, fast), EINVAL, "second cancel");
    sleep_ms (100);
    CHECK (zmq_timers_execute (timers) == 0, "execute after cancel");
    CHECK (ran.count == 5, "the two live timers ran");
    for (int i = 3; i < 5; i++)
        CHECK (ran.ids[i] != fast, "the cancelled timer did not run");
    CHECK_FAILS (zmq_timers_reset (timers, fast), EINVAL,
                 "reset of a cancelled timer");
    CHECK_FAILS (zmq_timers_set_interval (timers, fast, 10), EINVAL,
                 "set_interval of a cancelled timer");
    CHECK (zmq_timers_add (timers, 10, noop, NULL) == 4,
           "ids are not reused after cancel");

    unsigned long elapsed = zmq_stopwatch_stop (watch);
    CHECK (elapsed >= 220000UL, "stopwatch_stop reports the whole wait in us");
    CHECK (zmq_timers_destroy (&timers) == 0, "destroy");
}

static void timeout_reset_and_set_interval (void)
{
    void *timers = zmq_timers_new ();
    record_t ran = {{0}, 0};
    const int id = zmq_timers_add (timers, 1000, record, &ran);
    long timeout = zmq_timers_timeout (timers);
    CHECK (timeout > 500 && timeout <= 1000, "timeout counts down from 1000");

    CHECK (zmq_timers_set_interval (timers, id, 50) == 0, "set_interval");
    timeout = zmq_timers_timeout (timers);
    CHECK (timeout >= 0 && timeout <= 50, "set_interval restarts with the new interval");

    sleep_ms (30);
    CHECK (zmq_timers_reset (timers, id) == 0, "reset");
    timeout = zmq_timers_timeout (timers);
    CHECK (timeout > 20 && timeout <= 50, "reset restarts the full interval");
    CHECK (zmq_timers_execute (timers) == 0 && ran.count == 0,
           "nothing runs before it is due");

    sleep_ms (80);
    CHECK (zmq_timers_timeout (timers) == 0, "an overdue timer has timeout 0");
    CHECK (zmq_timers_execute (timers) == 0 && ran.count == 1,
           "the due timer ran");
    CHECK (zmq_timers_destroy (&timers) == 0, "destroy");
}

/* The handler cancels its own timer, from inside zmq_timers_execute. */
typedef struct
{
    void *timers;
    int runs;
    int cancel_rc;
} self_cancel_t;

static void cancel_self (int timer_id, void *arg)
{
    self_cancel_t *state = (self_cancel_t *) arg;
    state->runs++;
    state->cancel_rc = zmq_timers_cancel (state->timers, timer_id);
}

static void handler_cancels_itself (void)
{
    self_cancel_t state = {zmq_timers_new (), 0, -2};
    CHECK (zmq_timers_add (state.timers, 10, cancel_self, &state) == 1, "add");
    sleep_ms (20);
    CHECK (zmq_timers_execute (state.timers) == 0, "execute");
    CHECK (state.runs == 1 && state.cancel_rc == 0,
           "the handler ran and could cancel its own timer");
    CHECK (zmq_timers_timeout (state.timers) == -1,
           "no timer is left after it cancelled itself");
    sleep_ms (20);
    CHECK (zmq_timers_execute (state.timers) == 0 && state.runs == 1,
           "a self-cancelled timer does not run again");
    CHECK (zmq_timers_destroy (&state.timers) == 0, "destroy");
}

static void sleep_helper (void)
{
    void *watch = zmq_stopwatch_start ();
    CHECK (watch != NULL, "zmq_stopwatch_start returns a handle");
    zmq_sleep (1);
    CHECK (zmq_stopwatch_stop (watch) >= 1000000UL, "zmq_sleep(1) sleeps a second");
}

int main (void)
{
    null_and_bad_ids ();
    ids_order_and_repeat ();
    timeout_reset_and_set_interval ();
    handler_cancels_itself ();
    sleep_helper ();
    return 0;
}
