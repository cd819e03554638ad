/* zmq_msg_get(ZMQ_SRCFD) (deprecated, still in 4.3.5): the descriptor of the
 * connection a received message came in on, over tcp and ipc, on the accepting and on
 * the connecting side. libzmq keeps it as the private "__fd" property, so
 * zmq_msg_gets(msg, "__fd") shows it too. A message without connection properties
 * (new, or from inproc) answers -1 with EINVAL. */
#include "common.h"
#include "test_net_util.h"

#include <sys/un.h>

/* Receives one message on `s` and returns its SRCFD, checking "__fd" agrees. */
static int recv_srcfd(void *s) {
    zmq_msg_t msg;
    CHECK_OK(zmq_msg_init(&msg));
    CHECK_OK(zmq_msg_recv(&msg, s, 0));
    int fd = zmq_msg_get(&msg, ZMQ_SRCFD);
    CHECK(fd >= 0);
    const char *text = zmq_msg_gets(&msg, "__fd");
    CHECK(text != NULL);
    CHECK_EQ(atoi(text), fd);
    CHECK_OK(zmq_msg_close(&msg));
    return fd;
}

static int tcp_local_port(int fd) {
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    CHECK(getsockname(fd, (struct sockaddr *) &sa, &len) == 0);
    CHECK_EQ(sa.sin_family, AF_INET);
    return ntohs(sa.sin_port);
}

static int tcp_peer_port(int fd) {
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    CHECK(getpeername(fd, (struct sockaddr *) &sa, &len) == 0);
    return ntohs(sa.sin_port);
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);

    /* A message that never travelled. */
    zmq_msg_t fresh;
    CHECK_OK(zmq_msg_init_size(&fresh, 3));
    CHECK_ERR(zmq_msg_get(&fresh, ZMQ_SRCFD), EINVAL);
    CHECK_OK(zmq_msg_close(&fresh));

    /* tcp, accepting side: the accepted connection's local port is the bound one. */
    char ep[128];
    void *pull = net_socket(ctx, ZMQ_PULL);
    net_bind(pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *push = net_socket(ctx, ZMQ_PUSH);
    CHECK_OK(zmq_connect(push, ep));
    tc_send_str(push, "a", 0);
    int fd = recv_srcfd(pull);
    CHECK_EQ(tcp_local_port(fd), net_port(ep));
    /* Every message of the connection names the same descriptor. */
    tc_send_str(push, "b", 0);
    CHECK_EQ(recv_srcfd(pull), fd);
    zmq_close(push);
    zmq_close(pull);

    /* tcp, connecting side: the connection's peer port is the bound one. */
    push = net_socket(ctx, ZMQ_PUSH);
    net_bind(push, "tcp://127.0.0.1:*", ep, sizeof ep);
    pull = net_socket(ctx, ZMQ_PULL);
    CHECK_OK(zmq_connect(pull, ep));
    tc_send_str(push, "c", 0);
    fd = recv_srcfd(pull);
    CHECK_EQ(tcp_peer_port(fd), net_port(ep));
    zmq_close(push);
    zmq_close(pull);

    /* ipc: a unix socket. */
    net_ipc_ep(ep, sizeof ep, "srcfd");
    pull = net_socket(ctx, ZMQ_PULL);
    CHECK_OK(zmq_bind(pull, ep));
    push = net_socket(ctx, ZMQ_PUSH);
    CHECK_OK(zmq_connect(push, ep));
    tc_send_str(push, "d", 0);
    fd = recv_srcfd(pull);
    struct sockaddr_un su;
    socklen_t len = sizeof su;
    CHECK(getsockname(fd, (struct sockaddr *) &su, &len) == 0);
    CHECK_EQ(su.sun_family, AF_UNIX);
    zmq_close(push);
    zmq_close(pull);

    /* inproc messages carry no properties. */
    pull = net_socket(ctx, ZMQ_PULL);
    CHECK_OK(zmq_bind(pull, "inproc://srcfd"));
    push = net_socket(ctx, ZMQ_PUSH);
    CHECK_OK(zmq_connect(push, "inproc://srcfd"));
    tc_send_str(push, "e", 0);
    zmq_msg_t msg;
    CHECK_OK(zmq_msg_init(&msg));
    CHECK_OK(zmq_msg_recv(&msg, pull, 0));
    CHECK_ERR(zmq_msg_get(&msg, ZMQ_SRCFD), EINVAL);
    CHECK_OK(zmq_msg_close(&msg));
    zmq_close(push);
    zmq_close(pull);

    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
