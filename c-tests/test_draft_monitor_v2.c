/* zmq_socket_monitor_versioned, monitor v2 as libzmq 4.3.5 (4.3.4 is the same): frames
 * event (u64), value count (u64), the values (u64 each), local endpoint, remote
 * endpoint. LISTENING names the bound endpoint as local; a connection's events
 * (ACCEPTED/CONNECTED, HANDSHAKE_*, DISCONNECTED) its local tcp address and, as
 * remote, the peer's address (accepting side) or the endpoint connected to; over ipc
 * a connecting socket's own end, unnamed, is `ipc://` (both sides name it so). PAIR, PUB
 * and PUSH monitor sockets; v1 with
 * events beyond the first 16 is EINVAL, as is another monitor socket type.
 *
 * Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips this test; run it with
 *   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) cargo test --test c_api -- test_draft_monitor_v2
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

struct event {
    uint64_t event;
    uint64_t count;
    uint64_t values[4];
    char local[256];
    char remote[256];
};

static void recv_frame(void *mon, void *buf, size_t cap, size_t *len, int more_expected) {
    zmq_msg_t msg;
    CHECK_OK(zmq_msg_init(&msg));
    int n = zmq_msg_recv(&msg, mon, 0);
    CHECK(n >= 0);
    CHECK((size_t)n < cap);
    memcpy(buf, zmq_msg_data(&msg), (size_t)n);
    *len = (size_t)n;
    CHECK_EQ(zmq_msg_more(&msg), more_expected);
    CHECK_OK(zmq_msg_close(&msg));
}

/* Reads one v2 event (waiting up to 2 s). */
static int read_event(void *mon, struct event *ev) {
    int timeout = 2000;
    CHECK_OK(zmq_setsockopt(mon, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    zmq_msg_t msg;
    CHECK_OK(zmq_msg_init(&msg));
    if (zmq_msg_recv(&msg, mon, 0) < 0) {
        CHECK_OK(zmq_msg_close(&msg));
        return 0;
    }
    CHECK_EQ(zmq_msg_size(&msg), 8);
    CHECK(zmq_msg_more(&msg));
    memcpy(&ev->event, zmq_msg_data(&msg), 8);
    CHECK_OK(zmq_msg_close(&msg));
    size_t len;
    recv_frame(mon, &ev->count, 9, &len, 1);
    CHECK_EQ(len, 8);
    CHECK(ev->count <= 4);
    for (uint64_t i = 0; i < ev->count; i++) {
        recv_frame(mon, &ev->values[i], 9, &len, 1);
        CHECK_EQ(len, 8);
    }
    recv_frame(mon, ev->local, sizeof ev->local, &len, 1);
    ev->local[len] = 0;
    recv_frame(mon, ev->remote, sizeof ev->remote, &len, 0);
    ev->remote[len] = 0;
    return 1;
}

/* Reads events until `wanted`; fails if it does not come. */
static void expect_event(void *mon, uint64_t wanted, struct event *ev) {
    while (read_event(mon, ev)) {
        if (ev->event == wanted)
            return;
    }
    fprintf(stderr, "event 0x%llx did not come\n", (unsigned long long)wanted);
    CHECK(0);
}

static int starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Over ipc: the connecting end has no name, which libzmq prints as "ipc://". */
static void ipc_addresses(void *ctx) {
    void *server = zmq_socket(ctx, ZMQ_DEALER);
    void *client = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(server && client);
    CHECK_OK(zmq_socket_monitor_versioned(server, "inproc://mon-ipc-server", ZMQ_EVENT_ALL_V2, 2,
                                          ZMQ_PAIR));
    CHECK_OK(zmq_socket_monitor_versioned(client, "inproc://mon-ipc-client", ZMQ_EVENT_ALL_V2, 2,
                                          ZMQ_PAIR));
    void *mon_server = zmq_socket(ctx, ZMQ_PAIR);
    void *mon_client = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(mon_server && mon_client);
    CHECK_OK(zmq_connect(mon_server, "inproc://mon-ipc-server"));
    CHECK_OK(zmq_connect(mon_client, "inproc://mon-ipc-client"));

    CHECK_OK(zmq_bind(server, "ipc://*"));
    char endpoint[256];
    size_t endpoint_len = sizeof endpoint;
    CHECK_OK(zmq_getsockopt(server, ZMQ_LAST_ENDPOINT, endpoint, &endpoint_len));
    CHECK_OK(zmq_connect(client, endpoint));

    struct event ev;
    expect_event(mon_client, ZMQ_EVENT_CONNECTED, &ev);
    CHECK(strcmp(ev.local, "ipc://") == 0);
    CHECK(strcmp(ev.remote, endpoint) == 0);
    expect_event(mon_client, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &ev);
    CHECK(strcmp(ev.local, "ipc://") == 0);
    CHECK(strcmp(ev.remote, endpoint) == 0);
    expect_event(mon_server, ZMQ_EVENT_ACCEPTED, &ev);
    CHECK(strcmp(ev.local, endpoint) == 0);
    CHECK(strcmp(ev.remote, "ipc://") == 0);
    expect_event(mon_server, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &ev);
    CHECK(strcmp(ev.local, endpoint) == 0);
    CHECK(strcmp(ev.remote, "ipc://") == 0);

    int zero = 0;
    CHECK_OK(zmq_setsockopt(client, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK(zmq_setsockopt(server, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK(zmq_close(client));
    CHECK_OK(zmq_close(server));
    CHECK_OK(zmq_close(mon_server));
    CHECK_OK(zmq_close(mon_client));
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *server = zmq_socket(ctx, ZMQ_DEALER);
    void *client = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(server && client);

    /* Refusals. */
    CHECK_ERR(zmq_socket_monitor_versioned(server, "inproc://m", ZMQ_EVENT_ALL_V2, 1, ZMQ_PAIR),
              EINVAL);
    CHECK_ERR(zmq_socket_monitor(server, "inproc://m", -1), EINVAL);
    CHECK_ERR(zmq_socket_monitor_versioned(server, "inproc://m", ZMQ_EVENT_ALL, 2, ZMQ_DEALER),
              EINVAL);
    CHECK_ERR(zmq_socket_monitor_versioned(server, "tcp://127.0.0.1:0", ZMQ_EVENT_ALL, 2, ZMQ_PAIR),
              EPROTONOSUPPORT);

    /* The server's monitor: PAIR, v2. The client's: PUB, v2. */
    CHECK_OK(zmq_socket_monitor_versioned(server, "inproc://mon-server", ZMQ_EVENT_ALL_V2, 2,
                                          ZMQ_PAIR));
    CHECK_OK(zmq_socket_monitor_versioned(client, "inproc://mon-client", ZMQ_EVENT_ALL_V2, 2,
                                          ZMQ_PUB));
    void *mon_server = zmq_socket(ctx, ZMQ_PAIR);
    void *mon_client = zmq_socket(ctx, ZMQ_SUB);
    CHECK(mon_server && mon_client);
    CHECK_OK(zmq_connect(mon_server, "inproc://mon-server"));
    CHECK_OK(zmq_setsockopt(mon_client, ZMQ_SUBSCRIBE, "", 0));
    CHECK_OK(zmq_connect(mon_client, "inproc://mon-client"));
    tc_sleep_ms(50); /* the SUB's subscription reaches the PUB */

    CHECK_OK(zmq_bind(server, "tcp://127.0.0.1:*"));
    char endpoint[256];
    size_t endpoint_len = sizeof endpoint;
    CHECK_OK(zmq_getsockopt(server, ZMQ_LAST_ENDPOINT, endpoint, &endpoint_len));

    struct event ev;
    expect_event(mon_server, ZMQ_EVENT_LISTENING, &ev);
    CHECK_EQ(ev.count, 1);
    CHECK(strcmp(ev.local, endpoint) == 0);
    CHECK(strcmp(ev.remote, "") == 0);

    CHECK_OK(zmq_connect(client, endpoint));
    expect_event(mon_client, ZMQ_EVENT_CONNECTED, &ev);
    CHECK_EQ(ev.count, 1);
    CHECK(ev.values[0] > 0); /* the descriptor */
    /* The connection's local address, and the endpoint connected to. */
    CHECK(starts_with(ev.local, "tcp://127.0.0.1:"));
    CHECK(strcmp(ev.local, endpoint) != 0);
    CHECK(strcmp(ev.remote, endpoint) == 0);
    char client_address[256];
    strcpy(client_address, ev.local);
    expect_event(mon_client, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &ev);
    CHECK_EQ(ev.count, 1);
    CHECK_EQ(ev.values[0], 0);
    CHECK(strcmp(ev.local, client_address) == 0);
    CHECK(strcmp(ev.remote, endpoint) == 0);

    /* The accepted connection's two addresses. */
    expect_event(mon_server, ZMQ_EVENT_ACCEPTED, &ev);
    CHECK(strcmp(ev.local, endpoint) == 0);
    CHECK(strcmp(ev.remote, client_address) == 0);
    expect_event(mon_server, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &ev);
    CHECK(strcmp(ev.local, endpoint) == 0);
    CHECK(strcmp(ev.remote, client_address) == 0);

    /* The client goes: the server's connection reports DISCONNECTED with both ends. */
    CHECK_OK(zmq_close(client));
    expect_event(mon_server, ZMQ_EVENT_DISCONNECTED, &ev);
    CHECK_EQ(ev.count, 1);
    CHECK(strcmp(ev.local, endpoint) == 0);
    CHECK(strcmp(ev.remote, client_address) == 0);

    /* Stopping: MONITOR_STOPPED, one value 0, no endpoints. */
    CHECK_OK(zmq_socket_monitor_versioned(server, NULL, 0, 2, ZMQ_PAIR));
    expect_event(mon_server, ZMQ_EVENT_MONITOR_STOPPED, &ev);
    CHECK_EQ(ev.count, 1);
    CHECK_EQ(ev.values[0], 0);
    CHECK(strcmp(ev.local, "") == 0 && strcmp(ev.remote, "") == 0);

    CHECK_OK(zmq_close(server));
    CHECK_OK(zmq_close(mon_server));
    CHECK_OK(zmq_close(mon_client));
    ipc_addresses(ctx);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
