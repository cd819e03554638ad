// Request-reply broker: ROUTER frontend, DEALER backend, shuttled with zmq_poll.
// rrbroker [frontend=tcp://*:5559] [backend=tcp://*:5560] [replies=0 = forever]
#include "zhelpers.h"

/* Moves one whole multipart message from one socket to the other. */
static void forward(void *from, void *to)
{
    while (1) {
        zmq_msg_t message;
        zmq_msg_init(&message);
        CHECK(zmq_msg_recv(&message, from, 0));
        int more = zmq_msg_more(&message);
        CHECK(zmq_msg_send(&message, to, more ? ZMQ_SNDMORE : 0));
        if (!more)
            break;
    }
}

int main(int argc, char **argv)
{
    int replies = atoi(arg_or(argc, argv, 3, "0"));
    void *context = zmq_ctx_new();
    void *frontend = zmq_socket(context, ZMQ_ROUTER);
    void *backend = zmq_socket(context, ZMQ_DEALER);
    CHECK(zmq_bind(frontend, arg_or(argc, argv, 1, "tcp://*:5559")));
    CHECK(zmq_bind(backend, arg_or(argc, argv, 2, "tcp://*:5560")));

    zmq_pollitem_t items[] = {
        {frontend, 0, ZMQ_POLLIN, 0},
        {backend, 0, ZMQ_POLLIN, 0},
    };
    int requests = 0, answered = 0;
    while (replies == 0 || answered < replies) {
        CHECK(zmq_poll(items, 2, -1));
        if (items[0].revents & ZMQ_POLLIN) {
            forward(frontend, backend);
            requests++;
        }
        if (items[1].revents & ZMQ_POLLIN) {
            forward(backend, frontend);
            answered++;
        }
    }
    printf("broker: %d requests, %d replies\n", requests, answered);
    zmq_close(frontend);
    zmq_close(backend);
    zmq_ctx_destroy(context);
    return 0;
}
