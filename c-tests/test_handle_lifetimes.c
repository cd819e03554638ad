/* The lifetime of every object C holds a pointer to: context, socket, timer set, atomic
 * counter, thread, stopwatch. A destroy or close done twice, through the same pointer or
 * through a stale copy, and any use after it, must return libzmq's error and never touch
 * freed memory (scripts/test.sh runs this under AddressSanitizer, which would report it).
 *
 * libzmq itself only survives the rows where its tag check sees a live object or where
 * `destroy(&p)` has NULLed the caller's variable; for a stale copy it reads (timers,
 * context, socket) or frees again (counter, thread, stopwatch) memory it already freed.
 * Those rows run against ours only and say so. */
#include "common.h"

static void socket_closed_twice(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *s = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(s);
    CHECK_OK(zmq_close(s));
    if (!tc_system_mode()) {
        /* ours only: libzmq's reaper frees the socket, so its tag check reads freed
           memory (it happens to say ENOTSOCK) */
        CHECK_ERR(zmq_close(s), ENOTSOCK);
        CHECK_ERR(zmq_send(s, "x", 1, ZMQ_DONTWAIT), ENOTSOCK);
        /* a new socket may reuse the closed one's handle; the old pointer then names
           it, as in libzmq when the allocator reuses the address */
        void *again = zmq_socket(ctx, ZMQ_PAIR);
        CHECK(again);
        CHECK_OK(zmq_close(again));
        CHECK_ERR(zmq_close(again), ENOTSOCK);
    }
    CHECK_OK(zmq_ctx_term(ctx));
}

static void context_terminated_twice(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    CHECK_OK(zmq_ctx_term(ctx));
    if (!tc_system_mode()) {
        /* ours only: libzmq deletes the context in zmq_ctx_term, so its tag check
           reads freed memory (it happens to say EFAULT) */
        CHECK_ERR(zmq_ctx_term(ctx), EFAULT);
        CHECK_ERR(zmq_ctx_destroy(ctx), EFAULT);
        CHECK_ERR(zmq_term(ctx), EFAULT);
        CHECK_ERR(zmq_ctx_shutdown(ctx), EFAULT);
        CHECK_NULL_ERR(zmq_socket(ctx, ZMQ_PAIR), EFAULT);
    }
    /* the legacy pair */
    void *old = zmq_init(1);
    CHECK(old);
    CHECK_OK(zmq_term(old));
    if (!tc_system_mode())
        CHECK_ERR(zmq_ctx_term(old), EFAULT); /* ours only, as above */
}

static void timers_destroyed_twice(void) {
    void *timers = zmq_timers_new();
    CHECK(timers);
    void *stale = timers;
    CHECK_OK(zmq_timers_destroy(&timers));
    CHECK(timers == NULL);
    /* libzmq and ours: the variable destroy NULLed */
    CHECK_ERR(zmq_timers_destroy(&timers), EFAULT);
    if (!tc_system_mode()) {
        /* ours only: through a copy, libzmq's tag check reads the freed timer set */
        CHECK_ERR(zmq_timers_destroy(&stale), EFAULT);
        CHECK(stale != NULL); /* a failed destroy leaves the variable alone */
        CHECK_ERR(zmq_timers_add(stale, 10, NULL, NULL), EFAULT);
        CHECK_ERR(zmq_timers_timeout(stale), EFAULT);
        CHECK_ERR(zmq_timers_execute(stale), EFAULT);
        CHECK_ERR(zmq_timers_cancel(stale, 1), EFAULT);
    }
}

static void counter_destroyed_twice(void) {
    void *counter = zmq_atomic_counter_new();
    CHECK(counter);
    void *stale = counter;
    zmq_atomic_counter_destroy(&counter);
    CHECK(counter == NULL);
    /* libzmq and ours: deleting the NULLed variable is a no-op */
    zmq_atomic_counter_destroy(&counter);
    if (!tc_system_mode()) {
        /* ours only: libzmq deletes the counter a second time (no tag to check) */
        errno = 0;
        zmq_atomic_counter_destroy(&stale);
        CHECK_EQ(zmq_errno(), EFAULT);
        CHECK(stale != NULL);
        CHECK_ERR(zmq_atomic_counter_inc(stale), EFAULT);
        CHECK_ERR(zmq_atomic_counter_dec(stale), EFAULT);
        CHECK_ERR(zmq_atomic_counter_value(stale), EFAULT);
        errno = 0;
        zmq_atomic_counter_set(stale, 5);
        CHECK_EQ(zmq_errno(), EFAULT);
    }
}

static void do_nothing(void *arg) {
    (void) arg;
}

static void thread_closed_twice(void) {
    void *thread = zmq_threadstart(do_nothing, NULL);
    CHECK(thread);
    zmq_threadclose(thread);
    if (!tc_system_mode()) {
        /* ours only: libzmq deletes the thread object again (a double free) */
        errno = 0;
        zmq_threadclose(thread);
        CHECK_EQ(zmq_errno(), EFAULT);
    }
}

static void stopwatch_stopped_twice(void) {
    void *watch = zmq_stopwatch_start();
    CHECK(watch);
    (void) zmq_stopwatch_stop(watch);
    if (!tc_system_mode()) {
        /* ours only: libzmq frees the stopwatch again (a double free) */
        errno = 0;
        CHECK_EQ(zmq_stopwatch_intermediate(watch), 0);
        CHECK_EQ(zmq_errno(), EFAULT);
        errno = 0;
        CHECK_EQ(zmq_stopwatch_stop(watch), 0);
        CHECK_EQ(zmq_errno(), EFAULT);
    }
}

/* A live handle of one kind given where another kind belongs. libzmq reads another
   object's field at its own tag's offset (sometimes past the object's end), so this is
   ours only. */
static void handles_of_the_wrong_kind(void) {
    if (tc_system_mode())
        return;
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_PAIR);
    void *timers = zmq_timers_new();
    void *counter = zmq_atomic_counter_new();
    void *watch = zmq_stopwatch_start();
    CHECK(ctx && s && timers && counter && watch);

    CHECK_ERR(zmq_close(ctx), ENOTSOCK);
    CHECK_ERR(zmq_close(timers), ENOTSOCK);
    CHECK_ERR(zmq_send(counter, "x", 1, ZMQ_DONTWAIT), ENOTSOCK);
    CHECK_ERR(zmq_ctx_term(s), EFAULT);
    CHECK_ERR(zmq_ctx_term(counter), EFAULT);
    CHECK_NULL_ERR(zmq_socket(timers, ZMQ_PAIR), EFAULT);
    void *p = s;
    CHECK_ERR(zmq_timers_destroy(&p), EFAULT);
    p = counter;
    CHECK_ERR(zmq_timers_destroy(&p), EFAULT);
    CHECK_ERR(zmq_atomic_counter_inc(timers), EFAULT);
    p = watch;
    errno = 0;
    zmq_atomic_counter_destroy(&p);
    CHECK_EQ(zmq_errno(), EFAULT);
    errno = 0;
    zmq_threadclose(watch);
    CHECK_EQ(zmq_errno(), EFAULT);
    errno = 0;
    CHECK_EQ(zmq_stopwatch_stop(counter), 0);
    CHECK_EQ(zmq_errno(), EFAULT);

    /* every one of them is still alive and works */
    CHECK_EQ(zmq_atomic_counter_inc(counter), 0);
    CHECK_EQ(zmq_timers_timeout(timers), -1);
    (void) zmq_stopwatch_stop(watch);
    zmq_atomic_counter_destroy(&counter);
    CHECK_OK(zmq_timers_destroy(&timers));
    CHECK_OK(zmq_close(s));
    CHECK_OK(zmq_ctx_term(ctx));
}

/* Many objects of every kind made and destroyed: handles are reused, none leaks
   (LeakSanitizer checks at exit) and each new one starts fresh. */
static void churn(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    for (int i = 0; i < 200; i++) {
        void *s = zmq_socket(ctx, ZMQ_DEALER);
        CHECK(s);
        CHECK_OK(zmq_close(s));
        void *timers = zmq_timers_new();
        CHECK_EQ(zmq_timers_timeout(timers), -1);
        CHECK_OK(zmq_timers_destroy(&timers));
        void *counter = zmq_atomic_counter_new();
        CHECK_EQ(zmq_atomic_counter_value(counter), 0);
        zmq_atomic_counter_inc(counter);
        zmq_atomic_counter_destroy(&counter);
        void *watch = zmq_stopwatch_start();
        (void) zmq_stopwatch_stop(watch);
        void *inner = zmq_ctx_new();
        CHECK_OK(zmq_ctx_term(inner));
    }
    for (int i = 0; i < 20; i++)
        zmq_threadclose(zmq_threadstart(do_nothing, NULL));
    CHECK_OK(zmq_ctx_term(ctx));
}

/* Two threads destroying the same timer set through their own copies of the pointer:
   exactly one succeeds, the other gets EFAULT. */
typedef struct {
    void *timers;
    void *go;
    int rc;
    int err;
} racer_t;

static void race_destroy(void *arg) {
    racer_t *r = arg;
    while (zmq_atomic_counter_value(r->go) == 0) {
    }
    r->rc = zmq_timers_destroy(&r->timers);
    r->err = zmq_errno();
}

static void concurrent_destroys(void) {
    if (tc_system_mode())
        return; /* ours only: the loser of the race reads freed memory in libzmq */
    void *go = zmq_atomic_counter_new();
    for (int i = 0; i < 200; i++) {
        zmq_atomic_counter_set(go, 0);
        void *timers = zmq_timers_new();
        racer_t a = {timers, go, 0, 0}, b = {timers, go, 0, 0};
        void *ta = zmq_threadstart(race_destroy, &a);
        void *tb = zmq_threadstart(race_destroy, &b);
        zmq_atomic_counter_set(go, 1);
        zmq_threadclose(ta);
        zmq_threadclose(tb);
        CHECK_EQ((a.rc == 0) + (b.rc == 0), 1);
        CHECK_EQ(a.rc == 0 ? b.err : a.err, EFAULT);
    }
    zmq_atomic_counter_destroy(&go);
}

int main(void) {
    socket_closed_twice();
    context_terminated_twice();
    timers_destroyed_twice();
    counter_destroyed_twice();
    thread_closed_twice();
    stopwatch_stopped_twice();
    handles_of_the_wrong_kind();
    churn();
    concurrent_destroys();
    return 0;
}
