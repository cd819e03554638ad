/* Thread-safe sockets in the draft poller, as libzmq 4.3.5 (socket_poller.cpp): a
 * poller holding a SERVER and a CLIENT waits on them through its own signaler, and
 * zmq_poller_fd returns that signaler's descriptor once a thread-safe socket has been
 * added (EINVAL before, and still valid after it is removed: libzmq keeps it). The
 * descriptor becomes readable when a message reaches one of the sockets; a wait then
 * reports it.
 *
 * Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips this test; run it with
 *   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) cargo test --test c_api -- test_draft_poller_threadsafe
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

#include <poll.h>

static int fd_readable(zmq_fd_t fd, int timeout_ms) {
    struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
    int rc = poll(&p, 1, timeout_ms);
    CHECK(rc >= 0);
    return rc == 1 && (p.revents & POLLIN);
}

/* Waits (timeout 0) until nothing is ready. */
static void drain(void *poller) {
    zmq_poller_event_t ev;
    for (int i = 0; i < 100 && zmq_poller_wait(poller, &ev, 0) == 0; i++) {
    }
    CHECK_ERR(zmq_poller_wait(poller, &ev, 0), EAGAIN);
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *server = zmq_socket(ctx, ZMQ_SERVER);
    void *client = zmq_socket(ctx, ZMQ_CLIENT);
    void *pair = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(server && client && pair);
    CHECK_OK(zmq_bind(server, "inproc://draft-poller-ts"));
    CHECK_OK(zmq_connect(client, "inproc://draft-poller-ts"));

    void *poller = zmq_poller_new();
    CHECK(poller);
    zmq_fd_t fd = -1;
    /* Classic sockets only: no signaler. */
    CHECK_OK(zmq_poller_add(poller, pair, NULL, ZMQ_POLLIN));
    CHECK_ERR(zmq_poller_fd(poller, &fd), EINVAL);

    int server_tag = 1, client_tag = 2;
    CHECK_OK(zmq_poller_add(poller, server, &server_tag, ZMQ_POLLIN));
    CHECK_OK(zmq_poller_add(poller, client, &client_tag, ZMQ_POLLIN));
    CHECK_OK(zmq_poller_fd(poller, &fd));
    CHECK(fd >= 0);
    CHECK_EQ(zmq_poller_size(poller), 3);

    drain(poller);

    /* A message to the server: the descriptor becomes readable, a wait reports it. */
    tc_send_str(client, "hello", 0);
    CHECK(fd_readable(fd, 2000));
    zmq_poller_event_t ev;
    CHECK_OK(zmq_poller_wait(poller, &ev, 0));
    CHECK(ev.socket == server);
    CHECK(ev.user_data == &server_tag);
    CHECK_EQ(ev.events, ZMQ_POLLIN);

    zmq_msg_t msg;
    CHECK_OK(zmq_msg_init(&msg));
    CHECK_EQ(zmq_msg_recv(&msg, server, 0), 5);
    uint32_t routing_id = zmq_msg_routing_id(&msg);
    CHECK(routing_id != 0);
    CHECK_OK(zmq_msg_close(&msg));
    drain(poller);

    /* The reply, waited for with a timeout from the start (no message yet). */
    CHECK_OK(zmq_msg_init_size(&msg, 5));
    memcpy(zmq_msg_data(&msg), "world", 5);
    CHECK_OK(zmq_msg_set_routing_id(&msg, routing_id));
    CHECK_EQ(zmq_msg_send(&msg, server, 0), 5);
    CHECK_OK(zmq_poller_wait(poller, &ev, 2000));
    CHECK(ev.socket == client);
    CHECK(ev.user_data == &client_tag);
    CHECK_EQ(ev.events, ZMQ_POLLIN);
    tc_recv_str_eq(client, "world", 0);
    drain(poller);

    /* wait_all: both ready, in the order added. */
    tc_send_str(client, "a", 0);
    CHECK(fd_readable(fd, 2000));
    CHECK_OK(zmq_msg_init(&msg));
    /* Let the server see it before replying. */
    CHECK_OK(zmq_poller_wait(poller, &ev, 2000));
    CHECK(ev.socket == server);
    CHECK_EQ(zmq_msg_recv(&msg, server, 0), 1);
    CHECK_EQ(zmq_msg_send(&msg, server, 0), 1);
    tc_send_str(client, "b", 0);
    int64_t deadline = tc_now_ms() + 2000;
    zmq_poller_event_t evs[3];
    int n = 0;
    while (n < 2 && tc_now_ms() < deadline)
        n = zmq_poller_wait_all(poller, evs, 3, 100);
    CHECK_EQ(n, 2);
    CHECK(evs[0].socket == server);
    CHECK(evs[1].socket == client);

    /* The signaler stays after its sockets go. */
    CHECK_OK(zmq_poller_remove(poller, server));
    CHECK_OK(zmq_poller_remove(poller, client));
    zmq_fd_t again = -1;
    CHECK_OK(zmq_poller_fd(poller, &again));
    CHECK_EQ(again, fd);

    CHECK_OK(zmq_poller_destroy(&poller));
    CHECK_OK(zmq_close(server));
    CHECK_OK(zmq_close(client));
    CHECK_OK(zmq_close(pair));
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
