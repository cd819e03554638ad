/* Several threads blocked in recv / send / poll on sockets of one context:
   zmq_ctx_term in main wakes each with ETERM and returns only after every thread has
   closed its sockets (inproc only). */
#include "common.h"

#include <unistd.h>

enum op { OP_RECV, OP_REQ_RECV, OP_SEND_FULL, OP_POLL_POLLOUT, OP_POLL_MANY, OP_MSG_RECV_TIMEO };

struct worker {
    void *ctx;
    enum op op;
    int ready;
    int got_rc;
    int got_errno;
    int closed;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void signal_ready(struct worker *w) {
    pthread_mutex_lock(&mu);
    w->ready = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void *worker_main(void *arg) {
    struct worker *w = arg;
    void *s = NULL, *s2 = NULL;
    int rc = 0;
    char buf[16];
    switch (w->op) {
    case OP_RECV:
        s = zmq_socket(w->ctx, ZMQ_PULL);
        CHECK(s);
        CHECK_OK(zmq_bind(s, "inproc://eterm-pull"));
        signal_ready(w);
        rc = zmq_recv(s, buf, sizeof buf, 0);
        break;
    case OP_REQ_RECV:
        /* REQ waiting for a reply that never comes. */
        s = zmq_socket(w->ctx, ZMQ_REQ);
        CHECK(s);
        CHECK_OK(zmq_connect(s, "inproc://eterm-nobody"));
        tc_send_str(s, "request", 0);
        signal_ready(w);
        rc = zmq_recv(s, buf, sizeof buf, 0);
        break;
    case OP_SEND_FULL: {
        /* PUSH whose pipe to a PULL nobody reads is full. */
        s = zmq_socket(w->ctx, ZMQ_PUSH);
        CHECK(s);
        int hwm = 1;
        CHECK_OK(zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm));
        CHECK_OK(zmq_connect(s, "inproc://eterm-sink"));
        while (zmq_send(s, "x", 1, ZMQ_DONTWAIT) == 1) {
        }
        CHECK_EQ(zmq_errno(), EAGAIN);
        signal_ready(w);
        rc = zmq_send(s, "x", 1, 0);
        break;
    }
    case OP_POLL_POLLOUT: {
        /* The sink PULL: polled for POLLOUT, which a PULL never has. */
        s = zmq_socket(w->ctx, ZMQ_PULL);
        CHECK(s);
        int hwm = 1;
        CHECK_OK(zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm));
        CHECK_OK(zmq_bind(s, "inproc://eterm-sink"));
        signal_ready(w);
        zmq_pollitem_t item = {s, 0, ZMQ_POLLOUT, 0};
        rc = zmq_poll(&item, 1, -1);
        break;
    }
    case OP_POLL_MANY: {
        s = zmq_socket(w->ctx, ZMQ_SUB);
        s2 = zmq_socket(w->ctx, ZMQ_DEALER);
        CHECK(s && s2);
        CHECK_OK(zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0));
        CHECK_OK(zmq_connect(s, "inproc://eterm-nopub"));
        CHECK_OK(zmq_bind(s2, "inproc://eterm-dealer"));
        int p[2];
        CHECK(pipe(p) == 0);
        zmq_pollitem_t items[3] = {
            {s, 0, ZMQ_POLLIN, 0}, {s2, 0, ZMQ_POLLIN, 0}, {NULL, p[0], ZMQ_POLLIN, 0}};
        signal_ready(w);
        rc = zmq_poll(items, 3, -1);
        close(p[0]);
        close(p[1]);
        break;
    }
    case OP_MSG_RECV_TIMEO: {
        s = zmq_socket(w->ctx, ZMQ_PAIR);
        CHECK(s);
        int t = 20000;
        CHECK_OK(zmq_setsockopt(s, ZMQ_RCVTIMEO, &t, sizeof t));
        CHECK_OK(zmq_bind(s, "inproc://eterm-pair"));
        signal_ready(w);
        zmq_msg_t m;
        CHECK_OK(zmq_msg_init(&m));
        rc = zmq_msg_recv(&m, s, 0);
        w->got_errno = zmq_errno();
        CHECK_OK(zmq_msg_close(&m));
        w->got_rc = rc;
        goto closing;
    }
    }
    w->got_errno = zmq_errno();
    w->got_rc = rc;
closing:
    /* Dawdle before closing: zmq_ctx_term must wait for us. */
    tc_sleep_ms(100);
    /* Marked before the last close: zmq_ctx_term may return as soon as that close
       takes effect, possibly before zmq_close returns here. */
    if (s2)
        CHECK_OK(zmq_close(s2));
    __atomic_store_n(&w->closed, 1, __ATOMIC_SEQ_CST);
    CHECK_OK(zmq_close(s));
    return NULL;
}

int main(void) {
    alarm(30);
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    enum op ops[] = {OP_RECV,         OP_REQ_RECV,  OP_SEND_FULL,
                     OP_POLL_POLLOUT, OP_POLL_MANY, OP_MSG_RECV_TIMEO};
    enum { N = sizeof ops / sizeof *ops };
    struct worker w[N];
    pthread_t t[N];
    /* Start the sink before the PUSH so that the PUSH's pipe is bounded by both
       HWMs (it would also work the other way round). */
    for (int i = 0; i < N; i++) {
        w[i] = (struct worker){ctx, ops[i], 0, 0, 0, 0};
    }
    int order[] = {0, 1, 3, 2, 4, 5};
    for (int k = 0; k < N; k++) {
        int i = order[k];
        CHECK_EQ(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
        pthread_mutex_lock(&mu);
        while (!w[i].ready)
            pthread_cond_wait(&cv, &mu);
        pthread_mutex_unlock(&mu);
    }
    tc_sleep_ms(100); /* let every thread enter its blocking call */
    for (int i = 0; i < N; i++)
        CHECK_EQ(__atomic_load_n(&w[i].closed, __ATOMIC_SEQ_CST), 0);

    int64_t t0 = tc_now_ms();
    CHECK_OK(zmq_ctx_term(ctx));
    int64_t dt = tc_now_ms() - t0;

    for (int i = 0; i < N; i++) {
        if (!__atomic_load_n(&w[i].closed, __ATOMIC_SEQ_CST))
            TC_FAIL("zmq_ctx_term returned before worker %d closed its socket", i);
        if (w[i].got_rc != -1 || w[i].got_errno != ETERM)
            TC_FAIL("worker %d: rc %d errno %d (%s), expected -1/ETERM", i, w[i].got_rc,
                    w[i].got_errno, zmq_strerror(w[i].got_errno));
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    }
    CHECK(dt >= 80);    /* it waited for the dawdling closers */
    CHECK(dt < 10000);  /* ... but did not hang */
    return 0;
}
