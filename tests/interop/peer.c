/* Interop peer (DESIGN §8, layer 4).
 *
 * One program, compiled twice by tests/interop.rs: against /usr/include/zmq.h + the
 * system libzmq, and against our include/zmq.h + our libzmq.so.5. Two instances (one of
 * each, or two of the same for the self test) talk to each other over tcp or ipc.
 *
 * Usage: peer --type TYPE (--bind EP | --connect EP) --role ROLE [options]
 *
 *   roles  send     send --count messages (PUB/XPUB: one per topic per round)
 *          recv     receive --count messages and verify them
 *          client   request/reply --count times, verifying each reply
 *          echo     receive --count messages, verify, send each back verbatim
 *          stream   send seq-numbered messages every --interval-ms until stdin EOF
 *          unsub    (SUB/XSUB) subscribed to A and B: unsubscribe B, B must stop
 *          detect   wait for the handshake, print UP, wait for a stdin line, then time
 *                   the monitor's DISCONNECTED (needs --monitor)
 *          hang     connect/bind and do nothing until stdin EOF
 *   --count N          messages (rounds for pub/sub), default 10
 *   --size S           one frame of S bytes; --sizes a,b,c for multipart, default 16
 *   --topics A,B       pub: topic frames sent each round; sub: topics expected each round
 *   --subscribe T      (repeatable) SUB: ZMQ_SUBSCRIBE; XSUB: sends \x01T
 *   --sync             pub: send "probe" messages until a stdin line; sub: print SYNCED
 *                      on the first probe (the driver relays it)
 *   --delim            an empty delimiter frame precedes the payload (DEALER<->REP,
 *                      REQ<->ROUTER)
 *   --routing-id ID    ZMQ_ROUTING_ID; --peer-id ID: ROUTER destination / expected id
 *   --sockopt NAME=V   integer socket option by name (see sockopt_table), repeatable
 *   --interval-ms I    pause between sends
 *   --loose            recv: sequence numbers strictly increase, gaps allowed
 *   --consecutive      with --loose: no gaps after the first message
 *   --min-seq K        with --loose: first sequence number must be >= K
 *   --seq-start K      first sequence number sent
 *   --progress K       recv: print "PROGRESS n" every K messages
 *   --expect-none MS   recv: nothing may arrive within MS
 *   --nonblock         send: ZMQ_DONTWAIT, EAGAIN ignored
 *   --expect-sub T     XPUB: a subscription to T must have arrived
 *   --expect-prop N=V  property N of the first received message is V ("*": any
 *                      non-empty value, "!": zmq_msg_gets fails)
 *   --monitor          monitor all events (v1 frame layout is checked)
 *   --expect-events A,B,C   these events were seen in this order (subsequence)
 *   --max-event NAME=K / --min-event NAME=K   counts when the role is done
 *   --wait-event NAME  before closing, wait for this event
 *   --check-endpoints  every event names this socket's (resolved) endpoint, and
 *                      carries libzmq's value (fd, 0 for HANDSHAKE_SUCCEEDED and
 *                      MONITOR_STOPPED, whose endpoint is empty)
 *   --detect-within MS detect: DISCONNECTED at most MS after the stdin line
 *   --hold             after the role, print DONE and wait for stdin EOF before closing
 *   --timeout-ms T     every blocking step (default 10000)
 *
 * Security (set before bind/connect):
 *   --plain-server             ZMQ_PLAIN_SERVER
 *   --plain-user U --plain-pass P   PLAIN client credentials
 *   --curve-server --curve-secret Z85   CURVE server with this secret key (prints
 *                              CURVE_PUBLIC of it)
 *   --curve-client --curve-server-key Z85 [--curve-client-secret Z85]
 *                              CURVE client; without a secret it generates its own
 *                              keypair with zmq_curve_keypair (prints CURVE_PUBLIC)
 *   --zap-domain D             ZMQ_ZAP_DOMAIN
 *   --zap-handler POLICY       a thread answering ZAP (RFC 27) on a REP bound at
 *                              inproc://zeromq.zap.01: accept | reject |
 *                              allow-users=a,b (PLAIN user names) |
 *                              allow-keys=Z85,Z85 (CURVE client keys). Accepted
 *                              requests get user id = user name (PLAIN), Z85 key
 *                              (CURVE) or "anonymous", and metadata Hello=World; every
 *                              request prints "ZAP mechanism=M domain=D user=U status=S"
 *   --event-value NAME=V       every NAME event carries value V (hex with 0x)
 *
 * Output lines (stdout, flushed): ENDPOINT ep, SYNCED, UP, PROGRESS n, LAST_SEQ n,
 * EVENT name value=v endpoint=ep t=ms, PROP name=value, SENT/RECEIVED count= bytes=
 * fnv=, DETECTED_MS n, DONE, OK; failures print "ERROR ..." and exit 1.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#define MAX_FRAMES 64
#define MAX_LIST 32

#include "peer_util.h" /* needs MAX_LIST */
#define MAX_EVENTS 4096

/* ---------------------------------------------------------------- utilities */

static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    flockfile(stdout); /* the monitor thread prints too: whole lines only */
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
    flockfile(stdout);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    funlockfile(stdout);
    va_end(ap);
}


static int64_t t_start;



/* ----------------------------------------------------------------- options */

static const char *o_type, *o_bind, *o_connect, *o_role = "recv";
static int o_count = 10;
static size_t o_sizes[MAX_FRAMES] = {16};
static int o_nsizes = 1;
static char *o_topics[MAX_LIST];
static int o_ntopics;
static char *o_subs[MAX_LIST];
static int o_nsubs;
static int o_sync, o_delim, o_loose, o_consecutive, o_nonblock, o_monitor, o_hold;
static int o_check_endpoints;
static const char *o_routing_id, *o_peer_id, *o_expect_sub, *o_wait_event;
static int o_interval, o_progress, o_expect_none = -1, o_detect_within = -1;
static long o_min_seq = -1, o_seq_start;
static int o_timeout = 10000;
static char *o_expect_props[MAX_LIST];
static int o_nexpect_props;
static char *o_expect_events[MAX_LIST];
static int o_nexpect_events;
static char *o_max_events[MAX_LIST], *o_min_events[MAX_LIST];
static int o_nmax_events, o_nmin_events;
static char *o_sockopts[MAX_LIST];
static int o_nsockopts;
static int o_plain_server, o_curve_server, o_curve_client;
static const char *o_plain_user, *o_plain_pass, *o_curve_secret, *o_curve_server_key;
static const char *o_curve_client_secret, *o_zap_domain, *o_zap_handler;
static char *o_event_values[MAX_LIST];
static int o_nevent_values;

static int sock_type;
static void *sock;
static char endpoint[1024]; /* the endpoint as bound (resolved) or connected */
static pthread_mutex_t ep_lock = PTHREAD_MUTEX_INITIALIZER;

/* ------------------------------------------------------------- stdin relay */




/* ------------------------------------------------------------------ monitor */

static const struct {
    const char *name;
    int value;
} event_names[] = {
    {"CONNECTED", ZMQ_EVENT_CONNECTED},
    {"CONNECT_DELAYED", ZMQ_EVENT_CONNECT_DELAYED},
    {"CONNECT_RETRIED", ZMQ_EVENT_CONNECT_RETRIED},
    {"LISTENING", ZMQ_EVENT_LISTENING},
    {"BIND_FAILED", ZMQ_EVENT_BIND_FAILED},
    {"ACCEPTED", ZMQ_EVENT_ACCEPTED},
    {"ACCEPT_FAILED", ZMQ_EVENT_ACCEPT_FAILED},
    {"CLOSED", ZMQ_EVENT_CLOSED},
    {"CLOSE_FAILED", ZMQ_EVENT_CLOSE_FAILED},
    {"DISCONNECTED", ZMQ_EVENT_DISCONNECTED},
    {"MONITOR_STOPPED", ZMQ_EVENT_MONITOR_STOPPED},
    {"HANDSHAKE_FAILED_NO_DETAIL", ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL},
    {"HANDSHAKE_SUCCEEDED", ZMQ_EVENT_HANDSHAKE_SUCCEEDED},
    {"HANDSHAKE_FAILED_PROTOCOL", ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL},
    {"HANDSHAKE_FAILED_AUTH", ZMQ_EVENT_HANDSHAKE_FAILED_AUTH},
};

static const char *event_name(int ev) {
    for (size_t i = 0; i < sizeof event_names / sizeof event_names[0]; i++)
        if (event_names[i].value == ev)
            return event_names[i].name;
    return "UNKNOWN";
}

static int event_value(const char *name) {
    for (size_t i = 0; i < sizeof event_names / sizeof event_names[0]; i++)
        if (strcmp(event_names[i].name, name) == 0)
            return event_names[i].value;
    fail("unknown event name %s", name);
    return 0;
}

static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ev_cond = PTHREAD_COND_INITIALIZER;
static int ev_list[MAX_EVENTS];
static uint32_t ev_value[MAX_EVENTS];
static int64_t ev_time[MAX_EVENTS];
static int ev_n, ev_stopped;
static void *mon_sock;
static pthread_t mon_thread;

static void *monitor_main(void *arg) {
    (void)arg;
    for (;;) {
        zmq_msg_t f1, f2;
        zmq_msg_init(&f1);
        if (zmq_msg_recv(&f1, mon_sock, 0) < 0)
            fail("monitor recv: %s", zmq_strerror(zmq_errno()));
        if (zmq_msg_size(&f1) != 6 || !zmq_msg_more(&f1))
            fail("monitor frame 1 has %zu bytes, more=%d (want 6 bytes + more)",
                 zmq_msg_size(&f1), zmq_msg_more(&f1));
        uint16_t ev;
        uint32_t value;
        memcpy(&ev, zmq_msg_data(&f1), 2);
        memcpy(&value, (char *)zmq_msg_data(&f1) + 2, 4);
        zmq_msg_init(&f2);
        if (zmq_msg_recv(&f2, mon_sock, 0) < 0)
            fail("monitor recv 2: %s", zmq_strerror(zmq_errno()));
        if (zmq_msg_more(&f2))
            fail("monitor message has more than 2 frames");
        int64_t t = now_ms();
        /* libzmq's values: MONITOR_STOPPED is (0, ""), HANDSHAKE_SUCCEEDED's value is
         * 0, the connection/listener events carry the fd. */
        if (o_check_endpoints && ev == ZMQ_EVENT_MONITOR_STOPPED &&
            (value != 0 || zmq_msg_size(&f2) != 0))
            fail("MONITOR_STOPPED has value %u and a %zu-byte endpoint, want 0 and none",
                 value, zmq_msg_size(&f2));
        if (o_check_endpoints && ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED && value != 0)
            fail("HANDSHAKE_SUCCEEDED has value %u, want 0", value);
        if (o_check_endpoints &&
            (ev & (ZMQ_EVENT_LISTENING | ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_CONNECTED |
                   ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CLOSED)) &&
            value > (1u << 24))
            fail("event %s has value %u, want a file descriptor", event_name(ev), value);
        if (o_check_endpoints && ev != ZMQ_EVENT_MONITOR_STOPPED) {
            pthread_mutex_lock(&ep_lock);
            int same = zmq_msg_size(&f2) == strlen(endpoint) &&
                       memcmp(zmq_msg_data(&f2), endpoint, strlen(endpoint)) == 0;
            pthread_mutex_unlock(&ep_lock);
            if (!same)
                fail("event %s has endpoint \"%.*s\", want \"%s\"", event_name(ev),
                     (int)zmq_msg_size(&f2), (char *)zmq_msg_data(&f2), endpoint);
        }
        out("EVENT %s value=%u endpoint=%.*s t=%lld", event_name(ev), value,
            (int)zmq_msg_size(&f2), (char *)zmq_msg_data(&f2), (long long)(t - t_start));
        zmq_msg_close(&f1);
        zmq_msg_close(&f2);
        pthread_mutex_lock(&ev_lock);
        if (ev_n < MAX_EVENTS) {
            ev_list[ev_n] = ev;
            ev_value[ev_n] = value;
            ev_time[ev_n] = t;
            ev_n++;
        }
        if (ev == ZMQ_EVENT_MONITOR_STOPPED)
            ev_stopped = 1;
        pthread_cond_broadcast(&ev_cond);
        pthread_mutex_unlock(&ev_lock);
        if (ev == ZMQ_EVENT_MONITOR_STOPPED)
            break;
    }
    return NULL;
}

static int event_count(int ev, int64_t after) {
    int c = 0;
    pthread_mutex_lock(&ev_lock);
    for (int i = 0; i < ev_n; i++)
        if (ev_list[i] == ev && ev_time[i] >= after)
            c++;
    pthread_mutex_unlock(&ev_lock);
    return c;
}

/* Wait until an event ev with time >= after was seen; returns its time or -1. */
static int64_t event_wait(int ev, int64_t after, int ms) {
    int64_t deadline = now_ms() + ms, found = -1;
    pthread_mutex_lock(&ev_lock);
    for (;;) {
        for (int i = 0; i < ev_n && found < 0; i++)
            if (ev_list[i] == ev && ev_time[i] >= after)
                found = ev_time[i];
        if (found >= 0 || ev_stopped || now_ms() >= deadline)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 5 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&ev_cond, &ev_lock, &ts);
    }
    pthread_mutex_unlock(&ev_lock);
    return found;
}

static void check_event_counts(void) {
    /* Minimums first (they wait), then maximums on the settled counts. */
    for (int i = 0; i < o_nmax_events + o_nmin_events; i++) {
        int is_max = i >= o_nmin_events;
        char spec[128];
        snprintf(spec, sizeof spec, "%s", is_max ? o_max_events[i - o_nmin_events] : o_min_events[i]);
        char *eq = strchr(spec, '=');
        if (!eq)
            fail("bad event count %s", spec);
        *eq = 0;
        int want = atoi(eq + 1), got = event_count(event_value(spec), 0);
        /* Events reach the monitor thread asynchronously: give minimums time. */
        for (int64_t deadline = now_ms() + o_timeout; !is_max && got < want && now_ms() < deadline;) {
            sleep_ms(5);
            got = event_count(event_value(spec), 0);
        }
        if (is_max ? got > want : got < want)
            fail("event %s seen %d times, want %s %d", spec, got, is_max ? "at most" : "at least",
                 want);
    }
}

static void check_event_values(void) {
    for (int i = 0; i < o_nevent_values; i++) {
        char spec[128];
        snprintf(spec, sizeof spec, "%s", o_event_values[i]);
        char *eq = strchr(spec, '=');
        if (!eq)
            fail("bad --event-value %s", spec);
        *eq = 0;
        int ev = event_value(spec);
        uint32_t want = (uint32_t)strtoul(eq + 1, NULL, 0);
        pthread_mutex_lock(&ev_lock);
        for (int k = 0; k < ev_n; k++)
            if (ev_list[k] == ev && ev_value[k] != want) {
                uint32_t got = ev_value[k];
                pthread_mutex_unlock(&ev_lock);
                fail("event %s has value %u (0x%x), want %u (0x%x)", spec, got, got, want, want);
            }
        pthread_mutex_unlock(&ev_lock);
    }
}

static void check_event_order(void) {
    int k = 0;
    pthread_mutex_lock(&ev_lock);
    for (int i = 0; i < ev_n && k < o_nexpect_events; i++)
        if (ev_list[i] == event_value(o_expect_events[k]))
            k++;
    pthread_mutex_unlock(&ev_lock);
    if (k < o_nexpect_events)
        fail("expected event %s (in order) was not seen", o_expect_events[k]);
}

/* ------------------------------------------------------------------ payload */

static uint64_t fnv = 1469598103934665603ULL;
static uint64_t total_bytes;

static void fnv_add(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        fnv ^= p[i];
        fnv *= 1099511628211ULL;
    }
    total_bytes += n;
}

static unsigned char pattern(long seq, int frame, size_t i) {
    return (unsigned char)(seq * 131 + frame * 17 + (long)i * 7 + 0x5a + (long)(i >> 8));
}

/* Frame `frame` of message `seq`: size >= 12 embeds seq, size, frame (big endian). */
static void fill(unsigned char *p, size_t size, long seq, int frame) {
    for (size_t i = 0; i < size; i++)
        p[i] = pattern(seq, frame, i);
    if (size >= 12) {
        uint32_t v[3] = {(uint32_t)seq, (uint32_t)size, (uint32_t)frame};
        for (int k = 0; k < 3; k++)
            for (int b = 0; b < 4; b++)
                p[k * 4 + b] = (unsigned char)(v[k] >> (24 - 8 * b));
    }
}

static long embedded_seq(const unsigned char *p, size_t size) {
    if (size < 12)
        fail("--loose needs frames of at least 12 bytes");
    return (long)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]);
}

static void verify_frame(zmq_msg_t *m, long seq, int frame) {
    size_t want = o_sizes[frame], got = zmq_msg_size(m);
    if (got != want)
        fail("message %ld frame %d: %zu bytes, want %zu", seq, frame, got, want);
    const unsigned char *p = zmq_msg_data(m);
    static unsigned char *buf;
    static size_t cap;
    if (want > cap) {
        free(buf);
        cap = want;
        buf = malloc(cap);
    }
    fill(buf, want, seq, frame);
    if (want && memcmp(p, buf, want) != 0) {
        size_t i = 0;
        while (p[i] == buf[i])
            i++;
        fail("message %ld frame %d: byte %zu is 0x%02x, want 0x%02x (embedded seq %ld)", seq,
             frame, i, p[i], buf[i], want >= 12 ? embedded_seq(p, want) : -1L);
    }
    fnv_add(p, got);
}

/* ---------------------------------------------------------------- messaging */

typedef struct {
    zmq_msg_t f[MAX_FRAMES];
    int n;
} message_t;

static void msg_free(message_t *m) {
    for (int i = 0; i < m->n; i++)
        zmq_msg_close(&m->f[i]);
    m->n = 0;
}

static void add_frame(message_t *m, const void *data, size_t size) {
    if (m->n == MAX_FRAMES)
        fail("too many frames");
    zmq_msg_init_size(&m->f[m->n], size);
    if (size)
        memcpy(zmq_msg_data(&m->f[m->n]), data, size);
    m->n++;
}

static void add_payload(message_t *m, long seq) {
    for (int j = 0; j < o_nsizes; j++) {
        if (m->n == MAX_FRAMES)
            fail("too many frames");
        zmq_msg_init_size(&m->f[m->n], o_sizes[j]);
        fill(zmq_msg_data(&m->f[m->n]), o_sizes[j], seq, j);
        fnv_add(zmq_msg_data(&m->f[m->n]), o_sizes[j]);
        m->n++;
    }
}

/* Sends every frame (consumed). Returns 0, or -1 with errno if the FIRST frame could
 * not be sent (EAGAIN/EHOSTUNREACH), in which case nothing was consumed. */
static int msg_send(message_t *m, int flags) {
    for (int i = 0; i < m->n; i++) {
        int more = i + 1 < m->n ? ZMQ_SNDMORE : 0;
        if (zmq_msg_send(&m->f[i], sock, flags | more) < 0) {
            int e = zmq_errno();
            if (i == 0 && (e == EAGAIN || e == EHOSTUNREACH)) {
                errno = e;
                return -1;
            }
            fail("send frame %d: %s", i, zmq_strerror(e));
        }
    }
    m->n = 0;
    return 0;
}

/* Sends, retrying while the first frame is refused (no peer yet / HWM). */
static void msg_send_retry(message_t *m) {
    int64_t deadline = now_ms() + o_timeout;
    while (msg_send(m, 0) < 0) {
        if (now_ms() > deadline)
            fail("send timed out: %s", zmq_strerror(errno));
        sleep_ms(5);
    }
}

static int props_checked;

static void check_props(zmq_msg_t *f) {
    static const char *names[] = {"Socket-Type", "Identity", "Routing-Id", "Peer-Address",
                                  "User-Id"};
    props_checked = 1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = zmq_msg_gets(f, names[i]);
        if (v)
            out("PROP %s=%s", names[i], v);
        else
            out("PROP %s=! (errno %d)", names[i], zmq_errno());
    }
    for (int i = 0; i < o_nexpect_props; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s", o_expect_props[i]);
        char *eq = strchr(name, '=');
        if (!eq)
            fail("bad --expect-prop %s", name);
        *eq = 0;
        const char *want = eq + 1, *v = zmq_msg_gets(f, name);
        if (strcmp(want, "!") == 0) {
            if (v)
                fail("property %s is \"%s\", want none", name, v);
        } else if (!v) {
            fail("property %s missing (errno %d)", name, zmq_errno());
        } else if (strcmp(want, "*") == 0 ? *v == 0 : strcmp(v, want) != 0) {
            fail("property %s is \"%s\", want \"%s\"", name, v, want);
        }
    }
}

/* Receives a whole message; 0, or -1 on EAGAIN (timeout). */
static int msg_recv(message_t *m, int flags) {
    m->n = 0;
    for (;;) {
        if (m->n == MAX_FRAMES)
            fail("too many frames");
        zmq_msg_init(&m->f[m->n]);
        if (zmq_msg_recv(&m->f[m->n], sock, m->n ? 0 : flags) < 0) {
            int e = zmq_errno();
            zmq_msg_close(&m->f[m->n]);
            if (m->n == 0 && e == EAGAIN)
                return -1;
            fail("recv frame %d: %s", m->n, zmq_strerror(e));
        }
        m->n++;
        if (!zmq_msg_more(&m->f[m->n - 1]))
            break;
    }
    if (!props_checked)
        check_props(&m->f[m->n - 1]);
    return 0;
}

static void msg_recv_must(message_t *m, const char *what) {
    if (msg_recv(m, 0) < 0)
        fail("timeout (%d ms) receiving %s", o_timeout, what);
}

static int is_pub(void) { return sock_type == ZMQ_PUB || sock_type == ZMQ_XPUB; }
static int is_sub(void) { return sock_type == ZMQ_SUB || sock_type == ZMQ_XSUB; }

static int frame_is(zmq_msg_t *f, const char *s) {
    return zmq_msg_size(f) == strlen(s) && memcmp(zmq_msg_data(f), s, strlen(s)) == 0;
}

/* Number of envelope frames before the payload (ROUTER id, delimiter) and checks them. */
static int check_envelope(message_t *m, long seq) {
    int k = 0;
    if (sock_type == ZMQ_ROUTER) {
        if (m->n < 1)
            fail("message %ld: no routing id frame", seq);
        if (o_peer_id && !frame_is(&m->f[0], o_peer_id))
            fail("message %ld: routing id \"%.*s\", want \"%s\"", seq,
                 (int)zmq_msg_size(&m->f[0]), (char *)zmq_msg_data(&m->f[0]), o_peer_id);
        k++;
    }
    if (o_delim) {
        if (m->n <= k || zmq_msg_size(&m->f[k]) != 0)
            fail("message %ld: missing empty delimiter frame", seq);
        k++;
    }
    return k;
}

static void verify_payload(message_t *m, int first, long seq) {
    if (m->n - first != o_nsizes)
        fail("message %ld: %d payload frames, want %d", seq, m->n - first, o_nsizes);
    for (int j = 0; j < o_nsizes; j++)
        verify_frame(&m->f[first + j], seq, j);
}

static void add_envelope(message_t *m) {
    if (sock_type == ZMQ_ROUTER) {
        if (!o_peer_id)
            fail("ROUTER sending needs --peer-id");
        add_frame(m, o_peer_id, strlen(o_peer_id));
    }
    if (o_delim)
        add_frame(m, "", 0);
}

static void xsub_send(int subscribe, const char *topic) {
    message_t m = {.n = 0};
    char buf[300];
    buf[0] = subscribe ? 1 : 0;
    size_t n = strlen(topic);
    memcpy(buf + 1, topic, n);
    add_frame(&m, buf, n + 1);
    msg_send_retry(&m);
}

static void subscribe(int on, const char *topic) {
    if (sock_type == ZMQ_SUB) {
        if (zmq_setsockopt(sock, on ? ZMQ_SUBSCRIBE : ZMQ_UNSUBSCRIBE, topic, strlen(topic)))
            fail("(un)subscribe: %s", zmq_strerror(zmq_errno()));
    } else {
        xsub_send(on, topic);
    }
}

/* ------------------------------------------------------------------- roles */

static void pub_sync(void) {
    int64_t deadline = now_ms() + o_timeout;
    for (;;) {
        message_t m = {.n = 0};
        add_frame(&m, "probe", 5);
        if (msg_send(&m, ZMQ_DONTWAIT) < 0)
            msg_free(&m);
        if (stdin_wait(20))
            break;
        if (now_ms() > deadline)
            fail("timeout waiting for the sync line");
    }
}

static void role_send(void) {
    if (is_pub() && o_sync)
        pub_sync();
    int sent = 0;
    for (long seq = o_seq_start; seq < o_seq_start + o_count; seq++) {
        int rounds = is_pub() ? (o_ntopics ? o_ntopics : 1) : 1;
        for (int t = 0; t < rounds; t++) {
            message_t m = {.n = 0};
            add_envelope(&m);
            if (is_pub())
                add_frame(&m, o_ntopics ? o_topics[t] : "A", strlen(o_ntopics ? o_topics[t] : "A"));
            add_payload(&m, seq);
            if (o_nonblock) {
                if (msg_send(&m, ZMQ_DONTWAIT) < 0)
                    msg_free(&m);
                else
                    sent++;
            } else {
                msg_send_retry(&m);
                sent++;
            }
        }
        if (o_interval)
            sleep_ms(o_interval);
    }
    out("SENT count=%d bytes=%llu fnv=%016llx", sent, (unsigned long long)total_bytes,
        (unsigned long long)fnv);
}

static void role_stream(void) {
    long seq = o_seq_start;
    int64_t deadline = now_ms() + 6 * o_timeout;
    while (!stdin_wait(o_interval ? o_interval : 1)) {
        if (now_ms() > deadline)
            fail("stream: no stop line within %d ms", 6 * o_timeout);
        int rounds = is_pub() ? (o_ntopics ? o_ntopics : 1) : 1;
        for (int t = 0; t < rounds; t++) {
            message_t m = {.n = 0};
            add_envelope(&m);
            if (is_pub())
                add_frame(&m, o_ntopics ? o_topics[t] : "A", strlen(o_ntopics ? o_topics[t] : "A"));
            add_payload(&m, seq);
            if (msg_send(&m, ZMQ_DONTWAIT) < 0) {
                msg_free(&m);
                goto next; /* no peer or HWM: retry this seq later */
            }
        }
        seq++;
    next:;
    }
    /* Whatever is still queued for a vanished peer must not block zmq_ctx_term. */
    int zero = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    out("SENT count=%ld", seq - o_seq_start);
}

/* Receives one data message for pub/sub (skipping probes) or any other type. */
static int recv_data(message_t *m, int flags) {
    for (;;) {
        if (msg_recv(m, flags) < 0)
            return -1;
        if (is_sub() && m->n == 1 && frame_is(&m->f[0], "probe")) {
            if (o_sync) {
                out("SYNCED");
                o_sync = 0;
            }
            msg_free(m);
            continue;
        }
        return 0;
    }
}

static void role_recv(void) {
    if (o_expect_none >= 0) {
        int rc = 1;
        zmq_setsockopt(sock, ZMQ_RCVTIMEO, &o_expect_none, sizeof o_expect_none);
        message_t m;
        if (msg_recv(&m, 0) == 0)
            fail("received a %d-frame message; expected nothing", m.n);
        (void)rc;
        out("RECEIVED count=0");
        return;
    }
    long last = -1;
    int got = 0;
    int rounds = is_sub() ? (o_ntopics ? o_ntopics : 1) : 1;
    for (int i = 0; i < o_count; i++) {
        for (int t = 0; t < rounds; t++) {
            message_t m;
            if (recv_data(&m, 0) < 0)
                fail("timeout (%d ms) after %d messages", o_timeout, got);
            int first = check_envelope(&m, i);
            if (is_sub()) {
                const char *want = o_ntopics ? o_topics[t] : "A";
                if (m.n <= first || !frame_is(&m.f[first], want))
                    fail("message %d: topic \"%.*s\", want \"%s\"", got,
                         m.n > first ? (int)zmq_msg_size(&m.f[first]) : 0,
                         m.n > first ? (char *)zmq_msg_data(&m.f[first]) : "", want);
                first++;
            }
            long seq = o_seq_start + i;
            if (o_loose) {
                if (m.n <= first)
                    fail("message %d has no payload", got);
                seq = embedded_seq(zmq_msg_data(&m.f[first]), zmq_msg_size(&m.f[first]));
                if (t == 0) {
                    if (last < 0 && o_min_seq >= 0 && seq < o_min_seq)
                        fail("first sequence number %ld < %ld", seq, o_min_seq);
                    if (last >= 0 && seq <= last)
                        fail("sequence %ld after %ld", seq, last);
                    if (last >= 0 && o_consecutive && seq != last + 1)
                        fail("gap: sequence %ld after %ld", seq, last);
                    if (last < 0)
                        out("FIRST_SEQ %ld", seq);
                    last = seq;
                } else if (seq != last) {
                    fail("round topic %d has sequence %ld, want %ld", t, seq, last);
                }
            }
            verify_payload(&m, first, seq);
            msg_free(&m);
            got++;
            if (o_progress && got % o_progress == 0)
                out("PROGRESS %d", got);
        }
    }
    if (o_loose)
        out("LAST_SEQ %ld", last);
    out("RECEIVED count=%d bytes=%llu fnv=%016llx", got, (unsigned long long)total_bytes,
        (unsigned long long)fnv);
}

static void role_client(void) {
    for (long seq = o_seq_start; seq < o_seq_start + o_count; seq++) {
        message_t m = {.n = 0};
        add_envelope(&m);
        add_payload(&m, seq);
        msg_send_retry(&m);
        message_t r;
        msg_recv_must(&r, "a reply");
        int first = check_envelope(&r, seq);
        verify_payload(&r, first, seq);
        msg_free(&r);
        if (o_interval)
            sleep_ms(o_interval);
    }
    out("RECEIVED count=%d bytes=%llu fnv=%016llx", o_count, (unsigned long long)total_bytes / 2,
        (unsigned long long)fnv);
}

static void role_echo(void) {
    for (long seq = o_seq_start; seq < o_seq_start + o_count; seq++) {
        message_t m;
        msg_recv_must(&m, "a request");
        int first = check_envelope(&m, seq);
        verify_payload(&m, first, seq);
        if (msg_send(&m, 0) < 0)
            fail("echo send: %s", zmq_strerror(errno));
    }
    out("RECEIVED count=%d bytes=%llu fnv=%016llx", o_count, (unsigned long long)total_bytes,
        (unsigned long long)fnv);
}

/* Subscribed to A and B (topics A,B per round): once 20 B's came, cancel B; then B must
 * stop: 200 A's in a row without a B. A's sequence numbers stay consecutive. */
static void role_unsub(void) {
    long last = -1;
    int b_before = 0, leaked = 0, a_since_b = 0, unsubscribed = 0;
    int64_t deadline = now_ms() + 3 * o_timeout;
    while (!unsubscribed || a_since_b < 200) {
        if (now_ms() > deadline)
            fail("unsub: B still arriving (%d after cancel)", leaked);
        message_t m;
        if (recv_data(&m, 0) < 0)
            fail("unsub: timeout");
        if (m.n != 1 + o_nsizes)
            fail("unsub: %d frames", m.n);
        long seq = embedded_seq(zmq_msg_data(&m.f[1]), zmq_msg_size(&m.f[1]));
        verify_payload(&m, 1, seq);
        if (frame_is(&m.f[0], "A")) {
            if (last >= 0 && seq != last + 1)
                fail("unsub: A sequence %ld after %ld", seq, last);
            last = seq;
            a_since_b++;
        } else if (frame_is(&m.f[0], "B")) {
            a_since_b = 0;
            if (unsubscribed) {
                leaked++;
            } else if (++b_before == 20) {
                subscribe(0, "B");
                unsubscribed = 1;
                out("UNSUBSCRIBED at A seq %ld", last);
            }
        } else {
            fail("unsub: unexpected topic");
        }
        msg_free(&m);
    }
    out("RECEIVED b_before=%d b_after_cancel=%d last_a=%ld", b_before, leaked, last);
}

static void role_detect(void) {
    if (!o_monitor)
        fail("detect needs --monitor");
    if (event_wait(ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, o_timeout) < 0)
        fail("no HANDSHAKE_SUCCEEDED");
    out("UP");
    if (!stdin_wait(o_timeout) || in_eof)
        fail("no stdin line");
    int64_t t0 = now_ms();
    int64_t t = event_wait(ZMQ_EVENT_DISCONNECTED, t0 - 50, o_timeout);
    if (t < 0)
        fail("no DISCONNECTED event within %d ms", o_timeout);
    long ms = (long)(t - t0);
    out("DETECTED_MS %ld", ms);
    if (o_detect_within >= 0 && ms > o_detect_within)
        fail("DISCONNECTED after %ld ms, want <= %d", ms, o_detect_within);
}

/* ----------------------------------------------------------------- security */

static void *zap_sock;
static pthread_t zap_thread;
static volatile int zap_stop;
static int zap_requests;

static int zap_frame_eq(zmq_msg_t *f, const char *s) {
    return zmq_msg_size(f) == strlen(s) && memcmp(zmq_msg_data(f), s, strlen(s)) == 0;
}

/* Is frame f one of the comma-separated items of list (not modified)? */
static int zap_in_list(const char *list, const char *v, size_t n) {
    for (const char *p = list; *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == n && memcmp(p, v, n) == 0)
            return 1;
        if (!c)
            break;
        p = c + 1;
    }
    return 0;
}

static void zap_send(const void *data, size_t size, int more) {
    if (zmq_send(zap_sock, data, size, more ? ZMQ_SNDMORE : 0) < 0)
        fail("zap send: %s", zmq_strerror(zmq_errno()));
}

static void *zap_main(void *arg) {
    (void)arg;
    int poll_ms = 50;
    zmq_setsockopt(zap_sock, ZMQ_RCVTIMEO, &poll_ms, sizeof poll_ms);
    while (!zap_stop) {
        zmq_msg_t f[16];
        int n = 0;
        for (;;) {
            zmq_msg_init(&f[n]);
            if (zmq_msg_recv(&f[n], zap_sock, 0) < 0) {
                int e = zmq_errno();
                zmq_msg_close(&f[n]);
                if (n == 0 && e == EAGAIN)
                    break;
                fail("zap recv: %s", zmq_strerror(e));
            }
            n++;
            if (!zmq_msg_more(&f[n - 1]))
                break;
            if (n == 16)
                fail("zap request with too many frames");
        }
        if (n == 0)
            continue;
        /* 1.0, request id, domain, address, identity, mechanism, credentials... */
        if (n < 6 || !zap_frame_eq(&f[0], "1.0"))
            fail("bad ZAP request (%d frames)", n);
        char mech[32] = "", domain[256] = "", user[256] = "anonymous";
        snprintf(mech, sizeof mech, "%.*s", (int)zmq_msg_size(&f[5]), (char *)zmq_msg_data(&f[5]));
        snprintf(domain, sizeof domain, "%.*s", (int)zmq_msg_size(&f[2]),
                 (char *)zmq_msg_data(&f[2]));
        int ok;
        const char *policy = o_zap_handler;
        if (strcmp(mech, "PLAIN") == 0) {
            if (n != 8)
                fail("PLAIN ZAP request has %d frames", n);
            snprintf(user, sizeof user, "%.*s", (int)zmq_msg_size(&f[6]), (char *)zmq_msg_data(&f[6]));
        } else if (strcmp(mech, "CURVE") == 0) {
            if (n != 7 || zmq_msg_size(&f[6]) != 32)
                fail("CURVE ZAP request has %d frames / a %zu-byte key", n,
                     n > 6 ? zmq_msg_size(&f[6]) : 0);
            zmq_z85_encode(user, zmq_msg_data(&f[6]), 32);
        } else if (strcmp(mech, "NULL") == 0) {
            if (n != 6)
                fail("NULL ZAP request has %d frames", n);
        } else {
            fail("ZAP request for mechanism %s", mech);
        }
        if (strcmp(policy, "accept") == 0)
            ok = 1;
        else if (strcmp(policy, "reject") == 0)
            ok = 0;
        else if (strncmp(policy, "allow-users=", 12) == 0)
            ok = strcmp(mech, "PLAIN") == 0 && zap_in_list(policy + 12, user, strlen(user));
        else if (strncmp(policy, "allow-keys=", 11) == 0)
            ok = strcmp(mech, "CURVE") == 0 && zap_in_list(policy + 11, user, strlen(user));
        else
            fail("unknown --zap-handler %s", policy);
        zap_requests++;
        out("ZAP mechanism=%s domain=%s user=%s status=%s", mech, domain, user,
            ok ? "200" : "400");
        zap_send("1.0", 3, 1);
        zap_send(zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), 1);
        zap_send(ok ? "200" : "400", 3, 1);
        zap_send(ok ? "OK" : "Denied", ok ? 2 : 6, 1);
        zap_send(ok ? user : "", ok ? strlen(user) : 0, 1);
        /* metadata: Hello=World (ZMTP property encoding) */
        static const char meta[] = "\x05Hello\x00\x00\x00\x05World";
        zap_send(ok ? meta : "", ok ? sizeof meta - 1 : 0, 0);
        for (int i = 0; i < n; i++)
            zmq_msg_close(&f[i]);
    }
    return NULL;
}

static void setup_security(void *ctx) {
    if (o_zap_handler) {
        zap_sock = zmq_socket(ctx, ZMQ_REP);
        if (!zap_sock || zmq_bind(zap_sock, "inproc://zeromq.zap.01"))
            fail("zap bind: %s", zmq_strerror(zmq_errno()));
        int zero = 0;
        zmq_setsockopt(zap_sock, ZMQ_LINGER, &zero, sizeof zero);
        pthread_create(&zap_thread, NULL, zap_main, NULL);
    }
    if (o_zap_domain &&
        zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, o_zap_domain, strlen(o_zap_domain)))
        fail("ZAP_DOMAIN: %s", zmq_strerror(zmq_errno()));
    if (o_plain_server) {
        int one = 1;
        if (zmq_setsockopt(sock, ZMQ_PLAIN_SERVER, &one, sizeof one))
            fail("PLAIN_SERVER: %s", zmq_strerror(zmq_errno()));
    }
    if (o_plain_user && zmq_setsockopt(sock, ZMQ_PLAIN_USERNAME, o_plain_user, strlen(o_plain_user)))
        fail("PLAIN_USERNAME: %s", zmq_strerror(zmq_errno()));
    if (o_plain_pass && zmq_setsockopt(sock, ZMQ_PLAIN_PASSWORD, o_plain_pass, strlen(o_plain_pass)))
        fail("PLAIN_PASSWORD: %s", zmq_strerror(zmq_errno()));
    if (o_curve_server) {
        if (!o_curve_secret)
            fail("--curve-server needs --curve-secret");
        char pub[41];
        if (zmq_curve_public(pub, o_curve_secret))
            fail("zmq_curve_public: %s", zmq_strerror(zmq_errno()));
        out("CURVE_PUBLIC %s", pub);
        int one = 1;
        if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one))
            fail("CURVE_SERVER: %s", zmq_strerror(zmq_errno()));
        if (zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, o_curve_secret, 40))
            fail("CURVE_SECRETKEY: %s", zmq_strerror(zmq_errno()));
    }
    if (o_curve_client) {
        if (!o_curve_server_key)
            fail("--curve-client needs --curve-server-key");
        char pub[41], sec[41];
        if (o_curve_client_secret) {
            snprintf(sec, sizeof sec, "%s", o_curve_client_secret);
            if (zmq_curve_public(pub, sec))
                fail("zmq_curve_public: %s", zmq_strerror(zmq_errno()));
        } else if (zmq_curve_keypair(pub, sec)) {
            fail("zmq_curve_keypair: %s", zmq_strerror(zmq_errno()));
        }
        out("CURVE_PUBLIC %s", pub);
        if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, o_curve_server_key, 40) ||
            zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, pub, 40) ||
            zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, 40))
            fail("CURVE client keys: %s", zmq_strerror(zmq_errno()));
    }
    int mech = -1;
    size_t len = sizeof mech;
    if (zmq_getsockopt(sock, ZMQ_MECHANISM, &mech, &len))
        fail("MECHANISM: %s", zmq_strerror(zmq_errno()));
    out("MECHANISM %d", mech);
}

static void stop_zap(void) {
    if (!zap_sock)
        return;
    zap_stop = 1;
    pthread_join(zap_thread, NULL);
    zmq_close(zap_sock);
    out("ZAP_REQUESTS %d", zap_requests);
}

/* ----------------------------------------------------------------- sockopts */

static const struct {
    const char *name;
    int opt;
} sockopt_table[] = {
    {"HEARTBEAT_IVL", ZMQ_HEARTBEAT_IVL},
    {"HEARTBEAT_TIMEOUT", ZMQ_HEARTBEAT_TIMEOUT},
    {"HEARTBEAT_TTL", ZMQ_HEARTBEAT_TTL},
    {"LINGER", ZMQ_LINGER},
    {"SNDHWM", ZMQ_SNDHWM},
    {"RCVHWM", ZMQ_RCVHWM},
    {"RECONNECT_IVL", ZMQ_RECONNECT_IVL},
    {"RECONNECT_IVL_MAX", ZMQ_RECONNECT_IVL_MAX},
    {"ROUTER_MANDATORY", ZMQ_ROUTER_MANDATORY},
    {"IMMEDIATE", ZMQ_IMMEDIATE},
    {"HANDSHAKE_IVL", ZMQ_HANDSHAKE_IVL},
    {"MAXMSGSIZE", ZMQ_MAXMSGSIZE},
    {"XPUB_VERBOSE", ZMQ_XPUB_VERBOSE},
    {"CONNECT_TIMEOUT", ZMQ_CONNECT_TIMEOUT},
};

static void set_sockopt(const char *spec) {
    char name[128];
    snprintf(name, sizeof name, "%s", spec);
    char *eq = strchr(name, '=');
    if (!eq)
        fail("bad --sockopt %s", spec);
    *eq = 0;
    for (size_t i = 0; i < sizeof sockopt_table / sizeof sockopt_table[0]; i++) {
        if (strcmp(sockopt_table[i].name, name) == 0) {
            if (strcmp(name, "MAXMSGSIZE") == 0) {
                int64_t v = atoll(eq + 1);
                if (zmq_setsockopt(sock, sockopt_table[i].opt, &v, sizeof v))
                    fail("setsockopt %s: %s", name, zmq_strerror(zmq_errno()));
            } else {
                int v = atoi(eq + 1);
                if (zmq_setsockopt(sock, sockopt_table[i].opt, &v, sizeof v))
                    fail("setsockopt %s: %s", name, zmq_strerror(zmq_errno()));
            }
            return;
        }
    }
    fail("unknown sockopt %s", name);
}

static int parse_type(const char *s) {
    static const struct {
        const char *n;
        int t;
    } types[] = {{"PAIR", ZMQ_PAIR}, {"PUB", ZMQ_PUB},       {"SUB", ZMQ_SUB},
                 {"REQ", ZMQ_REQ},   {"REP", ZMQ_REP},       {"DEALER", ZMQ_DEALER},
                 {"ROUTER", ZMQ_ROUTER}, {"PULL", ZMQ_PULL}, {"PUSH", ZMQ_PUSH},
                 {"XPUB", ZMQ_XPUB}, {"XSUB", ZMQ_XSUB}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i].n, s) == 0)
            return types[i].t;
    fail("unknown socket type %s", s);
    return -1;
}

/* -------------------------------------------------------------------- main */

int main(int argc, char **argv) {
    t_start = now_ms();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && (v || (fail("%s needs a value", name), 0)) && ++i)
        if (ARG("--type"))
            o_type = v;
        else if (ARG("--bind"))
            o_bind = v;
        else if (ARG("--connect"))
            o_connect = v;
        else if (ARG("--role"))
            o_role = v;
        else if (ARG("--count"))
            o_count = atoi(v);
        else if (ARG("--size")) {
            o_sizes[0] = (size_t)atol(v);
            o_nsizes = 1;
        } else if (ARG("--sizes")) {
            char *items[MAX_LIST];
            o_nsizes = split(v, items);
            for (int k = 0; k < o_nsizes; k++)
                o_sizes[k] = (size_t)atol(items[k]);
        } else if (ARG("--topics"))
            o_ntopics = split(v, o_topics);
        else if (ARG("--subscribe")) {
            if (o_nsubs < MAX_LIST)
                o_subs[o_nsubs++] = v;
        } else if (strcmp(a, "--sync") == 0)
            o_sync = 1;
        else if (strcmp(a, "--delim") == 0)
            o_delim = 1;
        else if (strcmp(a, "--loose") == 0)
            o_loose = 1;
        else if (strcmp(a, "--consecutive") == 0)
            o_consecutive = 1;
        else if (strcmp(a, "--nonblock") == 0)
            o_nonblock = 1;
        else if (strcmp(a, "--monitor") == 0)
            o_monitor = 1;
        else if (strcmp(a, "--hold") == 0)
            o_hold = 1;
        else if (strcmp(a, "--check-endpoints") == 0)
            o_check_endpoints = 1;
        else if (ARG("--routing-id"))
            o_routing_id = v;
        else if (ARG("--peer-id"))
            o_peer_id = v;
        else if (ARG("--sockopt")) {
            if (o_nsockopts < MAX_LIST)
                o_sockopts[o_nsockopts++] = v;
        } else if (ARG("--interval-ms"))
            o_interval = atoi(v);
        else if (ARG("--min-seq"))
            o_min_seq = atol(v);
        else if (ARG("--seq-start"))
            o_seq_start = atol(v);
        else if (ARG("--progress"))
            o_progress = atoi(v);
        else if (ARG("--expect-none"))
            o_expect_none = atoi(v);
        else if (ARG("--expect-sub"))
            o_expect_sub = v;
        else if (ARG("--expect-prop")) {
            if (o_nexpect_props < MAX_LIST)
                o_expect_props[o_nexpect_props++] = v;
        } else if (ARG("--expect-events"))
            o_nexpect_events = split(v, o_expect_events);
        else if (ARG("--max-event")) {
            if (o_nmax_events < MAX_LIST)
                o_max_events[o_nmax_events++] = v;
        } else if (ARG("--min-event")) {
            if (o_nmin_events < MAX_LIST)
                o_min_events[o_nmin_events++] = v;
        } else if (ARG("--wait-event"))
            o_wait_event = v;
        else if (ARG("--detect-within"))
            o_detect_within = atoi(v);
        else if (ARG("--timeout-ms"))
            o_timeout = atoi(v);
        else if (strcmp(a, "--plain-server") == 0)
            o_plain_server = 1;
        else if (ARG("--plain-user"))
            o_plain_user = v;
        else if (ARG("--plain-pass"))
            o_plain_pass = v;
        else if (strcmp(a, "--curve-server") == 0)
            o_curve_server = 1;
        else if (strcmp(a, "--curve-client") == 0)
            o_curve_client = 1;
        else if (ARG("--curve-secret"))
            o_curve_secret = v;
        else if (ARG("--curve-server-key"))
            o_curve_server_key = v;
        else if (ARG("--curve-client-secret"))
            o_curve_client_secret = v;
        else if (ARG("--zap-domain"))
            o_zap_domain = v;
        else if (ARG("--zap-handler"))
            o_zap_handler = v;
        else if (ARG("--event-value")) {
            if (o_nevent_values < MAX_LIST)
                o_event_values[o_nevent_values++] = v;
        }
        else
            fail("unknown argument %s", a);
#undef ARG
    }
    if (!o_type || (!o_bind == !o_connect))
        fail("usage: peer --type TYPE (--bind EP | --connect EP) --role ROLE [options]");
    /* Safety net: whatever happens, do not outlive the driver's patience. */
    alarm((unsigned)(o_timeout / 1000) * 8 + 10);

    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    out("VERSION %d.%d.%d", major, minor, patch);

    void *ctx = zmq_ctx_new();
    if (!ctx)
        fail("zmq_ctx_new: %s", zmq_strerror(zmq_errno()));
    sock_type = parse_type(o_type);
    sock = zmq_socket(ctx, sock_type);
    if (!sock)
        fail("zmq_socket: %s", zmq_strerror(zmq_errno()));
    zmq_setsockopt(sock, ZMQ_RCVTIMEO, &o_timeout, sizeof o_timeout);
    zmq_setsockopt(sock, ZMQ_SNDTIMEO, &o_timeout, sizeof o_timeout);
    if (o_routing_id && zmq_setsockopt(sock, ZMQ_ROUTING_ID, o_routing_id, strlen(o_routing_id)))
        fail("ROUTING_ID: %s", zmq_strerror(zmq_errno()));
    if (sock_type == ZMQ_ROUTER) {
        int one = 1;
        zmq_setsockopt(sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    }
    for (int i = 0; i < o_nsockopts; i++)
        set_sockopt(o_sockopts[i]);
    setup_security(ctx);
    if (sock_type == ZMQ_SUB) {
        for (int i = 0; i < o_nsubs; i++)
            subscribe(1, o_subs[i]);
        if (o_sync && zmq_setsockopt(sock, ZMQ_SUBSCRIBE, "probe", 5))
            fail("subscribe probe: %s", zmq_strerror(zmq_errno()));
    }

    if (o_monitor) {
        char mon_ep[64];
        snprintf(mon_ep, sizeof mon_ep, "inproc://monitor-%d", (int)getpid());
        if (zmq_socket_monitor(sock, mon_ep, ZMQ_EVENT_ALL))
            fail("zmq_socket_monitor: %s", zmq_strerror(zmq_errno()));
        mon_sock = zmq_socket(ctx, ZMQ_PAIR);
        if (!mon_sock || zmq_connect(mon_sock, mon_ep))
            fail("monitor connect: %s", zmq_strerror(zmq_errno()));
        pthread_create(&mon_thread, NULL, monitor_main, NULL);
    }

    if (o_bind) {
        /* LISTENING may be reported before LAST_ENDPOINT can be read: the monitor
         * compares against the resolved endpoint, so hold its lock meanwhile. */
        pthread_mutex_lock(&ep_lock);
        if (zmq_bind(sock, o_bind))
            fail("bind %s: %s", o_bind, zmq_strerror(zmq_errno()));
        size_t len = sizeof endpoint;
        if (zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, endpoint, &len))
            fail("LAST_ENDPOINT: %s", zmq_strerror(zmq_errno()));
        pthread_mutex_unlock(&ep_lock);
        out("ENDPOINT %s", endpoint);
    } else {
        pthread_mutex_lock(&ep_lock);
        snprintf(endpoint, sizeof endpoint, "%s", o_connect);
        pthread_mutex_unlock(&ep_lock);
        if (zmq_connect(sock, o_connect))
            fail("connect %s: %s", o_connect, zmq_strerror(zmq_errno()));
        out("CONNECTING %s", endpoint);
    }

    /* XSUB subscriptions are messages; send them once the socket is attached. */
    if (sock_type == ZMQ_XSUB) {
        for (int i = 0; i < o_nsubs; i++)
            subscribe(1, o_subs[i]);
        if (o_sync)
            xsub_send(1, "probe");
    }

    if (strcmp(o_role, "send") == 0)
        role_send();
    else if (strcmp(o_role, "recv") == 0)
        role_recv();
    else if (strcmp(o_role, "client") == 0)
        role_client();
    else if (strcmp(o_role, "echo") == 0)
        role_echo();
    else if (strcmp(o_role, "stream") == 0)
        role_stream();
    else if (strcmp(o_role, "unsub") == 0)
        role_unsub();
    else if (strcmp(o_role, "detect") == 0)
        role_detect();
    else if (strcmp(o_role, "hang") != 0)
        fail("unknown role %s", o_role);

    if (o_expect_sub) {
        /* XPUB: the subscription arrived before any subscriber could receive data. */
        int found = 0;
        char want[300];
        want[0] = 1;
        snprintf(want + 1, sizeof want - 1, "%s", o_expect_sub);
        message_t m;
        props_checked = 1;
        while (!found && msg_recv(&m, ZMQ_DONTWAIT) == 0) {
            found = m.n == 1 && frame_is(&m.f[0], want);
            out("XPUB got %zu-byte message starting 0x%02x", zmq_msg_size(&m.f[0]),
                zmq_msg_size(&m.f[0]) ? *(unsigned char *)zmq_msg_data(&m.f[0]) : 0);
            msg_free(&m);
        }
        if (!found)
            fail("XPUB: no subscription message for \"%s\"", o_expect_sub);
    }
    check_event_counts();
    check_event_values();

    out("DONE");
    if (o_hold || strcmp(o_role, "hang") == 0)
        stdin_wait_eof(6 * o_timeout);
    if (o_wait_event && o_monitor && event_wait(event_value(o_wait_event), 0, o_timeout) < 0)
        fail("event %s not seen within %d ms", o_wait_event, o_timeout);

    if (zmq_close(sock))
        fail("zmq_close: %s", zmq_strerror(zmq_errno()));
    if (o_monitor) {
        if (event_wait(ZMQ_EVENT_MONITOR_STOPPED, 0, o_timeout) < 0)
            fail("no MONITOR_STOPPED after close");
        pthread_join(mon_thread, NULL);
        zmq_close(mon_sock);
        check_event_order();
        check_event_values();
    }
    stop_zap();
    zmq_ctx_term(ctx);
    out("OK");
    return 0;
}
