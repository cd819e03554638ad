/* Changing ZMQ_SNDHWM / ZMQ_RCVHWM after pipes exist: libzmq 4.3.5 re-applies both
 * HWMs to every pipe of the socket at once (socket_base update_pipe_options), and
 * tells each pipe's peer the new values (which it adds to what it was told about us at
 * connect time: libzmq's own arithmetic, pinned here by count). A pipe already full
 * stays blocked until its reader returns credit, as in libzmq. */
#include "common.h"

static void set_int(void *s, int opt, int v) {
    CHECK_OK(zmq_setsockopt(s, opt, &v, sizeof v));
}

/* Sends until EAGAIN; returns how many went. */
static int fill(void *s) {
    int n = 0;
    while (zmq_send(s, "m", 1, ZMQ_DONTWAIT) == 1)
        n++;
    CHECK_EQ(zmq_errno(), EAGAIN);
    return n;
}

static int drain(void *s) {
    int n = 0;
    char buf[4];
    while (zmq_recv(s, buf, sizeof buf, ZMQ_DONTWAIT) == 1)
        n++;
    CHECK_EQ(zmq_errno(), EAGAIN);
    return n;
}

enum order { PULL_BINDS, PUSH_BINDS, CONNECT_FIRST };

/* A PUSH with SNDHWM push_hwm and a PULL with RCVHWM pull_hwm, connected over inproc
 * in the given order. */
static void pair(void *ctx, enum order order, int push_hwm, int pull_hwm, void **push,
                 void **pull) {
    static int seq = 0;
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://hwm-change-%d", seq++);
    *push = zmq_socket(ctx, ZMQ_PUSH);
    *pull = zmq_socket(ctx, ZMQ_PULL);
    CHECK(*push && *pull);
    set_int(*push, ZMQ_LINGER, 0);
    set_int(*pull, ZMQ_LINGER, 0);
    set_int(*push, ZMQ_SNDHWM, push_hwm);
    set_int(*pull, ZMQ_RCVHWM, pull_hwm);
    switch (order) {
    case PULL_BINDS:
        CHECK_OK(zmq_bind(*pull, ep));
        CHECK_OK(zmq_connect(*push, ep));
        break;
    case PUSH_BINDS:
        CHECK_OK(zmq_bind(*push, ep));
        CHECK_OK(zmq_connect(*pull, ep));
        break;
    case CONNECT_FIRST:
        CHECK_OK(zmq_connect(*push, ep));
        CHECK_OK(zmq_bind(*pull, ep));
        break;
    }
}

/* Has both sockets process their pending commands (a bound socket attaches the pipe a
 * connecting peer made only then; setsockopt alone does not do it). */
static void settle(void *push, void *pull) {
    int events;
    size_t size = sizeof events;
    CHECK_OK(zmq_getsockopt(push, ZMQ_EVENTS, &events, &size));
    CHECK_OK(zmq_getsockopt(pull, ZMQ_EVENTS, &events, &size));
}

static void close_pair(void *push, void *pull) {
    CHECK_OK(zmq_close(push));
    CHECK_OK(zmq_close(pull));
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    void *push, *pull;

    for (int order = PULL_BINDS; order <= CONNECT_FIRST; order++) {
        /* Unchanged: SNDHWM + RCVHWM. */
        pair(ctx, order, 1, 1, &push, &pull);
        CHECK_EQ(fill(push), 2);
        close_pair(push, pull);

        /* Raising the sender's SNDHWM to 5 before sending: 5 + the reader's 1. */
        pair(ctx, order, 1, 1, &push, &pull);
        settle(push, pull);
        set_int(push, ZMQ_SNDHWM, 5);
        CHECK_EQ(fill(push), 6);
        CHECK_EQ(drain(pull), 6);
        close_pair(push, pull);

        /* Lowering works the same way. */
        pair(ctx, order, 10, 10, &push, &pull);
        settle(push, pull);
        set_int(push, ZMQ_SNDHWM, 2);
        CHECK_EQ(fill(push), 12);
        close_pair(push, pull);

        /* 0 means no limit. */
        pair(ctx, order, 1, 1, &push, &pull);
        settle(push, pull);
        set_int(push, ZMQ_SNDHWM, 0);
        int n = 0;
        while (n < 5000 && zmq_send(push, "m", 1, ZMQ_DONTWAIT) == 1)
            n++;
        CHECK_EQ(n, 5000);
        close_pair(push, pull);

        /* A full pipe stays blocked after the raise, until the reader makes room. */
        pair(ctx, order, 1, 1, &push, &pull);
        CHECK_EQ(fill(push), 2);
        settle(push, pull);
        set_int(push, ZMQ_SNDHWM, 5);
        CHECK_EQ(fill(push), 0);
        CHECK_EQ(drain(pull), 2);
        /* Credit returned (the reader's commands and then the writer's processed):
           the raised limit applies. */
        settle(push, pull);
        CHECK_EQ(fill(push), 6);
        close_pair(push, pull);

        /* The reader raising its RCVHWM to 5: the writer's limit becomes that plus
           the reader's RCVHWM at connect time (libzmq's arithmetic: the value
           announced is added to the boost the pipe was made with). */
        pair(ctx, order, 1, 1, &push, &pull);
        settle(push, pull);
        set_int(pull, ZMQ_RCVHWM, 5);
        CHECK_EQ(fill(push), 6);
        close_pair(push, pull);

        /* ... not the writer's SNDHWM 3 + 5 = 8. */
        pair(ctx, order, 3, 1, &push, &pull);
        settle(push, pull);
        set_int(pull, ZMQ_RCVHWM, 5);
        CHECK_EQ(fill(push), 6);
        close_pair(push, pull);

        /* A bound PUSH that has not processed its commands has no pipe yet: the
           change does not reach the pipe it attaches later. A connecting PUSH has its
           pipe from zmq_connect on, also when the bind comes later. */
        pair(ctx, order, 1, 1, &push, &pull);
        set_int(push, ZMQ_SNDHWM, 5);
        CHECK_EQ(fill(push), order == PUSH_BINDS ? 2 : 6);
        close_pair(push, pull);

        /* Both raise: the last announcement wins, 7 + the reader's 1 at connect. */
        pair(ctx, order, 1, 1, &push, &pull);
        settle(push, pull);
        set_int(push, ZMQ_SNDHWM, 5);
        set_int(pull, ZMQ_RCVHWM, 7);
        settle(push, pull);
        CHECK_EQ(fill(push), 8);
        close_pair(push, pull);

        /* Setting the same values again changes nothing. */
        pair(ctx, order, 1, 1, &push, &pull);
        settle(push, pull);
        set_int(push, ZMQ_SNDHWM, 1);
        set_int(pull, ZMQ_RCVHWM, 1);
        CHECK_EQ(fill(push), 2);
        close_pair(push, pull);
    }

    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
