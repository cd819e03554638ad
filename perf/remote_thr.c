/* Throughput, sending side: a PUSH connects to <connect-to> and sends <message-count>
   messages of <message-size> bytes as fast as it can, then closes with the default
   (infinite) linger, so zmq_ctx_term returns only once everything has been written.
   Command line matches libzmq's perf/remote_thr.

   Before closing it waits up to a second, or until a SIGUSR1 says local_thr has all
   the messages (compare.py sends one): libzmq 4.3.4 over ipc drops the tail of the
   stream when the sender disconnects while the receiver is still behind, which would
   leave local_thr waiting for ever. The wait is outside the measurement, which
   local_thr ends at the last message. */
#include "perf_common.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: remote_thr <connect-to> <message-size> <message-count>\n");
        return 1;
    }
    const char *connect_to = argv[1];
    int message_size = perf_arg(argv[2], "message-size");
    int message_count = perf_arg(argv[3], "message-count");

    /* Blocked before the library starts its threads, so they inherit the mask and
       SIGUSR1 stays pending for sigtimedwait below. */
    perf_block_done_signal();

    void *ctx = zmq_ctx_new();
    if (!ctx)
        perf_die("zmq_ctx_new");
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    if (!push)
        perf_die("zmq_socket");
    perf_security(push, 0);
    if (zmq_connect(push, connect_to) != 0)
        perf_die("zmq_connect");

    for (int i = 0; i < message_count; i++) {
        zmq_msg_t msg;
        if (zmq_msg_init_size(&msg, (size_t)message_size) != 0)
            perf_die("zmq_msg_init_size");
        memset(zmq_msg_data(&msg), 0, (size_t)message_size);
        if (zmq_msg_send(&msg, push, 0) < 0)
            perf_die("zmq_msg_send");
    }

    perf_wait_done_signal();
    if (zmq_close(push) != 0)
        perf_die("zmq_close");
    if (zmq_ctx_term(ctx) != 0)
        perf_die("zmq_ctx_term");
    return 0;
}
