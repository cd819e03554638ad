/* ZMQ_ROUTER_NOTIFY (draft, libzmq 4.3.5 router.cpp, stream_engine_base.cpp): a ROUTER
 * with ZMQ_NOTIFY_CONNECT receives [routing id][""] when a tcp peer's handshake is
 * done, with ZMQ_NOTIFY_DISCONNECT the same when that connection is lost. ROUTER only
 * (EINVAL for other types), values 0 to 3, read back.
 *
 * Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips this test; run it with
 *   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) cargo test --test c_api -- test_draft_router_notify
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

static void recv_notice(void *router, const char *id) {
    char buf[64];
    int n = zmq_recv(router, buf, sizeof buf, 0);
    CHECK_EQ(n, (int)strlen(id));
    CHECK(memcmp(buf, id, (size_t)n) == 0);
    int more;
    size_t len = sizeof more;
    CHECK_OK(zmq_getsockopt(router, ZMQ_RCVMORE, &more, &len));
    CHECK(more);
    CHECK_EQ(zmq_recv(router, buf, sizeof buf, 0), 0);
    CHECK_OK(zmq_getsockopt(router, ZMQ_RCVMORE, &more, &len));
    CHECK(!more);
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(router && dealer);

    int value = ZMQ_NOTIFY_CONNECT | ZMQ_NOTIFY_DISCONNECT;
    CHECK_ERR(zmq_setsockopt(dealer, ZMQ_ROUTER_NOTIFY, &value, sizeof value), EINVAL);
    int bad = 4;
    CHECK_ERR(zmq_setsockopt(router, ZMQ_ROUTER_NOTIFY, &bad, sizeof bad), EINVAL);
    bad = -1;
    CHECK_ERR(zmq_setsockopt(router, ZMQ_ROUTER_NOTIFY, &bad, sizeof bad), EINVAL);
    CHECK_OK(zmq_setsockopt(router, ZMQ_ROUTER_NOTIFY, &value, sizeof value));
    int got = -1;
    size_t len = sizeof got;
    CHECK_OK(zmq_getsockopt(router, ZMQ_ROUTER_NOTIFY, &got, &len));
    CHECK_EQ(got, value);

    int timeout = 2000;
    CHECK_OK(zmq_setsockopt(router, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_bind(router, "tcp://127.0.0.1:*"));
    char endpoint[256];
    len = sizeof endpoint;
    CHECK_OK(zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, endpoint, &len));

    CHECK_OK(zmq_setsockopt(dealer, ZMQ_ROUTING_ID, "D1", 2));
    CHECK_OK(zmq_connect(dealer, endpoint));
    /* Connect: the notice comes without the dealer sending anything. */
    recv_notice(router, "D1");
    tc_send_str(dealer, "hello", 0);
    char buf[64];
    CHECK_EQ(zmq_recv(router, buf, sizeof buf, 0), 2);
    tc_recv_str_eq(router, "hello", 0);

    /* Disconnect. */
    CHECK_OK(zmq_close(dealer));
    recv_notice(router, "D1");

    CHECK_OK(zmq_close(router));
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
