/* A peer that vanishes while we are writing to it costs that connection, never the
 * process: a C program keeps SIGPIPE's default action (terminate), so every write to a
 * socket must be made so that a reset peer comes back as an error, not as the signal.
 *
 * For tcp and ipc: a PUSH binds, a raw ZMTP peer connects as PULL, reads a little and
 * closes without reading the rest (a reset on tcp), while the PUSH keeps a deep queue of
 * 4 KiB messages flowing at it. Then a well-behaved PULL connects and must get messages.
 */
#include "common.h"
#include "test_net_util.h"

#include <signal.h>

enum { ROUNDS = 20, BODY = 4096 };

static void make_ep(char *ep, size_t n, int ipc) {
    if (ipc)
        net_ipc_ep(ep, n, "gone");
    else
        snprintf(ep, n, "tcp://127.0.0.1:*");
}

/* Queue up to `max` messages without blocking; with wait_first the first may wait
   (SNDTIMEO) for a peer. */
static int fill(void *push, int max, int wait_first) {
    static char body[BODY];
    int sent = 0;
    while (sent < max && zmq_send(push, body, sizeof body, (sent || !wait_first) ? ZMQ_DONTWAIT : 0) == BODY)
        sent++;
    return sent;
}

static void test_peer_gone(void *ctx, int ipc) {
    char ep[256], bound[256];
    make_ep(ep, sizeof ep, ipc);
    void *push = net_socket(ctx, ZMQ_PUSH);
    net_set_int(push, ZMQ_SNDHWM, 100000);
    net_bind(push, ep, bound, sizeof bound);
    void *m = net_monitor(ctx, push, ZMQ_EVENT_DISCONNECTED);

    for (int round = 0; round < ROUNDS; round++) {
        int fd = net_raw_connect_any(bound);
        net_zmtp_handshake(fd, "PULL");
        CHECK(fill(push, 2000, 1) > 0);
        unsigned char junk[8192];
        CHECK_OK(net_raw_read_n(fd, junk, sizeof junk, 2000));
        /* close with unread data in the receive buffer: the kernel resets the link */
        struct linger lg = {1, 0};
        (void) setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(fd);
        (void) fill(push, 2000, 0); /* may find no peer left: that is fine */
        net_mon_expect(m, ZMQ_EVENT_DISCONNECTED, 5000);
    }

    /* still alive, and a well-behaved peer gets what is sent from now on */
    void *pull = net_socket(ctx, ZMQ_PULL);
    CHECK_OK(zmq_connect(pull, bound));
    net_set_int(pull, ZMQ_RCVTIMEO, 100);
    /* (a send may still pick the last raw peer's pipe while it is being torn down) */
    char buf[BODY];
    int got = -1;
    for (int64_t deadline = tc_now_ms() + 5000; got != BODY && tc_now_ms() < deadline;) {
        (void) fill(push, 1, 1);
        got = zmq_recv(pull, buf, sizeof buf, 0);
    }
    CHECK_EQ(got, BODY);
    zmq_close(pull);
    net_mon_close(push, m);
    zmq_close(push);
}

int main(void) {
    /* the default a C program starts with, whatever the harness inherited */
    signal(SIGPIPE, SIG_DFL);
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    test_peer_gone(ctx, 0);
    test_peer_gone(ctx, 1);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
