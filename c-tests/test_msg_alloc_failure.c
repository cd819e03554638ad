/* Sizes that cannot be allocated fail with ENOMEM, as in libzmq, instead of ending the
 * process: zmq_msg_init_size, zmq_send and zmq_sendiov of SIZE_MAX or 2^62 bytes (the
 * storage is allocated before the caller's buffer is read, so a bogus pointer is never
 * touched), and a peer announcing a 2^62-byte frame (no MAXMSGSIZE) only loses its
 * connection. */
#include "common.h"

#include "test_net_util.h"

#include <sys/uio.h>

static void local_sizes(void *ctx) {
    const size_t sizes[] = {SIZE_MAX, (size_t) 1 << 62, SIZE_MAX - 64};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        zmq_msg_t m;
        CHECK_ERR(zmq_msg_init_size(&m, sizes[i]), ENOMEM);
    }

    void *push = zmq_socket(ctx, ZMQ_PUSH);
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    CHECK(push && pull);
    CHECK_OK(zmq_bind(pull, "inproc://alloc"));
    CHECK_OK(zmq_connect(push, "inproc://alloc"));
    const void *bogus = (const void *) (uintptr_t) 0x10;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        CHECK_ERR(zmq_send(push, bogus, sizes[i], ZMQ_DONTWAIT), ENOMEM);
        struct iovec iov = {(void *) bogus, sizes[i]};
        CHECK_ERR(zmq_sendiov(push, &iov, 1, ZMQ_DONTWAIT), ENOMEM);
    }
    /* The socket is unharmed. */
    tc_send_str(push, "still fine", 0);
    tc_recv_str_eq(pull, "still fine", 0);
    CHECK_OK(zmq_close(push));
    CHECK_OK(zmq_close(pull));
}

static void peer_announcing_a_huge_frame(void *ctx) {
    void *pull = net_socket(ctx, ZMQ_PULL);
    char ep[128];
    net_bind(pull, "tcp://127.0.0.1:*", ep, sizeof ep);

    int fd = net_raw_connect(ep);
    net_zmtp_handshake(fd, "PUSH");
    /* A long frame of 2^62 bytes, and the start of its body. */
    unsigned char frame[9 + 16] = {0x02, 0x40, 0, 0, 0, 0, 0, 0, 0};
    memset(frame + 9, 'x', 16);
    CHECK_EQ(write(fd, frame, sizeof frame), (ssize_t) sizeof frame);
    CHECK(net_raw_wait_closed(fd, 3000) >= 0);
    close(fd);

    /* Another peer is served as usual. */
    void *push = net_socket(ctx, ZMQ_PUSH);
    CHECK_OK(zmq_connect(push, ep));
    tc_send_str(push, "after", 0);
    tc_recv_str_eq(pull, "after", 0);
    CHECK_OK(zmq_close(push));
    CHECK_OK(zmq_close(pull));
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    local_sizes(ctx);
    peer_announcing_a_huge_frame(ctx);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
