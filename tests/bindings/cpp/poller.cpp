// cppzmq's draft pollers (compiled with ZMQ_BUILD_DRAFT_API): zmq::poller_t with user
// data (add, modify, remove, wait_all, size, the error for a socket added twice) and
// zmq::active_poller_t with handlers, over inproc PAIR sockets and a ROUTER/DEALER pair
// over tcp, all on our libzmq.
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#define REQUIRE(cond, what)                                                          \
    do {                                                                             \
        if (!(cond)) {                                                               \
            std::fprintf(stderr, "FAIL: %s (%s:%d)\n", what, __FILE__, __LINE__);    \
            std::exit(1);                                                            \
        }                                                                            \
    } while (0)

using namespace std::chrono_literals;

static void poller_with_user_data(zmq::context_t &ctx)
{
    zmq::socket_t a(ctx, zmq::socket_type::pair), b(ctx, zmq::socket_type::pair);
    zmq::socket_t c(ctx, zmq::socket_type::pair), d(ctx, zmq::socket_type::pair);
    a.bind("inproc://cpp-poller-ab");
    b.connect("inproc://cpp-poller-ab");
    c.bind("inproc://cpp-poller-cd");
    d.connect("inproc://cpp-poller-cd");

    std::string name_a = "a", name_c = "c";
    zmq::poller_t<std::string> poller;
    poller.add(a, zmq::event_flags::pollin, &name_a);
    poller.add(c, zmq::event_flags::pollin, &name_c);
    REQUIRE(poller.size() == 2, "two sockets in the poller");
    bool threw = false;
    try {
        poller.add(a, zmq::event_flags::pollin, &name_a);
    } catch (const zmq::error_t &e) {
        threw = e.num() == EINVAL;
    }
    REQUIRE(threw, "adding a socket twice throws EINVAL");

    std::vector<zmq::poller_event<std::string>> events(2);
    REQUIRE(poller.wait_all(events, 0ms) == 0, "nothing ready: 0 (EAGAIN)");
    d.send(zmq::str_buffer("to c"), zmq::send_flags::none);
    b.send(zmq::str_buffer("to a"), zmq::send_flags::none);
    REQUIRE(poller.wait_all(events, 1000ms) == 2, "both ready");
    REQUIRE(events[0].socket == a && *events[0].user_data == "a", "a first (added first)");
    REQUIRE(events[1].socket == c && *events[1].user_data == "c", "then c");
    REQUIRE(events[0].events == zmq::event_flags::pollin, "pollin");
    zmq::message_t msg;
    REQUIRE(a.recv(msg) && msg.to_string() == "to a", "a's message");
    REQUIRE(poller.wait_all(events, 0ms) == 1, "only c left");
    REQUIRE(events[0].socket == c, "c");
    REQUIRE(c.recv(msg) && msg.to_string() == "to c", "c's message");

    poller.modify(a, zmq::event_flags::pollin | zmq::event_flags::pollout);
    REQUIRE(poller.wait_all(events, 0ms) == 1, "a is writable");
    REQUIRE(events[0].events == zmq::event_flags::pollout, "pollout only");
    poller.remove(a);
    REQUIRE(poller.size() == 1, "one left");
    REQUIRE(poller.wait_all(events, 0ms) == 0, "removed: not reported");
    std::printf("poller_t: ok\n");
}

static void active_poller_with_handlers(zmq::context_t &ctx)
{
    zmq::socket_t router(ctx, zmq::socket_type::router);
    router.set(zmq::sockopt::linger, 0);
    router.bind("tcp://127.0.0.1:*");
    std::string endpoint = router.get(zmq::sockopt::last_endpoint);
    std::vector<zmq::socket_t> dealers;
    for (int i = 0; i < 8; i++) {
        dealers.emplace_back(ctx, zmq::socket_type::dealer);
        dealers.back().set(zmq::sockopt::linger, 0);
        dealers.back().connect(endpoint);
    }

    zmq::active_poller_t poller;
    int served = 0, answered = 0;
    poller.add(router, zmq::event_flags::pollin, [&](zmq::event_flags) {
        std::vector<zmq::message_t> parts;
        REQUIRE(zmq::recv_multipart(router, std::back_inserter(parts)), "router recv");
        REQUIRE(parts.size() == 2, "routing id + body");
        zmq::send_multipart(router, parts);
        served++;
    });
    for (auto &dealer : dealers) {
        poller.add(dealer, zmq::event_flags::pollin, [&](zmq::event_flags e) {
            REQUIRE(e == zmq::event_flags::pollin, "dealer pollin");
            zmq::message_t reply;
            REQUIRE(dealer.recv(reply) && reply.to_string() == "ping", "echo");
            answered++;
        });
    }
    REQUIRE(poller.size() == 9, "router + 8 dealers");
    for (auto &dealer : dealers)
        dealer.send(zmq::str_buffer("ping"), zmq::send_flags::none);
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (answered < 8 && std::chrono::steady_clock::now() < deadline)
        poller.wait(1000ms);
    REQUIRE(served == 8 && answered == 8, "every ping served and answered");
    REQUIRE(poller.wait(0ms) == 0, "quiet again");
    poller.remove(dealers[0]);
    REQUIRE(poller.size() == 8, "removed one");
    std::printf("active_poller_t: ok (%d served, %d answered)\n", served, answered);
}

int main()
{
    REQUIRE(zmq_has("draft") == 1, "the library has the draft API");
    zmq::context_t ctx;
    poller_with_user_data(ctx);
    active_poller_with_handlers(ctx);
    return 0;
}
