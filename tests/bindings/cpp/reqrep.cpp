// cppzmq REQ/REP over inproc, tcp and ipc: hello world, multipart with zmq::send_multipart
// / recv_multipart, socket options through the typed sockopt API, and the error mapping
// (zmq::error_t carrying libzmq's errno) for a REQ that sends twice.
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

#define REQUIRE(cond, what)                                                          \
    do {                                                                             \
        if (!(cond)) {                                                               \
            std::fprintf(stderr, "FAIL: %s (%s:%d)\n", what, __FILE__, __LINE__);    \
            std::exit(1);                                                            \
        }                                                                            \
    } while (0)

int main()
{
    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    std::printf("cppzmq %d.%d.%d, zmq.h %d.%d.%d, libzmq %d.%d.%d\n", CPPZMQ_VERSION_MAJOR,
                CPPZMQ_VERSION_MINOR, CPPZMQ_VERSION_PATCH, ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR,
                ZMQ_VERSION_PATCH, major, minor, patch);
    REQUIRE(major == 4 && minor == 3 && patch == 5, "runtime libzmq is 4.3.5 (ours)");

    std::string dir = "/tmp/cppzmq-" + std::to_string(getpid());
    std::string ipc = "ipc://" + dir + ".ipc";
    zmq::context_t ctx;
    for (std::string ep : {std::string("inproc://hello"), std::string("tcp://127.0.0.1:*"), ipc}) {
        zmq::socket_t rep(ctx, zmq::socket_type::rep);
        rep.set(zmq::sockopt::linger, 0);
        rep.bind(ep);
        ep = rep.get(zmq::sockopt::last_endpoint);
        zmq::socket_t req(ctx, zmq::socket_type::req);
        req.set(zmq::sockopt::rcvtimeo, 10000);
        req.set(zmq::sockopt::linger, 0);
        REQUIRE(req.get(zmq::sockopt::rcvtimeo) == 10000, "rcvtimeo reads back");
        REQUIRE(req.get(zmq::sockopt::type) == ZMQ_REQ, "socket type reads back");
        req.connect(ep);
        for (int i = 0; i < 10; i++) {
            std::string hello = "Hello " + std::to_string(i);
            REQUIRE(req.send(zmq::buffer(hello), zmq::send_flags::none), "send request");
            zmq::message_t msg;
            REQUIRE(rep.recv(msg, zmq::recv_flags::none), "recv request");
            REQUIRE(msg.to_string() == hello, "request content");
            REQUIRE(rep.send(zmq::str_buffer("World"), zmq::send_flags::none), "send reply");
            REQUIRE(req.recv(msg), "recv reply");
            REQUIRE(msg.to_string() == "World", "reply content");
        }
        std::vector<zmq::const_buffer> parts = {zmq::str_buffer("a"), zmq::str_buffer(""),
                                                zmq::str_buffer("ccc")};
        REQUIRE(zmq::send_multipart(req, parts), "send_multipart");
        std::vector<zmq::message_t> got;
        REQUIRE(zmq::recv_multipart(rep, std::back_inserter(got)) == 3, "recv_multipart 3 parts");
        REQUIRE(got[0].to_string() == "a" && got[1].size() == 0 && got[2].to_string() == "ccc",
                "multipart content");
        // A REQ that sends twice: libzmq's EFSM surfaces as zmq::error_t.
        try {
            req.send(zmq::str_buffer("again"), zmq::send_flags::none);
            REQUIRE(false, "second REQ send succeeded");
        } catch (const zmq::error_t &e) {
            REQUIRE(e.num() == EFSM, "second REQ send throws EFSM");
        }
        zmq::multipart_t reply;
        reply.addstr("x");
        reply.addstr("y");
        REQUIRE(reply.send(rep), "multipart_t send");
        zmq::multipart_t back(req);
        REQUIRE(back.size() == 2 && back.popstr() == "x" && back.popstr() == "y", "multipart_t recv");
        // Non-blocking recv with nothing queued: an empty optional (EAGAIN).
        zmq::message_t none;
        REQUIRE(!rep.recv(none, zmq::recv_flags::dontwait), "dontwait recv on idle REP is empty");
        std::printf("ok: %s: 10 round trips, multipart, EFSM, EAGAIN\n", ep.c_str());
    }
    std::printf("PASS\n");
    return 0;
}
