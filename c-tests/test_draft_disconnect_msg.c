/* ZMQ_DISCONNECT_MSG (draft, libzmq 4.3.5 session_base.cpp): a ROUTER (or SERVER,
 * PEER) receives it, under the peer's routing id, when an accepted tcp peer's
 * connection (handshake done) is lost.
 * Over inproc (socket_base.cpp, ctx.cpp, pipe.cpp send_disconnect_msg): a binding
 * ROUTER/SERVER/PEER receives it when a connector closes or disconnects, after what
 * the connector sent, whether the connect came before or after the bind; a connector
 * never receives one when the binder goes.
 *
 * Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips this test; run it with
 *   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) cargo test --test c_api -- test_draft_disconnect_msg
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

#ifdef ZMQ_DISCONNECT_MSG
static void expect_nothing(void *s) {
    int timeout = 200;
    CHECK_OK(zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    char buf[16];
    CHECK_ERR(zmq_recv(s, buf, sizeof buf, 0), EAGAIN);
}

/* inproc: the connector goes by close or by disconnect; bound first or pending. */
static void test_inproc(void *ctx, int connect_first, int by_disconnect) {
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://bye-%d-%d", connect_first, by_disconnect);
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(router && dealer);
    CHECK_OK(zmq_setsockopt(router, ZMQ_DISCONNECT_MSG, "BYE", 3));
    /* A connector's own DISCONNECT_MSG is never sent anywhere. */
    CHECK_OK(zmq_setsockopt(dealer, ZMQ_DISCONNECT_MSG, "NOT", 3));
    CHECK_OK(zmq_setsockopt(dealer, ZMQ_ROUTING_ID, "D1", 2));
    int timeout = 2000;
    CHECK_OK(zmq_setsockopt(router, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    if (connect_first) {
        CHECK_OK(zmq_connect(dealer, ep));
        CHECK_OK(zmq_bind(router, ep));
    } else {
        CHECK_OK(zmq_bind(router, ep));
        CHECK_OK(zmq_connect(dealer, ep));
    }
    tc_send_str(dealer, "hello", 0);
    tc_recv_str_eq(router, "D1", 0);
    tc_recv_str_eq(router, "hello", 0);
    tc_send_str(dealer, "last", 0);
    if (by_disconnect)
        CHECK_OK(zmq_disconnect(dealer, ep));
    else
        CHECK_OK(zmq_close(dealer));
    tc_recv_str_eq(router, "D1", 0);
    tc_recv_str_eq(router, "last", 0);
    tc_recv_str_eq(router, "D1", 0);
    tc_recv_str_eq(router, "BYE", 0);
    expect_nothing(router);
    if (by_disconnect)
        CHECK_OK(zmq_close(dealer));
    CHECK_OK(zmq_close(router));
}

/* A connector that goes in the middle of a message: the part it sent is withdrawn,
 * the ROUTER reads the disconnect message alone, never a half message. */
static void test_inproc_half_message(void *ctx) {
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(router && dealer);
    CHECK_OK(zmq_setsockopt(router, ZMQ_DISCONNECT_MSG, "BYE", 3));
    CHECK_OK(zmq_setsockopt(dealer, ZMQ_ROUTING_ID, "D2", 2));
    int timeout = 2000;
    CHECK_OK(zmq_setsockopt(router, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_bind(router, "inproc://bye-half"));
    CHECK_OK(zmq_connect(dealer, "inproc://bye-half"));
    tc_send_str(dealer, "whole", 0);
    tc_send_str(dealer, "first half", ZMQ_SNDMORE);
    CHECK_OK(zmq_close(dealer));
    const char *expected[] = {"D2", "whole", "D2", "BYE"};
    for (int i = 0; i < 4; i++) {
        tc_recv_str_eq(router, expected[i], 0);
        int more;
        size_t len = sizeof more;
        CHECK_OK(zmq_getsockopt(router, ZMQ_RCVMORE, &more, &len));
        CHECK_EQ(more, i % 2 == 0);
    }
    expect_nothing(router);
    CHECK_OK(zmq_close(router));
}

/* The binder going tells a connecting ROUTER nothing. */
static void test_inproc_binder_goes(void *ctx) {
    void *binder = zmq_socket(ctx, ZMQ_DEALER);
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    CHECK(binder && router);
    CHECK_OK(zmq_setsockopt(router, ZMQ_DISCONNECT_MSG, "BYE", 3));
    CHECK_OK(zmq_setsockopt(binder, ZMQ_ROUTING_ID, "B1", 2));
    int timeout = 2000;
    CHECK_OK(zmq_setsockopt(router, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_bind(binder, "inproc://bye-binder"));
    CHECK_OK(zmq_connect(router, "inproc://bye-binder"));
    tc_send_str(binder, "x", 0);
    tc_recv_str_eq(router, "B1", 0);
    tc_recv_str_eq(router, "x", 0);
    CHECK_OK(zmq_close(binder));
    expect_nothing(router);
    CHECK_OK(zmq_close(router));
}
#endif

int main(void) {
#ifdef ZMQ_DISCONNECT_MSG
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(router && dealer);
    CHECK_OK(zmq_setsockopt(router, ZMQ_DISCONNECT_MSG, "BYE", 3));
    int timeout = 2000;
    CHECK_OK(zmq_setsockopt(router, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_bind(router, "tcp://127.0.0.1:*"));
    char endpoint[256];
    size_t len = sizeof endpoint;
    CHECK_OK(zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, endpoint, &len));
    CHECK_OK(zmq_setsockopt(dealer, ZMQ_ROUTING_ID, "D1", 2));
    CHECK_OK(zmq_connect(dealer, endpoint));
    tc_send_str(dealer, "hello", 0);
    tc_recv_str_eq(router, "D1", 0);
    tc_recv_str_eq(router, "hello", 0);

    CHECK_OK(zmq_close(dealer));
    tc_recv_str_eq(router, "D1", 0);
    tc_recv_str_eq(router, "BYE", 0);
    timeout = 200;
    CHECK_OK(zmq_setsockopt(router, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    char buf[16];
    CHECK_ERR(zmq_recv(router, buf, sizeof buf, 0), EAGAIN);

    CHECK_OK(zmq_close(router));

    for (int connect_first = 0; connect_first < 2; connect_first++)
        for (int by_disconnect = 0; by_disconnect < 2; by_disconnect++)
            test_inproc(ctx, connect_first, by_disconnect);
    test_inproc_binder_goes(ctx);
    test_inproc_half_message(ctx);
    CHECK_OK(zmq_ctx_term(ctx));
#endif
    return 0;
}
