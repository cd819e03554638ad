// Task sink with kill signalling: PULL results, then PUB "KILL" to the workers.
// tasksink2 [sink=tcp://*:5558] [control=tcp://*:5559] [tasks=100]
#include "zhelpers.h"

int main(int argc, char **argv)
{
    int tasks = atoi(arg_or(argc, argv, 3, "100"));
    void *context = zmq_ctx_new();
    void *receiver = zmq_socket(context, ZMQ_PULL);
    CHECK(zmq_bind(receiver, arg_or(argc, argv, 1, "tcp://*:5558")));
    void *controller = zmq_socket(context, ZMQ_PUB);
    CHECK(zmq_bind(controller, arg_or(argc, argv, 2, "tcp://*:5559")));
    int timeout = 20000;
    CHECK(zmq_setsockopt(receiver, ZMQ_RCVTIMEO, &timeout, sizeof timeout));

    char *string = s_recv(receiver); /* the start of the batch */
    REQUIRE(string && strcmp(string, "0") == 0, "no batch start");
    free(string);
    int64_t start = s_clock();
    for (int n = 0; n < tasks; n++) {
        string = s_recv(receiver);
        REQUIRE(string, "result %d missing: %s", n, zmq_strerror(zmq_errno()));
        free(string);
        printf((n % 10 == 9) ? ":" : ".");
        fflush(stdout);
    }
    printf("\nTotal elapsed time: %d msec for %d tasks\n", (int)(s_clock() - start), tasks);
    CHECK(s_send(controller, "KILL"));
    zmq_close(receiver);
    zmq_close(controller);
    zmq_ctx_destroy(context);
    return 0;
}
