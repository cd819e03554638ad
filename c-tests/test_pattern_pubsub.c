/* PUB/SUB over inproc: prefix filtering, empty subscription, counted
 * subscribe/unsubscribe, several subscribers, connect-before-bind,
 * ZMQ_INVERT_MATCHING, multipart delivered whole, ENOTSUP directions.
 *
 * Subscriptions travel asynchronously from SUB to PUB, so every test first
 * "settles": it subscribes to a private marker topic after the subscriptions
 * under test and publishes the marker until it arrives.  Since a SUB's
 * (un)subscriptions reach the PUB in order, once the marker arrives all
 * earlier (un)subscriptions are in force. */
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

static void sub (void *s, const char *topic)
{
    CHECK (zmq_setsockopt (s, ZMQ_SUBSCRIBE, topic, strlen (topic)) == 0);
}

static void unsub (void *s, const char *topic)
{
    CHECK (zmq_setsockopt (s, ZMQ_UNSUBSCRIBE, topic, strlen (topic)) == 0);
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
        fprintf (stderr, "%s:%d: \"%s\": RCVMORE %d, expected %d\n", __FILE__,
                 line, expect, m, more);
        exit (1);
    }
}
#define recv_str(s, e, m) recv_str_ (s, e, m, __LINE__)

static void expect_nothing_ (void *s, int line)
{
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT);
    if (n != -1 || errno != EAGAIN) {
        fprintf (stderr, "%s:%d: expected nothing, got rc=%d \"%.*s\"\n",
                 __FILE__, line, n, n > 0 ? n : 0, buf);
        exit (1);
    }
}
#define expect_nothing(s) expect_nothing_ (s, __LINE__)

/* Publish `marker` until `s` (already subscribed to it) receives it. */
static void settle (void *pub, void *s, const char *marker)
{
    char buf[256];
    for (int i = 0; i < 300; i++) {
        send_str (pub, marker, 0);
        int n = zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT);
        if (n < 0) {
            zmq_poll (NULL, 0, 10);
            n = zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT);
        }
        if (n >= 0) {
            CHECK (n == (int) strlen (marker) && memcmp (buf, marker, n) == 0);
            expect_nothing (s);
            return;
        }
    }
    fprintf (stderr, "%s: subscription to \"%s\" never took effect\n",
             __FILE__, marker);
    exit (1);
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

static void test_prefix_filter (void *ctx)
{
    void *pub = mk (ctx, ZMQ_PUB);
    void *s = mk (ctx, ZMQ_SUB);
    CHECK (zmq_bind (pub, "inproc://prefix") == 0);
    CHECK (zmq_connect (s, "inproc://prefix") == 0);
    sub (s, "AB");
    sub (s, "\x01"); /* binary topics are ordinary prefixes on a SUB */
    sub (s, "#");
    settle (pub, s, "#");

    send_str (pub, "A", 0);      /* shorter than the prefix: no */
    send_str (pub, "AB", 0);     /* equal: yes */
    send_str (pub, "ABC", 0);    /* longer: yes */
    send_str (pub, "BAB", 0);    /* prefix only, not substring: no */
    send_str (pub, "ab", 0);     /* case-sensitive: no */
    CHECK (zmq_send (pub, "", 0, 0) == 0); /* empty: no */
    send_str (pub, "\x01x", 0); /* yes */
    send_str (pub, "xAB", 0);    /* no */
    send_str (pub, "#end", 0);
    recv_str (s, "AB", 0);
    recv_str (s, "ABC", 0);
    recv_str (s, "\x01x", 0);
    recv_str (s, "#end", 0);
    expect_nothing (s);

    /* SUB cannot send, PUB cannot receive. */
    CHECK (zmq_send (s, "x", 1, ZMQ_DONTWAIT) == -1);
    CHECK (errno == ENOTSUP);
    char buf[8];
    CHECK (zmq_recv (pub, buf, sizeof buf, ZMQ_DONTWAIT) == -1);
    CHECK (errno == ENOTSUP);

    /* Unsubscribing from something never subscribed is not an error. */
    unsub (s, "never");
    /* Publishing with no subscriber at all succeeds (dropped). */
    void *lonely = mk (ctx, ZMQ_PUB);
    for (int i = 0; i < 5000; i++)
        CHECK (zmq_send (lonely, "x", 1, ZMQ_DONTWAIT) == 1);
    CHECK (zmq_close (lonely) == 0);

    CHECK (zmq_close (s) == 0);
    CHECK (zmq_close (pub) == 0);
}

static void test_empty_subscription (void *ctx)
{
    void *pub = mk (ctx, ZMQ_PUB);
    void *s = mk (ctx, ZMQ_SUB);
    CHECK (zmq_bind (pub, "inproc://empty") == 0);
    CHECK (zmq_connect (s, "inproc://empty") == 0);
    /* Without any subscription nothing is received. */
    send_str (pub, "nothing", 0);
    zmq_poll (NULL, 0, 20);
    send_str (pub, "nothing", 0);
    expect_nothing (s);

    sub (s, "");
    settle (pub, s, "first");
    CHECK (zmq_send (pub, "", 0, 0) == 0);
    send_str (pub, "anything", 0);
    send_str (pub, "\x00\x01", 0);
    char buf[8];
    CHECK (zmq_recv (s, buf, sizeof buf, 0) == 0);
    recv_str (s, "anything", 0);
    CHECK (zmq_recv (s, buf, sizeof buf, 0) == 0); /* "\x00\x01" is "" to strlen */

    /* Removing the empty subscription stops everything. */
    unsub (s, "");
    sub (s, "#m");
    settle (pub, s, "#m");
    send_str (pub, "anything", 0);
    send_str (pub, "#m2", 0);
    recv_str (s, "#m2", 0);
    expect_nothing (s);
    CHECK (zmq_close (s) == 0);
    CHECK (zmq_close (pub) == 0);
}

static void test_counted_subscriptions (void *ctx)
{
    void *pub = mk (ctx, ZMQ_PUB);
    void *s = mk (ctx, ZMQ_SUB);
    CHECK (zmq_bind (pub, "inproc://counted") == 0);
    CHECK (zmq_connect (s, "inproc://counted") == 0);
    sub (s, "A");
    sub (s, "A");
    sub (s, "A");
    sub (s, "#1");
    settle (pub, s, "#1");
    /* Subscribed three times: still one copy per message. */
    send_str (pub, "A1", 0);
    recv_str (s, "A1", 0);
    expect_nothing (s);

    /* Two of three unsubscribes: still subscribed. */
    unsub (s, "A");
    unsub (s, "A");
    sub (s, "#2");
    settle (pub, s, "#2");
    send_str (pub, "A2", 0);
    send_str (pub, "#2", 0);
    recv_str (s, "A2", 0);
    recv_str (s, "#2", 0);

    /* The third: gone. */
    unsub (s, "A");
    sub (s, "#3");
    settle (pub, s, "#3");
    send_str (pub, "A3", 0);
    send_str (pub, "#3", 0);
    recv_str (s, "#3", 0);
    expect_nothing (s);

    /* A fourth unsubscribe is harmless; subscribing again works. */
    unsub (s, "A");
    sub (s, "A");
    sub (s, "#4");
    settle (pub, s, "#4");
    send_str (pub, "A4", 0);
    recv_str (s, "A4", 0);

    /* Overlapping prefixes: one copy even if several subscriptions match. */
    sub (s, "AB");
    sub (s, "");
    sub (s, "#5");
    settle (pub, s, "#5");
    send_str (pub, "ABC", 0);
    recv_str (s, "ABC", 0);
    expect_nothing (s);
    CHECK (zmq_close (s) == 0);
    CHECK (zmq_close (pub) == 0);
}

static void test_many_subscribers (void *ctx)
{
    void *pub = mk (ctx, ZMQ_PUB);
    CHECK (zmq_bind (pub, "inproc://many") == 0);
    void *sa = mk (ctx, ZMQ_SUB);
    void *sb = mk (ctx, ZMQ_SUB);
    void *sall = mk (ctx, ZMQ_SUB);
    CHECK (zmq_connect (sa, "inproc://many") == 0);
    CHECK (zmq_connect (sb, "inproc://many") == 0);
    CHECK (zmq_connect (sall, "inproc://many") == 0);
    sub (sa, "A");
    sub (sa, "#a");
    sub (sb, "B");
    sub (sb, "#b");
    sub (sall, "");
    settle (pub, sa, "#a");
    settle (pub, sb, "#b");
    /* sall got every marker; drain them (count is timing dependent). */
    char buf[64];
    while (zmq_recv (sall, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
        ;
    settle (pub, sall, "@all");

    send_str (pub, "A1", 0);
    send_str (pub, "B1", 0);
    send_str (pub, "C1", 0);
    send_str (pub, "A2", 0);
    recv_str (sa, "A1", 0);
    recv_str (sa, "A2", 0);
    expect_nothing (sa);
    recv_str (sb, "B1", 0);
    expect_nothing (sb);
    recv_str (sall, "A1", 0);
    recv_str (sall, "B1", 0);
    recv_str (sall, "C1", 0);
    recv_str (sall, "A2", 0);
    expect_nothing (sall);

    /* One subscriber leaving does not disturb the others. */
    CHECK (zmq_close (sa) == 0);
    send_str (pub, "A3", 0);
    send_str (pub, "B3", 0);
    recv_str (sb, "B3", 0);
    recv_str (sall, "A3", 0);
    recv_str (sall, "B3", 0);

    /* A SUB connected to two PUBs receives from both. */
    void *pub2 = mk (ctx, ZMQ_PUB);
    CHECK (zmq_bind (pub2, "inproc://many2") == 0);
    CHECK (zmq_connect (sb, "inproc://many2") == 0);
    settle (pub2, sb, "#b");
    send_str (pub, "B4", 0);
    send_str (pub2, "B5", 0);
    recv_str (sb, "B4", 0); /* fair-queued: one from each */
    recv_str (sb, "B5", 0);
    expect_nothing (sb);

    CHECK (zmq_close (pub2) == 0);
    CHECK (zmq_close (sb) == 0);
    CHECK (zmq_close (sall) == 0);
    CHECK (zmq_close (pub) == 0);
}

static void test_connect_before_bind (void *ctx)
{
    void *s = mk (ctx, ZMQ_SUB);
    sub (s, "T");
    sub (s, "#");
    CHECK (zmq_connect (s, "inproc://late") == 0);
    void *pub = mk (ctx, ZMQ_PUB);
    CHECK (zmq_bind (pub, "inproc://late") == 0);
    /* Subscriptions made before the connection are replayed to the PUB. */
    settle (pub, s, "#");
    send_str (pub, "T1", 0);
    send_str (pub, "U1", 0);
    send_str (pub, "T2", 0);
    recv_str (s, "T1", 0);
    recv_str (s, "T2", 0);
    expect_nothing (s);

    /* A subscription made after the connection also works. */
    sub (s, "U");
    sub (s, "@2");
    settle (pub, s, "@2");
    send_str (pub, "U2", 0);
    recv_str (s, "U2", 0);
    CHECK (zmq_close (s) == 0);
    CHECK (zmq_close (pub) == 0);
}

static void test_invert_matching (void *ctx)
{
    /* Both sides inverted: the subscriber receives what does NOT match. */
    void *pub = mk (ctx, ZMQ_PUB);
    set_int (pub, ZMQ_INVERT_MATCHING, 1);
    int v = 0;
    size_t sz = sizeof v;
    CHECK (zmq_getsockopt (pub, ZMQ_INVERT_MATCHING, &v, &sz) == 0);
    CHECK (v == 1);
    CHECK (zmq_bind (pub, "inproc://invert") == 0);
    void *s = mk (ctx, ZMQ_SUB);
    set_int (s, ZMQ_INVERT_MATCHING, 1);
    CHECK (zmq_connect (s, "inproc://invert") == 0);
    sub (s, "A");
    sub (s, "B");
    /* Settle on a topic that is excluded: publish the non-matching marker
     * until it arrives. */
    settle (pub, s, "#");
    send_str (pub, "A1", 0);
    send_str (pub, "C1", 0);
    send_str (pub, "B1", 0);
    CHECK (zmq_send (pub, "", 0, 0) == 0);
    send_str (pub, "D1", 0);
    recv_str (s, "C1", 0);
    char buf[8];
    CHECK (zmq_recv (s, buf, sizeof buf, 0) == 0);
    recv_str (s, "D1", 0);
    expect_nothing (s);

    /* Inverted empty subscription matches everything, so excludes all. */
    void *s2 = mk (ctx, ZMQ_SUB);
    set_int (s2, ZMQ_INVERT_MATCHING, 1);
    CHECK (zmq_connect (s2, "inproc://invert") == 0);
    /* s2 has no subscription yet: an inverted SUB with no subscriptions
     * receives everything. */
    settle (pub, s2, "#x");
    send_str (pub, "any", 0);
    recv_str (s2, "any", 0);
    sub (s2, "");
    /* Wait until "any" stops arriving. */
    int stopped = 0;
    for (int i = 0; i < 300 && !stopped; i++) {
        send_str (pub, "any", 0);
        zmq_poll (NULL, 0, 10);
        stopped = 1;
        while (zmq_recv (s2, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
            stopped = 0;
    }
    CHECK (stopped);
    for (int i = 0; i < 5; i++)
        send_str (pub, "any", 0);
    expect_nothing (s2);
    /* s, subscribed to A and B only, still gets "any" (drain it). */
    while (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
        ;
    CHECK (zmq_close (s2) == 0);

    /* Only the SUB inverted, PUB normal: the PUB forwards only matching
     * messages and the SUB then discards them - nothing gets through. */
    void *pubn = mk (ctx, ZMQ_PUB);
    CHECK (zmq_bind (pubn, "inproc://invert2") == 0);
    void *s3 = mk (ctx, ZMQ_SUB);
    set_int (s3, ZMQ_INVERT_MATCHING, 1);
    CHECK (zmq_connect (s3, "inproc://invert2") == 0);
    void *probe = mk (ctx, ZMQ_SUB); /* normal SUB to know when "A" is live */
    CHECK (zmq_connect (probe, "inproc://invert2") == 0);
    sub (s3, "A");
    sub (probe, "A");
    settle (pubn, probe, "A");
    /* s3 may have seen nothing: every "A" it got was discarded locally */
    send_str (pubn, "A1", 0);
    send_str (pubn, "B1", 0);
    recv_str (probe, "A1", 0);
    zmq_poll (NULL, 0, 20);
    expect_nothing (s3);

    CHECK (zmq_close (probe) == 0);
    CHECK (zmq_close (s3) == 0);
    CHECK (zmq_close (pubn) == 0);
    CHECK (zmq_close (s) == 0);
    CHECK (zmq_close (pub) == 0);
}

static void test_multipart (void *ctx)
{
    void *pub = mk (ctx, ZMQ_PUB);
    void *s = mk (ctx, ZMQ_SUB);
    CHECK (zmq_bind (pub, "inproc://multi") == 0);
    CHECK (zmq_connect (s, "inproc://multi") == 0);
    sub (s, "T");
    sub (s, "#");
    settle (pub, s, "#");
    /* Only the first frame is matched; later frames come along whatever
     * their content; a non-matching message is dropped as a whole. */
    send_str (pub, "X", ZMQ_SNDMORE);
    send_str (pub, "T-inside", ZMQ_SNDMORE);
    send_str (pub, "T-last", 0);
    send_str (pub, "T", ZMQ_SNDMORE);
    send_str (pub, "X-body", ZMQ_SNDMORE);
    CHECK (zmq_send (pub, "", 0, ZMQ_SNDMORE) == 0);
    send_str (pub, "X-last", 0);
    send_str (pub, "#end", 0);
    recv_str (s, "T", 1);
    recv_str (s, "X-body", 1);
    recv_str (s, "", 1);
    recv_str (s, "X-last", 0);
    recv_str (s, "#end", 0);
    expect_nothing (s);
    CHECK (zmq_close (s) == 0);
    CHECK (zmq_close (pub) == 0);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    test_prefix_filter (ctx);
    test_empty_subscription (ctx);
    test_counted_subscriptions (ctx);
    test_many_subscribers (ctx);
    test_connect_before_bind (ctx);
    test_invert_matching (ctx);
    test_multipart (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
