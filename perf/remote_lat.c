/* Latency, measuring side: a REQ connects to <connect-to> and times <roundtrip-count>
   round trips of <message-size> bytes through local_lat, reporting half a round trip.
   As in libzmq's perf/remote_lat the clock starts before the first send, so the first
   round trip includes the connection set-up. Output lines match libzmq's. */
#include "perf_common.h"
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: remote_lat <connect-to> <message-size> <roundtrip-count>\n");
        return 1;
    }
    const char *connect_to = argv[1];
    int message_size = perf_arg(argv[2], "message-size");
    int roundtrip_count = perf_arg(argv[3], "roundtrip-count");

    void *ctx = zmq_ctx_new();
    if (!ctx)
        perf_die("zmq_ctx_new");
    void *req = zmq_socket(ctx, ZMQ_REQ);
    if (!req)
        perf_die("zmq_socket");
    if (zmq_connect(req, connect_to) != 0)
        perf_die("zmq_connect");

    zmq_msg_t msg;
    if (zmq_msg_init_size(&msg, (size_t)message_size) != 0)
        perf_die("zmq_msg_init_size");
    memset(zmq_msg_data(&msg), 0, (size_t)message_size);

    double start = perf_now_us();
    for (int i = 0; i < roundtrip_count; i++) {
        if (zmq_msg_send(&msg, req, 0) < 0)
            perf_die("zmq_msg_send");
        if (zmq_msg_recv(&msg, req, 0) < 0)
            perf_die("zmq_msg_recv");
        perf_check_size(&msg, message_size);
    }
    double elapsed = perf_now_us() - start;
    zmq_msg_close(&msg);

    printf("message size: %d [B]\n", message_size);
    printf("roundtrip count: %d\n", roundtrip_count);
    printf("average latency: %.3f [us]\n", elapsed / (roundtrip_count * 2.0));
    fflush(stdout);

    if (zmq_close(req) != 0)
        perf_die("zmq_close");
    if (zmq_ctx_term(ctx) != 0)
        perf_die("zmq_ctx_term");
    return 0;
}
