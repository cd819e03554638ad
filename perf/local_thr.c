/* Throughput, receiving side: a PULL binds to <bind-to> and receives <message-count>
   messages of <message-size> bytes sent by remote_thr. The clock starts when the first
   message arrives, so connection set-up is not measured. Output lines match libzmq's
   perf/local_thr; like it, the rate is message-count over the time measured. */
#include "perf_common.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: local_thr <bind-to> <message-size> <message-count>\n");
        return 1;
    }
    const char *bind_to = argv[1];
    int message_size = perf_arg(argv[2], "message-size");
    int message_count = perf_arg(argv[3], "message-count");

    void *ctx = zmq_ctx_new();
    if (!ctx)
        perf_die("zmq_ctx_new");
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    if (!pull)
        perf_die("zmq_socket");
    perf_security(pull, 1);
    if (zmq_bind(pull, bind_to) != 0)
        perf_die("zmq_bind");

    double elapsed = perf_recv_timed(pull, message_size, message_count);
    perf_print_throughput(message_size, message_count, (double)message_count * 1e6 / elapsed);

    if (zmq_close(pull) != 0)
        perf_die("zmq_close");
    if (zmq_ctx_term(ctx) != 0)
        perf_die("zmq_ctx_term");
    return 0;
}
