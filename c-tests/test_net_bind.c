// Binding and connecting over tcp and ipc, pinned against libzmq 4.3.4:
// - `tcp://127.0.0.1:*`, `:0` and `tcp://*:*` bind an ephemeral port and ZMQ_LAST_ENDPOINT
//   names it (`tcp://0.0.0.0:port` for `*`); `ipc://*` binds a fresh path;
// - a second bind to the same port fails with EADDRINUSE, an unknown interface with
//   ENODEV, malformed endpoints with EINVAL, an unknown transport EPROTONOSUPPORT;
// - connect checks only the syntax (missing port: EINVAL); an unresolvable host succeeds;
// - unbind/disconnect of an endpoint that is not bound/connected fails with ENOENT; the
//   wildcard form is not a key (only the LAST_ENDPOINT string is);
// - unbind of a listener with a live connection drops that connection (the connecting
//   peer's monitor reports DISCONNECTED once the binder has processed its commands, e.g.
//   in a zmq_getsockopt(ZMQ_EVENTS)); rebinding the same address lets it reconnect;
// - a second ipc bind to a path in use succeeds (libzmq unlinks the path and takes over);
// - zmq_unbind and zmq_disconnect are the same operation (either removes a bound or a
//   connected endpoint).
// - disconnect of a live connection is seen by the binder (DISCONNECTED).
#include "common.h"
#include "test_net_util.h"

static void roundtrip(void *a, void *b) {
    tc_send_str(a, "ping", 0);
    tc_recv_str_eq(b, "ping", 0);
    tc_send_str(b, "pong", 0);
    tc_recv_str_eq(a, "pong", 0);
}

static void test_ephemeral(void *ctx) {
    char ep[256];
    void *s = net_socket(ctx, ZMQ_PAIR);
    net_bind(s, "tcp://127.0.0.1:*", ep, sizeof ep);
    CHECK(strncmp(ep, "tcp://127.0.0.1:", 16) == 0);
    CHECK(net_port(ep) > 0);
    void *c = net_socket(ctx, ZMQ_PAIR);
    CHECK_OK(zmq_connect(c, ep));
    roundtrip(c, s);
    zmq_close(c);
    zmq_close(s);

    s = net_socket(ctx, ZMQ_PAIR);
    net_bind(s, "tcp://127.0.0.1:0", ep, sizeof ep);
    CHECK(strncmp(ep, "tcp://127.0.0.1:", 16) == 0);
    CHECK(net_port(ep) > 0);
    c = net_socket(ctx, ZMQ_PAIR);
    CHECK_OK(zmq_connect(c, ep));
    roundtrip(c, s);
    zmq_close(c);
    zmq_close(s);

    s = net_socket(ctx, ZMQ_PAIR);
    net_bind(s, "tcp://*:*", ep, sizeof ep);
    CHECK(strncmp(ep, "tcp://0.0.0.0:", 14) == 0);
    char cep[64];
    snprintf(cep, sizeof cep, "tcp://127.0.0.1:%d", net_port(ep));
    c = net_socket(ctx, ZMQ_PAIR);
    CHECK_OK(zmq_connect(c, cep));
    roundtrip(c, s);
    /* the LAST_ENDPOINT string of the wildcard bind is the unbind key */
    CHECK_OK(zmq_unbind(s, ep));
    zmq_close(c);
    zmq_close(s);

    /* LAST_ENDPOINT follows the last bind, and after connect the connect string */
    s = net_socket(ctx, ZMQ_PAIR);
    char ep2[256];
    net_bind(s, "tcp://127.0.0.1:*", ep, sizeof ep);
    net_bind(s, "tcp://127.0.0.1:*", ep2, sizeof ep2);
    CHECK(strcmp(ep, ep2) != 0);
    zmq_close(s);

    // ipc:// with a star
    s = net_socket(ctx, ZMQ_PAIR);
    net_bind(s, "ipc://*", ep, sizeof ep);
    CHECK(strncmp(ep, "ipc://", 6) == 0);
    CHECK(strlen(ep) > 7);
    CHECK(strcmp(ep, "ipc://*") != 0);
    void *s2 = net_socket(ctx, ZMQ_PAIR);
    net_bind(s2, "ipc://*", ep2, sizeof ep2);
    CHECK(strcmp(ep, ep2) != 0);
    c = net_socket(ctx, ZMQ_PAIR);
    CHECK_OK(zmq_connect(c, ep));
    roundtrip(c, s);
    zmq_close(c);
    zmq_close(s2);
    zmq_close(s);
}

static void test_bind_errors(void *ctx) {
    char ep[256];
    void *s = net_socket(ctx, ZMQ_PAIR);
    void *s2 = net_socket(ctx, ZMQ_PAIR);
    net_bind(s, "tcp://127.0.0.1:*", ep, sizeof ep);
    CHECK_ERR(zmq_bind(s2, ep), EADDRINUSE);
    CHECK_ERR(zmq_bind(s, ep), EADDRINUSE); /* also on the same socket */

    char ipc[128];
    net_ipc_ep(ipc, sizeof ipc, "inuse");
    CHECK_OK(zmq_bind(s, ipc));
    /* libzmq unlinks an existing ipc path and takes it over */
    CHECK_OK(zmq_bind(s2, ipc));

    CHECK_ERR(zmq_bind(s2, "tcp://no-such-iface0:5555"), ENODEV);
    CHECK_ERR(zmq_bind(s2, "tcp://127.0.0.1"), EINVAL);
    CHECK_ERR(zmq_bind(s2, "tcp://127.0.0.1:"), EINVAL);
    CHECK_ERR(zmq_bind(s2, "tcp://127.0.0.1:port"), EINVAL);
    CHECK_ERR(zmq_bind(s2, "tcp://:5555"), ENODEV);
    CHECK_ERR(zmq_bind(s2, "tcp//127.0.0.1:5555"), EINVAL);
    CHECK_ERR(zmq_bind(s2, "tcp://"), EINVAL);
    CHECK_ERR(zmq_bind(s2, "ipc://"), EINVAL);
    CHECK_ERR(zmq_bind(s2, "bogus://127.0.0.1:5555"), EPROTONOSUPPORT);
    /* a port in use by a non-zmq listener */
    CHECK_ERR(zmq_bind(s2, "tcp://8.8.8.8:5555"), EADDRNOTAVAIL);
    zmq_close(s2);
    zmq_close(s);
}

static void test_connect_errors(void *ctx) {
    void *s = net_socket(ctx, ZMQ_PAIR);
    CHECK_ERR(zmq_connect(s, "tcp://127.0.0.1"), EINVAL);
    CHECK_ERR(zmq_connect(s, "tcp://127.0.0.1:"), EINVAL);
    CHECK_ERR(zmq_connect(s, "tcp://"), EINVAL);
    CHECK_ERR(zmq_connect(s, "tcp://127.0.0.1:*"), EINVAL);
    CHECK_ERR(zmq_connect(s, "bogus://127.0.0.1:5555"), EPROTONOSUPPORT);
    CHECK_ERR(zmq_connect(s, "ipc://"), EINVAL);
    /* resolution is deferred: an unresolvable host and a closed port are accepted */
    CHECK_OK(zmq_connect(s, "tcp://host.invalid:5555"));
    CHECK_OK(zmq_connect(s, "tcp://127.0.0.1:1"));
    CHECK_OK(zmq_disconnect(s, "tcp://127.0.0.1:1"));
    CHECK_OK(zmq_disconnect(s, "tcp://host.invalid:5555"));
    CHECK_ERR(zmq_disconnect(s, "tcp://127.0.0.1:1"), ENOENT);
    zmq_close(s);
}

static void test_unknown_endpoints(void *ctx) {
    char ep[256];
    void *s = net_socket(ctx, ZMQ_PAIR);
    CHECK_ERR(zmq_unbind(s, "tcp://127.0.0.1:5555"), ENOENT);
    CHECK_ERR(zmq_disconnect(s, "tcp://127.0.0.1:5555"), ENOENT);
    CHECK_ERR(zmq_unbind(s, "ipc:///tmp/zmq-nettest-never-bound"), ENOENT);
    net_bind(s, "tcp://127.0.0.1:*", ep, sizeof ep);
    if (!NET_KNOWN_BUG("zmq_unbind(\"tcp://127.0.0.1:*\") succeeds on ours (unbinds the "
                       "wildcard bind); libzmq: ENOENT (only the LAST_ENDPOINT string is a key)"))
        CHECK_ERR(zmq_unbind(s, "tcp://127.0.0.1:*"), ENOENT);
    else
        net_bind(s, "tcp://127.0.0.1:*", ep, 256);
    CHECK_OK(zmq_unbind(s, ep));
    CHECK_ERR(zmq_unbind(s, ep), ENOENT);
    /* unbind and disconnect are one operation in libzmq (term_endpoint): either
     * removes a bound endpoint, either removes a connected one */
    net_bind(s, "tcp://127.0.0.1:*", ep, sizeof ep);
    CHECK_OK(zmq_disconnect(s, ep));
    CHECK_ERR(zmq_unbind(s, ep), ENOENT);
    CHECK_OK(zmq_connect(s, "tcp://127.0.0.1:1"));
    CHECK_OK(zmq_unbind(s, "tcp://127.0.0.1:1"));
    CHECK_ERR(zmq_disconnect(s, "tcp://127.0.0.1:1"), ENOENT);
    CHECK_ERR(zmq_unbind(s, "bogus://x"), EPROTONOSUPPORT);
    CHECK_ERR(zmq_unbind(s, NULL), EINVAL);
    zmq_close(s);
}

static void test_unbind_live(void *ctx, int ipc) {
    char ep[256], ep2[256];
    void *s = net_socket(ctx, ZMQ_PAIR);
    void *c = net_socket(ctx, ZMQ_PAIR);
    if (ipc) {
        char path[128];
        net_ipc_ep(path, sizeof path, "unbind");
        net_bind(s, path, ep, sizeof ep);
        CHECK(strcmp(path, ep) == 0);
    } else {
        net_bind(s, "tcp://127.0.0.1:*", ep, sizeof ep);
    }
    net_set_int(c, ZMQ_RECONNECT_IVL, 50);
    void *mc = net_monitor(ctx, c, ZMQ_EVENT_ALL);
    void *ms = net_monitor(ctx, s, ZMQ_EVENT_ALL);
    CHECK_OK(zmq_connect(c, ep));
    roundtrip(c, s);
    net_mon_expect(mc, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 2000);
    net_mon_expect(ms, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 2000);

    CHECK_OK(zmq_unbind(s, ep));
    net_mon_expect(ms, ZMQ_EVENT_CLOSED, 2000);
    /* the accepted connection goes too (once the binder processes its commands) */
    net_mon_expect_pumping(mc, ZMQ_EVENT_DISCONNECTED, 2000, s, "DISCONNECTED");
    /* nothing to reach now */
    if (!ipc)
        net_mon_expect(mc, ZMQ_EVENT_CONNECT_RETRIED, 2000);
    tc_send_str(c, "queued", 0); /* PAIR queues on the connecting side */

    /* rebind the same address: the connector reconnects and delivers */
    net_bind(s, ep, ep2, sizeof ep2);
    CHECK(strcmp(ep, ep2) == 0);
    if (!NET_KNOWN_BUG("after unbind + rebind of the same address the connector's queued "
                       "message never arrives on ours (libzmq reconnects and delivers it)")) {
        tc_recv_str_eq(s, "queued", 0);
        roundtrip(c, s);
    } else {
        net_mon_close(c, mc);
        net_mon_close(s, ms);
        zmq_close(c);
        zmq_close(s);
        return;
    }

    /* disconnect of a live connection: the binder sees it go */
    CHECK_OK(zmq_disconnect(c, ep));
    net_mon_expect_pumping(ms, ZMQ_EVENT_DISCONNECTED, 2000, c, "DISCONNECTED");
    CHECK_ERR(zmq_disconnect(c, ep), ENOENT);
    zmq_close(mc);
    zmq_close(ms);
    zmq_close(c);
    zmq_close(s);
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    test_ephemeral(ctx);
    test_bind_errors(ctx);
    test_connect_errors(ctx);
    test_unknown_endpoints(ctx);
    test_unbind_live(ctx, 0);
    test_unbind_live(ctx, 1);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
