/* Many connections, ROUTER side:

     router_conns <bind-to> <connections>

   A ROUTER binds to <bind-to> (ZMQ_BACKLOG raised to <connections>, so the accept queue
   does not overflow into SYN retries) and dealer_conns connects <connections> DEALERs
   to it. Measures, in this order:

   * connect time: from dealer_conns starting to create its sockets until this ROUTER
     has received the one message each DEALER sends. The start is dealer_conns'
     CLOCK_MONOTONIC reading, carried in those messages (both processes run on one
     machine, so the clocks are the same);
   * round trip: the ROUTER sends one message to each DEALER in turn and waits for its
     echo; the mean time of one such round trip;
   * memory per connection: this process's VmRSS after the round trips minus before the
     first connection, over <connections>.

   Then it tells DEALER 0 that it is done, and closes. */
#include "perf_common.h"
#include <string.h>

#define MESSAGE_SIZE 64
#define MAX_ID 256

/* The first message of each DEALER: when dealer_conns started, and which DEALER. */
struct hello {
    double start_us;
    int index;
};

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static void recv_frame(void *sock, zmq_msg_t *msg, int more)
{
    if (zmq_msg_recv(msg, sock, 0) < 0)
        perf_die("zmq_msg_recv");
    if (zmq_msg_more(msg) != more) {
        fprintf(stderr, "expected a routing id and one body frame\n");
        exit(1);
    }
}

static void send_to(void *router, const unsigned char *id, size_t id_len)
{
    char body[MESSAGE_SIZE] = {0};
    if (zmq_send(router, id, id_len, ZMQ_SNDMORE) < 0
        || zmq_send(router, body, sizeof body, 0) < 0)
        perf_die("zmq_send");
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: router_conns <bind-to> <connections>\n");
        return 1;
    }
    const char *bind_to = argv[1];
    int connections = perf_arg(argv[2], "connections");
    perf_raise_fd_limit((rlim_t)connections + 256);

    void *ctx = zmq_ctx_new();
    if (!ctx)
        perf_die("zmq_ctx_new");
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    if (!router)
        perf_die("zmq_socket");
    int backlog = connections > 100 ? connections : 100;
    if (zmq_setsockopt(router, ZMQ_BACKLOG, &backlog, sizeof backlog) != 0)
        perf_die("ZMQ_BACKLOG");
    if (zmq_bind(router, bind_to) != 0)
        perf_die("zmq_bind");
    long rss_before = rss_kib();

    unsigned char(*ids)[MAX_ID] = calloc((size_t)connections, MAX_ID);
    size_t *id_lens = calloc((size_t)connections, sizeof *id_lens);
    if (!ids || !id_lens)
        return 1;
    zmq_msg_t id, body;
    if (zmq_msg_init(&id) != 0 || zmq_msg_init(&body) != 0)
        perf_die("zmq_msg_init");
    double start = 0;
    for (int i = 0; i < connections; i++) {
        recv_frame(router, &id, 1);
        recv_frame(router, &body, 0);
        struct hello hello;
        if (zmq_msg_size(&body) != MESSAGE_SIZE || zmq_msg_size(&id) > MAX_ID) {
            fprintf(stderr, "unexpected hello\n");
            return 1;
        }
        memcpy(&hello, zmq_msg_data(&body), sizeof hello);
        if (hello.index < 0 || hello.index >= connections || id_lens[hello.index]) {
            fprintf(stderr, "bad or repeated DEALER index %d\n", hello.index);
            return 1;
        }
        memcpy(ids[hello.index], zmq_msg_data(&id), zmq_msg_size(&id));
        id_lens[hello.index] = zmq_msg_size(&id);
        if (i == 0 || hello.start_us < start)
            start = hello.start_us;
    }
    double connected = perf_now_us();

    double rt_start = perf_now_us();
    for (int i = 0; i < connections; i++) {
        send_to(router, ids[i], id_lens[i]);
        recv_frame(router, &id, 1);
        recv_frame(router, &body, 0);
        if (zmq_msg_size(&id) != id_lens[i] || memcmp(zmq_msg_data(&id), ids[i], id_lens[i])
            || zmq_msg_size(&body) != MESSAGE_SIZE) {
            fprintf(stderr, "echo from the wrong DEALER\n");
            return 1;
        }
    }
    double rt_elapsed = perf_now_us() - rt_start;
    long rss_after = rss_kib();

    printf("connections: %d\n", connections);
    printf("connect time: %.3f [ms]\n", (connected - start) / 1e3);
    printf("round trip: %.3f [us]\n", rt_elapsed / connections);
    printf("memory per connection: %.2f [KiB]\n",
           (double)(rss_after - rss_before) / connections);
    fflush(stdout);

    send_to(router, ids[0], id_lens[0]);
    zmq_msg_close(&id);
    zmq_msg_close(&body);
    free(ids);
    free(id_lens);
    if (zmq_close(router) != 0)
        perf_die("zmq_close");
    if (zmq_ctx_term(ctx) != 0)
        perf_die("zmq_ctx_term");
    return 0;
}
