/* The udp transport over IPv6 (draft RADIO/DISH, DGRAM), as libzmq 4.3.5 reads its
 * addresses: IPv6 needs ZMQ_IPV6 (without it an IPv6 address is ENODEV to bind,
 * EINVAL to connect); `[::1]:port`, `*` (dual stack: IPv4 senders arrive too) and an
 * interface name bind; multicast `[ff02::...]:port` joins on any interface or on the
 * one named in `iface;` (by name or `*`: by address it is ENODEV, as IPv6 joins by
 * index). IPv6 multicast is tried only where the host delivers it (probed with plain
 * sockets first, the same way for every library); otherwise it is skipped with the
 * reason. Needs a libzmq with the draft API (ZMQ_C_TESTS_LIBDIR in system mode). */
#define _DEFAULT_SOURCE /* IFF_* flags of <net/if.h> */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"
#include "test_net_util.h"
#include "test_radio_dish_util.h"
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>




static int next_port(void) {
    static int seq = 0;
    return 40000 + (int) (getpid() % 2000) * 10 + seq++;
}

static void *socket_v6(void *ctx, int type, int ipv6) {
    void *s = net_socket(ctx, type);
    net_set_int(s, ZMQ_IPV6, ipv6);
    return s;
}

static int have_ipv6_loopback(void) {
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    int ok = bind(fd, (struct sockaddr *) &a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* What libzmq refuses while resolving (the same before and after ZMQ_IPV6). */
static void errnos(void *ctx) {
    int port = next_port();
    char ep[96];
    void *radio = socket_v6(ctx, ZMQ_RADIO, 0);
    void *dish = socket_v6(ctx, ZMQ_DISH, 0);
    /* Without ZMQ_IPV6 an IPv6 address does not resolve. */
    snprintf(ep, sizeof ep, "udp://[::1]:%d", port);
    CHECK_ERR(zmq_bind(dish, ep), ENODEV);
    CHECK_ERR(zmq_connect(radio, ep), EINVAL);
    snprintf(ep, sizeof ep, "udp://[ff02::1]:%d", port);
    CHECK_ERR(zmq_bind(dish, ep), ENODEV);
    CHECK_ERR(zmq_connect(radio, ep), EINVAL);
    CHECK_OK(zmq_close(radio));
    CHECK_OK(zmq_close(dish));

    radio = socket_v6(ctx, ZMQ_RADIO, 1);
    dish = socket_v6(ctx, ZMQ_DISH, 1);
    /* IPv6 multicast joins by interface index: an interface named by its address
     * has none. */
    snprintf(ep, sizeof ep, "udp://::1;[ff02::1]:%d", port);
    CHECK_ERR(zmq_connect(radio, ep), ENODEV);
    CHECK_ERR(zmq_bind(dish, ep), ENODEV);
    snprintf(ep, sizeof ep, "udp://[::1];[ff02::1]:%d", port);
    CHECK_ERR(zmq_connect(radio, ep), ENODEV);
    /* No such interface; an interface with a unicast host; a multicast interface. */
    snprintf(ep, sizeof ep, "udp://nonic0;[ff02::1]:%d", port);
    CHECK_ERR(zmq_connect(radio, ep), ENODEV);
    snprintf(ep, sizeof ep, "udp://lo;[::1]:%d", port);
    CHECK_ERR(zmq_connect(radio, ep), EINVAL);
    CHECK_ERR(zmq_bind(dish, ep), EINVAL);
    snprintf(ep, sizeof ep, "udp://[ff02::2];[ff02::1]:%d", port);
    CHECK_ERR(zmq_connect(radio, ep), EINVAL);
    /* Ports and zones. */
    CHECK_ERR(zmq_connect(radio, "udp://[::1]:*"), EINVAL);
    CHECK_ERR(zmq_connect(radio, "udp://[::1]"), EINVAL);
    CHECK_ERR(zmq_connect(radio, "udp://[::1]:x"), EINVAL);
    snprintf(ep, sizeof ep, "udp://[fe80::1%%]:%d", port);
    CHECK_ERR(zmq_connect(radio, ep), EINVAL);
    snprintf(ep, sizeof ep, "udp://[fe80::1%%nonic0]:%d", port);
    CHECK_ERR(zmq_connect(radio, ep), EINVAL);
    /* A peer is never `*`. */
    snprintf(ep, sizeof ep, "udp://*:%d", port);
    CHECK_ERR(zmq_connect(radio, ep), EINVAL);
    CHECK_OK(zmq_close(radio));
    CHECK_OK(zmq_close(dish));
}

/* A DISH bound at `bind_host` (ZMQ_IPV6) gets what a RADIO sends to `connect_host`
 * (with ZMQ_IPV6 = `radio_ipv6`). */
static void unicast(void *ctx, const char *bind_host, const char *connect_host, int radio_ipv6) {
    void *radio = socket_v6(ctx, ZMQ_RADIO, radio_ipv6);
    void *dish = socket_v6(ctx, ZMQ_DISH, 1);
    int port = next_port();
    char bind_ep[96], connect_ep[96];
    snprintf(bind_ep, sizeof bind_ep, "udp://%s:%d", bind_host, port);
    snprintf(connect_ep, sizeof connect_ep, "udp://%s:%d", connect_host, port);
    CHECK_OK(zmq_join(dish, "TV"));
    CHECK_OK(zmq_bind(dish, bind_ep));
    CHECK_OK(zmq_connect(radio, connect_ep));
    /* LAST_ENDPOINT is the address as given, without "udp://". */
    char last[96];
    size_t last_len = sizeof last;
    CHECK_OK(zmq_getsockopt(dish, ZMQ_LAST_ENDPOINT, last, &last_len));
    CHECK(strcmp(last, bind_ep + 6) == 0);
    last_len = sizeof last;
    CHECK_OK(zmq_getsockopt(radio, ZMQ_LAST_ENDPOINT, last, &last_len));
    CHECK(strcmp(last, connect_ep + 6) == 0);
    if (!await_probe(radio, dish, "TV", 5000))
        TC_FAIL("no datagram from %s reached %s", connect_ep, bind_ep);
    radio_send(radio, "Radio", "not for us");
    radio_send(radio, "TV", "News");
    dish_recv(dish, "TV", "News");
    CHECK_OK(zmq_close(radio));
    CHECK_OK(zmq_close(dish));
}

/* One IPv6 multicast round trip with plain sockets on interface `index` (0: the
 * kernel's choice): 1 if it arrived, else 0 with the reason in `why`. */
static int probe_multicast(const char *group, unsigned index, char *why, size_t why_size) {
    int port = next_port();
    int rx = socket(AF_INET6, SOCK_DGRAM, 0), tx = socket(AF_INET6, SOCK_DGRAM, 0);
    int ok = 0, one = 1;
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons((uint16_t) port);
    struct ipv6_mreq mreq;
    memset(&mreq, 0, sizeof mreq);
    inet_pton(AF_INET6, group, &mreq.ipv6mr_multiaddr);
    mreq.ipv6mr_interface = index;
    if (rx < 0 || tx < 0) {
        snprintf(why, why_size, "no IPv6 udp socket: %s", strerror(errno));
    } else if (bind(rx, (struct sockaddr *) &a, sizeof a) != 0) {
        snprintf(why, why_size, "bind [::]:%d: %s", port, strerror(errno));
    } else if (setsockopt(rx, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof mreq) != 0) {
        snprintf(why, why_size, "join %s on interface %u: %s", group, index, strerror(errno));
    } else {
        setsockopt(tx, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &one, sizeof one);
        if (index)
            setsockopt(tx, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index);
        a.sin6_addr = mreq.ipv6mr_multiaddr;
        if (sendto(tx, "x", 1, 0, (struct sockaddr *) &a, sizeof a) != 1) {
            snprintf(why, why_size, "send to %s on interface %u: %s", group, index,
                     strerror(errno));
        } else {
            struct pollfd p = {.fd = rx, .events = POLLIN};
            ok = poll(&p, 1, 1000) == 1;
            if (!ok)
                snprintf(why, why_size, "nothing looped back from %s on interface %u", group,
                         index);
        }
    }
    if (rx >= 0)
        close(rx);
    if (tx >= 0)
        close(tx);
    return ok;
}

/* An up, multicast-capable, non-loopback interface with an IPv6 address (the
 * `iface;` form resolves the interface's address first), into `name`; 0 if none. */
static int multicast_interface(char *name, size_t name_size) {
    struct ifaddrs *list, *i;
    if (getifaddrs(&list) != 0)
        return 0;
    int found = 0;
    for (i = list; i && !found; i = i->ifa_next) {
        unsigned flags = i->ifa_flags;
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET6 && (flags & IFF_UP)
            && (flags & IFF_MULTICAST) && !(flags & IFF_LOOPBACK)) {
            snprintf(name, name_size, "%s", i->ifa_name);
            found = 1;
        }
    }
    freeifaddrs(list);
    return found;
}

/* A DISH joined to `group` on `iface` ("" for any) gets a RADIO's datagrams sent to
 * it with the loop on. */
static void multicast_round_trip(void *ctx, const char *iface, const char *group) {
    void *radio = socket_v6(ctx, ZMQ_RADIO, 1);
    void *dish = socket_v6(ctx, ZMQ_DISH, 1);
    net_set_int(radio, ZMQ_MULTICAST_LOOP, 1);
    net_set_int(radio, ZMQ_MULTICAST_HOPS, 1);
    char ep[128];
    snprintf(ep, sizeof ep, "udp://%s%s[%s]:%d", iface, *iface ? ";" : "", group, next_port());
    CHECK_OK(zmq_join(dish, "TV"));
    CHECK_OK(zmq_bind(dish, ep));
    CHECK_OK(zmq_connect(radio, ep));
    if (!await_probe(radio, dish, "TV", 5000))
        TC_FAIL("no datagram looped back on %s", ep);
    radio_send(radio, "Radio", "not for us");
    radio_send(radio, "TV", "News");
    dish_recv(dish, "TV", "News");
    CHECK_OK(zmq_close(radio));
    CHECK_OK(zmq_close(dish));
}

static void multicast(void *ctx) {
    const char *group = "ff02::7a:4d51";
    char why[256], iface[IF_NAMESIZE + 1];
    if (!probe_multicast(group, 0, why, sizeof why)) {
        printf("skipped IPv6 multicast on any interface: %s\n", why);
    } else {
        multicast_round_trip(ctx, "", group);
        multicast_round_trip(ctx, "*", group);
    }
    if (!multicast_interface(iface, sizeof iface)) {
        printf("skipped IPv6 multicast on a named interface: no up multicast interface "
               "with an IPv6 address\n");
    } else if (!probe_multicast(group, if_nametoindex(iface), why, sizeof why)) {
        printf("skipped IPv6 multicast on %s: %s\n", iface, why);
    } else {
        multicast_round_trip(ctx, iface, group);
    }
}

/* DGRAM over an IPv6 socket: libzmq's DGRAM knows IPv4 sockets only (it aborts when
 * a datagram arrives on an IPv6 one), so only ours is run: an IPv6 peer is
 * "[ip]:port", an IPv4 one "ip:port". */
static void dgram(void *ctx) {
    if (tc_system_mode()) {
        printf("skipped DGRAM over IPv6: libzmq's DGRAM asserts on an IPv6 peer\n");
        return;
    }
    void *a = socket_v6(ctx, ZMQ_DGRAM, 1);
    void *b = socket_v6(ctx, ZMQ_DGRAM, 1);
    int port_a = next_port(), port_b = next_port();
    char ep[96], to_b[96], want[96];
    snprintf(ep, sizeof ep, "udp://[::1]:%d", port_a);
    CHECK_OK(zmq_bind(a, ep));
    snprintf(ep, sizeof ep, "udp://[::1]:%d", port_b);
    CHECK_OK(zmq_bind(b, ep));
    snprintf(to_b, sizeof to_b, "[::1]:%d", port_b);
    snprintf(want, sizeof want, "[::1]:%d", port_a);
    net_set_int(b, ZMQ_RCVTIMEO, 50);
    int64_t give_up = tc_now_ms() + 5000;
    char from[96];
    int n;
    do {
        if (tc_now_ms() > give_up)
            TC_FAIL("no datagram reached %s", to_b);
        CHECK_EQ(zmq_send(a, to_b, strlen(to_b), ZMQ_SNDMORE), (int) strlen(to_b));
        CHECK_EQ(zmq_send(a, "hi", 2, 0), 2);
        n = zmq_recv(b, from, sizeof from - 1, 0);
    } while (n < 0);
    from[n] = 0;
    CHECK(strcmp(from, want) == 0);
    char body[8];
    CHECK_EQ(zmq_recv(b, body, sizeof body, 0), 2);
    CHECK_OK(zmq_close(a));

    /* `*` with ZMQ_IPV6 is dual stack: an IPv4 peer is "ip:port", and a reply to
     * that text reaches it. */
    void *c = socket_v6(ctx, ZMQ_DGRAM, 0);
    int port_c = next_port();
    snprintf(ep, sizeof ep, "udp://127.0.0.1:%d", port_c);
    CHECK_OK(zmq_bind(c, ep));
    void *d = socket_v6(ctx, ZMQ_DGRAM, 1);
    int port_d = next_port();
    snprintf(ep, sizeof ep, "udp://*:%d", port_d);
    CHECK_OK(zmq_bind(d, ep));
    char to_d[64];
    snprintf(to_d, sizeof to_d, "127.0.0.1:%d", port_d);
    snprintf(want, sizeof want, "127.0.0.1:%d", port_c);
    net_set_int(d, ZMQ_RCVTIMEO, 50);
    give_up = tc_now_ms() + 5000;
    do {
        if (tc_now_ms() > give_up)
            TC_FAIL("no datagram reached %s", ep);
        CHECK_EQ(zmq_send(c, to_d, strlen(to_d), ZMQ_SNDMORE), (int) strlen(to_d));
        CHECK_EQ(zmq_send(c, "v4", 2, 0), 2);
        n = zmq_recv(d, from, sizeof from - 1, 0);
    } while (n < 0);
    from[n] = 0;
    CHECK(strcmp(from, want) == 0);
    CHECK_EQ(zmq_recv(d, body, sizeof body, 0), 2);
    CHECK_EQ(zmq_send(d, from, strlen(from) + 1, ZMQ_SNDMORE), (int) strlen(from) + 1);
    CHECK_EQ(zmq_send(d, "back", 4, 0), 4);
    net_set_int(c, ZMQ_RCVTIMEO, 5000);
    CHECK(zmq_recv(c, from, sizeof from, 0) > 0);
    CHECK_EQ(zmq_recv(c, body, sizeof body, 0), 4);
    CHECK(memcmp(body, "back", 4) == 0);
    CHECK_OK(zmq_close(b));
    CHECK_OK(zmq_close(c));
    CHECK_OK(zmq_close(d));
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    if (!have_ipv6_loopback()) {
        printf("skipped: no IPv6 loopback (::1) on this host\n");
        CHECK_OK(zmq_ctx_term(ctx));
        return 0;
    }
    errnos(ctx);
    unicast(ctx, "[::1]", "[::1]", 1);
    unicast(ctx, "::1", "::1", 1);
    unicast(ctx, "lo", "[::1]", 1);
    /* `*` with ZMQ_IPV6 is `::`, dual stack: an IPv4 RADIO reaches it too. */
    unicast(ctx, "*", "[::1]", 1);
    unicast(ctx, "*", "127.0.0.1", 0);
    multicast(ctx);
    dgram(ctx);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
