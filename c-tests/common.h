/* Tiny shared helpers for the C API tests (compiled with -std=c11 -Wall -Wextra -Werror).
 *
 * Include this FIRST (it selects POSIX 2008 before any system header), then <zmq.h>.
 * Every CHECK prints "file:line: ..." to stderr and exits 1 on failure, from any thread.
 */
#ifndef ZMQ_C_TESTS_COMMON_H
#define ZMQ_C_TESTS_COMMON_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

/* Non-zero when running against the system libzmq (ZMQ_C_TESTS_SYSTEM=1). */
static inline int tc_system_mode(void) {
    const char *s = getenv("ZMQ_C_TESTS_SYSTEM");
    return s && *s && strcmp(s, "0") != 0;
}

/* Non-zero when running against a libzmq built with its draft API (ZMQ_C_TESTS_LIBDIR
 * set to scripts/draft-libzmq.sh's build): system mode on a library whose
 * zmq_has("draft") is true. Debian's libzmq has no drafts; ours is not system mode. */
static inline int tc_libzmq_drafts(void) {
    return tc_system_mode() && zmq_has("draft");
}

#define TC_FAIL(...)                                                          \
    do {                                                                      \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                       \
        fprintf(stderr, __VA_ARGS__);                                         \
        fprintf(stderr, "\n");                                                \
        fflush(stderr);                                                       \
        exit(1);                                                              \
    } while (0)

/* A plain condition. */
#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond))                                                          \
            TC_FAIL("check failed: %s (zmq_errno=%d %s)", #cond, zmq_errno(), \
                    zmq_strerror(zmq_errno()));                               \
    } while (0)

/* A zmq call that must succeed (return value != -1); evaluates to the value. */
#define CHECK_OK(expr)                                                        \
    __extension__({                                                           \
        int tc_rc_ = (int) (expr);                                            \
        if (tc_rc_ == -1)                                                     \
            TC_FAIL("%s failed: errno %d (%s)", #expr, zmq_errno(),           \
                    zmq_strerror(zmq_errno()));                               \
        tc_rc_;                                                               \
    })

/* Integer equality with both values printed. */
#define CHECK_EQ(a, b)                                                        \
    do {                                                                      \
        long long tc_a_ = (long long) (a), tc_b_ = (long long) (b);           \
        if (tc_a_ != tc_b_)                                                   \
            TC_FAIL("check failed: %s == %s (%lld != %lld)", #a, #b, tc_a_,   \
                    tc_b_);                                                   \
    } while (0)

/* A call returning int that must fail with -1 and the given errno. */
#define CHECK_ERR(expr, err)                                                  \
    do {                                                                      \
        errno = 0;                                                            \
        int tc_rc_ = (int) (expr);                                            \
        int tc_e_ = zmq_errno();                                              \
        if (tc_rc_ != -1 || tc_e_ != (err))                                   \
            TC_FAIL("%s: expected -1/%s(%d), got %d/errno %d (%s)", #expr,    \
                    #err, (int) (err), tc_rc_, tc_e_, zmq_strerror(tc_e_));   \
    } while (0)

/* A call returning a pointer that must fail with NULL and the given errno. */
#define CHECK_NULL_ERR(expr, err)                                             \
    do {                                                                      \
        errno = 0;                                                            \
        void *tc_p_ = (void *) (expr);                                        \
        int tc_e_ = zmq_errno();                                              \
        if (tc_p_ != NULL || tc_e_ != (err))                                  \
            TC_FAIL("%s: expected NULL/%s(%d), got %p/errno %d (%s)", #expr,  \
                    #err, (int) (err), tc_p_, tc_e_, zmq_strerror(tc_e_));    \
    } while (0)

static inline int64_t tc_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void tc_sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

/* Send a string as one frame (flags as for zmq_send). */
static inline void tc_send_str(void *s, const char *str, int flags) {
    int n = (int) strlen(str);
    int rc = zmq_send(s, str, (size_t) n, flags);
    if (rc != n)
        TC_FAIL("zmq_send(\"%s\") returned %d, errno %d (%s)", str, rc,
                zmq_errno(), zmq_strerror(zmq_errno()));
}

/* Receive one frame and require it to equal str. */
static inline void tc_recv_str_eq(void *s, const char *str, int flags) {
    char buf[256];
    int rc = zmq_recv(s, buf, sizeof buf - 1, flags);
    if (rc < 0)
        TC_FAIL("zmq_recv (expecting \"%s\") failed: errno %d (%s)", str,
                zmq_errno(), zmq_strerror(zmq_errno()));
    buf[rc < (int) sizeof buf - 1 ? rc : (int) sizeof buf - 1] = 0;
    if ((size_t) rc != strlen(str) || strcmp(buf, str) != 0)
        TC_FAIL("received \"%s\" (%d bytes), expected \"%s\"", buf, rc, str);
}

#endif
