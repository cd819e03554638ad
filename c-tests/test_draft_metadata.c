/* ZMQ_METADATA (draft, libzmq 4.3.5 options.cpp, mechanism.cpp): "X-name:value" adds an
 * application property to the handshake; the peer reads it on every message it gets
 * from the connection with zmq_msg_gets. Both directions, several properties, a value
 * holding ':'; the first value set for a name is the one kept (a map insert). Refused
 * (EINVAL): no ':', an empty name or value, a name not starting "X-", and any 4-byte
 * value (libzmq takes an int-sized value for an int first).
 *
 * Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips this test; run it with
 *   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) cargo test --test c_api -- test_draft_metadata
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

#ifdef ZMQ_METADATA
static void set_meta(void *s, const char *text) {
    CHECK_OK(zmq_setsockopt(s, ZMQ_METADATA, text, strlen(text)));
}

/* Receives one frame and checks a property of it (NULL: absent). */
static void expect_property(zmq_msg_t *msg, const char *name, const char *value) {
    const char *got = zmq_msg_gets(msg, name);
    if (!value) {
        CHECK(got == NULL);
        CHECK_EQ(zmq_errno(), EINVAL);
        return;
    }
    if (!got)
        TC_FAIL("property %s: missing (errno %d)", name, zmq_errno());
    if (strcmp(got, value) != 0)
        TC_FAIL("property %s: \"%s\", expected \"%s\"", name, got, value);
}

static void recv_frame(void *s, zmq_msg_t *msg, const char *body) {
    CHECK_OK(zmq_msg_init(msg));
    int n = zmq_msg_recv(msg, s, 0);
    CHECK_EQ(n, (int) strlen(body));
    CHECK(memcmp(zmq_msg_data(msg), body, (size_t) n) == 0);
}
#endif

int main(void) {
#ifdef ZMQ_METADATA
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(router && dealer);

    const char *refused[] = {"X-nocolon", ":value", "X-name:", "Name:value", "x-low:v",
                             "X-:v"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        CHECK_ERR(zmq_setsockopt(dealer, ZMQ_METADATA, refused[i], strlen(refused[i])),
                  EINVAL);

    set_meta(dealer, "X-Color:red");
    set_meta(dealer, "X-Url:tcp://host:1");
    set_meta(dealer, "X-Color:blue"); /* the first value stays */
    set_meta(router, "X-Role:server");
    CHECK_OK(zmq_setsockopt(dealer, ZMQ_ROUTING_ID, "D1", 2));
    int timeout = 2000;
    CHECK_OK(zmq_setsockopt(router, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_setsockopt(dealer, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_bind(router, "tcp://127.0.0.1:*"));
    char endpoint[256];
    size_t len = sizeof endpoint;
    CHECK_OK(zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, endpoint, &len));
    CHECK_OK(zmq_connect(dealer, endpoint));

    tc_send_str(dealer, "hello", 0);
    zmq_msg_t msg;
    recv_frame(router, &msg, "D1");
    CHECK_OK(zmq_msg_close(&msg));
    recv_frame(router, &msg, "hello");
    expect_property(&msg, "X-Color", "red");
    expect_property(&msg, "X-Url", "tcp://host:1");
    expect_property(&msg, "X-Role", NULL);
    expect_property(&msg, "Socket-Type", "DEALER");
    CHECK_OK(zmq_msg_close(&msg));

    tc_send_str(router, "D1", ZMQ_SNDMORE);
    tc_send_str(router, "back", 0);
    recv_frame(dealer, &msg, "back");
    expect_property(&msg, "X-Role", "server");
    expect_property(&msg, "X-Color", NULL);
    CHECK_OK(zmq_msg_close(&msg));

    CHECK_OK(zmq_close(router));
    CHECK_OK(zmq_close(dealer));
    CHECK_OK(zmq_ctx_term(ctx));
#endif
    return 0;
}
