/* The draft poller with many sockets, one of them active: the main thread holds
   <sockets> inproc sockets in one zmq_poller and answers whatever it reports; a second
   thread sends 1-byte requests on the peer of one socket (the one in the middle) and
   waits for each answer. Reports half a round trip, as inproc_lat does, so the number
   is what one wake-up through a poller of <sockets> sockets costs.

   <kind> "pair" (the default): PAIR sockets, which the poller watches through their
   ZMQ_FD; "server": thread-safe SERVER sockets (each with a CLIENT peer), which have
   no ZMQ_FD and wake the poller through its own signaler.

   usage: poller_lat <sockets> <roundtrip-count> [pair|server]
   Needs a libzmq with the draft API (ours; libzmq built with ENABLE_DRAFTS). */
#define ZMQ_BUILD_DRAFT_API
#include "perf_common.h"
#include <pthread.h>
#include <string.h>

static int sockets;
static int roundtrip_count;
static void *active_peer;

static void *client(void *arg)
{
    (void)arg;
    char byte = 'x';
    for (int i = 0; i < roundtrip_count; i++) {
        if (zmq_send(active_peer, &byte, 1, 0) != 1)
            perf_die("zmq_send (client)");
        if (zmq_recv(active_peer, &byte, 1, 0) != 1)
            perf_die("zmq_recv (client)");
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4
        || (argc == 4 && strcmp(argv[3], "pair") != 0 && strcmp(argv[3], "server") != 0)) {
        fprintf(stderr, "usage: poller_lat <sockets> <roundtrip-count> [pair|server]\n");
        return 1;
    }
    int thread_safe = argc == 4 && strcmp(argv[3], "server") == 0;
    int served_type = thread_safe ? ZMQ_SERVER : ZMQ_PAIR;
    int peer_type = thread_safe ? ZMQ_CLIENT : ZMQ_PAIR;
    sockets = perf_arg(argv[1], "sockets");
    roundtrip_count = perf_arg(argv[2], "roundtrip-count");
    perf_raise_fd_limit((rlim_t)(2 * sockets + 64));

    void *ctx = zmq_ctx_new();
    if (!ctx || zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 2 * sockets + 16) != 0)
        perf_die("zmq_ctx_new");
    void **served = calloc((size_t)sockets, sizeof *served);
    void **peers = calloc((size_t)sockets, sizeof *peers);
    zmq_poller_event_t *events = calloc((size_t)sockets, sizeof *events);
    void *poller = zmq_poller_new();
    if (!served || !peers || !events || !poller)
        perf_die("allocation");
    for (int i = 0; i < sockets; i++) {
        char endpoint[64];
        snprintf(endpoint, sizeof endpoint, "inproc://poller_lat-%d", i);
        served[i] = zmq_socket(ctx, served_type);
        peers[i] = zmq_socket(ctx, peer_type);
        if (!served[i] || !peers[i] || zmq_bind(served[i], endpoint) != 0
            || zmq_connect(peers[i], endpoint) != 0)
            perf_die("socket pair");
        if (zmq_poller_add(poller, served[i], NULL, ZMQ_POLLIN) != 0)
            perf_die("zmq_poller_add");
    }
    active_peer = peers[sockets / 2];

    pthread_t thread;
    if (pthread_create(&thread, NULL, client, NULL) != 0) {
        fprintf(stderr, "pthread_create failed\n");
        return 1;
    }
    double start = perf_now_us();
    for (int answered = 0; answered < roundtrip_count;) {
        int n = zmq_poller_wait_all(poller, events, sockets, -1);
        if (n < 0)
            perf_die("zmq_poller_wait_all");
        for (int k = 0; k < n; k++) {
            /* The message goes back as it came: a SERVER's reply needs the routing id
               the request brought. */
            zmq_msg_t msg;
            zmq_msg_init(&msg);
            if (zmq_msg_recv(&msg, events[k].socket, 0) != 1)
                perf_die("zmq_msg_recv (server)");
            if (zmq_msg_send(&msg, events[k].socket, 0) != 1)
                perf_die("zmq_msg_send (server)");
            answered++;
        }
    }
    double elapsed = perf_now_us() - start;
    pthread_join(thread, NULL);

    printf("sockets in the poller: %d (%s)\n", sockets, thread_safe ? "SERVER" : "PAIR");
    printf("roundtrip count: %d\n", roundtrip_count);
    printf("average latency: %.3f [us]\n", elapsed / (roundtrip_count * 2.0));

    zmq_poller_destroy(&poller);
    for (int i = 0; i < sockets; i++) {
        zmq_close(served[i]);
        zmq_close(peers[i]);
    }
    free(served);
    free(peers);
    free(events);
    zmq_ctx_term(ctx);
    return 0;
}
