/* Latency over inproc: a REP in a second thread echoes; the REQ in the main thread
   times <roundtrip-count> round trips of <message-size> bytes and reports half a round
   trip. Output matches libzmq's perf/inproc_lat. */
#include "perf_common.h"
#include <pthread.h>

static int message_size;
static int roundtrip_count;

static void *echo(void *ctx)
{
    void *rep = zmq_socket(ctx, ZMQ_REP);
    if (!rep || zmq_connect(rep, "inproc://lat_test") != 0)
        perf_die("echo");
    zmq_msg_t msg;
    if (zmq_msg_init(&msg) != 0)
        perf_die("zmq_msg_init");
    for (int i = 0; i < roundtrip_count; i++) {
        if (zmq_msg_recv(&msg, rep, 0) < 0)
            perf_die("zmq_msg_recv (REP)");
        if (zmq_msg_send(&msg, rep, 0) < 0)
            perf_die("zmq_msg_send (REP)");
    }
    zmq_msg_close(&msg);
    zmq_close(rep);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: inproc_lat <message-size> <roundtrip-count>\n");
        return 1;
    }
    message_size = perf_arg(argv[1], "message-size");
    roundtrip_count = perf_arg(argv[2], "roundtrip-count");

    void *ctx = zmq_ctx_new();
    if (!ctx)
        perf_die("zmq_ctx_new");
    void *req = zmq_socket(ctx, ZMQ_REQ);
    if (!req || zmq_bind(req, "inproc://lat_test") != 0)
        perf_die("bind");

    pthread_t thread;
    if (pthread_create(&thread, NULL, echo, ctx) != 0) {
        fprintf(stderr, "pthread_create failed\n");
        return 1;
    }

    zmq_msg_t msg;
    if (zmq_msg_init_size(&msg, (size_t)message_size) != 0)
        perf_die("zmq_msg_init_size");
    double start = perf_now_us();
    for (int i = 0; i < roundtrip_count; i++) {
        if (zmq_msg_send(&msg, req, 0) < 0)
            perf_die("zmq_msg_send (REQ)");
        if (zmq_msg_recv(&msg, req, 0) < 0)
            perf_die("zmq_msg_recv (REQ)");
        if ((int)zmq_msg_size(&msg) != message_size) {
            fprintf(stderr, "message of wrong size\n");
            return 1;
        }
    }
    double elapsed = perf_now_us() - start;
    zmq_msg_close(&msg);
    pthread_join(thread, NULL);
    zmq_close(req);
    zmq_ctx_term(ctx);

    printf("message size: %d [B]\n", message_size);
    printf("roundtrip count: %d\n", roundtrip_count);
    printf("average latency: %.3f [us]\n", elapsed / (roundtrip_count * 2.0));
    return 0;
}
