/* The draft poller (zmq_poller_*) and zmq_ppoll, as libzmq 4.3.5 defines them: every
 * function and its errno, readiness in the order entries were added, the trailing
 * events cleared, many sockets with a few ready, plain descriptors (pipes, a regular
 * file, a closed descriptor), timeouts, ETERM, and a socket used by the application
 * (or by another poller) between waits, which must still be reported.
 *
 * Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips this test, and
 *   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) cargo test --test c_api -- test_poller
 * runs it against libzmq built with drafts. The zmq_ppoll part needs libzmq 4.3.5's
 * header (4.3.4 has no zmq_ppoll) and is compiled out against an older one.
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#define HAVE_PPOLL (ZMQ_VERSION >= ZMQ_MAKE_VERSION(4, 3, 5))

static void *ctx;

/* A connected inproc PAIR pair. */
static void make_pair(void **bound, void **connected, int n) {
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://poller-%d", n);
    *bound = zmq_socket(ctx, ZMQ_PAIR);
    *connected = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(*bound && *connected);
    CHECK_OK(zmq_bind(*bound, endpoint));
    CHECK_OK(zmq_connect(*connected, endpoint));
}

static void close_pair(void *a, void *b) {
    CHECK_OK(zmq_close(a));
    CHECK_OK(zmq_close(b));
}

static void check_cleared(const zmq_poller_event_t *e) {
    CHECK(e->socket == NULL);
    CHECK_EQ(e->fd, -1);
    CHECK(e->user_data == NULL);
    CHECK_EQ(e->events, 0);
}

static void test_lifecycle_and_argument_errors(void) {
    CHECK_ERR(zmq_poller_destroy(NULL), EFAULT);
    void *null_poller = NULL;
    CHECK_ERR(zmq_poller_destroy(&null_poller), EFAULT);
    CHECK_ERR(zmq_poller_size(NULL), EFAULT);

    void *poller = zmq_poller_new();
    CHECK(poller != NULL);
    CHECK_EQ(zmq_poller_size(poller), 0);

    void *a, *b;
    make_pair(&a, &b, 0);
    int dummy;
    /* A context is not a poller, and not a socket. */
    CHECK_ERR(zmq_poller_size(ctx), EFAULT);
    CHECK_ERR(zmq_poller_add(NULL, a, NULL, ZMQ_POLLIN), EFAULT);
    CHECK_ERR(zmq_poller_add(ctx, a, NULL, ZMQ_POLLIN), EFAULT);
    CHECK_ERR(zmq_poller_add(poller, NULL, NULL, ZMQ_POLLIN), ENOTSOCK);
    CHECK_ERR(zmq_poller_add(poller, ctx, NULL, ZMQ_POLLIN), ENOTSOCK);
    CHECK_ERR(zmq_poller_add(poller, a, NULL, 0x40), EINVAL);
    /* The poller is checked first, then the socket, then the events. */
    CHECK_ERR(zmq_poller_add(NULL, NULL, NULL, 0x40), EFAULT);
    CHECK_ERR(zmq_poller_add(poller, NULL, NULL, 0x40), ENOTSOCK);

    CHECK_OK(zmq_poller_add(poller, a, &dummy, ZMQ_POLLIN | ZMQ_POLLOUT | ZMQ_POLLERR | ZMQ_POLLPRI));
    CHECK_ERR(zmq_poller_add(poller, a, NULL, ZMQ_POLLIN), EINVAL);
    CHECK_EQ(zmq_poller_size(poller), 1);

    CHECK_ERR(zmq_poller_modify(NULL, a, ZMQ_POLLIN), EFAULT);
    CHECK_ERR(zmq_poller_modify(poller, NULL, ZMQ_POLLIN), ENOTSOCK);
    CHECK_ERR(zmq_poller_modify(poller, a, 0x40), EINVAL);
    CHECK_ERR(zmq_poller_modify(poller, b, ZMQ_POLLIN), EINVAL);
    CHECK_OK(zmq_poller_modify(poller, a, ZMQ_POLLIN));

    CHECK_ERR(zmq_poller_remove(NULL, a), EFAULT);
    CHECK_ERR(zmq_poller_remove(poller, NULL), ENOTSOCK);
    CHECK_ERR(zmq_poller_remove(poller, b), EINVAL);
    CHECK_OK(zmq_poller_remove(poller, a));
    CHECK_ERR(zmq_poller_remove(poller, a), EINVAL);
    CHECK_EQ(zmq_poller_size(poller), 0);

    /* Descriptors: -1 is EBADF (after the poller check, before the events check). */
    CHECK_ERR(zmq_poller_add_fd(NULL, 0, NULL, ZMQ_POLLIN), EFAULT);
    CHECK_ERR(zmq_poller_add_fd(poller, -1, NULL, ZMQ_POLLIN), EBADF);
    CHECK_ERR(zmq_poller_add_fd(poller, -1, NULL, 0x40), EBADF);
    CHECK_ERR(zmq_poller_add_fd(poller, 0, NULL, 0x40), EINVAL);
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK_OK(zmq_poller_add_fd(poller, fds[0], NULL, ZMQ_POLLIN));
    CHECK_ERR(zmq_poller_add_fd(poller, fds[0], NULL, ZMQ_POLLIN), EINVAL);
    CHECK_ERR(zmq_poller_modify_fd(NULL, fds[0], ZMQ_POLLIN), EFAULT);
    CHECK_ERR(zmq_poller_modify_fd(poller, -1, ZMQ_POLLIN), EBADF);
    CHECK_ERR(zmq_poller_modify_fd(poller, fds[0], 0x40), EINVAL);
    CHECK_ERR(zmq_poller_modify_fd(poller, fds[1], ZMQ_POLLIN), EINVAL);
    CHECK_OK(zmq_poller_modify_fd(poller, fds[0], ZMQ_POLLIN | ZMQ_POLLPRI));
    /* A socket and a descriptor are separate namespaces. */
    CHECK_OK(zmq_poller_add(poller, a, NULL, ZMQ_POLLIN));
    CHECK_EQ(zmq_poller_size(poller), 2);
    CHECK_ERR(zmq_poller_remove_fd(NULL, fds[0]), EFAULT);
    CHECK_ERR(zmq_poller_remove_fd(poller, -1), EBADF);
    CHECK_ERR(zmq_poller_remove_fd(poller, fds[1]), EINVAL);
    CHECK_OK(zmq_poller_remove_fd(poller, fds[0]));
    CHECK_EQ(zmq_poller_size(poller), 1);

    /* wait / wait_all argument errors. */
    zmq_poller_event_t ev;
    CHECK_ERR(zmq_poller_wait(NULL, &ev, 0), EFAULT);
    check_cleared(&ev);
    CHECK_ERR(zmq_poller_wait(poller, NULL, 0), EFAULT);
    CHECK_ERR(zmq_poller_wait_all(NULL, &ev, 1, 0), EFAULT);
    CHECK_ERR(zmq_poller_wait_all(poller, NULL, 1, 0), EFAULT);
    CHECK_ERR(zmq_poller_wait_all(poller, &ev, -1, 0), EINVAL);

    /* zmq_poller_fd: only a poller of thread-safe sockets has one. */
    zmq_fd_t fd;
    CHECK_ERR(zmq_poller_fd(NULL, &fd), EFAULT);
    CHECK_ERR(zmq_poller_fd(poller, &fd), EINVAL);

    void *copy = poller;
    CHECK_OK(zmq_poller_destroy(&poller));
    CHECK(poller == NULL);
    if (!tc_system_mode()) {
        /* libzmq reads freed memory here; ours keeps the handle, marked dead. */
        CHECK_ERR(zmq_poller_destroy(&copy), EFAULT);
        CHECK_ERR(zmq_poller_size(copy), EFAULT);
        CHECK_ERR(zmq_poller_add(copy, a, NULL, ZMQ_POLLIN), EFAULT);
        CHECK_ERR(zmq_poller_wait(copy, &ev, 0), EFAULT);
        CHECK_ERR(zmq_poller_fd(copy, &fd), EFAULT);
    }
    /* A socket outlives the poller that held it. */
    tc_send_str(b, "after", 0);
    tc_recv_str_eq(a, "after", 0);
    close(fds[0]);
    close(fds[1]);
    close_pair(a, b);
}

static void test_empty_poller_waits(void) {
    void *poller = zmq_poller_new();
    zmq_poller_event_t ev;
    /* Nothing to wait for: forever is EFAULT, else EAGAIN once the time is up. */
    CHECK_ERR(zmq_poller_wait(poller, &ev, -1), EFAULT);
    check_cleared(&ev);
    CHECK_ERR(zmq_poller_wait(poller, &ev, 0), EAGAIN);
    int64_t start = tc_now_ms();
    CHECK_ERR(zmq_poller_wait(poller, &ev, 50), EAGAIN);
    CHECK(tc_now_ms() - start >= 40);
    CHECK_ERR(zmq_poller_wait_all(poller, &ev, 1, 0), EAGAIN);

    /* Entries that want nothing count as nothing to wait for. */
    void *a, *b;
    make_pair(&a, &b, 1);
    CHECK_OK(zmq_poller_add(poller, a, NULL, 0));
    tc_send_str(b, "x", 0);
    CHECK_ERR(zmq_poller_wait(poller, &ev, -1), EFAULT);
    CHECK_ERR(zmq_poller_wait(poller, &ev, 0), EAGAIN);
    CHECK_OK(zmq_poller_modify(poller, a, ZMQ_POLLIN));
    CHECK_OK(zmq_poller_wait(poller, &ev, -1));
    CHECK(ev.socket == a);

    /* No room for events: nothing can be reported, the time passes. */
    CHECK_ERR(zmq_poller_wait_all(poller, &ev, 0, 0), EAGAIN);
    start = tc_now_ms();
    CHECK_ERR(zmq_poller_wait_all(poller, &ev, 0, 30), EAGAIN);
    CHECK(tc_now_ms() - start >= 20);
    CHECK_OK(zmq_poller_destroy(&poller));
    close_pair(a, b);
}

static void test_sockets_ready_in_order(void) {
    void *poller = zmq_poller_new();
    void *a[3], *b[3];
    int tags[3];
    for (int i = 0; i < 3; i++) {
        make_pair(&a[i], &b[i], 10 + i);
        CHECK_OK(zmq_poller_add(poller, b[i], &tags[i], ZMQ_POLLIN));
    }
    zmq_poller_event_t ev[5];
    CHECK_ERR(zmq_poller_wait(poller, &ev[0], 0), EAGAIN);
    check_cleared(&ev[0]);
    int64_t start = tc_now_ms();
    CHECK_ERR(zmq_poller_wait_all(poller, ev, 5, 100), EAGAIN);
    int64_t waited = tc_now_ms() - start;
    CHECK(waited >= 90 && waited < 2000);

    /* Ready in the order 2, 0: reported in the order added. */
    tc_send_str(a[2], "two", 0);
    tc_send_str(a[0], "zero", 0);
    memset(ev, 0x55, sizeof ev);
    CHECK_EQ(zmq_poller_wait_all(poller, ev, 5, -1), 2);
    CHECK(ev[0].socket == b[0] && ev[0].user_data == &tags[0]);
    CHECK_EQ(ev[0].fd, -1);
    CHECK_EQ(ev[0].events, ZMQ_POLLIN);
    CHECK(ev[1].socket == b[2] && ev[1].user_data == &tags[2]);
    for (int i = 2; i < 5; i++)
        check_cleared(&ev[i]);
    /* Not consumed: reported again; with room for one, only the first. */
    CHECK_EQ(zmq_poller_wait_all(poller, ev, 1, 0), 1);
    CHECK(ev[0].socket == b[0]);
    CHECK_OK(zmq_poller_wait(poller, &ev[0], 0));
    CHECK(ev[0].socket == b[0]);
    tc_recv_str_eq(b[0], "zero", 0);
    CHECK_OK(zmq_poller_wait(poller, &ev[0], 0));
    CHECK(ev[0].socket == b[2]);
    tc_recv_str_eq(b[2], "two", 0);
    CHECK_ERR(zmq_poller_wait(poller, &ev[0], 0), EAGAIN);

    /* Events present are those wanted: POLLOUT only when asked for. */
    CHECK_OK(zmq_poller_modify(poller, b[1], ZMQ_POLLIN | ZMQ_POLLOUT));
    CHECK_EQ(zmq_poller_wait_all(poller, ev, 5, 0), 1);
    CHECK(ev[0].socket == b[1]);
    CHECK_EQ(ev[0].events, ZMQ_POLLOUT);
    tc_send_str(a[1], "one", 0);
    CHECK_EQ(zmq_poller_wait_all(poller, ev, 5, 0), 1);
    CHECK_EQ(ev[0].events, ZMQ_POLLIN | ZMQ_POLLOUT);
    CHECK_OK(zmq_poller_modify(poller, b[1], ZMQ_POLLIN));
    tc_recv_str_eq(b[1], "one", 0);

    /* A removed socket is no longer reported; added again, it goes last. */
    CHECK_OK(zmq_poller_remove(poller, b[0]));
    tc_send_str(a[0], "zero", 0);
    CHECK_ERR(zmq_poller_wait(poller, &ev[0], 0), EAGAIN);
    CHECK_OK(zmq_poller_add(poller, b[0], NULL, ZMQ_POLLIN));
    tc_send_str(a[2], "two", 0);
    CHECK_EQ(zmq_poller_wait_all(poller, ev, 5, 0), 2);
    CHECK(ev[0].socket == b[2] && ev[1].socket == b[0]);
    CHECK(ev[1].user_data == NULL);

    CHECK_OK(zmq_poller_destroy(&poller));
    for (int i = 0; i < 3; i++)
        close_pair(a[i], b[i]);
}

/* A wait must report a socket that became ready even when the application used it (or
 * another poller looked at it) after the signal came, which drains its ZMQ_FD. */
static void test_socket_used_between_waits(void) {
    void *poller = zmq_poller_new();
    void *other = zmq_poller_new();
    void *a, *b;
    make_pair(&a, &b, 20);
    CHECK_OK(zmq_poller_add(poller, b, NULL, ZMQ_POLLIN));
    CHECK_OK(zmq_poller_add(other, b, NULL, ZMQ_POLLIN));
    zmq_poller_event_t ev;
    CHECK_ERR(zmq_poller_wait(poller, &ev, 0), EAGAIN);
    CHECK_ERR(zmq_poller_wait(other, &ev, 0), EAGAIN);

    /* The message arrives; the application reads ZMQ_EVENTS (processing the command
     * that signalled the fd) before waiting. */
    tc_send_str(a, "m1", 0);
    tc_sleep_ms(10);
    int events;
    size_t size = sizeof events;
    CHECK_OK(zmq_getsockopt(b, ZMQ_EVENTS, &events, &size));
    CHECK(events & ZMQ_POLLIN);
    CHECK_OK(zmq_poller_wait(poller, &ev, 0));
    CHECK(ev.socket == b);
    /* ... and the other poller too. */
    CHECK_OK(zmq_poller_wait(other, &ev, 0));
    CHECK(ev.socket == b);
    tc_recv_str_eq(b, "m1", 0);
    CHECK_ERR(zmq_poller_wait(poller, &ev, 0), EAGAIN);
    CHECK_ERR(zmq_poller_wait(other, &ev, 0), EAGAIN);

    /* The application sends on the socket (which processes its commands). */
    tc_send_str(a, "m2", 0);
    tc_sleep_ms(10);
    tc_send_str(b, "reply", 0);
    CHECK_OK(zmq_poller_wait(poller, &ev, 100));
    CHECK(ev.socket == b);
    tc_recv_str_eq(b, "m2", 0);
    tc_recv_str_eq(a, "reply", 0);

    /* One poller's look must not hide the message from the other. */
    CHECK_ERR(zmq_poller_wait(poller, &ev, 0), EAGAIN);
    CHECK_ERR(zmq_poller_wait(other, &ev, 0), EAGAIN);
    tc_send_str(a, "m3", 0);
    CHECK_OK(zmq_poller_wait(poller, &ev, 1000));
    CHECK(ev.socket == b);
    CHECK_OK(zmq_poller_wait(other, &ev, 0));
    CHECK(ev.socket == b);

    /* Two messages, one read: the second is still reported, without a new signal. */
    tc_send_str(a, "m4", 0);
    tc_recv_str_eq(b, "m3", 0);
    CHECK_OK(zmq_poller_wait(poller, &ev, 1000));
    tc_recv_str_eq(b, "m4", 0);
    CHECK_ERR(zmq_poller_wait(poller, &ev, 0), EAGAIN);

    /* A socket connected after being added becomes writable without any signal. */
    void *c = zmq_socket(ctx, ZMQ_PAIR);
    CHECK_OK(zmq_poller_add(poller, c, NULL, ZMQ_POLLOUT));
    CHECK_ERR(zmq_poller_wait(poller, &ev, 0), EAGAIN);
    void *d = zmq_socket(ctx, ZMQ_PAIR);
    CHECK_OK(zmq_bind(d, "inproc://poller-late"));
    CHECK_OK(zmq_connect(c, "inproc://poller-late"));
    CHECK_OK(zmq_poller_wait(poller, &ev, 0));
    CHECK(ev.socket == c);
    CHECK_EQ(ev.events, ZMQ_POLLOUT);

    CHECK_OK(zmq_poller_destroy(&poller));
    CHECK_OK(zmq_poller_destroy(&other));
    close_pair(a, b);
    close_pair(c, d);
}

struct delayed_send {
    void *socket;
    int delay_ms;
};

static void *send_later(void *arg) {
    struct delayed_send *d = arg;
    tc_sleep_ms(d->delay_ms);
    tc_send_str(d->socket, "late", 0);
    return NULL;
}

static void test_wait_wakes_on_message_from_another_thread(void) {
    void *poller = zmq_poller_new();
    void *a, *b;
    make_pair(&a, &b, 30);
    CHECK_OK(zmq_poller_add(poller, b, NULL, ZMQ_POLLIN));
    struct delayed_send d = {a, 50};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, send_later, &d) == 0);
    zmq_poller_event_t ev;
    int64_t start = tc_now_ms();
    CHECK_OK(zmq_poller_wait(poller, &ev, -1));
    CHECK(tc_now_ms() - start >= 40);
    CHECK(ev.socket == b);
    pthread_join(t, NULL);
    tc_recv_str_eq(b, "late", 0);
    /* And within a finite timeout. */
    CHECK(pthread_create(&t, NULL, send_later, &d) == 0);
    CHECK_OK(zmq_poller_wait(poller, &ev, 5000));
    pthread_join(t, NULL);
    tc_recv_str_eq(b, "late", 0);
    CHECK_OK(zmq_poller_destroy(&poller));
    close_pair(a, b);
}

/* 2,000 inproc pairs, a few of them ready at a time. */
static void test_many_sockets_few_ready(void) {
    enum { PAIRS = 2000, ROUNDS = 50 };
    void *ctx_many = zmq_ctx_new();
    CHECK_OK(zmq_ctx_set(ctx_many, ZMQ_MAX_SOCKETS, 2 * PAIRS + 16));
    static void *senders[PAIRS], *receivers[PAIRS];
    static zmq_poller_event_t ev[PAIRS];
    void *poller = zmq_poller_new();
    for (int i = 0; i < PAIRS; i++) {
        char endpoint[64];
        snprintf(endpoint, sizeof endpoint, "inproc://many-%d", i);
        receivers[i] = zmq_socket(ctx_many, ZMQ_PAIR);
        senders[i] = zmq_socket(ctx_many, ZMQ_PAIR);
        CHECK(receivers[i] && senders[i]);
        CHECK_OK(zmq_bind(receivers[i], endpoint));
        CHECK_OK(zmq_connect(senders[i], endpoint));
        CHECK_OK(zmq_poller_add(poller, receivers[i], (void *) (intptr_t) i, ZMQ_POLLIN));
    }
    CHECK_EQ(zmq_poller_size(poller), PAIRS);
    CHECK_ERR(zmq_poller_wait_all(poller, ev, PAIRS, 0), EAGAIN);
    unsigned seed = 12345;
    for (int round = 0; round < ROUNDS; round++) {
        int picked[3];
        for (int k = 0; k < 3; k++) {
            seed = seed * 1103515245u + 12345u;
            picked[k] = (int) ((seed >> 8) % PAIRS);
            for (int j = 0; j < k; j++)
                if (picked[j] == picked[k])
                    picked[k] = (picked[k] + 1) % PAIRS;
        }
        for (int k = 0; k < 3; k++)
            tc_send_str(senders[picked[k]], "hi", 0);
        int n = CHECK_OK(zmq_poller_wait_all(poller, ev, PAIRS, 1000));
        CHECK_EQ(n, 3);
        int last = -1;
        for (int k = 0; k < n; k++) {
            int i = (int) (intptr_t) ev[k].user_data;
            CHECK(ev[k].socket == receivers[i]);
            CHECK(i > last); /* in the order added */
            CHECK(i == picked[0] || i == picked[1] || i == picked[2]);
            last = i;
            tc_recv_str_eq(receivers[i], "hi", 0);
        }
        CHECK_ERR(zmq_poller_wait_all(poller, ev, PAIRS, 0), EAGAIN);
    }
    CHECK_OK(zmq_poller_destroy(&poller));
    for (int i = 0; i < PAIRS; i++)
        close_pair(senders[i], receivers[i]);
    CHECK_OK(zmq_ctx_term(ctx_many));
}

static void test_plain_descriptors(void) {
    void *poller = zmq_poller_new();
    int fds[2];
    CHECK(pipe(fds) == 0);
    int tag;
    CHECK_OK(zmq_poller_add_fd(poller, fds[0], &tag, ZMQ_POLLIN));
    zmq_poller_event_t ev[4];
    CHECK_ERR(zmq_poller_wait(poller, &ev[0], 0), EAGAIN);
    CHECK(write(fds[1], "x", 1) == 1);
    CHECK_OK(zmq_poller_wait(poller, &ev[0], 0));
    CHECK(ev[0].socket == NULL);
    CHECK_EQ(ev[0].fd, fds[0]);
    CHECK(ev[0].user_data == &tag);
    CHECK_EQ(ev[0].events, ZMQ_POLLIN);
    /* Level-triggered: still there until read. */
    CHECK_OK(zmq_poller_wait(poller, &ev[0], 0));
    char c;
    CHECK(read(fds[0], &c, 1) == 1);
    CHECK_ERR(zmq_poller_wait(poller, &ev[0], 0), EAGAIN);

    /* The write end is writable; a socket and descriptors in the order added. */
    void *a, *b;
    make_pair(&a, &b, 40);
    CHECK_OK(zmq_poller_add(poller, b, NULL, ZMQ_POLLIN));
    CHECK_OK(zmq_poller_add_fd(poller, fds[1], NULL, ZMQ_POLLOUT));
    tc_send_str(a, "s", 0);
    CHECK(write(fds[1], "y", 1) == 1);
    CHECK_EQ(zmq_poller_wait_all(poller, ev, 4, 1000), 3);
    CHECK_EQ(ev[0].fd, fds[0]);
    CHECK(ev[1].socket == b);
    CHECK_EQ(ev[2].fd, fds[1]);
    CHECK_EQ(ev[2].events, ZMQ_POLLOUT);
    check_cleared(&ev[3]);
    /* Wanting nothing: not reported. */
    CHECK_OK(zmq_poller_modify_fd(poller, fds[1], 0));
    CHECK_EQ(zmq_poller_wait_all(poller, ev, 4, 0), 2);
    CHECK_OK(zmq_poller_remove_fd(poller, fds[1]));
    CHECK_OK(zmq_poller_remove(poller, b));
    tc_recv_str_eq(b, "s", 0);

    /* The other end closed: reported as an error, whatever was asked. */
    CHECK(read(fds[0], &c, 1) == 1);
    close(fds[1]);
    CHECK_OK(zmq_poller_wait(poller, &ev[0], 1000));
    CHECK_EQ(ev[0].fd, fds[0]);
    CHECK(ev[0].events & ZMQ_POLLERR);
    CHECK_OK(zmq_poller_remove_fd(poller, fds[0]));
    close(fds[0]);

    /* A regular file (which epoll refuses) is always ready, as poll(2) says. */
    char path[] = "/tmp/zmq-poller-XXXXXX";
    int file = mkstemp(path);
    CHECK(file >= 0);
    unlink(path);
    CHECK_OK(zmq_poller_add_fd(poller, file, NULL, ZMQ_POLLIN | ZMQ_POLLOUT));
    CHECK_OK(zmq_poller_wait(poller, &ev[0], 0));
    CHECK_EQ(ev[0].fd, file);
    CHECK_EQ(ev[0].events, ZMQ_POLLIN | ZMQ_POLLOUT);
    CHECK_OK(zmq_poller_modify_fd(poller, file, ZMQ_POLLIN));
    CHECK_OK(zmq_poller_wait(poller, &ev[0], -1));
    CHECK_EQ(ev[0].events, ZMQ_POLLIN);
    CHECK_OK(zmq_poller_remove_fd(poller, file));
    close(file);

    /* A descriptor that is not open: added, then reported as an error (POLLNVAL). */
    int closed = dup(0);
    CHECK(closed >= 0);
    close(closed);
    CHECK_OK(zmq_poller_add_fd(poller, closed, NULL, ZMQ_POLLIN));
    CHECK_OK(zmq_poller_wait(poller, &ev[0], 0));
    CHECK_EQ(ev[0].fd, closed);
    CHECK_EQ(ev[0].events, ZMQ_POLLERR);
    CHECK_OK(zmq_poller_remove_fd(poller, closed));

    /* A socket's own ZMQ_FD as a plain descriptor, next to the socket itself. */
    zmq_fd_t zfd;
    size_t size = sizeof zfd;
    CHECK_OK(zmq_getsockopt(a, ZMQ_FD, &zfd, &size));
    CHECK_OK(zmq_poller_add(poller, a, NULL, ZMQ_POLLOUT));
    CHECK_OK(zmq_poller_add_fd(poller, zfd, NULL, ZMQ_POLLIN));
    CHECK_OK(zmq_poller_wait(poller, &ev[0], 1000));
    CHECK(ev[0].socket == a);

    CHECK_OK(zmq_poller_destroy(&poller));
    close_pair(a, b);
}

static void *term_later(void *arg) {
    tc_sleep_ms(50);
    CHECK_OK(zmq_ctx_term(arg));
    return NULL;
}

static void test_eterm_ends_a_wait(void) {
    void *ctx2 = zmq_ctx_new();
    void *s = zmq_socket(ctx2, ZMQ_PAIR);
    CHECK_OK(zmq_bind(s, "inproc://poller-term"));
    void *poller = zmq_poller_new();
    CHECK_OK(zmq_poller_add(poller, s, NULL, ZMQ_POLLIN));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, term_later, ctx2) == 0);
    zmq_poller_event_t ev;
    CHECK_ERR(zmq_poller_wait(poller, &ev, -1), ETERM);
    check_cleared(&ev);
    CHECK_OK(zmq_poller_remove(poller, s));
    CHECK_OK(zmq_poller_destroy(&poller));
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    CHECK_OK(zmq_close(s));
    pthread_join(t, NULL);
}

/* Ours only: libzmq reads a closed socket's freed memory here. */
static void test_closed_socket_in_poller(void) {
    if (tc_system_mode())
        return;
    void *poller = zmq_poller_new();
    void *a, *b;
    make_pair(&a, &b, 50);
    CHECK_OK(zmq_poller_add(poller, b, NULL, ZMQ_POLLIN));
    tc_send_str(a, "x", 0);
    CHECK_OK(zmq_close(b));
    zmq_poller_event_t ev;
    /* Closed: never reported again, and its entry goes. */
    CHECK_ERR(zmq_poller_wait(poller, &ev, 0), EAGAIN);
    CHECK_EQ(zmq_poller_size(poller), 0);
    CHECK_ERR(zmq_poller_remove(poller, b), ENOTSOCK);
    /* A new socket may get the closed one's address: it is a different socket. */
    void *c = zmq_socket(ctx, ZMQ_PAIR);
    CHECK_OK(zmq_poller_add(poller, c, NULL, ZMQ_POLLIN));
    CHECK_ERR(zmq_poller_wait(poller, &ev, 0), EAGAIN);
    CHECK_OK(zmq_close(c));
    CHECK_OK(zmq_poller_destroy(&poller));
    CHECK_OK(zmq_close(a));
}

#if HAVE_PPOLL
static volatile sig_atomic_t usr1_seen;
static void on_usr1(int sig) {
    (void) sig;
    usr1_seen++;
}

static void test_ppoll_signal_mask(void) {
    void *a, *b;
    make_pair(&a, &b, 60);
    zmq_pollitem_t item = {b, 0, ZMQ_POLLIN, 0};
    /* Without a mask it is zmq_poll. */
    CHECK_EQ(zmq_ppoll(&item, 1, 0, NULL), 0);
    tc_send_str(a, "x", 0);
    CHECK_EQ(zmq_ppoll(&item, 1, 1000, NULL), 1);
    CHECK_EQ(item.revents, ZMQ_POLLIN);
    tc_recv_str_eq(b, "x", 0);
    CHECK_ERR(zmq_ppoll(&item, -1, 0, NULL), EINVAL);
    CHECK_ERR(zmq_ppoll(NULL, 1, 0, NULL), EFAULT);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    sigset_t blocked, old;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR1);
    CHECK(pthread_sigmask(SIG_BLOCK, &blocked, &old) == 0);
    /* SIGUSR1 is blocked and pending: a mask that keeps it blocked waits out the
     * timeout; one that unblocks it delivers it during the wait: EINTR at once. */
    CHECK(raise(SIGUSR1) == 0);
    CHECK_EQ(usr1_seen, 0);
    CHECK_EQ(zmq_ppoll(&item, 1, 30, &blocked), 0);
    CHECK_EQ(usr1_seen, 0);
    sigset_t open;
    sigemptyset(&open);
    int64_t start = tc_now_ms();
    CHECK_ERR(zmq_ppoll(&item, 1, 5000, &open), EINTR);
    CHECK(tc_now_ms() - start < 2000);
    CHECK_EQ(usr1_seen, 1);
    /* The thread's own mask is back: still blocked. */
    sigset_t now;
    CHECK(pthread_sigmask(SIG_BLOCK, NULL, &now) == 0);
    CHECK(sigismember(&now, SIGUSR1));
    CHECK(pthread_sigmask(SIG_SETMASK, &old, NULL) == 0);
    signal(SIGUSR1, SIG_DFL);
    close_pair(a, b);
}
#endif

int main(void) {
    ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    CHECK(zmq_has("draft"));
    test_lifecycle_and_argument_errors();
    test_empty_poller_waits();
    test_sockets_ready_in_order();
    test_socket_used_between_waits();
    test_wait_wakes_on_message_from_another_thread();
    test_plain_descriptors();
    test_closed_socket_in_poller();
#if HAVE_PPOLL
    test_ppoll_signal_mask();
#else
    printf("zmq_ppoll: skipped (this libzmq's header is older than 4.3.5)\n");
#endif
    CHECK_OK(zmq_ctx_term(ctx));
    test_many_sockets_few_ready();
    test_eterm_ends_a_wait();
    return 0;
}
