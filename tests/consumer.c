/* The smallest program a libzmq user writes: it links, reports the version and opens
   and closes a context. tests/install.sh builds it against the installed prefix. */
#include <errno.h>
#include <stdio.h>
#include <zmq.h>

int main(void)
{
    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    printf("libzmq %d.%d.%d (header %d)\n", major, minor, patch, ZMQ_VERSION);
    if (major != ZMQ_VERSION_MAJOR || minor != ZMQ_VERSION_MINOR) {
        fprintf(stderr, "version mismatch between header and library\n");
        return 1;
    }
    void *ctx = zmq_ctx_new();
    if (!ctx) {
        fprintf(stderr, "zmq_ctx_new failed (errno %d)\n", errno);
        return 1;
    }
    if (zmq_ctx_term(ctx) != 0) {
        fprintf(stderr, "zmq_ctx_term failed (errno %d)\n", errno);
        return 1;
    }
    return 0;
}
