/* A signal handler (without SA_RESTART) interrupts blocking calls: zmq_recv, zmq_send
 * and zmq_poll return -1 with EINTR, as in libzmq, so a program can react to SIGTERM. */
#include "common.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static void on_alarm(int sig) { (void)sig; }

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART */
    CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);

    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    CHECK_OK(zmq_bind(pull, "inproc://eintr"));
    char buf[8];
    alarm(1);
    CHECK_ERR(zmq_recv(pull, buf, sizeof buf, 0), EINTR);

    /* A send blocked at the HWM: an inproc connect that nobody binds queues SNDHWM. */
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    int hwm = 1, zero = 0;
    CHECK_OK(zmq_setsockopt(push, ZMQ_SNDHWM, &hwm, sizeof hwm));
    CHECK_OK(zmq_setsockopt(push, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK(zmq_connect(push, "inproc://eintr-nobody"));
    alarm(1);
    int rc;
    do
        rc = zmq_send(push, "x", 1, 0);
    while (rc == 1);
    CHECK_EQ(rc, -1);
    CHECK_EQ(zmq_errno(), EINTR);

    zmq_pollitem_t item = {pull, 0, ZMQ_POLLIN, 0};
    alarm(1);
    CHECK_ERR(zmq_poll(&item, 1, -1), EINTR);

    CHECK_OK(zmq_close(pull));
    CHECK_OK(zmq_close(push));
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
