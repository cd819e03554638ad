/* Beyond libzmq: a classic (not thread-safe) socket used from two threads at once is a
 * bug in the program, but must not corrupt memory or abort: ours serialises the calls
 * (each waits for the other's to end). Two threads send on one PUSH, two threads
 * receive on one PULL, and two threads poke one DEALER with options and ZMQ_EVENTS
 * while it sends; every message arrives exactly once. libzmq gives no such promise (its
 * sockets corrupt themselves, or assert), so against it the test only says so. */
#include "common.h"

#define PER_THREAD 20000

static void *push;
static void *pull;
static int seen[2][PER_THREAD];
static int received; /* atomic */

static void *sender(void *arg) {
    int id = (int) (intptr_t) arg;
    char buf[32];
    for (int i = 0; i < PER_THREAD; i++) {
        int n = snprintf(buf, sizeof buf, "%d:%d", id, i);
        CHECK_EQ(zmq_send(push, buf, (size_t) n, 0), n);
    }
    return NULL;
}

static void *receiver(void *arg) {
    (void) arg;
    char buf[32];
    while (__atomic_load_n(&received, __ATOMIC_SEQ_CST) < 2 * PER_THREAD) {
        int n = zmq_recv(pull, buf, sizeof buf - 1, 0);
        if (n < 0) {
            CHECK_EQ(zmq_errno(), EAGAIN);
            continue;
        }
        buf[n] = 0;
        int who = -1, seq = -1;
        CHECK_EQ(sscanf(buf, "%d:%d", &who, &seq), 2);
        CHECK(who >= 0 && who < 2 && seq >= 0 && seq < PER_THREAD);
        CHECK_EQ(__atomic_add_fetch(&seen[who][seq], 1, __ATOMIC_SEQ_CST), 1);
        __atomic_add_fetch(&received, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

static void *poker(void *arg) {
    void *s = arg;
    for (int i = 0; i < 20000; i++) {
        int v = 0;
        size_t sz = sizeof v;
        CHECK_OK(zmq_getsockopt(s, ZMQ_EVENTS, &v, &sz));
        int hwm = 1000 + i % 7;
        CHECK_OK(zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm));
    }
    return NULL;
}

static void *closer(void *s) {
    int rc = zmq_close(s);
    CHECK(rc == 0);
    return NULL;
}

int main(void) {
    if (tc_system_mode()) {
        fprintf(stderr, "libzmq: a classic socket used from two threads is not safe; "
                        "nothing to check\n");
        return 0;
    }
    void *ctx = zmq_ctx_new();
    push = zmq_socket(ctx, ZMQ_PUSH);
    pull = zmq_socket(ctx, ZMQ_PULL);
    int timeout = 50;
    CHECK_OK(zmq_setsockopt(pull, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_bind(pull, "inproc://two-threads"));
    CHECK_OK(zmq_connect(push, "inproc://two-threads"));

    pthread_t t[4];
    for (int i = 0; i < 2; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, sender, (void *) (intptr_t) i), 0);
    for (int i = 2; i < 4; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, receiver, NULL), 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    CHECK_EQ(received, 2 * PER_THREAD);
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < PER_THREAD; i++)
            CHECK_EQ(seen[s][i], 1);

    /* Options and events from one thread while another sends on the same socket. */
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    void *sink = zmq_socket(ctx, ZMQ_DEALER);
    CHECK_OK(zmq_bind(sink, "inproc://poked"));
    CHECK_OK(zmq_connect(dealer, "inproc://poked"));
    pthread_t p;
    CHECK_EQ(pthread_create(&p, NULL, poker, dealer), 0);
    char buf[8];
    for (int i = 0; i < 20000; i++) {
        CHECK_EQ(zmq_send(dealer, "m", 1, 0), 1);
        CHECK_EQ(zmq_recv(sink, buf, sizeof buf, 0), 1);
    }
    CHECK_EQ(pthread_join(p, NULL), 0);

    /* A close racing a send: one of them wins, the other fails cleanly. */
    for (int round = 0; round < 200; round++) {
        void *s = zmq_socket(ctx, ZMQ_PUSH);
        int zero = 0;
        CHECK_OK(zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero));
        CHECK_OK(zmq_connect(s, "inproc://two-threads"));
        pthread_t c;
        CHECK_EQ(pthread_create(&c, NULL, closer, s), 0);
        int rc = zmq_send(s, "x", 1, ZMQ_DONTWAIT);
        CHECK(rc == 1 || (rc == -1 && (zmq_errno() == ENOTSOCK || zmq_errno() == EAGAIN)));
        CHECK_EQ(pthread_join(c, NULL), 0);
        CHECK_ERR(zmq_send(s, "x", 1, ZMQ_DONTWAIT), ENOTSOCK);
    }

    CHECK_OK(zmq_close(dealer));
    CHECK_OK(zmq_close(sink));
    CHECK_OK(zmq_close(push));
    CHECK_OK(zmq_close(pull));
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
