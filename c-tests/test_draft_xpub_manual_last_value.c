/* ZMQ_XPUB_MANUAL_LAST_VALUE (draft, libzmq 4.3.5 xpub.cpp): XPUB_MANUAL, and the first
 * message sent after the application read a subscription goes only to the subscriber
 * that sent it (if it matches that subscriber's topics), e.g. the last value cached
 * for a newcomer; the next ones go to every match. Plain XPUB_MANUAL sends it to all.
 *
 * Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips this test; run it with
 *   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) cargo test --test c_api -- test_draft_xpub_manual_last_value
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

#ifdef ZMQ_XPUB_MANUAL_LAST_VALUE
static int timeout = 2000;

static void *subscriber(void *ctx, const char *ep) {
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    CHECK(sub);
    CHECK_OK(zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_connect(sub, ep));
    CHECK_OK(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "A", 1));
    return sub;
}

/* The XPUB reads the subscription (noting its pipe) and applies it by hand. */
static void accept_subscription(void *xpub) {
    tc_recv_str_eq(xpub, "\x01" "A", 0);
    CHECK_OK(zmq_setsockopt(xpub, ZMQ_SUBSCRIBE, "A", 1));
}

static void expect_nothing(void *s) {
    int brief = 100;
    CHECK_OK(zmq_setsockopt(s, ZMQ_RCVTIMEO, &brief, sizeof brief));
    char buf[16];
    CHECK_ERR(zmq_recv(s, buf, sizeof buf, 0), EAGAIN);
    CHECK_OK(zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
}

static void run(void *ctx, int last_value) {
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://last-value-%d", last_value);
    void *xpub = zmq_socket(ctx, ZMQ_XPUB);
    CHECK(xpub);
    int on = 1;
    CHECK_OK(zmq_setsockopt(xpub, last_value ? ZMQ_XPUB_MANUAL_LAST_VALUE : ZMQ_XPUB_MANUAL,
                            &on, sizeof on));
    CHECK_OK(zmq_setsockopt(xpub, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_bind(xpub, ep));

    void *sub1 = subscriber(ctx, ep);
    accept_subscription(xpub);
    tc_send_str(xpub, "A-first", 0);
    tc_recv_str_eq(sub1, "A-first", 0);

    void *sub2 = subscriber(ctx, ep);
    accept_subscription(xpub);
    tc_send_str(xpub, "A-cached", 0);
    tc_recv_str_eq(sub2, "A-cached", 0);
    if (last_value)
        expect_nothing(sub1);
    else
        tc_recv_str_eq(sub1, "A-cached", 0);

    tc_send_str(xpub, "A-all", 0);
    tc_recv_str_eq(sub1, "A-all", 0);
    tc_recv_str_eq(sub2, "A-all", 0);

    CHECK_OK(zmq_close(sub1));
    CHECK_OK(zmq_close(sub2));
    CHECK_OK(zmq_close(xpub));
}
#endif

int main(void) {
#ifdef ZMQ_XPUB_MANUAL_LAST_VALUE
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    run(ctx, 0);
    run(ctx, 1);
    CHECK_OK(zmq_ctx_term(ctx));
#endif
    return 0;
}
