/* Many connections, DEALER side (see router_conns):

     dealer_conns <connect-to> <connections>

   Creates <connections> DEALER sockets in one context and thread, connects each to
   <connect-to> and sends one 64-byte message carrying the CLOCK_MONOTONIC time taken
   before the first socket was created and the DEALER's index. Then echoes one message
   on each DEALER in index order (router_conns sends them in that order), waits for the
   final message on DEALER 0, and closes everything. */
#include "perf_common.h"
#include <string.h>

#define MESSAGE_SIZE 64

struct hello {
    double start_us;
    int index;
};

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: dealer_conns <connect-to> <connections>\n");
        return 1;
    }
    const char *connect_to = argv[1];
    int connections = perf_arg(argv[2], "connections");
    /* A socket and its connection take a few descriptors each (tcp, mailbox). */
    perf_raise_fd_limit((rlim_t)connections * 4 + 256);

    void *ctx = zmq_ctx_new();
    if (!ctx)
        perf_die("zmq_ctx_new");
    int max_sockets = connections + 16;
    if (zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, max_sockets) != 0)
        perf_die("ZMQ_MAX_SOCKETS");
    void **dealers = calloc((size_t)connections, sizeof *dealers);
    if (!dealers)
        return 1;

    struct hello hello = {perf_now_us(), 0};
    for (int i = 0; i < connections; i++) {
        dealers[i] = zmq_socket(ctx, ZMQ_DEALER);
        if (!dealers[i])
            perf_die("zmq_socket");
        if (zmq_connect(dealers[i], connect_to) != 0)
            perf_die("zmq_connect");
        char body[MESSAGE_SIZE] = {0};
        hello.index = i;
        memcpy(body, &hello, sizeof hello);
        if (zmq_send(dealers[i], body, sizeof body, 0) < 0)
            perf_die("zmq_send");
    }

    zmq_msg_t msg;
    if (zmq_msg_init(&msg) != 0)
        perf_die("zmq_msg_init");
    for (int i = 0; i < connections; i++) {
        if (zmq_msg_recv(&msg, dealers[i], 0) < 0)
            perf_die("zmq_msg_recv");
        perf_check_size(&msg, MESSAGE_SIZE);
        if (zmq_msg_send(&msg, dealers[i], 0) < 0)
            perf_die("zmq_msg_send");
    }
    if (zmq_msg_recv(&msg, dealers[0], 0) < 0)
        perf_die("zmq_msg_recv");
    zmq_msg_close(&msg);

    for (int i = 0; i < connections; i++)
        if (zmq_close(dealers[i]) != 0)
            perf_die("zmq_close");
    free(dealers);
    if (zmq_ctx_term(ctx) != 0)
        perf_die("zmq_ctx_term");
    return 0;
}
