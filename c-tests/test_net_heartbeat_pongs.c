/* Heartbeats: every PING gets its own PONG echoing its context, also when several
 * PINGs arrive in one read (a raw ZMTP 3.1 peer writes them back to back). */
#include "common.h"

#include "test_net_util.h"

/* Appends a PING command frame (TTL 0) with `context` to buf; returns the new length. */
static size_t put_ping(unsigned char *buf, size_t n, const char *context) {
    size_t cl = strlen(context);
    buf[n++] = 0x04; /* command, short */
    buf[n++] = (unsigned char) (1 + 4 + 2 + cl);
    buf[n++] = 4;
    memcpy(buf + n, "PING", 4);
    n += 4;
    buf[n++] = 0;
    buf[n++] = 0;
    memcpy(buf + n, context, cl);
    return n + cl;
}

/* Reads the next frame, which must be a PONG with `context`. */
static void expect_pong(int fd, const char *context) {
    unsigned char hdr[2];
    CHECK_OK(net_raw_read_n(fd, hdr, 2, 2000));
    CHECK_EQ(hdr[0], 0x04);
    unsigned char body[256];
    CHECK_OK(net_raw_read_n(fd, body, hdr[1], 2000));
    size_t cl = strlen(context);
    CHECK_EQ(hdr[1], 5 + cl);
    CHECK(body[0] == 4 && memcmp(body + 1, "PONG", 4) == 0);
    if (memcmp(body + 5, context, cl) != 0)
        TC_FAIL("PONG context \"%.*s\", expected \"%s\"", (int) cl, body + 5, context);
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *dealer = net_socket(ctx, ZMQ_DEALER);
    char ep[128];
    net_bind(dealer, "tcp://127.0.0.1:*", ep, sizeof ep);

    int fd = net_raw_connect(ep);
    net_zmtp_handshake(fd, "DEALER");

    unsigned char pings[128];
    size_t n = put_ping(pings, 0, "first");
    n = put_ping(pings, n, "second");
    CHECK_EQ(write(fd, pings, n), (ssize_t) n);
    expect_pong(fd, "first");
    expect_pong(fd, "second");

    /* Three at once, then a message: the connection is still fine. */
    n = put_ping(pings, 0, "a");
    n = put_ping(pings, n, "b");
    n = put_ping(pings, n, "c");
    pings[n++] = 0x00; /* message, last frame */
    pings[n++] = 5;
    memcpy(pings + n, "hello", 5);
    n += 5;
    CHECK_EQ(write(fd, pings, n), (ssize_t) n);
    expect_pong(fd, "a");
    expect_pong(fd, "b");
    expect_pong(fd, "c");
    tc_recv_str_eq(dealer, "hello", 0);

    close(fd);
    zmq_close(dealer);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
