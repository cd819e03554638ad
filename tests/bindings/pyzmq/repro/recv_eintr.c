/* A signal that arrives while zmq_recv / zmq_poll block must make them return -1 with
 * errno EINTR (libzmq does; pyzmq relies on it to run Python signal handlers, so that
 * Ctrl-C / SIGALRM can interrupt socket.recv()). Ours keeps blocking.
 *
 *   cc -I include -o /tmp/eintr tests/bindings/pyzmq/repro/recv_eintr.c -L target/release -lzmq -lpthread
 *   /tmp/eintr [poll]                                # Debian libzmq5: ok, ok
 *   LD_LIBRARY_PATH=target/pyzmq/lib /tmp/eintr [poll]   # ours: FAIL from the watchdog
 * ("poll" checks only zmq_poll.) */
#include <zmq.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void on_alarm(int sig) { (void)sig; }
static void *watchdog(void *arg) {
    (void)arg;
    sleep(4);
    static const char m[] = "FAIL: still blocked 3 s after the signal\n";
    write(2, m, sizeof m - 1);
    _exit(1);
}

int main(int argc, char **argv) {
    int only_poll = argc > 1 && strcmp(argv[1], "poll") == 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART */
    sigaction(SIGALRM, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &block, &old); /* SIGALRM goes to the main thread only */
    pthread_t wd;
    pthread_create(&wd, NULL, watchdog, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    void *ctx = zmq_ctx_new();
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    zmq_bind(pull, "tcp://127.0.0.1:*");
    char buf[8];

    int rc, err;
    if (!only_poll) {
    alarm(1);
    rc = zmq_recv(pull, buf, sizeof buf, 0);
    err = zmq_errno();
    printf("%s: zmq_recv returned %d, errno %s\n", rc == -1 && err == EINTR ? "ok" : "FAIL", rc,
           strerror(err));
    fflush(stdout);
    }

    zmq_pollitem_t item = {pull, 0, ZMQ_POLLIN, 0};
    alarm(1);
    rc = zmq_poll(&item, 1, -1);
    err = zmq_errno();
    printf("%s: zmq_poll returned %d, errno %s\n", rc == -1 && err == EINTR ? "ok" : "FAIL", rc,
           strerror(err));
    int linger = 0;
    zmq_setsockopt(pull, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(pull);
    zmq_ctx_term(ctx);
    return 0;
}
