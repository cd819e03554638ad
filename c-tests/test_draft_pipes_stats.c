/* zmq_socket_monitor_pipes_stats (draft), as libzmq 4.3.5 (4.3.4 is the same):
 * - ENOTSOCK for NULL; EINVAL unless the socket's monitor asked for
 *   ZMQ_EVENT_PIPES_STATS (no monitor, a v1 monitor, a v2 one without that event, a
 *   stopped one); EAGAIN when the socket has no pipe;
 * - otherwise one ZMQ_EVENT_PIPES_STATS per pipe on the v2 monitor, two values: the
 *   messages the socket queued towards the peer and those the peer queued towards the
 *   socket, each as its writer counts them (written minus what the reader reported
 *   read, which it reports every (hwm+1)/2 messages: a few messages read are still
 *   counted); local and remote endpoint: an accepted connection's addresses, the
 *   endpoint as given to connect (remote, no local) for a pipe made at connect time,
 *   none over inproc;
 * - asynchronous: the events come once the socket processes its commands again
 *   (here ZMQ_EVENTS), and over inproc only after the peer socket has processed the
 *   request too.
 *
 * Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips this test; run it with
 *   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) cargo test --test c_api -- test_draft_pipes_stats
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

struct stats {
    uint64_t outbound;
    uint64_t inbound;
    char local[256];
    char remote[256];
};

static size_t recv_frame(void *mon, void *buf, size_t cap, int more_expected) {
    zmq_msg_t msg;
    CHECK_OK(zmq_msg_init(&msg));
    int n = zmq_msg_recv(&msg, mon, 0);
    CHECK(n >= 0);
    CHECK((size_t)n < cap);
    memcpy(buf, zmq_msg_data(&msg), (size_t)n);
    CHECK_EQ(zmq_msg_more(&msg), more_expected);
    CHECK_OK(zmq_msg_close(&msg));
    return (size_t)n;
}

/* Reads one v2 event if one is waiting; it must be PIPES_STATS with two values. */
static int try_read_stats(void *mon, struct stats *st) {
    uint64_t event;
    int n = zmq_recv(mon, &event, sizeof event, ZMQ_DONTWAIT);
    if (n < 0) {
        CHECK_EQ(zmq_errno(), EAGAIN);
        return 0;
    }
    CHECK_EQ(n, 8);
    CHECK_EQ(event, ZMQ_EVENT_PIPES_STATS);
    uint64_t count;
    CHECK_EQ(recv_frame(mon, &count, 9, 1), 8);
    CHECK_EQ(count, 2);
    CHECK_EQ(recv_frame(mon, &st->outbound, 9, 1), 8);
    CHECK_EQ(recv_frame(mon, &st->inbound, 9, 1), 8);
    size_t len = recv_frame(mon, st->local, sizeof st->local, 1);
    st->local[len] = 0;
    len = recv_frame(mon, st->remote, sizeof st->remote, 0);
    st->remote[len] = 0;
    return 1;
}

/* Lets `socket` (and first `peer`, an inproc peer socket, if any) process their
 * commands until a stats event comes (2 s at most). */
static void await_stats(void *socket, void *peer, void *mon, struct stats *st) {
    int events;
    size_t len = sizeof events;
    for (int64_t end = tc_now_ms() + 2000; tc_now_ms() < end; tc_sleep_ms(5)) {
        if (peer)
            CHECK_OK(zmq_getsockopt(peer, ZMQ_EVENTS, &events, &len));
        CHECK_OK(zmq_getsockopt(socket, ZMQ_EVENTS, &events, &len));
        if (try_read_stats(mon, st))
            return;
    }
    TC_FAIL("no ZMQ_EVENT_PIPES_STATS came");
}

/* Asks again until the socket's pipe reports `inbound` messages queued towards it
 * (they travel over tcp meanwhile). */
static void await_inbound(void *socket, void *mon, uint64_t inbound, struct stats *st) {
    for (int64_t end = tc_now_ms() + 2000;; tc_sleep_ms(10)) {
        CHECK_OK(zmq_socket_monitor_pipes_stats(socket));
        await_stats(socket, NULL, mon, st);
        if (st->inbound == inbound || tc_now_ms() > end)
            return;
    }
}

static void *monitored(void *ctx, int type, const char *name, void **mon) {
    void *s = zmq_socket(ctx, type);
    CHECK(s);
    CHECK_OK(zmq_socket_monitor_versioned(s, name, ZMQ_EVENT_PIPES_STATS, 2, ZMQ_PAIR));
    *mon = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(*mon);
    CHECK_OK(zmq_connect(*mon, name));
    return s;
}

static int starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void refusals(void *ctx) {
    CHECK_ERR(zmq_socket_monitor_pipes_stats(NULL), ENOTSOCK);
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(s);
    CHECK_OK(zmq_bind(s, "inproc://refusals"));
    void *peer = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(peer);
    CHECK_OK(zmq_connect(peer, "inproc://refusals"));
    int events;
    size_t len = sizeof events;
    CHECK_OK(zmq_getsockopt(s, ZMQ_EVENTS, &events, &len)); /* attaches the pipe */
    /* A pipe, but no monitor / not of this event. (Each monitor gets a reader:
     * libzmq blocks sending MONITOR_STOPPED to a PAIR nobody connected to.) */
    CHECK_ERR(zmq_socket_monitor_pipes_stats(s), EINVAL);
    void *readers[3];
    for (int i = 0; i < 3; i++) {
        readers[i] = zmq_socket(ctx, ZMQ_PAIR);
        CHECK(readers[i]);
    }
    CHECK_OK(zmq_socket_monitor(s, "inproc://refusals-v1", ZMQ_EVENT_ALL));
    CHECK_OK(zmq_connect(readers[0], "inproc://refusals-v1"));
    CHECK_ERR(zmq_socket_monitor_pipes_stats(s), EINVAL);
    CHECK_OK(zmq_socket_monitor_versioned(s, "inproc://refusals-v2", ZMQ_EVENT_ALL_V1, 2,
                                          ZMQ_PAIR));
    CHECK_OK(zmq_connect(readers[1], "inproc://refusals-v2"));
    CHECK_ERR(zmq_socket_monitor_pipes_stats(s), EINVAL);
    CHECK_OK(zmq_socket_monitor_versioned(s, "inproc://refusals-v2b", ZMQ_EVENT_ALL_V2, 2,
                                          ZMQ_PAIR));
    CHECK_OK(zmq_connect(readers[2], "inproc://refusals-v2b"));
    CHECK_OK(zmq_socket_monitor_pipes_stats(s));
    /* Stopped: refused again. */
    CHECK_OK(zmq_socket_monitor_versioned(s, NULL, 0, 2, ZMQ_PAIR));
    CHECK_ERR(zmq_socket_monitor_pipes_stats(s), EINVAL);
    for (int i = 0; i < 3; i++)
        CHECK_OK(zmq_close(readers[i]));

    /* The event asked for, but no pipe: EAGAIN (a bound tcp socket with no peer). */
    void *mon;
    void *lonely = monitored(ctx, ZMQ_DEALER, "inproc://refusals-lonely", &mon);
    CHECK_ERR(zmq_socket_monitor_pipes_stats(lonely), EAGAIN);
    CHECK_OK(zmq_bind(lonely, "tcp://127.0.0.1:*"));
    CHECK_ERR(zmq_socket_monitor_pipes_stats(lonely), EAGAIN);
    CHECK_OK(zmq_close(lonely));
    CHECK_OK(zmq_close(mon));
    CHECK_OK(zmq_close(peer));
    CHECK_OK(zmq_close(s));
}

/* A pipe made at connect time, its peer not there: what was sent waits in it. */
static void connecting_pipe(void *ctx) {
    /* A port nobody listens on. */
    void *probe = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(probe);
    CHECK_OK(zmq_bind(probe, "tcp://127.0.0.1:*"));
    char endpoint[256];
    size_t len = sizeof endpoint;
    CHECK_OK(zmq_getsockopt(probe, ZMQ_LAST_ENDPOINT, endpoint, &len));
    CHECK_OK(zmq_close(probe));
    tc_sleep_ms(20);

    void *mon;
    void *s = monitored(ctx, ZMQ_DEALER, "inproc://connecting", &mon);
    CHECK_OK(zmq_connect(s, endpoint));
    for (int i = 0; i < 5; i++)
        tc_send_str(s, "queued", ZMQ_DONTWAIT);
    CHECK_OK(zmq_socket_monitor_pipes_stats(s));
    struct stats st;
    await_stats(s, NULL, mon, &st);
    CHECK_EQ(st.outbound, 5);
    CHECK_EQ(st.inbound, 0);
    CHECK(strcmp(st.local, "") == 0);
    CHECK(strcmp(st.remote, endpoint) == 0);
    int linger = 0;
    CHECK_OK(zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger));
    CHECK_OK(zmq_close(s));
    CHECK_OK(zmq_close(mon));
}

/* An accepted tcp connection: the counts of both directions, both addresses. */
static void accepted_connection(void *ctx) {
    void *mon;
    void *server = monitored(ctx, ZMQ_DEALER, "inproc://accepted", &mon);
    CHECK_OK(zmq_bind(server, "tcp://127.0.0.1:*"));
    char endpoint[256];
    size_t len = sizeof endpoint;
    CHECK_OK(zmq_getsockopt(server, ZMQ_LAST_ENDPOINT, endpoint, &len));
    void *client = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(client);
    int timeout = 2000;
    CHECK_OK(zmq_setsockopt(client, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_connect(client, endpoint));
    for (int i = 0; i < 3; i++)
        tc_send_str(client, "up", 0);
    /* Readable: the server's pipe is there. It has not read anything. */
    zmq_pollitem_t item = {server, 0, ZMQ_POLLIN, 0};
    CHECK_EQ(zmq_poll(&item, 1, 2000), 1);
    tc_send_str(server, "down-1", 0);
    tc_send_str(server, "down-2", 0);
    /* The client reads both: fewer than the low-water mark, so no credit goes back
     * and the server still counts them. */
    tc_recv_str_eq(client, "down-1", 0);
    tc_recv_str_eq(client, "down-2", 0);

    struct stats st;
    await_inbound(server, mon, 3, &st);
    CHECK_EQ(st.outbound, 2);
    CHECK_EQ(st.inbound, 3);
    CHECK(strcmp(st.local, endpoint) == 0);
    CHECK(starts_with(st.remote, "tcp://127.0.0.1:"));
    CHECK(strcmp(st.remote, endpoint) != 0);
    /* One event per request per pipe: nothing more. */
    tc_sleep_ms(50);
    CHECK(!try_read_stats(mon, &st));
    CHECK_OK(zmq_close(client));
    CHECK_OK(zmq_close(server));
    CHECK_OK(zmq_close(mon));
}

/* inproc: no endpoints; the peer socket answers only when it processes commands. */
static void inproc_pipes(void *ctx) {
    void *mon;
    void *a = monitored(ctx, ZMQ_DEALER, "inproc://inproc-mon", &mon);
    CHECK_OK(zmq_bind(a, "inproc://stats"));
    void *b1 = zmq_socket(ctx, ZMQ_DEALER);
    void *b2 = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(b1 && b2);
    CHECK_OK(zmq_connect(b1, "inproc://stats"));
    CHECK_OK(zmq_connect(b2, "inproc://stats"));
    for (int i = 0; i < 4; i++)
        tc_send_str(b1, "from-b1", 0);
    for (int i = 0; i < 2; i++)
        tc_send_str(b2, "from-b2", 0);
    /* Round robin: one to each (a never read anything). */
    tc_send_str(a, "to-b", 0);
    tc_send_str(a, "to-b", 0);

    CHECK_OK(zmq_socket_monitor_pipes_stats(a));
    /* The peers have not looked at their mailboxes: no answer yet. */
    struct stats st;
    int events;
    size_t len = sizeof events;
    for (int i = 0; i < 10; i++) {
        CHECK_OK(zmq_getsockopt(a, ZMQ_EVENTS, &events, &len));
        CHECK(!try_read_stats(mon, &st));
        tc_sleep_ms(10);
    }
    await_stats(a, b1, mon, &st);
    CHECK_EQ(st.outbound, 1);
    CHECK_EQ(st.inbound, 4);
    CHECK(strcmp(st.local, "") == 0);
    CHECK(strcmp(st.remote, "") == 0);
    await_stats(a, b2, mon, &st);
    CHECK_EQ(st.outbound, 1);
    CHECK_EQ(st.inbound, 2);
    CHECK(strcmp(st.local, "") == 0);
    CHECK(strcmp(st.remote, "") == 0);

    CHECK_OK(zmq_close(b1));
    CHECK_OK(zmq_close(b2));
    CHECK_OK(zmq_close(a));
    CHECK_OK(zmq_close(mon));
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    refusals(ctx);
    connecting_pipe(ctx);
    accepted_connection(ctx);
    inproc_pipes(ctx);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
