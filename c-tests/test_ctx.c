/* Contexts: creation, options, termination, shutdown, and termination while other
   threads are blocked (inproc only). */
#include "common.h"

#include <limits.h>
#include <unistd.h>

static void test_create_destroy(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    CHECK_OK(zmq_ctx_term(ctx));

    ctx = zmq_ctx_new();
    CHECK(ctx);
    CHECK_OK(zmq_ctx_shutdown(ctx));
    CHECK_OK(zmq_ctx_destroy(ctx));

    /* Legacy API. */
    CHECK_NULL_ERR(zmq_init(-1), EINVAL);
    ctx = zmq_init(1);
    CHECK(ctx);
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_IO_THREADS), 1);
    CHECK_OK(zmq_term(ctx));
    ctx = zmq_init(0); /* zero I/O threads is valid (inproc still works) */
    CHECK(ctx);
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_IO_THREADS), 0);
    void *a = zmq_socket(ctx, ZMQ_PAIR), *b = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(a && b);
    CHECK_OK(zmq_bind(a, "inproc://zero-io"));
    CHECK_OK(zmq_connect(b, "inproc://zero-io"));
    tc_send_str(a, "hi", 0);
    tc_recv_str_eq(b, "hi", 0);
    CHECK_OK(zmq_close(a));
    CHECK_OK(zmq_close(b));
    CHECK_OK(zmq_term(ctx));

    /* Many contexts side by side; inproc names are per context. */
    void *c1 = zmq_ctx_new(), *c2 = zmq_ctx_new();
    CHECK(c1 && c2 && c1 != c2);
    void *s1 = zmq_socket(c1, ZMQ_PAIR), *s2 = zmq_socket(c2, ZMQ_PAIR);
    CHECK_OK(zmq_bind(s1, "inproc://same-name"));
    CHECK_OK(zmq_bind(s2, "inproc://same-name"));
    CHECK_OK(zmq_close(s1));
    CHECK_OK(zmq_close(s2));
    CHECK_OK(zmq_ctx_term(c1));
    CHECK_OK(zmq_ctx_term(c2));
}

static void test_options(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    /* Defaults. */
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_IO_THREADS), 1);
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_MAX_SOCKETS), 1023);
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_SOCKET_LIMIT), 65535);
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_MSG_T_SIZE), 64);
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_MSG_T_SIZE), (int) sizeof(zmq_msg_t));
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_MAX_MSGSZ), INT_MAX);
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_IPV6), 0);
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_BLOCKY), 1);
    /* THREAD_SCHED_POLICY defaults to -1, which is a value, not an error. */
    errno = 0;
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_THREAD_SCHED_POLICY), -1);
    CHECK_EQ(errno, 0);
    /* Unknown or write-only options. */
    CHECK_ERR(zmq_ctx_get(ctx, 0), EINVAL);
    CHECK_ERR(zmq_ctx_get(ctx, 99), EINVAL);
    CHECK_ERR(zmq_ctx_get(ctx, ZMQ_THREAD_AFFINITY_CPU_ADD), EINVAL);
    CHECK_ERR(zmq_ctx_get(ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE), EINVAL);
    CHECK_ERR(zmq_ctx_set(ctx, 0, 1), EINVAL);
    CHECK_ERR(zmq_ctx_set(ctx, 99, 1), EINVAL);
    CHECK_ERR(zmq_ctx_set(ctx, ZMQ_MSG_T_SIZE, 64), EINVAL);

    /* Round trips and validation. */
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_IO_THREADS, 2));
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_IO_THREADS), 2);
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_IO_THREADS, 0));
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_IO_THREADS), 0);
    CHECK_ERR(zmq_ctx_set(ctx, ZMQ_IO_THREADS, -1), EINVAL);
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_IO_THREADS), 0);
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_IO_THREADS, 1));

    CHECK_ERR(zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 0), EINVAL);
    CHECK_ERR(zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, -1), EINVAL);
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_MAX_SOCKETS), 1023);
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 10));
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_MAX_SOCKETS), 10);

    CHECK_OK(zmq_ctx_set(ctx, ZMQ_MAX_MSGSZ, 1000));
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_MAX_MSGSZ), 1000);
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_MAX_MSGSZ, 0));
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_MAX_MSGSZ), 0);
    CHECK_ERR(zmq_ctx_set(ctx, ZMQ_MAX_MSGSZ, -1), EINVAL);

    /* Booleans are normalised to 0/1. */
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_IPV6, 2));
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_IPV6), 1);
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_IPV6, 0));
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_IPV6), 0);
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_BLOCKY, 5));
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_BLOCKY), 1);
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_BLOCKY, 0));
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_BLOCKY), 0);
    CHECK_OK(zmq_ctx_term(ctx));

    /* IPV6 on the context is inherited by new sockets. */
    ctx = zmq_ctx_new();
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_IPV6, 1));
    void *s = zmq_socket(ctx, ZMQ_PAIR);
    int v = -1;
    size_t vl = sizeof v;
    CHECK_OK(zmq_getsockopt(s, ZMQ_IPV6, &v, &vl));
    CHECK_EQ(v, 1);
    /* ... and BLOCKY=0 makes new sockets default to LINGER 0 instead of -1. */
    CHECK_OK(zmq_getsockopt(s, ZMQ_LINGER, &v, &vl));
    CHECK_EQ(v, -1);
    CHECK_OK(zmq_close(s));
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_BLOCKY, 0));
    s = zmq_socket(ctx, ZMQ_PAIR);
    CHECK_OK(zmq_getsockopt(s, ZMQ_LINGER, &v, &vl));
    CHECK_EQ(v, 0);
    CHECK_OK(zmq_close(s));
    CHECK_OK(zmq_ctx_term(ctx));
}

static void test_max_sockets(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 3));
    void *s[3];
    for (int i = 0; i < 3; i++) {
        s[i] = zmq_socket(ctx, ZMQ_PAIR);
        CHECK(s[i]);
    }
    CHECK_NULL_ERR(zmq_socket(ctx, ZMQ_PAIR), EMFILE);
    CHECK_NULL_ERR(zmq_socket(ctx, ZMQ_PUB), EMFILE);
    for (int i = 0; i < 3; i++)
        CHECK_OK(zmq_close(s[i]));
    CHECK_OK(zmq_ctx_term(ctx));

    /* The default limit is 1023 sockets. */
    ctx = zmq_ctx_new();
    static void *many[1024];
    for (int i = 0; i < 1023; i++) {
        many[i] = zmq_socket(ctx, ZMQ_PAIR);
        CHECK(many[i]);
    }
    CHECK_NULL_ERR(zmq_socket(ctx, ZMQ_PAIR), EMFILE);
    for (int i = 0; i < 1023; i++)
        CHECK_OK(zmq_close(many[i]));
    CHECK_OK(zmq_ctx_term(ctx));
}

/* ---- termination with blocked threads ---- */

struct blocked {
    void *ctx;
    int type;
    int op; /* 0 = recv, 1 = send */
    volatile int got_errno;
    volatile int closed;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int ready;
};

static void *blocked_thread(void *arg) {
    struct blocked *b = arg;
    void *s = zmq_socket(b->ctx, b->type);
    CHECK(s);
    int hwm = 1;
    CHECK_OK(zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm));
    CHECK_OK(zmq_connect(s, "inproc://ctx-nobody-binds-this"));
    pthread_mutex_lock(&b->mu);
    b->ready = 1;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
    char buf[8];
    int rc;
    if (b->op == 0) {
        rc = zmq_recv(s, buf, sizeof buf, 0);
    } else {
        /* A PUSH connected to an unbound inproc name queues up to its HWM; fill
           it so the next send blocks. */
        do
            rc = zmq_send(s, "x", 1, 0);
        while (rc == 1);
    }
    CHECK_EQ(rc, -1);
    b->got_errno = zmq_errno();
    /* After ETERM the socket still has to be closed by its owner. The flag is set
       just before the close: zmq_ctx_term may return as soon as zmq_close has taken
       effect, possibly before zmq_close itself returns here. */
    __atomic_store_n(&b->closed, 1, __ATOMIC_SEQ_CST);
    CHECK_OK(zmq_close(s));
    return NULL;
}

static void start_blocked(struct blocked *b, pthread_t *t) {
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    CHECK_EQ(pthread_create(t, NULL, blocked_thread, b), 0);
    pthread_mutex_lock(&b->mu);
    while (!b->ready)
        pthread_cond_wait(&b->cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
    tc_sleep_ms(50); /* let it enter the blocking call */
}

static void test_term_unblocks(int op) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    struct blocked b = {ctx, op == 0 ? ZMQ_PULL : ZMQ_PUSH, op, 0, 0,
                        PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    pthread_t t;
    start_blocked(&b, &t);
    CHECK_EQ(__atomic_load_n(&b.closed, __ATOMIC_SEQ_CST), 0);
    /* zmq_ctx_term returns only once the blocked thread has closed its socket. */
    CHECK_OK(zmq_ctx_term(ctx));
    CHECK_EQ(__atomic_load_n(&b.closed, __ATOMIC_SEQ_CST), 1);
    CHECK_EQ(b.got_errno, ETERM);
    CHECK_EQ(pthread_join(t, NULL), 0);
}

static void test_shutdown_unblocks(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    struct blocked b = {ctx, ZMQ_PULL, 0, 0, 0,
                        PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    pthread_t t;
    start_blocked(&b, &t);
    /* zmq_ctx_shutdown does not wait; the blocked recv returns ETERM. */
    CHECK_OK(zmq_ctx_shutdown(ctx));
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(b.got_errno, ETERM);
    CHECK_OK(zmq_ctx_term(ctx));

    /* Shutdown with a socket still open in main: its calls fail with ETERM, and
       term waits for the close only. */
    ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_REP);
    CHECK(s);
    CHECK_OK(zmq_ctx_shutdown(ctx));
    char buf[4];
    CHECK_ERR(zmq_recv(s, buf, sizeof buf, 0), ETERM);
    zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
    CHECK_ERR(zmq_poll(&item, 1, -1), ETERM);
    CHECK_OK(zmq_close(s));
    CHECK_OK(zmq_ctx_term(ctx));
}

static void test_linger_unread(int linger) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *pull = zmq_socket(ctx, ZMQ_PULL), *push = zmq_socket(ctx, ZMQ_PUSH);
    CHECK(pull && push);
    if (linger >= 0) {
        CHECK_OK(zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger));
        CHECK_OK(zmq_setsockopt(pull, ZMQ_LINGER, &linger, sizeof linger));
    }
    CHECK_OK(zmq_bind(pull, "inproc://linger"));
    CHECK_OK(zmq_connect(push, "inproc://linger"));
    for (int i = 0; i < 10; i++)
        tc_send_str(push, "unread", 0);
    /* Messages already queued stay readable after the sender closes. */
    CHECK_OK(zmq_close(push));
    tc_recv_str_eq(pull, "unread", 0);
    CHECK_OK(zmq_close(pull)); /* 9 messages never read */
    int64_t t0 = tc_now_ms();
    CHECK_OK(zmq_ctx_term(ctx));
    CHECK(tc_now_ms() - t0 < 2000);

    /* A socket whose inproc connect never completed, with a message queued. */
    ctx = zmq_ctx_new();
    push = zmq_socket(ctx, ZMQ_PUSH);
    if (linger >= 0)
        CHECK_OK(zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger));
    CHECK_OK(zmq_connect(push, "inproc://linger-never-bound"));
    CHECK_EQ(zmq_send(push, "pending", 7, ZMQ_DONTWAIT), 7);
    CHECK_OK(zmq_close(push));
    t0 = tc_now_ms();
    CHECK_OK(zmq_ctx_term(ctx));
    CHECK(tc_now_ms() - t0 < 2000);
}

int main(void) {
    alarm(30); /* a hang is a failure, not a harness timeout */
    test_create_destroy();
    test_options();
    test_max_sockets();
    test_term_unblocks(0);
    test_term_unblocks(1);
    test_shutdown_unblocks();
    test_linger_unread(-1);
    test_linger_unread(0);
    return 0;
}
