/* PUSH/PULL over inproc, pinned against libzmq 4.3.4: round-robin over
 * several PULLs, fair-queueing from several PUSHes, blocking (EAGAIN with
 * DONTWAIT / SNDTIMEO) when there is no peer, ZMQ_CONFLATE keeping only the
 * last message. */
#include <zmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                              \
    do {                                                                      \
        if (!(c)) {                                                           \
            fprintf (stderr, "%s:%d: CHECK failed: %s (errno %d: %s)\n",      \
                     __FILE__, __LINE__, #c, errno, zmq_strerror (errno));    \
            exit (1);                                                         \
        }                                                                     \
    } while (0)

static void set_int (void *s, int opt, int v)
{
    CHECK (zmq_setsockopt (s, opt, &v, sizeof v) == 0);
}

static void send_str (void *s, const char *str, int flags)
{
    CHECK (zmq_send (s, str, strlen (str), flags) == (int) strlen (str));
}

static void recv_str_ (void *s, const char *expect, int more, int line)
{
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf, 0);
    if (n != (int) strlen (expect) || memcmp (buf, expect, n) != 0) {
        fprintf (stderr, "%s:%d: expected \"%s\", got rc=%d \"%.*s\" (errno %d)\n",
                 __FILE__, line, expect, n, n > 0 ? n : 0, buf, errno);
        exit (1);
    }
    int m = 0;
    size_t sz = sizeof m;
    CHECK (zmq_getsockopt (s, ZMQ_RCVMORE, &m, &sz) == 0);
    if (m != more) {
        fprintf (stderr, "%s:%d: RCVMORE %d, expected %d\n", __FILE__, line, m,
                 more);
        exit (1);
    }
}
#define recv_str(s, e, m) recv_str_ (s, e, m, __LINE__)

static void expect_nothing_ (void *s, int line)
{
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT);
    if (n != -1 || errno != EAGAIN) {
        fprintf (stderr, "%s:%d: expected nothing, got rc=%d \"%.*s\" (errno %d)\n",
                 __FILE__, line, n, n > 0 ? n : 0, buf, errno);
        exit (1);
    }
}
#define expect_nothing(s) expect_nothing_ (s, __LINE__)

static void *mk (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RCVTIMEO, 2000);
    set_int (s, ZMQ_SNDTIMEO, 2000);
    return s;
}

static void test_round_robin (void *ctx)
{
    void *push = mk (ctx, ZMQ_PUSH);
    void *pull[3];
    for (int i = 0; i < 3; i++) {
        char ep[32];
        snprintf (ep, sizeof ep, "inproc://rr%d", i);
        pull[i] = mk (ctx, ZMQ_PULL);
        CHECK (zmq_bind (pull[i], ep) == 0);
        CHECK (zmq_connect (push, ep) == 0);
    }
    /* Connection order, cyclic; a multipart message goes to one peer. */
    for (int k = 0; k < 12; k++) {
        char m[8];
        snprintf (m, sizeof m, "m%d", k);
        if (k == 4) {
            send_str (push, m, ZMQ_SNDMORE);
            send_str (push, "", ZMQ_SNDMORE);
            send_str (push, "m4-tail", 0);
        } else
            send_str (push, m, 0);
    }
    for (int k = 0; k < 12; k++) {
        char m[8];
        snprintf (m, sizeof m, "m%d", k);
        if (k == 4) {
            recv_str (pull[k % 3], m, 1);
            recv_str (pull[k % 3], "", 1);
            recv_str (pull[k % 3], "m4-tail", 0);
        } else
            recv_str (pull[k % 3], m, 0);
    }
    for (int i = 0; i < 3; i++)
        expect_nothing (pull[i]);

    /* Direction rules. */
    char buf[8];
    CHECK (zmq_recv (push, buf, sizeof buf, ZMQ_DONTWAIT) == -1);
    CHECK (errno == ENOTSUP);
    CHECK (zmq_send (pull[0], "x", 1, ZMQ_DONTWAIT) == -1);
    CHECK (errno == ENOTSUP);

    /* A full PULL is skipped: its share goes to the others. */
    void *push2 = mk (ctx, ZMQ_PUSH);
    set_int (push2, ZMQ_SNDHWM, 1);
    void *p1 = mk (ctx, ZMQ_PULL);
    void *p2 = mk (ctx, ZMQ_PULL);
    set_int (p1, ZMQ_RCVHWM, 1);
    set_int (p2, ZMQ_RCVHWM, 1000);
    CHECK (zmq_bind (p1, "inproc://skip1") == 0);
    CHECK (zmq_bind (p2, "inproc://skip2") == 0);
    CHECK (zmq_connect (push2, "inproc://skip1") == 0);
    CHECK (zmq_connect (push2, "inproc://skip2") == 0);
    /* p1 holds 1+1 = 2, p2 holds 1+1000; 10 messages: p1 gets 2. */
    for (int k = 0; k < 10; k++)
        CHECK (zmq_send (push2, "s", 1, ZMQ_DONTWAIT) == 1);
    int n1 = 0, n2 = 0;
    while (zmq_recv (p1, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
        n1++;
    while (zmq_recv (p2, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
        n2++;
    CHECK (n1 == 2 && n2 == 8);

    CHECK (zmq_close (p1) == 0);
    CHECK (zmq_close (p2) == 0);
    CHECK (zmq_close (push2) == 0);
    for (int i = 0; i < 3; i++)
        CHECK (zmq_close (pull[i]) == 0);
    CHECK (zmq_close (push) == 0);
}

static void test_fair_queue (void *ctx)
{
    void *pull = mk (ctx, ZMQ_PULL);
    CHECK (zmq_bind (pull, "inproc://fq") == 0);
    void *push[3];
    for (int i = 0; i < 3; i++) {
        push[i] = mk (ctx, ZMQ_PUSH);
        CHECK (zmq_connect (push[i], "inproc://fq") == 0);
    }
    /* Each PUSH queues 3 (the second PUSH a multipart one as well). */
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) {
            char m[32];
            snprintf (m, sizeof m, "p%d-%d", i, k);
            if (i == 1 && k == 0) {
                send_str (push[i], m, ZMQ_SNDMORE);
                send_str (push[i], "tail", 0);
            } else
                send_str (push[i], m, 0);
        }
    /* One message from each sender in turn, multipart kept whole. */
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 3; i++) {
            char m[8];
            snprintf (m, sizeof m, "p%d-%d", i, k);
            if (i == 1 && k == 0) {
                recv_str (pull, m, 1);
                recv_str (pull, "tail", 0);
            } else
                recv_str (pull, m, 0);
        }
    expect_nothing (pull);

    /* An idle sender does not hold up the others. */
    send_str (push[2], "only", 0);
    recv_str (pull, "only", 0);

    for (int i = 0; i < 3; i++)
        CHECK (zmq_close (push[i]) == 0);
    CHECK (zmq_close (pull) == 0);
}

static void test_no_peer (void *ctx)
{
    void *push = mk (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_SNDTIMEO, 50);
    CHECK (zmq_send (push, "x", 1, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EAGAIN);
    CHECK (zmq_send (push, "x", 1, 0) == -1);
    CHECK (errno == EAGAIN);
    /* Connecting to an endpoint not bound yet: a pipe exists at once
     * (inproc connect-before-bind), so messages queue up to SNDHWM... */
    set_int (push, ZMQ_SNDHWM, 3);
    CHECK (zmq_connect (push, "inproc://later") == 0);
    for (int i = 0; i < 3; i++)
        CHECK (zmq_send (push, "q", 1, ZMQ_DONTWAIT) == 1);
    CHECK (zmq_send (push, "q", 1, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EAGAIN);
    /* ...and are delivered once the PULL binds. */
    void *pull = mk (ctx, ZMQ_PULL);
    CHECK (zmq_bind (pull, "inproc://later") == 0);
    for (int i = 0; i < 3; i++)
        recv_str (pull, "q", 0);
    expect_nothing (pull);

    /* PULL with nothing to read. */
    set_int (pull, ZMQ_RCVTIMEO, 50);
    char buf[8];
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == -1);
    CHECK (errno == EAGAIN);
    CHECK (zmq_close (pull) == 0);
    CHECK (zmq_close (push) == 0);
}

/* Sends 0..99 DONTWAIT; returns how many went through. */
static int burst (void *push)
{
    int i;
    for (i = 0; i < 100; i++) {
        char m[8];
        snprintf (m, sizeof m, "%d", i);
        if (zmq_send (push, m, strlen (m), ZMQ_DONTWAIT) < 0)
            break;
    }
    return i;
}

static void test_conflate (void *ctx)
{
    /* PULL with CONFLATE connecting to the PUSH: never blocks, keeps only
     * the newest message. */
    void *push = mk (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_SNDHWM, 5);
    CHECK (zmq_bind (push, "inproc://conflate1") == 0);
    void *pull = mk (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_CONFLATE, 1);
    set_int (pull, ZMQ_RCVHWM, 5);
    int v = 0;
    size_t sz = sizeof v;
    CHECK (zmq_getsockopt (pull, ZMQ_CONFLATE, &v, &sz) == 0);
    CHECK (v == 1);
    CHECK (zmq_connect (pull, "inproc://conflate1") == 0);
    CHECK (burst (push) == 100);
    recv_str (pull, "99", 0);
    expect_nothing (pull);
    send_str (push, "again", 0);
    recv_str (pull, "again", 0);
    CHECK (zmq_close (pull) == 0);
    CHECK (zmq_close (push) == 0);

    /* Over inproc it is the CONNECTING socket's CONFLATE that decides:
     * a conflating PULL that binds, with a PUSH that connects without
     * CONFLATE, gets an ordinary pipe (SNDHWM + RCVHWM = 10 messages). */
    pull = mk (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_CONFLATE, 1);
    set_int (pull, ZMQ_RCVHWM, 5);
    CHECK (zmq_bind (pull, "inproc://conflate2") == 0);
    push = mk (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_SNDHWM, 5);
    CHECK (zmq_connect (push, "inproc://conflate2") == 0);
    CHECK (burst (push) == 10);
    recv_str (pull, "0", 0);
    CHECK (zmq_close (push) == 0);
    CHECK (zmq_close (pull) == 0);

    /* ...and a connecting PUSH with CONFLATE conflates the pipe even though
     * the bound PULL does not ask for it. */
    pull = mk (ctx, ZMQ_PULL);
    CHECK (zmq_bind (pull, "inproc://conflate3") == 0);
    push = mk (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_CONFLATE, 1);
    CHECK (zmq_connect (push, "inproc://conflate3") == 0);
    CHECK (burst (push) == 100);
    recv_str (pull, "99", 0);
    expect_nothing (pull);
    CHECK (zmq_close (push) == 0);
    CHECK (zmq_close (pull) == 0);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    test_round_robin (ctx);
    test_fair_queue (ctx);
    test_no_peer (ctx);
    test_conflate (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
