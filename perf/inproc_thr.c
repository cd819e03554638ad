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

    zmq_msg_t msg;
    if (zmq_msg_init(&msg) != 0)
        perf_die("zmq_msg_init");
    /* The clock starts at the first message, so thread start-up is not measured. */
    if (zmq_msg_recv(&msg, pull, 0) < 0)
        perf_die("zmq_msg_recv");
    double start = perf_now_us();
    for (int i = 1; i < message_count; i++) {
        if (zmq_msg_recv(&msg, pull, 0) < 0)
            perf_die("zmq_msg_recv");
        if ((int)zmq_msg_size(&msg) != message_size) {
            fprintf(stderr, "message of wrong size\n");
            return 1;
        }
    }
    double elapsed = perf_now_us() - start;
    if (elapsed <= 0)
        elapsed = 1;
    zmq_msg_close(&msg);
    pthread_join(thread, NULL);
    zmq_close(pull);
    zmq_ctx_term(ctx);

    double per_second = (double)(message_count - 1) * 1e6 / elapsed;
    double megabits = per_second * message_size * 8 / 1e6;
    printf("message size: %d [B]\n", message_size);
    printf("message count: %d\n", message_count);
    printf("mean throughput: %d [msg/s]\n", (int)per_second);
    printf("mean throughput: %.3f [Mb/s]\n", megabits);
    return 0;
}
