/* udp:// is a transport libzmq always knows, but only RADIO, DISH and DGRAM (draft
 * types) may use it: every other socket type gets ENOCOMPATPROTO from bind, connect,
 * unbind, disconnect and zmq_socket_monitor, whatever the address. An empty address is
 * EINVAL before the transport is looked at ("foo://" too). */
#include "common.h"

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    const char *endpoints[] = {"udp://127.0.0.1:5555", "udp://*:5556", "udp://not an address",
                               "udp://239.0.0.1:5557"};
    for (int type = ZMQ_PAIR; type <= ZMQ_STREAM; type++) {
        void *s = zmq_socket(ctx, type);
        CHECK(s);
        for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++) {
            CHECK_ERR(zmq_bind(s, endpoints[i]), ENOCOMPATPROTO);
            CHECK_ERR(zmq_connect(s, endpoints[i]), ENOCOMPATPROTO);
            CHECK_ERR(zmq_unbind(s, endpoints[i]), ENOCOMPATPROTO);
            CHECK_ERR(zmq_disconnect(s, endpoints[i]), ENOCOMPATPROTO);
            CHECK_ERR(zmq_socket_monitor(s, endpoints[i], ZMQ_EVENT_ALL), ENOCOMPATPROTO);
        }
        CHECK_ERR(zmq_bind(s, "udp://"), EINVAL);
        CHECK_ERR(zmq_connect(s, "udp://"), EINVAL);
        CHECK_ERR(zmq_bind(s, "foo://"), EINVAL);
        CHECK_ERR(zmq_connect(s, "foo://x"), EPROTONOSUPPORT);
        CHECK_OK(zmq_close(s));
    }
    CHECK_OK(zmq_ctx_term(ctx));
    return 0;
}
