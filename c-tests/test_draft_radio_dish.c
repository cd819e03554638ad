/* RADIO and DISH (draft): zmq_join/zmq_leave and their errno (ENOTSUP on other types,
 * EINVAL for a group above 255 bytes, joining twice, leaving what was not joined), who
 * may send and receive, RADIO's ZMQ_XPUB_NODROP, DISH's linger of 0, and group
 * filtering over inproc, tcp and ipc with either side binding (ZMTP carries joins as
 * JOIN/LEAVE commands and each message as a group frame then a body frame).
 * Needs a libzmq with the draft API (ZMQ_C_TESTS_LIBDIR in system mode). */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"
#include "test_net_util.h"
#include "test_radio_dish_util.h"

/* Sends to `group` until the DISH has it: the join has reached the RADIO. */
static void await_join(void *radio, void *dish, const char *group) {
    int64_t give_up = tc_now_ms() + 5000;
    net_set_int(dish, ZMQ_RCVTIMEO, 20);
    for (;;) {
        radio_send(radio, group, "probe");
        zmq_msg_t m;
        CHECK_OK(zmq_msg_init(&m));
        int n = zmq_msg_recv(&m, dish, 0);
        if (n >= 0) {
            CHECK(strcmp(zmq_msg_group(&m), group) == 0);
            CHECK_OK(zmq_msg_close(&m));
            break;
        }
        CHECK_EQ(zmq_errno(), EAGAIN);
        CHECK_OK(zmq_msg_close(&m));
        if (tc_now_ms() > give_up)
            TC_FAIL("the join of %s never reached the RADIO", group);
    }
    /* Probes sent before the first one arrived may follow (dish_recv skips them). */
    net_set_int(dish, ZMQ_RCVTIMEO, 5000);
}

static void endpoint_for(const char *transport, char *want, size_t sz) {
    static int seq = 0;
    if (strcmp(transport, "inproc") == 0)
        snprintf(want, sz, "inproc://radio-dish-%d", seq++);
    else if (strcmp(transport, "tcp") == 0)
        snprintf(want, sz, "tcp://127.0.0.1:*");
    else
        net_ipc_ep(want, sz, "radio");
}

/* One RADIO and one DISH on `transport`, the RADIO binding or the DISH. */
static void filtering(void *ctx, const char *transport, int radio_binds) {
    void *radio = net_socket(ctx, ZMQ_RADIO);
    void *dish = net_socket(ctx, ZMQ_DISH);
    char want[256], ep[256];
    endpoint_for(transport, want, sizeof want);
    /* Joined before the connection exists: sent when the RADIO attaches. */
    CHECK_OK(zmq_join(dish, "Movies"));
    if (radio_binds) {
        net_bind(radio, want, ep, sizeof ep);
        CHECK_OK(zmq_connect(dish, ep));
    } else {
        net_bind(dish, want, ep, sizeof ep);
        CHECK_OK(zmq_connect(radio, ep));
    }
    await_join(radio, dish, "Movies");

    /* Joined after: sent as it happens. */
    CHECK_OK(zmq_join(dish, "TV"));
    await_join(radio, dish, "TV");

    /* Only the groups joined arrive, with their group. */
    radio_send(radio, "Radio", "not for us");
    radio_send(radio, "Movie", "a prefix is not a match");
    radio_send(radio, "Movies", "Godfather");
    radio_send(radio, "TV", "News");
    dish_recv(dish, "Movies", "Godfather");
    dish_recv(dish, "TV", "News");

    /* The longest group, 255 bytes, travels whole. */
    char longest[256];
    memset(longest, 'g', 255);
    longest[255] = 0;
    CHECK_OK(zmq_join(dish, longest));
    await_join(radio, dish, longest);
    radio_send(radio, longest, "long");
    dish_recv(dish, longest, "long");

    /* After a leave, nothing of that group arrives. */
    CHECK_OK(zmq_leave(dish, "Movies"));
    radio_send(radio, "Movies", "Godfather II");
    radio_send(radio, "TV", "Weather");
    dish_recv(dish, "TV", "Weather");

    CHECK_OK(zmq_close(radio));
    CHECK_OK(zmq_close(dish));
}

static void errnos(void *ctx) {
    void *dish = net_socket(ctx, ZMQ_DISH);
    void *radio = net_socket(ctx, ZMQ_RADIO);

    /* Group length: 255 is the most (ZMQ_GROUP_MAX_LENGTH). */
    CHECK_EQ(ZMQ_GROUP_MAX_LENGTH, 255);
    char group[300];
    memset(group, 'x', sizeof group);
    group[256] = 0;
    CHECK_ERR(zmq_join(dish, group), EINVAL);
    CHECK_ERR(zmq_leave(dish, group), EINVAL);
    group[255] = 0;
    CHECK_OK(zmq_join(dish, group));
    CHECK_OK(zmq_leave(dish, group));

    /* Joining twice, leaving what was not joined (or was left already). */
    CHECK_OK(zmq_join(dish, "A"));
    CHECK_ERR(zmq_join(dish, "A"), EINVAL);
    CHECK_ERR(zmq_leave(dish, "B"), EINVAL);
    CHECK_OK(zmq_leave(dish, "A"));
    CHECK_ERR(zmq_leave(dish, "A"), EINVAL);
    CHECK_OK(zmq_join(dish, "A"));
    CHECK_OK(zmq_join(dish, ""));
    CHECK_OK(zmq_leave(dish, ""));

    /* Only DISH joins. */
    int others[] = {ZMQ_RADIO, ZMQ_PUB, ZMQ_SUB, ZMQ_DEALER, ZMQ_SERVER, ZMQ_CLIENT};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        void *s = net_socket(ctx, others[i]);
        CHECK_ERR(zmq_join(s, "A"), ENOTSUP);
        CHECK_ERR(zmq_leave(s, "A"), ENOTSUP);
        CHECK_OK(zmq_close(s));
    }

    /* Not a socket. */
    int not_a_socket[16] = {0};
    CHECK_ERR(zmq_join(not_a_socket, "A"), ENOTSOCK);
    CHECK_ERR(zmq_leave(not_a_socket, "A"), ENOTSOCK);
    CHECK_ERR(zmq_join(NULL, "A"), ENOTSOCK);

    /* A RADIO only sends, single frames; a DISH only receives. */
    zmq_msg_t m;
    CHECK_OK(zmq_msg_init(&m));
    CHECK_ERR(zmq_msg_recv(&m, radio, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_OK(zmq_msg_close(&m));
    CHECK_ERR(zmq_send(dish, "x", 1, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERR(zmq_send(radio, "x", 1, ZMQ_SNDMORE), EINVAL);
    /* Nobody joined: the message is dropped, the send succeeds. */
    CHECK_EQ(zmq_send(radio, "x", 1, ZMQ_DONTWAIT), 1);
    CHECK_ERR(zmq_recv(dish, group, sizeof group, ZMQ_DONTWAIT), EAGAIN);

    /* Polling: a RADIO is always writable, never readable; a DISH always writable. */
    zmq_pollitem_t items[] = {{radio, 0, ZMQ_POLLIN | ZMQ_POLLOUT, 0},
                              {dish, 0, ZMQ_POLLIN | ZMQ_POLLOUT, 0}};
    CHECK_EQ(zmq_poll(items, 2, 0), 2);
    CHECK_EQ(items[0].revents, ZMQ_POLLOUT);
    CHECK_EQ(items[1].revents, ZMQ_POLLOUT);

    /* RADIO's option: ZMQ_XPUB_NODROP, a non-negative int. */
    net_set_int(radio, ZMQ_XPUB_NODROP, 1);
    net_set_int(radio, ZMQ_XPUB_NODROP, 0);
    int minus = -1;
    CHECK_ERR(zmq_setsockopt(radio, ZMQ_XPUB_NODROP, &minus, sizeof minus), EINVAL);
    CHECK_ERR(zmq_setsockopt(dish, ZMQ_XPUB_NODROP, &minus, sizeof minus), EINVAL);
    CHECK_ERR(zmq_setsockopt(radio, ZMQ_SUBSCRIBE, "", 0), EINVAL);

    /* Both thread-safe; a DISH does not linger, a RADIO does. */
    CHECK_EQ(net_get_int(radio, ZMQ_THREAD_SAFE), 1);
    CHECK_EQ(net_get_int(dish, ZMQ_THREAD_SAFE), 1);
    void *fresh_dish = zmq_socket(ctx, ZMQ_DISH);
    void *fresh_radio = zmq_socket(ctx, ZMQ_RADIO);
    CHECK(fresh_dish && fresh_radio);
    CHECK_EQ(net_get_int(fresh_dish, ZMQ_LINGER), 0);
    CHECK_EQ(net_get_int(fresh_radio, ZMQ_LINGER), -1);
    CHECK_OK(zmq_close(fresh_dish));
    CHECK_OK(zmq_close(fresh_radio));

    CHECK_OK(zmq_close(radio));
    CHECK_OK(zmq_close(dish));
}

/* Two DISHes on one RADIO: each gets its own groups only. */
static void two_dishes(void *ctx) {
    void *radio = net_socket(ctx, ZMQ_RADIO);
    void *a = net_socket(ctx, ZMQ_DISH);
    void *b = net_socket(ctx, ZMQ_DISH);
    char ep[256];
    net_bind(radio, "tcp://127.0.0.1:*", ep, sizeof ep);
    CHECK_OK(zmq_connect(a, ep));
    CHECK_OK(zmq_connect(b, ep));
    CHECK_OK(zmq_join(a, "A"));
    CHECK_OK(zmq_join(a, "both"));
    CHECK_OK(zmq_join(b, "B"));
    CHECK_OK(zmq_join(b, "both"));
    await_join(radio, a, "A");
    await_join(radio, b, "B");
    await_join(radio, a, "both");
    await_join(radio, b, "both");
    radio_send(radio, "A", "to a");
    radio_send(radio, "B", "to b");
    radio_send(radio, "both", "to all");
    dish_recv(a, "A", "to a");
    dish_recv(a, "both", "to all");
    dish_recv(b, "B", "to b");
    dish_recv(b, "both", "to all");
    CHECK_OK(zmq_close(radio));
    CHECK_OK(zmq_close(a));
    CHECK_OK(zmq_close(b));
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    errnos(ctx);
    const char *transports[] = {"inproc", "tcp", "ipc"};
    for (size_t i = 0; i < 3; i++) {
        filtering(ctx, transports[i], 1);
        filtering(ctx, transports[i], 0);
    }
    two_dishes(ctx);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
