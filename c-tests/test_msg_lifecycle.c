/* zmq_msg_t life cycle: init variants, free callbacks, copy/move, properties,
   send/recv helpers (inproc only). */
#include "common.h"

#include <stdalign.h>
#include <sys/uio.h>

static int free_calls;
static void *free_last_data;
static void *free_last_hint;

static void count_free(void *data, void *hint) {
    free_calls++;
    free_last_data = data;
    free_last_hint = hint;
}

static void reset_free(void) {
    free_calls = 0;
    free_last_data = free_last_hint = NULL;
}

static void test_abi(void) {
    CHECK_EQ(sizeof(zmq_msg_t), 64);
    CHECK(alignof(zmq_msg_t) >= alignof(void *));
    CHECK_EQ(sizeof(zmq_pollitem_t), sizeof(void *) + 8);
}

static void test_init_variants(void) {
    zmq_msg_t m;
    CHECK_OK(zmq_msg_init(&m));
    CHECK_EQ(zmq_msg_size(&m), 0);
    CHECK_EQ(zmq_msg_more(&m), 0);
    CHECK_EQ(zmq_msg_get(&m, ZMQ_MORE), 0);
    CHECK_EQ(zmq_msg_get(&m, ZMQ_SHARED), 0);
    CHECK_OK(zmq_msg_close(&m));

    /* Small (inline) and large (heap) sizes behave the same through the API. */
    size_t sizes[] = {0, 1, 33, 34, 100, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        CHECK_OK(zmq_msg_init_size(&m, sizes[i]));
        CHECK_EQ(zmq_msg_size(&m), sizes[i]);
        if (sizes[i]) {
            CHECK(zmq_msg_data(&m) != NULL);
            memset(zmq_msg_data(&m), 0xab, sizes[i]);
        }
        CHECK_EQ(zmq_msg_get(&m, ZMQ_SHARED), 0);
        CHECK_OK(zmq_msg_close(&m));
    }

    /* init_data: the free function runs exactly once, at close, with the hint. */
    static char buf[] = "user-owned buffer";
    reset_free();
    CHECK_OK(zmq_msg_init_data(&m, buf, sizeof buf, count_free, (void *) 0x1234));
    CHECK(zmq_msg_data(&m) == buf);
    CHECK_EQ(zmq_msg_size(&m), sizeof buf);
    CHECK_EQ(free_calls, 0);
    CHECK_OK(zmq_msg_close(&m));
    CHECK_EQ(free_calls, 1);
    CHECK(free_last_data == buf);
    CHECK(free_last_hint == (void *) 0x1234);

    /* Free callback with a real allocation and a NULL hint. */
    reset_free();
    char *heap = malloc(10);
    CHECK(heap);
    CHECK_OK(zmq_msg_init_data(&m, heap, 10, count_free, NULL));
    CHECK_OK(zmq_msg_close(&m));
    CHECK_EQ(free_calls, 1);
    CHECK(free_last_data == heap);
    CHECK(free_last_hint == NULL);
    free(heap);

    /* NULL ffn: constant data, never freed; libzmq reports it as shared. */
    static const char konst[] = "constant";
    CHECK_OK(zmq_msg_init_data(&m, (void *) konst, 8, NULL, NULL));
    CHECK(zmq_msg_data(&m) == konst);
    CHECK_EQ(zmq_msg_size(&m), 8);
    CHECK_EQ(zmq_msg_get(&m, ZMQ_SHARED), 1);
    zmq_msg_t c;
    CHECK_OK(zmq_msg_init(&c));
    CHECK_OK(zmq_msg_copy(&c, &m));
    CHECK(zmq_msg_data(&c) == konst);
    CHECK_OK(zmq_msg_close(&m));
    CHECK_OK(zmq_msg_close(&c));
}

static void test_copy_move(void) {
    static char buf[100] = "shared content";
    zmq_msg_t a, b, c;
    reset_free();
    CHECK_OK(zmq_msg_init_data(&a, buf, sizeof buf, count_free, (void *) 7));
    CHECK_EQ(zmq_msg_get(&a, ZMQ_SHARED), 0);
    CHECK_OK(zmq_msg_init(&b));
    CHECK_OK(zmq_msg_copy(&b, &a));
    /* Both now share the buffer (no copy of the bytes) and report SHARED. */
    CHECK(zmq_msg_data(&b) == buf);
    CHECK_EQ(zmq_msg_size(&b), sizeof buf);
    CHECK_EQ(zmq_msg_get(&a, ZMQ_SHARED), 1);
    CHECK_EQ(zmq_msg_get(&b, ZMQ_SHARED), 1);
    /* copy into an initialised non-empty destination releases the old content */
    CHECK_OK(zmq_msg_init_size(&c, 50));
    CHECK_OK(zmq_msg_copy(&c, &b));
    CHECK(zmq_msg_data(&c) == buf);
    CHECK_OK(zmq_msg_close(&a));
    CHECK_EQ(free_calls, 0);
    CHECK_OK(zmq_msg_close(&b));
    CHECK_EQ(free_calls, 0);
    CHECK_OK(zmq_msg_close(&c));
    CHECK_EQ(free_calls, 1);
    CHECK(free_last_hint == (void *) 7);

    /* move: dest takes the content, src becomes an empty message. */
    reset_free();
    CHECK_OK(zmq_msg_init_data(&a, buf, sizeof buf, count_free, NULL));
    CHECK_OK(zmq_msg_init_size(&b, 3));
    CHECK_OK(zmq_msg_move(&b, &a));
    CHECK(zmq_msg_data(&b) == buf);
    CHECK_EQ(zmq_msg_size(&b), sizeof buf);
    CHECK_EQ(zmq_msg_size(&a), 0);
    CHECK_OK(zmq_msg_close(&a));
    CHECK_EQ(free_calls, 0);
    CHECK_OK(zmq_msg_close(&b));
    CHECK_EQ(free_calls, 1);

    /* Copy of a small (inline) message copies the bytes. */
    CHECK_OK(zmq_msg_init_size(&a, 5));
    memcpy(zmq_msg_data(&a), "hello", 5);
    CHECK_OK(zmq_msg_init(&b));
    CHECK_OK(zmq_msg_copy(&b, &a));
    CHECK_EQ(zmq_msg_size(&b), 5);
    CHECK(memcmp(zmq_msg_data(&b), "hello", 5) == 0);
    CHECK_OK(zmq_msg_close(&a));
    CHECK(memcmp(zmq_msg_data(&b), "hello", 5) == 0);
    CHECK_OK(zmq_msg_close(&b));

    /* Copy/move from a never-initialised (zeroed) message: EFAULT. */
    memset(&a, 0, sizeof a);
    CHECK_OK(zmq_msg_init(&b));
    CHECK_ERR(zmq_msg_copy(&b, &a), EFAULT);
    CHECK_ERR(zmq_msg_move(&b, &a), EFAULT);
    CHECK_OK(zmq_msg_close(&b));

    /* Closing twice: the first close invalidates the message, the second is EFAULT. */
    CHECK_OK(zmq_msg_init_size(&a, 100));
    CHECK_OK(zmq_msg_close(&a));
    CHECK_ERR(zmq_msg_close(&a), EFAULT);
    CHECK_OK(zmq_msg_init(&a));
    CHECK_OK(zmq_msg_close(&a));
    CHECK_ERR(zmq_msg_close(&a), EFAULT);
}

static void test_over_inproc(void *ctx) {
    void *a = zmq_socket(ctx, ZMQ_PAIR);
    void *b = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(a && b);
    CHECK_OK(zmq_bind(a, "inproc://msg"));
    CHECK_OK(zmq_connect(b, "inproc://msg"));

    /* init_data message sent and received: freed exactly once, after the receiver
       closes it (inproc hands the same buffer over). */
    static char buf[64] = "zero-copy payload";
    zmq_msg_t m;
    reset_free();
    CHECK_OK(zmq_msg_init_data(&m, buf, sizeof buf, count_free, (void *) 42));
    CHECK_EQ(zmq_msg_send(&m, a, 0), (int) sizeof buf);
    /* After a successful send the message is empty again and may be closed. */
    CHECK_EQ(zmq_msg_size(&m), 0);
    CHECK_OK(zmq_msg_close(&m));
    zmq_msg_t r;
    CHECK_OK(zmq_msg_init(&r));
    CHECK_EQ(zmq_msg_recv(&r, b, 0), (int) sizeof buf);
    CHECK_EQ(zmq_msg_size(&r), sizeof buf);
    CHECK(memcmp(zmq_msg_data(&r), buf, sizeof buf) == 0);
    CHECK_EQ(zmq_msg_more(&r), 0);
    /* No properties on inproc messages. */
    errno = 0;
    CHECK(zmq_msg_gets(&r, "Socket-Type") == NULL);
    CHECK_EQ(zmq_errno(), EINVAL);
    errno = 0;
    CHECK(zmq_msg_gets(&r, "Peer-Address") == NULL);
    CHECK_EQ(zmq_errno(), EINVAL);
    CHECK_OK(zmq_msg_close(&r));
    CHECK_EQ(free_calls, 1);
    CHECK(free_last_data == buf);
    CHECK(free_last_hint == (void *) 42);

    /* A copy is sent while the original is kept: freed once, after both are gone. */
    reset_free();
    zmq_msg_t orig, cp;
    CHECK_OK(zmq_msg_init_data(&orig, buf, sizeof buf, count_free, NULL));
    CHECK_OK(zmq_msg_init(&cp));
    CHECK_OK(zmq_msg_copy(&cp, &orig));
    CHECK_EQ(zmq_msg_send(&cp, a, 0), (int) sizeof buf);
    CHECK_OK(zmq_msg_close(&cp));
    CHECK_OK(zmq_msg_init(&r));
    CHECK_EQ(zmq_msg_recv(&r, b, 0), (int) sizeof buf);
    CHECK_OK(zmq_msg_close(&r));
    CHECK_EQ(free_calls, 0);
    CHECK_OK(zmq_msg_close(&orig));
    CHECK_EQ(free_calls, 1);

    /* Multipart: MORE flag on every frame but the last. */
    zmq_msg_t p;
    CHECK_OK(zmq_msg_init_size(&p, 1));
    memcpy(zmq_msg_data(&p), "1", 1);
    CHECK_EQ(zmq_msg_send(&p, a, ZMQ_SNDMORE), 1);
    CHECK_OK(zmq_msg_init_size(&p, 2));
    memcpy(zmq_msg_data(&p), "22", 2);
    CHECK_EQ(zmq_msg_send(&p, a, 0), 2);
    CHECK_OK(zmq_msg_close(&p));
    CHECK_OK(zmq_msg_init(&r));
    CHECK_EQ(zmq_msg_recv(&r, b, 0), 1);
    CHECK_EQ(zmq_msg_more(&r), 1);
    CHECK_EQ(zmq_msg_get(&r, ZMQ_MORE), 1);
    int more = 0;
    size_t ml = sizeof more;
    CHECK_OK(zmq_getsockopt(b, ZMQ_RCVMORE, &more, &ml));
    CHECK_EQ(more, 1);
    /* Receiving into a non-empty message replaces its content. */
    CHECK_EQ(zmq_msg_recv(&r, b, 0), 2);
    CHECK_EQ(zmq_msg_more(&r), 0);
    CHECK_EQ(zmq_msg_get(&r, ZMQ_MORE), 0);
    CHECK(memcmp(zmq_msg_data(&r), "22", 2) == 0);
    CHECK_OK(zmq_getsockopt(b, ZMQ_RCVMORE, &more, &ml));
    CHECK_EQ(more, 0);
    CHECK_OK(zmq_msg_close(&r));

    /* zmq_send / zmq_recv: truncation returns the full size, copies what fits. */
    CHECK_EQ(zmq_send(a, "0123456789", 10, 0), 10);
    char small[4] = {0};
    CHECK_EQ(zmq_recv(b, small, 4, 0), 10);
    CHECK(memcmp(small, "0123", 4) == 0);
    CHECK_EQ(zmq_send(a, "", 0, 0), 0);
    CHECK_EQ(zmq_recv(b, small, 4, 0), 0);
    CHECK_EQ(zmq_send(a, "xyz", 3, 0), 3);
    CHECK_EQ(zmq_recv(b, NULL, 0, 0), 3); /* discard, still reports the size */

    /* zmq_send_const */
    static const char cbuf[] = "constant-bytes";
    CHECK_EQ(zmq_send_const(a, cbuf, 5, ZMQ_SNDMORE), 5);
    CHECK_EQ(zmq_send_const(a, cbuf + 5, 9, 0), 9);
    char big[32];
    CHECK_EQ(zmq_recv(b, big, sizeof big, 0), 5);
    CHECK(memcmp(big, "const", 5) == 0);
    CHECK_EQ(zmq_recv(b, big, sizeof big, 0), 9);
    CHECK(memcmp(big, "ant-bytes", 9) == 0);

    /* Deprecated zmq_sendmsg / zmq_recvmsg: same as zmq_msg_send/recv. */
    CHECK_OK(zmq_msg_init_size(&p, 6));
    memcpy(zmq_msg_data(&p), "legacy", 6);
    CHECK_EQ(zmq_sendmsg(a, &p, 0), 6);
    CHECK_OK(zmq_msg_close(&p));
    CHECK_OK(zmq_msg_init(&r));
    CHECK_EQ(zmq_recvmsg(b, &r, 0), 6);
    CHECK(memcmp(zmq_msg_data(&r), "legacy", 6) == 0);
    CHECK_OK(zmq_msg_close(&r));

    /* zmq_sendiov: the frames form one multipart message only with ZMQ_SNDMORE
       (the flag is dropped on the last frame); returns the last frame's size. */
    struct iovec iov[3] = {{"ab", 2}, {"cde", 3}, {"fghi", 4}};
    CHECK_EQ(zmq_sendiov(a, iov, 3, ZMQ_SNDMORE), 4);
    struct iovec in[5];
    size_t count = 5;
    CHECK_EQ(zmq_recviov(b, in, &count, 0), 3);
    CHECK_EQ(count, 3);
    CHECK_EQ(in[0].iov_len, 2);
    CHECK(memcmp(in[0].iov_base, "ab", 2) == 0);
    CHECK_EQ(in[1].iov_len, 3);
    CHECK(memcmp(in[1].iov_base, "cde", 3) == 0);
    CHECK_EQ(in[2].iov_len, 4);
    CHECK(memcmp(in[2].iov_base, "fghi", 4) == 0);
    for (size_t i = 0; i < count; i++)
        free(in[i].iov_base); /* recviov buffers are malloc'd for the caller */
    /* Without SNDMORE each iovec is its own message. */
    CHECK_EQ(zmq_sendiov(a, iov, 2, 0), 3);
    count = 5;
    CHECK_EQ(zmq_recviov(b, in, &count, 0), 1);
    CHECK_EQ(count, 1);
    CHECK_EQ(in[0].iov_len, 2);
    free(in[0].iov_base);
    count = 5;
    CHECK_EQ(zmq_recviov(b, in, &count, 0), 1);
    CHECK_EQ(in[0].iov_len, 3);
    free(in[0].iov_base);
    /* recviov stops at *count frames; the rest stays queued. */
    CHECK_EQ(zmq_sendiov(a, iov, 3, ZMQ_SNDMORE), 4);
    count = 2;
    CHECK_EQ(zmq_recviov(b, in, &count, 0), 2);
    CHECK_EQ(count, 2);
    free(in[0].iov_base);
    free(in[1].iov_base);
    CHECK_OK(zmq_getsockopt(b, ZMQ_RCVMORE, &more, &ml));
    CHECK_EQ(more, 1);
    CHECK_EQ(zmq_recv(b, big, sizeof big, 0), 4);
    /* Argument checks. */
    count = 0;
    CHECK_ERR(zmq_recviov(b, in, &count, ZMQ_DONTWAIT), EINVAL);
    CHECK_ERR(zmq_recviov(b, NULL, &count, ZMQ_DONTWAIT), EINVAL);
    CHECK_ERR(zmq_sendiov(a, NULL, 1, 0), EINVAL);
    CHECK_ERR(zmq_sendiov(a, iov, 0, 0), EINVAL);
    count = 3;
    CHECK_ERR(zmq_recviov(b, in, &count, ZMQ_DONTWAIT), EAGAIN);

    /* A message that is closed without being sent frees its buffer. */
    reset_free();
    CHECK_OK(zmq_msg_init_data(&m, buf, sizeof buf, count_free, NULL));
    CHECK_OK(zmq_msg_close(&m));
    CHECK_EQ(free_calls, 1);

    /* A message still queued when the sockets close is freed by the library. */
    reset_free();
    int zero = 0;
    CHECK_OK(zmq_setsockopt(a, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK(zmq_msg_init_data(&m, buf, sizeof buf, count_free, (void *) 9));
    CHECK_EQ(zmq_msg_send(&m, a, 0), (int) sizeof buf);
    CHECK_OK(zmq_msg_close(&m));
    CHECK_OK(zmq_close(a));
    CHECK_OK(zmq_close(b));
    /* (checked after zmq_ctx_term by the caller) */
}

int main(void) {
    test_abi();
    test_init_variants();
    test_copy_move();
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    test_over_inproc(ctx);
    CHECK_OK(zmq_ctx_term(ctx));
    CHECK_EQ(free_calls, 1);
    CHECK(free_last_hint == (void *) 9);
    return 0;
}
