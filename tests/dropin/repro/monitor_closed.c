/* Closing a bound socket must emit ZMQ_EVENT_CLOSED for its listener before
   ZMQ_EVENT_MONITOR_STOPPED (libzmq 4.3.4: always). */
#include <zmq.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    int missing = 0;
    for (int i = 0; i < 200; i++) {
        void *ctx = zmq_ctx_new();
        void *s = zmq_socket(ctx, ZMQ_PULL);
        zmq_socket_monitor(s, "inproc://mon", ZMQ_EVENT_CLOSED | ZMQ_EVENT_MONITOR_STOPPED);
        void *mon = zmq_socket(ctx, ZMQ_PAIR);
        zmq_connect(mon, "inproc://mon");
        zmq_bind(s, "tcp://127.0.0.1:*");
        zmq_close(s);
        int seen_closed = 0;
        while (1) {
            zmq_msg_t m; uint16_t ev;
            zmq_msg_init(&m); zmq_msg_recv(&m, mon, 0);
            memcpy(&ev, zmq_msg_data(&m), 2); zmq_msg_close(&m);
            zmq_msg_init(&m); zmq_msg_recv(&m, mon, 0); zmq_msg_close(&m);
            if (ev == ZMQ_EVENT_CLOSED) seen_closed = 1;
            if (ev == ZMQ_EVENT_MONITOR_STOPPED) break;
        }
        missing += !seen_closed;
        zmq_close(mon);
        zmq_ctx_term(ctx);
    }
    printf("CLOSED missing before MONITOR_STOPPED in %d of 200 runs\n", missing);
    return missing != 0;
}
