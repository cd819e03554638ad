/* ZMQ_HICCUP_MSG (draft, libzmq 4.3.5 session_base.cpp): a connecting DEALER (or
 * CLIENT, PEER) whose tcp connection, handshake done, is lost receives the hiccup
 * message, once per loss; nothing before the first connection.
 *
 * Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips this test; run it with
 *   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) cargo test --test c_api -- test_draft_hiccup_msg
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

int main(void) {
#ifdef ZMQ_HICCUP_MSG
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *server = zmq_socket(ctx, ZMQ_ROUTER);
    void *client = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(server && client);
    CHECK_OK(zmq_setsockopt(client, ZMQ_HICCUP_MSG, "HICCUP", 6));
    int timeout = 2000;
    CHECK_OK(zmq_setsockopt(client, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_setsockopt(server, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    int linger = 0;
    CHECK_OK(zmq_setsockopt(server, ZMQ_LINGER, &linger, sizeof linger));
    CHECK_OK(zmq_bind(server, "tcp://127.0.0.1:*"));
    char endpoint[256];
    size_t len = sizeof endpoint;
    CHECK_OK(zmq_getsockopt(server, ZMQ_LAST_ENDPOINT, endpoint, &len));
    CHECK_OK(zmq_connect(client, endpoint));

    /* The handshake is done once a message went through. */
    tc_send_str(client, "ping", 0);
    char id[256];
    int id_len = zmq_recv(server, id, sizeof id, 0);
    CHECK(id_len > 0);
    tc_recv_str_eq(server, "ping", 0);

    /* The connection is lost: the hiccup message arrives. */
    CHECK_OK(zmq_close(server));
    tc_recv_str_eq(client, "HICCUP", 0);
    /* Once. */
    timeout = 200;
    CHECK_OK(zmq_setsockopt(client, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    char buf[16];
    CHECK_ERR(zmq_recv(client, buf, sizeof buf, 0), EAGAIN);

    CHECK_OK(zmq_close(client));
    CHECK_OK(zmq_ctx_term(ctx));
#endif
    return 0;
}
