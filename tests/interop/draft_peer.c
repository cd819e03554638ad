/* Interop peer for the draft socket types (DESIGN §8, layer 4; issue 13).
 *
 * Compiled by tests/interop.rs with ZMQ_BUILD_DRAFT_API twice: against the header and
 * library of a libzmq built with drafts (scripts/draft-libzmq.sh) and against our
 * include/zmq.h + libzmq.so.5. Two or more instances talk over tcp, ipc or udp. Every
 * message is one frame (the thread-safe types have no multipart).
 *
 * Usage: draft_peer --type TYPE (--bind EP | --connect EP...) --role ROLE [options]
 *
 *   roles  send    SCATTER/CLIENT/CHANNEL: send --count messages
 *          recv    GATHER/CHANNEL: receive --count messages and verify them
 *          client  CLIENT/CHANNEL/PEER: --count requests named --name, each reply must be
 *                  the request; PEER connects with zmq_connect_peer and sends to the
 *                  routing id it returned, replies must come from that routing id
 *          echo    SERVER/CHANNEL/PEER: receive --count requests (from any client), send
 *                  each back (SERVER/PEER: to its routing id); with --clients K exactly K
 *                  distinct routing ids, each always carrying the same client name
 *          radio   RADIO: probes in group "sync" until a stdin line, then --count rounds
 *                  of one message per group of --groups; with --leave-phase, then rounds
 *                  of ("sync2" probe, one message per group) until a stdin line
 *          dish    DISH: joined to --join groups and "sync"; prints SYNCED at the first
 *                  probe; then every group of --expect gets --count messages in order and
 *                  no other group arrives; with --leave G: leaves G, joins "sync2", prints
 *                  LEFT, and after the first "sync2" probe --count more messages must
 *                  arrive, none of them in G
 *   --count N          default 10
 *   --size S           payload bytes (at least the text "name:seq:"), default 32
 *   --name NAME        client name in the payloads, default "c"
 *   --clients K        echo: distinct routing ids expected (SERVER/PEER)
 *   --groups A,B / --join A,B / --expect A,B / --leave G   RADIO/DISH groups
 *   --interval-ms I    pause between sends
 *   --nonblock         send: ZMQ_DONTWAIT, a message refused with EAGAIN is dropped
 *   --expect-none MS   recv: nothing may arrive within MS (an incompatible peer)
 *   --expect-type T    the first message received carries property Socket-Type=T
 *   --multicast        RADIO: ZMQ_MULTICAST_LOOP=1, ZMQ_MULTICAST_HOPS=1
 *   --timeout-ms T     every blocking step (default 10000)
 *
 * The process always prints DONE after its role and waits for stdin EOF before closing.
 * Output lines (stdout, flushed): VERSION, ENDPOINT ep, SYNCED, LEFT, CLIENTS k,
 * PROP Socket-Type=v, SENT/RECEIVED count= bytes= fnv=, DONE, OK; failures print
 * "ERROR ..." and exit 1.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#define ZMQ_BUILD_DRAFT_API

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#ifndef ZMQ_SERVER
#error "draft_peer needs a zmq.h with the draft API (ZMQ_BUILD_DRAFT_API)"
#endif

#define MAX_LIST 32

#include "peer_util.h" /* needs MAX_LIST */
#define MAX_CLIENTS 64
#define MAX_SIZE (1 << 20)

/* ---------------------------------------------------------------- utilities */

static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("ERROR ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    _exit(1);
}

static void out(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
}




/* ----------------------------------------------------------------- options */

static const char *o_type, *o_bind, *o_role = "recv", *o_name = "c", *o_leave;
static const char *o_expect_type;
static char *o_connects[MAX_LIST];
static int o_nconnects;
static int o_count = 10, o_size = 32, o_clients, o_interval, o_multicast, o_nonblock;
static int o_expect_none = -1;
static int o_timeout = 10000;
static char *o_groups[MAX_LIST], *o_joins[MAX_LIST], *o_expects[MAX_LIST];
static int o_ngroups, o_njoins, o_nexpects, o_leave_phase;

static int sock_type;
static void *sock;

/* ------------------------------------------------------------- stdin relay */




/* ------------------------------------------------------------------ payload */

static uint64_t fnv = 1469598103934665603ULL;
static uint64_t total_bytes;
static long total_msgs;

static void fnv_add(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        fnv ^= p[i];
        fnv *= 1099511628211ULL;
    }
    total_bytes += n;
    total_msgs++;
}

/* "name:seq:" followed by pattern bytes up to o_size (at least the text). */
static size_t make_payload(unsigned char *buf, const char *name, long seq) {
    int n = snprintf((char *)buf, MAX_SIZE, "%s:%ld:", name, seq);
    size_t size = (size_t)n > (size_t)o_size ? (size_t)n : (size_t)o_size;
    for (size_t i = (size_t)n; i < size; i++)
        buf[i] = (unsigned char)(seq * 131 + (long)i * 7 + 0x5a);
    return size;
}

/* The first bytes of a message, printable (others as '.'), for error lines. */
static const char *shown(zmq_msg_t *m) {
    static char buf[41];
    const unsigned char *p = zmq_msg_data(m);
    size_t n = zmq_msg_size(m) < 40 ? zmq_msg_size(m) : 40;
    for (size_t i = 0; i < n; i++)
        buf[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
    buf[n] = 0;
    return buf;
}

/* Parses "name:seq:" at the start of a payload; the name goes to `name`. */
static long parse_payload(zmq_msg_t *m, char *name, size_t name_size) {
    const char *p = zmq_msg_data(m);
    size_t size = zmq_msg_size(m), i = 0;
    while (i < size && p[i] != ':')
        i++;
    if (i == size || i >= name_size)
        fail("payload without a name: %s", shown(m));
    memcpy(name, p, i);
    name[i] = 0;
    long seq = 0;
    size_t j = i + 1;
    if (j == size || p[j] < '0' || p[j] > '9')
        fail("payload without a sequence number: %s", shown(m));
    for (; j < size && p[j] >= '0' && p[j] <= '9'; j++)
        seq = seq * 10 + (p[j] - '0');
    return seq;
}

/* The message must be exactly the payload of (name, seq). */
static void verify(zmq_msg_t *m, const char *name, long seq) {
    static unsigned char want[MAX_SIZE];
    size_t size = make_payload(want, name, seq);
    if (zmq_msg_size(m) != size || memcmp(zmq_msg_data(m), want, size) != 0)
        fail("message \"%s\" (%zu bytes) is not %s:%ld: (%zu bytes)", shown(m),
             zmq_msg_size(m), name, seq, size);
}

/* --------------------------------------------------------------- messaging */

static int type_checked;

static void check_type(zmq_msg_t *m) {
    if (type_checked || !o_expect_type)
        return;
    type_checked = 1;
    const char *v = zmq_msg_gets(m, "Socket-Type");
    if (!v)
        fail("property Socket-Type missing (errno %d)", zmq_errno());
    out("PROP Socket-Type=%s", v);
    if (strcmp(v, o_expect_type) != 0)
        fail("property Socket-Type is \"%s\", want \"%s\"", v, o_expect_type);
}

/* Receives one message into m (initialised here); 0, or -1 on EAGAIN. */
static int recv_msg(zmq_msg_t *m, int flags) {
    zmq_msg_init(m);
    if (zmq_msg_recv(m, sock, flags) < 0) {
        int e = zmq_errno();
        zmq_msg_close(m);
        if (e == EAGAIN)
            return -1;
        fail("recv: %s", zmq_strerror(e));
    }
    if (zmq_msg_more(m))
        fail("a thread-safe socket delivered a multipart message");
    check_type(m);
    return 0;
}

static void recv_must(zmq_msg_t *m, const char *what) {
    if (recv_msg(m, 0) < 0)
        fail("timeout (%d ms) receiving %s", o_timeout, what);
}

/* Sends data (to routing id rid when non-zero, in group when non-NULL); retries while
 * there is no peer yet (EAGAIN) unless dontwait, then returns -1. */
static int send_data(const void *data, size_t size, uint32_t rid, const char *group,
                     int dontwait) {
    int64_t deadline = now_ms() + o_timeout;
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init_size(&m, size);
        if (size)
            memcpy(zmq_msg_data(&m), data, size);
        if (rid && zmq_msg_set_routing_id(&m, rid))
            fail("zmq_msg_set_routing_id: %s", zmq_strerror(zmq_errno()));
        if (group && zmq_msg_set_group(&m, group))
            fail("zmq_msg_set_group %s: %s", group, zmq_strerror(zmq_errno()));
        if (zmq_msg_send(&m, sock, ZMQ_DONTWAIT) >= 0)
            return 0;
        int e = zmq_errno();
        zmq_msg_close(&m);
        if (e != EAGAIN)
            fail("send: %s", zmq_strerror(e));
        if (dontwait)
            return -1;
        if (now_ms() > deadline)
            fail("send timed out: %s", zmq_strerror(e));
        sleep_ms(2);
    }
}

/* ------------------------------------------------------------------- roles */

static void set_int(int opt, int v, const char *name);

static uint32_t peer_rid; /* PEER client: the routing id zmq_connect_peer returned */

static void role_send(void) {
    static unsigned char buf[MAX_SIZE];
    for (long seq = 0; seq < o_count; seq++) {
        size_t size = make_payload(buf, o_name, seq);
        fnv_add(buf, size);
        send_data(buf, size, peer_rid, NULL, o_nonblock);
        if (o_interval)
            sleep_ms(o_interval);
    }
    out("SENT count=%ld bytes=%llu fnv=%016llx", total_msgs, (unsigned long long)total_bytes,
        (unsigned long long)fnv);
}

static void role_recv(void) {
    if (o_expect_none >= 0) {
        zmq_msg_t m;
        set_int(ZMQ_RCVTIMEO, o_expect_none, "RCVTIMEO");
        if (recv_msg(&m, 0) == 0)
            fail("a message arrived from a peer that should have been refused: %s", shown(&m));
        out("NOTHING ARRIVED");
        return;
    }
    for (long seq = 0; seq < o_count; seq++) {
        zmq_msg_t m;
        recv_must(&m, "a message");
        verify(&m, o_name, seq);
        fnv_add(zmq_msg_data(&m), zmq_msg_size(&m));
        zmq_msg_close(&m);
    }
    out("RECEIVED count=%ld bytes=%llu fnv=%016llx", total_msgs,
        (unsigned long long)total_bytes, (unsigned long long)fnv);
}

static void role_client(void) {
    static unsigned char buf[MAX_SIZE];
    for (long seq = 0; seq < o_count; seq++) {
        size_t size = make_payload(buf, o_name, seq);
        send_data(buf, size, peer_rid, NULL, 0);
        zmq_msg_t m;
        recv_must(&m, "a reply");
        verify(&m, o_name, seq);
        if (sock_type == ZMQ_PEER && zmq_msg_routing_id(&m) != peer_rid)
            fail("reply %ld from routing id %u, want %u (zmq_connect_peer's)", seq,
                 zmq_msg_routing_id(&m), peer_rid);
        if (sock_type == ZMQ_CLIENT && zmq_msg_routing_id(&m) != 0)
            fail("CLIENT reply %ld carries routing id %u", seq, zmq_msg_routing_id(&m));
        zmq_msg_close(&m);
        if (o_interval)
            sleep_ms(o_interval);
    }
}

static void role_echo(void) {
    int routed = sock_type == ZMQ_SERVER || sock_type == ZMQ_PEER;
    uint32_t rids[MAX_CLIENTS];
    char names[MAX_CLIENTS][ZMQ_GROUP_MAX_LENGTH + 1];
    long next_seq[MAX_CLIENTS];
    int nclients = 0;
    for (long k = 0; k < o_count; k++) {
        zmq_msg_t m;
        recv_must(&m, "a request");
        char name[ZMQ_GROUP_MAX_LENGTH + 1];
        long seq = parse_payload(&m, name, sizeof name);
        uint32_t rid = zmq_msg_routing_id(&m);
        if (routed && rid == 0)
            fail("%s request without a routing id", o_type);
        if (!routed && rid != 0)
            fail("%s request with routing id %u", o_type, rid);
        int c = 0;
        while (c < nclients && rids[c] != rid)
            c++;
        if (c == nclients) {
            if (nclients == MAX_CLIENTS)
                fail("too many clients");
            for (int j = 0; j < nclients; j++)
                if (strcmp(names[j], name) == 0)
                    fail("client %s arrived with routing ids %u and %u", name, rids[j], rid);
            rids[c] = rid;
            snprintf(names[c], sizeof names[c], "%s", name);
            next_seq[c] = 0;
            nclients++;
        }
        if (strcmp(names[c], name) != 0)
            fail("routing id %u carried client %s, now %s", rid, names[c], name);
        if (seq != next_seq[c])
            fail("client %s: request %ld, want %ld", name, seq, next_seq[c]);
        next_seq[c]++;
        verify(&m, name, seq);
        send_data(zmq_msg_data(&m), zmq_msg_size(&m), routed ? rid : 0, NULL, 0);
        zmq_msg_close(&m);
    }
    out("CLIENTS %d", nclients);
    if (o_clients && nclients != o_clients)
        fail("%d distinct clients, want %d", nclients, o_clients);
}

static void role_radio(void) {
    int64_t deadline = now_ms() + o_timeout;
    while (!stdin_wait(10)) {
        send_data("probe", 5, 0, "sync", 1);
        if (now_ms() > deadline)
            fail("timeout waiting for the sync line");
    }
    static unsigned char buf[MAX_SIZE];
    long seq = 0;
    for (; seq < o_count; seq++) {
        for (int g = 0; g < o_ngroups; g++) {
            size_t size = make_payload(buf, o_groups[g], seq);
            send_data(buf, size, 0, o_groups[g], 0);
            if (o_interval)
                sleep_ms(o_interval);
        }
    }
    out("ROUNDS %ld", seq);
    if (!o_leave_phase)
        return;
    /* After the dish left a group and joined "sync2": rounds until told to stop. */
    deadline = now_ms() + 3 * o_timeout;
    while (!stdin_wait(0)) {
        send_data("probe2", 6, 0, "sync2", 1);
        for (int g = 0; g < o_ngroups; g++) {
            size_t size = make_payload(buf, o_groups[g], seq);
            send_data(buf, size, 0, o_groups[g], 1);
        }
        seq++;
        sleep_ms(o_interval ? o_interval : 1);
        if (now_ms() > deadline)
            fail("timeout waiting for the stop line");
    }
    out("ROUNDS %ld", seq);
}

static void join(const char *g) {
    if (zmq_join(sock, g))
        fail("zmq_join %s: %s", g, zmq_strerror(zmq_errno()));
}

/* The group of m must be one of `expect`, its payload "group:seq:"; returns the index. */
static int dish_check(zmq_msg_t *m, long *seq) {
    const char *g = zmq_msg_group(m);
    char name[ZMQ_GROUP_MAX_LENGTH + 1];
    *seq = parse_payload(m, name, sizeof name);
    if (strcmp(g, name) != 0)
        fail("message %s:%ld arrived in group \"%s\"", name, *seq, g);
    for (int i = 0; i < o_nexpects; i++)
        if (strcmp(o_expects[i], g) == 0) {
            verify(m, g, *seq);
            return i;
        }
    fail("message in group \"%s\", which is not expected", g);
    return -1;
}

static void role_dish(void) {
    int synced = 0;
    long next[MAX_LIST] = {0};
    for (int done = 0; done < o_nexpects;) {
        zmq_msg_t m;
        recv_must(&m, synced ? "a group message" : "a sync probe");
        if (strcmp(zmq_msg_group(&m), "sync") == 0) {
            if (!synced)
                out("SYNCED");
            synced = 1;
            zmq_msg_close(&m);
            continue;
        }
        if (!synced)
            fail("group \"%s\" message before the first probe", zmq_msg_group(&m));
        long seq;
        int i = dish_check(&m, &seq);
        if (seq != next[i])
            fail("group %s: message %ld, want %ld", o_expects[i], seq, next[i]);
        if (++next[i] == o_count)
            done++;
        zmq_msg_close(&m);
    }
    if (!o_leave)
        return;
    if (zmq_leave(sock, o_leave))
        fail("zmq_leave %s: %s", o_leave, zmq_strerror(zmq_errno()));
    join("sync2");
    out("LEFT");
    int synced2 = 0, got = 0;
    long last[MAX_LIST];
    for (int i = 0; i < o_nexpects; i++)
        last[i] = next[i] - 1;
    while (got < o_count) {
        zmq_msg_t m;
        recv_must(&m, synced2 ? "a message after leaving" : "a sync2 probe");
        const char *g = zmq_msg_group(&m);
        if (strcmp(g, "sync") == 0 || strcmp(g, "sync2") == 0) {
            synced2 |= strcmp(g, "sync2") == 0;
            zmq_msg_close(&m);
            continue;
        }
        long seq;
        int i = dish_check(&m, &seq);
        /* Before the first sync2 probe, messages of the group being left may still be on
         * their way; after it, none. Each group's numbers keep increasing. */
        if (seq <= last[i])
            fail("group %s: message %ld after %ld", g, seq, last[i]);
        last[i] = seq;
        if (synced2) {
            if (strcmp(g, o_leave) == 0)
                fail("group %s message %ld arrived after leaving it", g, seq);
            got++;
        }
        zmq_msg_close(&m);
    }
}

/* -------------------------------------------------------------------- main */

static int parse_type(const char *s) {
    static const struct {
        const char *n;
        int t;
    } types[] = {{"SERVER", ZMQ_SERVER}, {"CLIENT", ZMQ_CLIENT},   {"RADIO", ZMQ_RADIO},
                 {"DISH", ZMQ_DISH},     {"SCATTER", ZMQ_SCATTER}, {"GATHER", ZMQ_GATHER},
                 {"PEER", ZMQ_PEER},     {"CHANNEL", ZMQ_CHANNEL}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i].n, s) == 0)
            return types[i].t;
    fail("unknown socket type %s", s);
    return -1;
}

static void set_int(int opt, int v, const char *name) {
    if (zmq_setsockopt(sock, opt, &v, sizeof v))
        fail("setsockopt %s: %s", name, zmq_strerror(zmq_errno()));
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && (v || (fail("%s needs a value", name), 0)) && ++i)
        if (ARG("--type"))
            o_type = v;
        else if (ARG("--bind"))
            o_bind = v;
        else if (ARG("--connect")) {
            if (o_nconnects < MAX_LIST)
                o_connects[o_nconnects++] = v;
        } else if (ARG("--role"))
            o_role = v;
        else if (ARG("--count"))
            o_count = atoi(v);
        else if (ARG("--size"))
            o_size = atoi(v);
        else if (ARG("--name"))
            o_name = v;
        else if (ARG("--clients"))
            o_clients = atoi(v);
        else if (ARG("--groups"))
            o_ngroups = split(v, o_groups);
        else if (ARG("--join"))
            o_njoins = split(v, o_joins);
        else if (ARG("--expect"))
            o_nexpects = split(v, o_expects);
        else if (ARG("--leave"))
            o_leave = v;
        else if (strcmp(a, "--leave-phase") == 0)
            o_leave_phase = 1;
        else if (ARG("--interval-ms"))
            o_interval = atoi(v);
        else if (ARG("--expect-type"))
            o_expect_type = v;
        else if (strcmp(a, "--multicast") == 0)
            o_multicast = 1;
        else if (strcmp(a, "--nonblock") == 0)
            o_nonblock = 1;
        else if (ARG("--expect-none"))
            o_expect_none = atoi(v);
        else if (ARG("--timeout-ms"))
            o_timeout = atoi(v);
        else
            fail("unknown argument %s", a);
#undef ARG
    }
    if (!o_type || (!o_bind == !o_nconnects))
        fail("usage: draft_peer --type TYPE (--bind EP | --connect EP...) --role ROLE");
    if (o_size < 0 || o_size > MAX_SIZE - 64)
        fail("--size out of range");
    alarm((unsigned)(o_timeout / 1000) * 8 + 10);

    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    out("VERSION %d.%d.%d draft=%d", major, minor, patch, zmq_has("draft"));

    void *ctx = zmq_ctx_new();
    if (!ctx)
        fail("zmq_ctx_new: %s", zmq_strerror(zmq_errno()));
    sock_type = parse_type(o_type);
    sock = zmq_socket(ctx, sock_type);
    if (!sock)
        fail("zmq_socket %s: %s", o_type, zmq_strerror(zmq_errno()));
    set_int(ZMQ_RCVTIMEO, o_timeout, "RCVTIMEO");
    set_int(ZMQ_SNDTIMEO, o_timeout, "SNDTIMEO");
    if (o_multicast) {
        set_int(ZMQ_MULTICAST_LOOP, 1, "MULTICAST_LOOP");
        set_int(ZMQ_MULTICAST_HOPS, 1, "MULTICAST_HOPS");
    }
    if (sock_type == ZMQ_DISH) {
        for (int i = 0; i < o_njoins; i++)
            join(o_joins[i]);
        join("sync");
    }

    if (o_bind) {
        if (zmq_bind(sock, o_bind))
            fail("bind %s: %s", o_bind, zmq_strerror(zmq_errno()));
        char ep[1024];
        size_t len = sizeof ep;
        if (zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, ep, &len))
            fail("LAST_ENDPOINT: %s", zmq_strerror(zmq_errno()));
        /* udp's LAST_ENDPOINT has no scheme (libzmq's); the peers get what was bound. */
        out("ENDPOINT %s", strstr(ep, "://") ? ep : o_bind);
    } else {
        for (int i = 0; i < o_nconnects; i++) {
            if (sock_type == ZMQ_PEER) {
                peer_rid = zmq_connect_peer(sock, o_connects[i]);
                if (peer_rid == 0)
                    fail("zmq_connect_peer %s: %s", o_connects[i], zmq_strerror(zmq_errno()));
                out("PEER_ROUTING_ID %u", peer_rid);
            } else if (zmq_connect(sock, o_connects[i])) {
                fail("connect %s: %s", o_connects[i], zmq_strerror(zmq_errno()));
            }
        }
        out("CONNECTING %d", o_nconnects);
    }

    if (strcmp(o_role, "send") == 0)
        role_send();
    else if (strcmp(o_role, "recv") == 0)
        role_recv();
    else if (strcmp(o_role, "client") == 0)
        role_client();
    else if (strcmp(o_role, "echo") == 0)
        role_echo();
    else if (strcmp(o_role, "radio") == 0)
        role_radio();
    else if (strcmp(o_role, "dish") == 0)
        role_dish();
    else
        fail("unknown role %s", o_role);

    out("DONE");
    stdin_wait_eof(6 * o_timeout);
    if (zmq_close(sock))
        fail("zmq_close: %s", zmq_strerror(zmq_errno()));
    zmq_ctx_term(ctx);
    out("OK");
    return 0;
}
