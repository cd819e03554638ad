// Task worker with kill signalling: PULL tasks, PUSH results, SUB for "KILL", with
// zmq_poll over both. taskwork2 [vent=tcp://localhost:5557] [sink=tcp://localhost:5558]
// [control=tcp://localhost:5559]
#include "zhelpers.h"

int main(int argc, char **argv)
{
    void *context = zmq_ctx_new();
    void *receiver = zmq_socket(context, ZMQ_PULL);
    CHECK(zmq_connect(receiver, arg_or(argc, argv, 1, "tcp://localhost:5557")));
    void *sender = zmq_socket(context, ZMQ_PUSH);
    CHECK(zmq_connect(sender, arg_or(argc, argv, 2, "tcp://localhost:5558")));
    void *controller = zmq_socket(context, ZMQ_SUB);
    CHECK(zmq_connect(controller, arg_or(argc, argv, 3, "tcp://localhost:5559")));
    CHECK(zmq_setsockopt(controller, ZMQ_SUBSCRIBE, "", 0));

    zmq_pollitem_t items[] = {
        {receiver, 0, ZMQ_POLLIN, 0},
        {controller, 0, ZMQ_POLLIN, 0},
    };
    int done = 0;
    while (1) {
        CHECK(zmq_poll(items, 2, -1));
        if (items[0].revents & ZMQ_POLLIN) {
            char *string = s_recv(receiver);
            REQUIRE(string, "recv task: %s", zmq_strerror(zmq_errno()));
            s_sleep(atoi(string));
            free(string);
            CHECK(s_send(sender, ""));
            done++;
        }
        if (items[1].revents & ZMQ_POLLIN) {
            char *string = s_recv(controller);
            REQUIRE(string && strcmp(string, "KILL") == 0, "unexpected control message");
            free(string);
            break;
        }
    }
    printf("worker %d: %d tasks, killed by the sink\n", (int)getpid(), done);
    zmq_close(receiver);
    zmq_close(sender);
    zmq_close(controller);
    zmq_ctx_destroy(context);
    return 0;
}
