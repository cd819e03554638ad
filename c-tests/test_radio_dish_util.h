/* What the RADIO/DISH tests (test_draft_radio_dish.c, test_draft_udp.c,
 * test_draft_udp_ipv6.c) share: sending one message to a group, receiving one (late
 * probes skipped), and, over udp, probing until the DISH's socket hears the RADIO.
 * Needs ZMQ_BUILD_DRAFT_API, common.h and test_net_util.h first. */
#ifndef ZMQ_C_TESTS_RADIO_DISH_UTIL_H
#define ZMQ_C_TESTS_RADIO_DISH_UTIL_H

static inline void radio_send(void *radio, const char *group, const char *body) {
    zmq_msg_t m;
    CHECK_OK(zmq_msg_init_size(&m, strlen(body)));
    memcpy(zmq_msg_data(&m), body, strlen(body));
    CHECK_OK(zmq_msg_set_group(&m, group));
    CHECK_EQ(zmq_msg_send(&m, radio, 0), (int) strlen(body));
}

/* Receives one message (skipping late probes): `body` in `group`. */
static inline void dish_recv(void *dish, const char *group, const char *body) {
    zmq_msg_t m;
    CHECK_OK(zmq_msg_init(&m));
    int n;
    while ((n = zmq_msg_recv(&m, dish, 0)) == 5 && memcmp(zmq_msg_data(&m), "probe", 5) == 0)
        ;
    if (n < 0)
        TC_FAIL("zmq_msg_recv (expecting %s/%s): errno %d (%s)", group, body, zmq_errno(),
                zmq_strerror(zmq_errno()));
    CHECK_EQ(n, (int) strlen(body));
    CHECK(memcmp(zmq_msg_data(&m), body, (size_t) n) == 0);
    CHECK(strcmp(zmq_msg_group(&m), group) == 0);
    CHECK_EQ(zmq_msg_more(&m), 0);
    CHECK_OK(zmq_msg_close(&m));
}

/* Sends probes to `group` until one arrives (the DISH's socket is listening); 0 if
 * none did within `ms`. */
static inline int await_probe(void *radio, void *dish, const char *group, int ms) {
    int64_t give_up = tc_now_ms() + ms;
    net_set_int(dish, ZMQ_RCVTIMEO, 20);
    int ok = 0;
    while (!ok && tc_now_ms() < give_up) {
        radio_send(radio, group, "probe");
        zmq_msg_t m;
        CHECK_OK(zmq_msg_init(&m));
        if (zmq_msg_recv(&m, dish, 0) >= 0) {
            CHECK(strcmp(zmq_msg_group(&m), group) == 0);
            ok = 1;
        } else {
            CHECK_EQ(zmq_errno(), EAGAIN);
        }
        CHECK_OK(zmq_msg_close(&m));
    }
    net_set_int(dish, ZMQ_RCVTIMEO, 5000);
    return ok;
}

#endif
