/* The udp transport (draft): a RADIO connects to send datagrams (one byte of group
 * length, the group, the body), a DISH binds to receive them and keeps the groups it
 * joined. Unicast with group filtering, join and leave; a DISH binds `*`, an address or
 * an interface name (`lo`); errno: a RADIO cannot bind udp, a DISH cannot connect it
 * (ENOCOMPATPROTO), malformed addresses are EINVAL, an interface that does not resolve
 * ENODEV; multicast when the host has a route for it, also on the interface of
 * `iface;` (by name, address or `*`). IPv6: test_draft_udp_ipv6.c. DGRAM: two-part messages (the peer's "ip:port",
 * then the body) over a bound udp endpoint, both ways. Needs a libzmq with the draft API
 * (ZMQ_C_TESTS_LIBDIR in system mode). */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"
#include "test_net_util.h"
#include "test_radio_dish_util.h"
#include <unistd.h>




static int next_port(void) {
    static int seq = 0;
    return 20000 + (int) (getpid() % 2000) * 10 + seq++;
}

static void errnos(void *ctx) {
    void *radio = net_socket(ctx, ZMQ_RADIO);
    void *dish = net_socket(ctx, ZMQ_DISH);
    char ep[64];
    snprintf(ep, sizeof ep, "udp://127.0.0.1:%d", next_port());
    /* RADIO only sends (connect), DISH only receives (bind). */
    CHECK_ERR(zmq_bind(radio, ep), ENOCOMPATPROTO);
    CHECK_ERR(zmq_connect(dish, ep), ENOCOMPATPROTO);
    /* No port, a bad port, an interface with a unicast address. */
    CHECK_ERR(zmq_bind(dish, "udp://127.0.0.1"), EINVAL);
    CHECK_ERR(zmq_connect(radio, "udp://127.0.0.1:port"), EINVAL);
    CHECK_ERR(zmq_connect(radio, "udp://127.0.0.1"), EINVAL);
    CHECK_ERR(zmq_bind(dish, "udp://127.0.0.1;127.0.0.1:5555"), EINVAL);
    CHECK_ERR(zmq_connect(radio, "udp://lo;127.0.0.1:5555"), EINVAL);
    /* An interface that is a multicast address, or no interface at all. */
    CHECK_ERR(zmq_bind(dish, "udp://239.0.0.2;239.0.0.1:5555"), EINVAL);
    CHECK_ERR(zmq_bind(dish, "udp://nonic0;239.0.0.1:5555"), ENODEV);
    CHECK_ERR(zmq_connect(radio, "udp://nonic0;239.0.0.1:5555"), ENODEV);
    CHECK_ERR(zmq_connect(radio, "udp://;239.0.0.1:5555"), ENODEV);
    /* A peer is never `*` nor any port; ports are read as atoi reads them. */
    CHECK_ERR(zmq_connect(radio, "udp://*:5555"), EINVAL);
    CHECK_ERR(zmq_connect(radio, "udp://127.0.0.1:*"), EINVAL);
    CHECK_ERR(zmq_connect(radio, "udp://127.0.0.1:65536"), EINVAL);
    snprintf(ep, sizeof ep, "udp://127.0.0.1:%dx", next_port());
    CHECK_OK(zmq_connect(radio, ep));
    /* A bind takes any port. */
    CHECK_OK(zmq_bind(dish, "udp://127.0.0.1:*"));
    CHECK_OK(zmq_close(radio));
    CHECK_OK(zmq_close(dish));
}

static void unicast(void *ctx, const char *bind_host) {
    void *radio = net_socket(ctx, ZMQ_RADIO);
    void *dish = net_socket(ctx, ZMQ_DISH);
    int port = next_port();
    char bind_ep[64], connect_ep[64];
    snprintf(bind_ep, sizeof bind_ep, "udp://%s:%d", bind_host, port);
    snprintf(connect_ep, sizeof connect_ep, "udp://127.0.0.1:%d", port);
    CHECK_OK(zmq_join(dish, "TV"));
    CHECK_OK(zmq_bind(dish, bind_ep));
    CHECK_OK(zmq_connect(radio, connect_ep));
    /* LAST_ENDPOINT is the address without "udp://", as libzmq reports it. */
    char last[64];
    size_t last_len = sizeof last;
    CHECK_OK(zmq_getsockopt(dish, ZMQ_LAST_ENDPOINT, last, &last_len));
    CHECK(strcmp(last, bind_ep + 6) == 0);
    last_len = sizeof last;
    CHECK_OK(zmq_getsockopt(radio, ZMQ_LAST_ENDPOINT, last, &last_len));
    CHECK(strcmp(last, connect_ep + 6) == 0);
    if (!await_probe(radio, dish, "TV", 5000))
        TC_FAIL("no datagram reached %s", bind_ep);

    /* Only the groups joined arrive, with their group. */
    radio_send(radio, "Radio", "not for us");
    radio_send(radio, "T", "a prefix is not a match");
    radio_send(radio, "TV", "News");
    dish_recv(dish, "TV", "News");

    /* A group joined later, the longest group, an empty body. libzmq (4.3.4 and
     * 4.3.5) reads the group length byte as a signed char: a group above 127 bytes
     * aborts its receiving udp engine, so against it the longest group is 127. */
    CHECK_OK(zmq_join(dish, "Movies"));
    char longest[256];
    size_t longest_len = tc_system_mode() ? 127 : 255;
    memset(longest, 'g', longest_len);
    longest[longest_len] = 0;
    CHECK_OK(zmq_join(dish, longest));
    radio_send(radio, "Movies", "Godfather");
    radio_send(radio, longest, "long");
    radio_send(radio, "TV", "");
    dish_recv(dish, "Movies", "Godfather");
    dish_recv(dish, longest, "long");
    dish_recv(dish, "TV", "");

    /* After a leave, nothing of that group arrives. */
    CHECK_OK(zmq_leave(dish, "Movies"));
    radio_send(radio, "Movies", "Godfather II");
    radio_send(radio, "TV", "Weather");
    dish_recv(dish, "TV", "Weather");

    /* Nothing else is left. */
    net_set_int(dish, ZMQ_RCVTIMEO, 100);
    zmq_msg_t m;
    CHECK_OK(zmq_msg_init(&m));
    CHECK_ERR(zmq_msg_recv(&m, dish, 0), EAGAIN);
    CHECK_OK(zmq_msg_close(&m));

    /* A RADIO's udp connect can be ended by name; libzmq files a DISH's udp bind
     * under an empty name, so unbind never finds it (ENOENT). */
    CHECK_OK(zmq_disconnect(radio, connect_ep));
    CHECK_ERR(zmq_unbind(dish, bind_ep), ENOENT);
    CHECK_OK(zmq_close(radio));
    CHECK_OK(zmq_close(dish));
}

/* Multicast, joined and sent on the interface `iface` names ("" for the kernel's
 * choice); skipped when the host cannot route it. */
static void multicast(void *ctx, const char *iface) {
    void *radio = net_socket(ctx, ZMQ_RADIO);
    void *dish = net_socket(ctx, ZMQ_DISH);
    char ep[64];
    snprintf(ep, sizeof ep, "udp://%s239.0.0.77:%d", iface, next_port());
    CHECK_OK(zmq_join(dish, "TV"));
    net_set_int(radio, ZMQ_MULTICAST_LOOP, 1);
    net_set_int(radio, ZMQ_MULTICAST_HOPS, 1);
    if (zmq_bind(dish, ep) != 0) {
        printf("skipped multicast: bind %s: %s\n", ep, zmq_strerror(zmq_errno()));
    } else {
        CHECK_OK(zmq_connect(radio, ep));
        if (!await_probe(radio, dish, "TV", 2000)) {
            printf("skipped multicast: no datagram looped back on %s\n", ep);
        } else {
            radio_send(radio, "Radio", "not for us");
            radio_send(radio, "TV", "News");
            dish_recv(dish, "TV", "News");
        }
    }
    CHECK_OK(zmq_close(radio));
    CHECK_OK(zmq_close(dish));
}

/* Sends "ip:port" then `body` from a DGRAM socket. */
static void dgram_send(void *s, const char *to, const char *body) {
    CHECK_EQ(zmq_send(s, to, strlen(to), ZMQ_SNDMORE), (int) strlen(to));
    CHECK_EQ(zmq_send(s, body, strlen(body), 0), (int) strlen(body));
}

/* Receives one datagram: the sender's address (MORE; "ip:port" and a NUL, as libzmq
 * writes it) into `from`, then the body, which must be `body`; 0 on a timeout. */
static int dgram_recv(void *s, char *from, size_t from_size, const char *body) {
    int n = zmq_recv(s, from, from_size - 1, 0);
    if (n < 0) {
        CHECK_EQ(zmq_errno(), EAGAIN);
        return 0;
    }
    from[n] = 0;
    CHECK_EQ(n, (int) strlen(from) + 1);
    int more = net_get_int(s, ZMQ_RCVMORE);
    CHECK_EQ(more, 1);
    char got[64];
    n = zmq_recv(s, got, sizeof got, 0);
    CHECK_EQ(n, (int) strlen(body));
    CHECK(memcmp(got, body, (size_t) n) == 0);
    CHECK_EQ(net_get_int(s, ZMQ_RCVMORE), 0);
    return 1;
}

static void dgram(void *ctx) {
    void *a = net_socket(ctx, ZMQ_DGRAM);
    void *b = net_socket(ctx, ZMQ_DGRAM);
    CHECK_EQ(net_get_int(a, ZMQ_THREAD_SAFE), 0);
    int port_a = next_port(), port_b = next_port();
    char ep_a[64], ep_b[64], to_b[64];
    snprintf(ep_a, sizeof ep_a, "udp://127.0.0.1:%d", port_a);
    snprintf(ep_b, sizeof ep_b, "udp://127.0.0.1:%d", port_b);
    snprintf(to_b, sizeof to_b, "127.0.0.1:%d", port_b);
    /* A DGRAM binds (sends and receives there); connecting udp is RADIO's only. */
    CHECK_ERR(zmq_connect(a, ep_b), ENOCOMPATPROTO);
    /* DGRAM over tcp/ipc/inproc (a raw engine, one peer) is test_draft_dgram_stream.c. */
    CHECK_OK(zmq_bind(a, ep_a));
    CHECK_OK(zmq_bind(b, ep_b));

    /* The first part is the address (MORE), the second the body (no MORE). */
    CHECK_ERR(zmq_send(a, "body", 4, 0), EINVAL);
    CHECK_EQ(zmq_send(a, to_b, strlen(to_b), ZMQ_SNDMORE), (int) strlen(to_b));
    CHECK_ERR(zmq_send(a, "body", 4, ZMQ_SNDMORE), EINVAL);
    CHECK_EQ(zmq_send(a, "first", 5, 0), 5);

    /* Until b's endpoint is running, a datagram may be lost: retry. */
    char from[64];
    net_set_int(b, ZMQ_RCVTIMEO, 50);
    int64_t give_up = tc_now_ms() + 5000;
    while (!dgram_recv(b, from, sizeof from, "first")) {
        if (tc_now_ms() > give_up)
            TC_FAIL("no datagram reached %s", ep_b);
        dgram_send(a, to_b, "first");
    }
    char want[64];
    snprintf(want, sizeof want, "127.0.0.1:%d", port_a);
    CHECK(strcmp(from, want) == 0);

    /* The reply goes to the address received. */
    net_set_int(a, ZMQ_RCVTIMEO, 5000);
    char retry[64];
    while (dgram_recv(b, retry, sizeof retry, "first")) /* drain the retries */
        ;
    dgram_send(b, from, "reply");
    char from_b[64];
    CHECK(dgram_recv(a, from_b, sizeof from_b, "reply"));
    CHECK(strcmp(from_b, to_b) == 0);
    /* An empty body, and an address that is no IPv4 address (dropped). */
    dgram_send(b, "not an address", "lost");
    dgram_send(b, from, "");
    CHECK(dgram_recv(a, from_b, sizeof from_b, ""));
    CHECK_OK(zmq_close(a));
    CHECK_OK(zmq_close(b));
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    errnos(ctx);
    unicast(ctx, "127.0.0.1");
    unicast(ctx, "*");
    unicast(ctx, "lo");
    /* By name (not DNS) since libzmq 4.3.5; 4.3.4 took numeric addresses only. */
    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    if (major * 10000 + minor * 100 + patch >= 40305) {
        unicast(ctx, "localhost");
    } else {
        void *dish = net_socket(ctx, ZMQ_DISH);
        CHECK_ERR(zmq_bind(dish, "udp://localhost:5555"), ENODEV);
        CHECK_OK(zmq_close(dish));
    }
    multicast(ctx, "");
    multicast(ctx, "*;");
    multicast(ctx, "127.0.0.1;");
    multicast(ctx, "lo;");
    dgram(ctx);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
