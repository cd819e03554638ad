/* Multipart atomicity under load and disruption, over tcp and ipc at once.
 *
 * A reader must only ever see whole messages, one peer's frames never mixed with
 * another's, each peer's messages in the order it sent them, and a peer that dies in the
 * middle of a message must leave nothing of that message behind (libzmq's session rolls
 * the unfinished message back when the connection ends).
 *
 * Two receivers are bound on tcp and ipc each: a ROUTER that echoes every message back,
 * and a PULL. Senders, all running at once:
 *  - good peers (threads): DEALERs (to the ROUTER, checking that every echo comes back
 *    whole, to them, in order) and PUSHes, each sending MSGS messages of 1-8 frames of
 *    0 B to ~200 KiB (so frames span the engine's reads);
 *  - killed peers: child processes (posix_spawn of /proc/self/exe, never fork of this
 *    threaded process: under AddressSanitizer that deadlocks) sending 5-frame messages
 *    non-stop, one frame always above 64 KiB, killed with SIGKILL once they have been
 *    heard from: what they delivered must be a contiguous prefix of whole messages;
 *  - raw ZMTP 3.0 senders (plain sockets, handshake written by hand) that send 3 whole
 *    5-frame messages, cut the 4th at a chosen point (after frame 1-4, inside a short or
 *    a long frame header, inside a short, long or >64 KiB body) and close: exactly the 3
 *    whole messages must be delivered, nothing of the 4th.
 * Every frame describes itself (peer, message seq, frame index and count, length) and the
 * rest of its body is a pattern derived from those, and the frame sizes of a message are
 * a function of (seed, peer, seq), so every delivered message is checked whole, byte for
 * byte. Nothing whole may be lost for peers that were not killed.
 *
 * Environment: ZMQ_STRESS_SEED (default fixed, printed), ZMQ_STRESS_MSGS (per good peer,
 * default 200), ZMQ_STRESS_TIMEOUT (seconds, hard limit, default 50), ZMQ_STRESS_PARTS
 * (which senders run, default "good,killed,raw": to tell which disruption catches what).
 */
#include "common.h"
#include "test_net_util.h"

#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>

extern char **environ;

enum {
    HDR = 20,           /* self-description at the start of every frame this long */
    MAX_FRAMES = 8,     /* frames per message, at most */
    MAX_FRAME = 200000, /* bytes per frame, at most */
    GOOD_DEALERS = 12,  /* peers 0..11 (even: tcp, odd: ipc) */
    GOOD_PUSHES = 12,   /* peers 12..23 */
    KILLED = 8,         /* peers 100..107 (child processes) */
    RAW = 96,           /* peers 200..295: every cut mode x socket x transport, twice */
    RAW_THREADS = 6,
    CUT_MODES = 12,
    WINDOW = 8, /* echoes a DEALER waits for at most */
    MAX_PEERS = 512,
};
#define FIRST_PUSH GOOD_DEALERS
#define FIRST_KILLED 100
#define FIRST_RAW 200
static const uint32_t MAGIC = 0x4d53544du; /* "MTSM" little-endian */

static uint64_t g_seed;
static int g_msgs = 200;
enum { PART_GOOD = 1, PART_KILLED = 2, PART_RAW = 4 };
static int g_parts = PART_GOOD | PART_KILLED | PART_RAW;

/* --- deterministic randomness ------------------------------------------------------- */

static uint64_t mix64(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

typedef struct {
    uint64_t s;
} rng_t;

static uint64_t rng_next(rng_t *r) {
    r->s += 0x9e3779b97f4a7c15ull;
    return mix64(r->s);
}

static uint32_t rng_below(rng_t *r, uint32_t n) { return n ? (uint32_t) (rng_next(r) % n) : 0; }

static rng_t rng_for(uint64_t a, uint64_t b, uint64_t c) {
    rng_t r = {mix64(g_seed ^ mix64(a ^ mix64(b ^ mix64(c))))};
    return r;
}

/* --- peers and message layouts ------------------------------------------------------ */

enum kind { K_NONE, K_DEALER, K_PUSH, K_KILLED_PUSH, K_KILLED_DEALER, K_RAW_PUSH, K_RAW_DEALER };

static enum kind peer_kind(uint32_t p) {
    if (p < FIRST_PUSH)
        return K_DEALER;
    if (p < FIRST_PUSH + GOOD_PUSHES)
        return K_PUSH;
    if (p >= FIRST_KILLED && p < FIRST_KILLED + KILLED)
        return (p - FIRST_KILLED) % 2 ? K_KILLED_DEALER : K_KILLED_PUSH;
    if (p >= FIRST_RAW && p < FIRST_RAW + RAW)
        return ((p - FIRST_RAW) / CUT_MODES) % 2 ? K_RAW_DEALER : K_RAW_PUSH;
    return K_NONE;
}

static int peer_to_router(uint32_t p) {
    enum kind k = peer_kind(p);
    return k == K_DEALER || k == K_KILLED_DEALER || k == K_RAW_DEALER;
}

/* ipc for odd peers (raw senders: decided per sender below) */
static int peer_ipc(uint32_t p) {
    if (p >= FIRST_RAW)
        return ((p - FIRST_RAW) / (2 * CUT_MODES)) % 2;
    if (p >= FIRST_KILLED)
        return ((p - FIRST_KILLED) / 2) % 2;
    return (int) (p % 2);
}

static size_t random_size(rng_t *r) {
    uint32_t c = rng_below(r, 100);
    if (c < 8)
        return 0;
    if (c < 55)
        return 1 + rng_below(r, 64);
    if (c < 80)
        return 65 + rng_below(r, 4096);
    if (c < 93)
        return 4097 + rng_below(r, 70000);
    return 65536 + rng_below(r, MAX_FRAME - 65536 + 1);
}

/* The 4th message of a raw sender: short, long, empty, >64 KiB and ~200 KiB frames. */
static const size_t RAW_CUT_SIZES[5] = {HDR + 40, 300, 0, 100000, 200000};

/* Frame count and sizes of message `seq` of peer `p`. */
static int layout(uint32_t p, uint32_t seq, size_t sizes[MAX_FRAMES]) {
    rng_t r = rng_for(p, seq, 0x1a);
    enum kind k = peer_kind(p);
    int n;
    if (k == K_DEALER || k == K_PUSH) {
        n = 1 + (int) rng_below(&r, MAX_FRAMES);
        for (int i = 0; i < n; i++)
            sizes[i] = random_size(&r);
    } else if ((k == K_RAW_PUSH || k == K_RAW_DEALER) && seq == 3) {
        n = 5;
        memcpy(sizes, RAW_CUT_SIZES, sizeof RAW_CUT_SIZES);
    } else {
        n = 5;
        for (int i = 0; i < n; i++)
            sizes[i] = random_size(&r);
        if (k == K_KILLED_PUSH || k == K_KILLED_DEALER)
            sizes[2] = 65536 + rng_below(&r, MAX_FRAME - 65536 + 1);
    }
    if (sizes[0] < HDR)
        sizes[0] = HDR;
    return n;
}

/* --- frame contents ----------------------------------------------------------------- */

static void put32(uint8_t *b, uint32_t v) {
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t) (v >> (8 * i));
}

static uint32_t get32(const uint8_t *b) {
    return (uint32_t) b[0] | (uint32_t) b[1] << 8 | (uint32_t) b[2] << 16 |
           (uint32_t) b[3] << 24;
}

/* The pattern of frame (p, seq, idx) from byte `from` to `len`. */
static void pattern(uint8_t *b, size_t from, size_t len, uint32_t p, uint32_t seq, int idx) {
    rng_t r = rng_for(p, seq, 0x100 + (uint64_t) idx);
    for (size_t o = from; o < len; o += 8) {
        uint64_t v = rng_next(&r);
        size_t n = len - o < 8 ? len - o : 8;
        memcpy(b + o, &v, n);
    }
}

static void fill_frame(uint8_t *b, size_t len, uint32_t p, uint32_t seq, int idx, int count) {
    size_t from = 0;
    if (len >= HDR) {
        put32(b, MAGIC);
        put32(b + 4, p);
        put32(b + 8, seq);
        put32(b + 12, (uint32_t) idx | (uint32_t) count << 16);
        put32(b + 16, (uint32_t) len);
        from = HDR;
    }
    pattern(b, from, len, p, seq, idx);
}

/* A short description of what a received frame says it is. */
static void describe(char *out, size_t n, const uint8_t *d, size_t len) {
    if (len >= HDR && get32(d) == MAGIC)
        snprintf(out, n, "[%zu B: peer %u seq %u frame %u/%u len %u]", len, get32(d + 4),
                 get32(d + 8), get32(d + 12) & 0xffff, get32(d + 12) >> 16, get32(d + 16));
    else
        snprintf(out, n, "[%zu B, no header]", len);
}

/* --- checking received messages ------------------------------------------------------ */

typedef struct {
    zmq_msg_t f[MAX_FRAMES + 2];
    int n;
} frames_t;

static void frames_close(frames_t *m) {
    for (int i = 0; i < m->n; i++)
        zmq_msg_close(&m->f[i]);
    m->n = 0;
}

static void describe_all(char *out, size_t n, frames_t *m, int from) {
    size_t used = 0;
    out[0] = 0;
    for (int i = from; i < m->n && used + 80 < n; i++) {
        describe(out + used, n - used, zmq_msg_data(&m->f[i]), zmq_msg_size(&m->f[i]));
        used += strlen(out + used);
    }
}

/* Receive one message (all its frames). Returns 0, or -1 if no first frame came within
   the socket's RCVTIMEO. A message whose next frame does not come within 5 s, or with
   more than MAX_FRAMES + 1 frames, fails the test. */
static int recv_frames(void *s, frames_t *m, const char *who) {
    m->n = 0;
    int64_t deadline = 0;
    for (;;) {
        zmq_msg_t *f = &m->f[m->n];
        zmq_msg_init(f);
        if (zmq_msg_recv(f, s, 0) == -1) {
            int e = zmq_errno();
            zmq_msg_close(f);
            if (e != EAGAIN)
                TC_FAIL("%s: zmq_msg_recv: errno %d (%s)", who, e, zmq_strerror(e));
            if (m->n == 0)
                return -1;
            if (tc_now_ms() > deadline) {
                char d[2048];
                describe_all(d, sizeof d, m, 0);
                TC_FAIL("%s: a message stopped after %d frame(s) with MORE set, nothing "
                        "followed for 5 s: %s",
                        who, m->n, d);
            }
            continue;
        }
        m->n++;
        deadline = tc_now_ms() + 5000;
        if (!zmq_msg_more(f))
            return 0;
        if (m->n == MAX_FRAMES + 2) {
            char d[2048];
            describe_all(d, sizeof d, m, 0);
            TC_FAIL("%s: a message with more than %d frames: %s...", who, MAX_FRAMES + 1, d);
        }
    }
}

/* Check that frames from..n-1 of m are one whole message; returns its peer and seq. */
#define MSG_FAIL(fmt, ...)                                                             \
    do {                                                                               \
        char msg_fail_d_[2048];                                                        \
        describe_all(msg_fail_d_, sizeof msg_fail_d_, m, from);                        \
        TC_FAIL("%s: " fmt "; the message as delivered: %s", who, __VA_ARGS__,         \
                msg_fail_d_);                                                          \
    } while (0)

static void check_message(frames_t *m, int from, const char *who, uint8_t *want,
                          uint32_t *peer, uint32_t *seq) {
    if (m->n <= from)
        MSG_FAIL("a message without payload frames (%d)", m->n);
    const uint8_t *f0 = zmq_msg_data(&m->f[from]);
    size_t l0 = zmq_msg_size(&m->f[from]);
    if (l0 < HDR || get32(f0) != MAGIC || (get32(f0 + 12) & 0xffff) != 0)
        MSG_FAIL("%s", "a message that does not start with a frame 0");
    uint32_t p = get32(f0 + 4), s = get32(f0 + 8);
    if (peer_kind(p) == K_NONE)
        MSG_FAIL("a message from unknown peer %u", p);
    size_t sizes[MAX_FRAMES];
    int count = layout(p, s, sizes);
    int got = m->n - from;
    if (got != count)
        MSG_FAIL("peer %u seq %u: %d frame(s) delivered as one message, it has %d", p, s,
                 got, count);
    for (int i = 0; i < count; i++) {
        const uint8_t *data = zmq_msg_data(&m->f[from + i]);
        size_t len = zmq_msg_size(&m->f[from + i]);
        fill_frame(want, sizes[i], p, s, i, count);
        if (len != sizes[i] || memcmp(data, want, len) != 0) {
            char d[128];
            describe(d, sizeof d, data, len);
            MSG_FAIL("peer %u seq %u: frame %d should be %zu B of its own, got %s", p, s, i,
                     sizes[i], d);
        }
    }
    *peer = p;
    *seq = s;
}

/* --- the receiving sides ------------------------------------------------------------ */

typedef struct {
    const char *name;
    void *sock;
    int router;
    /* per peer: next seq expected (written by the side's thread, read by others) */
    uint32_t next[MAX_PEERS];
    uint8_t rid[MAX_PEERS][256];
    size_t rid_len[MAX_PEERS];
    int64_t messages;
} side_t;

static side_t g_router = {.name = "ROUTER", .router = 1};
static side_t g_pull = {.name = "PULL", .router = 0};
static int g_producers_done;          /* set by main when every sender is done */
static int64_t g_producers_done_at;

static uint32_t next_of(side_t *sd, uint32_t p) {
    return __atomic_load_n(&sd->next[p], __ATOMIC_ACQUIRE);
}

/* What `sd` must get from peer p in the end: -1 = any prefix (killed), else a count. */
static long expected_from(side_t *sd, uint32_t p) {
    enum kind k = peer_kind(p);
    if (k == K_NONE || peer_to_router(p) != sd->router)
        return 0;
    if (k == K_KILLED_PUSH || k == K_KILLED_DEALER)
        return g_parts & PART_KILLED ? -1 : 0;
    if (k == K_RAW_PUSH || k == K_RAW_DEALER)
        return g_parts & PART_RAW ? 3 : 0;
    return g_parts & PART_GOOD ? g_msgs : 0;
}

static int side_complete(side_t *sd, char *missing, size_t n) {
    size_t used = 0;
    int ok = 1;
    missing[0] = 0;
    for (uint32_t p = 0; p < MAX_PEERS; p++) {
        long want = expected_from(sd, p);
        if (want > 0 && next_of(sd, p) != (uint32_t) want) {
            ok = 0;
            if (used + 64 < n) {
                snprintf(missing + used, n - used, " peer %u: %u of %ld;", p, next_of(sd, p),
                         want);
                used += strlen(missing + used);
            }
        }
    }
    return ok;
}

static void *side_main(void *arg) {
    side_t *sd = arg;
    frames_t m;
    char who[64];
    snprintf(who, sizeof who, "%s (receiver)", sd->name);
    int64_t last_rx = tc_now_ms();
    uint8_t *want = malloc(MAX_FRAME);
    CHECK(want != NULL);
    for (;;) {
        if (recv_frames(sd->sock, &m, who) == 0) {
            last_rx = tc_now_ms();
            int from = 0;
            if (sd->router) {
                if (m.n < 2)
                    TC_FAIL("%s: a message of %d frame(s) including the routing id", who, m.n);
                from = 1;
            }
            uint32_t p, s;
            check_message(&m, from, who, want, &p, &s);
            if (peer_to_router(p) != sd->router)
                TC_FAIL("%s: peer %u seq %u arrived at the wrong socket", who, p, s);
            if (s != sd->next[p])
                TC_FAIL("%s: peer %u: got message seq %u, expected %u (%s)", who, p, s,
                        sd->next[p],
                        s > sd->next[p] ? "a whole message was lost" : "out of order");
            long want = expected_from(sd, p);
            if (want >= 0 && (long) s >= want)
                TC_FAIL("%s: peer %u: a message seq %u beyond the %ld it sent whole", who, p,
                        s, want);
            if (sd->router) {
                size_t rl = zmq_msg_size(&m.f[0]);
                CHECK(rl > 0 && rl <= 255);
                if (s == 0) {
                    memcpy(sd->rid[p], zmq_msg_data(&m.f[0]), rl);
                    sd->rid_len[p] = rl;
                } else if (rl != sd->rid_len[p] ||
                           memcmp(sd->rid[p], zmq_msg_data(&m.f[0]), rl) != 0) {
                    TC_FAIL("%s: peer %u seq %u came with another routing id", who, p, s);
                }
            }
            __atomic_store_n(&sd->next[p], s + 1, __ATOMIC_RELEASE);
            __atomic_fetch_add(&sd->messages, 1, __ATOMIC_RELAXED);
            if (sd->router) {
                /* echo the whole message, routing id first */
                for (int i = 0; i < m.n; i++) {
                    int more = i + 1 < m.n ? ZMQ_SNDMORE : 0;
                    if (zmq_msg_send(&m.f[i], sd->sock, more | ZMQ_DONTWAIT) == -1) {
                        /* a gone peer: libzmq drops silently; close what is left */
                        for (int j = i; j < m.n; j++)
                            zmq_msg_close(&m.f[j]);
                        if (peer_kind(p) == K_DEALER)
                            TC_FAIL("%s: echo to good peer %u failed: errno %d", who, p,
                                    zmq_errno());
                        break;
                    }
                }
                m.n = 0;
            } else {
                frames_close(&m);
            }
            continue;
        }
        if (!__atomic_load_n(&g_producers_done, __ATOMIC_ACQUIRE))
            continue;
        int64_t now = tc_now_ms();
        int64_t done_at = __atomic_load_n(&g_producers_done_at, __ATOMIC_ACQUIRE);
        char missing[4096];
        int complete = side_complete(sd, missing, sizeof missing);
        int64_t quiet_since = last_rx > done_at ? last_rx : done_at;
        if (complete && now - quiet_since >= 300) {
            free(want);
            return NULL;
        }
        if (!complete && now - done_at > 10000)
            TC_FAIL("%s: whole messages of live peers never arrived:%s", who, missing);
    }
}

/* --- good peers ---------------------------------------------------------------------- */

typedef struct {
    void *ctx;
    uint32_t peer;
    const char *ep;
    void *sock; /* left open until the end (closed by main) */
    pthread_t th;
} good_t;

static void send_message(void *s, uint32_t p, uint32_t seq, uint8_t *buf) {
    size_t sizes[MAX_FRAMES];
    int n = layout(p, seq, sizes);
    for (int i = 0; i < n; i++) {
        fill_frame(buf, sizes[i], p, seq, i, n);
        int rc = zmq_send(s, buf, sizes[i], i + 1 < n ? ZMQ_SNDMORE : 0);
        if (rc != (int) sizes[i])
            TC_FAIL("peer %u: zmq_send of seq %u frame %d returned %d, errno %d (%s)", p, seq,
                    i, rc, zmq_errno(), zmq_strerror(zmq_errno()));
    }
}

static void *good_main(void *arg) {
    good_t *g = arg;
    int dealer = peer_kind(g->peer) == K_DEALER;
    void *s = zmq_socket(g->ctx, dealer ? ZMQ_DEALER : ZMQ_PUSH);
    CHECK(s != NULL);
    net_set_int(s, ZMQ_LINGER, 0);
    net_set_int(s, ZMQ_SNDTIMEO, 10000);
    net_set_int(s, ZMQ_RCVTIMEO, 100);
    CHECK_OK(zmq_connect(s, g->ep));
    g->sock = s;
    uint8_t *buf = malloc(MAX_FRAME);
    CHECK(buf != NULL);
    char who[64];
    snprintf(who, sizeof who, "DEALER peer %u (echoes)", g->peer);
    uint32_t sent = 0, echoed = 0;
    int64_t last = tc_now_ms();
    while (echoed < (uint32_t) g_msgs) {
        if (sent < (uint32_t) g_msgs && (!dealer || sent - echoed < WINDOW)) {
            send_message(s, g->peer, sent++, buf);
            continue;
        }
        if (!dealer)
            break;
        frames_t m;
        if (recv_frames(s, &m, who) == -1) {
            if (tc_now_ms() - last > 10000)
                TC_FAIL("%s: no echo of seq %u for 10 s", who, echoed);
            continue;
        }
        last = tc_now_ms();
        uint32_t p, seq;
        check_message(&m, 0, who, buf, &p, &seq);
        if (p != g->peer)
            TC_FAIL("%s: got the echo of peer %u seq %u", who, p, seq);
        if (seq != echoed)
            TC_FAIL("%s: got the echo of seq %u, expected %u", who, seq, echoed);
        echoed++;
        frames_close(&m);
    }
    free(buf);
    return NULL;
}

/* --- killed peers (child processes) -------------------------------------------------- */

static int child_main(int argc, char **argv) {
    /* argv: exe --child <peer> <endpoint> <seed> <parent pid> */
    if (argc != 6)
        return 2;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != (pid_t) atol(argv[5]))
        return 2; /* the parent is gone already */
    alarm(60);
    uint32_t p = (uint32_t) atol(argv[2]);
    g_seed = strtoull(argv[4], NULL, 0);
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    void *s = zmq_socket(ctx, peer_to_router(p) ? ZMQ_DEALER : ZMQ_PUSH);
    CHECK(s != NULL);
    net_set_int(s, ZMQ_LINGER, 0);
    CHECK_OK(zmq_connect(s, argv[3]));
    uint8_t *buf = malloc(MAX_FRAME);
    CHECK(buf != NULL);
    for (uint32_t seq = 0;; seq++)
        send_message(s, p, seq, buf); /* until SIGKILL */
}

static pid_t g_children[KILLED];

static void kill_children(void) {
    for (int i = 0; i < KILLED; i++)
        if (g_children[i] > 0)
            kill(g_children[i], SIGKILL);
}

static pid_t spawn_child(uint32_t p, const char *ep) {
    char peer[16], seed[32], ppid[16];
    snprintf(peer, sizeof peer, "%u", p);
    snprintf(seed, sizeof seed, "0x%llx", (unsigned long long) g_seed);
    snprintf(ppid, sizeof ppid, "%ld", (long) getpid());
    char *args[] = {"/proc/self/exe", "--child", peer, (char *) ep, seed, ppid, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ);
    if (rc != 0)
        TC_FAIL("posix_spawn: %s", strerror(rc));
    return pid;
}

/* --- raw ZMTP 3.0 senders -------------------------------------------------------------- */

typedef struct {
    uint8_t *d;
    size_t n, cap;
} buf_t;

static void buf_put(buf_t *b, const void *d, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->d = realloc(b->d, b->cap);
        CHECK(b->d != NULL);
    }
    memcpy(b->d + b->n, d, n);
    b->n += n;
}

/* Encode message (p, seq); record where each frame's header and body start. */
static void zmtp_message(buf_t *b, uint32_t p, uint32_t seq, size_t head[5], size_t body[5],
                         uint8_t *scratch) {
    size_t sizes[MAX_FRAMES];
    int n = layout(p, seq, sizes);
    CHECK_EQ(n, 5);
    for (int i = 0; i < n; i++) {
        uint8_t h[9];
        size_t hl;
        uint8_t more = i + 1 < n ? 1 : 0;
        if (sizes[i] > 255) {
            h[0] = more | 2;
            for (int k = 0; k < 8; k++)
                h[1 + k] = (uint8_t) ((uint64_t) sizes[i] >> (8 * (7 - k)));
            hl = 9;
        } else {
            h[0] = more;
            h[1] = (uint8_t) sizes[i];
            hl = 2;
        }
        head[i] = b->n;
        buf_put(b, h, hl);
        body[i] = b->n;
        fill_frame(scratch, sizes[i], p, seq, i, n);
        buf_put(b, scratch, sizes[i]);
    }
}

static void raw_write(int fd, const uint8_t *d, size_t n, uint32_t p) {
    while (n > 0) {
        ssize_t w = send(fd, d, n, MSG_NOSIGNAL);
        if (w <= 0)
            TC_FAIL("raw peer %u: send: %s", p, strerror(errno));
        d += w;
        n -= (size_t) w;
    }
}

static void raw_handshake(int fd, uint32_t p, const char *type) {
    uint8_t g[64] = {0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 0};
    memcpy(g + 12, "NULL", 4);
    buf_t b = {0};
    buf_put(&b, g, 64);
    size_t tl = strlen(type);
    uint8_t ready[2 + 6 + 1 + 11 + 4] = {0x04, (uint8_t) (6 + 1 + 11 + 4 + tl), 5};
    memcpy(ready + 3, "READY", 5);
    ready[8] = 11;
    memcpy(ready + 9, "Socket-Type", 11);
    ready[23] = (uint8_t) tl;
    buf_put(&b, ready, sizeof ready);
    buf_put(&b, type, tl);
    raw_write(fd, b.d, b.n, p);
    free(b.d);
    uint8_t peer[64];
    if (net_raw_read_n(fd, peer, 64, 5000) != 0 || peer[0] != 0xff || peer[10] != 3)
        TC_FAIL("raw peer %u: no ZMTP 3 greeting", p);
    uint8_t h[9];
    CHECK_OK(net_raw_read_n(fd, h, 1, 5000));
    size_t len;
    if (h[0] == 0x04) {
        CHECK_OK(net_raw_read_n(fd, h + 1, 1, 5000));
        len = h[1];
    } else if (h[0] == 0x06) {
        CHECK_OK(net_raw_read_n(fd, h + 1, 8, 5000));
        len = 0;
        for (int k = 0; k < 8; k++)
            len = len << 8 | h[1 + k];
        CHECK(len < 65536);
    } else {
        TC_FAIL("raw peer %u: expected READY, got flags 0x%x", p, h[0]);
    }
    uint8_t *cmd = malloc(len + 1);
    CHECK(cmd != NULL);
    CHECK_OK(net_raw_read_n(fd, cmd, len, 5000));
    CHECK(len >= 6 && cmd[0] == 5 && memcmp(cmd + 1, "READY", 5) == 0);
    free(cmd);
}

static const char *const CUT_NAMES[CUT_MODES] = {
    "after frame 1",
    "after frame 2",
    "after frame 3 (an empty one)",
    "after frame 4",
    "inside frame 2's long header",
    "inside frame 1's short header",
    "inside frame 4's long header",
    "inside frame 1's short body",
    "inside frame 2's 300 B body",
    "inside frame 4's 100 KiB body, past 64 KiB",
    "inside frame 5's 200 KiB body",
    "inside frame 4's 100 KiB body, before 64 KiB",
};

static size_t cut_point(int mode, const size_t head[5], const size_t body[5], rng_t *r) {
    switch (mode) {
    case 0:
    case 1:
    case 2:
    case 3:
        return head[mode + 1];
    case 4:
        return head[1] + 1 + rng_below(r, 8);
    case 5:
        return head[0] + 1;
    case 6:
        return head[3] + 1 + rng_below(r, 8);
    case 7:
        return body[0] + 1 + rng_below(r, (uint32_t) RAW_CUT_SIZES[0] - 1);
    case 8:
        return body[1] + 1 + rng_below(r, 299);
    case 9:
        return body[3] + 65536 + rng_below(r, 100000 - 65536);
    case 10:
        return body[4] + 1 + rng_below(r, 200000 - 1);
    default:
        return body[3] + 1 + rng_below(r, 65535);
    }
}

static char g_router_ep[2][256], g_pull_ep[2][256]; /* [ipc] */

static void raw_sender(uint32_t p, uint8_t *scratch) {
    int mode = (int) ((p - FIRST_RAW) % CUT_MODES);
    int router = peer_to_router(p);
    const char *ep = router ? g_router_ep[peer_ipc(p)] : g_pull_ep[peer_ipc(p)];
    rng_t r = rng_for(p, 0, 0x5a);
    int fd = net_raw_connect_any(ep);
    raw_handshake(fd, p, router ? "DEALER" : "PUSH");
    buf_t b = {0};
    size_t head[5], body[5];
    for (uint32_t seq = 0; seq < 4; seq++)
        zmtp_message(&b, p, seq, head, body, scratch);
    size_t cut = cut_point(mode, head, body, &r);
    CHECK(cut > head[0] && cut < b.n);
    if (rng_below(&r, 3) == 0) {
        raw_write(fd, b.d, cut, p); /* everything at once */
    } else {
        /* in pieces, with pauses, so the receiver reads the stream in odd slices */
        size_t o = 0;
        while (o < cut) {
            size_t n = 1 + rng_below(&r, 70000);
            if (n > cut - o)
                n = cut - o;
            raw_write(fd, b.d + o, n, p);
            o += n;
            if (rng_below(&r, 3) == 0)
                tc_sleep_ms((int) rng_below(&r, 6));
        }
    }
    free(b.d);
    tc_sleep_ms((int) rng_below(&r, 30));
    /* a FIN, not a reset (unread echoes in our buffer would make close() reset); then
       read until the peer closes too */
    shutdown(fd, SHUT_WR);
    if (net_raw_wait_closed(fd, 10000) < 0)
        TC_FAIL("raw peer %u (%s): the connection was not closed after EOF", p,
                CUT_NAMES[mode]);
    close(fd);
}

static void *raw_main(void *arg) {
    int t = (int) (intptr_t) arg;
    uint8_t *scratch = malloc(MAX_FRAME);
    CHECK(scratch != NULL);
    rng_t r = rng_for(0x7a, (uint64_t) t, 0);
    for (uint32_t p = FIRST_RAW + (uint32_t) t; p < FIRST_RAW + RAW; p += RAW_THREADS) {
        tc_sleep_ms((int) rng_below(&r, 300));
        raw_sender(p, scratch);
    }
    free(scratch);
    return NULL;
}

/* --- watchdog ------------------------------------------------------------------------- */

static int g_timeout_s = 50;

static void *watchdog_main(void *arg) {
    (void) arg;
    tc_sleep_ms(g_timeout_s * 1000);
    char missing[4096];
    fprintf(stderr, "TIMEOUT after %d s (seed 0x%llx); producers done: %d\n", g_timeout_s,
            (unsigned long long) g_seed, __atomic_load_n(&g_producers_done, __ATOMIC_ACQUIRE));
    side_t *sides[2] = {&g_router, &g_pull};
    for (int i = 0; i < 2; i++) {
        side_complete(sides[i], missing, sizeof missing);
        fprintf(stderr, "%s: %lld messages so far; still waits for:%s\n", sides[i]->name,
                (long long) __atomic_load_n(&sides[i]->messages, __ATOMIC_RELAXED), missing);
    }
    fflush(stderr);
    kill_children();
    _exit(3);
}

/* --- main ------------------------------------------------------------------------------ */

static uint64_t env_u64(const char *name, uint64_t dflt) {
    const char *s = getenv(name);
    return s && *s ? strtoull(s, NULL, 0) : dflt;
}

static void *bind_both(void *ctx, int type, char ep[2][256]) {
    void *s = zmq_socket(ctx, type);
    CHECK(s != NULL);
    net_set_int(s, ZMQ_LINGER, 0);
    net_set_int(s, ZMQ_RCVTIMEO, 100);
    net_bind(s, "tcp://127.0.0.1:*", ep[0], sizeof ep[0]);
    char ipc[256];
    net_ipc_ep(ipc, sizeof ipc, type == ZMQ_ROUTER ? "stress-router" : "stress-pull");
    net_bind(s, ipc, ep[1], sizeof ep[1]);
    return s;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--child") == 0)
        return child_main(argc, argv);

    signal(SIGPIPE, SIG_IGN);
    g_seed = env_u64("ZMQ_STRESS_SEED", 0x6d756c7469706172ull);
    g_msgs = (int) env_u64("ZMQ_STRESS_MSGS", 200);
    const char *parts = getenv("ZMQ_STRESS_PARTS");
    if (parts && *parts)
        g_parts = (strstr(parts, "good") ? PART_GOOD : 0) |
                  (strstr(parts, "killed") ? PART_KILLED : 0) |
                  (strstr(parts, "raw") ? PART_RAW : 0);
    g_timeout_s = (int) env_u64("ZMQ_STRESS_TIMEOUT", 50);
    printf("seed 0x%llx (ZMQ_STRESS_SEED), %d messages per good peer, senders:%s%s%s\n",
           (unsigned long long) g_seed, g_msgs, g_parts & PART_GOOD ? " good" : "",
           g_parts & PART_KILLED ? " killed" : "", g_parts & PART_RAW ? " raw" : "");
    fflush(stdout);
    atexit(kill_children);
    pthread_t wd;
    CHECK(pthread_create(&wd, NULL, watchdog_main, NULL) == 0);
    CHECK(pthread_detach(wd) == 0);
    int64_t t0 = tc_now_ms();

    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    g_router.sock = bind_both(ctx, ZMQ_ROUTER, g_router_ep);
    g_pull.sock = bind_both(ctx, ZMQ_PULL, g_pull_ep);
    pthread_t sides[2];
    CHECK(pthread_create(&sides[0], NULL, side_main, &g_router) == 0);
    CHECK(pthread_create(&sides[1], NULL, side_main, &g_pull) == 0);

    /* killed peers first: they need to start a process */
    rng_t r = rng_for(0x4b, 0, 0);
    int killed = g_parts & PART_KILLED ? KILLED : 0;
    for (int i = 0; i < killed; i++) {
        uint32_t p = FIRST_KILLED + (uint32_t) i;
        const char *ep = peer_to_router(p) ? g_router_ep[peer_ipc(p)] : g_pull_ep[peer_ipc(p)];
        g_children[i] = spawn_child(p, ep);
    }

    void *peers_ctx = zmq_ctx_new();
    CHECK(peers_ctx != NULL);
    int goods = g_parts & PART_GOOD ? GOOD_DEALERS + GOOD_PUSHES : 0;
    good_t good[GOOD_DEALERS + GOOD_PUSHES];
    for (uint32_t p = 0; p < (uint32_t) goods; p++) {
        good_t *g = &good[p];
        g->ctx = peers_ctx;
        g->peer = p;
        g->ep = peer_to_router(p) ? g_router_ep[peer_ipc(p)] : g_pull_ep[peer_ipc(p)];
        g->sock = NULL;
        CHECK(pthread_create(&g->th, NULL, good_main, g) == 0);
    }
    int raw_threads = g_parts & PART_RAW ? RAW_THREADS : 0;
    pthread_t raws[RAW_THREADS];
    for (int t = 0; t < raw_threads; t++)
        CHECK(pthread_create(&raws[t], NULL, raw_main, (void *) (intptr_t) t) == 0);

    /* kill each child once it has delivered something, at a random moment after that */
    uint32_t delivered_at_kill[KILLED];
    for (int i = 0; i < killed; i++) {
        uint32_t p = FIRST_KILLED + (uint32_t) i;
        side_t *sd = peer_to_router(p) ? &g_router : &g_pull;
        int64_t deadline = tc_now_ms() + 15000;
        while (next_of(sd, p) == 0) {
            int st;
            if (waitpid(g_children[i], &st, WNOHANG) == g_children[i])
                TC_FAIL("killed peer %u exited by itself (status 0x%x) before it was killed",
                        p, st);
            if (tc_now_ms() > deadline)
                TC_FAIL("killed peer %u: nothing delivered in 15 s", p);
            tc_sleep_ms(5);
        }
        tc_sleep_ms((int) rng_below(&r, 300));
        CHECK(kill(g_children[i], SIGKILL) == 0);
        int st;
        CHECK(waitpid(g_children[i], &st, 0) == g_children[i]);
        g_children[i] = 0;
        if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
            TC_FAIL("killed peer %u ended with status 0x%x before SIGKILL", p, st);
        delivered_at_kill[i] = next_of(sd, p);
    }

    for (int i = 0; i < goods; i++)
        CHECK(pthread_join(good[i].th, NULL) == 0);
    for (int t = 0; t < raw_threads; t++)
        CHECK(pthread_join(raws[t], NULL) == 0);
    __atomic_store_n(&g_producers_done_at, tc_now_ms(), __ATOMIC_RELEASE);
    __atomic_store_n(&g_producers_done, 1, __ATOMIC_RELEASE);
    CHECK(pthread_join(sides[0], NULL) == 0);
    CHECK(pthread_join(sides[1], NULL) == 0);

    for (int i = 0; i < killed; i++) {
        uint32_t p = FIRST_KILLED + (uint32_t) i;
        side_t *sd = peer_to_router(p) ? &g_router : &g_pull;
        printf("killed peer %u (%s over %s): %u whole messages delivered (%u when killed)\n",
               p, peer_to_router(p) ? "DEALER" : "PUSH", peer_ipc(p) ? "ipc" : "tcp",
               next_of(sd, p), delivered_at_kill[i]);
    }
    printf("ROUTER: %lld messages, PULL: %lld messages, %lld ms\n",
           (long long) g_router.messages, (long long) g_pull.messages,
           (long long) (tc_now_ms() - t0));

    for (int i = 0; i < goods; i++)
        CHECK_OK(zmq_close(good[i].sock));
    CHECK_OK(zmq_ctx_term(peers_ctx));
    CHECK_OK(zmq_close(g_router.sock));
    CHECK_OK(zmq_close(g_pull.sock));
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
