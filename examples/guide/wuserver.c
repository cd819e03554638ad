// Weather update server: binds PUB and publishes random "zipcode temperature humidity"
// updates until SIGINT/SIGTERM. wuserver [endpoint=tcp://*:5556] [endpoint2=ipc://weather.ipc]
#include "zhelpers.h"

#include <signal.h>

static volatile sig_atomic_t interrupted = 0;
static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

int main(int argc, char **argv)
{
    struct sigaction action = {0};
    action.sa_handler = on_signal;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);

    void *context = zmq_ctx_new();
    void *publisher = zmq_socket(context, ZMQ_PUB);
    CHECK(zmq_bind(publisher, arg_or(argc, argv, 1, "tcp://*:5556")));
    CHECK(zmq_bind(publisher, arg_or(argc, argv, 2, "ipc://weather.ipc")));

    srandom((unsigned)time(NULL));
    long sent = 0;
    while (!interrupted) {
        int zipcode = (int)(random() % 100000);
        int temperature = (int)(random() % 215) - 80;
        int relhumidity = (int)(random() % 50) + 10;
        char update[20];
        /* Make sure the subscribers' zip code comes up often. */
        if (sent % 10 == 0)
            zipcode = 10001;
        snprintf(update, sizeof update, "%05d %d %d", zipcode, temperature, relhumidity);
        if (s_send(publisher, update) == -1) {
            if (zmq_errno() == EINTR)
                break;
            CHECK(-1);
        }
        if (++sent % 1000 == 0)
            s_sleep(1); /* do not flood the subscribers' HWM on a 2-core box */
    }
    printf("wuserver: interrupted after %ld updates\n", sent);
    zmq_close(publisher);
    zmq_ctx_destroy(context);
    return 0;
}
