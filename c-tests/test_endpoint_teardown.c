// Tearing down endpoints (zmq_disconnect, zmq_unbind, zmq_close), pinned against libzmq:
// - zmq_disconnect of a tcp/ipc connection takes that connection's pipe out of the
//   socket at once: nothing more is routed to it (a PUSH sends everything to its other
//   peer) and a DONTWAIT send with no other peer is EAGAIN;
// - messages already received from that connection but not yet read are dropped: a PULL
//   that disconnects and reconnects never delivers them;
// - zmq_unbind closes the connections accepted through the endpoint (their peers see
//   DISCONNECTED and nothing more flows), not only the listener;
// - what a socket queued for a connection is still sent after zmq_disconnect (LINGER
//   -1) unless ZMQ_IMMEDIATE made the connection's session own the pipe: then it is
//   dropped; after zmq_close it is sent either way; the LINGER set last counts;
// - the disconnecting/unbinding socket's monitor reports CLOSED for the listener only:
//   no event for the connections it closes, but CLOSED for a connect still in progress;
// - inproc connect before bind: messages sent by a connector that closed before the bind
//   are delivered once the bind happens (libzmq keeps the pending pipe).
// Each scenario runs in its own context: libzmq's I/O thread has been seen to lose an
// ipc connection's first message when fds of a previous scenario's connections are
// still being torn down.
#include "common.h"
#include "test_net_util.h"

/* A socket with libzmq's default LINGER (-1: the teardown under test must not depend on
   a short linger) and 2 s timeouts. */
static void *sock(void *ctx, int type) {
    void *s = zmq_socket(ctx, type);
    CHECK(s != NULL);
    net_set_int(s, ZMQ_RCVTIMEO, 2000);
    net_set_int(s, ZMQ_SNDTIMEO, 2000);
    return s;
}

static void close_now(void *s) {
    net_set_int(s, ZMQ_LINGER, 0);
    CHECK_OK(zmq_close(s));
}

/* Binds s on a fresh endpoint of the transport ("tcp" or "ipc"); ep gets its name. */
static void bind_fresh(void *s, const char *transport, char *ep, size_t epsz) {
    if (strcmp(transport, "tcp") == 0) {
        net_bind(s, "tcp://127.0.0.1:*", ep, epsz);
    } else {
        net_ipc_ep(ep, epsz, "teardown");
        CHECK_OK(zmq_bind(s, ep));
    }
}

/* Receives one frame; returns its length, or -1 (EAGAIN) after timeout_ms. */
static int recv_within(void *s, int timeout_ms) {
    net_set_int(s, ZMQ_RCVTIMEO, timeout_ms);
    char buf[64];
    int rc = zmq_recv(s, buf, sizeof buf, 0);
    if (rc == -1)
        CHECK_EQ(zmq_errno(), EAGAIN);
    net_set_int(s, ZMQ_RCVTIMEO, 2000);
    return rc;
}

/* Lets s process its commands (as libzmq does in ZMQ_EVENTS) while waiting up to
   timeout_ms for `event` on monitor m; returns 1 if it came. */
static int pump_until_event(void *s, void *m, int event, int timeout_ms) {
    int64_t deadline = tc_now_ms() + timeout_ms;
    while (tc_now_ms() < deadline) {
        (void) net_get_int(s, ZMQ_EVENTS);
        if (net_mon_next(m, NULL, NULL, 0, 20) == event)
            return 1;
    }
    return 0;
}

/* Item 1: a PUSH connected to two PULLs stops routing to the one it disconnected. */
static void test_disconnect_stops_routing(const char *transport) {
    void *ctx = zmq_ctx_new();
    char ep_a[256], ep_b[256];
    void *pull_a = sock(ctx, ZMQ_PULL);
    void *pull_b = sock(ctx, ZMQ_PULL);
    bind_fresh(pull_a, transport, ep_a, sizeof ep_a);
    bind_fresh(pull_b, transport, ep_b, sizeof ep_b);
    void *push = sock(ctx, ZMQ_PUSH);
    CHECK_OK(zmq_connect(push, ep_a));
    CHECK_OK(zmq_connect(push, ep_b));
    /* Round robin: one message to each. */
    tc_send_str(push, "first", 0);
    tc_send_str(push, "first", 0);
    tc_recv_str_eq(pull_a, "first", 0);
    tc_recv_str_eq(pull_b, "first", 0);

    CHECK_EQ(zmq_disconnect(push, ep_a), 0);
    for (int i = 0; i < 4; i++)
        tc_send_str(push, "after", 0);
    for (int i = 0; i < 4; i++)
        tc_recv_str_eq(pull_b, "after", 0);
    CHECK_EQ(recv_within(pull_a, 300), -1);

    close_now(push);
    close_now(pull_a);
    close_now(pull_b);
    CHECK_OK(zmq_ctx_term(ctx));
}

/* Item 2: once the only peer is disconnected (or its connection unbound), a DONTWAIT
   send has nowhere to go. */
static void test_eagain_after_teardown(const char *transport, int unbind) {
    void *ctx = zmq_ctx_new();
    char ep[256];
    void *push = sock(ctx, ZMQ_PUSH);
    void *pull = sock(ctx, ZMQ_PULL);
    if (unbind) {
        bind_fresh(push, transport, ep, sizeof ep);
        CHECK_OK(zmq_connect(pull, ep));
    } else {
        bind_fresh(pull, transport, ep, sizeof ep);
        CHECK_OK(zmq_connect(push, ep));
    }
    tc_send_str(push, "one", 0);
    tc_recv_str_eq(pull, "one", 0);

    if (unbind)
        CHECK_OK(zmq_unbind(push, ep));
    else
        CHECK_OK(zmq_disconnect(push, ep));
    tc_sleep_ms(100);
    CHECK_ERR(zmq_send(push, "two", 3, ZMQ_DONTWAIT), EAGAIN);

    close_now(push);
    close_now(pull);
    CHECK_OK(zmq_ctx_term(ctx));
}

/* Item 3: unbinding a PULL closes the connection it accepted: the connecting PUSH sees
   DISCONNECTED, and what it sends afterwards never reaches the PULL. */
static void test_unbind_closes_accepted(const char *transport) {
    void *ctx = zmq_ctx_new();
    char ep[256];
    void *pull = sock(ctx, ZMQ_PULL);
    bind_fresh(pull, transport, ep, sizeof ep);
    void *push = sock(ctx, ZMQ_PUSH);
    void *mon = net_monitor(ctx, push, ZMQ_EVENT_DISCONNECTED);
    CHECK_OK(zmq_connect(push, ep));
    tc_send_str(push, "before", 0);
    tc_recv_str_eq(pull, "before", 0);

    CHECK_OK(zmq_unbind(pull, ep));
    if (!pump_until_event(pull, mon, ZMQ_EVENT_DISCONNECTED, 2000))
        TC_FAIL("%s: the connection accepted through the unbound endpoint stayed open",
                transport);
    tc_send_str(push, "after", 0); /* queued by the PUSH: its pipe outlives connections */
    CHECK_EQ(recv_within(pull, 300), -1);

    close_now(mon);
    close_now(push);
    close_now(pull);
    CHECK_OK(zmq_ctx_term(ctx));
}

/* What a PUSH had queued for the connection when it disconnects: sent (LINGER -1) when
   the pipe was made at connect time; dropped with ZMQ_IMMEDIATE, where the connection's
   session made the pipe and ends it itself. When the PUSH closes instead, all is sent
   either way. The PULL reads nothing while the PUSH fills its pipe (RCVHWM 1, small
   kernel buffers, 100 kB messages). The LINGER that counts is the one set last, before
   the disconnect or close. */
static void test_teardown_queued(int immediate, int use_close) {
    void *ctx = zmq_ctx_new();
    char ep[256];
    void *pull = sock(ctx, ZMQ_PULL);
    net_set_int(pull, ZMQ_RCVHWM, 1);
    net_set_int(pull, ZMQ_RCVBUF, 4096);
    net_bind(pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *push = sock(ctx, ZMQ_PUSH);
    net_set_int(push, ZMQ_LINGER, 0);
    net_set_int(push, ZMQ_IMMEDIATE, immediate);
    net_set_int(push, ZMQ_SNDHWM, 5);
    net_set_int(push, ZMQ_SNDBUF, 4096);
    CHECK_OK(zmq_connect(push, ep));
    tc_send_str(push, "hi", 0);
    tc_recv_str_eq(pull, "hi", 0);

    static char big[100000];
    int sent = 0;
    int64_t idle_since = tc_now_ms();
    while (tc_now_ms() - idle_since < 200) {
        if (zmq_send(push, big, sizeof big, ZMQ_DONTWAIT) == (int) sizeof big) {
            sent++;
            idle_since = tc_now_ms();
        } else {
            CHECK_EQ(zmq_errno(), EAGAIN);
            tc_sleep_ms(10);
        }
    }
    CHECK(sent > 5);
    net_set_int(push, ZMQ_LINGER, -1);
    if (use_close) {
        CHECK_OK(zmq_close(push));
    } else {
        CHECK_OK(zmq_disconnect(push, ep));
        for (int i = 0; i < 20; i++) {
            (void) net_get_int(push, ZMQ_EVENTS);
            tc_sleep_ms(10);
        }
    }
    int got = 0;
    net_set_int(pull, ZMQ_RCVTIMEO, 1000);
    while (zmq_recv(pull, big, sizeof big, 0) == (int) sizeof big)
        got++;
    if (immediate && !use_close ? got >= sent : got != sent)
        TC_FAIL("IMMEDIATE=%d: %d of %d messages arrived after the %s", immediate, got,
                sent, use_close ? "close" : "disconnect");

    if (!use_close)
        close_now(push);
    close_now(pull);
    CHECK_OK(zmq_ctx_term(ctx));
}

/* Item 4: a PULL that disconnects drops what it had received on that connection but not
   read; after reconnecting it delivers only what is sent on the new connection. */
static void test_disconnect_drops_unread(const char *transport) {
    void *ctx = zmq_ctx_new();
    char ep[256];
    void *push = sock(ctx, ZMQ_PUSH);
    void *mon = net_monitor(ctx, push,
                            ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED);
    bind_fresh(push, transport, ep, sizeof ep);
    void *pull = sock(ctx, ZMQ_PULL);
    CHECK_OK(zmq_connect(pull, ep));
    (void) net_mon_expect(mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 2000);
    tc_send_str(push, "old", 0);
    zmq_pollitem_t item = {pull, 0, ZMQ_POLLIN, 0};
    CHECK_EQ(zmq_poll(&item, 1, 2000), 1); /* "old" waits in the PULL, unread */

    CHECK_OK(zmq_disconnect(pull, ep));
    char unread[16];
    CHECK_ERR(zmq_recv(pull, unread, sizeof unread, ZMQ_DONTWAIT), EAGAIN);
    CHECK_OK(zmq_connect(pull, ep));
    /* Wait until the PUSH has lost the old connection and has the new one, so that
       "new" cannot be routed to the dying connection. */
    int64_t deadline = tc_now_ms() + 3000;
    int gone = 0, back = 0;
    while ((!gone || !back) && tc_now_ms() < deadline) {
        (void) net_get_int(pull, ZMQ_EVENTS);
        int ev = net_mon_next(mon, NULL, NULL, 0, 20);
        gone |= ev == ZMQ_EVENT_DISCONNECTED;
        back |= ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED;
    }
    CHECK(gone && back);
    tc_sleep_ms(100);
    tc_send_str(push, "new", 0);
    tc_recv_str_eq(pull, "new", 0);
    CHECK_EQ(recv_within(pull, 200), -1);

    close_now(mon);
    close_now(push);
    close_now(pull);
    CHECK_OK(zmq_ctx_term(ctx));
}

/* The disconnecting (or unbinding) socket reports nothing for the connections it closes;
   unbind reports CLOSED for the listener. (LINGER 0: the connections close at once.) */
static void test_teardown_events(const char *transport) {
    void *ctx = zmq_ctx_new();
    char ep[256], addr[256];
    int value = 0;

    /* disconnect of an established connection */
    void *pull = sock(ctx, ZMQ_PULL);
    bind_fresh(pull, transport, ep, sizeof ep);
    void *push = sock(ctx, ZMQ_PUSH);
    net_set_int(push, ZMQ_LINGER, 0);
    void *mon = net_monitor(ctx, push, ZMQ_EVENT_ALL);
    CHECK_OK(zmq_connect(push, ep));
    (void) net_mon_expect(mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 2000);
    tc_send_str(push, "x", 0);
    tc_recv_str_eq(pull, "x", 0);
    CHECK_OK(zmq_disconnect(push, ep));
    for (int i = 0; i < 15; i++) {
        (void) net_get_int(push, ZMQ_EVENTS);
        int ev = net_mon_next(mon, &value, addr, sizeof addr, 20);
        if (ev != -1)
            TC_FAIL("%s: disconnect raised event 0x%x (value %d, %s)", transport, ev,
                    value, addr);
    }
    close_now(mon);
    close_now(push);
    close_now(pull);

    /* unbind of a listener with an accepted connection */
    push = sock(ctx, ZMQ_PUSH);
    net_set_int(push, ZMQ_LINGER, 0);
    mon = net_monitor(ctx, push, ZMQ_EVENT_ALL);
    bind_fresh(push, transport, ep, sizeof ep);
    int listener_fd = net_mon_expect(mon, ZMQ_EVENT_LISTENING, 2000);
    pull = sock(ctx, ZMQ_PULL);
    CHECK_OK(zmq_connect(pull, ep));
    (void) net_mon_expect(mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 2000);
    tc_send_str(push, "x", 0);
    tc_recv_str_eq(pull, "x", 0);
    CHECK_OK(zmq_unbind(push, ep));
    CHECK_EQ(net_mon_next(mon, &value, addr, sizeof addr, 1000), ZMQ_EVENT_CLOSED);
    CHECK_EQ(value, listener_fd);
    CHECK(strcmp(addr, ep) == 0);
    for (int i = 0; i < 15; i++) {
        (void) net_get_int(push, ZMQ_EVENTS);
        int ev = net_mon_next(mon, &value, addr, sizeof addr, 20);
        if (ev != -1)
            TC_FAIL("%s: unbind raised event 0x%x (value %d, %s) after CLOSED", transport,
                    ev, value, addr);
    }
    close_now(mon);
    close_now(push);
    close_now(pull);
    CHECK_OK(zmq_ctx_term(ctx));
}

/* A disconnect while the tcp connect is still in progress reports CLOSED for the
   connecting socket's fd (the connect never completes: the raw listener's accept queue
   is full and never accepted). */
static void test_disconnect_while_connecting_event(void) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(listener >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(listener, (struct sockaddr *) &sa, sizeof sa) == 0);
    CHECK(listen(listener, 0) == 0);
    socklen_t len = sizeof sa;
    CHECK(getsockname(listener, (struct sockaddr *) &sa, &len) == 0);
    int fillers[3];
    for (int i = 0; i < 3; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        CHECK(fillers[i] >= 0);
        (void) connect(fillers[i], (struct sockaddr *) &sa, sizeof sa);
    }
    tc_sleep_ms(50);
    char ep[64], addr[256];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", ntohs(sa.sin_port));

    void *ctx = zmq_ctx_new();
    void *push = sock(ctx, ZMQ_PUSH);
    void *mon = net_monitor(ctx, push, ZMQ_EVENT_ALL);
    CHECK_OK(zmq_connect(push, ep));
    int value = 0;
    CHECK_EQ(net_mon_next(mon, &value, addr, sizeof addr, 1000), ZMQ_EVENT_CONNECT_DELAYED);
    CHECK_EQ(net_mon_next(mon, &value, addr, sizeof addr, 200), -1);
    CHECK_OK(zmq_disconnect(push, ep));
    /* libzmq closes the connecter once the socket has processed its commands. */
    int ev = -1;
    for (int i = 0; i < 50 && ev == -1; i++) {
        (void) net_get_int(push, ZMQ_EVENTS);
        ev = net_mon_next(mon, &value, addr, sizeof addr, 20);
    }
    CHECK_EQ(ev, ZMQ_EVENT_CLOSED);
    CHECK(value >= 0);
    CHECK(strcmp(addr, ep) == 0);
    CHECK_EQ(net_mon_next(mon, &value, addr, sizeof addr, 200), -1);
    close_now(mon);
    close_now(push);
    CHECK_OK(zmq_ctx_term(ctx));
    for (int i = 0; i < 3; i++)
        close(fillers[i]);
    close(listener);
}

/* Item 5: inproc connect before bind, the connector closed before the bind. */
static void test_inproc_closed_connector_delivers(void) {
    void *ctx = zmq_ctx_new();
    void *push = sock(ctx, ZMQ_PUSH);
    CHECK_OK(zmq_connect(push, "inproc://teardown-early"));
    for (int i = 0; i < 5; i++)
        tc_send_str(push, "early", 0);
    CHECK_OK(zmq_close(push));

    void *pull = sock(ctx, ZMQ_PULL);
    CHECK_OK(zmq_bind(pull, "inproc://teardown-early"));
    for (int i = 0; i < 5; i++)
        tc_recv_str_eq(pull, "early", 0);
    CHECK_EQ(recv_within(pull, 100), -1);
    close_now(pull);
    CHECK_OK(zmq_ctx_term(ctx));
}

enum { SENDERS = 30, PER_SENDER = 10 };

static void *ctx_for_senders;

static void *sender(void *arg) {
    int id = (int) (intptr_t) arg;
    void *push = sock(ctx_for_senders, ZMQ_PUSH);
    CHECK_OK(zmq_connect(push, "inproc://teardown-many"));
    for (int i = 0; i < PER_SENDER; i++) {
        char msg[16];
        snprintf(msg, sizeof msg, "%d", id);
        tc_send_str(push, msg, 0);
    }
    CHECK_OK(zmq_close(push));
    return NULL;
}

static void test_inproc_many_closed_connectors(void) {
    void *ctx = zmq_ctx_new();
    ctx_for_senders = ctx;
    pthread_t threads[SENDERS];
    for (int i = 0; i < SENDERS; i++)
        CHECK(pthread_create(&threads[i], NULL, sender, (void *) (intptr_t) i) == 0);
    for (int i = 0; i < SENDERS; i++)
        CHECK(pthread_join(threads[i], NULL) == 0);

    void *pull = sock(ctx, ZMQ_PULL);
    CHECK_OK(zmq_bind(pull, "inproc://teardown-many"));
    int count[SENDERS] = {0};
    for (int n = 0; n < SENDERS * PER_SENDER; n++) {
        char buf[16];
        int rc = zmq_recv(pull, buf, sizeof buf - 1, 0);
        if (rc < 0)
            TC_FAIL("only %d of %d messages arrived", n, SENDERS * PER_SENDER);
        buf[rc] = 0;
        int id = atoi(buf);
        CHECK(id >= 0 && id < SENDERS);
        count[id]++;
    }
    for (int i = 0; i < SENDERS; i++)
        CHECK_EQ(count[i], PER_SENDER);
    CHECK_EQ(recv_within(pull, 100), -1);
    close_now(pull);
    CHECK_OK(zmq_ctx_term(ctx));
}

/* An optional argument runs only the scenarios whose name contains it. */
static int selected(int argc, char **argv, const char *name) {
    return argc < 2 || strstr(name, argv[1]) != NULL;
}

int main(int argc, char **argv) {
    const char *transports[] = {"tcp", "ipc"};
    for (int t = 0; t < 2; t++) {
        const char *tr = transports[t];
        if (selected(argc, argv, "disconnect_stops_routing"))
            test_disconnect_stops_routing(tr);
        if (selected(argc, argv, "eagain_after_disconnect"))
            test_eagain_after_teardown(tr, 0);
        if (selected(argc, argv, "eagain_after_unbind"))
            test_eagain_after_teardown(tr, 1);
        if (selected(argc, argv, "unbind_closes_accepted"))
            test_unbind_closes_accepted(tr);
        if (selected(argc, argv, "disconnect_drops_unread"))
            test_disconnect_drops_unread(tr);
        if (selected(argc, argv, "teardown_events"))
            test_teardown_events(tr);
    }
    if (selected(argc, argv, "disconnect_sends_queued"))
        test_teardown_queued(0, 0);
    if (selected(argc, argv, "disconnect_immediate_drops_queued"))
        test_teardown_queued(1, 0);
    if (selected(argc, argv, "close_sends_queued")) {
        test_teardown_queued(0, 1);
        test_teardown_queued(1, 1);
    }
    if (selected(argc, argv, "disconnect_while_connecting_event"))
        test_disconnect_while_connecting_event();
    if (selected(argc, argv, "inproc_closed_connector"))
        test_inproc_closed_connector_delivers();
    if (selected(argc, argv, "inproc_many_closed_connectors"))
        test_inproc_many_closed_connectors();
    return 0;
}
