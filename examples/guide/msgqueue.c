// Shared queue with zmq_proxy (ROUTER frontend, DEALER backend), for rrclient and
// rrworker. zmq_proxy returns -1 with EINTR when a signal arrives (libzmq's behaviour),
// so SIGTERM ends it cleanly. msgqueue [frontend=tcp://*:5559] [backend=tcp://*:5560]
#include "zhelpers.h"

#include <signal.h>

static void on_signal(int sig)
{
    (void)sig;
}

int main(int argc, char **argv)
{
    struct sigaction action = {0};
    action.sa_handler = on_signal; /* no SA_RESTART: interrupt the proxy's poll */
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);

    void *context = zmq_ctx_new();
    void *frontend = zmq_socket(context, ZMQ_ROUTER);
    CHECK(zmq_bind(frontend, arg_or(argc, argv, 1, "tcp://*:5559")));
    void *backend = zmq_socket(context, ZMQ_DEALER);
    CHECK(zmq_bind(backend, arg_or(argc, argv, 2, "tcp://*:5560")));

    int rc = zmq_proxy(frontend, backend, NULL);
    int err = zmq_errno();
    printf("msgqueue: zmq_proxy returned %d (%s)\n", rc, zmq_strerror(err));
    REQUIRE(rc == -1 && err == EINTR, "zmq_proxy should return -1/EINTR on a signal");
    zmq_close(frontend);
    zmq_close(backend);
    zmq_ctx_destroy(context);
    return 0;
}
