/* ZMQ_USE_FD: zmq_bind takes over a socket the application already bound and put in
 * listening state instead of creating its own (tcp and ipc). The listener reports that
 * descriptor in its LISTENING event, peers connect to it and messages flow. For tcp the
 * endpoint given to zmq_bind is not used (LAST_ENDPOINT is the descriptor's address);
 * for ipc the path names the endpoint and is neither unlinked at bind nor at close. */
#include "common.h"
#include "test_net_util.h"

#include <sys/stat.h>

static int tcp_listening_fd(int *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    int one = 1;
    CHECK(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(fd, (struct sockaddr *) &sa, sizeof sa) == 0);
    CHECK(listen(fd, 10) == 0);
    socklen_t len = sizeof sa;
    CHECK(getsockname(fd, (struct sockaddr *) &sa, &len) == 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static int ipc_listening_fd(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    unlink(path);
    CHECK(bind(fd, (struct sockaddr *) &sa, sizeof sa) == 0);
    CHECK(listen(fd, 10) == 0);
    return fd;
}

/* Binds a PULL with USE_FD `fd` at bind_ep, checks LISTENING names fd and that
 * LAST_ENDPOINT is `expect_ep`, then sends through a PUSH connected to connect_ep. */
static void serve_on_fd(void *ctx, int fd, const char *bind_ep, const char *expect_ep,
                        const char *connect_ep) {
    void *pull = net_socket(ctx, ZMQ_PULL);
    net_set_int(pull, ZMQ_USE_FD, fd);
    CHECK_EQ(net_get_int(pull, ZMQ_USE_FD), fd);
    void *mon = net_monitor(ctx, pull, ZMQ_EVENT_LISTENING | ZMQ_EVENT_BIND_FAILED);
    char ep[256];
    net_bind(pull, bind_ep, ep, sizeof ep);
    if (strcmp(ep, expect_ep) != 0)
        TC_FAIL("LAST_ENDPOINT %s, expected %s", ep, expect_ep);
    int value = 0;
    char addr[256];
    CHECK_EQ(net_mon_next(mon, &value, addr, sizeof addr, 2000), ZMQ_EVENT_LISTENING);
    CHECK_EQ(value, fd);
    CHECK(strcmp(addr, expect_ep) == 0);

    void *push = net_socket(ctx, ZMQ_PUSH);
    CHECK_OK(zmq_connect(push, connect_ep));
    tc_send_str(push, "over the given fd", 0);
    tc_recv_str_eq(pull, "over the given fd", 0);
    tc_send_str(push, "again", 0);
    tc_recv_str_eq(pull, "again", 0);

    zmq_close(push);
    zmq_close(mon);
    zmq_close(pull);
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);

    /* tcp, bound to the descriptor's own address. */
    int port = 0;
    int fd = tcp_listening_fd(&port);
    char ep[128];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    serve_on_fd(ctx, fd, ep, ep, ep);

    /* tcp: the address given to zmq_bind is ignored in favour of the descriptor's. */
    fd = tcp_listening_fd(&port);
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    serve_on_fd(ctx, fd, "tcp://127.0.0.1:*", ep, ep);

    /* ipc: the path is the endpoint's name; the socket file stays where it is. */
    char path[96];
    snprintf(path, sizeof path, "/tmp/zmq-use-fd-%d", (int) getpid());
    fd = ipc_listening_fd(path);
    snprintf(ep, sizeof ep, "ipc://%s", path);
    serve_on_fd(ctx, fd, ep, ep, ep);
    struct stat st;
    CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));

    CHECK_OK(zmq_ctx_term(ctx));
    /* The application's socket file outlives the zmq socket. */
    CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
    unlink(path);
    return 0;
}
