/* Forked children that make their own context work while the parent's I/O thread is
 * busy: php-zmq (pcntl_fork) and Python's multiprocessing do exactly this. Whatever the
 * parent's threads were doing when fork copied the process (allocating message
 * buffers, say), a child must not inherit it half-done and hang.
 *
 * The parent keeps 100-byte messages flowing over tcp in a thread; meanwhile it forks
 * children, each doing a tcp round trip of its own with 100-byte messages in a new
 * context, and requires every child to exit 0 within 10 s. */
#include "common.h"
#include "test_net_util.h"

#include <signal.h>
#include <sys/wait.h>

enum { CHILDREN = 200, BODY = 100 };

static volatile int stop_traffic;

static void *traffic(void *ctx) {
    void *pull = net_socket(ctx, ZMQ_PULL);
    char ep[256];
    net_bind(pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *push = net_socket(ctx, ZMQ_PUSH);
    CHECK_OK(zmq_connect(push, ep));
    char buf[BODY];
    memset(buf, 'p', sizeof buf);
    while (!stop_traffic) {
        CHECK_EQ(zmq_send(push, buf, sizeof buf, 0), BODY);
        CHECK_EQ(zmq_recv(pull, buf, sizeof buf, 0), BODY);
    }
    zmq_close(push);
    zmq_close(pull);
    return NULL;
}

static int child_round_trip(void) {
    alarm(10); /* a hang kills the child: the parent sees the signal */
    void *ctx = zmq_ctx_new();
    void *rep = net_socket(ctx, ZMQ_REP);
    char ep[256];
    net_bind(rep, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *req = net_socket(ctx, ZMQ_REQ);
    CHECK_OK(zmq_connect(req, ep));
    char buf[BODY];
    for (int i = 0; i < 5; i++) {
        memset(buf, 'a' + i, sizeof buf);
        CHECK_EQ(zmq_send(req, buf, sizeof buf, 0), BODY);
        CHECK_EQ(zmq_recv(rep, buf, sizeof buf, 0), BODY);
        CHECK_EQ(zmq_send(rep, buf, sizeof buf, 0), BODY);
        CHECK_EQ(zmq_recv(req, buf, sizeof buf, 0), BODY);
        CHECK_EQ(buf[0], 'a' + i);
    }
    zmq_close(req);
    zmq_close(rep);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}

int main(void) {
#ifdef __SANITIZE_ADDRESS__
    /* gcc 12's AddressSanitizer allocator is not fork-safe with a busy multi-threaded
       parent: a child can hang on the sanitizer's own allocator lock (seen in gdb:
       __sanitizer::SizeClassAllocator64::GetFromAllocator), whatever the library does. */
    fprintf(stderr, "SKIPPED under AddressSanitizer: its allocator is not fork-safe\n");
    return 0;
#endif
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, traffic, ctx) == 0);
    tc_sleep_ms(50);
    for (int i = 0; i < CHILDREN; i++) {
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0)
            _exit(child_round_trip());
        int status = 0;
        CHECK(waitpid(pid, &status, 0) == pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            TC_FAIL("child %d: %s %d", i, WIFSIGNALED(status) ? "killed by signal" : "exit",
                    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    }
    stop_traffic = 1;
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
