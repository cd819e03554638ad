/* zmq_getsockopt buffer sizes. The options a libzmq socket answers itself (RCVMORE,
 * EVENTS, FD, THREAD_SAFE, LAST_ENDPOINT) take a buffer at least as large as the value:
 * the value is written, the rest zeroed and *optvallen set to the value's size (the
 * Rust `zmq` crate and callers passing an int64_t rely on it). The options of libzmq's
 * per-socket option store need exactly their size, except strings and ROUTING_ID. */
#include "common.h"

#include <limits.h>

/* Reads an int-valued option into an int64_t buffer pre-filled with junk. */
static int64_t get_into_i64(void *s, int opt) {
    int64_t v;
    memset(&v, 0x55, sizeof v);
    size_t l = sizeof v;
    CHECK_OK(zmq_getsockopt(s, opt, &v, &l));
    CHECK_EQ(l, sizeof(int));
    return v;
}

static int get_int(void *s, int opt) {
    int v = INT_MIN;
    size_t l = sizeof v;
    CHECK_OK(zmq_getsockopt(s, opt, &v, &l));
    CHECK_EQ(l, sizeof v);
    return v;
}

static void socket_level_options_take_larger_buffers(void *ctx) {
    void *a = zmq_socket(ctx, ZMQ_PAIR);
    void *b = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(a && b);
    CHECK_OK(zmq_bind(a, "inproc://sizes"));
    CHECK_OK(zmq_connect(b, "inproc://sizes"));

    tc_send_str(a, "one", ZMQ_SNDMORE);
    tc_send_str(a, "two", 0);
    tc_recv_str_eq(b, "one", 0);

    /* Little-endian int64: the zeroed upper half makes it read as the int. */
    CHECK_EQ(get_into_i64(b, ZMQ_RCVMORE), 1);
    CHECK_EQ(get_into_i64(b, ZMQ_EVENTS), get_int(b, ZMQ_EVENTS));
    CHECK((get_into_i64(b, ZMQ_EVENTS) & ZMQ_POLLIN) != 0);
    CHECK_EQ(get_into_i64(b, ZMQ_FD), get_int(b, ZMQ_FD));
    CHECK_EQ(get_into_i64(b, ZMQ_THREAD_SAFE), 0);
    tc_recv_str_eq(b, "two", 0);
    CHECK_EQ(get_into_i64(b, ZMQ_RCVMORE), 0);

    /* A much larger buffer: the tail is zeroed. */
    unsigned char big[32];
    memset(big, 0x55, sizeof big);
    size_t l = sizeof big;
    CHECK_OK(zmq_getsockopt(b, ZMQ_THREAD_SAFE, big, &l));
    CHECK_EQ(l, sizeof(int));
    for (size_t i = 0; i < sizeof big; i++)
        CHECK_EQ(big[i], 0);

    /* A smaller one is still EINVAL. */
    const int opts[] = {ZMQ_RCVMORE, ZMQ_EVENTS, ZMQ_FD, ZMQ_THREAD_SAFE};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        char small[sizeof(int) - 1];
        l = sizeof small;
        CHECK_ERR(zmq_getsockopt(b, opts[i], small, &l), EINVAL);
        CHECK_EQ(l, sizeof small);
    }

    /* LAST_ENDPOINT is a socket-level string too. */
    char ep[64];
    memset(ep, 0x55, sizeof ep);
    l = sizeof ep;
    CHECK_OK(zmq_getsockopt(a, ZMQ_LAST_ENDPOINT, ep, &l));
    CHECK_EQ(l, strlen("inproc://sizes") + 1);
    CHECK(strcmp(ep, "inproc://sizes") == 0);
    CHECK_EQ(ep[sizeof ep - 1], 0);

    CHECK_OK(zmq_close(a));
    CHECK_OK(zmq_close(b));
}

static void option_store_numbers_need_their_exact_size(void *ctx) {
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(s);
    const int int_opts[] = {ZMQ_SNDHWM, ZMQ_RCVHWM, ZMQ_LINGER,   ZMQ_TYPE,
                            ZMQ_RCVTIMEO, ZMQ_IPV6, ZMQ_IMMEDIATE, ZMQ_CONFLATE,
                            ZMQ_MECHANISM, ZMQ_TCP_KEEPALIVE, ZMQ_HANDSHAKE_IVL};
    for (size_t i = 0; i < sizeof int_opts / sizeof int_opts[0]; i++) {
        int64_t v = 0;
        size_t l = sizeof v;
        CHECK_ERR(zmq_getsockopt(s, int_opts[i], &v, &l), EINVAL);
    }
    unsigned char buf[16];
    size_t l = sizeof buf;
    CHECK_ERR(zmq_getsockopt(s, ZMQ_MAXMSGSIZE, buf, &l), EINVAL);
    l = sizeof buf;
    CHECK_ERR(zmq_getsockopt(s, ZMQ_AFFINITY, buf, &l), EINVAL);

    /* ROUTING_ID is binary: a larger buffer is fine. */
    CHECK_OK(zmq_setsockopt(s, ZMQ_ROUTING_ID, "abc", 3));
    memset(buf, 0x55, sizeof buf);
    l = sizeof buf;
    CHECK_OK(zmq_getsockopt(s, ZMQ_ROUTING_ID, buf, &l));
    CHECK_EQ(l, 3);
    CHECK(memcmp(buf, "abc", 3) == 0);
    CHECK_OK(zmq_close(s));
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    socket_level_options_take_larger_buffers(ctx);
    option_store_numbers_need_their_exact_size(ctx);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
