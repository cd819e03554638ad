/* Which int values each on/off option accepts, as libzmq 4.3.5 parses them. Three
 * families: strict (only 0 or 1: IPV6, IMMEDIATE, CONFLATE, *_SERVER, STREAM_NOTIFY),
 * relaxed (any int, non-zero is true: INVERT_MATCHING, ZAP_ENFORCE_DOMAIN, ...) and
 * the socket types' own flags (any non-negative int: ROUTER_MANDATORY, PROBE_ROUTER,
 * REQ_CORRELATE, REQ_RELAXED, XPUB_VERBOSE, ...). TCP_KEEPALIVE takes -1, 0 or 1. */
#include "common.h"

#include <limits.h>

/* Draft options, numbered as in libzmq's header. */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif
#ifndef ZMQ_LOOPBACK_FASTPATH
#define ZMQ_LOOPBACK_FASTPATH 94
#endif
#ifndef ZMQ_MULTICAST_LOOP
#define ZMQ_MULTICAST_LOOP 96
#endif
#ifndef ZMQ_XPUB_MANUAL_LAST_VALUE
#define ZMQ_XPUB_MANUAL_LAST_VALUE 98
#endif
#ifndef ZMQ_ONLY_FIRST_SUBSCRIBE
#define ZMQ_ONLY_FIRST_SUBSCRIBE 108
#endif

enum family { STRICT, RELAXED, NON_NEGATIVE, KEEPALIVE };

static const struct {
    int type;
    int opt;
    const char *name;
    enum family family;
} rows[] = {
    {ZMQ_DEALER, ZMQ_IPV6, "IPV6", STRICT},
    {ZMQ_DEALER, ZMQ_IPV4ONLY, "IPV4ONLY", STRICT},
    {ZMQ_DEALER, ZMQ_IMMEDIATE, "IMMEDIATE", STRICT},
    {ZMQ_PUSH, ZMQ_CONFLATE, "CONFLATE", STRICT},
    {ZMQ_DEALER, ZMQ_PLAIN_SERVER, "PLAIN_SERVER", STRICT},
    {ZMQ_DEALER, ZMQ_CURVE_SERVER, "CURVE_SERVER", STRICT},
    {ZMQ_STREAM, ZMQ_STREAM_NOTIFY, "STREAM_NOTIFY", STRICT},
    {ZMQ_SUB, ZMQ_INVERT_MATCHING, "INVERT_MATCHING", RELAXED},
    {ZMQ_DEALER, ZMQ_ZAP_ENFORCE_DOMAIN, "ZAP_ENFORCE_DOMAIN", RELAXED},
    {ZMQ_DEALER, ZMQ_LOOPBACK_FASTPATH, "LOOPBACK_FASTPATH", RELAXED},
    {ZMQ_DEALER, ZMQ_MULTICAST_LOOP, "MULTICAST_LOOP", RELAXED},
    {ZMQ_DEALER, ZMQ_TCP_KEEPALIVE, "TCP_KEEPALIVE", KEEPALIVE},
    {ZMQ_ROUTER, ZMQ_ROUTER_MANDATORY, "ROUTER_MANDATORY", NON_NEGATIVE},
    {ZMQ_ROUTER, ZMQ_ROUTER_HANDOVER, "ROUTER_HANDOVER", NON_NEGATIVE},
    {ZMQ_ROUTER, ZMQ_ROUTER_RAW, "ROUTER_RAW", NON_NEGATIVE},
    {ZMQ_ROUTER, ZMQ_PROBE_ROUTER, "PROBE_ROUTER (ROUTER)", NON_NEGATIVE},
    {ZMQ_DEALER, ZMQ_PROBE_ROUTER, "PROBE_ROUTER (DEALER)", NON_NEGATIVE},
    {ZMQ_REQ, ZMQ_PROBE_ROUTER, "PROBE_ROUTER (REQ)", NON_NEGATIVE},
    {ZMQ_REQ, ZMQ_REQ_CORRELATE, "REQ_CORRELATE", NON_NEGATIVE},
    {ZMQ_REQ, ZMQ_REQ_RELAXED, "REQ_RELAXED", NON_NEGATIVE},
    {ZMQ_XPUB, ZMQ_XPUB_VERBOSE, "XPUB_VERBOSE", NON_NEGATIVE},
    {ZMQ_PUB, ZMQ_XPUB_VERBOSE, "XPUB_VERBOSE (PUB)", NON_NEGATIVE},
    {ZMQ_XPUB, ZMQ_XPUB_VERBOSER, "XPUB_VERBOSER", NON_NEGATIVE},
    {ZMQ_XPUB, ZMQ_XPUB_MANUAL, "XPUB_MANUAL", NON_NEGATIVE},
    {ZMQ_XPUB, ZMQ_XPUB_MANUAL_LAST_VALUE, "XPUB_MANUAL_LAST_VALUE", NON_NEGATIVE},
    {ZMQ_XPUB, ZMQ_XPUB_NODROP, "XPUB_NODROP", NON_NEGATIVE},
    {ZMQ_XPUB, ZMQ_ONLY_FIRST_SUBSCRIBE, "ONLY_FIRST_SUBSCRIBE (XPUB)", NON_NEGATIVE},
    {ZMQ_XSUB, ZMQ_ONLY_FIRST_SUBSCRIBE, "ONLY_FIRST_SUBSCRIBE (XSUB)", NON_NEGATIVE},
};

static int accepts(enum family f, int v) {
    switch (f) {
    case STRICT:
        return v == 0 || v == 1;
    case RELAXED:
        return 1;
    case NON_NEGATIVE:
        return v >= 0;
    case KEEPALIVE:
        return v >= -1 && v <= 1;
    }
    return 0;
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    const int values[] = {INT_MIN, -2, -1, 0, 1, 2, 10, INT_MAX};
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
            void *s = zmq_socket(ctx, rows[r].type);
            CHECK(s);
            int v = values[i];
            errno = 0;
            int rc = zmq_setsockopt(s, rows[r].opt, &v, sizeof v);
            int expected = accepts(rows[r].family, v);
            if (expected && rc != 0)
                TC_FAIL("%s = %d: expected success, got errno %d (%s)", rows[r].name, v,
                        zmq_errno(), zmq_strerror(zmq_errno()));
            if (!expected && (rc != -1 || zmq_errno() != EINVAL))
                TC_FAIL("%s = %d: expected EINVAL, got %d/errno %d", rows[r].name, v, rc,
                        zmq_errno());
            /* A value of the wrong size is EINVAL for every one of them. */
            int64_t wide = 1;
            CHECK_ERR(zmq_setsockopt(s, rows[r].opt, &wide, sizeof wide), EINVAL);
            int zero = 0;
            CHECK_OK(zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero));
            CHECK_OK(zmq_close(s));
        }
    }

    /* A positive flag reads back as 1 from the option store (strict ones cannot
     * be positive other than 1; relaxed ones store a bool). */
    void *s = zmq_socket(ctx, ZMQ_SUB);
    CHECK(s);
    int ten = 10, out = -1;
    size_t l = sizeof out;
    CHECK_OK(zmq_setsockopt(s, ZMQ_INVERT_MATCHING, &ten, sizeof ten));
    CHECK_OK(zmq_getsockopt(s, ZMQ_INVERT_MATCHING, &out, &l));
    CHECK_EQ(out, 1);
    CHECK_OK(zmq_close(s));

    /* REQ_RELAXED = 10 really relaxes: a second request without a reply is allowed. */
    void *rep = zmq_socket(ctx, ZMQ_REP);
    void *req = zmq_socket(ctx, ZMQ_REQ);
    CHECK(rep && req);
    CHECK_OK(zmq_bind(rep, "inproc://relaxed"));
    CHECK_OK(zmq_setsockopt(req, ZMQ_REQ_RELAXED, &ten, sizeof ten));
    CHECK_OK(zmq_setsockopt(req, ZMQ_REQ_CORRELATE, &ten, sizeof ten));
    CHECK_OK(zmq_connect(req, "inproc://relaxed"));
    tc_send_str(req, "first", 0);
    tc_send_str(req, "second", 0);
    CHECK_OK(zmq_close(req));
    CHECK_OK(zmq_close(rep));

    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
