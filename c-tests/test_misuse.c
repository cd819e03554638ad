/* Misuse from C, as a matrix: stale handles, double closes, use after zmq_ctx_term,
 * messages used after close, every socket option with every awkward size, NULL where a
 * pointer belongs. Each call must return libzmq's error, never crash or abort.
 *
 * Where libzmq itself crashes or reads freed memory (a stale socket or context pointer,
 * zmq_msg_size on a closed message, NULL option buffers), the check runs against ours
 * only: those rows are marked "ours only" and say what libzmq does instead. */
#include "common.h"

/* errno of a failed call must be one of these. */
static void check_errno_in(const char *what, int rc, const int *allowed, int n) {
    if (rc != -1)
        return;
    int e = zmq_errno();
    for (int i = 0; i < n; i++)
        if (e == allowed[i])
            return;
    TC_FAIL("%s: unexpected errno %d (%s)", what, e, zmq_strerror(e));
}

static void test_stale_socket_and_context(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *s = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(s);
    CHECK_OK(zmq_close(s));
    if (!tc_system_mode()) {
        /* ours only: libzmq frees the socket, so these are use-after-free there */
        CHECK_ERR(zmq_close(s), ENOTSOCK);
        CHECK_ERR(zmq_send(s, "x", 1, ZMQ_DONTWAIT), ENOTSOCK);
        char buf[4];
        CHECK_ERR(zmq_recv(s, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSOCK);
        CHECK_ERR(zmq_bind(s, "inproc://misuse"), ENOTSOCK);
        int v = 0;
        size_t vl = sizeof v;
        CHECK_ERR(zmq_getsockopt(s, ZMQ_TYPE, &v, &vl), ENOTSOCK);
        CHECK_ERR(zmq_setsockopt(s, ZMQ_LINGER, &v, sizeof v), ENOTSOCK);
        CHECK_ERR(zmq_socket_monitor(s, "inproc://misuse-mon", ZMQ_EVENT_ALL), ENOTSOCK);
        zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
        CHECK_ERR(zmq_poll(&item, 1, 0), ENOTSOCK);
    }
    CHECK_OK(zmq_ctx_term(ctx));
    if (!tc_system_mode()) {
        /* ours only: libzmq frees the context in zmq_ctx_term */
        CHECK_ERR(zmq_ctx_term(ctx), EFAULT);
        CHECK_ERR(zmq_ctx_shutdown(ctx), EFAULT);
        CHECK_ERR(zmq_ctx_set(ctx, ZMQ_IO_THREADS, 2), EFAULT);
        CHECK_ERR(zmq_ctx_get(ctx, ZMQ_IO_THREADS), EFAULT);
        CHECK_NULL_ERR(zmq_socket(ctx, ZMQ_PAIR), EFAULT);
    }

    /* A socket whose context is shutting down: ETERM for everything but close. */
    ctx = zmq_ctx_new();
    s = zmq_socket(ctx, ZMQ_PUSH);
    CHECK(s);
    CHECK_OK(zmq_ctx_shutdown(ctx));
    CHECK_ERR(zmq_send(s, "x", 1, 0), ETERM);
    CHECK_ERR(zmq_connect(s, "tcp://127.0.0.1:1"), ETERM);
    CHECK_OK(zmq_close(s));
    CHECK_OK(zmq_ctx_term(ctx));
}

static void test_messages_after_close(void) {
    zmq_msg_t m, other;
    CHECK_OK(zmq_msg_init_size(&m, 100));
    CHECK_OK(zmq_msg_close(&m));
    CHECK_ERR(zmq_msg_close(&m), EFAULT);
    CHECK_OK(zmq_msg_init(&other));
    CHECK_ERR(zmq_msg_copy(&other, &m), EFAULT);
    CHECK_ERR(zmq_msg_move(&other, &m), EFAULT);
    CHECK_OK(zmq_msg_close(&other));
    if (!tc_system_mode()) {
        /* ours only: libzmq asserts (aborts) on a closed message in these */
        CHECK_EQ(zmq_msg_size(&m), 0);
        CHECK(zmq_msg_data(&m) == NULL);
        CHECK_EQ(zmq_msg_more(&m), 0);
        CHECK_ERR(zmq_msg_get(&m, ZMQ_MORE), EFAULT);
        CHECK_ERR(zmq_msg_set(&m, ZMQ_SHARED, 0), EFAULT);
        CHECK_ERR(zmq_msg_close(NULL), EFAULT);
        CHECK_ERR(zmq_msg_init(NULL), EFAULT);
        CHECK_ERR(zmq_msg_init_size(NULL, 10), EFAULT);
        CHECK_ERR(zmq_msg_copy(NULL, NULL), EFAULT);
        CHECK_ERR(zmq_msg_move(NULL, NULL), EFAULT);
    }
    /* more than memory holds */
    CHECK_ERR(zmq_msg_init_size(&m, SIZE_MAX), ENOMEM);
}

/* Every option id 0..127 on every socket type, set with sizes around each type's size,
   with arbitrary bytes, then read back with every awkward buffer size. */
static void test_option_matrix(void) {
    static const size_t sizes[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 40, 41, 255, 256, 1000};
    static const int allowed[] = {EINVAL};
    unsigned char junk[1024];
    unsigned seed = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
        seed = seed * 1103515245u + 12345u;
        junk[i] = (unsigned char) (seed >> 16);
    }
    unsigned char zero[1024];
    memset(zero, 0, sizeof zero);
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    long calls = 0;
    for (int type = ZMQ_PAIR; type <= ZMQ_STREAM; type++) {
        for (int opt = 0; opt < 128; opt++) {
            void *s = zmq_socket(ctx, type);
            CHECK(s);
            for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
                char what[96];
                snprintf(what, sizeof what, "type %d setsockopt(%d, size %zu)", type, opt,
                         sizes[k]);
                check_errno_in(what, zmq_setsockopt(s, opt, junk, sizes[k]), allowed, 1);
                check_errno_in(what, zmq_setsockopt(s, opt, zero, sizes[k]), allowed, 1);
                unsigned char out[1024];
                size_t len = sizes[k];
                snprintf(what, sizeof what, "type %d getsockopt(%d, size %zu)", type, opt,
                         sizes[k]);
                int rc = zmq_getsockopt(s, opt, out, &len);
                check_errno_in(what, rc, allowed, 1);
                if (rc == 0 && len > sizes[k])
                    TC_FAIL("%s: reported %zu bytes, more than the buffer", what, len);
                calls += 3;
            }
            int linger = 0;
            /* the junk may have set LINGER; no peer, so close returns at once anyway */
            (void) zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
            CHECK_OK(zmq_close(s));
        }
    }
    CHECK_OK(zmq_ctx_term(ctx));
    CHECK(calls > 10000);
}

static void test_null_arguments(void) {
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_SUB);
    CHECK(s);
    /* libzmq and ours: */
    CHECK_ERR(zmq_proxy(NULL, NULL, NULL), EFAULT);
    CHECK_NULL_ERR(zmq_z85_encode(NULL, (const uint8_t *) "abc", 3), EINVAL);
    uint8_t dec[8];
    CHECK_NULL_ERR(zmq_z85_decode(dec, "abc"), EINVAL);
    char pub[41];
    CHECK_ERR(zmq_curve_public(pub, "not a key"), EINVAL);
    if (!tc_system_mode()) {
        /* ours only: libzmq dereferences these pointers (or asserts: bind(NULL)) */
        CHECK_ERR(zmq_bind(s, NULL), EINVAL);
        CHECK_ERR(zmq_connect(s, NULL), EINVAL);
        int v = 1;
        size_t vl = sizeof v;
        CHECK_ERR(zmq_setsockopt(s, ZMQ_LINGER, NULL, sizeof v), EINVAL);
        CHECK_ERR(zmq_getsockopt(s, ZMQ_LINGER, NULL, &vl), EFAULT);
        CHECK_ERR(zmq_getsockopt(s, ZMQ_LINGER, &v, NULL), EFAULT);
        CHECK_ERR(zmq_curve_keypair(NULL, NULL), EFAULT);
        CHECK_ERR(zmq_curve_public(NULL, NULL), EFAULT);
        CHECK_NULL_ERR(zmq_z85_decode(NULL, NULL), EFAULT);
        CHECK_ERR(zmq_atomic_counter_inc(NULL), EFAULT);
        CHECK_ERR(zmq_atomic_counter_dec(NULL), EFAULT);
        CHECK_ERR(zmq_atomic_counter_value(NULL), EFAULT);
        zmq_atomic_counter_set(NULL, 1);
        zmq_atomic_counter_destroy(NULL);
        CHECK_ERR(zmq_timers_destroy(NULL), EFAULT);
        CHECK_ERR(zmq_timers_add(NULL, 10, NULL, NULL), EFAULT);
        CHECK_ERR(zmq_timers_execute(NULL), EFAULT);
        CHECK_ERR(zmq_timers_timeout(NULL), EFAULT);
        zmq_stopwatch_stop(NULL);
        CHECK_ERR(zmq_msg_init_data(NULL, NULL, 0, NULL, NULL), EFAULT);
    }
    CHECK_OK(zmq_close(s));
    CHECK_OK(zmq_ctx_term(ctx));
}

int main(void) {
    test_stale_socket_and_context();
    test_messages_after_close();
    test_option_matrix();
    test_null_arguments();
    return 0;
}
