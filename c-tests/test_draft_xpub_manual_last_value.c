/* ZMQ_XPUB_MANUAL_LAST_VALUE (draft, libzmq 4.3.5 xpub.cpp): XPUB_MANUAL, and the first
 * message sent after the application read a subscription goes only to the subscriber
 * that sent it (its "last value"), matched against that subscriber's manual
 * subscriptions; every later message goes to every matching subscriber again, as
 * with XPUB_MANUAL alone. (libzmq's test_xpub_manual_last_value relies on the second.)
 *
 * Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips this test; run it with
 *   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) cargo test --test c_api -- test_draft_xpub_manual_last_value
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

static const char subscribe_t[] = {1, 'T'};

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *pub = zmq_socket(ctx, ZMQ_XPUB);
    void *sub1 = zmq_socket(ctx, ZMQ_XSUB);
    void *sub2 = zmq_socket(ctx, ZMQ_XSUB);
    CHECK(pub && sub1 && sub2);
    int one = 1;
    CHECK_OK(zmq_setsockopt(pub, ZMQ_XPUB_MANUAL_LAST_VALUE, &one, sizeof one));
    int timeout = 2000;
    CHECK_OK(zmq_setsockopt(pub, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_setsockopt(sub1, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_setsockopt(sub2, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_bind(pub, "inproc://last-value"));
    CHECK_OK(zmq_connect(sub1, "inproc://last-value"));
    CHECK_OK(zmq_connect(sub2, "inproc://last-value"));

    /* Each subscription is read by the application and granted (manual mode): the
     * grant applies to the subscriber whose subscription was read last. */
    char buf[16];
    CHECK_EQ(zmq_send(sub1, subscribe_t, sizeof subscribe_t, 0), 2);
    CHECK_EQ(zmq_recv(pub, buf, sizeof buf, 0), 2);
    CHECK(memcmp(buf, subscribe_t, 2) == 0);
    CHECK_OK(zmq_setsockopt(pub, ZMQ_SUBSCRIBE, "T", 1));
    CHECK_EQ(zmq_send(sub2, subscribe_t, sizeof subscribe_t, 0), 2);
    CHECK_EQ(zmq_recv(pub, buf, sizeof buf, 0), 2);
    CHECK(memcmp(buf, subscribe_t, 2) == 0);
    CHECK_OK(zmq_setsockopt(pub, ZMQ_SUBSCRIBE, "T", 1));

    /* The last value goes to sub2 alone, the next message to both. */
    tc_send_str(pub, "T1", 0);
    tc_send_str(pub, "T2", 0);
    tc_recv_str_eq(sub2, "T1", 0);
    tc_recv_str_eq(sub2, "T2", 0);
    tc_recv_str_eq(sub1, "T2", 0);
    CHECK_ERR(zmq_recv(sub1, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);

    /* A message that does not match the last subscriber's topics reaches nobody, and
     * still uses up the last value. */
    CHECK_EQ(zmq_send(sub1, subscribe_t, sizeof subscribe_t, 0), 2);
    CHECK_EQ(zmq_recv(pub, buf, sizeof buf, 0), 2);
    tc_send_str(pub, "X1", 0);
    tc_send_str(pub, "T3", 0);
    tc_recv_str_eq(sub1, "T3", 0);
    tc_recv_str_eq(sub2, "T3", 0);

    int zero = 0;
    CHECK_OK(zmq_setsockopt(pub, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK(zmq_close(sub1));
    CHECK_OK(zmq_close(sub2));
    CHECK_OK(zmq_close(pub));
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
