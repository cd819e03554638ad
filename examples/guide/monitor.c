// Socket monitor: watches a REP server and a REQ client over tcp and prints every event.
// monitor [endpoint=tcp://127.0.0.1:*]
#include "zhelpers.h"

static const char *event_name(int event)
{
    switch (event) {
    case ZMQ_EVENT_CONNECTED: return "CONNECTED";
    case ZMQ_EVENT_CONNECT_DELAYED: return "CONNECT_DELAYED";
    case ZMQ_EVENT_CONNECT_RETRIED: return "CONNECT_RETRIED";
    case ZMQ_EVENT_LISTENING: return "LISTENING";
    case ZMQ_EVENT_BIND_FAILED: return "BIND_FAILED";
    case ZMQ_EVENT_ACCEPTED: return "ACCEPTED";
    case ZMQ_EVENT_ACCEPT_FAILED: return "ACCEPT_FAILED";
    case ZMQ_EVENT_CLOSED: return "CLOSED";
    case ZMQ_EVENT_CLOSE_FAILED: return "CLOSE_FAILED";
    case ZMQ_EVENT_DISCONNECTED: return "DISCONNECTED";
    case ZMQ_EVENT_MONITOR_STOPPED: return "MONITOR_STOPPED";
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: return "HANDSHAKE_FAILED_NO_DETAIL";
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: return "HANDSHAKE_SUCCEEDED";
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: return "HANDSHAKE_FAILED_PROTOCOL";
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: return "HANDSHAKE_FAILED_AUTH";
    default: return "?";
    }
}

/* Reads one event (two frames: 16-bit event + 32-bit value, then the endpoint).
   Returns the event, or -1 when none came within timeout_ms. */
static int read_event(void *monitor, const char *who, int timeout_ms)
{
    CHECK(zmq_setsockopt(monitor, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms));
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, monitor, 0) == -1) {
        REQUIRE(zmq_errno() == EAGAIN, "monitor recv: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    REQUIRE(zmq_msg_size(&msg) == 6 && zmq_msg_more(&msg), "event frame is not 6 bytes + more");
    const uint8_t *data = (const uint8_t *)zmq_msg_data(&msg);
    uint16_t event;
    uint32_t value;
    memcpy(&event, data, 2);
    memcpy(&value, data + 2, 4);
    zmq_msg_close(&msg);
    zmq_msg_init(&msg);
    CHECK(zmq_msg_recv(&msg, monitor, 0));
    REQUIRE(!zmq_msg_more(&msg), "event has more than two frames");
    printf("%s: %-20s value=%u endpoint=%.*s\n", who, event_name(event), (unsigned)value,
           (int)zmq_msg_size(&msg), (const char *)zmq_msg_data(&msg));
    zmq_msg_close(&msg);
    return event;
}

/* Reads events until `want` arrives, failing after 5 s. Returns the events seen (bitmask). */
static int expect_event(void *monitor, const char *who, int want)
{
    int seen = 0;
    while (1) {
        int event = read_event(monitor, who, 5000);
        REQUIRE(event != -1, "%s: no %s event within 5 s", who, event_name(want));
        seen |= event;
        if (event == want)
            return seen;
    }
}

int main(int argc, char **argv)
{
    void *context = zmq_ctx_new();
    void *server = zmq_socket(context, ZMQ_REP);
    void *client = zmq_socket(context, ZMQ_REQ);
    CHECK(zmq_socket_monitor(server, "inproc://monitor-server", ZMQ_EVENT_ALL));
    CHECK(zmq_socket_monitor(client, "inproc://monitor-client", ZMQ_EVENT_ALL));
    void *server_mon = zmq_socket(context, ZMQ_PAIR);
    void *client_mon = zmq_socket(context, ZMQ_PAIR);
    CHECK(zmq_connect(server_mon, "inproc://monitor-server"));
    CHECK(zmq_connect(client_mon, "inproc://monitor-client"));

    CHECK(zmq_bind(server, arg_or(argc, argv, 1, "tcp://127.0.0.1:*")));
    char endpoint[256];
    size_t size = sizeof endpoint;
    CHECK(zmq_getsockopt(server, ZMQ_LAST_ENDPOINT, endpoint, &size));
    CHECK(zmq_connect(client, endpoint));

    CHECK(s_send(client, "Hello"));
    free(s_recv(server));
    CHECK(s_send(server, "World"));
    free(s_recv(client));

    expect_event(server_mon, "server", ZMQ_EVENT_LISTENING);
    expect_event(server_mon, "server", ZMQ_EVENT_ACCEPTED);
    expect_event(server_mon, "server", ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    expect_event(client_mon, "client", ZMQ_EVENT_CONNECTED);
    expect_event(client_mon, "client", ZMQ_EVENT_HANDSHAKE_SUCCEEDED);

    zmq_close(client);
    expect_event(client_mon, "client", ZMQ_EVENT_MONITOR_STOPPED);
    expect_event(server_mon, "server", ZMQ_EVENT_DISCONNECTED);
    zmq_close(server);
    int seen = expect_event(server_mon, "server", ZMQ_EVENT_MONITOR_STOPPED);
    REQUIRE(seen & ZMQ_EVENT_CLOSED, "server: no CLOSED before MONITOR_STOPPED");
    printf("monitor: all expected events seen\n");
    zmq_close(server_mon);
    zmq_close(client_mon);
    zmq_ctx_destroy(context);
    return 0;
}
