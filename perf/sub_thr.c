/* PUB fan-out and filtering, subscribing side:

     sub_thr <connect-to> <message-size> <message-count> <subscribers> <topics>

   Starts <subscribers> threads, each with its own SUB socket in one context, subscribed
   to <topics> topics (perf_topic 0..topics-1), or to everything when <topics> is 0,
   and connected to pub_thr at <connect-to>. Each receives what matches of the
   <message-count> messages pub_thr sends: all of them, or half with topics.

   The clock runs from the first message any subscriber receives to the last one the
   last subscriber receives. Prints the messages delivered per second to each
   subscriber ("mean throughput", as local_thr) and to all of them together ("total
   throughput").

   The SUBs send their subscriptions with ZMQ_SNDHWM 0: a SUB queues them to its
   outgoing pipe when it connects, and both libraries drop those beyond the HWM. */
#include "perf_common.h"
#include <pthread.h>
#include <string.h>

static const char *connect_to;
static void *ctx;
static int message_size;
static int topics;
static int expected; /* messages each subscriber receives */

struct subscriber {
    pthread_t thread;
    double first_us; /* when its first message arrived */
    double last_us;  /* when its last one did */
};

static void *subscriber(void *arg)
{
    struct subscriber *self = arg;
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    if (!sub)
        perf_die("zmq_socket");
    int unlimited = 0;
    if (zmq_setsockopt(sub, ZMQ_SNDHWM, &unlimited, sizeof unlimited) != 0)
        perf_die("ZMQ_SNDHWM");
    if (topics == 0) {
        if (zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0) != 0)
            perf_die("ZMQ_SUBSCRIBE");
    }
    for (int i = 0; i < topics; i++) {
        char topic[PERF_TOPIC_LEN];
        perf_topic((unsigned)i, topic);
        if (zmq_setsockopt(sub, ZMQ_SUBSCRIBE, topic, sizeof topic) != 0)
            perf_die("ZMQ_SUBSCRIBE");
    }
    if (zmq_connect(sub, connect_to) != 0)
        perf_die("zmq_connect");

    zmq_msg_t msg;
    if (zmq_msg_init(&msg) != 0)
        perf_die("zmq_msg_init");
    for (int i = 0; i < expected; i++) {
        if (zmq_msg_recv(&msg, sub, 0) < 0)
            perf_die("zmq_msg_recv");
        if (i == 0)
            self->first_us = perf_now_us();
        perf_check_size(&msg, message_size);
    }
    self->last_us = perf_now_us();
    zmq_msg_close(&msg);
    if (zmq_close(sub) != 0)
        perf_die("zmq_close");
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: sub_thr <connect-to> <message-size> <message-count> "
                        "<subscribers> <topics>\n");
        return 1;
    }
    connect_to = argv[1];
    message_size = perf_arg(argv[2], "message-size");
    int message_count = perf_arg(argv[3], "message-count");
    int subscribers = perf_arg(argv[4], "subscribers");
    topics = strcmp(argv[5], "0") == 0 ? 0 : perf_arg(argv[5], "topics");
    /* pub_thr's even-numbered messages match. */
    expected = topics > 0 ? (message_count + 1) / 2 : message_count;

    ctx = zmq_ctx_new();
    if (!ctx)
        perf_die("zmq_ctx_new");
    struct subscriber *subs = calloc((size_t)subscribers, sizeof *subs);
    if (!subs)
        return 1;
    for (int i = 0; i < subscribers; i++) {
        if (pthread_create(&subs[i].thread, NULL, subscriber, &subs[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 1;
        }
    }
    double first = 0, last = 0;
    for (int i = 0; i < subscribers; i++) {
        pthread_join(subs[i].thread, NULL);
        if (i == 0 || subs[i].first_us < first)
            first = subs[i].first_us;
        if (i == 0 || subs[i].last_us > last)
            last = subs[i].last_us;
    }
    double elapsed = last - first;
    if (elapsed <= 0)
        elapsed = 1;
    double per_subscriber = (double)expected * 1e6 / elapsed;
    printf("message size: %d [B]\n", message_size);
    printf("subscribers: %d\n", subscribers);
    printf("messages per subscriber: %d\n", expected);
    printf("mean throughput: %d [msg/s]\n", (int)per_subscriber);
    printf("total throughput: %d [msg/s]\n", (int)(per_subscriber * subscribers));
    fflush(stdout);
    free(subs);

    if (zmq_ctx_term(ctx) != 0)
        perf_die("zmq_ctx_term");
    return 0;
}
