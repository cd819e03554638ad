/* The draft thread-safe socket types SERVER, CLIENT, SCATTER, GATHER, PEER and CHANNEL,
 * each over inproc, tcp and ipc: routing ids, single-part messages only, who may send
 * and receive, ZMQ_FD refused and ZMQ_THREAD_SAFE set, and which types may talk over
 * ZMTP. Needs a libzmq with the draft API (ZMQ_C_TESTS_LIBDIR in system mode). */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"
#include "test_net_util.h"

/* Binds `s` on the transport (inproc, tcp, ipc) and returns the endpoint to connect. */
static void bind_on(void *s, const char *transport, char *ep, size_t epsz) {
    static int seq = 0;
    char want[128];
    if (strcmp(transport, "inproc") == 0)
        snprintf(want, sizeof want, "inproc://draft-types-%d", seq++);
    else if (strcmp(transport, "tcp") == 0)
        snprintf(want, sizeof want, "tcp://127.0.0.1:*");
    else
        net_ipc_ep(want, sizeof want, "draft");
    net_bind(s, want, ep, epsz);
}

/* Receives one frame into a message; returns it (caller closes). */
static void recv_msg(void *s, zmq_msg_t *m, const char *expect) {
    CHECK_OK(zmq_msg_init(m));
    int n = zmq_msg_recv(m, s, 0);
    if (n < 0)
        TC_FAIL("zmq_msg_recv (expecting \"%s\"): errno %d (%s)", expect, zmq_errno(),
                zmq_strerror(zmq_errno()));
    CHECK_EQ(n, (int) strlen(expect));
    CHECK(memcmp(zmq_msg_data(m), expect, (size_t) n) == 0);
    CHECK_EQ(zmq_msg_more(m), 0);
}

static void send_to(void *s, uint32_t routing_id, const char *text) {
    zmq_msg_t m;
    CHECK_OK(zmq_msg_init_size(&m, strlen(text)));
    memcpy(zmq_msg_data(&m), text, strlen(text));
    if (routing_id)
        CHECK_OK(zmq_msg_set_routing_id(&m, routing_id));
    CHECK_EQ(zmq_msg_send(&m, s, 0), (int) strlen(text));
}

static void check_thread_safe_socket(void *s) {
    CHECK_EQ(net_get_int(s, ZMQ_THREAD_SAFE), 1);
    int fd = 0;
    size_t sz = sizeof fd;
    CHECK_ERR(zmq_getsockopt(s, ZMQ_FD, &fd, &sz), EINVAL);
    /* ZMQ_EVENTS still works. */
    (void) net_get_int(s, ZMQ_EVENTS);
}

static void server_client(void *ctx, const char *transport) {
    void *server = net_socket(ctx, ZMQ_SERVER);
    void *client = net_socket(ctx, ZMQ_CLIENT);
    check_thread_safe_socket(server);
    check_thread_safe_socket(client);
    char ep[256];
    bind_on(server, transport, ep, sizeof ep);
    CHECK_OK(zmq_connect(client, ep));

    /* A message to a SERVER arrives tagged with the peer's routing id, never 0. */
    tc_send_str(client, "hello", 0);
    zmq_msg_t m;
    recv_msg(server, &m, "hello");
    uint32_t id = zmq_msg_routing_id(&m);
    CHECK(id != 0);
    CHECK_OK(zmq_msg_close(&m));

    /* The reply goes to the peer the routing id names; the CLIENT's copy has none. */
    send_to(server, id, "world");
    recv_msg(client, &m, "world");
    CHECK_EQ(zmq_msg_routing_id(&m), 0);
    CHECK_OK(zmq_msg_close(&m));

    /* The same peer keeps its id. */
    tc_send_str(client, "again", 0);
    recv_msg(server, &m, "again");
    CHECK_EQ(zmq_msg_routing_id(&m), id);
    CHECK_OK(zmq_msg_close(&m));

    /* No routing id, or an unknown one: EHOSTUNREACH. */
    CHECK_ERR(zmq_send(server, "x", 1, 0), EHOSTUNREACH);
    zmq_msg_t bad;
    CHECK_OK(zmq_msg_init_size(&bad, 1));
    CHECK_OK(zmq_msg_set_routing_id(&bad, id + 1));
    CHECK_ERR(zmq_msg_send(&bad, server, 0), EHOSTUNREACH);
    CHECK_OK(zmq_msg_close(&bad));

    /* Single-part only. */
    CHECK_ERR(zmq_send(client, "x", 1, ZMQ_SNDMORE), EINVAL);
    CHECK_OK(zmq_msg_init_size(&bad, 1));
    CHECK_OK(zmq_msg_set_routing_id(&bad, id));
    CHECK_ERR(zmq_msg_send(&bad, server, ZMQ_SNDMORE), EINVAL);
    CHECK_OK(zmq_msg_close(&bad));

    /* Nothing left over. */
    char buf[16];
    CHECK_ERR(zmq_recv(server, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERR(zmq_recv(client, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);

    CHECK_OK(zmq_close(client));
    CHECK_OK(zmq_close(server));
}

/* CLIENT load-balances over its peers; each SERVER sees its own peer id. */
static void client_load_balances(void *ctx, const char *transport) {
    void *a = net_socket(ctx, ZMQ_SERVER);
    void *b = net_socket(ctx, ZMQ_SERVER);
    void *client = net_socket(ctx, ZMQ_CLIENT);
    char ep_a[256], ep_b[256];
    bind_on(a, transport, ep_a, sizeof ep_a);
    bind_on(b, transport, ep_b, sizeof ep_b);
    CHECK_OK(zmq_connect(client, ep_a));
    CHECK_OK(zmq_connect(client, ep_b));
    if (strcmp(transport, "inproc") != 0)
        tc_sleep_ms(200); /* both connections up, so both get a turn */
    for (int i = 0; i < 4; i++)
        tc_send_str(client, "lb", 0);
    zmq_msg_t m;
    for (int i = 0; i < 2; i++) {
        recv_msg(a, &m, "lb");
        CHECK_OK(zmq_msg_close(&m));
        recv_msg(b, &m, "lb");
        CHECK_OK(zmq_msg_close(&m));
    }
    CHECK_OK(zmq_close(client));
    CHECK_OK(zmq_close(a));
    CHECK_OK(zmq_close(b));
}

static void scatter_gather(void *ctx, const char *transport) {
    void *scatter = net_socket(ctx, ZMQ_SCATTER);
    void *g1 = net_socket(ctx, ZMQ_GATHER);
    void *g2 = net_socket(ctx, ZMQ_GATHER);
    check_thread_safe_socket(scatter);
    check_thread_safe_socket(g1);
    char ep[256];
    bind_on(scatter, transport, ep, sizeof ep);
    CHECK_OK(zmq_connect(g1, ep));
    CHECK_OK(zmq_connect(g2, ep));
    if (strcmp(transport, "inproc") != 0)
        tc_sleep_ms(200);
    /* Round-robin: two each. */
    for (int i = 0; i < 4; i++)
        tc_send_str(scatter, "part", 0);
    for (int i = 0; i < 2; i++) {
        tc_recv_str_eq(g1, "part", 0);
        tc_recv_str_eq(g2, "part", 0);
    }
    char buf[16];
    CHECK_ERR(zmq_recv(scatter, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERR(zmq_send(g1, "x", 1, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERR(zmq_send(scatter, "x", 1, ZMQ_SNDMORE), EINVAL);
    CHECK_OK(zmq_close(g1));
    CHECK_OK(zmq_close(g2));
    CHECK_OK(zmq_close(scatter));
}

static void peer_peer(void *ctx, const char *transport) {
    void *p1 = net_socket(ctx, ZMQ_PEER);
    void *p2 = net_socket(ctx, ZMQ_PEER);
    check_thread_safe_socket(p1);
    char ep[256];
    bind_on(p1, transport, ep, sizeof ep);
    /* connect_peer tells the id of the new peer, so p2 can speak first. */
    uint32_t to_p1 = zmq_connect_peer(p2, ep);
    CHECK(to_p1 != 0);
    send_to(p2, to_p1, "ping");
    zmq_msg_t m;
    recv_msg(p1, &m, "ping");
    uint32_t to_p2 = zmq_msg_routing_id(&m);
    CHECK(to_p2 != 0);
    CHECK_OK(zmq_msg_close(&m));
    send_to(p1, to_p2, "pong");
    recv_msg(p2, &m, "pong");
    CHECK_EQ(zmq_msg_routing_id(&m), to_p1);
    CHECK_OK(zmq_msg_close(&m));
    CHECK_ERR(zmq_send(p1, "x", 1, 0), EHOSTUNREACH);
    CHECK_OK(zmq_close(p2));
    CHECK_OK(zmq_close(p1));
}

static void channel_channel(void *ctx, const char *transport) {
    void *c1 = net_socket(ctx, ZMQ_CHANNEL);
    void *c2 = net_socket(ctx, ZMQ_CHANNEL);
    check_thread_safe_socket(c1);
    char ep[256];
    bind_on(c1, transport, ep, sizeof ep);
    CHECK_OK(zmq_connect(c2, ep));
    tc_send_str(c2, "one", 0);
    tc_recv_str_eq(c1, "one", 0);
    tc_send_str(c1, "two", 0);
    tc_recv_str_eq(c2, "two", 0);
    CHECK_ERR(zmq_send(c1, "x", 1, ZMQ_SNDMORE), EINVAL);
    CHECK_OK(zmq_close(c2));
    CHECK_OK(zmq_close(c1));
}

/* Over ZMTP a peer of the wrong type is refused in the handshake: nothing flows. */
static void incompatible_types(void *ctx) {
    static const int pairs[][2] = {
        {ZMQ_SERVER, ZMQ_DEALER}, {ZMQ_ROUTER, ZMQ_CLIENT},  {ZMQ_SERVER, ZMQ_SERVER},
        {ZMQ_GATHER, ZMQ_PUSH},   {ZMQ_PULL, ZMQ_SCATTER},   {ZMQ_PEER, ZMQ_CLIENT},
        {ZMQ_CHANNEL, ZMQ_PAIR},  {ZMQ_SERVER, ZMQ_CHANNEL},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        void *bound = net_socket(ctx, pairs[i][0]);
        void *connecting = net_socket(ctx, pairs[i][1]);
        net_set_int(bound, ZMQ_RCVTIMEO, 300);
        char ep[256];
        net_bind(bound, "tcp://127.0.0.1:*", ep, sizeof ep);
        CHECK_OK(zmq_connect(connecting, ep));
        /* The connecting side queues (no ZMQ_IMMEDIATE); the bound side never sees it. */
        if (pairs[i][1] == ZMQ_PEER || pairs[i][1] == ZMQ_SERVER) {
            /* needs a routing id, which it has no way to know: nothing to send */
        } else {
            zmq_send(connecting, "x", 1, ZMQ_DONTWAIT);
        }
        char buf[16];
        if (pairs[i][0] != ZMQ_PUSH)
            CHECK_ERR(zmq_recv(bound, buf, sizeof buf, 0), EAGAIN);
        CHECK_OK(zmq_close(connecting));
        CHECK_OK(zmq_close(bound));
    }
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    static const char *transports[] = {"inproc", "tcp", "ipc"};
    for (int t = 0; t < 3; t++) {
        server_client(ctx, transports[t]);
        client_load_balances(ctx, transports[t]);
        scatter_gather(ctx, transports[t]);
        peer_peer(ctx, transports[t]);
        channel_channel(ctx, transports[t]);
    }
    incompatible_types(ctx);

    /* The classic types say they are not thread-safe. */
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    CHECK_EQ(net_get_int(dealer, ZMQ_THREAD_SAFE), 0);
    CHECK_OK(zmq_close(dealer));

    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
