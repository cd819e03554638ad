/* Soak: connect/disconnect churn across every pattern and transport for a given time,
 * sampling the process's RSS and open file descriptors. Exits 1 if either grows after
 * the warm-up (a leak), or if any exchange fails.
 *
 *   soak SECONDS [WARMUP_SECONDS]
 *
 * One round, for each transport (inproc, ipc, tcp) and each socket pair (PAIR/PAIR,
 * PUB/SUB, REQ/REP, DEALER/ROUTER, PUSH/PULL, XPUB/XSUB): a fresh pair of sockets,
 * bind, connect, 20 messages (multipart where the pattern allows), then disconnect,
 * unbind and close; every 10th round also terminates and recreates the context.
 * Built against zmq.h and run by scripts/soak.sh. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define DIE(...)                                                              \
    do {                                                                      \
        fprintf(stderr, "soak: " __VA_ARGS__);                                \
        fprintf(stderr, " (errno %d: %s)\n", zmq_errno(), zmq_strerror(zmq_errno())); \
        exit(1);                                                              \
    } while (0)

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = atol(line + 6);
    if (f)
        fclose(f);
    return kib;
}

static int open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    while (d && readdir(d))
        n++;
    if (d)
        closedir(d);
    return n - 3; /* ".", ".." and the directory's own fd */
}

static void set_int(void *s, int opt, int v) {
    if (zmq_setsockopt(s, opt, &v, sizeof v) != 0)
        DIE("setsockopt %d", opt);
}

static void *make(void *ctx, int type) {
    void *s = zmq_socket(ctx, type);
    if (!s)
        DIE("zmq_socket %d", type);
    set_int(s, ZMQ_LINGER, 0);
    set_int(s, ZMQ_RCVTIMEO, 5000);
    set_int(s, ZMQ_SNDTIMEO, 5000);
    return s;
}

static void send_frame(void *s, const char *body, int flags) {
    if (zmq_send(s, body, strlen(body), flags) < 0)
        DIE("send");
}

static void recv_frame(void *s, const char *expect) {
    char buf[64];
    int n = zmq_recv(s, buf, sizeof buf, 0);
    if (n < 0)
        DIE("recv (expected \"%s\")", expect);
    if ((size_t) n != strlen(expect) || memcmp(buf, expect, (size_t) n) != 0)
        DIE("got %.*s, expected %s", n, buf, expect);
}

/* One pair's life: bind, connect, traffic, disconnect, close. */
static void one_pair(void *ctx, int server_type, int client_type, const char *ep_pattern,
                     int round) {
    char ep[128];
    if (strncmp(ep_pattern, "tcp://", 6) == 0)
        snprintf(ep, sizeof ep, "%s", ep_pattern);
    else
        snprintf(ep, sizeof ep, ep_pattern, (int) getpid(), round);
    void *server = make(ctx, server_type);
    void *client = make(ctx, client_type);
    if (zmq_bind(server, ep) != 0)
        DIE("bind %s", ep);
    char bound[128];
    size_t bl = sizeof bound;
    zmq_getsockopt(server, ZMQ_LAST_ENDPOINT, bound, &bl);
    if (client_type == ZMQ_SUB)
        zmq_setsockopt(client, ZMQ_SUBSCRIBE, "", 0);
    if (zmq_connect(client, bound) != 0)
        DIE("connect %s", bound);

    for (int i = 0; i < 20; i++) {
        switch (server_type) {
        case ZMQ_PUB:
        case ZMQ_XPUB:
            if (server_type == ZMQ_XPUB)
                recv_frame(server, "\x01"); /* the subscription arrives first */
            send_frame(server, "topic", ZMQ_SNDMORE);
            send_frame(server, "news", 0);
            /* a subscription may still be on its way: publish until one arrives */
            for (;;) {
                char buf[16];
                set_int(client, ZMQ_RCVTIMEO, 20);
                int n = zmq_recv(client, buf, sizeof buf, 0);
                set_int(client, ZMQ_RCVTIMEO, 5000);
                if (n >= 0) {
                    recv_frame(client, "news");
                    break;
                }
                send_frame(server, "topic", ZMQ_SNDMORE);
                send_frame(server, "news", 0);
            }
            i = 20; /* one exchange is enough once subscribed */
            break;
        case ZMQ_REP:
            send_frame(client, "req", 0);
            recv_frame(server, "req");
            send_frame(server, "rep", 0);
            recv_frame(client, "rep");
            break;
        case ZMQ_ROUTER: {
            send_frame(client, "a", ZMQ_SNDMORE);
            send_frame(client, "b", 0);
            zmq_msg_t id;
            zmq_msg_init(&id);
            if (zmq_msg_recv(&id, server, 0) < 0)
                DIE("router recv id");
            recv_frame(server, "a");
            recv_frame(server, "b");
            zmq_msg_send(&id, server, ZMQ_SNDMORE);
            send_frame(server, "back", 0);
            recv_frame(client, "back");
            break;
        }
        case ZMQ_PULL:
            send_frame(client, "x", ZMQ_SNDMORE);
            send_frame(client, "y", 0);
            recv_frame(server, "x");
            recv_frame(server, "y");
            break;
        default: /* PAIR */
            send_frame(client, "ping", 0);
            recv_frame(server, "ping");
            send_frame(server, "pong", 0);
            recv_frame(client, "pong");
        }
    }
    if (zmq_disconnect(client, bound) != 0)
        DIE("disconnect %s", bound);
    if (zmq_unbind(server, bound) != 0)
        DIE("unbind %s", bound);
    zmq_close(client);
    zmq_close(server);
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 600;
    double warmup = argc > 2 ? atof(argv[2]) : seconds / 10;
    static const int pairs[][2] = {{ZMQ_PAIR, ZMQ_PAIR}, {ZMQ_PUB, ZMQ_SUB},
                                   {ZMQ_REP, ZMQ_REQ},   {ZMQ_ROUTER, ZMQ_DEALER},
                                   {ZMQ_PULL, ZMQ_PUSH}, {ZMQ_XPUB, ZMQ_SUB}};
    static const char *transports[] = {"inproc://soak-%d-%d", "ipc:///tmp/zmq-soak-%d-%d",
                                       "tcp://127.0.0.1:*"};
    double start = now_s(), next_sample = start;
    long base_rss = -1, max_rss = 0;
    int base_fds = -1, max_fds = 0;
    long rounds = 0;
    void *ctx = zmq_ctx_new();
    printf("%8s %8s %10s %6s\n", "time[s]", "rounds", "rss[KiB]", "fds");
    while (now_s() - start < seconds) {
        for (size_t t = 0; t < 3; t++)
            for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++)
                one_pair(ctx, pairs[p][0], pairs[p][1], transports[t], (int) rounds);
        rounds++;
        if (rounds % 10 != 0)
            continue;
        zmq_ctx_term(ctx);
        ctx = zmq_ctx_new();
        /* Sampled only here, with a fresh context and no socket open, so the fd count
           is the same every time unless something leaks. */
        double t = now_s();
        if (t >= next_sample) {
            long rss = rss_kib();
            int fds = open_fds();
            printf("%8.0f %8ld %10ld %6d\n", t - start, rounds, rss, fds);
            fflush(stdout);
            if (t - start >= warmup) {
                if (base_rss < 0) {
                    base_rss = rss;
                    base_fds = fds;
                }
                if (rss > max_rss)
                    max_rss = rss;
                if (fds > max_fds)
                    max_fds = fds;
            }
            next_sample = t + (seconds >= 60 ? 10 : 1);
        }
    }
    zmq_ctx_term(ctx);
    /* Flat: after the warm-up, RSS within 10% + 4 MiB of its first sample, fds equal
       (the context is terminated every 10 rounds, so none may accumulate). */
    int leak = base_rss >= 0 && (max_rss > base_rss + base_rss / 10 + 4096 || max_fds > base_fds);
    printf("soak: %ld rounds (%ld socket pairs) in %.0f s; after warm-up RSS %ld -> max %ld "
           "KiB, fds %d -> max %d: %s\n",
           rounds, rounds * 18, now_s() - start, base_rss, max_rss, base_fds, max_fds,
           leak ? "GROWING" : "flat");
    return leak ? 1 : 0;
}
