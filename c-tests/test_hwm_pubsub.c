/* PUB/SUB at the high-water mark over inproc, pinned against libzmq 4.3.4:
 * - PUB never blocks: every send succeeds (DONTWAIT or not), messages over
 *   the limit are dropped;
 * - the subscriber receives exactly the first SNDHWM + RCVHWM messages,
 *   in order, and multipart messages are dropped whole, never cut;
 * - one slow subscriber does not hold back another;
 * - XPUB with XPUB_NODROP returns EAGAIN instead of dropping. */
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

#define CHECK_EQ(a, b)                                                        \
    do {                                                                      \
        long a_ = (long) (a), b_ = (long) (b);                                \
        if (a_ != b_) {                                                       \
            fprintf (stderr, "%s:%d: CHECK_EQ failed: %s == %ld, expected %ld\n", \
                     __FILE__, __LINE__, #a, a_, b_);                         \
            exit (1);                                                         \
        }                                                                     \
    } while (0)

static void set_int (void *s, int opt, int v)
{
    CHECK (zmq_setsockopt (s, opt, &v, sizeof v) == 0);
}

static void *mk (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RCVTIMEO, 2000);
    set_int (s, ZMQ_SNDTIMEO, 2000);
    return s;
}

static int ep_seq = 0;

/* Connect `sub` (subscribed to everything) to `pub` at `ep` and wait until
 * the subscription is in force by publishing probes.  Returns how many
 * probes `sub` received (all drained). */
static int attach (void *pub, void *sub, const char *ep, int bind_pub)
{
    CHECK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0) == 0);
    if (bind_pub)
        CHECK (zmq_bind (pub, ep) == 0);
    CHECK (zmq_connect (sub, ep) == 0);
    char b[16];
    for (int i = 0; i < 300; i++) {
        CHECK (zmq_send (pub, "probe", 5, ZMQ_DONTWAIT) == 5);
        zmq_poll (NULL, 0, 5);
        if (zmq_recv (sub, b, sizeof b, ZMQ_DONTWAIT) == 5) {
            int n = 1;
            while (zmq_recv (sub, b, sizeof b, ZMQ_DONTWAIT) >= 0)
                n++;
            return n;
        }
    }
    fprintf (stderr, "%s: subscription never took effect\n", __FILE__);
    exit (1);
}

/* The probes used up part of the pipe's accounting: the reader reports
 * what it has read only every low-water mark (lwm = (capacity + 1) / 2
 * messages), so `read` probes read leave read % lwm messages still counted
 * against the writer.  Publish and read padding up to the next multiple of
 * lwm, then let the PUB process the notice (ZMQ_EVENTS), so that the pipe
 * is exactly empty for the writer too. */
static void align (void *pub, void *sub, int read, int capacity)
{
    if (capacity == 0)
        return;
    int lwm = (capacity + 1) / 2;
    char b[16];
    for (int i = read % lwm; i % lwm != 0; i++) {
        CHECK (zmq_send (pub, "pad", 3, ZMQ_DONTWAIT) == 3);
        CHECK (zmq_recv (sub, b, sizeof b, 0) == 3);
    }
    int ev = 0;
    size_t sz = sizeof ev;
    CHECK (zmq_getsockopt (pub, ZMQ_EVENTS, &ev, &sz) == 0);
}

/* Publish `n` numbered messages; every send must succeed. */
static void publish (void *pub, int n, int flags)
{
    for (int i = 0; i < n; i++) {
        char m[16];
        int len = snprintf (m, sizeof m, "%d", i);
        CHECK (zmq_send (pub, m, len, flags) == len);
    }
}

/* Receive everything queued; it must be 0..count-1 in order. */
static int receive_in_order (void *sub)
{
    char m[16], want[16];
    int n = 0, len;
    while ((len = zmq_recv (sub, m, sizeof m, ZMQ_DONTWAIT)) >= 0) {
        int wl = snprintf (want, sizeof want, "%d", n);
        if (len != wl || memcmp (m, want, wl) != 0) {
            fprintf (stderr, "%s: message #%d is \"%.*s\"\n", __FILE__, n, len,
                     m);
            exit (1);
        }
        n++;
    }
    CHECK (errno == EAGAIN);
    return n;
}

static int pub_sub_count (void *ctx, int type, int sndhwm, int rcvhwm, int n,
                          int flags)
{
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://ps%d", ep_seq++);
    void *pub = mk (ctx, type);
    void *sub = mk (ctx, ZMQ_SUB);
    if (sndhwm >= 0)
        set_int (pub, ZMQ_SNDHWM, sndhwm);
    if (rcvhwm >= 0)
        set_int (sub, ZMQ_RCVHWM, rcvhwm);
    int cap = (sndhwm < 0 ? 1000 : sndhwm) + (rcvhwm < 0 ? 1000 : rcvhwm);
    if (sndhwm == 0 || rcvhwm == 0)
        cap = 0;
    align (pub, sub, attach (pub, sub, ep, 1), cap);
    publish (pub, n, flags);
    int got = receive_in_order (sub);
    CHECK (zmq_close (sub) == 0);
    CHECK (zmq_close (pub) == 0);
    return got;
}

static void test_pub_drops (void *ctx)
{
    CHECK_EQ (pub_sub_count (ctx, ZMQ_PUB, 5, 5, 100, ZMQ_DONTWAIT), 10);
    CHECK_EQ (pub_sub_count (ctx, ZMQ_PUB, 10, 3, 100, ZMQ_DONTWAIT), 13);
    CHECK_EQ (pub_sub_count (ctx, ZMQ_PUB, 1, 1, 100, ZMQ_DONTWAIT), 2);
    CHECK_EQ (pub_sub_count (ctx, ZMQ_PUB, -1, -1, 10000, ZMQ_DONTWAIT), 2000);
    /* A blocking send does not block either (SNDTIMEO would fail it). */
    CHECK_EQ (pub_sub_count (ctx, ZMQ_PUB, 5, 5, 100, 0), 10);
    /* Without NODROP an XPUB behaves the same. */
    CHECK_EQ (pub_sub_count (ctx, ZMQ_XPUB, 10, 3, 100, ZMQ_DONTWAIT), 13);
    /* Unbounded. */
    CHECK_EQ (pub_sub_count (ctx, ZMQ_PUB, 0, 5, 20000, ZMQ_DONTWAIT), 20000);
    CHECK_EQ (pub_sub_count (ctx, ZMQ_PUB, 5, 0, 20000, ZMQ_DONTWAIT), 20000);
}

static void test_refill_after_drop (void *ctx)
{
    void *pub = mk (ctx, ZMQ_PUB);
    void *sub = mk (ctx, ZMQ_SUB);
    set_int (pub, ZMQ_SNDHWM, 5);
    set_int (sub, ZMQ_RCVHWM, 5);
    align (pub, sub, attach (pub, sub, "inproc://refill", 1), 10);
    publish (pub, 50, ZMQ_DONTWAIT);
    CHECK_EQ (receive_in_order (sub), 10);
    /* Once the PUB has processed the reader's notices (ZMQ_EVENTS does)
     * the pipe takes 10 again; dropped messages are simply gone. */
    int ev = 0;
    size_t sz = sizeof ev;
    CHECK (zmq_getsockopt (pub, ZMQ_EVENTS, &ev, &sz) == 0);
    CHECK (ev & ZMQ_POLLOUT); /* a PUB is always writable */
    publish (pub, 50, ZMQ_DONTWAIT);
    CHECK_EQ (receive_in_order (sub), 10);
    CHECK (zmq_close (sub) == 0);
    CHECK (zmq_close (pub) == 0);

    /* A PUB with no subscriber at all is writable too. */
    pub = mk (ctx, ZMQ_PUB);
    CHECK (zmq_getsockopt (pub, ZMQ_EVENTS, &ev, &sz) == 0);
    CHECK (ev & ZMQ_POLLOUT);
    CHECK (zmq_close (pub) == 0);
}

static void test_multipart_whole (void *ctx)
{
    void *pub = mk (ctx, ZMQ_PUB);
    void *sub = mk (ctx, ZMQ_SUB);
    set_int (pub, ZMQ_SNDHWM, 3);
    set_int (sub, ZMQ_RCVHWM, 4);
    align (pub, sub, attach (pub, sub, "inproc://multi", 1), 7);
    for (int i = 0; i < 30; i++) {
        char m[16];
        int len = snprintf (m, sizeof m, "%d", i);
        CHECK (zmq_send (pub, m, len, ZMQ_SNDMORE | ZMQ_DONTWAIT) == len);
        CHECK (zmq_send (pub, "b", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT) == 1);
        CHECK (zmq_send (pub, "c", 1, ZMQ_DONTWAIT) == 1);
    }
    /* 7 complete three-frame messages: 0..6. */
    char m[16];
    int more = 0;
    size_t sz = sizeof more;
    for (int i = 0; i < 7; i++) {
        char want[16];
        int wl = snprintf (want, sizeof want, "%d", i);
        CHECK (zmq_recv (sub, m, sizeof m, ZMQ_DONTWAIT) == wl);
        CHECK (memcmp (m, want, wl) == 0);
        CHECK (zmq_getsockopt (sub, ZMQ_RCVMORE, &more, &sz) == 0 && more);
        CHECK (zmq_recv (sub, m, sizeof m, ZMQ_DONTWAIT) == 1 && m[0] == 'b');
        CHECK (zmq_getsockopt (sub, ZMQ_RCVMORE, &more, &sz) == 0 && more);
        CHECK (zmq_recv (sub, m, sizeof m, ZMQ_DONTWAIT) == 1 && m[0] == 'c');
        CHECK (zmq_getsockopt (sub, ZMQ_RCVMORE, &more, &sz) == 0 && !more);
    }
    CHECK (zmq_recv (sub, m, sizeof m, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EAGAIN);
    CHECK (zmq_close (sub) == 0);
    CHECK (zmq_close (pub) == 0);
}

static void test_independent_subscribers (void *ctx)
{
    void *pub = mk (ctx, ZMQ_PUB);
    set_int (pub, ZMQ_SNDHWM, 10);
    CHECK (zmq_bind (pub, "inproc://indep") == 0);
    void *slow = mk (ctx, ZMQ_SUB);
    void *fast = mk (ctx, ZMQ_SUB);
    set_int (slow, ZMQ_RCVHWM, 2);
    set_int (fast, ZMQ_RCVHWM, 0);
    int slow_read = attach (pub, slow, "inproc://indep", 0);
    attach (pub, fast, "inproc://indep", 0);
    /* attach(fast) sent probes that also reached slow: drain them. */
    char b[16];
    while (zmq_recv (slow, b, sizeof b, ZMQ_DONTWAIT) >= 0)
        slow_read++;
    align (pub, slow, slow_read, 12);
    while (zmq_recv (fast, b, sizeof b, ZMQ_DONTWAIT) >= 0)
        ;
    publish (pub, 500, ZMQ_DONTWAIT);
    CHECK_EQ (receive_in_order (slow), 12);
    CHECK_EQ (receive_in_order (fast), 500);
    CHECK (zmq_close (fast) == 0);
    CHECK (zmq_close (slow) == 0);
    CHECK (zmq_close (pub) == 0);
}

static void test_xpub_nodrop (void *ctx)
{
    void *xpub = mk (ctx, ZMQ_XPUB);
    set_int (xpub, ZMQ_XPUB_NODROP, 1);
    set_int (xpub, ZMQ_SNDHWM, 10);
    set_int (xpub, ZMQ_SNDTIMEO, 50);
    CHECK (zmq_bind (xpub, "inproc://nodrop") == 0);
    void *sub = mk (ctx, ZMQ_SUB);
    set_int (sub, ZMQ_RCVHWM, 3);
    CHECK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0) == 0);
    CHECK (zmq_connect (sub, "inproc://nodrop") == 0);
    char b[16];
    CHECK (zmq_recv (xpub, b, sizeof b, 0) == 1 && b[0] == 1);

    int i, rc = 0;
    for (i = 0; i < 100; i++) {
        char m[16];
        int len = snprintf (m, sizeof m, "%d", i);
        rc = zmq_send (xpub, m, len, ZMQ_DONTWAIT);
        if (rc < 0)
            break;
    }
    CHECK_EQ (i, 13);
    CHECK (rc == -1 && errno == EAGAIN);
    /* A blocking send waits for SNDTIMEO and then fails the same way. */
    CHECK (zmq_send (xpub, "x", 1, 0) == -1);
    CHECK (errno == EAGAIN);
    CHECK_EQ (receive_in_order (sub), 13);

    /* An XPUB with NODROP and no subscriber at all: nothing to block on,
     * the message is dropped and the send succeeds. */
    void *lonely = mk (ctx, ZMQ_XPUB);
    set_int (lonely, ZMQ_XPUB_NODROP, 1);
    for (i = 0; i < 5000; i++)
        CHECK (zmq_send (lonely, "x", 1, ZMQ_DONTWAIT) == 1);
    CHECK (zmq_close (lonely) == 0);

    CHECK (zmq_close (sub) == 0);
    CHECK (zmq_close (xpub) == 0);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    test_pub_drops (ctx);
    test_refill_after_drop (ctx);
    test_multipart_whole (ctx);
    test_independent_subscribers (ctx);
    test_xpub_nodrop (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
