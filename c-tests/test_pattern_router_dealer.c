/* ROUTER/DEALER over inproc, pinned against libzmq 4.3.4: generated routing
 * ids, explicit ROUTING_ID, ROUTER_MANDATORY (EHOSTUNREACH / EAGAIN) versus
 * silent drops, ROUTER_HANDOVER, CONNECT_ROUTING_ID, PROBE_ROUTER, DEALER
 * round-robin and fair-queueing, ROUTER to ROUTER. */
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

static void test_routing_ids (void *ctx)
{
    void *r = mk (ctx, ZMQ_ROUTER);
    CHECK (zmq_bind (r, "inproc://ids") == 0);
    void *d1 = mk (ctx, ZMQ_DEALER);
    void *d2 = mk (ctx, ZMQ_DEALER);
    void *named = mk (ctx, ZMQ_DEALER);
    CHECK (zmq_setsockopt (named, ZMQ_ROUTING_ID, "named-peer", 10) == 0);
    CHECK (zmq_connect (d1, "inproc://ids") == 0);
    CHECK (zmq_connect (d2, "inproc://ids") == 0);
    CHECK (zmq_connect (named, "inproc://ids") == 0);
    send_str (d1, "one", 0);
    send_str (d2, "two", 0);
    send_str (named, "three", ZMQ_SNDMORE);
    send_str (named, "four", 0);

    /* Generated ids: 5 bytes, a zero byte then a 32-bit big-endian
     * counter, so peers attached one after the other differ by one. */
    unsigned char id1[16], id2[16];
    CHECK (recv_any (r, id1, sizeof id1, 1) == 5);
    recv_str (r, "one", 0);
    CHECK (recv_any (r, id2, sizeof id2, 1) == 5);
    recv_str (r, "two", 0);
    CHECK (id1[0] == 0 && id2[0] == 0);
    unsigned long n1 = ((unsigned long) id1[1] << 24) | (id1[2] << 16)
                       | (id1[3] << 8) | id1[4];
    unsigned long n2 = ((unsigned long) id2[1] << 24) | (id2[2] << 16)
                       | (id2[3] << 8) | id2[4];
    CHECK (((n1 + 1) & 0xffffffffUL) == n2);
    /* An explicit ROUTING_ID is used verbatim; multipart after it. */
    recv_str (r, "named-peer", 1);
    recv_str (r, "three", 1);
    recv_str (r, "four", 0);

    /* Replies are routed by the first frame, which is stripped. */
    send_bytes (r, id2, 5, ZMQ_SNDMORE);
    send_str (r, "to-two", 0);
    send_bytes (r, id1, 5, ZMQ_SNDMORE);
    send_str (r, "to-one", ZMQ_SNDMORE);
    send_str (r, "more", 0);
    send_str (r, "named-peer", ZMQ_SNDMORE);
    send_str (r, "to-named", 0);
    recv_str (d2, "to-two", 0);
    recv_str (d1, "to-one", 1);
    recv_str (d1, "more", 0);
    recv_str (named, "to-named", 0);
    expect_nothing (d1);
    expect_nothing (d2);

    CHECK (zmq_close (named) == 0);
    CHECK (zmq_close (d2) == 0);
    CHECK (zmq_close (d1) == 0);
    CHECK (zmq_close (r) == 0);

    /* ROUTING_ID must be 1..255 bytes. */
    void *d = mk (ctx, ZMQ_DEALER);
    char big[256];
    memset (big, 'x', sizeof big);
    CHECK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "", 0) == -1);
    CHECK (errno == EINVAL);
    CHECK (zmq_setsockopt (d, ZMQ_ROUTING_ID, big, 256) == -1);
    CHECK (errno == EINVAL);
    CHECK (zmq_setsockopt (d, ZMQ_ROUTING_ID, big, 255) == 0);
    CHECK (zmq_close (d) == 0);
}

static void test_mandatory (void *ctx)
{
    void *r = mk (ctx, ZMQ_ROUTER);
    CHECK (zmq_bind (r, "inproc://mand") == 0);

    /* Without ROUTER_MANDATORY an unknown id is dropped silently. */
    send_str (r, "nobody", ZMQ_SNDMORE);
    send_str (r, "lost", 0);

    set_int (r, ZMQ_ROUTER_MANDATORY, 1);
    CHECK (zmq_send (r, "nobody", 6, ZMQ_SNDMORE) == -1);
    CHECK (errno == EHOSTUNREACH);
    CHECK (zmq_send (r, "nobody", 6, ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1);
    CHECK (errno == EHOSTUNREACH);

    /* Full pipe: SNDHWM 2 on the router + RCVHWM 2 on the dealer = 4. */
    void *r2 = mk (ctx, ZMQ_ROUTER);
    set_int (r2, ZMQ_SNDHWM, 2);
    CHECK (zmq_bind (r2, "inproc://full") == 0);
    void *d = mk (ctx, ZMQ_DEALER);
    set_int (d, ZMQ_RCVHWM, 2);
    CHECK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "D", 1) == 0);
    CHECK (zmq_connect (d, "inproc://full") == 0);
    send_str (d, "hello", 0);
    recv_str (r2, "D", 1);
    recv_str (r2, "hello", 0);

    /* Not mandatory: all sends succeed, only 4 arrive. */
    for (int i = 0; i < 20; i++) {
        send_str (r2, "D", ZMQ_SNDMORE);
        char m[8];
        snprintf (m, sizeof m, "m%d", i);
        send_str (r2, m, 0);
    }
    for (int i = 0; i < 4; i++) {
        char m[8];
        snprintf (m, sizeof m, "m%d", i);
        recv_str (d, m, 0);
    }
    expect_nothing (d);

    /* Mandatory: the routing-id frame itself fails with EAGAIN when the
     * peer's pipe is full, with DONTWAIT or after SNDTIMEO. */
    set_int (r2, ZMQ_ROUTER_MANDATORY, 1);
    set_int (r2, ZMQ_SNDTIMEO, 100);
    for (int i = 0; i < 4; i++) {
        send_str (r2, "D", ZMQ_SNDMORE); /* blocking: waits for room */
        send_str (r2, "n", 0);
    }
    CHECK (zmq_send (r2, "D", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1);
    CHECK (errno == EAGAIN);
    CHECK (zmq_send (r2, "D", 1, ZMQ_SNDMORE) == -1);
    CHECK (errno == EAGAIN);
    /* Unknown ids still give EHOSTUNREACH. */
    CHECK (zmq_send (r2, "E", 1, ZMQ_SNDMORE) == -1);
    CHECK (errno == EHOSTUNREACH);
    for (int i = 0; i < 4; i++)
        recv_str (d, "n", 0);
    expect_nothing (d);
    send_str (r2, "D", ZMQ_SNDMORE);
    send_str (r2, "after", 0);
    recv_str (d, "after", 0);

    /* A peer that disconnects becomes unreachable.  Until the ROUTER has
     * noticed, sends may still succeed or hit the full pipe (EAGAIN); and
     * libzmq only completes the disconnect once the ROUTER reads from the
     * dying pipe (it must see the end-of-pipe marker), so the loop calls
     * recv as an application would - without it libzmq can stay at EAGAIN
     * indefinitely. */
    CHECK (zmq_close (d) == 0);
    int rc = 0;
    for (int i = 0; i < 200; i++) {
        char tmp[8];
        CHECK (zmq_recv (r2, tmp, sizeof tmp, ZMQ_DONTWAIT) == -1);
        CHECK (errno == EAGAIN);
        rc = zmq_send (r2, "D", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        if (rc == -1 && errno == EHOSTUNREACH)
            break;
        CHECK (rc == 1 || errno == EAGAIN);
        if (rc == 1)
            send_str (r2, "x", 0);
        zmq_poll (NULL, 0, 10);
    }
    CHECK (rc == -1 && errno == EHOSTUNREACH);

    CHECK (zmq_close (r2) == 0);
    CHECK (zmq_close (r) == 0);
}

static void test_handover (void *ctx)
{
    void *r = mk (ctx, ZMQ_ROUTER);
    CHECK (zmq_bind (r, "inproc://handover") == 0);
    void *a = mk (ctx, ZMQ_DEALER);
    void *b = mk (ctx, ZMQ_DEALER);
    void *c = mk (ctx, ZMQ_DEALER);
    CHECK (zmq_setsockopt (a, ZMQ_ROUTING_ID, "X", 1) == 0);
    CHECK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "X", 1) == 0);
    CHECK (zmq_setsockopt (c, ZMQ_ROUTING_ID, "X", 1) == 0);

    CHECK (zmq_connect (a, "inproc://handover") == 0);
    send_str (a, "from-a", 0);
    recv_str (r, "X", 1);
    recv_str (r, "from-a", 0);

    /* Without handover a second peer with the same id is refused: what it
     * sends never arrives, and "X" still means the first peer. */
    CHECK (zmq_connect (b, "inproc://handover") == 0);
    send_str (b, "from-b", 0); /* queued on b's side, then discarded */
    send_str (r, "X", ZMQ_SNDMORE);
    send_str (r, "to-X-1", 0);
    recv_str (a, "to-X-1", 0);
    expect_nothing (r);
    expect_nothing (b);

    /* With handover the newest peer takes the id over and the old
     * connection is closed. */
    set_int (r, ZMQ_ROUTER_HANDOVER, 1);
    CHECK (zmq_connect (c, "inproc://handover") == 0);
    send_str (c, "from-c", 0);
    recv_str (r, "X", 1);
    recv_str (r, "from-c", 0);
    send_str (r, "X", ZMQ_SNDMORE);
    send_str (r, "to-X-2", 0);
    recv_str (c, "to-X-2", 0);
    expect_nothing (a);
    expect_nothing (b);
    /* The displaced peer has no pipe any more. */
    int rc = 0;
    for (int i = 0; i < 100; i++) {
        rc = zmq_send (a, "a-again", 7, ZMQ_DONTWAIT);
        if (rc == -1)
            break;
        zmq_poll (NULL, 0, 10);
    }
    CHECK (rc == -1 && errno == EAGAIN);
    expect_nothing (r);

    CHECK (zmq_close (a) == 0);
    CHECK (zmq_close (b) == 0);
    CHECK (zmq_close (c) == 0);
    CHECK (zmq_close (r) == 0);
}

static void test_connect_routing_id (void *ctx)
{
    void *s1 = mk (ctx, ZMQ_ROUTER);
    void *s2 = mk (ctx, ZMQ_ROUTER);
    CHECK (zmq_setsockopt (s1, ZMQ_ROUTING_ID, "S1", 2) == 0);
    CHECK (zmq_bind (s1, "inproc://cri-1") == 0);
    CHECK (zmq_bind (s2, "inproc://cri-2") == 0);

    void *c = mk (ctx, ZMQ_ROUTER);
    set_int (c, ZMQ_ROUTER_MANDATORY, 1);
    CHECK (zmq_setsockopt (c, ZMQ_ROUTING_ID, "C", 1) == 0);
    /* The alias applies to the next connect only, and overrides the
     * peer's own ROUTING_ID. */
    CHECK (zmq_setsockopt (c, ZMQ_CONNECT_ROUTING_ID, "alias1", 6) == 0);
    CHECK (zmq_connect (c, "inproc://cri-1") == 0);
    CHECK (zmq_setsockopt (c, ZMQ_CONNECT_ROUTING_ID, "alias2", 6) == 0);
    CHECK (zmq_connect (c, "inproc://cri-2") == 0);

    /* Usable immediately, no handshake needed. */
    send_str (c, "alias2", ZMQ_SNDMORE);
    send_str (c, "to-2", 0);
    send_str (c, "alias1", ZMQ_SNDMORE);
    send_str (c, "to-1", 0);
    CHECK (zmq_send (c, "S1", 2, ZMQ_SNDMORE) == -1);
    CHECK (errno == EHOSTUNREACH);
    recv_str (s1, "C", 1);
    recv_str (s1, "to-1", 0);
    recv_str (s2, "C", 1);
    recv_str (s2, "to-2", 0);

    /* Answers come back under the alias. */
    send_str (s1, "C", ZMQ_SNDMORE);
    send_str (s1, "from-1", 0);
    recv_str (c, "alias1", 1);
    recv_str (c, "from-1", 0);

    /* (Reusing an alias that is in use aborts libzmq 4.3.4 with
     * "Assertion failed: !has_out_pipe (routing_id)": not pinned.) */

    CHECK (zmq_close (c) == 0);
    CHECK (zmq_close (s2) == 0);
    CHECK (zmq_close (s1) == 0);
}

static void test_probe_router (void *ctx)
{
    void *r = mk (ctx, ZMQ_ROUTER);
    CHECK (zmq_bind (r, "inproc://probe") == 0);
    /* A DEALER with PROBE_ROUTER announces itself with an empty message. */
    void *d = mk (ctx, ZMQ_DEALER);
    set_int (d, ZMQ_PROBE_ROUTER, 1);
    CHECK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "P", 1) == 0);
    CHECK (zmq_connect (d, "inproc://probe") == 0);
    recv_str (r, "P", 1);
    recv_empty (r, 0);
    expect_nothing (r);
    /* So the router can talk first. */
    send_str (r, "P", ZMQ_SNDMORE);
    send_str (r, "hi", 0);
    recv_str (d, "hi", 0);

    /* A ROUTER with PROBE_ROUTER does the same. */
    void *rp = mk (ctx, ZMQ_ROUTER);
    set_int (rp, ZMQ_PROBE_ROUTER, 1);
    CHECK (zmq_setsockopt (rp, ZMQ_ROUTING_ID, "RP", 2) == 0);
    CHECK (zmq_connect (rp, "inproc://probe") == 0);
    recv_str (r, "RP", 1);
    recv_empty (r, 0);
    expect_nothing (r);

    /* Without the option nothing is sent on connect. */
    void *quiet = mk (ctx, ZMQ_DEALER);
    CHECK (zmq_connect (quiet, "inproc://probe") == 0);
    send_str (d, "marker", 0);
    recv_str (r, "P", 1);
    recv_str (r, "marker", 0);
    expect_nothing (r);

    CHECK (zmq_close (quiet) == 0);
    CHECK (zmq_close (rp) == 0);
    CHECK (zmq_close (d) == 0);
    CHECK (zmq_close (r) == 0);
}

static void test_dealer_lb_fq (void *ctx)
{
    void *d = mk (ctx, ZMQ_DEALER);
    CHECK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "D", 1) == 0);
    /* No peer: send would block. */
    CHECK (zmq_send (d, "x", 1, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EAGAIN);

    void *r[3];
    for (int i = 0; i < 3; i++) {
        char ep[32];
        snprintf (ep, sizeof ep, "inproc://lb%d", i);
        r[i] = mk (ctx, ZMQ_ROUTER);
        CHECK (zmq_bind (r[i], ep) == 0);
        CHECK (zmq_connect (d, ep) == 0);
    }
    /* Round-robin in connection order; a multipart message stays on one
     * peer and counts once. */
    for (int k = 0; k < 9; k++) {
        char m[8];
        snprintf (m, sizeof m, "m%d", k);
        send_str (d, m, k == 4 ? ZMQ_SNDMORE : 0);
        if (k == 4)
            send_str (d, "m4-tail", 0);
    }
    for (int k = 0; k < 9; k++) {
        char m[8];
        snprintf (m, sizeof m, "m%d", k);
        recv_str (r[k % 3], "D", 1);
        recv_str (r[k % 3], m, k == 4);
        if (k == 4)
            recv_str (r[k % 3], "m4-tail", 0);
    }
    for (int i = 0; i < 3; i++)
        expect_nothing (r[i]);

    /* Fair-queueing: three messages queued by each router arrive one
     * from each in turn. */
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) {
            char m[8];
            snprintf (m, sizeof m, "r%d-%d", i, k);
            send_str (r[i], "D", ZMQ_SNDMORE);
            send_str (r[i], m, 0);
        }
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 3; i++) {
            char m[8];
            snprintf (m, sizeof m, "r%d-%d", i, k);
            recv_str (d, m, 0);
        }
    expect_nothing (d);
    for (int i = 0; i < 3; i++)
        CHECK (zmq_close (r[i]) == 0);
    CHECK (zmq_close (d) == 0);
}

static void test_router_router (void *ctx)
{
    void *a = mk (ctx, ZMQ_ROUTER);
    void *b = mk (ctx, ZMQ_ROUTER);
    set_int (a, ZMQ_ROUTER_MANDATORY, 1);
    set_int (b, ZMQ_ROUTER_MANDATORY, 1);
    CHECK (zmq_setsockopt (a, ZMQ_ROUTING_ID, "A", 1) == 0);
    CHECK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "B", 1) == 0);
    CHECK (zmq_bind (a, "inproc://r2r") == 0);
    CHECK (zmq_connect (b, "inproc://r2r") == 0);
    /* Over inproc the connecting ROUTER knows the bound one's id at once. */
    send_str (b, "A", ZMQ_SNDMORE);
    send_str (b, "hello", 0);
    recv_str (a, "B", 1);
    recv_str (a, "hello", 0);
    send_str (a, "B", ZMQ_SNDMORE);
    send_str (a, "back", ZMQ_SNDMORE);
    send_str (a, "tail", 0);
    recv_str (b, "A", 1);
    recv_str (b, "back", 1);
    recv_str (b, "tail", 0);
    CHECK (zmq_close (b) == 0);
    CHECK (zmq_close (a) == 0);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    test_routing_ids (ctx);
    test_mandatory (ctx);
    test_handover (ctx);
    test_connect_routing_id (ctx);
    test_probe_router (ctx);
    test_dealer_lb_fq (ctx);
    test_router_router (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
