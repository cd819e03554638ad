/* A REQ and a REP socket in one process, talking over inproc: the REP side runs in a
   second thread and answers each "ping N" with "pong N". Plain libzmq API. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#define ROUNDS 5

static int fail(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, zmq_strerror(zmq_errno()));
    return 1;
}

static void *replier(void *ctx)
{
    void *rep = zmq_socket(ctx, ZMQ_REP);
    if (!rep || zmq_connect(rep, "inproc://demo") != 0) {
        fail("replier");
        return NULL;
    }
    for (int i = 0; i < ROUNDS; i++) {
        char buf[32];
        int n = zmq_recv(rep, buf, sizeof buf - 1, 0);
        if (n < 0) {
            fail("zmq_recv (REP)");
            break;
        }
        buf[n < (int)sizeof buf - 1 ? n : (int)sizeof buf - 1] = '\0';
        char reply[32];
        snprintf(reply, sizeof reply, "pong%s", buf + 4);
        if (zmq_send(rep, reply, strlen(reply), 0) < 0) {
            fail("zmq_send (REP)");
            break;
        }
    }
    zmq_close(rep);
    return NULL;
}

int main(void)
{
    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    printf("libzmq version %d.%d.%d\n", major, minor, patch);

    void *ctx = zmq_ctx_new();
    if (!ctx)
        return fail("zmq_ctx_new");
    void *req = zmq_socket(ctx, ZMQ_REQ);
    if (!req)
        return fail("zmq_socket");
    if (zmq_bind(req, "inproc://demo") != 0)
        return fail("zmq_bind");

    pthread_t thread;
    if (pthread_create(&thread, NULL, replier, ctx) != 0)
        return fail("pthread_create");

    int status = 0;
    for (int i = 0; i < ROUNDS; i++) {
        char msg[32], buf[32];
        snprintf(msg, sizeof msg, "ping %d", i);
        if (zmq_send(req, msg, strlen(msg), 0) < 0) {
            status = fail("zmq_send (REQ)");
            break;
        }
        int n = zmq_recv(req, buf, sizeof buf - 1, 0);
        if (n < 0) {
            status = fail("zmq_recv (REQ)");
            break;
        }
        buf[n < (int)sizeof buf - 1 ? n : (int)sizeof buf - 1] = '\0';
        printf("sent \"%s\", received \"%s\"\n", msg, buf);
        char want[32];
        snprintf(want, sizeof want, "pong %d", i);
        if (strcmp(buf, want) != 0) {
            fprintf(stderr, "expected \"%s\"\n", want);
            status = 1;
            break;
        }
    }

    pthread_join(thread, NULL);
    zmq_close(req);
    zmq_ctx_term(ctx);
    if (status == 0)
        printf("REQ/REP over inproc: %d round trips OK\n", ROUNDS);
    return status;
}
