/* What both interop peers (peer.c, draft_peer.c) share: the clock, sleeping, splitting
 * a comma-separated option, and the stdin relay by which tests/interop.rs steps a peer
 * (a line means "go on", EOF means "finish"). Included once by each peer program. */
#ifndef ZMQ_INTEROP_PEER_UTIL_H
#ifndef MAX_LIST
#error "define MAX_LIST (the most items split() returns) before including peer_util.h"
#endif
#define ZMQ_INTEROP_PEER_UTIL_H

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Each peer's own: prints the reason and exits non-zero. */
static void fail(const char *fmt, ...);

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Split "a,b,c" into at most MAX_LIST strings (the input is modified). */
static int split(char *s, char **items) {
    int n = 0;
    if (!s || !*s)
        return 0;
    for (char *p = s; n < MAX_LIST;) {
        items[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = 0;
        p = c + 1;
    }
    return n;
}

/* ------------------------------------------------------------- stdin relay */

static char in_buf[4096];
static size_t in_len;
static int in_eof;

/* Wait up to ms for a complete stdin line (consumed) or EOF; 1 if one came. */
static int stdin_wait(int ms) {
    int64_t deadline = now_ms() + ms;
    for (;;) {
        char *nl = memchr(in_buf, '\n', in_len);
        if (nl) {
            size_t used = (size_t)(nl - in_buf) + 1;
            memmove(in_buf, in_buf + used, in_len - used);
            in_len -= used;
            return 1;
        }
        if (in_eof)
            return 1;
        int left = (int)(deadline - now_ms());
        if (left < 0)
            left = 0;
        struct pollfd p = {0, POLLIN, 0};
        int rc = poll(&p, 1, left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return 0;
        if (in_len == sizeof in_buf)
            in_len = 0;
        ssize_t r = read(0, in_buf + in_len, sizeof in_buf - in_len);
        if (r <= 0)
            in_eof = 1;
        else
            in_len += (size_t)r;
    }
}

/* Wait for stdin EOF (lines are ignored). */
static void stdin_wait_eof(int ms) {
    int64_t deadline = now_ms() + ms;
    while (!in_eof) {
        int left = (int)(deadline - now_ms());
        if (left <= 0)
            fail("timeout waiting for stdin EOF");
        stdin_wait(left);
        in_len = 0;
    }
}

#endif
