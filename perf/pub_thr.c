/* PUB fan-out and filtering, publishing side:

     pub_thr <bind-to> <message-size> <message-count> <subscribers> <topics>

   Binds a publisher to <bind-to>, waits until all <subscribers> SUB sockets of sub_thr
   have subscribed (each to <topics> topics, or to everything when <topics> is 0), then
   sends <message-count> messages of <message-size> bytes. With topics, every other
   message starts with one of the subscribed topics (in turn) and the rest with a topic
   nobody subscribed to, so half the traffic matches.

   The publisher is an XPUB, which sends exactly as a PUB does but also reads the
   subscriptions (ZMQ_XPUB_VERBOSE: every one of them), so it can start once all have
   arrived instead of sleeping and hoping. ZMQ_XPUB_NODROP makes a full subscriber
   pipe hold the publisher back rather than drop messages, so every subscriber gets all
   it subscribed to and sub_thr can count them; the default HWMs bound the queues.

   Prints the rate at which it sent (all messages, matching or not). Like remote_thr it
   then waits up to a second, or until SIGUSR1 says sub_thr is done, before closing with
   the default (infinite) linger. */
#include "perf_common.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: pub_thr <bind-to> <message-size> <message-count> "
                        "<subscribers> <topics>\n");
        return 1;
    }
    const char *bind_to = argv[1];
    int message_size = perf_arg(argv[2], "message-size");
    int message_count = perf_arg(argv[3], "message-count");
    int subscribers = perf_arg(argv[4], "subscribers");
    int topics = strcmp(argv[5], "0") == 0 ? 0 : perf_arg(argv[5], "topics");
    if (topics > 0 && message_size < PERF_TOPIC_LEN) {
        fprintf(stderr, "with topics, messages must hold a %d-byte topic\n",
                PERF_TOPIC_LEN);
        return 1;
    }

    perf_block_done_signal();

    void *ctx = zmq_ctx_new();
    if (!ctx)
        perf_die("zmq_ctx_new");
    void *pub = zmq_socket(ctx, ZMQ_XPUB);
    if (!pub)
        perf_die("zmq_socket");
    int one = 1;
    if (zmq_setsockopt(pub, ZMQ_XPUB_VERBOSE, &one, sizeof one) != 0
        || zmq_setsockopt(pub, ZMQ_XPUB_NODROP, &one, sizeof one) != 0)
        perf_die("zmq_setsockopt");
    if (zmq_bind(pub, bind_to) != 0)
        perf_die("zmq_bind");

    long expected = (long)subscribers * (topics > 0 ? topics : 1);
    zmq_msg_t msg;
    if (zmq_msg_init(&msg) != 0)
        perf_die("zmq_msg_init");
    for (long i = 0; i < expected; i++) {
        if (zmq_msg_recv(&msg, pub, 0) < 0)
            perf_die("zmq_msg_recv");
        if (zmq_msg_size(&msg) < 1 || *(unsigned char *)zmq_msg_data(&msg) != 1) {
            fprintf(stderr, "expected a subscription\n");
            return 1;
        }
    }
    zmq_msg_close(&msg);

    double start = perf_now_us();
    for (int i = 0; i < message_count; i++) {
        if (zmq_msg_init_size(&msg, (size_t)message_size) != 0)
            perf_die("zmq_msg_init_size");
        char *data = zmq_msg_data(&msg);
        memset(data, 0, (size_t)message_size);
        if (topics > 0) {
            /* Even messages match topic (i/2 mod topics); odd ones carry a topic from
               the next `topics` numbers, which nobody subscribed to. */
            unsigned n = (unsigned)(i / 2 % topics);
            perf_topic(i % 2 == 0 ? n : (unsigned)topics + n, data);
        }
        if (zmq_msg_send(&msg, pub, 0) < 0)
            perf_die("zmq_msg_send");
    }
    double elapsed = perf_now_us() - start;
    if (elapsed <= 0)
        elapsed = 1;
    printf("send throughput: %d [msg/s]\n", (int)((double)message_count * 1e6 / elapsed));
    fflush(stdout);

    perf_wait_done_signal();
    if (zmq_close(pub) != 0)
        perf_die("zmq_close");
    if (zmq_ctx_term(ctx) != 0)
        perf_die("zmq_ctx_term");
    return 0;
}
