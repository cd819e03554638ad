// Hello World server: binds REP, answers "World" to each "Hello".
// hwserver [endpoint=tcp://*:5555] [requests=10, 0 = forever]
#include "zhelpers.h"

int main(int argc, char **argv)
{
    const char *endpoint = arg_or(argc, argv, 1, "tcp://*:5555");
    int requests = atoi(arg_or(argc, argv, 2, "10"));
    void *context = zmq_ctx_new();
    void *responder = zmq_socket(context, ZMQ_REP);
    CHECK(zmq_bind(responder, endpoint));
    for (int n = 0; requests == 0 || n < requests; n++) {
        char buffer[10];
        int size = zmq_recv(responder, buffer, 10, 0);
        CHECK(size);
        REQUIRE(size == 5 && memcmp(buffer, "Hello", 5) == 0, "request %d is not Hello", n);
        printf("Received Hello %d\n", n);
        CHECK(zmq_send(responder, "World", 5, 0));
    }
    zmq_close(responder);
    zmq_ctx_destroy(context);
    return 0;
}
