/* ZMQ_BINDTODEVICE on the udp transport (draft RADIO/DISH), as libzmq's udp engine
 * applies it: a DISH bound at `*` on another device than the loopback does not see
 * datagrams sent to 127.0.0.1 (they arrive on `lo`); bound to `lo` it does. Needs a
 * second interface that is up and the right to set SO_BINDTODEVICE (root or
 * CAP_NET_RAW); the test says so and exits 0 when either is missing. Needs a libzmq
 * with the draft API (ZMQ_C_TESTS_LIBDIR in system mode). */
#define ZMQ_BUILD_DRAFT_API
#define _DEFAULT_SOURCE /* IFF_*, SO_BINDTODEVICE, IFNAMSIZ */
#include "common.h"
#include "test_net_util.h"
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

/* The name of an interface that is up and is not the loopback, or 0 if none. */
static int other_interface(char *name, size_t size) {
    struct ifaddrs *all;
    if (getifaddrs(&all) != 0)
        return 0;
    int found = 0;
    for (struct ifaddrs *i = all; i && !found; i = i->ifa_next) {
        if ((i->ifa_flags & IFF_UP) && !(i->ifa_flags & IFF_LOOPBACK) && i->ifa_name) {
            snprintf(name, size, "%s", i->ifa_name);
            found = 1;
        }
    }
    freeifaddrs(all);
    return found;
}

/* Whether this process may set SO_BINDTODEVICE at all. */
static int may_bind_to_device(const char *name) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(fd >= 0);
    int ok = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t) strlen(name)) == 0;
    close(fd);
    return ok;
}

static void radio_send(void *radio, const char *body) {
    zmq_msg_t m;
    CHECK_OK(zmq_msg_init_size(&m, strlen(body)));
    memcpy(zmq_msg_data(&m), body, strlen(body));
    CHECK_OK(zmq_msg_set_group(&m, "G"));
    CHECK_EQ(zmq_msg_send(&m, radio, 0), (int) strlen(body));
}

/* Sends to 127.0.0.1 for `ms` and returns how many datagrams the DISH bound at `*` on
 * `device` received. */
static int received_on(void *ctx, const char *device, int port, int ms) {
    void *dish = net_socket(ctx, ZMQ_DISH);
    void *radio = net_socket(ctx, ZMQ_RADIO);
    CHECK_OK(zmq_setsockopt(dish, ZMQ_BINDTODEVICE, device, strlen(device)));
    char ep[64];
    snprintf(ep, sizeof ep, "udp://*:%d", port);
    CHECK_OK(zmq_join(dish, "G"));
    CHECK_OK(zmq_bind(dish, ep));
    snprintf(ep, sizeof ep, "udp://127.0.0.1:%d", port);
    CHECK_OK(zmq_connect(radio, ep));
    net_set_int(dish, ZMQ_RCVTIMEO, 20);
    int got = 0;
    int64_t until = tc_now_ms() + ms;
    while (tc_now_ms() < until) {
        radio_send(radio, "hello");
        zmq_msg_t m;
        CHECK_OK(zmq_msg_init(&m));
        if (zmq_msg_recv(&m, dish, 0) >= 0)
            got++;
        else
            CHECK_EQ(zmq_errno(), EAGAIN);
        CHECK_OK(zmq_msg_close(&m));
    }
    CHECK_OK(zmq_close(radio));
    CHECK_OK(zmq_close(dish));
    return got;
}

int main(void) {
    char other[IFNAMSIZ + 1];
    if (!other_interface(other, sizeof other)) {
        printf("skipped: no interface other than the loopback is up\n");
        return 0;
    }
    if (!may_bind_to_device(other)) {
        printf("skipped: SO_BINDTODEVICE not permitted here (%s)\n", strerror(errno));
        return 0;
    }
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    int port = 23000 + (int) (getpid() % 2000);
    /* Bound to the loopback device, datagrams to 127.0.0.1 arrive. */
    CHECK(received_on(ctx, "lo", port, 1000) > 0);
    /* Bound to another device, they do not. */
    int stray = received_on(ctx, other, port + 1, 500);
    if (stray != 0)
        TC_FAIL("a DISH bound to %s received %d datagram(s) sent to 127.0.0.1", other, stray);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
