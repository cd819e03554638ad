/* ZMQ_HELLO_MSG (draft, libzmq 4.3.5 hello_msg_session_t): a ROUTER, SERVER, DEALER,
 * CLIENT or PEER sends it as the first message on every new tcp/ipc connection, from
 * the binding side and from the connecting side, before what the socket sends.
 * Over inproc too (socket_base.cpp connect_internal, ctx.cpp connect_inproc_sockets):
 * both ways, after the routing id, whether the connect comes before or after the bind.
 *
 * Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips this test; run it with
 *   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) cargo test --test c_api -- test_draft_hello_msg
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

#ifdef ZMQ_HELLO_MSG
/* inproc, the bind first or (pending) the connect first. */
static void test_inproc(void *ctx, int connect_first) {
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    void *pair = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(router && dealer && pair);
    CHECK_OK(zmq_setsockopt(router, ZMQ_HELLO_MSG, "HI", 2));
    CHECK_OK(zmq_setsockopt(dealer, ZMQ_HELLO_MSG, "HELLO", 5));
    CHECK_OK(zmq_setsockopt(dealer, ZMQ_ROUTING_ID, "D1", 2));
    /* A PAIR does not send its hello (only ROUTER/SERVER/DEALER/CLIENT/PEER do). */
    CHECK_OK(zmq_setsockopt(pair, ZMQ_HELLO_MSG, "PAIR", 4));
    int timeout = 2000;
    CHECK_OK(zmq_setsockopt(router, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_setsockopt(dealer, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    const char *ep = connect_first ? "inproc://hello-pending" : "inproc://hello-bound";
    if (connect_first) {
        CHECK_OK(zmq_connect(dealer, ep));
        tc_send_str(dealer, "after", 0);
        CHECK_OK(zmq_bind(router, ep));
    } else {
        CHECK_OK(zmq_bind(router, ep));
        CHECK_OK(zmq_connect(dealer, ep));
        tc_send_str(dealer, "after", 0);
    }
    tc_recv_str_eq(dealer, "HI", 0);
    tc_recv_str_eq(router, "D1", 0);
    tc_recv_str_eq(router, "HELLO", 0);
    tc_recv_str_eq(router, "D1", 0);
    tc_recv_str_eq(router, "after", 0);

    /* A PAIR connecting to a PAIR: no hello at all. */
    void *pair_peer = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(pair_peer);
    CHECK_OK(zmq_setsockopt(pair_peer, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    const char *pep = connect_first ? "inproc://hello-pair-pending" : "inproc://hello-pair";
    if (connect_first) {
        CHECK_OK(zmq_connect(pair, pep));
        CHECK_OK(zmq_bind(pair_peer, pep));
    } else {
        CHECK_OK(zmq_bind(pair_peer, pep));
        CHECK_OK(zmq_connect(pair, pep));
    }
    tc_send_str(pair, "data", 0);
    tc_recv_str_eq(pair_peer, "data", 0);

    CHECK_OK(zmq_close(router));
    CHECK_OK(zmq_close(dealer));
    CHECK_OK(zmq_close(pair));
    CHECK_OK(zmq_close(pair_peer));
}
#endif

int main(void) {
#ifdef ZMQ_HELLO_MSG
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(router && dealer);
    CHECK_OK(zmq_setsockopt(router, ZMQ_HELLO_MSG, "HI", 2));
    CHECK_OK(zmq_setsockopt(dealer, ZMQ_HELLO_MSG, "HELLO", 5));
    CHECK_OK(zmq_setsockopt(dealer, ZMQ_ROUTING_ID, "D1", 2));
    int timeout = 2000;
    CHECK_OK(zmq_setsockopt(router, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_setsockopt(dealer, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_bind(router, "tcp://127.0.0.1:*"));
    char endpoint[256];
    size_t len = sizeof endpoint;
    CHECK_OK(zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, endpoint, &len));
    /* Queued before the handshake is done: the hello still goes first. */
    CHECK_OK(zmq_connect(dealer, endpoint));
    tc_send_str(dealer, "after", 0);

    tc_recv_str_eq(dealer, "HI", 0);
    tc_recv_str_eq(router, "D1", 0);
    tc_recv_str_eq(router, "HELLO", 0);
    tc_recv_str_eq(router, "D1", 0);
    tc_recv_str_eq(router, "after", 0);

    /* Once per connection. */
    timeout = 200;
    CHECK_OK(zmq_setsockopt(dealer, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    char buf[16];
    CHECK_ERR(zmq_recv(dealer, buf, sizeof buf, 0), EAGAIN);

    CHECK_OK(zmq_close(router));
    CHECK_OK(zmq_close(dealer));

    test_inproc(ctx, 0);
    test_inproc(ctx, 1);
    CHECK_OK(zmq_ctx_term(ctx));
#endif
    return 0;
}
