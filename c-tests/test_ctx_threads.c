/* Context options for the background threads: ZMQ_THREAD_NAME_PREFIX (the I/O thread
 * is named "<prefix>/ZMQbg/IO/0", cut to 15 bytes), ZMQ_THREAD_AFFINITY_CPU_ADD/REMOVE
 * (the I/O threads' CPU set; removing a CPU never added is EINVAL) and
 * ZMQ_THREAD_SCHED_POLICY (the I/O threads' scheduling policy). They apply to threads
 * started after they are set; our I/O threads start at the first tcp/ipc bind or
 * connect, libzmq's with the first socket, so each case sets them first. */
#define _GNU_SOURCE
#include "common.h"

#include <dirent.h>
#include <sched.h>
#include <sys/types.h>
#include <unistd.h>

/* The id of this process's thread named `name` now, or -1. */
static int find_thread_now(const char *name) {
    DIR *dir = opendir("/proc/self/task");
    CHECK(dir != NULL);
    struct dirent *entry;
    int found = -1;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        char path[300], comm[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", entry->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fgets(comm, sizeof comm, f)) {
            comm[strcspn(comm, "\n")] = 0;
            if (strcmp(comm, name) == 0)
                found = atoi(entry->d_name);
        }
        fclose(f);
    }
    closedir(dir);
    return found;
}

/* A context with `setup` applied, and its I/O threads running (a tcp bind). */
/* The id of the thread named `name`, waiting up to 1 s for a new thread to name itself
 * (or for a thread that is gone to disappear, when expecting -1). */
static int find_thread(const char *name) {
    int tid = -1;
    for (int i = 0; i < 100; i++) {
        tid = find_thread_now(name);
        if (tid > 0)
            break;
        tc_sleep_ms(10);
    }
    return tid;
}

static void *started_ctx(void (*setup)(void *), void **sock) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    setup(ctx);
    *sock = zmq_socket(ctx, ZMQ_PULL);
    CHECK(*sock != NULL);
    CHECK_OK(zmq_bind(*sock, "tcp://127.0.0.1:*"));
    return ctx;
}

static void finish(void *ctx, void *sock) {
    int zero = 0;
    CHECK_OK(zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK(zmq_close(sock));
    CHECK_OK(zmq_ctx_term(ctx));
}

static void no_setup(void *ctx) { (void) ctx; }
static void prefix_42(void *ctx) { CHECK_OK(zmq_ctx_set(ctx, ZMQ_THREAD_NAME_PREFIX, 42)); }
static void long_prefix(void *ctx) {
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_THREAD_NAME_PREFIX, 123456789));
}
static void cpu_0(void *ctx) { CHECK_OK(zmq_ctx_set(ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 0)); }
static void batch(void *ctx) {
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_THREAD_SCHED_POLICY, SCHED_BATCH));
}

int main(void) {
    /* Option values. */
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    CHECK_ERR(zmq_ctx_set(ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 0), EINVAL);
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 0));
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 0));
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 0));
    CHECK_ERR(zmq_ctx_set(ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 0), EINVAL);
    CHECK_ERR(zmq_ctx_set(ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, -1), EINVAL);
    /* The prefix is any int, kept as its decimal text. */
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_THREAD_NAME_PREFIX, -5));
    CHECK_EQ(zmq_ctx_get(ctx, ZMQ_THREAD_NAME_PREFIX), -5);
    CHECK_OK(zmq_ctx_term(ctx));

    void *sock;
    ctx = started_ctx(no_setup, &sock);
    CHECK(find_thread("ZMQbg/IO/0") > 0);
    finish(ctx, sock);

    ctx = started_ctx(prefix_42, &sock);
    CHECK(find_thread("42/ZMQbg/IO/0") > 0);
    CHECK_EQ(find_thread("ZMQbg/IO/0"), -1);
    finish(ctx, sock);

    /* Thread names hold 15 bytes. */
    ctx = started_ctx(long_prefix, &sock);
    CHECK(find_thread("123456789/ZMQbg") > 0);
    finish(ctx, sock);

    ctx = started_ctx(cpu_0, &sock);
    int tid = find_thread("ZMQbg/IO/0");
    CHECK(tid > 0);
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK(sched_getaffinity(tid, sizeof set, &set) == 0);
    CHECK_EQ(CPU_COUNT(&set), 1);
    CHECK(CPU_ISSET(0, &set));
    finish(ctx, sock);

    ctx = started_ctx(batch, &sock);
    tid = find_thread("ZMQbg/IO/0");
    CHECK(tid > 0);
    CHECK_EQ(sched_getscheduler(tid), SCHED_BATCH);
    finish(ctx, sock);

    /* ZMQ_AFFINITY picks among the context's I/O threads by bit; a bitmap naming no
       existing thread leaves tcp/ipc without one (EMTHREAD), inproc unaffected. */
    ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    sock = zmq_socket(ctx, ZMQ_PULL);
    CHECK(sock != NULL);
    uint64_t affinity = 2; /* thread 1, but there is only thread 0 */
    CHECK_OK(zmq_setsockopt(sock, ZMQ_AFFINITY, &affinity, sizeof affinity));
    CHECK_ERR(zmq_bind(sock, "tcp://127.0.0.1:*"), EMTHREAD);
    CHECK_ERR(zmq_connect(sock, "tcp://127.0.0.1:5555"), EMTHREAD);
    CHECK_OK(zmq_bind(sock, "inproc://affinity"));
    affinity = 3;
    CHECK_OK(zmq_setsockopt(sock, ZMQ_AFFINITY, &affinity, sizeof affinity));
    CHECK_OK(zmq_bind(sock, "tcp://127.0.0.1:*"));
    finish(ctx, sock);

    ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_IO_THREADS, 2));
    sock = zmq_socket(ctx, ZMQ_PULL);
    CHECK(sock != NULL);
    affinity = 2;
    CHECK_OK(zmq_setsockopt(sock, ZMQ_AFFINITY, &affinity, sizeof affinity));
    CHECK_OK(zmq_bind(sock, "tcp://127.0.0.1:*"));
    affinity = 4;
    CHECK_OK(zmq_setsockopt(sock, ZMQ_AFFINITY, &affinity, sizeof affinity));
    CHECK_ERR(zmq_bind(sock, "tcp://127.0.0.1:*"), EMTHREAD);
    finish(ctx, sock);

    return 0;
}
