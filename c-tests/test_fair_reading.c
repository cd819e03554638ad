/* An I/O thread shares itself fairly between connections: a peer that floods its
 * connection (so the receiving socket never runs dry) must not hold back the messages
 * of a quiet peer on the same I/O thread until the flooder's pipe is full. libzmq reads
 * each connection once per readiness event; a reader that drained one connection until
 * the kernel said EAGAIN would deliver RCVHWM (1,000 by default) flood messages first.
 *
 * The flooder is a separate process (spawned from this binary with "--flood"), so it
 * keeps writing whatever the receiving process does. Over tcp and ipc.
 */
#include "common.h"

#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define FLOOD_SIZE (96 * 1024)
#define QUIET_MSGS 20
#define FLOODERS 4

static int flood(const char *endpoint, pid_t parent) {
    /* Dies with the test, also when the test fails and exits without killing it: an
     * orphan would keep reconnecting to the port and flood whoever binds it next. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        return 1;
    void *ctx = zmq_ctx_new();
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    if (!ctx || !push || zmq_connect(push, endpoint) != 0)
        return 1;
    static char body[FLOOD_SIZE];
    memset(body, 'f', sizeof body);
    for (;;) {
        if (zmq_send(push, body, sizeof body, 0) < 0)
            return 1;
    }
}

static void run(const char *endpoint) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    CHECK_OK(zmq_bind(pull, endpoint));
    char bound[256];
    size_t len = sizeof bound;
    CHECK_OK(zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, bound, &len));

    /* The quiet peer, on its own context, is connected (one message through) before
     * the flood starts, so only reading is measured, not its handshake. */
    void *qctx = zmq_ctx_new();
    void *quiet = zmq_socket(qctx, ZMQ_PUSH);
    CHECK_OK(zmq_connect(quiet, bound));
    char buf[16];
    CHECK_OK(zmq_send(quiet, "hello", 5, 0));
    CHECK(zmq_recv(pull, buf, sizeof buf, 0) == 5);

    char parent[32];
    snprintf(parent, sizeof parent, "%d", (int) getpid());
    char *argv[] = {"/proc/self/exe", "--flood", bound, parent, NULL};
    pid_t children[FLOODERS];
    for (int i = 0; i < FLOODERS; i++)
        CHECK(posix_spawn(&children[i], "/proc/self/exe", NULL, NULL, argv, environ) == 0);

    /* Let the flood build up: the pipe takes the first messages, then the flooder
     * keeps the connection full. */
    int flooded = 0;
    while (flooded < 1000) {
        int rc = zmq_recv(pull, buf, sizeof buf, 0);
        CHECK(rc == FLOOD_SIZE);
        flooded++;
    }

    /* Then the quiet peer sends its messages at once. */
    for (int i = 0; i < QUIET_MSGS; i++)
        CHECK_OK(zmq_send(quiet, "quiet", 5, 0));

    /* The fair-queue alternates between the two pipes once the quiet messages are
     * read off the wire, so they all arrive long before another RCVHWM of flood. */
    int quiet_seen = 0, flood_after = 0;
    while (quiet_seen < QUIET_MSGS) {
        int rc = zmq_recv(pull, buf, sizeof buf, 0);
        CHECK(rc >= 0);
        if (rc == 5)
            quiet_seen++;
        else
            flood_after++;
        if (flood_after > 700)
            TC_FAIL("%s: %d flood messages arrived before the quiet peer's %d "
                    "(only %d of its messages so far)",
                    bound, flood_after, QUIET_MSGS, quiet_seen);
    }
    printf("%s: quiet peer's %d messages arrived among %d flood messages\n", bound,
           QUIET_MSGS, flood_after);

    for (int i = 0; i < FLOODERS; i++) {
        kill(children[i], SIGKILL);
        waitpid(children[i], NULL, 0);
    }
    int zero = 0;
    zmq_setsockopt(quiet, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(pull, ZMQ_LINGER, &zero, sizeof zero);
    CHECK_OK(zmq_close(quiet));
    CHECK_OK(zmq_ctx_term(qctx));
    CHECK_OK(zmq_close(pull));
    CHECK_OK(zmq_ctx_term(ctx));
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--flood") == 0)
        return flood(argv[2], (pid_t) atol(argv[3]));
    run("tcp://127.0.0.1:*");
    char ipc[128];
    snprintf(ipc, sizeof ipc, "ipc:///tmp/tc_fair_%d.ipc", (int) getpid());
    run(ipc);
    unlink(ipc + 6);
    return 0;
}
