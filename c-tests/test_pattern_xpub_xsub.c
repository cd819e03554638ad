/* XPUB/XSUB over inproc, pinned against libzmq 4.3.4:
 * - XPUB receives subscriptions as 0x01topic / 0x00topic messages;
 * - duplicates are suppressed by default (first subscribe, last unsubscribe);
 * - XPUB_VERBOSE passes every subscribe, XPUB_VERBOSER every unsubscribe too;
 * - XPUB_MANUAL with ZMQ_SUBSCRIBE/UNSUBSCRIBE on the XPUB;
 * - XPUB_WELCOME_MSG; XPUB_NODROP (EAGAIN at HWM instead of drop);
 * - unsubscriptions when a subscriber closes;
 * - XSUB sending subscriptions and data; XSUB does not filter locally;
 * - an XSUB/XPUB pair forwarding between PUB and SUB.
 *
 * Synchronisation: a subscriber's (un)subscriptions reach the XPUB in order,
 * so to prove that something did NOT arrive, the test subscribes the same
 * SUB to a fresh marker topic and waits for that marker's 0x01 message. */
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

static void send_bytes (void *s, const char *d, size_t n, int flags)
{
    CHECK (zmq_send (s, d, n, flags) == (int) n);
}

static void send_str (void *s, const char *str, int flags)
{
    send_bytes (s, str, strlen (str), flags);
}

static void fail_got (int line, const char *what, const char *buf, int n)
{
    fprintf (stderr, "%s:%d: expected %s, got rc=%d [", __FILE__, line, what, n);
    for (int i = 0; i < n; i++)
        fprintf (stderr, (buf[i] >= 32 && buf[i] < 127) ? "%c" : "\\x%02x",
                 (unsigned char) buf[i]);
    fprintf (stderr, "] (errno %d)\n", errno);
    exit (1);
}

/* Receive exactly (d, n) with the given MORE flag. */
static void recv_bytes_ (void *s, const char *d, int n, int more, int line)
{
    char buf[256];
    int rc = zmq_recv (s, buf, sizeof buf, 0);
    if (rc != n || memcmp (buf, d, n) != 0)
        fail_got (line, d[0] == 0 ? "\\x00..." : d[0] == 1 ? "\\x01..." : d,
                  buf, rc);
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
/* Expect a subscription (1) or cancel (0) message for topic t. */
#define recv_sub(s, on, t)                                                    \
    do {                                                                      \
        char b_[128];                                                         \
        b_[0] = (on) ? 1 : 0;                                                 \
        memcpy (b_ + 1, t, strlen (t));                                       \
        recv_bytes_ (s, b_, (int) strlen (t) + 1, 0, __LINE__);               \
    } while (0)

static void expect_nothing_ (void *s, int line)
{
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT);
    if (n != -1 || errno != EAGAIN)
        fail_got (line, "nothing", buf, n);
}
#define expect_nothing(s) expect_nothing_ (s, __LINE__)

/* Subscribe `s` to a fresh marker and wait for its 0x01marker on `x`:
 * everything `s` sent before has been seen by `x` by then. */
static void sync_sub_ (void *x, void *s, const char *marker, int line)
{
    sub (s, marker);
    char want[64];
    want[0] = 1;
    memcpy (want + 1, marker, strlen (marker));
    recv_bytes_ (x, want, (int) strlen (marker) + 1, 0, line);
}
#define sync_sub(x, s, m) sync_sub_ (x, s, m, __LINE__)

/* Receive n subscription messages from `x` in any order and compare them
 * with the expected set (libzmq's order across pipes and for the cancels
 * produced by a closing pipe is an implementation detail). */
static void recv_set_ (void *x, const char *const *want, int n, int line)
{
    char got[16][64];
    int len[16];
    CHECK (n <= 16);
    for (int i = 0; i < n; i++) {
        len[i] = zmq_recv (x, got[i], sizeof got[i], 0);
        if (len[i] < 0) {
            fprintf (stderr, "%s:%d: only %d of %d expected messages\n",
                     __FILE__, line, i, n);
            exit (1);
        }
    }
    int used[16] = {0};
    for (int i = 0; i < n; i++) {
        int wl = 1 + (int) strlen (want[i] + 1);
        int found = 0;
        for (int j = 0; j < n && !found; j++)
            if (!used[j] && len[j] == wl && memcmp (got[j], want[i], wl) == 0)
                used[j] = found = 1;
        if (!found) {
            fprintf (stderr, "%s:%d: expected message #%d (%s%s) missing\n",
                     __FILE__, line, i, want[i][0] ? "\\x01" : "\\x00",
                     want[i] + 1);
            exit (1);
        }
    }
}
#define recv_set(x, ...)                                                      \
    do {                                                                      \
        const char *const w_[] = {__VA_ARGS__};                               \
        recv_set_ (x, w_, (int) (sizeof w_ / sizeof w_[0]), __LINE__);        \
    } while (0)

static void *mk (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RCVTIMEO, 2000);
    set_int (s, ZMQ_SNDTIMEO, 2000);
    return s;
}

static void test_basic (void *ctx)
{
    void *x = mk (ctx, ZMQ_XPUB);
    CHECK (zmq_bind (x, "inproc://basic") == 0);
    void *s = mk (ctx, ZMQ_SUB);
    CHECK (zmq_connect (s, "inproc://basic") == 0);

    sub (s, "A");
    recv_sub (x, 1, "A");
    /* Once the XPUB has handed out the subscription it is in force. */
    send_str (x, "A1", 0);
    send_str (x, "B1", 0);
    recv_str (s, "A1", 0);
    expect_nothing (s);

    sub (s, "");
    recv_sub (x, 1, ""); /* a single 0x01 byte */
    send_str (x, "B2", 0);
    recv_str (s, "B2", 0);

    unsub (s, "A");
    recv_sub (x, 0, "A");
    unsub (s, "");
    recv_sub (x, 0, "");
    send_str (x, "A3", 0);
    send_str (x, "B3", 0);
    expect_nothing (s);
    expect_nothing (x);

    /* Binary topics, including a NUL byte, are carried verbatim. */
    CHECK (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "\x00\x01z", 3) == 0);
    recv_bytes_ (x, "\x01\x00\x01z", 4, 0, __LINE__);

    CHECK (zmq_close (s) == 0);
    recv_bytes_ (x, "\x00\x00\x01z", 4, 0, __LINE__);
    CHECK (zmq_close (x) == 0);
}

/* Runs the same script for default, VERBOSE and VERBOSER. */
static void test_duplicates (void *ctx, int opt)
{
    void *x = mk (ctx, ZMQ_XPUB);
    if (opt)
        set_int (x, opt, 1);
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://dup%d", opt);
    CHECK (zmq_bind (x, ep) == 0);
    void *s1 = mk (ctx, ZMQ_SUB);
    void *s2 = mk (ctx, ZMQ_SUB);
    CHECK (zmq_connect (s1, ep) == 0);
    CHECK (zmq_connect (s2, ep) == 0);
    int verbose = opt != 0;
    int verboser = opt == ZMQ_XPUB_VERBOSER;

    sub (s1, "A");
    recv_sub (x, 1, "A");
    /* The same SUB subscribing twice: the SUB forwards both, the XPUB
     * suppresses the duplicate unless verbose. */
    sub (s1, "A");
    if (verbose)
        recv_sub (x, 1, "A");
    sync_sub (x, s1, "m1");
    /* Another SUB with the same topic. */
    sub (s2, "A");
    if (verbose)
        recv_sub (x, 1, "A");
    sync_sub (x, s2, "m2");
    expect_nothing (x);

    /* s1 had A twice: its first unsubscribe is absorbed by the SUB itself
     * (counted), the second reaches the XPUB, which passes it on only with
     * VERBOSER since s2 still holds A. */
    unsub (s1, "A");
    sync_sub (x, s1, "m3");
    unsub (s1, "A");
    if (verboser)
        recv_sub (x, 0, "A");
    sync_sub (x, s1, "m4");
    expect_nothing (x);
    /* Messages on A now reach s2 only. */
    send_str (x, "A1", 0);
    recv_str (s2, "A1", 0);
    expect_nothing (s1);

    /* Both hold C, s1 also holds B. */
    sub (s1, "B");
    recv_sub (x, 1, "B");
    sub (s1, "C");
    recv_sub (x, 1, "C");
    sub (s2, "C");
    if (verbose)
        recv_sub (x, 1, "C");
    sync_sub (x, s2, "m5");

    /* s1 closes: cancels for topics nobody else holds (B, m1, m3, m4);
     * with VERBOSER also for the shared one (C). */
    CHECK (zmq_close (s1) == 0);
    if (verboser)
        recv_set (x, "\0B", "\0C", "\0m1", "\0m3", "\0m4");
    else
        recv_set (x, "\0B", "\0m1", "\0m3", "\0m4");
    expect_nothing (x);
    /* s2 closes: its last topics go. */
    CHECK (zmq_close (s2) == 0);
    recv_set (x, "\0A", "\0C", "\0m2", "\0m5");
    expect_nothing (x);
    CHECK (zmq_close (x) == 0);
}

static void test_manual (void *ctx)
{
    void *x = mk (ctx, ZMQ_XPUB);
    set_int (x, ZMQ_XPUB_MANUAL, 1);
    CHECK (zmq_bind (x, "inproc://manual") == 0);
    void *xs = mk (ctx, ZMQ_XSUB);
    CHECK (zmq_connect (xs, "inproc://manual") == 0);

    /* The subscription is reported but not applied; the application
     * decides, and ZMQ_SUBSCRIBE on the XPUB applies to the pipe that sent
     * the last subscription. XSUB does not filter locally, so it gets B. */
    send_bytes (xs, "\x01" "A", 2, 0);
    recv_sub (x, 1, "A");
    CHECK (zmq_setsockopt (x, ZMQ_SUBSCRIBE, "B", 1) == 0);
    send_str (x, "A1", 0);
    send_str (x, "B1", 0);
    recv_str (xs, "B1", 0);
    expect_nothing (xs);

    /* Manual mode reports duplicates and every unsubscribe. */
    void *s = mk (ctx, ZMQ_SUB);
    CHECK (zmq_connect (s, "inproc://manual") == 0);
    sub (s, "C");
    recv_sub (x, 1, "C");
    CHECK (zmq_setsockopt (x, ZMQ_SUBSCRIBE, "C", 1) == 0);
    send_bytes (xs, "\x01" "C", 2, 0);
    recv_sub (x, 1, "C"); /* duplicate of s's C, still reported */
    /* last pipe is now xs; do not subscribe it to C */
    send_str (x, "A2", 0);
    send_str (x, "B2", 0);
    send_str (x, "C2", 0);
    recv_str (xs, "B2", 0);
    expect_nothing (xs);
    recv_str (s, "C2", 0);
    expect_nothing (s);

    /* ZMQ_UNSUBSCRIBE on the XPUB: make s the last pipe again first. */
    sub (s, "D");
    recv_sub (x, 1, "D");
    CHECK (zmq_setsockopt (x, ZMQ_UNSUBSCRIBE, "C", 1) == 0);
    send_str (x, "C3", 0);
    send_str (x, "B3", 0);
    recv_str (xs, "B3", 0);
    expect_nothing (s);

    /* Manual mode reports every cancel that reaches it... */
    send_bytes (xs, "\x00" "C", 2, 0);
    recv_sub (x, 0, "C");
    /* ...but an XSUB drops a cancel for a topic it never subscribed. */
    send_bytes (xs, "\x00" "never", 6, 0);
    send_bytes (xs, "\x01" "E", 2, 0);
    recv_sub (x, 1, "E");

    /* Closing reports the topics the pipe itself subscribed (A and E for
     * xs, although the application had subscribed it to B). */
    CHECK (zmq_close (xs) == 0);
    recv_set (x, "\0A", "\0E");
    expect_nothing (x);
    CHECK (zmq_close (s) == 0);
    recv_set (x, "\0C", "\0D");
    expect_nothing (x);
    CHECK (zmq_close (x) == 0);
}

static void test_welcome (void *ctx)
{
    void *x = mk (ctx, ZMQ_XPUB);
    CHECK (zmq_setsockopt (x, ZMQ_XPUB_WELCOME_MSG, "W-hello", 7) == 0);
    CHECK (zmq_bind (x, "inproc://welcome") == 0);
    void *s = mk (ctx, ZMQ_SUB);
    sub (s, "W");
    CHECK (zmq_connect (s, "inproc://welcome") == 0);
    /* libzmq sends the welcome message when the XPUB attaches the new pipe,
     * which happens inside an XPUB call (here the recv): until the XPUB is
     * used, the subscriber waits. */
    recv_sub (x, 1, "W");
    recv_str (s, "W-hello", 0);
    /* Sent once per connection only. */
    send_str (x, "W-data", 0);
    recv_str (s, "W-data", 0);
    expect_nothing (s);

    /* The welcome message goes to every new pipe whatever its subscriptions;
     * a SUB filters it locally, an XSUB (no local filter) gets it. */
    void *s2 = mk (ctx, ZMQ_SUB);
    sub (s2, "Q");
    CHECK (zmq_connect (s2, "inproc://welcome") == 0);
    void *xs = mk (ctx, ZMQ_XSUB);
    CHECK (zmq_connect (xs, "inproc://welcome") == 0);
    recv_sub (x, 1, "Q");
    recv_str (xs, "W-hello", 0);
    send_str (x, "Q1", 0);
    recv_str (s2, "Q1", 0); /* and not the welcome message */
    expect_nothing (s);

    /* An empty welcome message option clears it. */
    CHECK (zmq_setsockopt (x, ZMQ_XPUB_WELCOME_MSG, NULL, 0) == 0);
    void *s3 = mk (ctx, ZMQ_XSUB);
    CHECK (zmq_connect (s3, "inproc://welcome") == 0);
    send_bytes (s3, "\x01" "R", 2, 0);
    recv_sub (x, 1, "R");
    send_str (x, "R1", 0);
    recv_str (s3, "R1", 0);

    CHECK (zmq_close (s3) == 0);
    CHECK (zmq_close (xs) == 0);
    CHECK (zmq_close (s2) == 0);
    CHECK (zmq_close (s) == 0);
    CHECK (zmq_close (x) == 0);
}

static void test_nodrop (void *ctx)
{
    void *x = mk (ctx, ZMQ_XPUB);
    set_int (x, ZMQ_XPUB_NODROP, 1);
    set_int (x, ZMQ_SNDHWM, 5);
    set_int (x, ZMQ_SNDTIMEO, 100);
    CHECK (zmq_bind (x, "inproc://nodrop") == 0);
    void *s = mk (ctx, ZMQ_SUB);
    set_int (s, ZMQ_RCVHWM, 5);
    sub (s, "");
    CHECK (zmq_connect (s, "inproc://nodrop") == 0);
    recv_sub (x, 1, "");

    /* SNDHWM + RCVHWM = 10 fit, then EAGAIN (DONTWAIT) ... */
    char buf[16];
    for (int i = 0; i < 10; i++) {
        snprintf (buf, sizeof buf, "%d", i);
        CHECK (zmq_send (x, buf, strlen (buf), ZMQ_DONTWAIT) == (int) strlen (buf));
    }
    CHECK (zmq_send (x, "x", 1, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EAGAIN);
    /* ... or EAGAIN after SNDTIMEO for a blocking send. */
    CHECK (zmq_send (x, "x", 1, 0) == -1);
    CHECK (errno == EAGAIN);
    /* Nothing was dropped and the refused sends were not queued. */
    for (int i = 0; i < 10; i++) {
        snprintf (buf, sizeof buf, "%d", i);
        recv_str (s, buf, 0);
    }
    expect_nothing (s);
    /* Room again after the reader has drained.  (A blocking send with
     * SNDTIMEO: libzmq may answer a DONTWAIT send with EAGAIN for a short
     * while after the reader made room, until it processes the reader's
     * notification.) */
    for (int i = 0; i < 10; i++)
        CHECK (zmq_send (x, "y", 1, 0) == 1);
    CHECK (zmq_send (x, "y", 1, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EAGAIN);
    for (int i = 0; i < 10; i++)
        recv_str (s, "y", 0);

    /* With a second subscriber, one full pipe refuses the whole send: the
     * message goes to neither. */
    void *s2 = mk (ctx, ZMQ_SUB);
    set_int (s2, ZMQ_RCVHWM, 5);
    sub (s2, "");
    CHECK (zmq_connect (s2, "inproc://nodrop") == 0);
    sync_sub (x, s2, "s2"); /* its "" is a duplicate, so not reported */
    for (int i = 0; i < 10; i++)
        CHECK (zmq_send (x, "z", 1, 0) == 1);
    CHECK (zmq_send (x, "w", 1, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EAGAIN);
    /* drain s2 only: s is still full, so still EAGAIN */
    for (int i = 0; i < 10; i++)
        recv_str (s2, "z", 0);
    CHECK (zmq_send (x, "w", 1, ZMQ_DONTWAIT) == -1);
    CHECK (errno == EAGAIN);
    for (int i = 0; i < 10; i++)
        recv_str (s, "z", 0);
    CHECK (zmq_send (x, "v", 1, 0) == 1);
    recv_str (s, "v", 0);
    recv_str (s2, "v", 0);
    expect_nothing (s);
    expect_nothing (s2);

    CHECK (zmq_close (s2) == 0);
    CHECK (zmq_close (s) == 0);
    CHECK (zmq_close (x) == 0);
}

static void test_xsub (void *ctx)
{
    /* XSUB -> PUB: the subscription is a 0x01 message; PUB filters. */
    void *p = mk (ctx, ZMQ_PUB);
    CHECK (zmq_bind (p, "inproc://xsub-pub") == 0);
    void *xs = mk (ctx, ZMQ_XSUB);
    CHECK (zmq_connect (xs, "inproc://xsub-pub") == 0);
    send_bytes (xs, "\x01" "A", 2, 0);
    char buf[64];
    int got = 0;
    for (int i = 0; i < 300 && !got; i++) {
        send_str (p, "A0", 0);
        zmq_poll (NULL, 0, 10);
        while (zmq_recv (xs, buf, sizeof buf, ZMQ_DONTWAIT) == 2)
            got = 1;
    }
    CHECK (got);
    send_str (p, "B1", 0);
    send_str (p, "A1", 0);
    recv_str (xs, "A1", 0);
    expect_nothing (xs);
    /* PUB cannot receive; XSUB's data goes nowhere on a PUB. */
    CHECK (zmq_recv (p, buf, sizeof buf, ZMQ_DONTWAIT) == -1);
    CHECK (errno == ENOTSUP);
    CHECK (zmq_close (xs) == 0);
    CHECK (zmq_close (p) == 0);

    /* XSUB -> XPUB: subscriptions, cancels and plain data all show up;
     * duplicate subscriptions from one XSUB are suppressed; a cancel is
     * only passed when the XSUB's own count drops to zero, and an XSUB
     * drops a cancel for a topic it does not hold. */
    void *x = mk (ctx, ZMQ_XPUB);
    CHECK (zmq_bind (x, "inproc://xsub-xpub") == 0);
    xs = mk (ctx, ZMQ_XSUB);
    CHECK (zmq_connect (xs, "inproc://xsub-xpub") == 0);
    send_bytes (xs, "\x01" "A", 2, 0);
    send_bytes (xs, "\x01" "A", 2, 0);
    send_str (xs, "hello", 0);
    send_bytes (xs, "\x02zz", 3, 0);
    send_bytes (xs, "", 0, 0);
    send_bytes (xs, "\x00" "A", 2, 0);
    send_bytes (xs, "\x00" "A", 2, 0);
    send_bytes (xs, "\x00" "A", 2, 0); /* third: unknown by now, dropped */
    send_bytes (xs, "\x00" "Z", 2, 0); /* never subscribed, dropped */
    recv_sub (x, 1, "A");
    recv_str (x, "hello", 0);
    recv_bytes_ (x, "\x02zz", 3, 0, __LINE__);
    recv_bytes_ (x, "", 0, 0, __LINE__);
    recv_sub (x, 0, "A");
    expect_nothing (x);
    /* Multipart data from XSUB arrives whole. */
    send_str (xs, "m1", ZMQ_SNDMORE);
    send_str (xs, "m2", 0);
    recv_str (x, "m1", 1);
    recv_str (x, "m2", 0);
    CHECK (zmq_close (xs) == 0);
    CHECK (zmq_close (x) == 0);
}

static void pump (void *a, void *b)
{
    zmq_pollitem_t items[2] = {{a, 0, ZMQ_POLLIN, 0}, {b, 0, ZMQ_POLLIN, 0}};
    CHECK (zmq_poll (items, 2, 10) >= 0);
    for (int i = 0; i < 2; i++) {
        void *from = i ? b : a, *to = i ? a : b;
        zmq_msg_t m;
        CHECK (zmq_msg_init (&m) == 0);
        while (zmq_msg_recv (&m, from, ZMQ_DONTWAIT) >= 0) {
            int more = zmq_msg_more (&m);
            CHECK (zmq_msg_send (&m, to, more ? ZMQ_SNDMORE : 0) >= 0);
        }
        CHECK (errno == EAGAIN);
        zmq_msg_close (&m);
    }
}

static void test_forwarder (void *ctx)
{
    void *pub = mk (ctx, ZMQ_PUB);
    CHECK (zmq_bind (pub, "inproc://fwd-up") == 0);
    void *xs = mk (ctx, ZMQ_XSUB);
    CHECK (zmq_connect (xs, "inproc://fwd-up") == 0);
    void *xp = mk (ctx, ZMQ_XPUB);
    CHECK (zmq_bind (xp, "inproc://fwd-down") == 0);
    void *s1 = mk (ctx, ZMQ_SUB);
    void *s2 = mk (ctx, ZMQ_SUB);
    CHECK (zmq_connect (s1, "inproc://fwd-down") == 0);
    CHECK (zmq_connect (s2, "inproc://fwd-down") == 0);
    sub (s1, "A");
    sub (s2, "B");

    char buf[64];
    int got1 = 0, got2 = 0;
    for (int i = 0; i < 300 && !(got1 && got2); i++) {
        send_str (pub, "A0", 0);
        send_str (pub, "B0", 0);
        pump (xs, xp);
        while (zmq_recv (s1, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
            got1 = 1;
        while (zmq_recv (s2, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
            got2 = 1;
    }
    CHECK (got1 && got2);

    send_str (pub, "A1", ZMQ_SNDMORE);
    send_str (pub, "body", 0);
    send_str (pub, "B1", 0);
    send_str (pub, "C1", 0);
    pump (xs, xp);
    pump (xs, xp);
    recv_str (s1, "A1", 1);
    recv_str (s1, "body", 0);
    expect_nothing (s1);
    recv_str (s2, "B1", 0);
    expect_nothing (s2);

    /* The cancel of a closing subscriber travels up as a 0x00 message. */
    CHECK (zmq_close (s1) == 0);
    CHECK (zmq_poll (NULL, 0, 20) == 0);
    recv_sub (xp, 0, "A");
    send_bytes (xs, "\x00" "A", 2, 0);

    CHECK (zmq_close (s2) == 0);
    CHECK (zmq_close (xp) == 0);
    CHECK (zmq_close (xs) == 0);
    CHECK (zmq_close (pub) == 0);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    test_basic (ctx);
    test_duplicates (ctx, 0);
    test_duplicates (ctx, ZMQ_XPUB_VERBOSE);
    test_duplicates (ctx, ZMQ_XPUB_VERBOSER);
    test_manual (ctx);
    test_welcome (ctx);
    test_nodrop (ctx);
    test_xsub (ctx);
    test_forwarder (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
