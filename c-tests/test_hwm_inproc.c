/* High-water marks over inproc, pinned against libzmq 4.3.4:
 * - a pipe holds SNDHWM (writer) + RCVHWM (reader) messages, whichever side
 *   binds first; 0 on either side means unbounded;
 * - before the bind of a connect-first pair exists, only SNDHWM fits; the
 *   reader's RCVHWM is added when the bind happens;
 * - after reading from a full pipe the writer sees room again only when the
 *   reader has read a low-water mark's worth, lwm = (capacity + 1) / 2,
 *   and then in steps of lwm;
 * - a multipart message counts as one.
 *
 * Note: libzmq processes the reader's "I have read n" notices lazily; a
 * DONTWAIT send right after the reader made room may still fail with EAGAIN
 * (command processing in send is throttled to about once per millisecond).
 * The tests therefore query ZMQ_EVENTS (which processes them) or use a
 * blocking send bounded by SNDTIMEO before counting. */
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

/* Send 1-byte messages with DONTWAIT until EAGAIN or `max`. */
static int fill (void *s, int max)
{
    int i;
    for (i = 0; i < max; i++) {
        int rc = zmq_send (s, "m", 1, ZMQ_DONTWAIT);
        if (rc < 0) {
            CHECK (errno == EAGAIN);
            break;
        }
        CHECK (rc == 1);
    }
    return i;
}

static int drain (void *s)
{
    char b[8];
    int n = 0;
    while (zmq_recv (s, b, sizeof b, ZMQ_DONTWAIT) >= 0)
        n++;
    CHECK (errno == EAGAIN);
    return n;
}

/* ZMQ_EVENTS processes pending commands, so it reflects the latest read
 * notifications from the peer (a DONTWAIT send may not, see below). */
static int can_send (void *s)
{
    int ev = 0;
    size_t sz = sizeof ev;
    CHECK (zmq_getsockopt (s, ZMQ_EVENTS, &ev, &sz) == 0);
    return (ev & ZMQ_POLLOUT) != 0;
}

static int ep_seq = 0;

/* Capacity of a PUSH->PULL pipe; sndhwm/rcvhwm < 0 leave the default. */
static int capacity (void *ctx, int sndhwm, int rcvhwm, int connect_first,
                     int max)
{
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://cap%d", ep_seq++);
    void *push = mk (ctx, ZMQ_PUSH);
    void *pull = mk (ctx, ZMQ_PULL);
    if (sndhwm >= 0)
        set_int (push, ZMQ_SNDHWM, sndhwm);
    if (rcvhwm >= 0)
        set_int (pull, ZMQ_RCVHWM, rcvhwm);
    if (connect_first) {
        CHECK (zmq_connect (push, ep) == 0);
        CHECK (zmq_bind (pull, ep) == 0);
    } else {
        CHECK (zmq_bind (pull, ep) == 0);
        CHECK (zmq_connect (push, ep) == 0);
    }
    int n = fill (push, max);
    CHECK_EQ (drain (pull), n);
    CHECK (zmq_close (push) == 0);
    CHECK (zmq_close (pull) == 0);
    return n;
}

static void test_capacity (void *ctx)
{
    for (int cf = 0; cf < 2; cf++) {
        CHECK_EQ (capacity (ctx, 5, 5, cf, 100000), 10);
        CHECK_EQ (capacity (ctx, 10, 3, cf, 100000), 13);
        CHECK_EQ (capacity (ctx, 3, 10, cf, 100000), 13);
        CHECK_EQ (capacity (ctx, 1, 1, cf, 100000), 2);
        CHECK_EQ (capacity (ctx, 1000, 1000, cf, 100000), 2000);
        CHECK_EQ (capacity (ctx, -1, -1, cf, 100000), 2000); /* defaults */
        /* 0 on either side: unbounded (checked up to 50000). */
        CHECK_EQ (capacity (ctx, 0, 5, cf, 50000), 50000);
        CHECK_EQ (capacity (ctx, 5, 0, cf, 50000), 50000);
        CHECK_EQ (capacity (ctx, 0, 0, cf, 50000), 50000);
    }

    /* Default HWMs read back as 1000. */
    void *s = mk (ctx, ZMQ_PUSH);
    int v = 0;
    size_t sz = sizeof v;
    CHECK (zmq_getsockopt (s, ZMQ_SNDHWM, &v, &sz) == 0);
    CHECK_EQ (v, 1000);
    CHECK (zmq_getsockopt (s, ZMQ_RCVHWM, &v, &sz) == 0);
    CHECK_EQ (v, 1000);
    CHECK (zmq_close (s) == 0);
}

static void test_pair_directions (void *ctx)
{
    /* Each direction of a PAIR has its own pipe: writer SNDHWM + reader
     * RCVHWM. */
    void *a = mk (ctx, ZMQ_PAIR);
    void *b = mk (ctx, ZMQ_PAIR);
    set_int (a, ZMQ_SNDHWM, 10);
    set_int (a, ZMQ_RCVHWM, 6);
    set_int (b, ZMQ_SNDHWM, 4);
    set_int (b, ZMQ_RCVHWM, 3);
    CHECK (zmq_bind (a, "inproc://pair-hwm") == 0);
    CHECK (zmq_connect (b, "inproc://pair-hwm") == 0);
    CHECK_EQ (fill (a, 1000), 13);
    CHECK_EQ (fill (b, 1000), 10);
    CHECK_EQ (drain (b), 13);
    CHECK_EQ (drain (a), 10);
    CHECK (zmq_close (b) == 0);
    CHECK (zmq_close (a) == 0);
}

static void test_before_bind (void *ctx)
{
    /* Connect first, fill before the bind: only the writer's SNDHWM (its
     * own RCVHWM does not count)... */
    void *push = mk (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_SNDHWM, 5);
    set_int (push, ZMQ_RCVHWM, 7);
    CHECK (zmq_connect (push, "inproc://prebind") == 0);
    CHECK_EQ (fill (push, 1000), 5);
    /* ...then the reader's RCVHWM is added by the bind. */
    void *pull = mk (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_RCVHWM, 3);
    CHECK (zmq_bind (pull, "inproc://prebind") == 0);
    CHECK (can_send (push));
    CHECK_EQ (fill (push, 1000), 3);
    CHECK_EQ (drain (pull), 8);
    CHECK (zmq_close (pull) == 0);
    CHECK (zmq_close (push) == 0);
}

/* Fill a pipe of capacity `cap`, then read one message at a time: the
 * writer can send again only once `lwm` messages have been read; after the
 * whole queue is read it has room for `refill`. */
static void check_lwm (void *ctx, int sndhwm, int rcvhwm, int cap, int lwm,
                       int refill)
{
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://lwm%d", ep_seq++);
    void *push = mk (ctx, ZMQ_PUSH);
    void *pull = mk (ctx, ZMQ_PULL);
    set_int (push, ZMQ_SNDHWM, sndhwm);
    set_int (pull, ZMQ_RCVHWM, rcvhwm);
    CHECK (zmq_bind (pull, ep) == 0);
    CHECK (zmq_connect (push, ep) == 0);
    CHECK_EQ (fill (push, 100000), cap);
    CHECK (!can_send (push));
    char b[8];
    for (int r = 1; r <= cap; r++) {
        CHECK (zmq_recv (pull, b, sizeof b, 0) == 1);
        if (can_send (push) != (r >= lwm)) {
            fprintf (stderr, "%s:%d: %d/%d: after %d reads can_send=%d, "
                     "expected room from read %d on\n", __FILE__, __LINE__,
                     sndhwm, rcvhwm, r, !(r >= lwm), lwm);
            exit (1);
        }
    }
    CHECK_EQ (fill (push, 100000), refill);
    CHECK_EQ (drain (pull), refill);
    CHECK (zmq_close (push) == 0);
    CHECK (zmq_close (pull) == 0);
}

static void test_low_water_mark (void *ctx)
{
    check_lwm (ctx, 5, 5, 10, 5, 10);
    check_lwm (ctx, 10, 3, 13, 7, 7); /* 13 read, only 7 reported */
    check_lwm (ctx, 3, 10, 13, 7, 7);
    check_lwm (ctx, 1, 1, 2, 1, 2);
    check_lwm (ctx, 2, 1, 3, 2, 2);
    check_lwm (ctx, 1000, 1000, 2000, 1000, 2000);

    /* Partial refill: after 7 reads of a full 10/3 pipe exactly 7 fit;
     * reading 7 more (14 total) reports again. */
    void *push = mk (ctx, ZMQ_PUSH);
    void *pull = mk (ctx, ZMQ_PULL);
    set_int (push, ZMQ_SNDHWM, 10);
    set_int (pull, ZMQ_RCVHWM, 3);
    set_int (push, ZMQ_SNDTIMEO, 50);
    CHECK (zmq_bind (pull, "inproc://lwm-partial") == 0);
    CHECK (zmq_connect (push, "inproc://lwm-partial") == 0);
    CHECK_EQ (fill (push, 1000), 13);
    char b[8];
    for (int i = 0; i < 7; i++)
        CHECK (zmq_recv (pull, b, sizeof b, 0) == 1);
    /* A blocking send (bounded by SNDTIMEO) sees the room. */
    CHECK (zmq_send (push, "m", 1, 0) == 1);
    CHECK_EQ (fill (push, 1000), 6);
    CHECK (zmq_send (push, "m", 1, 0) == -1);
    CHECK (errno == EAGAIN);
    for (int i = 0; i < 7; i++)
        CHECK (zmq_recv (pull, b, sizeof b, 0) == 1);
    CHECK (can_send (push));
    CHECK_EQ (fill (push, 1000), 7);
    CHECK_EQ (drain (pull), 13);
    CHECK (zmq_close (push) == 0);
    CHECK (zmq_close (pull) == 0);
}

static void test_multipart_counts_once (void *ctx)
{
    void *push = mk (ctx, ZMQ_PUSH);
    void *pull = mk (ctx, ZMQ_PULL);
    set_int (push, ZMQ_SNDHWM, 5);
    set_int (pull, ZMQ_RCVHWM, 5);
    CHECK (zmq_bind (pull, "inproc://multi") == 0);
    CHECK (zmq_connect (push, "inproc://multi") == 0);
    int sent = 0;
    for (int i = 0; i < 100; i++) {
        if (zmq_send (push, "a", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
            CHECK (errno == EAGAIN);
            break;
        }
        /* Once the first frame is in, the rest always go in. */
        CHECK (zmq_send (push, "b", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT) == 1);
        CHECK (zmq_send (push, "c", 1, ZMQ_DONTWAIT) == 1);
        sent++;
    }
    CHECK_EQ (sent, 10);
    int frames = 0, more = 0;
    char b[8];
    size_t sz = sizeof more;
    while (zmq_recv (pull, b, sizeof b, ZMQ_DONTWAIT) >= 0) {
        CHECK (zmq_getsockopt (pull, ZMQ_RCVMORE, &more, &sz) == 0);
        CHECK_EQ (more, frames % 3 != 2);
        frames++;
    }
    CHECK_EQ (frames, 30);

    /* Large multipart messages as well: 100 frames each, still 10.  (The
     * pipe was fully read: 10 messages, two low-water marks, so the writer
     * has the whole capacity back once it has processed the notices.) */
    CHECK (can_send (push));
    sent = 0;
    for (int i = 0; i < 100; i++) {
        if (zmq_send (push, "a", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
            break;
        for (int k = 0; k < 98; k++)
            CHECK (zmq_send (push, "b", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT) == 1);
        CHECK (zmq_send (push, "c", 1, ZMQ_DONTWAIT) == 1);
        sent++;
    }
    CHECK_EQ (sent, 10);
    CHECK_EQ (drain (pull), 1000);
    CHECK (zmq_close (push) == 0);
    CHECK (zmq_close (pull) == 0);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    test_capacity (ctx);
    test_pair_directions (ctx);
    test_before_bind (ctx);
    test_low_water_mark (ctx);
    test_multipart_counts_once (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
