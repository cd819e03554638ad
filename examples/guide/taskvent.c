// Task ventilator: binds PUSH, signals the sink that a batch starts, then sends tasks.
// taskvent [vent=tcp://*:5557] [sink=tcp://localhost:5558] [tasks=100]
#include "zhelpers.h"

int main(int argc, char **argv)
{
    int tasks = atoi(arg_or(argc, argv, 3, "100"));
    void *context = zmq_ctx_new();
    void *sender = zmq_socket(context, ZMQ_PUSH);
    CHECK(zmq_bind(sender, arg_or(argc, argv, 1, "tcp://*:5557")));
    void *sink = zmq_socket(context, ZMQ_PUSH);
    CHECK(zmq_connect(sink, arg_or(argc, argv, 2, "tcp://localhost:5558")));

    /* The guide waits for Enter here, until the workers are up; we give them time. */
    s_sleep(500);
    printf("Sending %d tasks to workers...\n", tasks);
    CHECK(s_send(sink, "0")); /* the batch starts */

    srandom((unsigned)time(NULL));
    int total_msec = 0;
    for (int n = 0; n < tasks; n++) {
        int workload = (int)(random() % 10) + 1;
        total_msec += workload;
        char string[10];
        snprintf(string, sizeof string, "%d", workload);
        CHECK(s_send(sender, string));
    }
    printf("Total expected cost: %d msec\n", total_msec);
    zmq_close(sink);
    zmq_close(sender);
    zmq_ctx_destroy(context); /* LINGER lets the tasks go out first */
    return 0;
}
