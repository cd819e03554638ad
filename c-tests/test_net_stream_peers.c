/* STREAM sockets, as libzmq 4.3.5 behaves:
 * - the connect and disconnect notifications (empty messages) carry the connection's
 *   metadata (Peer-Address), as data messages do;
 * - after zmq_connect, ZMQ_ROUTING_ID reads back the routing id generated for the peer
 *   just connected (the id its messages and notifications carry); an id given with
 *   ZMQ_CONNECT_ROUTING_ID is used for the peer but does not change ZMQ_ROUTING_ID;
 * - two STREAM sockets talk to each other, one bound, one connected. */
#include "common.h"

#include "test_net_util.h"

/* Receives [id][body] and checks body; returns the id length, id in id_out. The body
 * (and id) message must carry a Peer-Address: 127.0.0.1 over tcp (any over ipc). */
static int ipc_mode = 0;
#define recv_with_address(s, id_out, id_cap, body)                                 \
    recv_with_address_at(__LINE__, s, id_out, id_cap, body)
static int recv_with_address_at(int line, void *s, char *id_out, size_t id_cap,
                                const char *body) {
    zmq_msg_t id, m;
    zmq_msg_init(&id);
    zmq_msg_init(&m);
    int idlen = zmq_msg_recv(&id, s, 0);
    if (idlen <= 0 || (size_t) idlen > id_cap)
        TC_FAIL("line %d: receiving \"%s\": %d, errno %d", line, body, idlen, zmq_errno());
    CHECK(zmq_msg_more(&id));
    memcpy(id_out, zmq_msg_data(&id), (size_t) idlen);
    int n = zmq_msg_recv(&m, s, 0);
    CHECK_EQ(n, strlen(body));
    CHECK(memcmp(zmq_msg_data(&m), body, (size_t) n) == 0);
    CHECK(!zmq_msg_more(&m));
    const char *pa = zmq_msg_gets(&m, "Peer-Address");
    if (pa == NULL || (!ipc_mode && strcmp(pa, "127.0.0.1") != 0))
        TC_FAIL("line %d: \"%s\" message: Peer-Address %s", line, body, pa ? pa : "missing");
    pa = zmq_msg_gets(&id, "Peer-Address");
    if (pa == NULL || (!ipc_mode && strcmp(pa, "127.0.0.1") != 0))
        TC_FAIL("line %d: id frame of \"%s\": Peer-Address %s", line, body,
                pa ? pa : "missing");
    zmq_msg_close(&id);
    zmq_msg_close(&m);
    return idlen;
}

static void notifications_carry_peer_address(void *ctx) {
    void *s = net_socket(ctx, ZMQ_STREAM);
    char ep[128];
    net_bind(s, "tcp://127.0.0.1:*", ep, sizeof ep);
    int fd = net_raw_connect(ep);
    char id[64], id2[64];
    int idlen = recv_with_address(s, id, sizeof id, "");
    CHECK_EQ(write(fd, "data", 4), 4);
    CHECK_EQ(recv_with_address(s, id2, sizeof id2, "data"), idlen);
    close(fd);
    CHECK_EQ(recv_with_address(s, id2, sizeof id2, ""), idlen);
    CHECK(memcmp(id, id2, (size_t) idlen) == 0);
    zmq_close(s);
}

static void routing_id_after_connect(void *ctx) {
    void *listener = net_socket(ctx, ZMQ_STREAM);
    char ep[128];
    net_bind(listener, "tcp://127.0.0.1:*", ep, sizeof ep);

    void *s = net_socket(ctx, ZMQ_STREAM);
    char rid[256];
    size_t l = sizeof rid;
    CHECK_OK(zmq_getsockopt(s, ZMQ_ROUTING_ID, rid, &l));
    CHECK_EQ(l, 0);
    CHECK_OK(zmq_connect(s, ep));
    l = sizeof rid;
    CHECK_OK(zmq_getsockopt(s, ZMQ_ROUTING_ID, rid, &l));
    CHECK_EQ(l, 5);
    CHECK_EQ(rid[0], 0);
    /* The connect notification names the same peer. */
    char id[64];
    int idlen = recv_with_address(s, id, sizeof id, "");
    CHECK_EQ(idlen, 5);
    CHECK(memcmp(id, rid, 5) == 0);

    /* A second connection gets the next id, and ROUTING_ID follows. */
    CHECK_OK(zmq_connect(s, ep));
    char rid2[256];
    l = sizeof rid2;
    CHECK_OK(zmq_getsockopt(s, ZMQ_ROUTING_ID, rid2, &l));
    CHECK_EQ(l, 5);
    CHECK(memcmp(rid, rid2, 5) != 0);
    idlen = recv_with_address(s, id, sizeof id, "");
    CHECK(memcmp(id, rid2, 5) == 0);

    /* CONNECT_ROUTING_ID names the peer but leaves ROUTING_ID alone. */
    CHECK_OK(zmq_setsockopt(s, ZMQ_CONNECT_ROUTING_ID, "peer-x", 6));
    CHECK_OK(zmq_connect(s, ep));
    char rid3[256];
    l = sizeof rid3;
    CHECK_OK(zmq_getsockopt(s, ZMQ_ROUTING_ID, rid3, &l));
    CHECK_EQ(l, 5);
    CHECK(memcmp(rid3, rid2, 5) == 0);
    idlen = recv_with_address(s, id, sizeof id, "");
    CHECK_EQ(idlen, 6);
    CHECK(memcmp(id, "peer-x", 6) == 0);

    zmq_close(s);
    zmq_close(listener);
}

/* The client sends at once, naming the peer by the id ZMQ_ROUTING_ID gave. */
static void two_stream_sockets_talk(void *ctx, int ipc) {
    ipc_mode = ipc;
    void *server = net_socket(ctx, ZMQ_STREAM);
    void *client = net_socket(ctx, ZMQ_STREAM);
    char ep[128];
    if (ipc) {
        char name[128];
        net_ipc_ep(name, sizeof name, "stream-peers");
        net_bind(server, name, ep, sizeof ep);
    } else {
        net_bind(server, "tcp://127.0.0.1:*", ep, sizeof ep);
    }
    CHECK_OK(zmq_connect(client, ep));
    char cid[256];
    size_t cidlen = sizeof cid;
    CHECK_OK(zmq_getsockopt(client, ZMQ_ROUTING_ID, cid, &cidlen));
    CHECK_EQ(cidlen, 5);
    CHECK_EQ(zmq_send(client, cid, cidlen, ZMQ_SNDMORE), (int) cidlen);
    tc_send_str(client, "ping", 0);

    char id[64], sid[64];
    int sidlen = recv_with_address(server, sid, sizeof sid, "");
    CHECK_EQ(recv_with_address(client, id, sizeof id, ""), (int) cidlen);
    CHECK(memcmp(id, cid, cidlen) == 0);
    CHECK_EQ(recv_with_address(server, id, sizeof id, "ping"), sidlen);
    CHECK(memcmp(id, sid, (size_t) sidlen) == 0);

    CHECK_EQ(zmq_send(server, sid, (size_t) sidlen, ZMQ_SNDMORE), sidlen);
    tc_send_str(server, "pong", 0);
    CHECK_EQ(recv_with_address(client, id, sizeof id, "pong"), (int) cidlen);
    CHECK(memcmp(id, cid, cidlen) == 0);

    /* The client closes the connection: the server is told. */
    CHECK_EQ(zmq_send(client, cid, cidlen, ZMQ_SNDMORE), (int) cidlen);
    CHECK_EQ(zmq_send(client, "", 0, 0), 0);
    /* (the client has to process its commands for the close to happen) */
    zmq_pollitem_t item = {server, 0, ZMQ_POLLIN, 0};
    for (int i = 0; i < 100 && item.revents == 0; i++) {
        (void) net_get_int(client, ZMQ_EVENTS);
        CHECK_OK(zmq_poll(&item, 1, 20));
    }
    CHECK_EQ(recv_with_address(server, id, sizeof id, ""), sidlen);
    CHECK(memcmp(id, sid, (size_t) sidlen) == 0);

    zmq_close(client);
    zmq_close(server);
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    notifications_carry_peer_address(ctx);
    routing_id_after_connect(ctx);
    two_stream_sockets_talk(ctx, 0);
    two_stream_sockets_talk(ctx, 1);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
