/* Draft socket options of libzmq 4.3.5, each doing what libzmq does:
 * Each part is compiled only where the header defines the option (the 4.3.4 draft
 * build's header has neither, so against it this test checks nothing yet).
 * - ZMQ_TOPICS_COUNT (new in 4.3.5): an XPUB/PUB's distinct subscribed
 *   topics, a SUB/XSUB's own; EINVAL for other types.
 * - ZMQ_BUSY_POLL (new in 4.3.5): SO_BUSY_POLL on the tcp socket (setting it needs CAP_NET_ADMIN:
 *   checked only as root).
 *
 * Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips this test; run it with
 *   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) cargo test --test c_api -- test_draft_sockopts
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_BUSY_POLL
#define SO_BUSY_POLL 46 /* Linux, asm-generic/socket.h */
#endif

static void *ctx;

#ifdef ZMQ_TOPICS_COUNT
static int topics_count(void *s) {
    int n = -1;
    size_t len = sizeof n;
    CHECK_OK(zmq_getsockopt(s, ZMQ_TOPICS_COUNT, &n, &len));
    CHECK_EQ(len, sizeof n);
    return n;
}

static void test_topics_count(void) {
    void *xpub = zmq_socket(ctx, ZMQ_XPUB);
    void *sub1 = zmq_socket(ctx, ZMQ_SUB);
    void *sub2 = zmq_socket(ctx, ZMQ_SUB);
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(xpub && sub1 && sub2 && dealer);
    int n;
    size_t len = sizeof n;
    CHECK_ERR(zmq_getsockopt(dealer, ZMQ_TOPICS_COUNT, &n, &len), EINVAL);
    CHECK_EQ(topics_count(xpub), 0);
    CHECK_EQ(topics_count(sub1), 0);

    CHECK_OK(zmq_bind(xpub, "inproc://topics"));
    CHECK_OK(zmq_connect(sub1, "inproc://topics"));
    CHECK_OK(zmq_connect(sub2, "inproc://topics"));
    CHECK_OK(zmq_setsockopt(sub1, ZMQ_SUBSCRIBE, "a", 1));
    CHECK_OK(zmq_setsockopt(sub1, ZMQ_SUBSCRIBE, "b", 1));
    CHECK_OK(zmq_setsockopt(sub1, ZMQ_SUBSCRIBE, "b", 1));
    CHECK_OK(zmq_setsockopt(sub2, ZMQ_SUBSCRIBE, "a", 1));
    CHECK_OK(zmq_setsockopt(sub2, ZMQ_SUBSCRIBE, "c", 1));
    /* sub1 holds two distinct topics (b twice), sub2 two. */
    CHECK_EQ(topics_count(sub1), 2);
    CHECK_EQ(topics_count(sub2), 2);
    /* The XPUB sees a, b, c (a from both): 3 distinct; it passes on 0x01a, 0x01b,
     * 0x01c (duplicates are not passed on without XPUB_VERBOSE). */
    char buf[8];
    for (int i = 0; i < 3; i++)
        CHECK_EQ(zmq_recv(xpub, buf, sizeof buf, 0), 2);
    CHECK_EQ(topics_count(xpub), 3);

    CHECK_OK(zmq_setsockopt(sub1, ZMQ_UNSUBSCRIBE, "b", 1));
    CHECK_EQ(topics_count(sub1), 2); /* b was subscribed twice */
    CHECK_OK(zmq_setsockopt(sub1, ZMQ_UNSUBSCRIBE, "b", 1));
    CHECK_EQ(topics_count(sub1), 1);
    CHECK_EQ(zmq_recv(xpub, buf, sizeof buf, 0), 2);
    CHECK_EQ(buf[0], 0);
    CHECK_EQ(topics_count(xpub), 2);

    CHECK_OK(zmq_close(xpub));
    CHECK_OK(zmq_close(sub1));
    CHECK_OK(zmq_close(sub2));
    CHECK_OK(zmq_close(dealer));
}

#endif

#ifdef ZMQ_BUSY_POLL
static void test_busy_poll(void) {
    void *server = zmq_socket(ctx, ZMQ_DEALER);
    void *client = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(server && client);
    int value = 37;
    CHECK_OK(zmq_setsockopt(client, ZMQ_BUSY_POLL, &value, sizeof value));
    value = 0;
    size_t len = sizeof value;
    /* libzmq 4.3.5's getter writes the value, then fails (no return in its case). */
    CHECK_ERR(zmq_getsockopt(client, ZMQ_BUSY_POLL, &value, &len), EINVAL);
    CHECK_EQ(value, 37);
    if (geteuid() != 0) {
        /* Raising SO_BUSY_POLL needs CAP_NET_ADMIN. */
        CHECK_OK(zmq_close(server));
        CHECK_OK(zmq_close(client));
        return;
    }
    CHECK_OK(zmq_bind(server, "tcp://127.0.0.1:*"));
    char endpoint[256];
    size_t endpoint_len = sizeof endpoint;
    CHECK_OK(zmq_getsockopt(server, ZMQ_LAST_ENDPOINT, endpoint, &endpoint_len));
    CHECK_OK(zmq_socket_monitor(client, "inproc://busy-mon", ZMQ_EVENT_CONNECTED));
    void *mon = zmq_socket(ctx, ZMQ_PAIR);
    CHECK_OK(zmq_connect(mon, "inproc://busy-mon"));
    CHECK_OK(zmq_connect(client, endpoint));
    unsigned char head[6];
    CHECK_EQ(zmq_recv(mon, head, sizeof head, 0), 6);
    uint32_t fd;
    memcpy(&fd, head + 2, 4);
    char rest[256];
    CHECK(zmq_recv(mon, rest, sizeof rest, 0) >= 0);
    int busy = -1;
    socklen_t busy_len = sizeof busy;
    CHECK_OK(getsockopt((int)fd, SOL_SOCKET, SO_BUSY_POLL, &busy, &busy_len));
    CHECK_EQ(busy, 37);
    CHECK_OK(zmq_close(mon));
    CHECK_OK(zmq_close(server));
    CHECK_OK(zmq_close(client));
}

#endif

int main(void) {
    ctx = zmq_ctx_new();
    CHECK(ctx);
#ifdef ZMQ_TOPICS_COUNT
    test_topics_count();
#endif
#ifdef ZMQ_BUSY_POLL
    test_busy_poll();
#endif
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
