/* zmq_proxy with the same socket as frontend and backend (pyzmq's single-socket
 * device, e.g. devices.ThreadDevice(zmq.QUEUE, zmq.REP, -1)): libzmq echoes every
 * request back to the REQ; ours forwards nothing (the REQ times out with EAGAIN).
 *
 *   cc -I include -o /tmp/pss tests/bindings/pyzmq/repro/proxy_same_socket.c \
 *      -L target/release -lzmq -lpthread
 *   /tmp/pss                                         # Debian libzmq5: ok
 *   LD_LIBRARY_PATH=target/pyzmq/lib /tmp/pss        # ours: FAIL */
#include <zmq.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static void *run_proxy(void *rep) {
    int rc = zmq_proxy(rep, rep, NULL); /* returns -1/ETERM at zmq_ctx_term */
    fprintf(stderr, "zmq_proxy returned %d (%s)\n", rc, zmq_strerror(zmq_errno()));
    zmq_close(rep);
    return NULL;
}

int main(void) {
    void *ctx = zmq_ctx_new();
    void *rep = zmq_socket(ctx, ZMQ_REP);
    int linger = 0, timeout = 2000;
    zmq_setsockopt(rep, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(rep, "tcp://127.0.0.1:5599") != 0) { perror("bind"); return 2; }
    pthread_t t;
    pthread_create(&t, NULL, run_proxy, rep);
    void *req = zmq_socket(ctx, ZMQ_REQ);
    zmq_setsockopt(req, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(req, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_connect(req, "tcp://127.0.0.1:5599");
    zmq_send(req, "hello", 5, 0);
    char buf[16] = {0};
    int n = zmq_recv(req, buf, sizeof buf, 0);
    int ok = n == 5 && memcmp(buf, "hello", 5) == 0;
    printf("%s: zmq_recv returned %d (%s)\n", ok ? "ok" : "FAIL", n,
           n < 0 ? zmq_strerror(zmq_errno()) : buf);
    zmq_close(req);
    zmq_ctx_term(ctx); /* ends the proxy with ETERM */
    pthread_join(t, NULL);
    return ok ? 0 : 1;
}
