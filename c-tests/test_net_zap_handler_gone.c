/* ZAP: a handler that reads a request and closes its socket without replying. The
 * server's handshake then waits (the client does not get through: no message passes,
 * no HANDSHAKE_SUCCEEDED); when the client gives up and closes, the server reports
 * HANDSHAKE_FAILED_NO_DETAIL with EPIPE (the connection closed mid-handshake), for NULL
 * (with a ZAP domain), PLAIN and CURVE alike, as libzmq 4.3.5 does. */
#include "common.h"

#include "test_net_util.h"

enum mech { MECH_NULL, MECH_PLAIN, MECH_CURVE };
static const char *mech_names[] = {"NULL", "PLAIN", "CURVE"};

struct handler_args {
    void *ctx;
};

/* Binds the ZAP endpoint, says "ready" on the control pair, reads one frame of the
 * first request, closes its socket without replying and says "gone". */
static void *rude_zap_handler(void *arg) {
    struct handler_args *a = arg;
    void *control = zmq_socket(a->ctx, ZMQ_PAIR);
    CHECK(control);
    CHECK_OK(zmq_connect(control, "inproc://handler-control"));
    void *handler = zmq_socket(a->ctx, ZMQ_REP);
    CHECK(handler);
    CHECK_OK(zmq_bind(handler, "inproc://zeromq.zap.01"));
    tc_send_str(control, "ready", 0);
    char version[16];
    int rc = zmq_recv(handler, version, sizeof version, 0);
    CHECK_EQ(rc, 3);
    CHECK(memcmp(version, "1.0", 3) == 0);
    CHECK_OK(zmq_unbind(handler, "inproc://zeromq.zap.01"));
    int zero = 0;
    CHECK_OK(zmq_setsockopt(handler, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK(zmq_close(handler));
    tc_send_str(control, "gone", 0);
    CHECK_OK(zmq_close(control));
    return NULL;
}

static void configure(enum mech m, void *server, void *client) {
    int one = 1;
    switch (m) {
    case MECH_NULL:
        CHECK_OK(zmq_setsockopt(server, ZMQ_ZAP_DOMAIN, "test", 4));
        break;
    case MECH_PLAIN:
        CHECK_OK(zmq_setsockopt(server, ZMQ_PLAIN_SERVER, &one, sizeof one));
        CHECK_OK(zmq_setsockopt(client, ZMQ_PLAIN_USERNAME, "admin", 5));
        CHECK_OK(zmq_setsockopt(client, ZMQ_PLAIN_PASSWORD, "secret", 6));
        break;
    case MECH_CURVE: {
        char server_public[41], server_secret[41], client_public[41], client_secret[41];
        CHECK_OK(zmq_curve_keypair(server_public, server_secret));
        CHECK_OK(zmq_curve_keypair(client_public, client_secret));
        CHECK_OK(zmq_setsockopt(server, ZMQ_CURVE_SERVER, &one, sizeof one));
        CHECK_OK(zmq_setsockopt(server, ZMQ_CURVE_SECRETKEY, server_secret, 41));
        CHECK_OK(zmq_setsockopt(client, ZMQ_CURVE_SERVERKEY, server_public, 41));
        CHECK_OK(zmq_setsockopt(client, ZMQ_CURVE_PUBLICKEY, client_public, 41));
        CHECK_OK(zmq_setsockopt(client, ZMQ_CURVE_SECRETKEY, client_secret, 41));
        break;
    }
    }
}

/* With `handshake_ivl` set, the server ends the stalled handshake itself (libzmq's
 * errno for that event is whatever its I/O thread saw last: only the event is checked). */
static void run(enum mech m, int handshake_ivl) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *control = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(control);
    CHECK_OK(zmq_bind(control, "inproc://handler-control"));
    struct handler_args args = {ctx};
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, rude_zap_handler, &args) == 0);
    tc_recv_str_eq(control, "ready", 0);

    void *server = net_socket(ctx, ZMQ_DEALER);
    void *client = net_socket(ctx, ZMQ_DEALER);
    configure(m, server, client);
    if (handshake_ivl)
        net_set_int(server, ZMQ_HANDSHAKE_IVL, handshake_ivl);
    void *mon = net_monitor(ctx, server,
                            ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                              ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                              ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    char ep[128];
    net_bind(server, "tcp://127.0.0.1:*", ep, sizeof ep);
    CHECK_OK(zmq_connect(client, ep));

    tc_recv_str_eq(control, "gone", 0);
    tc_send_str(client, "hello", ZMQ_DONTWAIT);
    net_set_int(server, ZMQ_RCVTIMEO, 500);
    char buf[16];
    CHECK_ERR(zmq_recv(server, buf, sizeof buf, 0), EAGAIN);
    int value = 0;
    int event;
    if (handshake_ivl) {
        event = net_mon_next(mon, &value, NULL, 0, 5000);
        if (event != ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
            TC_FAIL("%s: expected HANDSHAKE_FAILED_NO_DETAIL at HANDSHAKE_IVL, got 0x%x",
                    mech_names[m], event);
        CHECK_OK(zmq_close(client));
        goto done;
    }
    event = net_mon_next(mon, &value, NULL, 0, 0);
    if (event != -1)
        TC_FAIL("%s: the handshake ended (event 0x%x, value %d) while the handler was gone",
                mech_names[m], event, value);

    /* The client gives up: the stalled server handshake sees the connection close. */
    CHECK_OK(zmq_close(client));
    event = net_mon_next(mon, &value, NULL, 0, 5000);
    if (event != ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL || value != EPIPE)
        TC_FAIL("%s: expected HANDSHAKE_FAILED_NO_DETAIL/EPIPE, got event 0x%x value %d",
                mech_names[m], event, value);

done:
    CHECK(pthread_join(thread, NULL) == 0);
    net_mon_close(server, mon);
    CHECK_OK(zmq_close(server));
    CHECK_OK(zmq_close(control));
    CHECK_OK(zmq_ctx_term(ctx));
}

int main(void) {
    run(MECH_NULL, 0);
    run(MECH_PLAIN, 0);
    if (zmq_has("curve"))
        run(MECH_CURVE, 0);
    run(MECH_PLAIN, 600);
    return 0;
}
