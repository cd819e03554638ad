/* REQ/REP over inproc, pinned against libzmq 4.3.4: strict alternation and
 * EFSM on both sides, envelopes seen through ROUTER and DEALER, REQ
 * round-robin, REP fair-queueing, REQ_CORRELATE + REQ_RELAXED. */
#include <zmq.h>
#include <errno.h>
#include <stdint.h>
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

static void send_bytes (void *s, const void *d, size_t n, int flags)
{
    CHECK (zmq_send (s, d, n, flags) == (int) n);
}

static void send_str (void *s, const char *str, int flags)
{
    send_bytes (s, str, strlen (str), flags);
}

static void recv_bytes_ (void *s, const void *d, int n, int more, int line)
{
    char buf[256];
    int rc = zmq_recv (s, buf, sizeof buf, 0);
    if (rc != n || memcmp (buf, d, n) != 0) {
        fprintf (stderr, "%s:%d: expected %d bytes \"%.*s\", got rc=%d \"%.*s\" (errno %d)\n",
                 __FILE__, line, n, n, (const char *) d, rc, rc > 0 ? rc : 0,
                 buf, errno);
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
#define recv_str(s, e, m) recv_bytes_ (s, e, (int) strlen (e), m, __LINE__)
#define recv_empty(s, m) recv_bytes_ (s, "", 0, m, __LINE__)

/* Receive one frame of any content; returns its size, copies into out. */
static int recv_any (void *s, void *out, size_t cap, int more)
{
    int rc = zmq_recv (s, out, cap, 0);
    CHECK (rc >= 0);
    int m = 0;
    size_t sz = sizeof m;
    CHECK (zmq_getsockopt (s, ZMQ_RCVMORE, &m, &sz) == 0);
    CHECK (m == more);
    return rc;
}

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

static void test_lockstep (void *ctx)
{
    void *rep = mk (ctx, ZMQ_REP);
    void *req = mk (ctx, ZMQ_REQ);
    CHECK (zmq_bind (rep, "inproc://lockstep") == 0);
    CHECK (zmq_connect (req, "inproc://lockstep") == 0);
    char buf[16];

    /* REQ must send first; REP must receive first. */
    CHECK (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EFSM);
    CHECK (zmq_recv (req, buf, sizeof buf, 0) == -1); /* even blocking */
    CHECK (errno == EFSM);
    CHECK (zmq_send (rep, "x", 1, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EFSM);

    for (int round = 0; round < 3; round++) {
        send_str (req, "ping", ZMQ_SNDMORE);
        /* In the middle of a multipart request further parts are fine. */
        send_str (req, "part2", 0);
        /* A second request before the reply: EFSM. */
        CHECK (zmq_send (req, "again", 5, 0) == -1);
        CHECK (errno == EFSM);
        CHECK (zmq_send (req, "again", 5, ZMQ_DONTWAIT) == -1);
        CHECK (errno == EFSM);

        recv_str (rep, "ping", 1);
        recv_str (rep, "part2", 0);
        /* REP cannot receive again before replying. */
        CHECK (zmq_recv (rep, buf, sizeof buf, ZMQ_DONTWAIT) == -1);
        CHECK (errno == EFSM);
        send_str (rep, "pong", ZMQ_SNDMORE);
        send_str (rep, "tail", 0);
        /* ... and cannot reply twice. */
        CHECK (zmq_send (rep, "twice", 5, 0) == -1);
        CHECK (errno == EFSM);

        recv_str (req, "pong", 1);
        recv_str (req, "tail", 0);
        CHECK (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT) == -1);
        CHECK (errno == EFSM);
    }
    /* REP waiting for a request with nothing there: EAGAIN, not EFSM. */
    CHECK (zmq_recv (rep, buf, sizeof buf, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EAGAIN);
    /* REQ whose request is unanswered: EAGAIN on recv. */
    send_str (req, "lonely", 0);
    CHECK (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EAGAIN);
    recv_str (rep, "lonely", 0);
    send_str (rep, "ok", 0);
    recv_str (req, "ok", 0);

    /* REQ with no peer at all: send blocks (EAGAIN with DONTWAIT) and
     * the state does not change. */
    void *alone = mk (ctx, ZMQ_REQ);
    CHECK (zmq_send (alone, "x", 1, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EAGAIN);
    CHECK (zmq_recv (alone, buf, sizeof buf, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EFSM);
    CHECK (zmq_close (alone) == 0);

    CHECK (zmq_close (req) == 0);
    CHECK (zmq_close (rep) == 0);
}

static void test_envelopes (void *ctx)
{
    /* REQ -> ROUTER: [routing id][empty delimiter][body...]. */
    char buf[16];
    void *router = mk (ctx, ZMQ_ROUTER);
    CHECK (zmq_bind (router, "inproc://env-router") == 0);
    void *req = mk (ctx, ZMQ_REQ);
    CHECK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "REQ1", 4) == 0);
    CHECK (zmq_connect (req, "inproc://env-router") == 0);
    send_str (req, "hello", ZMQ_SNDMORE);
    send_str (req, "world", 0);
    recv_str (router, "REQ1", 1);
    recv_empty (router, 1);
    recv_str (router, "hello", 1);
    recv_str (router, "world", 0);

    /* A reply without the delimiter is discarded by the REQ, then a
     * well-formed one is delivered without its envelope. */
    send_str (router, "REQ1", ZMQ_SNDMORE);
    send_str (router, "malformed", 0);
    send_str (router, "REQ1", ZMQ_SNDMORE);
    send_str (router, "x", ZMQ_SNDMORE); /* non-empty first frame */
    send_str (router, "malformed2", 0);
    send_str (router, "REQ1", ZMQ_SNDMORE);
    send_bytes (router, "", 0, ZMQ_SNDMORE);
    send_str (router, "reply", ZMQ_SNDMORE);
    send_str (router, "more", 0);
    recv_str (req, "reply", 1);
    recv_str (req, "more", 0);
    CHECK (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EFSM);
    CHECK (zmq_close (req) == 0);
    CHECK (zmq_close (router) == 0);

    /* DEALER -> REP: the DEALER supplies the envelope (delimiter and any
     * address frames before it); REP returns it unchanged with the reply. */
    void *rep = mk (ctx, ZMQ_REP);
    CHECK (zmq_bind (rep, "inproc://env-rep") == 0);
    void *dealer = mk (ctx, ZMQ_DEALER);
    CHECK (zmq_connect (dealer, "inproc://env-rep") == 0);
    send_bytes (dealer, "", 0, ZMQ_SNDMORE);
    send_str (dealer, "q1", 0);
    recv_str (rep, "q1", 0);
    send_str (rep, "r1", 0);
    recv_empty (dealer, 1);
    recv_str (dealer, "r1", 0);

    send_str (dealer, "addr1", ZMQ_SNDMORE);
    send_str (dealer, "addr2", ZMQ_SNDMORE);
    send_bytes (dealer, "", 0, ZMQ_SNDMORE);
    send_str (dealer, "q2", ZMQ_SNDMORE);
    send_str (dealer, "q2b", 0);
    recv_str (rep, "q2", 1);
    recv_str (rep, "q2b", 0);
    send_str (rep, "r2", 0);
    recv_str (dealer, "addr1", 1);
    recv_str (dealer, "addr2", 1);
    recv_empty (dealer, 1);
    recv_str (dealer, "r2", 0);

    /* A request without a delimiter is dropped silently by the REP. */
    send_str (dealer, "no-delimiter", 0);
    send_str (dealer, "still", ZMQ_SNDMORE);
    send_str (dealer, "none", 0);
    send_bytes (dealer, "", 0, ZMQ_SNDMORE);
    send_str (dealer, "q3", 0);
    recv_str (rep, "q3", 0);
    send_str (rep, "r3", 0);
    recv_empty (dealer, 1);
    recv_str (dealer, "r3", 0);
    expect_nothing (rep);
    CHECK (zmq_close (dealer) == 0);
    CHECK (zmq_close (rep) == 0);
}

static void test_req_round_robin (void *ctx)
{
    void *req = mk (ctx, ZMQ_REQ);
    void *reps[3];
    for (int i = 0; i < 3; i++) {
        char ep[32];
        snprintf (ep, sizeof ep, "inproc://rr%d", i);
        reps[i] = mk (ctx, ZMQ_REP);
        CHECK (zmq_bind (reps[i], ep) == 0);
        CHECK (zmq_connect (req, ep) == 0);
    }
    /* Requests go to the peers in connection order, cyclically. */
    for (int k = 0; k < 9; k++) {
        char q[16];
        snprintf (q, sizeof q, "q%d", k);
        send_str (req, q, 0);
        recv_str (reps[k % 3], q, 0);
        for (int j = 0; j < 3; j++)
            if (j != k % 3)
                expect_nothing (reps[j]);
        send_str (reps[k % 3], q, 0);
        recv_str (req, q, 0);
    }
    for (int i = 0; i < 3; i++)
        CHECK (zmq_close (reps[i]) == 0);
    CHECK (zmq_close (req) == 0);
}

static void test_rep_fair_queue (void *ctx)
{
    void *rep = mk (ctx, ZMQ_REP);
    CHECK (zmq_bind (rep, "inproc://fq") == 0);

    /* Several REQs: each gets its own answer back. */
    void *reqs[3];
    for (int i = 0; i < 3; i++) {
        reqs[i] = mk (ctx, ZMQ_REQ);
        CHECK (zmq_connect (reqs[i], "inproc://fq") == 0);
        char q[8];
        snprintf (q, sizeof q, "req%d", i);
        send_str (reqs[i], q, 0);
    }
    for (int i = 0; i < 3; i++) {
        char buf[16];
        int n = zmq_recv (rep, buf, sizeof buf - 1, 0);
        CHECK (n == 4);
        buf[n] = 0;
        /* fair-queued in connection order */
        CHECK (buf[3] == '0' + i);
        buf[0] = 'R';
        send_str (rep, buf, 0);
    }
    for (int i = 0; i < 3; i++) {
        char a[8];
        snprintf (a, sizeof a, "Req%d", i);
        recv_str (reqs[i], a, 0);
    }

    /* Two DEALERs each with three requests queued: one from each in turn. */
    void *d1 = mk (ctx, ZMQ_DEALER);
    void *d2 = mk (ctx, ZMQ_DEALER);
    CHECK (zmq_connect (d1, "inproc://fq") == 0);
    CHECK (zmq_connect (d2, "inproc://fq") == 0);
    for (int i = 0; i < 3; i++) {
        char m[8];
        snprintf (m, sizeof m, "a%d", i);
        send_bytes (d1, "", 0, ZMQ_SNDMORE);
        send_str (d1, m, 0);
    }
    for (int i = 0; i < 3; i++) {
        char m[8];
        snprintf (m, sizeof m, "b%d", i);
        send_bytes (d2, "", 0, ZMQ_SNDMORE);
        send_str (d2, m, 0);
    }
    const char *order[] = {"a0", "b0", "a1", "b1", "a2", "b2"};
    for (int i = 0; i < 6; i++) {
        recv_str (rep, order[i], 0);
        send_str (rep, order[i], 0);
    }
    for (int i = 0; i < 3; i++) {
        char m[8];
        snprintf (m, sizeof m, "a%d", i);
        recv_empty (d1, 1);
        recv_str (d1, m, 0);
        m[0] = 'b';
        recv_empty (d2, 1);
        recv_str (d2, m, 0);
    }
    /* A reply whose requester has gone is dropped; REP carries on. */
    send_bytes (d1, "", 0, ZMQ_SNDMORE);
    send_str (d1, "gone", 0);
    recv_str (rep, "gone", 0);
    CHECK (zmq_close (d1) == 0);
    send_str (rep, "nobody", 0);
    send_bytes (d2, "", 0, ZMQ_SNDMORE);
    send_str (d2, "here", 0);
    recv_str (rep, "here", 0);
    send_str (rep, "there", 0);
    recv_empty (d2, 1);
    recv_str (d2, "there", 0);

    CHECK (zmq_close (d2) == 0);
    for (int i = 0; i < 3; i++)
        CHECK (zmq_close (reqs[i]) == 0);
    CHECK (zmq_close (rep) == 0);
}

static void test_correlate_relaxed (void *ctx)
{
    /* On the wire (seen by a ROUTER): [routing id][request id, 4 bytes]
     * [empty][body]; consecutive requests carry consecutive ids. */
    void *router = mk (ctx, ZMQ_ROUTER);
    CHECK (zmq_bind (router, "inproc://corr-router") == 0);
    void *req = mk (ctx, ZMQ_REQ);
    set_int (req, ZMQ_REQ_CORRELATE, 1);
    set_int (req, ZMQ_REQ_RELAXED, 1);
    CHECK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "C", 1) == 0);
    CHECK (zmq_connect (req, "inproc://corr-router") == 0);

    send_str (req, "first", 0);
    /* Relaxed: a new request without waiting for the reply. */
    send_str (req, "second", 0);
    uint32_t id1, id2;
    recv_str (router, "C", 1);
    CHECK (recv_any (router, &id1, sizeof id1, 1) == 4);
    recv_empty (router, 1);
    recv_str (router, "first", 0);
    recv_str (router, "C", 1);
    CHECK (recv_any (router, &id2, sizeof id2, 1) == 4);
    recv_empty (router, 1);
    recv_str (router, "second", 0);
    CHECK (id2 == id1 + 1);

    /* Replies: the stale one (id1), one without the id, one with a wrong
     * id are all discarded; the one for id2 is delivered. */
    send_str (router, "C", ZMQ_SNDMORE);
    send_bytes (router, &id1, 4, ZMQ_SNDMORE);
    send_bytes (router, "", 0, ZMQ_SNDMORE);
    send_str (router, "stale", 0);
    send_str (router, "C", ZMQ_SNDMORE);
    send_bytes (router, "", 0, ZMQ_SNDMORE);
    send_str (router, "no-id", 0);
    uint32_t wrong = id2 + 7;
    send_str (router, "C", ZMQ_SNDMORE);
    send_bytes (router, &wrong, 4, ZMQ_SNDMORE);
    send_bytes (router, "", 0, ZMQ_SNDMORE);
    send_str (router, "wrong", 0);
    send_str (router, "C", ZMQ_SNDMORE);
    send_bytes (router, &id2, 4, ZMQ_SNDMORE);
    send_bytes (router, "", 0, ZMQ_SNDMORE);
    send_str (router, "fresh", 0);
    recv_str (req, "fresh", 0);
    CHECK (zmq_recv (req, &wrong, 4, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EFSM); /* reply consumed: back to sending state */
    CHECK (zmq_close (req) == 0);
    CHECK (zmq_close (router) == 0);

    /* Against a real REP: resend after no reply; only the latest reply is
     * seen. */
    void *rep = mk (ctx, ZMQ_REP);
    CHECK (zmq_bind (rep, "inproc://corr-rep") == 0);
    req = mk (ctx, ZMQ_REQ);
    set_int (req, ZMQ_REQ_CORRELATE, 1);
    set_int (req, ZMQ_REQ_RELAXED, 1);
    CHECK (zmq_connect (req, "inproc://corr-rep") == 0);
    send_str (req, "r1", 0);
    send_str (req, "r2", 0);
    recv_str (rep, "r1", 0);
    send_str (rep, "a1", 0);
    recv_str (rep, "r2", 0);
    send_str (rep, "a2", 0);
    recv_str (req, "a2", 0);
    CHECK (zmq_recv (req, &wrong, 4, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EFSM);
    /* Normal round trips continue. */
    send_str (req, "r3", 0);
    recv_str (rep, "r3", 0);
    send_str (rep, "a3", 0);
    recv_str (req, "a3", 0);
    CHECK (zmq_close (req) == 0);

    /* RELAXED also lifts the "send first" rule?  No: recv before any send
     * is still EFSM. */
    req = mk (ctx, ZMQ_REQ);
    set_int (req, ZMQ_REQ_RELAXED, 1);
    CHECK (zmq_connect (req, "inproc://corr-rep") == 0);
    CHECK (zmq_recv (req, &wrong, 4, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EFSM);
    CHECK (zmq_close (req) == 0);

    /* CORRELATE alone keeps strict alternation. */
    req = mk (ctx, ZMQ_REQ);
    set_int (req, ZMQ_REQ_CORRELATE, 1);
    CHECK (zmq_connect (req, "inproc://corr-rep") == 0);
    send_str (req, "s1", 0);
    CHECK (zmq_send (req, "s2", 2, 0) == -1);
    CHECK (errno == EFSM);
    recv_str (rep, "s1", 0);
    send_str (rep, "t1", 0);
    recv_str (req, "t1", 0);
    CHECK (zmq_close (req) == 0);
    CHECK (zmq_close (rep) == 0);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    test_lockstep (ctx);
    test_envelopes (ctx);
    test_req_round_robin (ctx);
    test_rep_fair_queue (ctx);
    test_correlate_relaxed (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
