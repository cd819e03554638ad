/* Shared by the perf programs: a monotonic clock and argument parsing.
   Define PERF_NO_ZMQ before including it in a program that must not use ZeroMQ
   (tcp_floor). */
#ifndef PERF_COMMON_H
#define PERF_COMMON_H

#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#ifndef PERF_NO_ZMQ
#include <zmq.h>
#endif

static inline double perf_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* local_thr's report: the size, the count and the throughput in messages and megabits
   a second. */
static inline void perf_print_throughput(int size, int count, double per_second)
{
    printf("message size: %d [B]\n", size);
    printf("message count: %d\n", count);
    printf("mean throughput: %d [msg/s]\n", (int)per_second);
    printf("mean throughput: %.3f [Mb/s]\n", per_second * size * 8 / 1e6);
    fflush(stdout);
}

/* A sender's "the receiver is done" signal: call perf_block_done_signal() before the
   library starts its threads (they inherit the mask, so SIGUSR1 stays pending), and
   perf_wait_done_signal() before closing: it returns on SIGUSR1 or after a second. */
static inline void perf_block_done_signal(void)
{
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
}

static inline void perf_wait_done_signal(void)
{
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    struct timespec wait = {1, 0};
    while (sigtimedwait(&usr1, NULL, &wait) < 0 && errno == EINTR)
        ;
}

static inline int perf_arg(const char *text, const char *name)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*end != '\0' || v <= 0 || v > 0x7fffffff) {
        fprintf(stderr, "%s must be a positive integer, not '%s'\n", name, text);
        exit(1);
    }
    return (int)v;
}

/* Raises the soft limit on open files to at least `needed` (up to the hard limit), for
   the programs that hold a thousand connections. */
static inline void perf_raise_fd_limit(rlim_t needed)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= needed)
        return;
    lim.rlim_cur = lim.rlim_max == RLIM_INFINITY || lim.rlim_max > needed ? needed
                                                                          : lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur < needed)
        fprintf(stderr, "warning: only %lu files may be open, %lu wanted\n",
                (unsigned long)lim.rlim_cur, (unsigned long)needed);
}

/* Topic number `i` of the pub_thr/sub_thr filtering scenario: 8 hex digits of a
   bijective scramble of i, so topics are distinct, none is a prefix of another, and
   neighbours share no prefix (the trie is not one long chain). Writes 8 bytes, no NUL. */
#define PERF_TOPIC_LEN 8
static inline void perf_topic(unsigned i, char *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned v = i * 2654435761u;
    for (int k = PERF_TOPIC_LEN - 1; k >= 0; k--, v >>= 4)
        out[k] = hex[v & 15];
}

#ifndef PERF_NO_ZMQ
static inline void perf_die(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(1);
}

/* CURVE for the tcp/ipc throughput programs, from the environment (compare.py's
   curve_thr scenarios): the binding side is a CURVE server when
   ZMQ_PERF_CURVE_SERVER_SECRET holds its Z85 secret key; the connecting side is a
   CURVE client with a fresh keypair when ZMQ_PERF_CURVE_SERVER_KEY holds the server's
   Z85 public key. Unset: NULL, as before. */
static inline void perf_security(void *sock, int server)
{
    const char *secret = getenv("ZMQ_PERF_CURVE_SERVER_SECRET");
    const char *server_key = getenv("ZMQ_PERF_CURVE_SERVER_KEY");
    if (server && secret && *secret) {
        int one = 1;
        if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0
            || zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret, 40) != 0)
            perf_die("CURVE server options");
    } else if (!server && server_key && *server_key) {
        char public_key[41], secret_key[41];
        if (zmq_curve_keypair(public_key, secret_key) != 0)
            perf_die("zmq_curve_keypair");
        if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_key, 40) != 0
            || zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, public_key, 40) != 0
            || zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret_key, 40) != 0)
            perf_die("CURVE client options");
    }
}

static inline void perf_check_size(zmq_msg_t *msg, int expected)
{
    if ((int)zmq_msg_size(msg) != expected) {
        fprintf(stderr, "message of wrong size: %d bytes, expected %d\n",
                (int)zmq_msg_size(msg), expected);
        exit(1);
    }
}

/* Receives `count` messages of `size` bytes from `sock`. The clock starts at the first
   (so connecting and thread start-up are not measured); returns the microseconds the
   other count - 1 took, at least 1. */
static inline double perf_recv_timed(void *sock, int size, int count)
{
    zmq_msg_t msg;
    if (zmq_msg_init(&msg) != 0)
        perf_die("zmq_msg_init");
    if (zmq_msg_recv(&msg, sock, 0) < 0)
        perf_die("zmq_msg_recv");
    perf_check_size(&msg, size);
    double start = perf_now_us();
    for (int i = 1; i < count; i++) {
        if (zmq_msg_recv(&msg, sock, 0) < 0)
            perf_die("zmq_msg_recv");
        perf_check_size(&msg, size);
    }
    double elapsed = perf_now_us() - start;
    zmq_msg_close(&msg);
    return elapsed > 0 ? elapsed : 1;
}
#endif

#endif
