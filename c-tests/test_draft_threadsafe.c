/* Thread-safe sockets used from many threads at once: a CLIENT hammered by four
 * threads (two sending, two receiving, at the same time) against a SERVER shared by
 * two echoing threads, over inproc and tcp, with every message accounted for; and a
 * thread blocked in a receive does not keep others from sending on the same socket.
 * Needs a libzmq with the draft API (ZMQ_C_TESTS_LIBDIR in system mode). */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"
#include "test_net_util.h"

#define SENDERS 2
#define RECEIVERS 2
#define ECHOERS 2
#define PER_SENDER 20000

static void *client;
static void *server;
static int seen[SENDERS][PER_SENDER];
static int received; /* atomic */
static int stop_echo; /* atomic */

static void *sender(void *arg) {
    int id = (int) (intptr_t) arg;
    char buf[32];
    for (int i = 0; i < PER_SENDER; i++) {
        int n = snprintf(buf, sizeof buf, "%d:%d", id, i);
        if (zmq_send(client, buf, (size_t) n, 0) != n)
            TC_FAIL("sender %d, message %d: errno %d (%s)", id, i, zmq_errno(),
                    zmq_strerror(zmq_errno()));
    }
    return NULL;
}

static void *receiver(void *arg) {
    (void) arg;
    int64_t last_progress = tc_now_ms();
    char buf[32];
    while (__atomic_load_n(&received, __ATOMIC_SEQ_CST) < SENDERS * PER_SENDER) {
        int n = zmq_recv(client, buf, sizeof buf - 1, 0);
        if (n < 0) {
            CHECK_EQ(zmq_errno(), EAGAIN); /* RCVTIMEO: look at the count again */
            if (tc_now_ms() - last_progress > 20000)
                TC_FAIL("no reply for 20 s, %d of %d received", received,
                        SENDERS * PER_SENDER);
            continue;
        }
        last_progress = tc_now_ms();
        buf[n] = 0;
        int who = -1, seq = -1;
        CHECK_EQ(sscanf(buf, "%d:%d", &who, &seq), 2);
        CHECK(who >= 0 && who < SENDERS && seq >= 0 && seq < PER_SENDER);
        CHECK_EQ(__atomic_add_fetch(&seen[who][seq], 1, __ATOMIC_SEQ_CST), 1);
        __atomic_add_fetch(&received, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

static void *echoer(void *arg) {
    (void) arg;
    while (!__atomic_load_n(&stop_echo, __ATOMIC_SEQ_CST)) {
        zmq_msg_t m;
        CHECK_OK(zmq_msg_init(&m));
        if (zmq_msg_recv(&m, server, 0) < 0) {
            CHECK_EQ(zmq_errno(), EAGAIN);
            CHECK_OK(zmq_msg_close(&m));
            continue;
        }
        CHECK(zmq_msg_routing_id(&m) != 0);
        /* The routing id received is the one to reply to. */
        CHECK_OK(zmq_msg_send(&m, server, 0));
    }
    return NULL;
}

static void hammer(void *ctx, const char *transport) {
    memset(seen, 0, sizeof seen);
    received = 0;
    stop_echo = 0;
    server = zmq_socket(ctx, ZMQ_SERVER);
    client = zmq_socket(ctx, ZMQ_CLIENT);
    CHECK(server && client);
    net_set_int(server, ZMQ_LINGER, 0);
    net_set_int(client, ZMQ_LINGER, 0);
    net_set_int(server, ZMQ_RCVTIMEO, 50);
    net_set_int(client, ZMQ_RCVTIMEO, 50);
    char ep[256];
    if (strcmp(transport, "inproc") == 0)
        net_bind(server, "inproc://hammer", ep, sizeof ep);
    else
        net_bind(server, "tcp://127.0.0.1:*", ep, sizeof ep);
    CHECK_OK(zmq_connect(client, ep));

    pthread_t echoers[ECHOERS], senders[SENDERS], receivers[RECEIVERS];
    for (int i = 0; i < ECHOERS; i++)
        CHECK_EQ(pthread_create(&echoers[i], NULL, echoer, NULL), 0);
    for (int i = 0; i < RECEIVERS; i++)
        CHECK_EQ(pthread_create(&receivers[i], NULL, receiver, NULL), 0);
    for (int i = 0; i < SENDERS; i++)
        CHECK_EQ(pthread_create(&senders[i], NULL, sender, (void *) (intptr_t) i), 0);
    for (int i = 0; i < SENDERS; i++)
        CHECK_EQ(pthread_join(senders[i], NULL), 0);
    for (int i = 0; i < RECEIVERS; i++)
        CHECK_EQ(pthread_join(receivers[i], NULL), 0);
    __atomic_store_n(&stop_echo, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < ECHOERS; i++)
        CHECK_EQ(pthread_join(echoers[i], NULL), 0);

    /* Every message came back exactly once; nothing more is on its way. */
    CHECK_EQ(received, SENDERS * PER_SENDER);
    for (int s = 0; s < SENDERS; s++)
        for (int i = 0; i < PER_SENDER; i++)
            CHECK_EQ(seen[s][i], 1);
    char buf[32];
    CHECK_ERR(zmq_recv(client, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_OK(zmq_close(client));
    CHECK_OK(zmq_close(server));
}

/* A blocked receive waits without holding the socket. */
static void *blocked_receiver(void *arg) {
    void *channel = arg;
    char buf[16];
    CHECK_EQ(zmq_recv(channel, buf, sizeof buf, 0), 4); /* no timeout */
    CHECK(memcmp(buf, "back", 4) == 0);
    return NULL;
}

static void blocked_recv_lets_others_send(void *ctx) {
    void *a = zmq_socket(ctx, ZMQ_CHANNEL);
    void *b = zmq_socket(ctx, ZMQ_CHANNEL);
    CHECK_OK(zmq_bind(a, "inproc://blocked"));
    CHECK_OK(zmq_connect(b, "inproc://blocked"));
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, blocked_receiver, a), 0);
    tc_sleep_ms(100); /* the receiver is blocked in zmq_recv on `a` */
    int64_t start = tc_now_ms();
    tc_send_str(a, "away", 0); /* on the same socket, from this thread */
    CHECK(tc_now_ms() - start < 1000);
    tc_recv_str_eq(b, "away", 0);
    tc_send_str(b, "back", 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_OK(zmq_close(a));
    CHECK_OK(zmq_close(b));
}

/* Terminating the context wakes every thread blocked on a thread-safe socket. */
static void *blocked_until_term(void *arg) {
    char buf[16];
    CHECK_ERR(zmq_recv(arg, buf, sizeof buf, 0), ETERM);
    return NULL;
}

static void term_wakes_all_waiters(void) {
    void *ctx = zmq_ctx_new();
    void *server = zmq_socket(ctx, ZMQ_SERVER);
    CHECK_OK(zmq_bind(server, "inproc://term"));
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, blocked_until_term, server), 0);
    tc_sleep_ms(100);
    CHECK_OK(zmq_ctx_shutdown(ctx));
    for (int i = 0; i < 3; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    CHECK_OK(zmq_close(server));
    CHECK_OK(zmq_ctx_term(ctx));
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    /* libzmq delivers a command to a thread-safe socket under that socket's lock
       (mailbox_safe_t), so two thread-safe sockets busy in several threads each over
       inproc take each other's locks in opposite orders and deadlock: ours only. */
    if (!tc_system_mode())
        hammer(ctx, "inproc");
    hammer(ctx, "tcp");
    blocked_recv_lets_others_send(ctx);
    CHECK_OK(zmq_ctx_term(ctx));
    term_wakes_all_waiters();
    return 0;
}
