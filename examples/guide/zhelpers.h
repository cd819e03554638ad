/* Small helpers in the style of the ZeroMQ guide's zhelpers.h, for the guide programs. */
#ifndef GUIDE_ZHELPERS_H
#define GUIDE_ZHELPERS_H

#include <zmq.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Aborts with a message when a libzmq call fails. */
#define CHECK(expr)                                                                  \
    do {                                                                             \
        if ((expr) == -1) {                                                          \
            fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr,    \
                    zmq_strerror(zmq_errno()));                                      \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

#define REQUIRE(cond, ...)                                                           \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);                    \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

/* Receives a frame as a NUL-terminated string (caller frees), NULL on failure. */
static inline char *s_recv(void *socket)
{
    enum { cap = 4096 };
    char buffer[cap];
    int size = zmq_recv(socket, buffer, cap - 1, 0);
    if (size == -1)
        return NULL;
    if (size > cap - 1)
        size = cap - 1;
    buffer[size] = '\0';
    return strdup(buffer);
}

static inline int s_send(void *socket, const char *string)
{
    return zmq_send(socket, string, strlen(string), 0);
}

static inline int s_sendmore(void *socket, const char *string)
{
    return zmq_send(socket, string, strlen(string), ZMQ_SNDMORE);
}

static inline void s_sleep(int msecs)
{
    struct timespec t = {msecs / 1000, (msecs % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static inline int64_t s_clock(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static inline const char *arg_or(int argc, char **argv, int i, const char *dflt)
{
    return argc > i ? argv[i] : dflt;
}

#endif
