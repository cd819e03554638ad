// Request-reply worker: REP connected to a broker's backend, answers until SIGTERM/SIGINT.
// rrworker [endpoint=tcp://localhost:5560]
#include "zhelpers.h"

#include <signal.h>

static void on_signal(int sig)
{
    (void)sig;
}

int main(int argc, char **argv)
{
    // As the guide's s_catch_signals: no SA_RESTART, so a blocked zmq_recv returns EINTR.
    struct sigaction action = {0};
    action.sa_handler = on_signal;
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);

    void *context = zmq_ctx_new();
    void *responder = zmq_socket(context, ZMQ_REP);
    CHECK(zmq_connect(responder, arg_or(argc, argv, 1, "tcp://localhost:5560")));
    while (1) {
        char *string = s_recv(responder);
        if (!string) {
            REQUIRE(zmq_errno() == EINTR, "recv: %s", zmq_strerror(zmq_errno()));
            break; /* interrupted */
        }
        char reply[64];
        snprintf(reply, sizeof reply, "World for %s", string);
        free(string);
        CHECK(s_send(responder, reply));
    }
    zmq_close(responder);
    zmq_ctx_destroy(context);
    return 0;
}
