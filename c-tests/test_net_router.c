// ROUTER/STREAM behaviours and connection properties over tcp and ipc, pinned against
// libzmq 4.3.4:
// - ZMQ_ROUTING_ID set on a DEALER is the identity frame a ROUTER sees; without it the
//   ROUTER makes a 5-byte id starting with 0; messages carry Socket-Type and
//   Peer-Address ("127.0.0.1" on tcp; on ipc the peer's credentials, "host:uid:gid:pid")
//   through zmq_msg_gets;
// - ZMQ_ROUTER_HANDOVER: a second peer with a taken id takes the id over (replies go to
//   it); without handover the newcomer is ignored and the first peer keeps the id;
// - ZMQ_PROBE_ROUTER: a connecting DEALER/ROUTER announces itself with an empty message;
// - ZMQ_STREAM with a raw client: [id][""] on connect, [id][data] for data, sending
//   [id][data] writes raw bytes, [id][""] closes the connection, and a client close is
//   reported as [id][""]; with ZMQ_STREAM_NOTIFY 0 neither notification is sent;
// - ZMQ_HEARTBEAT_IVL/TTL/TIMEOUT: the socket PINGs (TTL in deciseconds in the PING) and
//   drops a peer that completed the handshake but then stops answering (monitor
//   DISCONNECTED); a live peer stays connected.
#include "common.h"
#include "test_net_util.h"

static void make_ep(char *ep, size_t n, int ipc, const char *tag) {
    if (ipc)
        net_ipc_ep(ep, n, tag);
    else
        snprintf(ep, n, "tcp://127.0.0.1:*");
}

/* Receive [id][body]; copies the id (returns its length) and checks the body. */
static int recv_routed(void *router, char *id, size_t idsz, const char *body) {
    int n = zmq_recv(router, id, idsz, 0);
    CHECK(n > 0);
    CHECK(net_get_int(router, ZMQ_RCVMORE));
    tc_recv_str_eq(router, body, 0);
    return n;
}

static void test_routing_id(void *ctx, int ipc) {
    char ep[256], bound[256];
    make_ep(ep, sizeof ep, ipc, "rid");
    void *r = net_socket(ctx, ZMQ_ROUTER);
    net_bind(r, ep, bound, sizeof bound);
    void *d = net_socket(ctx, ZMQ_DEALER);
    CHECK_OK(zmq_setsockopt(d, ZMQ_ROUTING_ID, "dealer-1", 8));
    CHECK_OK(zmq_connect(d, bound));
    void *anon = net_socket(ctx, ZMQ_DEALER);
    CHECK_OK(zmq_connect(anon, bound));

    tc_send_str(d, "hi", 0);
    zmq_msg_t id, body;
    zmq_msg_init(&id);
    zmq_msg_init(&body);
    CHECK_EQ(zmq_msg_recv(&id, r, 0), 8);
    CHECK(memcmp(zmq_msg_data(&id), "dealer-1", 8) == 0);
    CHECK_EQ(zmq_msg_recv(&body, r, 0), 2);
    const char *st = zmq_msg_gets(&body, "Socket-Type");
    CHECK(st != NULL && strcmp(st, "DEALER") == 0);
    const char *pa = zmq_msg_gets(&body, "Peer-Address");
    CHECK(pa != NULL);
    if (ipc) {
        /* the peer's credentials: "<host>:<uid>:<gid>:<pid>" (host part as libzmq) */
        char cred[64];
        snprintf(cred, sizeof cred, ":%d:%d:%d", (int) getuid(), (int) getgid(),
                 (int) getpid());
        CHECK(strlen(pa) > strlen(cred));
        if (strcmp(pa + strlen(pa) - strlen(cred), cred) != 0)
            TC_FAIL("ipc Peer-Address \"%s\" does not end with \"%s\"", pa, cred);
    } else
        CHECK(strcmp(pa, "127.0.0.1") == 0);
    const char *rid = zmq_msg_gets(&body, "Identity");
    CHECK(rid != NULL && strcmp(rid, "dealer-1") == 0);
    errno = 0;
    CHECK(zmq_msg_gets(&body, "No-Such-Property") == NULL);
    CHECK_EQ(zmq_errno(), EINVAL);
    zmq_msg_close(&id);
    zmq_msg_close(&body);

    tc_send_str(anon, "anon", 0);
    char aid[256];
    CHECK_EQ(recv_routed(r, aid, sizeof aid, "anon"), 5);
    CHECK_EQ(aid[0], 0);

    /* replies route by id */
    CHECK_EQ(zmq_send(r, "dealer-1", 8, ZMQ_SNDMORE), 8);
    tc_send_str(r, "to-d", 0);
    tc_recv_str_eq(d, "to-d", 0);
    CHECK_EQ(zmq_send(r, aid, 5, ZMQ_SNDMORE), 5);
    tc_send_str(r, "to-anon", 0);
    tc_recv_str_eq(anon, "to-anon", 0);
    zmq_close(anon);
    zmq_close(d);
    zmq_close(r);
}

static void test_handover(void *ctx, int ipc, int handover) {
    char ep[256], bound[256];
    make_ep(ep, sizeof ep, ipc, "handover");
    void *r = net_socket(ctx, ZMQ_ROUTER);
    net_set_int(r, ZMQ_ROUTER_HANDOVER, handover);
    net_bind(r, ep, bound, sizeof bound);
    void *a = net_socket(ctx, ZMQ_DEALER);
    CHECK_OK(zmq_setsockopt(a, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK(zmq_connect(a, bound));
    tc_send_str(a, "from-a", 0);
    char id[16];
    CHECK_EQ(recv_routed(r, id, sizeof id, "from-a"), 1);

    void *b = net_socket(ctx, ZMQ_DEALER);
    CHECK_OK(zmq_setsockopt(b, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK(zmq_connect(b, bound));
    tc_send_str(b, "from-b", 0);
    if (handover) {
        CHECK_EQ(recv_routed(r, id, sizeof id, "from-b"), 1);
        CHECK_EQ(zmq_send(r, "X", 1, ZMQ_SNDMORE), 1);
        tc_send_str(r, "reply", 0);
        tc_recv_str_eq(b, "reply", 0);
        net_set_int(a, ZMQ_RCVTIMEO, 200);
        char buf[16];
        CHECK_ERR(zmq_recv(a, buf, sizeof buf, 0), EAGAIN);
    } else {
        net_set_int(r, ZMQ_RCVTIMEO, 300);
        CHECK_ERR(zmq_recv(r, id, sizeof id, 0), EAGAIN); /* b is ignored */
        CHECK_EQ(zmq_send(r, "X", 1, ZMQ_SNDMORE), 1);
        tc_send_str(r, "reply", 0);
        tc_recv_str_eq(a, "reply", 0);
        tc_send_str(a, "still-a", 0);
        net_set_int(r, ZMQ_RCVTIMEO, 2000);
        CHECK_EQ(recv_routed(r, id, sizeof id, "still-a"), 1);
    }
    zmq_close(b);
    zmq_close(a);
    zmq_close(r);
}

static void test_probe_router(void *ctx, int ipc) {
    char ep[256], bound[256];
    make_ep(ep, sizeof ep, ipc, "probe");
    void *r = net_socket(ctx, ZMQ_ROUTER);
    net_bind(r, ep, bound, sizeof bound);
    void *d = net_socket(ctx, ZMQ_DEALER);
    net_set_int(d, ZMQ_PROBE_ROUTER, 1);
    CHECK_OK(zmq_setsockopt(d, ZMQ_ROUTING_ID, "probe-d", 7));
    CHECK_OK(zmq_connect(d, bound));
    char id[32];
    CHECK_EQ(recv_routed(r, id, sizeof id, ""), 7);
    CHECK(memcmp(id, "probe-d", 7) == 0);
    /* a probing ROUTER too */
    void *r2 = net_socket(ctx, ZMQ_ROUTER);
    net_set_int(r2, ZMQ_PROBE_ROUTER, 1);
    CHECK_OK(zmq_setsockopt(r2, ZMQ_ROUTING_ID, "probe-r", 7));
    CHECK_OK(zmq_connect(r2, bound));
    CHECK_EQ(recv_routed(r, id, sizeof id, ""), 7);
    CHECK(memcmp(id, "probe-r", 7) == 0);
    /* the binder can now address the connector without having heard from it first */
    CHECK_EQ(zmq_send(r, "probe-d", 7, ZMQ_SNDMORE), 7);
    tc_send_str(r, "back", 0);
    tc_recv_str_eq(d, "back", 0);
    zmq_close(r2);
    zmq_close(d);
    zmq_close(r);
}

static void test_stream(void *ctx, int notify) {
    char ep[256];
    void *s = net_socket(ctx, ZMQ_STREAM);
    if (!notify)
        net_set_int(s, ZMQ_STREAM_NOTIFY, 0);
    net_bind(s, "tcp://127.0.0.1:*", ep, sizeof ep);
    int fd = net_raw_connect(ep);
    char id[256], buf[256];
    int idlen;
    if (notify) {
        idlen = recv_routed(s, id, sizeof id, "");
        CHECK_EQ(idlen, 5);
        CHECK_EQ(id[0], 0);
    }
    CHECK_EQ(write(fd, "hello", 5), 5);
    zmq_msg_t m;
    zmq_msg_init(&m);
    idlen = zmq_recv(s, id, sizeof id, 0);
    CHECK_EQ(idlen, 5);
    CHECK_EQ(zmq_msg_recv(&m, s, 0), 5);
    CHECK(memcmp(zmq_msg_data(&m), "hello", 5) == 0);
    const char *pa = zmq_msg_gets(&m, "Peer-Address");
    CHECK(pa != NULL && strcmp(pa, "127.0.0.1") == 0);
    zmq_msg_close(&m);

    CHECK_EQ(zmq_send(s, id, (size_t) idlen, ZMQ_SNDMORE), idlen);
    tc_send_str(s, "world", 0);
    CHECK_OK(net_raw_read_n(fd, buf, 5, 2000));
    CHECK(memcmp(buf, "world", 5) == 0);

    /* [id][""] closes the connection */
    CHECK_EQ(zmq_send(s, id, (size_t) idlen, ZMQ_SNDMORE), idlen);
    CHECK_EQ(zmq_send(s, "", 0, 0), 0);
    /* (the socket has to process its commands for the close to happen) */
    int closed = -1;
    for (int i = 0; i < 100 && closed < 0; i++) {
        (void) net_get_int(s, ZMQ_EVENTS);
        closed = net_raw_wait_closed(fd, 20);
    }
    CHECK(closed >= 0);
    close(fd);

    /* a client that closes: [id][""] (with notify) */
    fd = net_raw_connect(ep);
    if (notify)
        idlen = recv_routed(s, id, sizeof id, "");
    CHECK_EQ(write(fd, "x", 1), 1);
    idlen = recv_routed(s, id, sizeof id, "x");
    close(fd);
    if (notify) {
        char id2[256];
        CHECK_EQ(recv_routed(s, id2, sizeof id2, ""), idlen);
        CHECK(memcmp(id, id2, (size_t) idlen) == 0);
    } else {
        net_set_int(s, ZMQ_RCVTIMEO, 300);
        CHECK_ERR(zmq_recv(s, buf, sizeof buf, 0), EAGAIN);
    }
    zmq_close(s);
}

/* Read frames until a PING command; return its TTL (deciseconds). */
static int read_ping_ttl(int fd) {
    for (;;) {
        unsigned char hdr[2];
        CHECK_OK(net_raw_read_n(fd, hdr, 2, 2000));
        CHECK((hdr[0] & 0x02) == 0); /* short frames only here */
        unsigned char body[256];
        CHECK_OK(net_raw_read_n(fd, body, hdr[1], 2000));
        if ((hdr[0] & 0x04) && body[0] == 4 && memcmp(body + 1, "PING", 4) == 0) {
            CHECK(hdr[1] >= 7);
            return body[5] << 8 | body[6];
        }
    }
}

static void test_heartbeat(void *ctx, int ipc) {
    char ep[256], bound[256];
    make_ep(ep, sizeof ep, ipc, "hb");
    void *s = net_socket(ctx, ZMQ_DEALER);
    net_set_int(s, ZMQ_HEARTBEAT_IVL, 100);
    net_set_int(s, ZMQ_HEARTBEAT_TTL, 2000);
    net_set_int(s, ZMQ_HEARTBEAT_TIMEOUT, 300);
    CHECK_EQ(net_get_int(s, ZMQ_HEARTBEAT_IVL), 100);
    CHECK_EQ(net_get_int(s, ZMQ_HEARTBEAT_TTL), 2000);
    CHECK_EQ(net_get_int(s, ZMQ_HEARTBEAT_TIMEOUT), 300);
    net_bind(s, ep, bound, sizeof bound);
    void *m = net_monitor(ctx, s, ZMQ_EVENT_ALL);

    /* a live zmq peer stays connected through many heartbeat intervals */
    void *live = net_socket(ctx, ZMQ_DEALER);
    CHECK_OK(zmq_connect(live, bound));
    tc_send_str(live, "1", 0);
    tc_recv_str_eq(s, "1", 0);
    net_mon_expect(m, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 2000);

    /* a raw peer that completes the handshake, sees PINGs, then never answers */
    int fd = net_raw_connect_any(bound);
    int64_t t0 = tc_now_ms();
    net_zmtp_handshake(fd, "DEALER");
    CHECK_EQ(read_ping_ttl(fd), 20);
    int closed = net_raw_wait_closed(fd, 3000);
    int after = (int) (tc_now_ms() - t0);
    close(fd);
    if (closed < 0 || after < 250 || after > 2000)
        TC_FAIL("%s: silent peer dropped after %d ms (timeout 300)", bound, after);
    net_mon_expect(m, ZMQ_EVENT_DISCONNECTED, 2000);

    tc_send_str(live, "2", 0);
    tc_recv_str_eq(s, "2", 0);
    int v, e;
    int64_t dl = tc_now_ms() + 100;
    while (tc_now_ms() < dl && (e = net_mon_next(m, &v, NULL, 0, 50)) != -1)
        CHECK(e != ZMQ_EVENT_DISCONNECTED);
    net_mon_close(s, m);
    zmq_close(live);
    zmq_close(s);
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    for (int ipc = 0; ipc < 2; ipc++) {
        test_routing_id(ctx, ipc);
        test_handover(ctx, ipc, 1);
        test_handover(ctx, ipc, 0);
        test_probe_router(ctx, ipc);
        test_heartbeat(ctx, ipc);
    }
    test_stream(ctx, 1);
    test_stream(ctx, 0);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
