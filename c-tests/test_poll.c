/* zmq_poll over sockets and raw fds, timeouts, per-type readiness, and the
   ZMQ_FD / ZMQ_EVENTS notification contract (inproc; and after a tcp/ipc bind or connect,
   which leave ZMQ_FD readable). Timing bounds are loose. */
#include "common.h"

#include <poll.h>
#include <unistd.h>

static void test_timeouts(void) {
    /* nitems 0: zmq_poll just sleeps. */
    int64_t t0 = tc_now_ms();
    CHECK_EQ(zmq_poll(NULL, 0, 0), 0);
    CHECK(tc_now_ms() - t0 < 50);
    t0 = tc_now_ms();
    CHECK_EQ(zmq_poll(NULL, 0, 100), 0);
    int64_t dt = tc_now_ms() - t0;
    CHECK(dt >= 90 && dt < 1000);

    int p[2];
    CHECK(pipe(p) == 0);
    zmq_pollitem_t item = {NULL, p[0], ZMQ_POLLIN, 0x7777};
    /* timeout 0 returns at once, revents cleared */
    t0 = tc_now_ms();
    CHECK_EQ(zmq_poll(&item, 1, 0), 0);
    CHECK(tc_now_ms() - t0 < 50);
    CHECK_EQ(item.revents, 0);
    /* positive timeout honoured approximately */
    t0 = tc_now_ms();
    CHECK_EQ(zmq_poll(&item, 1, 100), 0);
    dt = tc_now_ms() - t0;
    CHECK(dt >= 90 && dt < 1000);
    /* readable once written */
    CHECK(write(p[1], "x", 1) == 1);
    CHECK_EQ(zmq_poll(&item, 1, 0), 1);
    CHECK_EQ(item.revents, ZMQ_POLLIN);
    CHECK_EQ(zmq_poll(&item, 1, -1), 1);
    /* write end: POLLOUT */
    zmq_pollitem_t items[2] = {{NULL, p[0], ZMQ_POLLIN | ZMQ_POLLOUT, 0},
                               {NULL, p[1], ZMQ_POLLIN | ZMQ_POLLOUT, 0}};
    CHECK_EQ(zmq_poll(items, 2, 0), 2);
    CHECK_EQ(items[0].revents, ZMQ_POLLIN);
    CHECK_EQ(items[1].revents, ZMQ_POLLOUT);
    /* events 0: never reported */
    items[0].events = 0;
    CHECK_EQ(zmq_poll(items, 2, 0), 1);
    CHECK_EQ(items[0].revents, 0);
    char c;
    CHECK(read(p[0], &c, 1) == 1);
    /* A write end whose reader is gone reports POLLERR (along with POLLOUT). */
    close(p[0]);
    zmq_pollitem_t w = {NULL, p[1], ZMQ_POLLOUT, 0};
    CHECK_EQ(zmq_poll(&w, 1, 0), 1);
    CHECK(w.revents & ZMQ_POLLERR);
    close(p[1]);
}

struct delayed_send {
    void *sock;
    int delay_ms;
};

static void *delayed_sender(void *arg) {
    struct delayed_send *d = arg;
    tc_sleep_ms(d->delay_ms);
    tc_send_str(d->sock, "late", 0);
    return NULL;
}

static void test_sockets(void *ctx) {
    void *a = zmq_socket(ctx, ZMQ_PAIR), *b = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(a && b);
    CHECK_OK(zmq_bind(a, "inproc://poll-pair"));
    CHECK_OK(zmq_connect(b, "inproc://poll-pair"));

    zmq_pollitem_t item = {b, -1, ZMQ_POLLIN, 0};
    int64_t t0 = tc_now_ms();
    CHECK_EQ(zmq_poll(&item, 1, 50), 0);
    CHECK(tc_now_ms() - t0 >= 40);
    CHECK_EQ(item.revents, 0);

    /* Connected PAIR: writable. */
    item.events = ZMQ_POLLIN | ZMQ_POLLOUT;
    CHECK_EQ(zmq_poll(&item, 1, 0), 1);
    CHECK_EQ(item.revents, ZMQ_POLLOUT);

    tc_send_str(a, "msg", 0);
    CHECK_EQ(zmq_poll(&item, 1, 1000), 1);
    CHECK_EQ(item.revents, ZMQ_POLLIN | ZMQ_POLLOUT);
    tc_recv_str_eq(b, "msg", 0);
    item.events = ZMQ_POLLIN;
    CHECK_EQ(zmq_poll(&item, 1, 0), 0);

    /* -1 blocks until a message arrives from another thread. */
    struct delayed_send d = {a, 100};
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, delayed_sender, &d), 0);
    t0 = tc_now_ms();
    CHECK_EQ(zmq_poll(&item, 1, -1), 1);
    CHECK(tc_now_ms() - t0 >= 50);
    CHECK_EQ(item.revents, ZMQ_POLLIN);
    CHECK_EQ(pthread_join(t, NULL), 0);
    tc_recv_str_eq(b, "late", 0);

    /* Mixed socket + fd items; the count is the number of items with events. */
    int p[2];
    CHECK(pipe(p) == 0);
    tc_send_str(a, "m1", 0);
    tc_send_str(b, "m2", 0);
    zmq_pollitem_t items[3] = {{a, 0, ZMQ_POLLIN, 0},
                               {b, 0, ZMQ_POLLIN, 0},
                               {NULL, p[0], ZMQ_POLLIN, 0}};
    CHECK_EQ(zmq_poll(items, 3, 1000), 2);
    CHECK_EQ(items[0].revents, ZMQ_POLLIN);
    CHECK_EQ(items[1].revents, ZMQ_POLLIN);
    CHECK_EQ(items[2].revents, 0);
    CHECK(write(p[1], "x", 1) == 1);
    CHECK_EQ(zmq_poll(items, 3, 0), 3);
    /* Polling does not consume: still ready. */
    CHECK_EQ(zmq_poll(items, 3, 0), 3);
    tc_recv_str_eq(a, "m2", 0);
    tc_recv_str_eq(b, "m1", 0);
    CHECK_EQ(zmq_poll(items, 3, 0), 1);
    CHECK_EQ(items[2].revents, ZMQ_POLLIN);
    close(p[0]);
    close(p[1]);

    /* A bogus socket pointer in an item: ENOTSOCK. */
    static uint64_t zeros[64];
    zmq_pollitem_t bad = {zeros, 0, ZMQ_POLLIN, 0};
    CHECK_ERR(zmq_poll(&bad, 1, 0), ENOTSOCK);

    CHECK_OK(zmq_close(a));
    CHECK_OK(zmq_close(b));
}

static int ready(void *s, short events) {
    zmq_pollitem_t item = {s, 0, events, 0};
    int rc = zmq_poll(&item, 1, 0);
    CHECK(rc == 0 || rc == 1);
    return item.revents;
}

static void test_readiness_per_type(void *ctx) {
    /* PUB is always writable, never readable; SUB never writable. */
    void *pub = zmq_socket(ctx, ZMQ_PUB), *sub = zmq_socket(ctx, ZMQ_SUB);
    CHECK(pub && sub);
    CHECK_EQ(ready(pub, ZMQ_POLLIN | ZMQ_POLLOUT), ZMQ_POLLOUT);
    CHECK_EQ(ready(sub, ZMQ_POLLIN | ZMQ_POLLOUT), 0);
    CHECK_OK(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0));
    CHECK_OK(zmq_bind(pub, "inproc://poll-pub"));
    CHECK_OK(zmq_connect(sub, "inproc://poll-pub"));
    /* Wait until the subscription reached the publisher. */
    int got = 0;
    for (int i = 0; i < 200 && !got; i++) {
        tc_send_str(pub, "tick", 0);
        got = ready(sub, ZMQ_POLLIN) == ZMQ_POLLIN;
        if (!got)
            tc_sleep_ms(5);
    }
    CHECK(got);
    CHECK_EQ(ready(sub, ZMQ_POLLIN | ZMQ_POLLOUT), ZMQ_POLLIN);
    CHECK_OK(zmq_close(pub));
    CHECK_OK(zmq_close(sub));

    /* PUSH: writable only with a peer that has room. */
    void *push = zmq_socket(ctx, ZMQ_PUSH), *pull = zmq_socket(ctx, ZMQ_PULL);
    CHECK(push && pull);
    CHECK_EQ(ready(push, ZMQ_POLLOUT), 0);
    CHECK_EQ(ready(pull, ZMQ_POLLIN | ZMQ_POLLOUT), 0);
    int hwm = 2;
    CHECK_OK(zmq_setsockopt(push, ZMQ_SNDHWM, &hwm, sizeof hwm));
    CHECK_OK(zmq_setsockopt(pull, ZMQ_RCVHWM, &hwm, sizeof hwm));
    CHECK_OK(zmq_bind(pull, "inproc://poll-push"));
    CHECK_OK(zmq_connect(push, "inproc://poll-push"));
    CHECK_EQ(ready(push, ZMQ_POLLOUT), ZMQ_POLLOUT);
    /* Fill the pipe: no longer writable. */
    int sent = 0;
    while (zmq_send(push, "x", 1, ZMQ_DONTWAIT) == 1)
        sent++;
    CHECK_EQ(zmq_errno(), EAGAIN);
    CHECK_EQ(sent, 4); /* SNDHWM + RCVHWM over inproc */
    CHECK_EQ(ready(push, ZMQ_POLLOUT), 0);
    CHECK_EQ(ready(pull, ZMQ_POLLIN | ZMQ_POLLOUT), ZMQ_POLLIN);
    /* Drain it: writable again. */
    char c;
    for (int i = 0; i < sent; i++)
        CHECK_EQ(zmq_recv(pull, &c, 1, 0), 1);
    CHECK_EQ(ready(pull, ZMQ_POLLIN), 0);
    CHECK_EQ(ready(push, ZMQ_POLLOUT), ZMQ_POLLOUT);
    CHECK_OK(zmq_close(push));
    CHECK_OK(zmq_close(pull));

    /* REQ/REP: readiness follows the state machine. */
    void *req = zmq_socket(ctx, ZMQ_REQ), *rep = zmq_socket(ctx, ZMQ_REP);
    CHECK(req && rep);
    CHECK_OK(zmq_bind(rep, "inproc://poll-req"));
    CHECK_OK(zmq_connect(req, "inproc://poll-req"));
    CHECK_EQ(ready(req, ZMQ_POLLIN | ZMQ_POLLOUT), ZMQ_POLLOUT);
    CHECK_EQ(ready(rep, ZMQ_POLLIN | ZMQ_POLLOUT), 0);
    tc_send_str(req, "q", 0);
    CHECK_EQ(ready(req, ZMQ_POLLIN | ZMQ_POLLOUT), 0);
    zmq_pollitem_t item = {rep, 0, ZMQ_POLLIN | ZMQ_POLLOUT, 0};
    CHECK_EQ(zmq_poll(&item, 1, 1000), 1);
    CHECK_EQ(item.revents, ZMQ_POLLIN);
    tc_recv_str_eq(rep, "q", 0);
    CHECK_EQ(ready(rep, ZMQ_POLLIN | ZMQ_POLLOUT), ZMQ_POLLOUT);
    tc_send_str(rep, "a", 0);
    CHECK_EQ(ready(rep, ZMQ_POLLIN | ZMQ_POLLOUT), 0);
    item.socket = req;
    CHECK_EQ(zmq_poll(&item, 1, 1000), 1);
    CHECK_EQ(item.revents, ZMQ_POLLIN);
    tc_recv_str_eq(req, "a", 0);
    CHECK_EQ(ready(req, ZMQ_POLLIN | ZMQ_POLLOUT), ZMQ_POLLOUT);
    CHECK_OK(zmq_close(req));
    CHECK_OK(zmq_close(rep));

    /* ROUTER is always writable (unroutable messages are dropped). */
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    CHECK_EQ(ready(router, ZMQ_POLLIN | ZMQ_POLLOUT), ZMQ_POLLOUT);
    CHECK_OK(zmq_close(router));
}

static int get_events(void *s) {
    int ev = -1;
    size_t l = sizeof ev;
    CHECK_OK(zmq_getsockopt(s, ZMQ_EVENTS, &ev, &l));
    return ev;
}

static int fd_readable(int fd, int timeout_ms) {
    struct pollfd p = {fd, POLLIN, 0};
    int rc = poll(&p, 1, timeout_ms);
    CHECK(rc >= 0);
    return rc == 1 && (p.revents & POLLIN);
}

static void test_fd_events(void *ctx) {
    void *a = zmq_socket(ctx, ZMQ_PAIR), *b = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(a && b);
    CHECK_OK(zmq_bind(a, "inproc://poll-fd"));
    CHECK_OK(zmq_connect(b, "inproc://poll-fd"));
    int fd = -1;
    size_t l = sizeof fd;
    CHECK_OK(zmq_getsockopt(b, ZMQ_FD, &fd, &l));
    CHECK(fd >= 0);

    /* Settle: process pending commands, then the fd is quiet. */
    CHECK_EQ(get_events(b), ZMQ_POLLOUT);
    CHECK(!fd_readable(fd, 0));

    /* A message arrives: the fd becomes readable and EVENTS reports POLLIN. */
    tc_send_str(a, "one", 0);
    tc_send_str(a, "two", 0);
    CHECK(fd_readable(fd, 1000));
    CHECK_EQ(get_events(b), ZMQ_POLLIN | ZMQ_POLLOUT);
    /* Reading EVENTS consumed the notification: the fd is not readable again
       although messages are still queued (edge-triggered: always check EVENTS). */
    CHECK(!fd_readable(fd, 0));
    CHECK_EQ(get_events(b), ZMQ_POLLIN | ZMQ_POLLOUT);
    tc_recv_str_eq(b, "one", ZMQ_DONTWAIT);
    CHECK_EQ(get_events(b), ZMQ_POLLIN | ZMQ_POLLOUT);
    tc_recv_str_eq(b, "two", ZMQ_DONTWAIT);
    /* All read: POLLIN clears. */
    CHECK_EQ(get_events(b), ZMQ_POLLOUT);
    CHECK(!fd_readable(fd, 0));

    /* Next message: readable again. */
    tc_send_str(a, "three", 0);
    CHECK(fd_readable(fd, 1000));
    CHECK_EQ(get_events(b) & ZMQ_POLLIN, ZMQ_POLLIN);
    tc_recv_str_eq(b, "three", ZMQ_DONTWAIT);
    CHECK_EQ(get_events(b) & ZMQ_POLLIN, 0);

    CHECK_OK(zmq_close(a));
    CHECK_OK(zmq_close(b));
}

/* A tcp or ipc bind or connect leaves ZMQ_FD readable until the socket next processes
   its commands (libzmq: the socket sends itself a command when it launches the listener
   or session), although nothing has arrived yet; reading ZMQ_EVENTS clears it. libzmq's
   test_poller (test_poll_fd) waits for exactly that after a connect. */
static void test_fd_after_bind_connect(void *ctx) {
    const char *endpoints[] = {"tcp://127.0.0.1:*", "ipc://*"};
    for (int i = 0; i < 2; i++) {
        void *push = zmq_socket(ctx, ZMQ_PUSH), *pull = zmq_socket(ctx, ZMQ_PULL);
        CHECK(push && pull);
        int push_fd = -1, pull_fd = -1;
        size_t l = sizeof push_fd;
        CHECK_OK(zmq_getsockopt(push, ZMQ_FD, &push_fd, &l));
        l = sizeof pull_fd;
        CHECK_OK(zmq_getsockopt(pull, ZMQ_FD, &pull_fd, &l));
        get_events(push);
        get_events(pull);
        CHECK(!fd_readable(push_fd, 0));
        CHECK(!fd_readable(pull_fd, 0));

        CHECK_OK(zmq_bind(push, endpoints[i]));
        CHECK(fd_readable(push_fd, 0));
        char endpoint[256];
        l = sizeof endpoint;
        CHECK_OK(zmq_getsockopt(push, ZMQ_LAST_ENDPOINT, endpoint, &l));
        CHECK(fd_readable(push_fd, 0));

        CHECK_OK(zmq_connect(pull, endpoint));
        CHECK(fd_readable(pull_fd, 0));
        CHECK_EQ(get_events(pull), 0);

        int zero = 0;
        CHECK_OK(zmq_setsockopt(push, ZMQ_LINGER, &zero, sizeof zero));
        CHECK_OK(zmq_close(push));
        CHECK_OK(zmq_close(pull));
    }
}

int main(void) {
    alarm(30);
    test_timeouts();
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    test_sockets(ctx);
    test_readiness_per_type(ctx);
    test_fd_events(ctx);
    test_fd_after_bind_connect(ctx);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
