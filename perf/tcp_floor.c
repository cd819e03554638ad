/* The floor under the ZeroMQ numbers: the same measurements over plain sockets on the
   same machine, with no ZeroMQ at all.

     tcp_floor thr <tcp|unix> <message-size> <message-count>
     tcp_floor lat <tcp|unix> <message-size> <roundtrip-count>

   The process listens (tcp on 127.0.0.1 with a kernel-chosen port, or a unix stream
   socket in a fresh temporary directory) and forks a peer that connects, so one command
   makes a pair of processes, as local_* and remote_* do.

   thr: the peer streams <message-count> records, each a 4-byte length followed by
   <message-size> bytes, packing them into a 64 KiB buffer that it writes when full (a
   record too big for the buffer goes out in one writev). The measuring side reads 64 KiB
   at a time and walks the length prefixes to count whole records. As in local_thr the
   clock starts at the first read and the rate is message-count over the time measured.
   Output lines match local_thr.

   lat: the measuring side writes <message-size> bytes, the peer reads exactly that many
   and writes them back; half the average round trip is reported. Output lines match
   remote_lat. Both sides set TCP_NODELAY, as ZeroMQ does. */
#define _GNU_SOURCE
#define PERF_NO_ZMQ
#include "perf_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define BATCH 65536

static void die(const char *what)
{
    fprintf(stderr, "tcp_floor: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("write");
        }
        p += n;
        len -= (size_t)n;
    }
}

static void writev_all(int fd, struct iovec *iov, int count)
{
    while (count > 0) {
        ssize_t n = writev(fd, iov, count);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("writev");
        }
        while (count > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            count--;
        }
        if (count > 0) {
            iov->iov_base = (char *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
}

static void read_exact(int fd, void *data, size_t len)
{
    char *p = data;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("read");
        }
        if (n == 0) {
            fprintf(stderr, "tcp_floor: peer closed early\n");
            exit(1);
        }
        p += n;
        len -= (size_t)n;
    }
}

static void nodelay(int fd, int is_tcp)
{
    int one = 1;
    if (is_tcp && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        die("TCP_NODELAY");
}

/* The peer's half of "thr": stream the records, then close. */
static void stream_records(int fd, int size, int count)
{
    char *buf = malloc(BATCH);
    char *payload = calloc(1, (size_t)size);
    if (!buf || !payload)
        die("malloc");
    uint32_t header = (uint32_t)size;
    size_t record = sizeof header + (size_t)size;
    size_t used = 0;
    for (int i = 0; i < count; i++) {
        if (record > BATCH) {
            if (used) {
                write_all(fd, buf, used);
                used = 0;
            }
            struct iovec iov[2] = {{&header, sizeof header}, {payload, (size_t)size}};
            writev_all(fd, iov, 2);
            continue;
        }
        if (used + record > BATCH) {
            write_all(fd, buf, used);
            used = 0;
        }
        memcpy(buf + used, &header, sizeof header);
        memcpy(buf + used + sizeof header, payload, (size_t)size);
        used += record;
    }
    if (used)
        write_all(fd, buf, used);
    free(buf);
    free(payload);
}

/* The measuring half of "thr": count whole records until <count> have arrived. */
static void count_records(int fd, int size, int count)
{
    unsigned char *buf = malloc(BATCH);
    if (!buf)
        die("malloc");
    int received = 0;
    size_t skip = 0;         /* payload bytes of the current record still to come */
    unsigned char hdr[4];
    size_t hdr_have = 0;     /* bytes of the next length prefix seen so far */
    double start = 0;
    while (received < count) {
        ssize_t n = read(fd, buf, BATCH);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("read");
        }
        if (n == 0) {
            fprintf(stderr, "tcp_floor: peer closed after %d records\n", received);
            exit(1);
        }
        if (start == 0)
            start = perf_now_us();
        size_t pos = 0, len = (size_t)n;
        while (pos < len) {
            if (skip) {
                size_t take = len - pos < skip ? len - pos : skip;
                pos += take;
                skip -= take;
                if (!skip)
                    received++;
                continue;
            }
            hdr[hdr_have++] = buf[pos++];
            if (hdr_have == sizeof hdr) {
                uint32_t length;
                memcpy(&length, hdr, sizeof length);
                if (length != (uint32_t)size) {
                    fprintf(stderr, "tcp_floor: record of wrong size %u\n", length);
                    exit(1);
                }
                hdr_have = 0;
                skip = length;
            }
        }
    }
    double elapsed = perf_now_us() - start;
    if (elapsed <= 0)
        elapsed = 1;
    free(buf);

    perf_print_throughput(size, count, (double)count * 1e6 / elapsed);
}

static void echo(int fd, int size, int count)
{
    char *buf = malloc((size_t)size);
    if (!buf)
        die("malloc");
    for (int i = 0; i < count; i++) {
        read_exact(fd, buf, (size_t)size);
        write_all(fd, buf, (size_t)size);
    }
    free(buf);
}

static void ping(int fd, int size, int count)
{
    char *buf = calloc(1, (size_t)size);
    if (!buf)
        die("malloc");
    double start = perf_now_us();
    for (int i = 0; i < count; i++) {
        write_all(fd, buf, (size_t)size);
        read_exact(fd, buf, (size_t)size);
    }
    double elapsed = perf_now_us() - start;
    free(buf);

    printf("message size: %d [B]\n", size);
    printf("roundtrip count: %d\n", count);
    printf("average latency: %.3f [us]\n", elapsed / (count * 2.0));
}

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[1], "thr") && strcmp(argv[1], "lat"))
        || (strcmp(argv[2], "tcp") && strcmp(argv[2], "unix"))) {
        fprintf(stderr, "usage: tcp_floor <thr|lat> <tcp|unix> <message-size> <count>\n");
        return 1;
    }
    int thr = strcmp(argv[1], "thr") == 0;
    int is_tcp = strcmp(argv[2], "tcp") == 0;
    int size = perf_arg(argv[3], "message-size");
    int count = perf_arg(argv[4], "count");
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_storage addr;
    socklen_t addr_len;
    char dir[] = "/tmp/tcp_floor.XXXXXX";
    memset(&addr, 0, sizeof addr);
    int listener = socket(is_tcp ? AF_INET : AF_UNIX, SOCK_STREAM, 0);
    if (listener < 0)
        die("socket");
    if (is_tcp) {
        struct sockaddr_in *in = (struct sockaddr_in *)&addr;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        in->sin_port = 0;
        addr_len = sizeof *in;
    } else {
        if (!mkdtemp(dir))
            die("mkdtemp");
        struct sockaddr_un *un = (struct sockaddr_un *)&addr;
        un->sun_family = AF_UNIX;
        snprintf(un->sun_path, sizeof un->sun_path, "%s/s", dir);
        addr_len = sizeof *un;
    }
    if (bind(listener, (struct sockaddr *)&addr, addr_len) != 0)
        die("bind");
    if (listen(listener, 1) != 0)
        die("listen");
    addr_len = sizeof addr;
    if (getsockname(listener, (struct sockaddr *)&addr, &addr_len) != 0)
        die("getsockname");
    fflush(stdout);

    pid_t child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a killed parent */
        close(listener);
        int fd = socket(is_tcp ? AF_INET : AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0)
            die("socket (peer)");
        if (connect(fd, (struct sockaddr *)&addr, addr_len) != 0)
            die("connect");
        nodelay(fd, is_tcp);
        if (thr)
            stream_records(fd, size, count);
        else
            echo(fd, size, count);
        close(fd);
        _exit(0);
    }

    int fd = accept(listener, NULL, NULL);
    if (fd < 0)
        die("accept");
    close(listener);
    if (!is_tcp) {
        unlink(((struct sockaddr_un *)&addr)->sun_path);
        rmdir(dir);
    }
    nodelay(fd, is_tcp);
    if (thr)
        count_records(fd, size, count);
    else
        ping(fd, size, count);
    close(fd);

    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "tcp_floor: peer failed\n");
        return 1;
    }
    return 0;
}
