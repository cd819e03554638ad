/* ZMQ_ONLY_FIRST_SUBSCRIBE (draft, libzmq 4.3.5 xsub.cpp xsend, xpub.cpp
 * xread_activated): whether the later parts of a multipart message are looked at as
 * subscriptions (a part starting with 0x01 or 0x00).
 * On either side: off, every part of a message that starts with 0x01/0x00 is a
 * (un)subscription; on, the later parts are parsed only when the first part was one
 * (an XSUB's own table, an XPUB's for its peer), otherwise they are plain data.
 * An XSUB sends ["hello"]["\x01B"] (data, then something that looks like a
 * subscription), ["\x01C"]["\x01D"] (a subscription first: both parsed by the XPUB)
 * and ["bye"]["\x00Q"] then "\x01E": the XPUB subscribes B only with its option off;
 * the XSUB's own table (ZMQ_TOPICS_COUNT) holds B only with its option off, and with
 * it off drops the unsubscription Q, which glues E to "bye".
 *
 * Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips this test; run it with
 *   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) cargo test --test c_api -- test_draft_only_first_subscribe
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

#ifdef ZMQ_ONLY_FIRST_SUBSCRIBE
static void drain(void *s) {
    int timeout = 100;
    CHECK_OK(zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    char buf[64];
    while (zmq_recv(s, buf, sizeof buf, 0) >= 0)
        ;
}

static void run(void *ctx, int xsub_only_first, int xpub_only_first) {
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://only-first-%d-%d", xsub_only_first, xpub_only_first);
    void *xpub = zmq_socket(ctx, ZMQ_XPUB);
    void *xsub = zmq_socket(ctx, ZMQ_XSUB);
    CHECK(xpub && xsub);
    CHECK_OK(zmq_setsockopt(xpub, ZMQ_ONLY_FIRST_SUBSCRIBE, &xpub_only_first, sizeof(int)));
    CHECK_OK(zmq_setsockopt(xsub, ZMQ_ONLY_FIRST_SUBSCRIBE, &xsub_only_first, sizeof(int)));
    CHECK_OK(zmq_bind(xpub, ep));
    CHECK_OK(zmq_connect(xsub, ep));

    tc_send_str(xsub, "\x01" "A", 0);
    tc_send_str(xsub, "hello", ZMQ_SNDMORE);
    tc_send_str(xsub, "\x01" "B", 0);
    tc_send_str(xsub, "\x01" "C", ZMQ_SNDMORE);
    tc_send_str(xsub, "\x01" "D", 0);
    tc_send_str(xsub, "bye", ZMQ_SNDMORE);
    CHECK_EQ(zmq_send(xsub, "\x00" "Q", 2, 0), 2);
    tc_send_str(xsub, "\x01" "E", 0);
    /* The XPUB takes in what came upstream. */
    drain(xpub);

    const char *topics[] = {"A-data", "B-data", "C-data", "D-data", "E-data", "A-end"};
    for (int i = 0; i < 6; i++)
        tc_send_str(xpub, topics[i], 0);
    int got[5] = {0, 0, 0, 0, 0};
    int timeout = 2000;
    CHECK_OK(zmq_setsockopt(xsub, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    for (;;) {
        char buf[16];
        int n = zmq_recv(xsub, buf, sizeof buf, 0);
        CHECK(n > 0);
        if (n == 5 && memcmp(buf, "A-end", 5) == 0)
            break;
        got[buf[0] - 'A']++;
    }
    /* The XPUB's subscriptions: B only when it parses later parts after data. */
    CHECK_EQ(got[0], 1);
    CHECK_EQ(got[1], !xpub_only_first);
    CHECK_EQ(got[2], 1);
    CHECK_EQ(got[3], 1);
    /* With the XSUB's option off, "\x00Q" (never subscribed) is dropped by the XSUB:
     * "\x01E" then arrives as the second part of "bye", data to an XPUB with the
     * option on. */
    CHECK_EQ(got[4], xsub_only_first || !xpub_only_first);
#ifdef ZMQ_TOPICS_COUNT
    /* The XSUB's own: B only when it parses later parts after data (TOPICS_COUNT is
     * new in 4.3.5: compiled out against the draft 4.3.4). */
    int count;
    size_t len = sizeof count;
    CHECK_OK(zmq_getsockopt(xsub, ZMQ_TOPICS_COUNT, &count, &len));
    CHECK_EQ(count, xsub_only_first ? 4 : 5);
    CHECK_OK(zmq_getsockopt(xpub, ZMQ_TOPICS_COUNT, &count, &len));
    CHECK_EQ(count, xpub_only_first ? 3 + xsub_only_first : 5);
#endif
    CHECK_OK(zmq_close(xpub));
    CHECK_OK(zmq_close(xsub));
}
#endif

int main(void) {
#ifdef ZMQ_ONLY_FIRST_SUBSCRIBE
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    for (int xsub = 0; xsub < 2; xsub++)
        for (int xpub = 0; xpub < 2; xpub++)
            run(ctx, xsub, xpub);
    CHECK_OK(zmq_ctx_term(ctx));
#endif
    return 0;
}
