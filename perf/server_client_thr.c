/* Throughput of the thread-safe draft pair: a CLIENT sends <message-count> messages of
   <message-size> bytes as fast as it can to a SERVER, which times receiving them (the
   clock starts at the first message, as in local_thr).

   usage: server_client_thr server <bind-to> <message-size> <message-count>
          server_client_thr client <connect-to> <message-size> <message-count>
          server_client_thr both <inproc-endpoint> <message-size> <message-count>
   "server" and "client" are the two processes of a tcp/ipc run (as local_thr and
   remote_thr; the client waits for SIGUSR1 or a second before it closes); "both" runs
   the client in a second thread of one process, for inproc. Prints local_thr's lines.
   Needs a libzmq with the draft API (ours; libzmq built with ENABLE_DRAFTS). */
#define ZMQ_BUILD_DRAFT_API
#include "perf_common.h"
#include <pthread.h>
#include <string.h>

static const char *endpoint;
static int message_size;
static int message_count;

/* The client's side. `wait_done`: before closing, wait for the server to have
   everything (SIGUSR1 or a second, see remote_thr). */
static void send_all(void *ctx, int wait_done)
{
    void *client = zmq_socket(ctx, ZMQ_CLIENT);
    if (!client)
        perf_die("zmq_socket (CLIENT)");
    if (zmq_connect(client, endpoint) != 0)
        perf_die("zmq_connect");
    for (int i = 0; i < message_count; i++) {
        zmq_msg_t msg;
        if (zmq_msg_init_size(&msg, (size_t)message_size) != 0)
            perf_die("zmq_msg_init_size");
        memset(zmq_msg_data(&msg), 0, (size_t)message_size);
        if (zmq_msg_send(&msg, client, 0) < 0)
            perf_die("zmq_msg_send");
    }
    if (wait_done)
        perf_wait_done_signal();
    if (zmq_close(client) != 0)
        perf_die("zmq_close");
}

static void *client_thread(void *ctx)
{
    send_all(ctx, 0);
    return NULL;
}

static void receive_all(void *ctx, int with_thread)
{
    void *server = zmq_socket(ctx, ZMQ_SERVER);
    if (!server)
        perf_die("zmq_socket (SERVER)");
    if (zmq_bind(server, endpoint) != 0)
        perf_die("zmq_bind");
    pthread_t thread;
    if (with_thread && pthread_create(&thread, NULL, client_thread, ctx) != 0) {
        fprintf(stderr, "pthread_create failed\n");
        exit(1);
    }

    double elapsed = perf_recv_timed(server, message_size, message_count);
    perf_print_throughput(message_size, message_count, (double)message_count * 1e6 / elapsed);

    if (with_thread)
        pthread_join(thread, NULL);
    if (zmq_close(server) != 0)
        perf_die("zmq_close");
}

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[1], "server") != 0 && strcmp(argv[1], "client") != 0
                      && strcmp(argv[1], "both") != 0)) {
        fprintf(stderr, "usage: server_client_thr server|client|both <endpoint> "
                        "<message-size> <message-count>\n");
        return 1;
    }
    endpoint = argv[2];
    message_size = perf_arg(argv[3], "message-size");
    message_count = perf_arg(argv[4], "message-count");
    int client_only = strcmp(argv[1], "client") == 0;
    if (client_only)
        perf_block_done_signal(); /* before the library starts its threads */

    void *ctx = zmq_ctx_new();
    if (!ctx)
        perf_die("zmq_ctx_new");
    if (client_only) {
        send_all(ctx, 1);
    } else {
        receive_all(ctx, strcmp(argv[1], "both") == 0);
    }
    if (zmq_ctx_term(ctx) != 0)
        perf_die("zmq_ctx_term");
    return 0;
}
