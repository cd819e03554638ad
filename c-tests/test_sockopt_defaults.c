/* Socket options: defaults on fresh sockets of every stable type, size rules,
   set/get round trips, LAST_ENDPOINT (inproc only). */
#include "common.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

static const char *type_names[] = {"PAIR", "PUB",  "SUB",    "REQ",  "REP",  "DEALER",
                                   "ROUTER", "PULL", "PUSH", "XPUB", "XSUB", "STREAM"};

static int get_int(void *s, int opt) {
    int v = INT_MIN;
    size_t l = sizeof v;
    CHECK_OK(zmq_getsockopt(s, opt, &v, &l));
    CHECK_EQ(l, sizeof v);
    return v;
}

static int64_t get_i64(void *s, int opt) {
    int64_t v = INT64_MIN;
    size_t l = sizeof v;
    CHECK_OK(zmq_getsockopt(s, opt, &v, &l));
    CHECK_EQ(l, sizeof v);
    return v;
}

/* String options: returned with their terminating NUL, so an unset string is 1 byte. */
static void check_str(void *s, int opt, const char *expected, int type) {
    char buf[256];
    memset(buf, 0x55, sizeof buf);
    size_t l = sizeof buf;
    CHECK_OK(zmq_getsockopt(s, opt, buf, &l));
    if (l != strlen(expected) + 1 || memcmp(buf, expected, l) != 0)
        TC_FAIL("%s option %d: got %zu bytes \"%.*s\", expected \"%s\"", type_names[type],
                opt, l, (int) l, buf, expected);
}

/* Integer options that read the same on every socket type. */
static const struct {
    int opt;
    int value;
} int_defaults[] = {
    {ZMQ_RATE, 100},
    {ZMQ_RECOVERY_IVL, 10000},
    {ZMQ_SNDBUF, -1},
    {ZMQ_RCVBUF, -1},
    {ZMQ_RCVMORE, 0},
    {ZMQ_RECONNECT_IVL, 100},
    {ZMQ_BACKLOG, 100},
    {ZMQ_RECONNECT_IVL_MAX, 0},
    {ZMQ_SNDHWM, 1000},
    {ZMQ_RCVHWM, 1000},
    {ZMQ_MULTICAST_HOPS, 1},
    {ZMQ_RCVTIMEO, -1},
    {ZMQ_SNDTIMEO, -1},
    {ZMQ_IPV4ONLY, 1},
    {ZMQ_TCP_KEEPALIVE, -1},
    {ZMQ_TCP_KEEPALIVE_CNT, -1},
    {ZMQ_TCP_KEEPALIVE_IDLE, -1},
    {ZMQ_TCP_KEEPALIVE_INTVL, -1},
    {ZMQ_IMMEDIATE, 0},
    {ZMQ_IPV6, 0},
    {ZMQ_MECHANISM, ZMQ_NULL},
    {ZMQ_PLAIN_SERVER, 0},
    {ZMQ_CURVE_SERVER, 0},
    {ZMQ_CONFLATE, 0},
    {ZMQ_TOS, 0},
    {ZMQ_HANDSHAKE_IVL, 30000},
    {ZMQ_INVERT_MATCHING, 0},
    {ZMQ_HEARTBEAT_IVL, 0},
    {ZMQ_HEARTBEAT_TTL, 0},
    {ZMQ_HEARTBEAT_TIMEOUT, -1}, /* -1 = "use HEARTBEAT_IVL" */
    {ZMQ_CONNECT_TIMEOUT, 0},
    {ZMQ_TCP_MAXRT, 0},
    {ZMQ_THREAD_SAFE, 0},
    {ZMQ_MULTICAST_MAXTPDU, 1500},
    {ZMQ_USE_FD, -1},
};

/* GSSAPI options: readable (all 0) where the library has GSSAPI; refused with EINVAL,
   for set and get, where it was built without it (as ours is). */
static const int gssapi_int_options[] = {ZMQ_GSSAPI_SERVER, ZMQ_GSSAPI_PLAINTEXT,
                                         ZMQ_GSSAPI_PRINCIPAL_NAMETYPE,
                                         ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE};

/* Options that are write-only (or not options at all) and cannot be read. */
static const int not_readable[] = {
    0, 1, 2, 3, ZMQ_SUBSCRIBE, ZMQ_UNSUBSCRIBE, 10, 20, 26, 29, 30,
    ZMQ_ROUTER_MANDATORY, ZMQ_TCP_ACCEPT_FILTER, ZMQ_XPUB_VERBOSE, ZMQ_ROUTER_RAW,
    ZMQ_PROBE_ROUTER, ZMQ_REQ_CORRELATE, ZMQ_REQ_RELAXED, ZMQ_ROUTER_HANDOVER,
    ZMQ_CONNECT_ROUTING_ID, ZMQ_XPUB_NODROP, ZMQ_XPUB_MANUAL, ZMQ_XPUB_WELCOME_MSG,
    ZMQ_STREAM_NOTIFY, ZMQ_XPUB_VERBOSER, 9999};

static void test_defaults(void *ctx) {
    for (int t = ZMQ_PAIR; t <= ZMQ_STREAM; t++) {
        void *s = zmq_socket(ctx, t);
        CHECK(s);
        CHECK_EQ(get_int(s, ZMQ_TYPE), t);
        for (size_t i = 0; i < sizeof int_defaults / sizeof *int_defaults; i++) {
            int v = get_int(s, int_defaults[i].opt);
            if (v != int_defaults[i].value)
                TC_FAIL("%s option %d: got %d, expected %d", type_names[t],
                        int_defaults[i].opt, v, int_defaults[i].value);
        }
        CHECK_EQ(get_i64(s, ZMQ_AFFINITY), 0);
        CHECK_EQ(get_i64(s, ZMQ_MAXMSGSIZE), -1);

        /* LINGER: -1, except SUB and XSUB which start at 0. */
        int linger = get_int(s, ZMQ_LINGER);
        if (t == ZMQ_SUB || t == ZMQ_XSUB)
            CHECK_EQ(linger, 0);
        else
            CHECK_EQ(linger, -1);

        /* EVENTS on a fresh, unconnected socket: POLLOUT for the types whose send
           never blocks (PUB, ROUTER, XPUB, STREAM) and for XSUB; nothing else. */
        int ev = get_int(s, ZMQ_EVENTS);
        int want = (t == ZMQ_PUB || t == ZMQ_ROUTER || t == ZMQ_XPUB || t == ZMQ_XSUB ||
                    t == ZMQ_STREAM)
                       ? ZMQ_POLLOUT
                       : 0;
        if (ev != want)
            TC_FAIL("%s: ZMQ_EVENTS %d, expected %d", type_names[t], ev, want);

        /* FD: a valid descriptor, stable across calls, distinct per socket. */
        int fd = get_int(s, ZMQ_FD);
        CHECK(fd >= 0);
        CHECK(fcntl(fd, F_GETFD) != -1);
        CHECK_EQ(get_int(s, ZMQ_FD), fd);

        /* Binary / string options. */
        char buf[256];
        size_t l = sizeof buf;
        CHECK_OK(zmq_getsockopt(s, ZMQ_ROUTING_ID, buf, &l));
        CHECK_EQ(l, 0);
        check_str(s, ZMQ_LAST_ENDPOINT, "", t);
        check_str(s, ZMQ_PLAIN_USERNAME, "", t);
        check_str(s, ZMQ_PLAIN_PASSWORD, "", t);
        check_str(s, ZMQ_ZAP_DOMAIN, "", t);
        check_str(s, ZMQ_SOCKS_PROXY, "", t);
        check_str(s, ZMQ_BINDTODEVICE, "", t);
        if (zmq_has("gssapi")) {
            check_str(s, ZMQ_GSSAPI_PRINCIPAL, "", t);
            check_str(s, ZMQ_GSSAPI_SERVICE_PRINCIPAL, "", t);
        }
        for (size_t i = 0; i < sizeof gssapi_int_options / sizeof *gssapi_int_options; i++) {
            int opt = gssapi_int_options[i];
            if (zmq_has("gssapi")) {
                CHECK_EQ(get_int(s, opt), 0);
            } else {
                int v = 0;
                size_t vl = sizeof v;
                CHECK_ERR(zmq_getsockopt(s, opt, &v, &vl), EINVAL);
                CHECK_ERR(zmq_setsockopt(s, opt, &v, sizeof v), EINVAL);
            }
        }
        if (!zmq_has("gssapi")) {
            char p[256];
            size_t pl = sizeof p;
            CHECK_ERR(zmq_getsockopt(s, ZMQ_GSSAPI_PRINCIPAL, p, &pl), EINVAL);
            CHECK_ERR(zmq_setsockopt(s, ZMQ_GSSAPI_PRINCIPAL, "p", 1), EINVAL);
            CHECK_ERR(zmq_setsockopt(s, ZMQ_GSSAPI_SERVICE_PRINCIPAL, "p", 1), EINVAL);
        }
        /* CURVE keys: 32 bytes binary or 41 bytes Z85 (+NUL); all-zero when unset. */
        for (int opt = ZMQ_CURVE_PUBLICKEY; opt <= ZMQ_CURVE_SERVERKEY; opt++) {
            if (!zmq_has("curve"))
                break;
            unsigned char key[41];
            l = 32;
            CHECK_OK(zmq_getsockopt(s, opt, key, &l));
            CHECK_EQ(l, 32);
            for (int k = 0; k < 32; k++)
                CHECK_EQ(key[k], 0);
            l = 41;
            CHECK_OK(zmq_getsockopt(s, opt, key, &l));
            CHECK_EQ(l, 41);
            CHECK(strcmp((char *) key, "0000000000000000000000000000000000000000") == 0);
            l = 40;
            CHECK_ERR(zmq_getsockopt(s, opt, key, &l), EINVAL);
            l = 64;
            CHECK_ERR(zmq_getsockopt(s, opt, key, &l), EINVAL);
        }

        for (size_t i = 0; i < sizeof not_readable / sizeof *not_readable; i++) {
            int v;
            l = sizeof v;
            errno = 0;
            if (zmq_getsockopt(s, not_readable[i], &v, &l) != -1 || zmq_errno() != EINVAL)
                TC_FAIL("%s: getsockopt(%d) should fail with EINVAL", type_names[t],
                        not_readable[i]);
        }
        CHECK_OK(zmq_close(s));
    }
}

static void test_sizes(void *ctx) {
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(s);
    /* Integer options must be read and written with exactly sizeof(int). */
    char buf[16];
    size_t l = 8;
    CHECK_ERR(zmq_getsockopt(s, ZMQ_SNDHWM, buf, &l), EINVAL);
    l = 2;
    CHECK_ERR(zmq_getsockopt(s, ZMQ_SNDHWM, buf, &l), EINVAL);
    l = 0;
    CHECK_ERR(zmq_getsockopt(s, ZMQ_TYPE, buf, &l), EINVAL);
    int v = 5;
    CHECK_ERR(zmq_setsockopt(s, ZMQ_SNDHWM, &v, 2), EINVAL);
    CHECK_ERR(zmq_setsockopt(s, ZMQ_SNDHWM, &v, 8), EINVAL);
    CHECK_ERR(zmq_setsockopt(s, ZMQ_SNDHWM, &v, 0), EINVAL);
    /* 64-bit options need exactly 8 bytes. */
    l = 4;
    CHECK_ERR(zmq_getsockopt(s, ZMQ_AFFINITY, buf, &l), EINVAL);
    l = 4;
    CHECK_ERR(zmq_getsockopt(s, ZMQ_MAXMSGSIZE, buf, &l), EINVAL);
    CHECK_ERR(zmq_setsockopt(s, ZMQ_AFFINITY, &v, 4), EINVAL);
    CHECK_ERR(zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &v, 4), EINVAL);
    /* Strings: buffer too small for value + NUL -> EINVAL; larger is fine and the
       returned length is the real one. */
    CHECK_OK(zmq_bind(s, "inproc://sockopt-sizes"));
    l = 0;
    CHECK_ERR(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, buf, &l), EINVAL);
    l = 5;
    CHECK_ERR(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, buf, &l), EINVAL);
    char big[64];
    l = sizeof big;
    CHECK_OK(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, big, &l));
    CHECK_EQ(l, strlen("inproc://sockopt-sizes") + 1);
    CHECK(strcmp(big, "inproc://sockopt-sizes") == 0);
    /* Exactly enough room. */
    l = strlen("inproc://sockopt-sizes") + 1;
    CHECK_OK(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, big, &l));
    /* Binary routing id: too small a buffer -> EINVAL. */
    CHECK_OK(zmq_setsockopt(s, ZMQ_ROUTING_ID, "abcdef", 6));
    l = 3;
    CHECK_ERR(zmq_getsockopt(s, ZMQ_ROUTING_ID, buf, &l), EINVAL);
    l = sizeof buf;
    CHECK_OK(zmq_getsockopt(s, ZMQ_ROUTING_ID, buf, &l));
    CHECK_EQ(l, 6);
    CHECK(memcmp(buf, "abcdef", 6) == 0);
    CHECK_OK(zmq_close(s));
}

static void roundtrip_int(void *s, int opt, int value) {
    CHECK_OK(zmq_setsockopt(s, opt, &value, sizeof value));
    int got = get_int(s, opt);
    if (got != value)
        TC_FAIL("option %d: set %d, read back %d", opt, value, got);
}

static void test_roundtrips(void *ctx) {
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(s);
    roundtrip_int(s, ZMQ_SNDHWM, 0);
    roundtrip_int(s, ZMQ_SNDHWM, 7);
    roundtrip_int(s, ZMQ_RCVHWM, 123456);
    roundtrip_int(s, ZMQ_LINGER, 0);
    roundtrip_int(s, ZMQ_LINGER, 2500);
    roundtrip_int(s, ZMQ_LINGER, -1);
    roundtrip_int(s, ZMQ_RCVTIMEO, 0);
    roundtrip_int(s, ZMQ_RCVTIMEO, 1234);
    roundtrip_int(s, ZMQ_RCVTIMEO, -1);
    roundtrip_int(s, ZMQ_SNDTIMEO, 4321);
    roundtrip_int(s, ZMQ_RECONNECT_IVL, 250);
    roundtrip_int(s, ZMQ_RECONNECT_IVL, -1);
    roundtrip_int(s, ZMQ_RECONNECT_IVL_MAX, 5000);
    roundtrip_int(s, ZMQ_BACKLOG, 10);
    roundtrip_int(s, ZMQ_SNDBUF, 65536);
    roundtrip_int(s, ZMQ_RCVBUF, 0);
    roundtrip_int(s, ZMQ_RATE, 1000);
    roundtrip_int(s, ZMQ_RECOVERY_IVL, 500);
    roundtrip_int(s, ZMQ_MULTICAST_HOPS, 8);
    roundtrip_int(s, ZMQ_TCP_KEEPALIVE, 1);
    roundtrip_int(s, ZMQ_TCP_KEEPALIVE_CNT, 3);
    roundtrip_int(s, ZMQ_TCP_KEEPALIVE_IDLE, 60);
    roundtrip_int(s, ZMQ_TCP_KEEPALIVE_INTVL, 5);
    roundtrip_int(s, ZMQ_IMMEDIATE, 1);
    roundtrip_int(s, ZMQ_IMMEDIATE, 0);
    roundtrip_int(s, ZMQ_CONFLATE, 1);
    roundtrip_int(s, ZMQ_CONFLATE, 0);
    roundtrip_int(s, ZMQ_TOS, 0x28);
    roundtrip_int(s, ZMQ_HANDSHAKE_IVL, 0);
    roundtrip_int(s, ZMQ_HEARTBEAT_IVL, 1000);
    roundtrip_int(s, ZMQ_HEARTBEAT_TIMEOUT, 3000);
    roundtrip_int(s, ZMQ_CONNECT_TIMEOUT, 200);
    roundtrip_int(s, ZMQ_TCP_MAXRT, 100);
    roundtrip_int(s, ZMQ_MULTICAST_MAXTPDU, 9000);

    /* IPV6 and IPV4ONLY are two views of one flag. */
    roundtrip_int(s, ZMQ_IPV6, 1);
    CHECK_EQ(get_int(s, ZMQ_IPV4ONLY), 0);
    roundtrip_int(s, ZMQ_IPV4ONLY, 1);
    CHECK_EQ(get_int(s, ZMQ_IPV6), 0);

    /* HEARTBEAT_TTL is stored in deciseconds: read back rounded down to 100 ms. */
    roundtrip_int(s, ZMQ_HEARTBEAT_TTL, 2000);
    int ttl = 2550;
    CHECK_OK(zmq_setsockopt(s, ZMQ_HEARTBEAT_TTL, &ttl, sizeof ttl));
    CHECK_EQ(get_int(s, ZMQ_HEARTBEAT_TTL), 2500);

    int64_t i64 = 1 << 20;
    CHECK_OK(zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &i64, sizeof i64));
    CHECK_EQ(get_i64(s, ZMQ_MAXMSGSIZE), 1 << 20);
    uint64_t aff = 3;
    CHECK_OK(zmq_setsockopt(s, ZMQ_AFFINITY, &aff, sizeof aff));
    CHECK_EQ(get_i64(s, ZMQ_AFFINITY), 3);

    /* Range checks. */
    int v = -2;
    CHECK_ERR(zmq_setsockopt(s, ZMQ_LINGER, &v, sizeof v), EINVAL);
    CHECK_ERR(zmq_setsockopt(s, ZMQ_SNDHWM, &v, sizeof v), EINVAL);
    CHECK_ERR(zmq_setsockopt(s, ZMQ_RCVHWM, &v, sizeof v), EINVAL);
    CHECK_ERR(zmq_setsockopt(s, ZMQ_RCVTIMEO, &v, sizeof v), EINVAL);
    CHECK_ERR(zmq_setsockopt(s, ZMQ_SNDTIMEO, &v, sizeof v), EINVAL);
    /* Booleans accept only 0 and 1. */
    v = 2;
    CHECK_ERR(zmq_setsockopt(s, ZMQ_IPV6, &v, sizeof v), EINVAL);
    CHECK_ERR(zmq_setsockopt(s, ZMQ_CONFLATE, &v, sizeof v), EINVAL);
    CHECK_ERR(zmq_setsockopt(s, ZMQ_IMMEDIATE, &v, sizeof v), EINVAL);
    /* A failed set leaves the value alone. */
    CHECK_EQ(get_int(s, ZMQ_LINGER), -1);

    /* Routing id: 1..255 bytes. */
    CHECK_ERR(zmq_setsockopt(s, ZMQ_ROUTING_ID, "", 0), EINVAL);
    char rid[256];
    memset(rid, 'r', sizeof rid);
    CHECK_ERR(zmq_setsockopt(s, ZMQ_ROUTING_ID, rid, 256), EINVAL);
    CHECK_OK(zmq_setsockopt(s, ZMQ_ROUTING_ID, rid, 255));
    char out[256];
    size_t l = sizeof out;
    CHECK_OK(zmq_getsockopt(s, ZMQ_ROUTING_ID, out, &l));
    CHECK_EQ(l, 255);
    /* ZMQ_IDENTITY is the same option. */
    CHECK_EQ(ZMQ_IDENTITY, ZMQ_ROUTING_ID);

    /* Security mechanism follows the last mechanism-specific option set. */
    CHECK_OK(zmq_setsockopt(s, ZMQ_PLAIN_USERNAME, "admin", 5));
    CHECK_EQ(get_int(s, ZMQ_MECHANISM), ZMQ_PLAIN);
    CHECK_OK(zmq_setsockopt(s, ZMQ_PLAIN_PASSWORD, "secret", 6));
    char str[64];
    l = sizeof str;
    CHECK_OK(zmq_getsockopt(s, ZMQ_PLAIN_USERNAME, str, &l));
    CHECK_EQ(l, 6);
    CHECK(strcmp(str, "admin") == 0);
    CHECK_EQ(get_int(s, ZMQ_PLAIN_SERVER), 0);
    roundtrip_int(s, ZMQ_PLAIN_SERVER, 1);
    CHECK_EQ(get_int(s, ZMQ_MECHANISM), ZMQ_PLAIN);
    /* An empty username switches back to NULL. */
    CHECK_OK(zmq_setsockopt(s, ZMQ_PLAIN_USERNAME, NULL, 0));
    CHECK_EQ(get_int(s, ZMQ_MECHANISM), ZMQ_NULL);
    if (zmq_has("curve")) {
        roundtrip_int(s, ZMQ_CURVE_SERVER, 1);
        CHECK_EQ(get_int(s, ZMQ_MECHANISM), ZMQ_CURVE);
    }
    CHECK_OK(zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, "global", 6));
    l = sizeof str;
    CHECK_OK(zmq_getsockopt(s, ZMQ_ZAP_DOMAIN, str, &l));
    CHECK_EQ(l, 7);
    CHECK(strcmp(str, "global") == 0);
    CHECK_OK(zmq_close(s));

    /* Per-type write-only options are accepted on their own types. */
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    CHECK_OK(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "topic", 5));
    CHECK_OK(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0));
    CHECK_OK(zmq_setsockopt(sub, ZMQ_UNSUBSCRIBE, "topic", 5));
    CHECK_OK(zmq_setsockopt(sub, ZMQ_UNSUBSCRIBE, "never-subscribed", 16));
    CHECK_OK(zmq_close(sub));
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    int one = 1;
    CHECK_OK(zmq_setsockopt(router, ZMQ_ROUTER_MANDATORY, &one, sizeof one));
    CHECK_OK(zmq_setsockopt(router, ZMQ_ROUTER_HANDOVER, &one, sizeof one));
    CHECK_OK(zmq_setsockopt(router, ZMQ_PROBE_ROUTER, &one, sizeof one));
    CHECK_OK(zmq_setsockopt(router, ZMQ_CONNECT_ROUTING_ID, "peer", 4));
    CHECK_OK(zmq_close(router));
    void *req = zmq_socket(ctx, ZMQ_REQ);
    CHECK_OK(zmq_setsockopt(req, ZMQ_REQ_CORRELATE, &one, sizeof one));
    CHECK_OK(zmq_setsockopt(req, ZMQ_REQ_RELAXED, &one, sizeof one));
    CHECK_ERR(zmq_setsockopt(req, ZMQ_ROUTER_MANDATORY, &one, sizeof one), EINVAL);
    CHECK_OK(zmq_close(req));
    void *xpub = zmq_socket(ctx, ZMQ_XPUB);
    CHECK_OK(zmq_setsockopt(xpub, ZMQ_XPUB_VERBOSE, &one, sizeof one));
    CHECK_OK(zmq_setsockopt(xpub, ZMQ_XPUB_NODROP, &one, sizeof one));
    CHECK_OK(zmq_setsockopt(xpub, ZMQ_XPUB_MANUAL, &one, sizeof one));
    CHECK_OK(zmq_setsockopt(xpub, ZMQ_XPUB_WELCOME_MSG, "hi", 2));
    CHECK_OK(zmq_close(xpub));
}

static void test_last_endpoint(void *ctx) {
    void *a = zmq_socket(ctx, ZMQ_PAIR), *b = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(a && b);
    CHECK_OK(zmq_bind(a, "inproc://last-endpoint-1"));
    check_str(a, ZMQ_LAST_ENDPOINT, "inproc://last-endpoint-1", 0);
    CHECK_OK(zmq_bind(a, "inproc://last-endpoint-2"));
    check_str(a, ZMQ_LAST_ENDPOINT, "inproc://last-endpoint-2", 0);
    /* connect updates it too */
    CHECK_OK(zmq_connect(b, "inproc://last-endpoint-1"));
    check_str(b, ZMQ_LAST_ENDPOINT, "inproc://last-endpoint-1", 0);
    /* a failed bind leaves it alone */
    CHECK_ERR(zmq_bind(b, "inproc://last-endpoint-2"), EADDRINUSE);
    check_str(b, ZMQ_LAST_ENDPOINT, "inproc://last-endpoint-1", 0);
    CHECK_OK(zmq_close(a));
    CHECK_OK(zmq_close(b));
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    test_defaults(ctx);
    test_sizes(ctx);
    test_roundtrips(ctx);
    test_last_endpoint(ctx);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
