// Binary drop-in check: compiled against Debian's /usr/include/zmq.h and linked to
// Debian's libzmq.so.5, then run unchanged with another libzmq.so.5 first on
// LD_LIBRARY_PATH. It prints only deterministic facts (no ports, pids, timings), so the
// output under both libraries must be identical; run.sh diffs them.
//   dropin DIR    (DIR: a private directory for ipc endpoints)
#include <zmq.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures = 0;
#define CHECK(expr)                                                                  \
    do {                                                                             \
        if ((expr) == -1) {                                                          \
            fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr,    \
                    zmq_strerror(zmq_errno()));                                      \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)
#define EXPECT(cond)                                                                 \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);      \
            failures++;                                                              \
        }                                                                            \
    } while (0)

static const char *errname(int e)
{
    switch (e) {
    case EAGAIN: return "EAGAIN";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case ENOTSOCK: return "ENOTSOCK";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EADDRINUSE: return "EADDRINUSE";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENOENT: return "ENOENT";
    case EFSM: return "EFSM";
    case ETERM: return "ETERM";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENOCOMPATPROTO: return "ENOCOMPATPROTO";
    case EMTHREAD: return "EMTHREAD";
    default: return "other";
    }
}

// Prints the result of a call that may fail: "rc" or "-1 ERRNAME".
#define SHOW(label, expr)                                                            \
    do {                                                                             \
        int rc_ = (expr);                                                            \
        if (rc_ == -1)                                                               \
            printf("%-44s -1 %s\n", label, errname(zmq_errno()));                    \
        else                                                                         \
            printf("%-44s %d\n", label, rc_);                                        \
    } while (0)

static void *ctx;
static char dir[256];

static void send_str(void *s, const char *str, int flags)
{
    CHECK(zmq_send(s, str, strlen(str), flags));
}

static void recv_str(void *s, char *buf, size_t cap)
{
    int n = zmq_recv(s, buf, cap - 1, 0);
    CHECK(n);
    buf[(size_t)n < cap - 1 ? (size_t)n : cap - 1] = '\0';
}

static int freed = 0;
static void free_fn(void *data, void *hint)
{
    (void)hint;
    freed++;
    free(data);
}

static void messages(void)
{
    printf("-- messages\n");
    printf("sizeof(zmq_msg_t)                            %zu\n", sizeof(zmq_msg_t));
    zmq_msg_t a, b, c;
    CHECK(zmq_msg_init_size(&a, 100));
    memset(zmq_msg_data(&a), 'x', 100);
    CHECK(zmq_msg_init(&b));
    CHECK(zmq_msg_copy(&b, &a));
    printf("copy size                                    %zu\n", zmq_msg_size(&b));
    EXPECT(memcmp(zmq_msg_data(&b), zmq_msg_data(&a), 100) == 0);
    CHECK(zmq_msg_init(&c));
    CHECK(zmq_msg_move(&c, &a));
    printf("after move: source %zu, destination %zu\n", zmq_msg_size(&a), zmq_msg_size(&c));
    // A zmq_msg_t may be moved with memcpy by the caller.
    zmq_msg_t d;
    memcpy(&d, &c, sizeof d);
    printf("memcpy'd message size                        %zu\n", zmq_msg_size(&d));
    printf("zmq_msg_more on fresh message                %d\n", zmq_msg_more(&d));
    SHOW("zmq_msg_get(ZMQ_MORE)", zmq_msg_get(&d, ZMQ_MORE));
    SHOW("zmq_msg_get(12345)", zmq_msg_get(&d, 12345));
    SHOW("zmq_msg_set(ZMQ_MORE, 1)", zmq_msg_set(&d, ZMQ_MORE, 1));
    zmq_msg_close(&a);
    zmq_msg_close(&b);
    zmq_msg_close(&d);

    // Zero-copy: the free function runs exactly once, after the last reference.
    void *data = malloc(1000);
    memset(data, 'z', 1000);
    zmq_msg_t z, z2;
    CHECK(zmq_msg_init_data(&z, data, 1000, free_fn, NULL));
    CHECK(zmq_msg_init(&z2));
    CHECK(zmq_msg_copy(&z2, &z));
    zmq_msg_close(&z);
    printf("ffn calls after closing one of two copies    %d\n", freed);
    void *pull = zmq_socket(ctx, ZMQ_PULL), *push = zmq_socket(ctx, ZMQ_PUSH);
    CHECK(zmq_bind(pull, "inproc://zero-copy"));
    CHECK(zmq_connect(push, "inproc://zero-copy"));
    CHECK(zmq_msg_send(&z2, push, 0));
    zmq_msg_t r;
    CHECK(zmq_msg_init(&r));
    CHECK(zmq_msg_recv(&r, pull, 0));
    printf("received zero-copy message size              %zu\n", zmq_msg_size(&r));
    zmq_msg_close(&r);
    zmq_close(push);
    zmq_close(pull);
    for (int i = 0; i < 100 && freed == 0; i++)
        usleep(10000);
    printf("ffn calls after the last reference is gone   %d\n", freed);
}

static void errors(void)
{
    printf("-- errors\n");
    void *s = zmq_socket(ctx, 999);
    printf("zmq_socket(999)                              %s %s\n", s ? "socket" : "NULL",
           s ? "" : errname(zmq_errno()));
    void *rep = zmq_socket(ctx, ZMQ_REP);
    SHOW("bind foo://bar", zmq_bind(rep, "foo://bar"));
    SHOW("bind tcp without port", zmq_bind(rep, "tcp://127.0.0.1"));
    SHOW("connect inproc:// (empty name)", zmq_connect(rep, "inproc://"));
    char ep[300];
    snprintf(ep, sizeof ep, "ipc://%s/errors.ipc", dir);
    SHOW("bind ipc", zmq_bind(rep, ep));
    void *rep2 = zmq_socket(ctx, ZMQ_REP);
    SHOW("bind tcp://127.0.0.1:*", zmq_bind(rep2, "tcp://127.0.0.1:*"));
    size_t len = sizeof ep;
    CHECK(zmq_getsockopt(rep2, ZMQ_LAST_ENDPOINT, ep, &len));
    SHOW("bind the same tcp port again", zmq_bind(rep, ep));
    SHOW("unbind an endpoint never bound", zmq_unbind(rep, "tcp://127.0.0.1:1"));
    char buf[10];
    SHOW("recv DONTWAIT on empty REP", zmq_recv(rep, buf, sizeof buf, ZMQ_DONTWAIT));
    SHOW("send on REP before any request", zmq_send(rep, "x", 1, 0));
    SHOW("send to NULL socket", zmq_send(NULL, "x", 1, 0));
    SHOW("setsockopt unknown option", zmq_setsockopt(rep, 9999, "x", 1));
    int v = -5;
    SHOW("setsockopt SNDHWM -5", zmq_setsockopt(rep, ZMQ_SNDHWM, &v, sizeof v));
    SHOW("setsockopt SNDHWM with 2-byte value", zmq_setsockopt(rep, ZMQ_SNDHWM, &v, 2));
    size_t sz = sizeof v;
    CHECK(zmq_getsockopt(rep, ZMQ_SNDHWM, &v, &sz));
    printf("%-44s %d\n", "getsockopt SNDHWM", v);
    sz = sizeof v;
    CHECK(zmq_getsockopt(rep, ZMQ_LINGER, &v, &sz));
    printf("%-44s %d\n", "getsockopt LINGER", v);
    sz = sizeof v;
    CHECK(zmq_getsockopt(rep, ZMQ_TYPE, &v, &sz));
    printf("%-44s %d\n", "getsockopt TYPE", v);
    sz = sizeof v;
    CHECK(zmq_getsockopt(rep, ZMQ_EVENTS, &v, &sz));
    printf("%-44s %d\n", "getsockopt EVENTS", v);
    sz = 1;
    SHOW("getsockopt TYPE into 1 byte", zmq_getsockopt(rep, ZMQ_TYPE, &v, &sz));
    void *req = zmq_socket(ctx, ZMQ_REQ);
    CHECK(zmq_connect(req, "inproc://nobody-yet"));
    SHOW("REQ recv before send", zmq_recv(req, buf, sizeof buf, 0));
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    v = 1;
    CHECK(zmq_setsockopt(router, ZMQ_ROUTER_MANDATORY, &v, sizeof v));
    SHOW("ROUTER_MANDATORY send to unknown peer", zmq_send(router, "who", 3, ZMQ_SNDMORE));
    printf("zmq_strerror(EFSM)                           %s\n", zmq_strerror(EFSM));
    printf("zmq_strerror(ETERM)                          %s\n", zmq_strerror(ETERM));
    printf("zmq_has(\"ipc\")                               %d\n", zmq_has("ipc"));
    zmq_close(router);
    zmq_close(req);
    zmq_close(rep2);
    zmq_close(rep);
}

static void reqrep_over(const char *endpoint)
{
    void *rep = zmq_socket(ctx, ZMQ_REP), *req = zmq_socket(ctx, ZMQ_REQ);
    CHECK(zmq_bind(rep, endpoint));
    char ep[300];
    size_t len = sizeof ep;
    CHECK(zmq_getsockopt(rep, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK(zmq_connect(req, ep));
    char buf[64];
    int ok = 0;
    for (int i = 0; i < 100; i++) {
        char q[32];
        snprintf(q, sizeof q, "req %d", i);
        send_str(req, q, 0);
        recv_str(rep, buf, sizeof buf);
        ok += strcmp(buf, q) == 0;
        send_str(rep, "part1", ZMQ_SNDMORE);
        send_str(rep, "part2", 0);
        recv_str(req, buf, sizeof buf);
        int more;
        size_t ms = sizeof more;
        CHECK(zmq_getsockopt(req, ZMQ_RCVMORE, &more, &ms));
        ok += strcmp(buf, "part1") == 0 && more == 1;
        recv_str(req, buf, sizeof buf);
        ok += strcmp(buf, "part2") == 0;
    }
    printf("%-44s %d/300 checks\n", strncmp(endpoint, "tcp", 3) == 0 ? "REQ/REP tcp" :
           strncmp(endpoint, "ipc", 3) == 0 ? "REQ/REP ipc" : "REQ/REP inproc", ok);
    zmq_close(req);
    zmq_close(rep);
}

static void transports(void)
{
    printf("-- transports\n");
    char ep[300];
    reqrep_over("inproc://reqrep");
    reqrep_over("tcp://127.0.0.1:*");
    snprintf(ep, sizeof ep, "ipc://%s/reqrep.ipc", dir);
    reqrep_over(ep);
}

static void polling(void)
{
    printf("-- poll\n");
    void *pull = zmq_socket(ctx, ZMQ_PULL), *push = zmq_socket(ctx, ZMQ_PUSH);
    CHECK(zmq_bind(pull, "tcp://127.0.0.1:*"));
    char ep[300];
    size_t len = sizeof ep;
    CHECK(zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK(zmq_connect(push, ep));
    zmq_pollitem_t items[] = {{pull, 0, ZMQ_POLLIN, 0}, {push, 0, ZMQ_POLLOUT, 0}};
    SHOW("zmq_poll(pull in, push out, 1000 ms)", zmq_poll(items, 2, 1000));
    printf("revents pull %d push %d\n", items[0].revents, items[1].revents);
    items[1].events = 0;
    SHOW("zmq_poll(pull in, 0 ms) with nothing queued", zmq_poll(items, 2, 0));
    send_str(push, "hello", 0);
    SHOW("zmq_poll(pull in, 5000 ms) after a send", zmq_poll(items, 1, 5000));
    printf("revents pull %d\n", items[0].revents);
    int fd;
    size_t fs = sizeof fd;
    CHECK(zmq_getsockopt(pull, ZMQ_FD, &fd, &fs));
    int ev;
    size_t es = sizeof ev;
    CHECK(zmq_getsockopt(pull, ZMQ_EVENTS, &ev, &es));
    printf("ZMQ_EVENTS with a message queued             %d\n", ev);
    char buf[16];
    recv_str(pull, buf, sizeof buf);
    CHECK(zmq_getsockopt(pull, ZMQ_EVENTS, &ev, &es));
    printf("ZMQ_EVENTS after reading it                  %d\n", ev);
    // A plain file descriptor in the same poll set: a pipe with data.
    int p[2];
    EXPECT(pipe(p) == 0);
    EXPECT(write(p[1], "x", 1) == 1);
    zmq_pollitem_t mixed[] = {{pull, 0, ZMQ_POLLIN, 0}, {NULL, p[0], ZMQ_POLLIN, 0}};
    SHOW("zmq_poll(socket + readable pipe fd)", zmq_poll(mixed, 2, 1000));
    printf("revents socket %d fd %d\n", mixed[0].revents, mixed[1].revents);
    close(p[0]);
    close(p[1]);
    zmq_close(push);
    zmq_close(pull);
}

static void *proxy_thread(void *arg)
{
    void **s = arg;
    int rc = zmq_proxy_steerable(s[0], s[1], NULL, s[2]);
    printf("zmq_proxy_steerable returned              %d\n", rc);
    return NULL;
}

static void proxy(void)
{
    printf("-- proxy\n");
    char ipc[300];
    snprintf(ipc, sizeof ipc, "ipc://%s/backend.ipc", dir);
    void *frontend = zmq_socket(ctx, ZMQ_ROUTER), *backend = zmq_socket(ctx, ZMQ_DEALER);
    void *control = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(zmq_bind(frontend, "tcp://127.0.0.1:*"));
    char fe[300];
    size_t len = sizeof fe;
    CHECK(zmq_getsockopt(frontend, ZMQ_LAST_ENDPOINT, fe, &len));
    CHECK(zmq_bind(backend, ipc));
    CHECK(zmq_bind(control, "inproc://proxy-control"));
    void *args[] = {frontend, backend, control};
    pthread_t t;
    pthread_create(&t, NULL, proxy_thread, args);

    void *worker = zmq_socket(ctx, ZMQ_REP), *client = zmq_socket(ctx, ZMQ_REQ);
    CHECK(zmq_connect(worker, ipc));
    CHECK(zmq_connect(client, fe));
    int ok = 0;
    char buf[32];
    for (int i = 0; i < 50; i++) {
        send_str(client, "ping", 0);
        recv_str(worker, buf, sizeof buf);
        ok += strcmp(buf, "ping") == 0;
        send_str(worker, "pong", 0);
        recv_str(client, buf, sizeof buf);
        ok += strcmp(buf, "pong") == 0;
    }
    printf("REQ -tcp-> ROUTER|proxy|DEALER -ipc-> REP     %d/100 checks\n", ok);
    void *ctl = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(zmq_connect(ctl, "inproc://proxy-control"));
    send_str(ctl, "TERMINATE", 0);
    pthread_join(t, NULL);
    zmq_close(ctl);
    zmq_close(client);
    zmq_close(worker);
    zmq_close(control);
    zmq_close(backend);
    zmq_close(frontend);
}

// Reads one monitor event; returns the event number or -1 on timeout.
static int read_event(void *mon, char *endpoint, size_t cap)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, mon, 0) == -1)
        return -1;
    uint16_t event;
    memcpy(&event, zmq_msg_data(&m), 2);
    zmq_msg_close(&m);
    zmq_msg_init(&m);
    CHECK(zmq_msg_recv(&m, mon, 0));
    size_t n = zmq_msg_size(&m) < cap - 1 ? zmq_msg_size(&m) : cap - 1;
    memcpy(endpoint, zmq_msg_data(&m), n);
    endpoint[n] = '\0';
    zmq_msg_close(&m);
    return event;
}

static void monitor(void)
{
    printf("-- monitor\n");
    char ipc[300];
    snprintf(ipc, sizeof ipc, "ipc://%s/monitored.ipc", dir);
    void *server = zmq_socket(ctx, ZMQ_PULL);
    CHECK(zmq_socket_monitor(server, "inproc://mon", ZMQ_EVENT_LISTENING | ZMQ_EVENT_ACCEPTED |
                                                         ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
                                                         ZMQ_EVENT_DISCONNECTED |
                                                         ZMQ_EVENT_CLOSED |
                                                         ZMQ_EVENT_MONITOR_STOPPED));
    void *mon = zmq_socket(ctx, ZMQ_PAIR);
    int timeout = 5000;
    CHECK(zmq_setsockopt(mon, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK(zmq_connect(mon, "inproc://mon"));
    CHECK(zmq_bind(server, ipc));
    void *client = zmq_socket(ctx, ZMQ_PUSH);
    CHECK(zmq_connect(client, ipc));
    send_str(client, "x", 0);
    char buf[8];
    recv_str(server, buf, sizeof buf);
    char endpoint[300];
    for (int i = 0; i < 3; i++) {
        int e = read_event(mon, endpoint, sizeof endpoint);
        printf("event %-5d endpoint is ours: %d\n", e, strcmp(endpoint, ipc) == 0);
    }
    zmq_close(client);
    int e = read_event(mon, endpoint, sizeof endpoint);
    printf("after the client closed: event %d\n", e);
    zmq_close(server);
    while ((e = read_event(mon, endpoint, sizeof endpoint)) != -1) {
        printf("after the server closed: event %d\n", e);
        if (e == ZMQ_EVENT_MONITOR_STOPPED)
            break;
    }
    zmq_close(mon);
}

static void pubsub(void)
{
    printf("-- pub/sub\n");
    void *pub = zmq_socket(ctx, ZMQ_PUB), *sub = zmq_socket(ctx, ZMQ_SUB);
    CHECK(zmq_bind(pub, "inproc://pubsub"));
    CHECK(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "b", 1));
    CHECK(zmq_connect(sub, "inproc://pubsub"));
    const char *topics[] = {"apple", "banana", "blueberry", "cherry", "b"};
    for (int i = 0; i < 5; i++)
        send_str(pub, topics[i], 0);
    char buf[32];
    int n;
    while ((n = zmq_recv(sub, buf, sizeof buf - 1, ZMQ_DONTWAIT)) >= 0) {
        buf[n] = '\0';
        printf("sub 'b' got %s\n", buf);
    }
    printf("then %s\n", errname(zmq_errno()));
    zmq_close(sub);
    zmq_close(pub);
}

int main(int argc, char **argv)
{
    snprintf(dir, sizeof dir, "%s", argc > 1 ? argv[1] : "/tmp");
    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    fprintf(stderr, "zmq_version at run time: %d.%d.%d (compiled with zmq.h %d.%d.%d)\n",
            major, minor, patch, ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH);
    ctx = zmq_ctx_new();
    printf("ZMQ_IO_THREADS default                       %d\n", zmq_ctx_get(ctx, ZMQ_IO_THREADS));
    printf("ZMQ_MAX_SOCKETS default                      %d\n", zmq_ctx_get(ctx, ZMQ_MAX_SOCKETS));
    messages();
    errors();
    transports();
    polling();
    pubsub();
    proxy();
    monitor();
    printf("zmq_ctx_term                                 %d\n", zmq_ctx_term(ctx));
    void *s = zmq_socket(ctx, ZMQ_PAIR);
    printf("zmq_socket on a terminated context           %s\n", s ? "socket" : errname(zmq_errno()));
    printf("failed expectations                          %d\n", failures);
    return failures ? 1 : 0;
}
