/* A signal handler (without SA_RESTART) interrupts blocking calls: zmq_recv, zmq_send
 * and zmq_poll return -1 with EINTR, as in libzmq, so a program can react to SIGTERM.
 *
 * The library's own threads (I/O threads, and those of zmq_threadstart) block every
 * signal, as libzmq's do, so a signal sent to the process (kill(getpid())) lands on an
 * application thread even while tcp I/O threads exist. An interrupted zmq_poll leaves
 * every item's revents at 0 (libzmq writes them on each pass), not the previous call's. */
#include "common.h"

#include "test_net_util.h"

#include <dirent.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static void on_signal(int sig) { (void) sig; }

static void install(int sig) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART */
    CHECK_EQ(sigaction(sig, &sa, NULL), 0);
}

static void inproc_calls_interrupted_by_alarm(void *ctx) {
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    CHECK_OK(zmq_bind(pull, "inproc://eintr"));
    char buf[8];
    alarm(1);
    CHECK_ERR(zmq_recv(pull, buf, sizeof buf, 0), EINTR);

    /* A send blocked at the HWM: an inproc connect that nobody binds queues SNDHWM. */
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    int hwm = 1, zero = 0;
    CHECK_OK(zmq_setsockopt(push, ZMQ_SNDHWM, &hwm, sizeof hwm));
    CHECK_OK(zmq_setsockopt(push, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK(zmq_connect(push, "inproc://eintr-nobody"));
    alarm(1);
    int rc;
    do
        rc = zmq_send(push, "x", 1, 0);
    while (rc == 1);
    CHECK_EQ(rc, -1);
    CHECK_EQ(zmq_errno(), EINTR);

    zmq_pollitem_t item = {pull, 0, ZMQ_POLLIN, 0};
    alarm(1);
    CHECK_ERR(zmq_poll(&item, 1, -1), EINTR);

    CHECK_OK(zmq_close(pull));
    CHECK_OK(zmq_close(push));
}

/* --- kill(getpid()) while tcp I/O threads run ------------------------------------ */

struct killer {
    pthread_t thread;
    int sig;
};

/* Sends `sig` to the whole process after a while; blocks every signal itself, so the
 * kernel must pick another thread: ours, or the library's if they do not block it. */
static void *killer_body(void *arg) {
    struct killer *k = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    tc_sleep_ms(200);
    CHECK_EQ(kill(getpid(), k->sig), 0);
    return NULL;
}

static void killer_start(struct killer *k, int sig) {
    k->sig = sig;
    CHECK(pthread_create(&k->thread, NULL, killer_body, k) == 0);
}

static void killer_join(struct killer *k) { CHECK(pthread_join(k->thread, NULL) == 0); }

enum call { RECV, MSG_RECV, POLL, SEND_AT_HWM };
static const char *call_names[] = {"zmq_recv", "zmq_msg_recv", "zmq_poll",
                                   "zmq_send at HWM"};

struct sockets {
    void *pull; /* bound over tcp, with a connected peer: nothing to receive */
    void *push; /* connected to a port nobody listens on, at its HWM */
};

static void interrupted(struct sockets *s, enum call c, int sig) {
    struct killer k;
    killer_start(&k, sig);
    errno = 0;
    int rc = 0;
    char buf[8];
    switch (c) {
    case RECV:
        rc = zmq_recv(s->pull, buf, sizeof buf, 0);
        break;
    case MSG_RECV: {
        zmq_msg_t m;
        zmq_msg_init(&m);
        rc = zmq_msg_recv(&m, s->pull, 0);
        zmq_msg_close(&m);
        break;
    }
    case POLL: {
        /* revents from a previous call must not survive the interrupted one. */
        zmq_pollitem_t items[2] = {{s->pull, 0, ZMQ_POLLIN, ZMQ_POLLIN | ZMQ_POLLOUT},
                                   {s->push, 0, ZMQ_POLLIN, ZMQ_POLLIN}};
        rc = zmq_poll(items, 2, 3000);
        if (rc == -1 && zmq_errno() == EINTR && (items[0].revents || items[1].revents))
            TC_FAIL("interrupted zmq_poll left revents %d, %d", items[0].revents,
                    items[1].revents);
        break;
    }
    case SEND_AT_HWM:
        rc = zmq_send(s->push, "x", 1, 0);
        break;
    }
    int err = zmq_errno();
    killer_join(&k);
    if (rc != -1 || err != EINTR)
        TC_FAIL("%s with signal %d sent to the process: got %d/errno %d, expected EINTR",
                call_names[c], sig, rc, err);
}

/* Each blocking call, interrupted by SIGINT then SIGTERM sent to the process. */
static void *worker_body(void *arg) {
    sigset_t two;
    sigemptyset(&two);
    sigaddset(&two, SIGINT);
    sigaddset(&two, SIGTERM);
    CHECK(pthread_sigmask(SIG_UNBLOCK, &two, NULL) == 0);
    const int sigs[] = {SIGINT, SIGTERM};
    for (size_t i = 0; i < 2; i++)
        for (int c = RECV; c <= SEND_AT_HWM; c++)
            interrupted(arg, (enum call) c, sigs[i]);
    return NULL;
}

/* Every thread named ZMQbg... (libzmq's and ours) blocks SIGINT and SIGTERM. Returns
 * how many there are. */
static int library_threads_block_signals(void) {
    DIR *d = opendir("/proc/self/task");
    CHECK(d != NULL);
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[320], comm[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (!fgets(comm, sizeof comm, f))
            comm[0] = 0;
        fclose(f);
        if (strncmp(comm, "ZMQbg", 5) != 0 && strncmp(comm, "ZMQapp", 6) != 0)
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/status", e->d_name);
        f = fopen(path, "r");
        CHECK(f != NULL);
        char line[256];
        unsigned long long blocked = 0;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "SigBlk: %llx", &blocked) == 1)
                break;
        fclose(f);
        unsigned long long wanted = (1ULL << (SIGINT - 1)) | (1ULL << (SIGTERM - 1)) |
                                    (1ULL << (SIGALRM - 1)) | (1ULL << (SIGUSR1 - 1));
        comm[strcspn(comm, "\n")] = 0;
        if ((blocked & wanted) != wanted)
            TC_FAIL("thread %s (%s) takes signals: SigBlk %llx", e->d_name, comm, blocked);
        found++;
    }
    closedir(d);
    return found;
}

static void app_thread(void *arg) {
    /* Stays alive until told, so its mask can be read. */
    void **sync = arg;
    while (!__atomic_load_n((int *) sync[0], __ATOMIC_ACQUIRE))
        tc_sleep_ms(5);
}

static void tcp_calls_interrupted_by_kill(void *ctx) {
    struct sockets s;
    s.pull = net_socket(ctx, ZMQ_PULL);
    /* A signal taken by another thread shows as EAGAIN after this long. */
    net_set_int(s.pull, ZMQ_RCVTIMEO, 3000);
    char ep[128];
    net_bind(s.pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *peer = net_socket(ctx, ZMQ_PUSH);
    CHECK_OK(zmq_connect(peer, ep));
    tc_send_str(peer, "warm-up", 0);
    tc_recv_str_eq(s.pull, "warm-up", 0);

    /* A port nobody listens on: the connect pipe queues SNDHWM messages, then blocks. */
    void *probe = net_socket(ctx, ZMQ_PULL);
    char unused[128];
    net_bind(probe, "tcp://127.0.0.1:*", unused, sizeof unused);
    CHECK_OK(zmq_close(probe));
    s.push = net_socket(ctx, ZMQ_PUSH);
    net_set_int(s.push, ZMQ_SNDHWM, 1);
    net_set_int(s.push, ZMQ_SNDTIMEO, 3000);
    CHECK_OK(zmq_connect(s.push, unused));
    while (zmq_send(s.push, "x", 1, ZMQ_DONTWAIT) == 1) {
    }
    CHECK_EQ(zmq_errno(), EAGAIN);

    int flag = 0;
    void *sync[1] = {&flag};
    void *t = zmq_threadstart(app_thread, sync);
    CHECK(t != NULL);
    tc_sleep_ms(20);
    CHECK(library_threads_block_signals() >= 2);
    __atomic_store_n(&flag, 1, __ATOMIC_RELEASE);
    zmq_threadclose(t);

    /* The calls run on a second application thread while this (main) thread blocks
     * the signals: Linux offers a process signal to the main thread first, so only then
     * does the choice fall among the other threads, the library's included. */
    sigset_t two, previous;
    sigemptyset(&two);
    sigaddset(&two, SIGINT);
    sigaddset(&two, SIGTERM);
    CHECK(pthread_sigmask(SIG_BLOCK, &two, &previous) == 0);
    pthread_t worker;
    CHECK(pthread_create(&worker, NULL, worker_body, &s) == 0);
    CHECK(pthread_join(worker, NULL) == 0);
    CHECK(pthread_sigmask(SIG_SETMASK, &previous, NULL) == 0);

    CHECK_OK(zmq_close(peer));
    CHECK_OK(zmq_close(s.push));
    CHECK_OK(zmq_close(s.pull));
}

int main(void) {
    install(SIGALRM);
    install(SIGINT);
    install(SIGTERM);
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    int threads = 4;
    CHECK_OK(zmq_ctx_set(ctx, ZMQ_IO_THREADS, threads));
    inproc_calls_interrupted_by_alarm(ctx);
    tcp_calls_interrupted_by_kill(ctx);
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
