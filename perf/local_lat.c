/* Latency, echoing side: a REP binds to <bind-to> and sends back each of
   <roundtrip-count> messages of <message-size> bytes that remote_lat sends. The last
   reply is flushed by closing with the default (infinite) linger. Command line matches
   libzmq's perf/local_lat. */
#include "perf_common.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: local_lat <bind-to> <message-size> <roundtrip-count>\n");
        return 1;
    }
    const char *bind_to = argv[1];
    int message_size = perf_arg(argv[2], "message-size");
    int roundtrip_count = perf_arg(argv[3], "roundtrip-count");

    void *ctx = zmq_ctx_new();
    if (!ctx)
        perf_die("zmq_ctx_new");
    void *rep = zmq_socket(ctx, ZMQ_REP);
    if (!rep)
        perf_die("zmq_socket");
    if (zmq_bind(rep, bind_to) != 0)
        perf_die("zmq_bind");

    zmq_msg_t msg;
    if (zmq_msg_init(&msg) != 0)
        perf_die("zmq_msg_init");
    for (int i = 0; i < roundtrip_count; i++) {
        if (zmq_msg_recv(&msg, rep, 0) < 0)
            perf_die("zmq_msg_recv");
        perf_check_size(&msg, message_size);
        if (zmq_msg_send(&msg, rep, 0) < 0)
            perf_die("zmq_msg_send");
    }
    zmq_msg_close(&msg);

    if (zmq_close(rep) != 0)
        perf_die("zmq_close");
    if (zmq_ctx_term(ctx) != 0)
        perf_die("zmq_ctx_term");
    return 0;
}
