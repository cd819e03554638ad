/* zmq_proxy, zmq_proxy_steerable and zmq_device over inproc. */
#include "common.h"

#include <unistd.h>

struct proxy_args {
    void *ctx;
    int front_type, back_type, control_type;
    const char *front, *back, *control, *capture; /* capture: connect address */
    int use_device;
    /* results */
    int rc, err;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int ready;
};

static void *proxy_thread(void *arg) {
    struct proxy_args *p = arg;
    void *front = zmq_socket(p->ctx, p->front_type);
    void *back = zmq_socket(p->ctx, p->back_type);
    void *control = NULL, *capture = NULL;
    CHECK(front && back);
    CHECK_OK(zmq_bind(front, p->front));
    CHECK_OK(zmq_bind(back, p->back));
    if (p->control) {
        control = zmq_socket(p->ctx, p->control_type);
        CHECK(control);
        CHECK_OK(zmq_bind(control, p->control));
    }
    if (p->capture) {
        capture = zmq_socket(p->ctx, ZMQ_PUSH);
        CHECK(capture);
        CHECK_OK(zmq_connect(capture, p->capture));
    }
    pthread_mutex_lock(&p->mu);
    p->ready = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);

    if (p->use_device)
        p->rc = zmq_device(ZMQ_QUEUE, front, back);
    else if (control)
        p->rc = zmq_proxy_steerable(front, back, capture, control);
    else
        p->rc = zmq_proxy(front, back, capture);
    p->err = zmq_errno();

    /* (After ETERM even zmq_setsockopt fails, so LINGER could not be changed here.) */
    void *all[] = {front, back, control, capture};
    for (int i = 0; i < 4; i++)
        if (all[i])
            CHECK_OK(zmq_close(all[i]));
    return NULL;
}

static void start_proxy(struct proxy_args *p, pthread_t *t) {
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->ready = 0;
    p->rc = -2;
    CHECK_EQ(pthread_create(t, NULL, proxy_thread, p), 0);
    pthread_mutex_lock(&p->mu);
    while (!p->ready)
        pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

static void set_timeo(void *s, int ms) {
    CHECK_OK(zmq_setsockopt(s, ZMQ_RCVTIMEO, &ms, sizeof ms));
    CHECK_OK(zmq_setsockopt(s, ZMQ_SNDTIMEO, &ms, sizeof ms));
}

/* Receive one frame from the capture socket: check content (or length when
   expected == NULL) and the MORE flag. */
static void expect_frame(void *s, const char *expected, size_t len, int more) {
    zmq_msg_t m;
    CHECK_OK(zmq_msg_init(&m));
    int rc = zmq_msg_recv(&m, s, 0);
    if (rc < 0)
        TC_FAIL("capture: no frame (expected %zu bytes): %s", len, zmq_strerror(zmq_errno()));
    CHECK_EQ(zmq_msg_size(&m), len);
    if (expected)
        CHECK(memcmp(zmq_msg_data(&m), expected, len) == 0);
    CHECK_EQ(zmq_msg_more(&m), more);
    CHECK_OK(zmq_msg_close(&m));
}

static void req_rep_roundtrips(void *client, void *worker, int n) {
    for (int i = 0; i < n; i++) {
        tc_send_str(client, "hello", 0);
        tc_recv_str_eq(worker, "hello", 0);
        tc_send_str(worker, "world", 0);
        tc_recv_str_eq(client, "world", 0);
    }
}

static void test_proxy_with_capture(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *cap = zmq_socket(ctx, ZMQ_PULL);
    CHECK(cap);
    set_timeo(cap, 2000);
    CHECK_OK(zmq_bind(cap, "inproc://px-capture"));

    struct proxy_args p = {.ctx = ctx, .front_type = ZMQ_ROUTER, .back_type = ZMQ_DEALER,
                           .front = "inproc://px-front", .back = "inproc://px-back",
                           .capture = "inproc://px-capture"};
    pthread_t t;
    start_proxy(&p, &t);

    void *client = zmq_socket(ctx, ZMQ_REQ), *worker = zmq_socket(ctx, ZMQ_REP);
    CHECK(client && worker);
    set_timeo(client, 2000);
    set_timeo(worker, 2000);
    CHECK_OK(zmq_connect(client, "inproc://px-front"));
    CHECK_OK(zmq_connect(worker, "inproc://px-back"));
    req_rep_roundtrips(client, worker, 1);

    /* The capture socket saw every frame in both directions, with MORE flags:
       request = [routing id (5 bytes), "", "hello"], reply = [id, "", "world"]. */
    expect_frame(cap, NULL, 5, 1);
    expect_frame(cap, "", 0, 1);
    expect_frame(cap, "hello", 5, 0);
    expect_frame(cap, NULL, 5, 1);
    expect_frame(cap, "", 0, 1);
    expect_frame(cap, "world", 5, 0);

    req_rep_roundtrips(client, worker, 10);

    /* Terminating the context ends the proxy with ETERM; zmq_ctx_term returns once
       the proxy thread closed its sockets. */
    CHECK_OK(zmq_close(client));
    CHECK_OK(zmq_close(worker));
    CHECK_OK(zmq_close(cap));
    CHECK_OK(zmq_ctx_term(ctx));
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(p.rc, -1);
    CHECK_EQ(p.err, ETERM);
}

static void test_device_queue(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    struct proxy_args p = {.ctx = ctx, .front_type = ZMQ_ROUTER, .back_type = ZMQ_DEALER,
                           .front = "inproc://dev-front", .back = "inproc://dev-back",
                           .use_device = 1};
    pthread_t t;
    start_proxy(&p, &t);
    void *client = zmq_socket(ctx, ZMQ_REQ), *worker = zmq_socket(ctx, ZMQ_REP);
    set_timeo(client, 2000);
    set_timeo(worker, 2000);
    CHECK_OK(zmq_connect(client, "inproc://dev-front"));
    CHECK_OK(zmq_connect(worker, "inproc://dev-back"));
    req_rep_roundtrips(client, worker, 5);
    CHECK_OK(zmq_close(client));
    CHECK_OK(zmq_close(worker));
    /* zmq_ctx_shutdown also ends it. */
    CHECK_OK(zmq_ctx_shutdown(ctx));
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(p.rc, -1);
    CHECK_EQ(p.err, ETERM);
    CHECK_OK(zmq_ctx_term(ctx));
}

static uint64_t stats[8];

static void read_stats(void *control) {
    tc_send_str(control, "STATISTICS", 0);
    for (int i = 0; i < 8; i++) {
        zmq_msg_t m;
        CHECK_OK(zmq_msg_init(&m));
        CHECK_EQ(zmq_msg_recv(&m, control, 0), 8);
        memcpy(&stats[i], zmq_msg_data(&m), 8);
        CHECK_EQ(zmq_msg_more(&m), i < 7);
        CHECK_OK(zmq_msg_close(&m));
    }
}

static void check_stats(uint64_t fr_n, uint64_t fr_b, uint64_t fs_n, uint64_t fs_b,
                        uint64_t br_n, uint64_t br_b, uint64_t bs_n, uint64_t bs_b) {
    uint64_t want[8] = {fr_n, fr_b, fs_n, fs_b, br_n, br_b, bs_n, bs_b};
    for (int i = 0; i < 8; i++)
        if (stats[i] != want[i])
            TC_FAIL("STATISTICS frame %d: got %llu, expected %llu", i,
                    (unsigned long long) stats[i], (unsigned long long) want[i]);
}

/* Sends a command; a REP-type control socket must get one (empty) reply. */
static void command(void *control, const char *cmd, int rep) {
    tc_send_str(control, cmd, 0);
    if (rep) {
        char buf[8];
        CHECK_EQ(zmq_recv(control, buf, sizeof buf, 0), 0);
    }
}

static void test_steerable(int control_type) {
    int rep = control_type == ZMQ_REP;
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    struct proxy_args p = {.ctx = ctx, .front_type = ZMQ_PULL, .back_type = ZMQ_PUSH,
                           .control_type = control_type, .front = "inproc://st-front",
                           .back = "inproc://st-back", .control = "inproc://st-control"};
    pthread_t t;
    start_proxy(&p, &t);
    void *in = zmq_socket(ctx, ZMQ_PUSH), *out = zmq_socket(ctx, ZMQ_PULL);
    void *control = zmq_socket(ctx, rep ? ZMQ_REQ : ZMQ_PAIR);
    CHECK(in && out && control);
    set_timeo(in, 2000);
    set_timeo(out, 2000);
    set_timeo(control, 2000);
    CHECK_OK(zmq_connect(in, "inproc://st-front"));
    CHECK_OK(zmq_connect(out, "inproc://st-back"));
    CHECK_OK(zmq_connect(control, "inproc://st-control"));

    tc_send_str(in, "abc", 0);
    tc_recv_str_eq(out, "abc", 0);
    /* (frontend recv n/bytes, frontend sent n/bytes, backend recv, backend sent) */
    read_stats(control);
    check_stats(1, 3, 0, 0, 0, 0, 1, 3);

    /* PAUSE stops forwarding; RESUME delivers what queued up meanwhile. (This is
       the documented behaviour and what 4.3.4 does; 4.3.5 swapped the two, a defect
       we do not copy.) */
    command(control, "PAUSE", rep);
    tc_send_str(in, "during-pause", 0);
    int ms = 200;
    CHECK_OK(zmq_setsockopt(out, ZMQ_RCVTIMEO, &ms, sizeof ms));
    char buf[32];
    CHECK_ERR(zmq_recv(out, buf, sizeof buf, 0), EAGAIN);
    /* STATISTICS is still answered while paused. */
    read_stats(control);
    check_stats(1, 3, 0, 0, 0, 0, 1, 3);
    command(control, "RESUME", rep);
    ms = 2000;
    CHECK_OK(zmq_setsockopt(out, ZMQ_RCVTIMEO, &ms, sizeof ms));
    tc_recv_str_eq(out, "during-pause", 0);
    tc_send_str(in, "xy", 0);
    tc_recv_str_eq(out, "xy", 0);
    read_stats(control);
    check_stats(3, 17, 0, 0, 0, 0, 3, 17);

    /* Multipart messages are forwarded whole; 4.3.x counts a multipart message as
       ONE message (bytes summed over its frames). Later versions count frames. */
    tc_send_str(in, "p1", ZMQ_SNDMORE);
    tc_send_str(in, "p22", 0);
    tc_recv_str_eq(out, "p1", 0);
    int more = 0;
    size_t ml = sizeof more;
    CHECK_OK(zmq_getsockopt(out, ZMQ_RCVMORE, &more, &ml));
    CHECK_EQ(more, 1);
    tc_recv_str_eq(out, "p22", 0);
    read_stats(control);
    check_stats(4, 22, 0, 0, 0, 0, 4, 22);

    /* libzmq 4.3.4 aborts the process on an unknown command ("E: invalid command
       sent to proxy" + assert); later versions ignore it. We ignore it. */
    if (!tc_system_mode()) {
        command(control, "HELLO", rep);
        command(control, "PAUSED", rep);
        tc_send_str(in, "still-active", 0);
        tc_recv_str_eq(out, "still-active", 0);
    }

    /* TERMINATE makes zmq_proxy_steerable return 0. */
    command(control, "TERMINATE", rep);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(p.rc, 0);

    CHECK_OK(zmq_close(in));
    CHECK_OK(zmq_close(out));
    CHECK_OK(zmq_close(control));
    CHECK_OK(zmq_ctx_term(ctx));
}

static void test_steerable_eterm(void) {
    void *ctx = zmq_ctx_new();
    struct proxy_args p = {.ctx = ctx, .front_type = ZMQ_PULL, .back_type = ZMQ_PUSH,
                           .control_type = ZMQ_PAIR, .front = "inproc://ste-front",
                           .back = "inproc://ste-back", .control = "inproc://ste-control"};
    pthread_t t;
    start_proxy(&p, &t);
    CHECK_OK(zmq_ctx_term(ctx));
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(p.rc, -1);
    CHECK_EQ(p.err, ETERM);
}

static void *same_socket_proxy(void *rep) {
    int rc = zmq_proxy(rep, rep, NULL);
    CHECK_EQ(rc, -1);
    CHECK_EQ(zmq_errno(), ETERM);
    CHECK_OK(zmq_close(rep));
    return NULL;
}

/* zmq_proxy(s, s, NULL): one REP as frontend and backend echoes every request. */
static void test_single_socket_echo(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *rep = zmq_socket(ctx, ZMQ_REP);
    CHECK_OK(zmq_bind(rep, "inproc://same-socket"));
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, same_socket_proxy, rep), 0);
    void *req = zmq_socket(ctx, ZMQ_REQ);
    int ms = 2000;
    CHECK_OK(zmq_setsockopt(req, ZMQ_RCVTIMEO, &ms, sizeof ms));
    CHECK_OK(zmq_connect(req, "inproc://same-socket"));
    for (int i = 0; i < 3; i++) {
        tc_send_str(req, "echo", 0);
        tc_recv_str_eq(req, "echo", 0);
    }
    CHECK_OK(zmq_close(req));
    CHECK_OK(zmq_ctx_term(ctx));
    CHECK_EQ(pthread_join(t, NULL), 0);
}

int main(void) {
    alarm(30);
    test_single_socket_echo();
    test_proxy_with_capture();
    test_device_queue();
    test_steerable(ZMQ_PAIR);
    /* libzmq 4.3.4 never replies to PAUSE/RESUME/TERMINATE, so a REP control socket
       is wedged after the first of them (fixed upstream in 058ad60b: REP gets an empty
       reply). We implement the fixed behaviour. */
    if (!tc_system_mode())
        test_steerable(ZMQ_REP);
    test_steerable_eterm();
    return 0;
}
