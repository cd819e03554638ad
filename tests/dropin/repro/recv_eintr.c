#include <zmq.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
static void on_alarm(int sig) { (void)sig; }
int main(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;              /* no SA_RESTART */
    sigaction(SIGALRM, &sa, NULL);
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_PULL);
    zmq_bind(s, "inproc://x");
    alarm(1);
    char buf[8];
    int rc = zmq_recv(s, buf, sizeof buf, 0);   /* libzmq: -1 with EINTR after 1 s */
    printf("zmq_recv -> %d, errno %s\n", rc, rc == -1 && zmq_errno() == EINTR ? "EINTR" : "other");
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}
