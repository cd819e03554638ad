/* A connecting STREAM (STREAM_NOTIFY on, the default) whose connection is lost gets an
 * empty message under the peer's id, then reconnects and gets another when the new
 * connection is made (libzmq's raw engine pushes one at each end of a connection,
 * whichever side made it). Same for a connecting DGRAM (draft) in
 * test_draft_dgram_stream.c. */
#include "common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* An [id][""] notice; returns the id's length (copied to `id`). */
static int recv_notice(void *s, char *id) {
    int n = zmq_recv(s, id, 256, 0);
    CHECK(n > 0);
    char buf[16];
    CHECK_EQ(zmq_recv(s, buf, sizeof buf, 0), 0);
    return n;
}

int main(void) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(listener >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK_OK(bind(listener, (struct sockaddr *) &a, sizeof a));
    socklen_t alen = sizeof a;
    CHECK_OK(getsockname(listener, (struct sockaddr *) &a, &alen));
    CHECK_OK(listen(listener, 4));
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", ntohs(a.sin_port));

    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *stream = zmq_socket(ctx, ZMQ_STREAM);
    CHECK(stream);
    int timeout = 2000, ivl = 20;
    CHECK_OK(zmq_setsockopt(stream, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_setsockopt(stream, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl));
    CHECK_OK(zmq_connect(stream, ep));
    int peer = accept(listener, NULL, NULL);
    CHECK(peer >= 0);
    char id[256];
    recv_notice(stream, id); /* connected */
    close(peer);
    recv_notice(stream, id); /* lost */
    peer = accept(listener, NULL, NULL);
    CHECK(peer >= 0);
    recv_notice(stream, id); /* connected again */
    CHECK_EQ(write(peer, "hi", 2), 2);
    char buf[16];
    CHECK(zmq_recv(stream, buf, sizeof buf, 0) > 0);
    CHECK_EQ(zmq_recv(stream, buf, sizeof buf, 0), 2);
    close(peer);
    close(listener);
    int linger = 0;
    CHECK_OK(zmq_setsockopt(stream, ZMQ_LINGER, &linger, sizeof linger));
    CHECK_OK(zmq_close(stream));
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
