// cppzmq PUB/SUB over tcp and ipc: prefix filters, a poller (zmq::poller_t is draft-only,
// so zmq::poll with zmq::pollitem_t), and a monitor through zmq::monitor_t.
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
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
    zmq::context_t ctx(1);
    std::string ipc = "ipc:///tmp/cppzmq-pubsub-" + std::to_string(getpid()) + ".ipc";
    for (std::string ep : {std::string("tcp://127.0.0.1:*"), ipc}) {
        zmq::socket_t pub(ctx, zmq::socket_type::pub);
        pub.set(zmq::sockopt::linger, 0);
        pub.bind(ep);
        ep = pub.get(zmq::sockopt::last_endpoint);
        zmq::socket_t a(ctx, zmq::socket_type::sub), b(ctx, zmq::socket_type::sub);
        a.set(zmq::sockopt::subscribe, "A");
        a.set(zmq::sockopt::subscribe, "sync");
        b.set(zmq::sockopt::subscribe, "B");
        b.set(zmq::sockopt::subscribe, "sync");
        a.set(zmq::sockopt::linger, 0);
        b.set(zmq::sockopt::linger, 0);
        a.connect(ep);
        b.connect(ep);
        // Publish "sync" until both have one: their subscriptions are then in place.
        bool ha = false, hb = false;
        for (int i = 0; i < 500 && !(ha && hb); i++) {
            pub.send(zmq::str_buffer("sync"), zmq::send_flags::none);
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            zmq::message_t m;
            while (a.recv(m, zmq::recv_flags::dontwait))
                ha = true;
            while (b.recv(m, zmq::recv_flags::dontwait))
                hb = true;
        }
        REQUIRE(ha && hb, "subscriptions reached the publisher");
        for (int i = 0; i < 100; i++) {
            std::string topic = (i % 2) ? "A" : "B";
            zmq::multipart_t m;
            m.addstr(topic);
            m.addstr(std::to_string(i));
            m.send(pub);
        }
        zmq::multipart_t end;
        end.addstr("A");
        end.addstr("end");
        end.send(pub);
        // Collect with zmq::poll over both subscribers.
        std::vector<zmq::pollitem_t> items = {{a.handle(), 0, ZMQ_POLLIN, 0},
                                              {b.handle(), 0, ZMQ_POLLIN, 0}};
        std::vector<int> got_a, got_b;
        bool a_done = false;
        while (!a_done || got_b.size() < 50) {
            int n = zmq::poll(items, std::chrono::milliseconds(10000));
            REQUIRE(n > 0, "poll timed out");
            if (items[0].revents & ZMQ_POLLIN) {
                zmq::multipart_t m(a);
                REQUIRE(m.size() == 2 && m.peekstr(0) == "A", "A gets topic A");
                if (m.peekstr(1) == "end")
                    a_done = true;
                else
                    got_a.push_back(std::stoi(m.peekstr(1)));
            }
            if (items[1].revents & ZMQ_POLLIN) {
                zmq::multipart_t m(b);
                REQUIRE(m.size() == 2 && m.peekstr(0) == "B", "B gets topic B");
                got_b.push_back(std::stoi(m.peekstr(1)));
            }
        }
        REQUIRE(got_a.size() == 50 && got_b.size() == 50, "50 updates each");
        for (int i = 0; i < 50; i++) {
            REQUIRE(got_a[i] == 2 * i + 1 && got_b[i] == 2 * i, "updates in order");
        }
        std::printf("ok: %s: each subscriber got its 50 updates in order\n", ep.c_str());
    }

    // zmq::monitor_t on a publisher: a subscriber connecting is seen as accepted.
    struct Mon : zmq::monitor_t {
        bool listening = false, accepted = false;
        void on_event_listening(const zmq_event_t &, const char *) override { listening = true; }
        void on_event_accepted(const zmq_event_t &, const char *) override { accepted = true; }
    } mon;
    zmq::socket_t pub(ctx, zmq::socket_type::pub);
    mon.init(pub, "inproc://cpp-monitor", ZMQ_EVENT_LISTENING | ZMQ_EVENT_ACCEPTED);
    pub.bind("tcp://127.0.0.1:*");
    zmq::socket_t sub(ctx, zmq::socket_type::sub);
    sub.connect(pub.get(zmq::sockopt::last_endpoint));
    for (int i = 0; i < 100 && !(mon.listening && mon.accepted); i++)
        mon.check_event(100);
    REQUIRE(mon.listening && mon.accepted, "monitor_t saw LISTENING and ACCEPTED");
    std::printf("ok: monitor_t saw LISTENING and ACCEPTED\n");
    std::printf("PASS\n");
    return 0;
}
