/* ZMQ_XSUB_VERBOSE_UNSUBSCRIBE (draft, new in libzmq 4.3.5, xsub.cpp xsend): an XSUB
 * passes an unsubscription upstream only when it removes the topic's last reference
 * in its own table; with the option, every one goes (a duplicate, or a topic never
 * subscribed). Seen from an XPUB with XPUB_VERBOSER, which reports each one it gets.
 *
 * The draft libzmq 4.3.4 has no such option (its header lacks it): the test compiles
 * to nothing there. Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips it.
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

#ifdef ZMQ_XSUB_VERBOSE_UNSUBSCRIBE
/* How many unsubscriptions the XPUB reports once the XSUB has sent its messages. */
static int unsubscriptions_seen(void *ctx, int verbose) {
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://xsub-verbose-%d", verbose);
    void *xpub = zmq_socket(ctx, ZMQ_XPUB);
    void *xsub = zmq_socket(ctx, ZMQ_XSUB);
    CHECK(xpub && xsub);
    int on = 1;
    CHECK_OK(zmq_setsockopt(xpub, ZMQ_XPUB_VERBOSER, &on, sizeof on));
    CHECK_OK(zmq_setsockopt(xsub, ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, &verbose, sizeof verbose));
    CHECK_OK(zmq_bind(xpub, ep));
    CHECK_OK(zmq_connect(xsub, ep));
    tc_send_str(xsub, "\x01" "A", 0);
    tc_send_str(xsub, "\x01" "A", 0);
    CHECK_EQ(zmq_send(xsub, "\x00" "A", 2, 0), 2); /* A still has a reference */
    CHECK_EQ(zmq_send(xsub, "\x00" "A", 2, 0), 2); /* the last one */
    CHECK_EQ(zmq_send(xsub, "\x00" "Z", 2, 0), 2); /* never subscribed */
    tc_send_str(xsub, "end", 0);
    int timeout = 2000;
    CHECK_OK(zmq_setsockopt(xpub, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    int unsubs = 0;
    for (;;) {
        char buf[16];
        int n = zmq_recv(xpub, buf, sizeof buf, 0);
        CHECK(n > 0);
        if (n == 3 && memcmp(buf, "end", 3) == 0)
            break;
        unsubs += buf[0] == 0;
    }
    CHECK_OK(zmq_close(xpub));
    CHECK_OK(zmq_close(xsub));
    return unsubs;
}
#endif

int main(void) {
#ifdef ZMQ_XSUB_VERBOSE_UNSUBSCRIBE
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    CHECK_EQ(unsubscriptions_seen(ctx, 0), 1);
    CHECK_EQ(unsubscriptions_seen(ctx, 1), 3);
    CHECK_OK(zmq_ctx_term(ctx));
#endif
    return 0;
}
