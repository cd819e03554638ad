/* The draft message and peer functions: zmq_msg_set_routing_id / zmq_msg_routing_id,
 * zmq_msg_set_group / zmq_msg_group (the 255-byte limit), zmq_msg_init_buffer,
 * zmq_socket_get_peer_state and zmq_connect_peer, with their errno values. Needs a
 * libzmq with the draft API (ZMQ_C_TESTS_LIBDIR in system mode). */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"
#include "test_net_util.h"

static void routing_ids(void) {
    zmq_msg_t m;
    CHECK_OK(zmq_msg_init(&m));
    CHECK_EQ(zmq_msg_routing_id(&m), 0);
    CHECK_ERR(zmq_msg_set_routing_id(&m, 0), EINVAL);
    CHECK_OK(zmq_msg_set_routing_id(&m, 42));
    CHECK_EQ(zmq_msg_routing_id(&m), 42);
    CHECK_OK(zmq_msg_set_routing_id(&m, 0xFFFFFFFFu));
    CHECK_EQ(zmq_msg_routing_id(&m), 0xFFFFFFFFu);
    /* A copy carries it. */
    zmq_msg_t copy;
    CHECK_OK(zmq_msg_init(&copy));
    CHECK_OK(zmq_msg_copy(&copy, &m));
    CHECK_EQ(zmq_msg_routing_id(&copy), 0xFFFFFFFFu);
    CHECK_OK(zmq_msg_close(&copy));
    CHECK_OK(zmq_msg_close(&m));
}

static void groups(void) {
    zmq_msg_t m;
    CHECK_OK(zmq_msg_init_size(&m, 3));
    CHECK(zmq_msg_group(&m) != NULL);
    CHECK_EQ(strlen(zmq_msg_group(&m)), 0);
    CHECK_OK(zmq_msg_set_group(&m, "weather"));
    CHECK(strcmp(zmq_msg_group(&m), "weather") == 0);
    /* Longer than libzmq's inline group (14 bytes) and up to the limit. */
    char group[300];
    memset(group, 'g', sizeof group);
    group[255] = 0;
    CHECK_OK(zmq_msg_set_group(&m, group));
    CHECK_EQ(strlen(zmq_msg_group(&m)), 255);
    CHECK(strcmp(zmq_msg_group(&m), group) == 0);
    /* 4.3.5 reads at most ZMQ_GROUP_MAX_LENGTH bytes: a longer group is cut there. */
    CHECK_EQ(ZMQ_GROUP_MAX_LENGTH, 255);
    group[255] = 'g';
    group[299] = 0;
    CHECK_OK(zmq_msg_set_group(&m, group));
    CHECK_EQ(strlen(zmq_msg_group(&m)), 255);
    CHECK_OK(zmq_msg_close(&m));
    /* (libzmq keeps showing a long group after a short one is set on the same message,
       so each case gets a fresh one.) */
    CHECK_OK(zmq_msg_init(&m));
    CHECK_OK(zmq_msg_set_group(&m, ""));
    CHECK_EQ(strlen(zmq_msg_group(&m)), 0);
    CHECK_OK(zmq_msg_close(&m));
    /* The group is not a property. */
    CHECK_OK(zmq_msg_init(&m));
    CHECK_OK(zmq_msg_set_group(&m, "weather"));
    CHECK_NULL_ERR(zmq_msg_gets(&m, "group"), EINVAL);
    CHECK_NULL_ERR(zmq_msg_gets(&m, ""), EINVAL);
    /* A copy carries it. */
    zmq_msg_t copy;
    CHECK_OK(zmq_msg_init(&copy));
    CHECK_OK(zmq_msg_copy(&copy, &m));
    CHECK(strcmp(zmq_msg_group(&copy), "weather") == 0);
    CHECK_OK(zmq_msg_close(&copy));
    CHECK_OK(zmq_msg_close(&m));
}

static void init_buffer(void) {
    char src[100];
    for (int i = 0; i < 100; i++)
        src[i] = (char) i;
    size_t sizes[] = {0, 1, 48, 100};
    for (size_t i = 0; i < 4; i++) {
        zmq_msg_t m;
        CHECK_OK(zmq_msg_init_buffer(&m, src, sizes[i]));
        CHECK_EQ(zmq_msg_size(&m), sizes[i]);
        if (sizes[i])
            CHECK(memcmp(zmq_msg_data(&m), src, sizes[i]) == 0);
        CHECK_OK(zmq_msg_close(&m));
    }
    /* A copy: changing the source afterwards does not change the message. */
    zmq_msg_t m;
    CHECK_OK(zmq_msg_init_buffer(&m, src, sizeof src));
    src[7] = 'X';
    CHECK_EQ(((char *) zmq_msg_data(&m))[7], 7);
    CHECK_OK(zmq_msg_close(&m));
    /* NULL with no bytes is allowed. */
    CHECK_OK(zmq_msg_init_buffer(&m, NULL, 0));
    CHECK_EQ(zmq_msg_size(&m), 0);
    CHECK_OK(zmq_msg_close(&m));
}

static void peer_state(void *ctx) {
    void *router = net_socket(ctx, ZMQ_ROUTER);
    void *dealer = net_socket(ctx, ZMQ_DEALER);
    CHECK_OK(zmq_setsockopt(dealer, ZMQ_ROUTING_ID, "D1", 2));
    net_set_int(router, ZMQ_SNDHWM, 1);
    net_set_int(dealer, ZMQ_RCVHWM, 1);
    CHECK_OK(zmq_bind(router, "inproc://peer-state"));
    CHECK_OK(zmq_connect(dealer, "inproc://peer-state"));
    tc_send_str(dealer, "hi", 0);
    char buf[16];
    CHECK_EQ(zmq_recv(router, buf, sizeof buf, 0), 2);
    CHECK_EQ(zmq_recv(router, buf, sizeof buf, 0), 2);
    CHECK_EQ(zmq_socket_get_peer_state(router, "D1", 2), ZMQ_POLLOUT);
    CHECK_ERR(zmq_socket_get_peer_state(router, "nobody", 6), EHOSTUNREACH);
    CHECK_ERR(zmq_socket_get_peer_state(router, "D", 1), EHOSTUNREACH);
    /* Fill the pipe to the peer (its limit is SNDHWM + the peer's RCVHWM). */
    net_set_int(router, ZMQ_ROUTER_MANDATORY, 1);
    int sent = 0;
    while (sent < 100) {
        if (zmq_send(router, "D1", 2, ZMQ_SNDMORE | ZMQ_DONTWAIT) != 2)
            break;
        CHECK_EQ(zmq_send(router, "x", 1, ZMQ_DONTWAIT), 1);
        sent++;
    }
    CHECK(sent > 0 && sent < 100);
    CHECK_EQ(zmq_socket_get_peer_state(router, "D1", 2), 0);
    /* Only ROUTER has peers by id. */
    CHECK_ERR(zmq_socket_get_peer_state(dealer, "D1", 2), ENOTSUP);
    void *server = zmq_socket(ctx, ZMQ_SERVER);
    CHECK_ERR(zmq_socket_get_peer_state(server, "D1", 2), ENOTSUP);
    CHECK_ERR(zmq_socket_get_peer_state(NULL, "D1", 2), ENOTSOCK);
    CHECK_OK(zmq_close(server));
    CHECK_OK(zmq_close(dealer));
    CHECK_OK(zmq_close(router));
}

static void connect_peer(void *ctx) {
    void *peer = zmq_socket(ctx, ZMQ_PEER);
    void *bound = zmq_socket(ctx, ZMQ_PEER);
    CHECK_OK(zmq_bind(bound, "inproc://connect-peer"));
    /* Ids differ per connection, and are never 0. */
    uint32_t a = zmq_connect_peer(peer, "inproc://connect-peer");
    uint32_t b = zmq_connect_peer(peer, "inproc://connect-peer");
    CHECK(a != 0 && b != 0 && a != b);
    /* Errors return 0 with errno. */
    errno = 0;
    CHECK_EQ(zmq_connect_peer(peer, "bogus://x"), 0);
    CHECK_EQ(zmq_errno(), EPROTONOSUPPORT);
    void *client = zmq_socket(ctx, ZMQ_CLIENT);
    errno = 0;
    CHECK_EQ(zmq_connect_peer(client, "inproc://connect-peer"), 0);
    CHECK_EQ(zmq_errno(), ENOTSUP);
    errno = 0;
    CHECK_EQ(zmq_connect_peer(NULL, "inproc://connect-peer"), 0);
    CHECK_EQ(zmq_errno(), ENOTSOCK);
    /* With ZMQ_IMMEDIATE there is no peer (and so no id) yet: EFAULT, as in libzmq. */
    void *immediate = zmq_socket(ctx, ZMQ_PEER);
    int one = 1;
    CHECK_OK(zmq_setsockopt(immediate, ZMQ_IMMEDIATE, &one, sizeof one));
    errno = 0;
    CHECK_EQ(zmq_connect_peer(immediate, "inproc://connect-peer"), 0);
    CHECK_EQ(zmq_errno(), EFAULT);
    CHECK_OK(zmq_close(immediate));
    CHECK_OK(zmq_close(client));
    CHECK_OK(zmq_close(bound));
    CHECK_OK(zmq_close(peer));
}

int main(void) {
    routing_ids();
    groups();
    init_buffer();
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    peer_state(ctx);
    connect_peer(ctx);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
