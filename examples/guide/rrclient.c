// Request-reply client: REQ connected to a broker's frontend.
// rrclient [endpoint=tcp://localhost:5559] [requests=10]
#include "zhelpers.h"

int main(int argc, char **argv)
{
    int requests = atoi(arg_or(argc, argv, 2, "10"));
    void *context = zmq_ctx_new();
    void *requester = zmq_socket(context, ZMQ_REQ);
    CHECK(zmq_connect(requester, arg_or(argc, argv, 1, "tcp://localhost:5559")));
    int timeout = 10000;
    CHECK(zmq_setsockopt(requester, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    for (int n = 0; n < requests; n++) {
        char request[32], expected[48];
        snprintf(request, sizeof request, "Hello %d.%d", (int)getpid(), n);
        snprintf(expected, sizeof expected, "World for %s", request);
        CHECK(s_send(requester, request));
        char *string = s_recv(requester);
        REQUIRE(string, "no reply to request %d: %s", n, zmq_strerror(zmq_errno()));
        REQUIRE(strcmp(string, expected) == 0, "reply '%s' to '%s'", string, request);
        free(string);
    }
    printf("client %d: %d correct replies\n", (int)getpid(), requests);
    zmq_close(requester);
    zmq_ctx_destroy(context);
    return 0;
}
