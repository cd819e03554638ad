// Connection limits over tcp and ipc, pinned against libzmq 4.3.4:
// - ZMQ_HANDSHAKE_IVL: a raw client that connects and sends nothing is closed after the
//   interval; the binder's monitor says ACCEPTED, HANDSHAKE_FAILED_NO_DETAIL (value
//   EAGAIN), DISCONNECTED;
// - ZMQ_MAXMSGSIZE (taken when binding, so set before zmq_bind): a frame of exactly the
//   limit is delivered, a larger one makes the receiver drop the connection (its monitor:
//   DISCONNECTED; the sender's: DISCONNECTED, then it reconnects) and is lost; later
//   messages arrive over the new connection;
// - ZMQ_LINGER: 0 discards queued messages at close (ctx_term returns at once); a
//   positive value bounds how long ctx_term waits for an absent peer; -1 delivers every
//   queued message to a live peer before ctx_term returns;
// - high-water marks over a connection: a PUSH (SNDHWM 10) to a PULL (RCVHWM 10) that
//   does not read accepts about SNDHWM + RCVHWM messages (20 in libzmq, small or large
//   messages), then EAGAIN; reading them all re-opens it.
#include "common.h"
#include "test_net_util.h"

static void make_ep(char *ep, size_t n, int ipc, const char *tag) {
    if (ipc)
        net_ipc_ep(ep, n, tag);
    else
        snprintf(ep, n, "tcp://127.0.0.1:*");
}

static void test_handshake_ivl(void *ctx, int ipc) {
    char ep[256], bound[256];
    make_ep(ep, sizeof ep, ipc, "hs");
    void *s = net_socket(ctx, ZMQ_PULL);
    net_set_int(s, ZMQ_HANDSHAKE_IVL, 200);
    CHECK_EQ(net_get_int(s, ZMQ_HANDSHAKE_IVL), 200);
    net_bind(s, ep, bound, sizeof bound);
    void *m = net_monitor(ctx, s, ZMQ_EVENT_ALL);
    int fd = net_raw_connect_any(bound);
    int waited = net_raw_wait_closed(fd, 3000);
    close(fd);
    if (waited < 150 || waited > 1500)
        TC_FAIL("%s: silent client closed after %d ms (HANDSHAKE_IVL 200)", bound, waited);
    int v;
    CHECK_EQ(net_mon_next(m, &v, NULL, 0, 1000), ZMQ_EVENT_ACCEPTED);
    CHECK_EQ(net_mon_next(m, &v, NULL, 0, 1000), ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
    if (!NET_KNOWN_BUG("HANDSHAKE_FAILED_NO_DETAIL after HANDSHAKE_IVL carries ETIMEDOUT "
                       "(110) on ours, EAGAIN (11) in libzmq"))
        CHECK_EQ(v, EAGAIN);
    CHECK_EQ(net_mon_next(m, &v, NULL, 0, 1000), ZMQ_EVENT_DISCONNECTED);

    /* a well-behaved peer is not affected */
    void *p = net_socket(ctx, ZMQ_PUSH);
    CHECK_OK(zmq_connect(p, bound));
    tc_sleep_ms(400);
    tc_send_str(p, "fine", 0);
    tc_recv_str_eq(s, "fine", 0);
    zmq_close(p);
    net_mon_close(s, m);
    zmq_close(s);
}

static void test_maxmsgsize(void *ctx, int ipc) {
    char ep[256], bound[256];
    make_ep(ep, sizeof ep, ipc, "max");
    void *s = net_socket(ctx, ZMQ_PULL);
    net_set_i64(s, ZMQ_MAXMSGSIZE, 100);
    int64_t got = 0;
    size_t sz = sizeof got;
    CHECK_OK(zmq_getsockopt(s, ZMQ_MAXMSGSIZE, &got, &sz));
    CHECK_EQ(got, 100);
    net_bind(s, ep, bound, sizeof bound);
    void *ms = net_monitor(ctx, s, ZMQ_EVENT_ALL);
    void *p = net_socket(ctx, ZMQ_PUSH);
    net_set_int(p, ZMQ_RECONNECT_IVL, 50);
    void *mp = net_monitor(ctx, p, ZMQ_EVENT_ALL);
    CHECK_OK(zmq_connect(p, bound));
    char buf[200];
    memset(buf, 'm', sizeof buf);
    CHECK_EQ(zmq_send(p, buf, 100, 0), 100);
    CHECK_EQ(zmq_recv(s, buf, sizeof buf, 0), 100);
    net_mon_expect(mp, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 1000);

    CHECK_EQ(zmq_send(p, buf, 101, 0), 101);
    net_mon_expect_pumping(ms, ZMQ_EVENT_DISCONNECTED, 2000, s, "DISCONNECTED");
    net_mon_expect(mp, ZMQ_EVENT_DISCONNECTED, 2000);
    net_mon_expect(mp, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 2000); /* reconnected */
    tc_send_str(p, "after", 0);
    if (!NET_KNOWN_BUG("after the MAXMSGSIZE drop the PUSH reconnects but its next message "
                       "never reaches the PULL on ours"))
        tc_recv_str_eq(s, "after", 0); /* the 101-byte message is gone */
    net_mon_close(p, mp);
    net_mon_close(s, ms);
    zmq_close(p);
    zmq_close(s);
}

static void test_linger(int ipc) {
    char ep[256];
    void *ctx2 = zmq_ctx_new();

    /* LINGER 0: queued messages are dropped and ctx_term does not wait */
    if (ipc)
        net_ipc_ep(ep, sizeof ep, "linger0");
    else
        snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", 21000 + (int) (getpid() % 4000) * 2);
    void *ctx = zmq_ctx_new();
    void *p = net_socket(ctx, ZMQ_PUSH);
    net_set_int(p, ZMQ_LINGER, 0);
    CHECK_OK(zmq_connect(p, ep));
    for (int i = 0; i < 5; i++)
        tc_send_str(p, "dropped", ZMQ_DONTWAIT);
    zmq_close(p);
    int64_t t0 = tc_now_ms();
    CHECK_OK(zmq_ctx_term(ctx));
    CHECK(tc_now_ms() - t0 < 500);
    void *pull = net_socket(ctx2, ZMQ_PULL);
    net_set_int(pull, ZMQ_RCVTIMEO, 300);
    char bound[256];
    net_bind(pull, ep, bound, sizeof bound);
    char buf[16];
    CHECK_ERR(zmq_recv(pull, buf, sizeof buf, 0), EAGAIN);

    /* LINGER 300 with nobody there: ctx_term gives up after about 300 ms */
    char nobody[256];
    if (ipc)
        net_ipc_ep(nobody, sizeof nobody, "nobody");
    else
        snprintf(nobody, sizeof nobody, "tcp://127.0.0.1:%d",
                 21001 + (int) (getpid() % 4000) * 2);
    ctx = zmq_ctx_new();
    p = net_socket(ctx, ZMQ_PUSH);
    net_set_int(p, ZMQ_LINGER, 300);
    CHECK_OK(zmq_connect(p, nobody));
    tc_send_str(p, "never", ZMQ_DONTWAIT);
    zmq_close(p);
    t0 = tc_now_ms();
    CHECK_OK(zmq_ctx_term(ctx));
    int waited = (int) (tc_now_ms() - t0);
    if (waited < 200 || waited > 1500)
        TC_FAIL("ctx_term with LINGER 300 took %d ms", waited);

    /* LINGER -1: everything reaches the live peer before ctx_term returns */
    ctx = zmq_ctx_new();
    p = zmq_socket(ctx, ZMQ_PUSH);
    CHECK_EQ(net_get_int(p, ZMQ_LINGER), -1);
    CHECK_OK(zmq_connect(p, bound));
    static char big[4096];
    const int n = 500;
    for (int i = 0; i < n; i++) {
        memcpy(big, &i, sizeof i);
        CHECK_EQ(zmq_send(p, big, sizeof big, 0), (int) sizeof big);
    }
    zmq_close(p);
    CHECK_OK(zmq_ctx_term(ctx));
    net_set_int(pull, ZMQ_RCVTIMEO, 2000);
    for (int i = 0; i < n; i++) {
        CHECK_EQ(zmq_recv(pull, big, sizeof big, 0), (int) sizeof big);
        int j;
        memcpy(&j, big, sizeof j);
        CHECK_EQ(j, i);
    }
    zmq_close(pull);
    CHECK_OK(zmq_ctx_term(ctx2));
}

static int fill(void *push, size_t size) {
    static char m[100000];
    int n = 0;
    for (int round = 0; round < 3; round++) {
        while (zmq_send(push, m, size, ZMQ_DONTWAIT) >= 0)
            n++;
        CHECK_EQ(zmq_errno(), EAGAIN);
        tc_sleep_ms(100);
    }
    return n;
}

static void test_hwm(void *ctx, int ipc) {
    char ep[256], bound[256];
    make_ep(ep, sizeof ep, ipc, "hwm");
    void *pull = net_socket(ctx, ZMQ_PULL);
    net_set_int(pull, ZMQ_RCVHWM, 10);
    net_bind(pull, ep, bound, sizeof bound);
    void *push = net_socket(ctx, ZMQ_PUSH);
    net_set_int(push, ZMQ_SNDHWM, 10);
    CHECK_OK(zmq_connect(push, bound));
    tc_send_str(push, "x", 0);
    tc_recv_str_eq(pull, "x", 0);

    const size_t sizes[] = {1, 100000};
    for (int k = 0; k < 2; k++) {
        int n = fill(push, sizes[k]);
        fprintf(stderr, "%s: %zu-byte messages: %d sent before EAGAIN\n", bound, sizes[k], n);
        /* Each fill round sends until the pipe (SNDHWM 10) is full; between rounds the
           I/O thread drains it into the kernel and returns credit, so libzmq and ours
           both count ~10 per round (29-30; 20 for 100 KB over ipc, where the kernel
           buffer fills). libzmq looks at returned credit at most once per ~1 ms inside
           zmq_send; ours at every call, so when its I/O thread drains the pipe during a
           round the round goes on until the kernel buffers are full (seen: 70, 559).
           No pipe ever holds more than its HWM: the extra messages are in the kernel. */
        if (n > 40 && NET_KNOWN_DIFFERENCE("credit returned during a DONTWAIT fill round is "
                                           "used at once on ours, after ~1 ms on libzmq"))
            fprintf(stderr, "  (%s: %zu-byte messages: %d sent before EAGAIN)\n", bound,
                    sizes[k], n);
        else if (n < 18 || n > 40)
            TC_FAIL("%s: %zu-byte messages: %d sent before EAGAIN (HWM 10 + 10)", bound,
                    sizes[k], n);
        static char m[100000];
        for (int i = 0; i < n; i++)
            CHECK_EQ(zmq_recv(pull, m, sizeof m, 0), (int) sizes[k]);
        net_set_int(pull, ZMQ_RCVTIMEO, 100);
        CHECK_ERR(zmq_recv(pull, m, sizeof m, 0), EAGAIN);
        net_set_int(pull, ZMQ_RCVTIMEO, 2000);
    }
    zmq_close(push);
    zmq_close(pull);
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    for (int ipc = 0; ipc < 2; ipc++) {
        test_handshake_ivl(ctx, ipc);
        test_maxmsgsize(ctx, ipc);
        test_linger(ipc);
        test_hwm(ctx, ipc);
    }
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
