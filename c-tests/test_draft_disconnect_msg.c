/* ZMQ_DISCONNECT_MSG (draft, libzmq 4.3.5 session_base.cpp): a ROUTER (or SERVER,
 * PEER) receives it, under the peer's routing id, when an accepted tcp peer's
 * connection (handshake done) is lost.
 *
 * Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips this test; run it with
 *   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) cargo test --test c_api -- test_draft_disconnect_msg
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

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
    CHECK_OK(zmq_ctx_term(ctx));
#endif
    return 0;
}
