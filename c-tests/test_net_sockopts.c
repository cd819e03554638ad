// TCP-level socket options, pinned against libzmq 4.3.4. Each option is read back with
// zmq_getsockopt and, where observable, checked with getsockopt(2) on the connection's
// fd, taken from the ACCEPTED (binder) and CONNECTED (connector) monitor event values:
// - ZMQ_TCP_KEEPALIVE 1 with _IDLE/_INTVL/_CNT sets SO_KEEPALIVE, TCP_KEEPIDLE,
//   TCP_KEEPINTVL, TCP_KEEPCNT on both ends; the default (-1) leaves SO_KEEPALIVE off;
// - ZMQ_TOS sets IP_TOS on both ends;
// - ZMQ_SNDBUF / ZMQ_RCVBUF set SO_SNDBUF / SO_RCVBUF (Linux reports double the value);
// - ZMQ_IPV6: `tcp://[::1]:*` needs it (ENODEV without); LAST_ENDPOINT is
//   `tcp://[::1]:port`; `tcp://*:*` with IPV6 binds `[::]` and accepts IPv4 clients;
//   Peer-Address is "::1", "::ffff:127.0.0.1" for an IPv4 client of `[::]` (skipped with a reason when there is no IPv6 loopback).
#include "common.h"
#include "test_net_util.h"

/* Connect a PAIR pair over ep with the same int options on both; return both fds. */
static void connected_fds(void *ctx, const int *opts, const int *vals, int nopts,
                          int *bound_fd, int *connected_fd, void **out) {
    void *s = net_socket(ctx, ZMQ_PAIR);
    void *c = net_socket(ctx, ZMQ_PAIR);
    for (int i = 0; i < nopts; i++) {
        net_set_int(s, opts[i], vals[i]);
        net_set_int(c, opts[i], vals[i]);
        CHECK_EQ(net_get_int(s, opts[i]), vals[i]);
        CHECK_EQ(net_get_int(c, opts[i]), vals[i]);
    }
    char ep[256];
    net_bind(s, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *ms = net_monitor(ctx, s, ZMQ_EVENT_ACCEPTED);
    void *mc = net_monitor(ctx, c, ZMQ_EVENT_CONNECTED);
    CHECK_OK(zmq_connect(c, ep));
    *bound_fd = net_mon_expect(ms, ZMQ_EVENT_ACCEPTED, 2000);
    *connected_fd = net_mon_expect(mc, ZMQ_EVENT_CONNECTED, 2000);
    tc_send_str(c, "up", 0);
    tc_recv_str_eq(s, "up", 0);
    net_mon_close(s, ms);
    net_mon_close(c, mc);
    out[0] = s;
    out[1] = c;
}

static void test_keepalive(void *ctx) {
    void *socks[2];
    int fds[2];
    CHECK_EQ(net_get_int(socks[0] = net_socket(ctx, ZMQ_PAIR), ZMQ_TCP_KEEPALIVE), -1);
    CHECK_EQ(net_get_int(socks[0], ZMQ_TCP_KEEPALIVE_IDLE), -1);
    CHECK_EQ(net_get_int(socks[0], ZMQ_TCP_KEEPALIVE_INTVL), -1);
    CHECK_EQ(net_get_int(socks[0], ZMQ_TCP_KEEPALIVE_CNT), -1);
    CHECK_ERR(zmq_setsockopt(socks[0], ZMQ_TCP_KEEPALIVE, (int[]){2}, sizeof(int)), EINVAL);
    CHECK_ERR(zmq_setsockopt(socks[0], ZMQ_TCP_KEEPALIVE_IDLE, (int[]){-2}, sizeof(int)),
              EINVAL);
    zmq_close(socks[0]);

    const int opts[] = {ZMQ_TCP_KEEPALIVE, ZMQ_TCP_KEEPALIVE_IDLE, ZMQ_TCP_KEEPALIVE_INTVL,
                        ZMQ_TCP_KEEPALIVE_CNT};
    const int vals[] = {1, 30, 5, 3};
    connected_fds(ctx, opts, vals, 4, &fds[0], &fds[1], socks);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(net_sockopt_int(fds[i], SOL_SOCKET, SO_KEEPALIVE), 1);
        CHECK_EQ(net_sockopt_int(fds[i], IPPROTO_TCP, TCP_KEEPIDLE), 30);
        CHECK_EQ(net_sockopt_int(fds[i], IPPROTO_TCP, TCP_KEEPINTVL), 5);
        CHECK_EQ(net_sockopt_int(fds[i], IPPROTO_TCP, TCP_KEEPCNT), 3);
    }
    zmq_close(socks[1]);
    zmq_close(socks[0]);

    connected_fds(ctx, opts, vals, 0, &fds[0], &fds[1], socks);
    for (int i = 0; i < 2; i++)
        CHECK_EQ(net_sockopt_int(fds[i], SOL_SOCKET, SO_KEEPALIVE), 0);
    zmq_close(socks[1]);
    zmq_close(socks[0]);

    const int off[] = {ZMQ_TCP_KEEPALIVE};
    const int offv[] = {0};
    connected_fds(ctx, off, offv, 1, &fds[0], &fds[1], socks);
    for (int i = 0; i < 2; i++)
        CHECK_EQ(net_sockopt_int(fds[i], SOL_SOCKET, SO_KEEPALIVE), 0);
    zmq_close(socks[1]);
    zmq_close(socks[0]);
}

static void test_tos_and_buffers(void *ctx) {
    void *socks[2];
    int fds[2];
    void *s = net_socket(ctx, ZMQ_PAIR);
    CHECK_EQ(net_get_int(s, ZMQ_TOS), 0);
    CHECK_EQ(net_get_int(s, ZMQ_SNDBUF), -1);
    CHECK_EQ(net_get_int(s, ZMQ_RCVBUF), -1);
    zmq_close(s);

    const int opts[] = {ZMQ_TOS, ZMQ_SNDBUF, ZMQ_RCVBUF};
    const int vals[] = {0x28, 65536, 98304};
    connected_fds(ctx, opts, vals, 3, &fds[0], &fds[1], socks);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(net_sockopt_int(fds[i], IPPROTO_IP, IP_TOS), 0x28);
        CHECK_EQ(net_sockopt_int(fds[i], SOL_SOCKET, SO_SNDBUF), 2 * 65536);
        CHECK_EQ(net_sockopt_int(fds[i], SOL_SOCKET, SO_RCVBUF), 2 * 98304);
    }
    /* still usable with those options */
    tc_send_str(socks[0], "tos", 0);
    tc_recv_str_eq(socks[1], "tos", 0);
    zmq_close(socks[1]);
    zmq_close(socks[0]);
}

static int have_ipv6_loopback(void) {
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_loopback;
    int ok = bind(fd, (struct sockaddr *) &sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

static void test_ipv6(void *ctx) {
    if (!have_ipv6_loopback()) {
        fprintf(stderr, "test_net_sockopts: SKIPPED ipv6: no IPv6 loopback (::1) here\n");
        return;
    }
    void *s = net_socket(ctx, ZMQ_PAIR);
    CHECK_EQ(net_get_int(s, ZMQ_IPV6), 0);
    CHECK_ERR(zmq_bind(s, "tcp://[::1]:*"), ENODEV);
    net_set_int(s, ZMQ_IPV6, 1);
    CHECK_EQ(net_get_int(s, ZMQ_IPV6), 1);
    char ep[256];
    net_bind(s, "tcp://[::1]:*", ep, sizeof ep);
    CHECK(strncmp(ep, "tcp://[::1]:", 12) == 0);
    void *c = net_socket(ctx, ZMQ_PAIR);
    net_set_int(c, ZMQ_IPV6, 1);
    CHECK_OK(zmq_connect(c, ep));
    tc_send_str(c, "six", 0);
    zmq_msg_t m;
    zmq_msg_init(&m);
    CHECK_EQ(zmq_msg_recv(&m, s, 0), 3);
    const char *pa = zmq_msg_gets(&m, "Peer-Address");
    CHECK(pa != NULL);
    CHECK(strcmp(pa, "::1") == 0);
    zmq_msg_close(&m);
    zmq_close(c);
    zmq_close(s);

    /* `*` with IPV6 is the dual-stack any address */
    s = net_socket(ctx, ZMQ_PAIR);
    net_set_int(s, ZMQ_IPV6, 1);
    net_bind(s, "tcp://*:*", ep, sizeof ep);
    CHECK(strncmp(ep, "tcp://[::]:", 11) == 0);
    char v4[64];
    snprintf(v4, sizeof v4, "tcp://127.0.0.1:%d", net_port(ep));
    c = net_socket(ctx, ZMQ_PAIR);
    CHECK_OK(zmq_connect(c, v4));
    tc_send_str(c, "four", 0);
    zmq_msg_init(&m);
    CHECK_EQ(zmq_msg_recv(&m, s, 0), 4);
    pa = zmq_msg_gets(&m, "Peer-Address");
    CHECK(pa != NULL);
    CHECK(strcmp(pa, "::ffff:127.0.0.1") == 0); /* v4-mapped */
    zmq_msg_close(&m);
    zmq_close(c);
    zmq_close(s);
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    test_keepalive(ctx);
    test_tos_and_buffers(ctx);
    test_ipv6(ctx);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
