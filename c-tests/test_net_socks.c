/* ZMQ_SOCKS_PROXY: a tcp connect goes through a SOCKS5 proxy (no authentication):
 * greeting, CONNECT naming the target as libzmq does (a numeric host as an address, a
 * name as a domain name, unresolved), then ZMTP over the same stream. A proxy that
 * refuses the CONNECT makes the attempt fail; the socket reconnects after
 * RECONNECT_IVL, as after any failed connect. The proxy here is a minimal SOCKS5
 * server in a thread of this program, relaying to a bound PULL. */
#include "common.h"
#include "test_net_util.h"

#include <stdatomic.h>

struct proxy {
    int listen_fd;
    int port;
    int refuse;               /* answer every CONNECT with "connection refused" (5) */
    atomic_int stop;
    atomic_int connects;      /* CONNECT requests seen */
    /* The last request: address type, address bytes (a domain name NUL-terminated),
       port. Written by the proxy thread before `connects` is incremented. */
    int atyp;
    unsigned char addr[256];
    int target_port;
    pthread_t thread;
};

static int read_n(int fd, void *buf, size_t n) { return net_raw_read_n(fd, buf, n, 2000); }

static int write_all(int fd, const void *buf, size_t n) {
    const char *p = (const char *) buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t) w;
    }
    return 0;
}

/* Copies bytes both ways until either side closes or the proxy stops. */
static void relay(struct proxy *px, int a, int b) {
    while (!atomic_load(&px->stop)) {
        struct pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
        int rc = poll(fds, 2, 50);
        if (rc < 0)
            return;
        for (int i = 0; i < 2; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[4096];
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0 || write_all(fds[1 - i].fd, buf, (size_t) n) != 0)
                return;
        }
    }
}

/* One client: the SOCKS5 exchange, then the relay. */
static void serve(struct proxy *px, int client) {
    unsigned char greeting[3];
    if (read_n(client, greeting, 3) != 0 || greeting[0] != 5 || greeting[1] != 1 ||
        greeting[2] != 0)
        return;
    unsigned char choice[2] = {5, 0};
    if (write_all(client, choice, 2) != 0)
        return;
    unsigned char head[4];
    if (read_n(client, head, 4) != 0 || head[0] != 5 || head[1] != 1 || head[2] != 0)
        return;
    px->atyp = head[3];
    memset(px->addr, 0, sizeof px->addr);
    if (head[3] == 1) {
        if (read_n(client, px->addr, 4) != 0)
            return;
    } else if (head[3] == 3) {
        unsigned char len;
        if (read_n(client, &len, 1) != 0 || read_n(client, px->addr, len) != 0)
            return;
    } else if (head[3] == 4) {
        if (read_n(client, px->addr, 16) != 0)
            return;
    } else {
        return;
    }
    unsigned char port[2];
    if (read_n(client, port, 2) != 0)
        return;
    px->target_port = port[0] * 256 + port[1];
    atomic_fetch_add(&px->connects, 1);

    unsigned char reply[10] = {5, 0, 0, 1, 127, 0, 0, 1, 0, 0};
    if (px->refuse) {
        reply[1] = 5;
        /* Then wait for the client to hang up (RFC 1928 only asks the server to close
           "shortly"): libzmq 4.3.4 aborts on a refusal that arrives together with the
           proxy's end of stream (it handles the connection's error event twice). */
        if (write_all(client, reply, sizeof reply) == 0)
            net_raw_wait_closed(client, 2000);
        return;
    }
    /* Every target is on this host. */
    int target = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t) px->target_port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (target < 0 || connect(target, (struct sockaddr *) &sa, sizeof sa) != 0) {
        reply[1] = 5;
        write_all(client, reply, sizeof reply);
        if (target >= 0)
            close(target);
        return;
    }
    if (write_all(client, reply, sizeof reply) == 0)
        relay(px, client, target);
    close(target);
}

static void *proxy_main(void *arg) {
    struct proxy *px = (struct proxy *) arg;
    while (!atomic_load(&px->stop)) {
        struct pollfd p = {px->listen_fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int client = accept(px->listen_fd, NULL, NULL);
        if (client < 0)
            continue;
        serve(px, client);
        close(client);
    }
    return NULL;
}

static void proxy_start(struct proxy *px, int refuse) {
    memset(px, 0, sizeof *px);
    px->refuse = refuse;
    px->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(px->listen_fd >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(px->listen_fd, (struct sockaddr *) &sa, sizeof sa) == 0);
    CHECK(listen(px->listen_fd, 16) == 0);
    socklen_t len = sizeof sa;
    CHECK(getsockname(px->listen_fd, (struct sockaddr *) &sa, &len) == 0);
    px->port = ntohs(sa.sin_port);
    CHECK(pthread_create(&px->thread, NULL, proxy_main, px) == 0);
}

static void proxy_stop(struct proxy *px) {
    atomic_store(&px->stop, 1);
    pthread_join(px->thread, NULL);
    close(px->listen_fd);
}

static void set_proxy(void *s, const struct proxy *px) {
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", px->port);
    CHECK_OK(zmq_setsockopt(s, ZMQ_SOCKS_PROXY, addr, strlen(addr)));
}

/* PUSH (through the proxy) -> PULL, with the target named `host`. */
static void through_proxy(void *ctx, const char *host, int expect_atyp) {
    struct proxy px;
    proxy_start(&px, 0);
    char ep[128];
    void *pull = net_socket(ctx, ZMQ_PULL);
    net_bind(pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    int port = net_port(ep);

    void *push = net_socket(ctx, ZMQ_PUSH);
    set_proxy(push, &px);
    char proxy_ep[64];
    snprintf(proxy_ep, sizeof proxy_ep, "tcp://127.0.0.1:%d", px.port);
    void *mon = net_monitor(ctx, push, ZMQ_EVENT_CONNECTED);
    char target[128];
    snprintf(target, sizeof target, "tcp://%s:%d", host, port);
    CHECK_OK(zmq_connect(push, target));

    tc_send_str(push, "via socks", 0);
    tc_recv_str_eq(pull, "via socks", 0);
    tc_send_str(push, "and again", 0);
    tc_recv_str_eq(pull, "and again", 0);

    CHECK_EQ(atomic_load(&px.connects), 1);
    CHECK_EQ(px.atyp, expect_atyp);
    CHECK_EQ(px.target_port, port);
    if (expect_atyp == 1) {
        const unsigned char loopback[4] = {127, 0, 0, 1};
        CHECK(memcmp(px.addr, loopback, 4) == 0);
    } else {
        CHECK(strcmp((const char *) px.addr, host) == 0);
    }

    /* The connection's events name the proxy, which is what was connected to. */
    int value = 0;
    char addr[128];
    CHECK_EQ(net_mon_next(mon, &value, addr, sizeof addr, 2000), ZMQ_EVENT_CONNECTED);
    if (strcmp(addr, proxy_ep) != 0)
        TC_FAIL("CONNECTED names %s, expected the proxy %s", addr, proxy_ep);

    zmq_close(mon);
    zmq_close(push);
    zmq_close(pull);
    proxy_stop(&px);
}

/* A proxy that refuses: nothing flows, the socket keeps retrying. */
static void refused(void *ctx) {
    struct proxy px;
    proxy_start(&px, 1);
    char ep[128];
    void *pull = net_socket(ctx, ZMQ_PULL);
    net_bind(pull, "tcp://127.0.0.1:*", ep, sizeof ep);

    void *push = net_socket(ctx, ZMQ_PUSH);
    net_set_int(push, ZMQ_RECONNECT_IVL, 50);
    set_proxy(push, &px);
    void *mon = net_monitor(ctx, push, ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CLOSED |
                                           ZMQ_EVENT_CONNECT_RETRIED);
    CHECK_OK(zmq_connect(push, ep));
    tc_send_str(push, "never", ZMQ_DONTWAIT);
    net_set_int(pull, ZMQ_RCVTIMEO, 300);
    char buf[16];
    CHECK_ERR(zmq_recv(pull, buf, sizeof buf, 0), EAGAIN);

    /* Each refusal closes the attempt and schedules the next one. */
    int closed = net_mon_expect(mon, ZMQ_EVENT_CLOSED, 2000);
    CHECK(closed >= 0);
    net_mon_expect(mon, ZMQ_EVENT_CONNECT_RETRIED, 2000);
    int64_t deadline = tc_now_ms() + 3000;
    while (atomic_load(&px.connects) < 3 && tc_now_ms() < deadline)
        tc_sleep_ms(20);
    CHECK(atomic_load(&px.connects) >= 3);
    /* Never CONNECTED (the retries go on: look at the next few events). */
    int value = 0;
    for (int i = 0; i < 10; i++) {
        int event = net_mon_next(mon, &value, NULL, 0, 100);
        if (event == -1)
            break;
        CHECK(event != ZMQ_EVENT_CONNECTED);
    }

    if (tc_system_mode()) {
        /* libzmq 4.3.4/4.3.5 abort the process when a socket is closed while it waits
           to reconnect after a SOCKS error (the failed attempt's poll handle is removed
           but kept, and removed again at close: "Bad file descriptor (epoll.cpp)").
           The behaviour above is pinned; end here rather than close. */
        fprintf(stderr, "system libzmq: exiting without closing (libzmq defect)\n");
        fflush(stderr);
        _exit(0);
    }
    zmq_close(mon);
    zmq_close(push);
    zmq_close(pull);
    proxy_stop(&px);
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);

    through_proxy(ctx, "127.0.0.1", 1);
    through_proxy(ctx, "localhost", 3);

    /* An ipc connect does not use the proxy. */
    struct proxy px;
    proxy_start(&px, 1);
    char ep[128];
    net_ipc_ep(ep, sizeof ep, "socks");
    void *pull = net_socket(ctx, ZMQ_PULL);
    CHECK_OK(zmq_bind(pull, ep));
    void *push = net_socket(ctx, ZMQ_PUSH);
    set_proxy(push, &px);
    CHECK_OK(zmq_connect(push, ep));
    tc_send_str(push, "direct", 0);
    tc_recv_str_eq(pull, "direct", 0);
    CHECK_EQ(atomic_load(&px.connects), 0);
    zmq_close(push);
    zmq_close(pull);
    proxy_stop(&px);

    /* Last: against libzmq this one ends the program (see there). */
    refused(ctx);

    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
