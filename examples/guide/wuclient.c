// Weather update client: SUB filtered on one zip code, averages the temperature.
// wuclient [endpoint=tcp://localhost:5556] [zipcode=10001] [updates=100]
#include "zhelpers.h"

int main(int argc, char **argv)
{
    const char *endpoint = arg_or(argc, argv, 1, "tcp://localhost:5556");
    const char *filter = arg_or(argc, argv, 2, "10001");
    int updates = atoi(arg_or(argc, argv, 3, "100"));
    void *context = zmq_ctx_new();
    void *subscriber = zmq_socket(context, ZMQ_SUB);
    CHECK(zmq_connect(subscriber, endpoint));
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%s ", filter);
    CHECK(zmq_setsockopt(subscriber, ZMQ_SUBSCRIBE, prefix, strlen(prefix)));
    int timeout = 10000;
    CHECK(zmq_setsockopt(subscriber, ZMQ_RCVTIMEO, &timeout, sizeof timeout));

    long total_temp = 0;
    for (int n = 0; n < updates; n++) {
        char *string = s_recv(subscriber);
        REQUIRE(string, "no update %d within 10 s: %s", n, zmq_strerror(zmq_errno()));
        int zipcode, temperature, relhumidity;
        REQUIRE(sscanf(string, "%d %d %d", &zipcode, &temperature, &relhumidity) == 3,
                "bad update '%s'", string);
        REQUIRE(strncmp(string, prefix, strlen(prefix)) == 0, "filter let through '%s'", string);
        total_temp += temperature;
        free(string);
    }
    printf("Average temperature for zipcode '%s' over %d updates was %dF\n", filter, updates,
           (int)(total_temp / updates));
    zmq_close(subscriber);
    zmq_ctx_destroy(context);
    return 0;
}
