// Multithreaded relay: three steps in three threads signal each other over inproc PAIR
// sockets, then pass a stream of messages down the chain.
#include "zhelpers.h"

#include <pthread.h>

enum { MESSAGES = 1000 };

static void *step1(void *context)
{
    void *xmitter = zmq_socket(context, ZMQ_PAIR);
    CHECK(zmq_connect(xmitter, "inproc://step2"));
    printf("Step 1 ready, signaling step 2\n");
    CHECK(s_send(xmitter, "READY"));
    for (int n = 0; n < MESSAGES; n++) {
        char msg[16];
        snprintf(msg, sizeof msg, "m%d", n);
        CHECK(s_send(xmitter, msg));
    }
    zmq_close(xmitter);
    return NULL;
}

static void *step2(void *context)
{
    void *receiver = zmq_socket(context, ZMQ_PAIR);
    CHECK(zmq_bind(receiver, "inproc://step2"));
    pthread_t thread;
    pthread_create(&thread, NULL, step1, context);
    char *string = s_recv(receiver);
    REQUIRE(string && strcmp(string, "READY") == 0, "step 2 expected READY");
    free(string);

    void *xmitter = zmq_socket(context, ZMQ_PAIR);
    CHECK(zmq_connect(xmitter, "inproc://step3"));
    printf("Step 2 ready, signaling step 3\n");
    CHECK(s_send(xmitter, "READY"));
    for (int n = 0; n < MESSAGES; n++) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        CHECK(zmq_msg_recv(&msg, receiver, 0));
        CHECK(zmq_msg_send(&msg, xmitter, 0));
    }
    pthread_join(thread, NULL);
    zmq_close(receiver);
    zmq_close(xmitter);
    return NULL;
}

int main(void)
{
    void *context = zmq_ctx_new();
    void *receiver = zmq_socket(context, ZMQ_PAIR);
    CHECK(zmq_bind(receiver, "inproc://step3"));
    pthread_t thread;
    pthread_create(&thread, NULL, step2, context);

    char *string = s_recv(receiver);
    REQUIRE(string && strcmp(string, "READY") == 0, "step 3 expected READY");
    free(string);
    for (int n = 0; n < MESSAGES; n++) {
        char want[16];
        snprintf(want, sizeof want, "m%d", n);
        string = s_recv(receiver);
        REQUIRE(string && strcmp(string, want) == 0, "relayed message %d wrong", n);
        free(string);
    }
    pthread_join(thread, NULL);
    printf("Test successful! %d messages relayed through three threads\n", MESSAGES);
    zmq_close(receiver);
    zmq_ctx_destroy(context);
    return 0;
}
