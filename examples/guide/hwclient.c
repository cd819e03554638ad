// Hello World client: connects REQ, sends "Hello" and waits for "World".
// hwclient [endpoint=tcp://localhost:5555] [requests=10]
#include "zhelpers.h"

int main(int argc, char **argv)
{
    const char *endpoint = arg_or(argc, argv, 1, "tcp://localhost:5555");
    int requests = atoi(arg_or(argc, argv, 2, "10"));
    printf("Connecting to hello world server at %s\n", endpoint);
    void *context = zmq_ctx_new();
    void *requester = zmq_socket(context, ZMQ_REQ);
    CHECK(zmq_connect(requester, endpoint));
    for (int n = 0; n < requests; n++) {
        char buffer[10];
        printf("Sending Hello %d...\n", n);
        CHECK(zmq_send(requester, "Hello", 5, 0));
        int size = zmq_recv(requester, buffer, 10, 0);
        CHECK(size);
        REQUIRE(size == 5 && memcmp(buffer, "World", 5) == 0, "reply %d is not World", n);
        printf("Received World %d\n", n);
    }
    zmq_close(requester);
    zmq_ctx_destroy(context);
    return 0;
}
