/* zmq_ctx_set_ext / zmq_ctx_get_ext and the context's ZMQ_ZERO_COPY_RECV, as libzmq
 * 4.3.5 (ctx.cpp; 4.3.4 is the same): a value of an int's size is an int (any option
 * zmq_ctx_set takes); ZMQ_THREAD_NAME_PREFIX also takes 1 to 16 bytes, names the I/O
 * threads with them and reads them back into a buffer at least as long (no NUL added,
 * *optvallen unchanged), or as atoi() of them into an int. ZMQ_ZERO_COPY_RECV is an
 * int >= 0, default 1 (whether a received message may view the receive buffer: not
 * observable here; the Rust test zero_copy_recv_off_copies_bodies_out_of_the_receive_buffer
 * pins the effect).
 *
 * Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips this test; run it with
 *   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) cargo test --test c_api -- test_draft_ctx_ext
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

#include <dirent.h>

/* Whether this process has a thread named `name`. */
static int has_thread(const char *name) {
    DIR *dir = opendir("/proc/self/task");
    CHECK(dir != NULL);
    struct dirent *entry;
    int found = 0;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        char path[300], comm[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", entry->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fgets(comm, sizeof comm, f)) {
            comm[strcspn(comm, "\n")] = 0;
            found |= strcmp(comm, name) == 0;
        }
        fclose(f);
    }
    closedir(dir);
    return found;
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    int value = -1;
    size_t len = sizeof value;

    /* Int-sized values are zmq_ctx_set's ints. */
    value = 3;
    CHECK_OK(zmq_ctx_set_ext(ctx, ZMQ_MAX_SOCKETS, &value, sizeof value));
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_MAX_SOCKETS), 3);
    value = 0;
    CHECK_OK(zmq_ctx_get_ext(ctx, ZMQ_MAX_SOCKETS, &value, &len));
    CHECK_EQ(value, 3);
    CHECK_EQ(len, sizeof value);
    value = -1;
    CHECK_ERR(zmq_ctx_set_ext(ctx, ZMQ_MAX_SOCKETS, &value, sizeof value), EINVAL);
    CHECK_ERR(zmq_ctx_set_ext(ctx, 9999, &value, sizeof value), EINVAL);
    /* Other sizes: only the thread name prefix takes them. */
    int64_t wide = 5;
    CHECK_ERR(zmq_ctx_set_ext(ctx, ZMQ_MAX_SOCKETS, &wide, sizeof wide), EINVAL);
    len = sizeof wide;
    CHECK_ERR(zmq_ctx_get_ext(ctx, ZMQ_MAX_SOCKETS, &wide, &len), EINVAL);
    value = 1000;
    CHECK_OK(zmq_ctx_set_ext(ctx, ZMQ_MAX_SOCKETS, &value, sizeof value));

    /* ZMQ_ZERO_COPY_RECV: an int >= 0, default 1. */
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_ZERO_COPY_RECV), 1);
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_ZERO_COPY_RECV, 0));
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_ZERO_COPY_RECV), 0);
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_ZERO_COPY_RECV, 7));
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_ZERO_COPY_RECV), 1);
    CHECK_ERR(zmq_ctx_set(ctx, ZMQ_ZERO_COPY_RECV, -1), EINVAL);
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_ZERO_COPY_RECV, 0));

    /* The thread name prefix: unset reads as "" (and 0). */
    char name[32];
    memset(name, 'x', sizeof name);
    len = 8;
    CHECK_OK(zmq_ctx_get_ext(ctx, ZMQ_THREAD_NAME_PREFIX, name, &len));
    CHECK_EQ(len, 8);
    CHECK_EQ(name[0], 'x');
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_THREAD_NAME_PREFIX), 0);
    /* 1 to 16 bytes; 0 or 17 are EINVAL. */
    CHECK_ERR(zmq_ctx_set_ext(ctx, ZMQ_THREAD_NAME_PREFIX, "", 0), EINVAL);
    CHECK_ERR(zmq_ctx_set_ext(ctx, ZMQ_THREAD_NAME_PREFIX, "0123456789abcdefg", 17),
              EINVAL);
    CHECK_OK(zmq_ctx_set_ext(ctx, ZMQ_THREAD_NAME_PREFIX, "0123456789abcdef", 16));
    CHECK_OK(zmq_ctx_set_ext(ctx, ZMQ_THREAD_NAME_PREFIX, "12a", 3));
    /* "12a" (3 bytes) reads back as bytes, and as atoi() into an int. */
    memset(name, 'x', sizeof name);
    len = 3;
    CHECK_OK(zmq_ctx_get_ext(ctx, ZMQ_THREAD_NAME_PREFIX, name, &len));
    CHECK(memcmp(name, "12ax", 4) == 0);
    CHECK_EQ(len, 3);
    len = 2;
    CHECK_ERR(zmq_ctx_get_ext(ctx, ZMQ_THREAD_NAME_PREFIX, name, &len), EINVAL);
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_THREAD_NAME_PREFIX), 12);
    len = sizeof value;
    CHECK_OK(zmq_ctx_get_ext(ctx, ZMQ_THREAD_NAME_PREFIX, &value, &len));
    CHECK_EQ(value, 12);
    /* An int-sized value is an int, kept as its decimal text. */
    value = 77;
    CHECK_OK(zmq_ctx_set_ext(ctx, ZMQ_THREAD_NAME_PREFIX, &value, sizeof value));
    len = 5;
    memset(name, 'x', sizeof name);
    CHECK_OK(zmq_ctx_get_ext(ctx, ZMQ_THREAD_NAME_PREFIX, name, &len));
    CHECK(memcmp(name, "77x", 3) == 0);

    /* The bytes name the I/O threads. */
    CHECK_OK(zmq_ctx_set_ext(ctx, ZMQ_THREAD_NAME_PREFIX, "ab", 2));
    void *sock = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(sock);
    CHECK_OK(zmq_bind(sock, "tcp://127.0.0.1:*"));
    int found = 0;
    for (int i = 0; i < 100 && !found; i++) {
        found = has_thread("ab/ZMQbg/IO/0");
        if (!found)
            tc_sleep_ms(10);
    }
    CHECK(found);

    /* Zero-copy off still delivers messages whole (large and small). */
    void *peer = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(peer);
    char endpoint[64];
    size_t endpoint_len = sizeof endpoint;
    CHECK_OK(zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, endpoint, &endpoint_len));
    CHECK_OK(zmq_connect(peer, endpoint));
    static char big[100000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(zmq_send(peer, big, 1000 * (i + 1), 0), 1000 * (i + 1));
    CHECK_EQ(zmq_send(peer, big, sizeof big, 0), (int)sizeof big);
    static char got[100000];
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(zmq_recv(sock, got, sizeof got, 0), 1000 * (i + 1));
        CHECK(memcmp(got, big, 1000 * (i + 1)) == 0);
    }
    CHECK_EQ(zmq_recv(sock, got, sizeof got, 0), (int)sizeof big);
    CHECK(memcmp(got, big, sizeof big) == 0);

    /* A bad context. */
    CHECK_ERR(zmq_ctx_set_ext(NULL, ZMQ_MAX_SOCKETS, &value, sizeof value), EFAULT);
    len = sizeof value;
    CHECK_ERR(zmq_ctx_get_ext(NULL, ZMQ_MAX_SOCKETS, &value, &len), EFAULT);

    CHECK_OK(zmq_close(sock));
    CHECK_OK(zmq_close(peer));
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
