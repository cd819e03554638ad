/* ZMQ_IN_BATCH_SIZE (draft, libzmq 4.3.5 raw_decoder / v2_decoder buffers): the most
 * bytes the engine reads from a connection at once. Observable on a raw connection
 * (STREAM, and DGRAM over tcp), where each read is one message: with
 * IN_BATCH_SIZE 100, 1000 bytes a peer writes at once arrive as messages of at most
 * 100 bytes. (Over ZMTP reads do not show: frames are reassembled whatever the read
 * size.) ZMQ_OUT_BATCH_SIZE bounds how much is gathered per write, which a TCP peer
 * cannot see (the stream has no write boundaries): only its value is tested
 * (test_sockopt_flag_ranges.c).
 *
 * Debian's libzmq has no draft API: ZMQ_C_TESTS_SYSTEM=1 skips this test; run it with
 *   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) cargo test --test c_api -- test_draft_batch_size
 */
#define ZMQ_BUILD_DRAFT_API
#include "common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef ZMQ_IN_BATCH_SIZE
static int raw_connect(const char *endpoint) {
    const char *port = strrchr(endpoint, ':');
    CHECK(port);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t) atoi(port + 1));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    CHECK_OK(connect(fd, (struct sockaddr *) &a, sizeof a));
    return fd;
}

/* The largest message a STREAM with `batch` (0: the default) receives of 1000 bytes. */
static int largest_chunk(void *ctx, int batch) {
    void *stream = zmq_socket(ctx, ZMQ_STREAM);
    CHECK(stream);
    if (batch)
        CHECK_OK(zmq_setsockopt(stream, ZMQ_IN_BATCH_SIZE, &batch, sizeof batch));
    int timeout = 2000;
    CHECK_OK(zmq_setsockopt(stream, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK(zmq_bind(stream, "tcp://127.0.0.1:*"));
    char endpoint[256];
    size_t len = sizeof endpoint;
    CHECK_OK(zmq_getsockopt(stream, ZMQ_LAST_ENDPOINT, endpoint, &len));
    int fd = raw_connect(endpoint);
    char id[256], buf[2048];
    CHECK(zmq_recv(stream, id, sizeof id, 0) > 0);
    CHECK_EQ(zmq_recv(stream, buf, sizeof buf, 0), 0); /* connected */
    char data[1000];
    memset(data, 'x', sizeof data);
    CHECK_EQ(write(fd, data, sizeof data), (ssize_t) sizeof data);
    int total = 0, largest = 0;
    while (total < (int) sizeof data) {
        CHECK(zmq_recv(stream, id, sizeof id, 0) > 0);
        int n = zmq_recv(stream, buf, sizeof buf, 0);
        CHECK(n > 0);
        total += n;
        if (n > largest)
            largest = n;
    }
    CHECK_EQ(total, (int) sizeof data);
    close(fd);
    CHECK_OK(zmq_close(stream));
    return largest;
}
#endif

int main(void) {
#ifdef ZMQ_IN_BATCH_SIZE
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    int largest = largest_chunk(ctx, 100);
    CHECK(largest <= 100);
    /* The default (8192) takes the whole write at once on loopback. */
    CHECK_EQ(largest_chunk(ctx, 0), 1000);
    CHECK_OK(zmq_ctx_term(ctx));
#endif
    return 0;
}
