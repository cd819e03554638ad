/* Throughput over inproc: a PUSH in a second thread sends <message-count> messages of
   <message-size> bytes as fast as it can; the PULL in the main thread times how long
   receiving all of them takes. Output matches libzmq's perf/inproc_thr. */
#include "perf_common.h"
#include <pthread.h>

static int message_size;
static int message_count;

static void *sender(void *ctx)
{
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    if (!push || zmq_connect(push, "inproc://thr_test") != 0)
        perf_die("sender");
    for (int i = 0; i < message_count; i++) {
        zmq_msg_t msg;
        if (zmq_msg_init_size(&msg, (size_t)message_size) != 0)
            perf_die("zmq_msg_init_size");
        if (zmq_msg_send(&msg, push, 0) < 0)
            perf_die("zmq_msg_send");
    }
    zmq_close(push);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: inproc_thr <message-size> <message-count>\n");
        return 1;
    }
    message_size = perf_arg(argv[1], "message-size");
    message_count = perf_arg(argv[2], "message-count");

    void *ctx = zmq_ctx_new();
    if (!ctx)
        perf_die("zmq_ctx_new");
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    if (!pull || zmq_bind(pull, "inproc://thr_test") != 0)
        perf_die("bind");

    pthread_t thread;
    if (pthread_create(&thread, NULL, sender, ctx) != 0) {
        fprintf(stderr, "pthread_create failed\n");
        return 1;
    }

    /* The clock starts at the first message, so thread start-up is not measured. */
    double elapsed = perf_recv_timed(pull, message_size, message_count);
    pthread_join(thread, NULL);
    zmq_close(pull);
    zmq_ctx_term(ctx);

    perf_print_throughput(message_size, message_count,
                          (double)(message_count - 1) * 1e6 / elapsed);
    return 0;
}
