/* zmq_atomic_counter_*: the documented return values, 32-bit wrap-around, and no lost
 * updates when several threads (started with zmq_threadstart) share one counter. */
#include <zmq.h>

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond, what)                                                      \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf (stderr, "%s:%d: %s: failed: %s\n", __FILE__, __LINE__,    \
                     what, #cond);                                             \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

#define THREADS 4
#define ROUNDS 100000

static void documented_values (void)
{
    void *counter = zmq_atomic_counter_new ();
    CHECK (counter != NULL, "zmq_atomic_counter_new returns a counter");
    CHECK (zmq_atomic_counter_value (counter) == 0, "a new counter is 0");
    CHECK (zmq_atomic_counter_inc (counter) == 0, "inc returns the old value (0)");
    CHECK (zmq_atomic_counter_inc (counter) == 1, "inc returns the old value (1)");
    CHECK (zmq_atomic_counter_inc (counter) == 2, "inc returns the old value (2)");
    CHECK (zmq_atomic_counter_value (counter) == 3, "three incs make 3");
    CHECK (zmq_atomic_counter_dec (counter) == 1, "dec to 2 reports non-zero");
    CHECK (zmq_atomic_counter_dec (counter) == 1, "dec to 1 reports non-zero");
    CHECK (zmq_atomic_counter_dec (counter) == 0, "dec to 0 reports zero");
    zmq_atomic_counter_set (counter, 2);
    CHECK (zmq_atomic_counter_value (counter) == 2, "set replaces the value");
    CHECK (zmq_atomic_counter_dec (counter) == 1, "dec to 1 reports non-zero");
    CHECK (zmq_atomic_counter_dec (counter) == 0, "dec to 0 reports zero");
    zmq_atomic_counter_destroy (&counter);
    CHECK (counter == NULL, "destroy NULLs the caller's pointer");
}

static void wraps_like_32_bits (void)
{
    void *counter = zmq_atomic_counter_new ();
    CHECK (zmq_atomic_counter_dec (counter) == 1, "0 - 1 wraps to non-zero");
    CHECK (zmq_atomic_counter_value (counter) == -1, "0 - 1 reads as -1");
    CHECK (zmq_atomic_counter_inc (counter) == -1, "inc from -1 returns -1");
    CHECK (zmq_atomic_counter_value (counter) == 0, "-1 + 1 is 0");
    zmq_atomic_counter_set (counter, 0x7fffffff);
    CHECK (zmq_atomic_counter_inc (counter) == 0x7fffffff, "inc from INT_MAX");
    CHECK (zmq_atomic_counter_value (counter) == -0x7fffffff - 1,
           "INT_MAX + 1 reads as INT_MIN");
    zmq_atomic_counter_destroy (&counter);
}

typedef struct
{
    void *counter;
    void *zeroes; /* counts decrements that reported zero */
} shared_t;

static void increment_many (void *arg)
{
    shared_t *shared = (shared_t *) arg;
    for (int i = 0; i < ROUNDS; i++)
        zmq_atomic_counter_inc (shared->counter);
}

static void decrement_many (void *arg)
{
    shared_t *shared = (shared_t *) arg;
    for (int i = 0; i < ROUNDS; i++)
        if (zmq_atomic_counter_dec (shared->counter) == 0)
            zmq_atomic_counter_inc (shared->zeroes);
}

static void run_threads (zmq_thread_fn *body, shared_t *shared)
{
    void *threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        threads[i] = zmq_threadstart (body, shared);
        CHECK (threads[i] != NULL, "zmq_threadstart returns a handle");
    }
    for (int i = 0; i < THREADS; i++)
        zmq_threadclose (threads[i]);
}

static void shared_between_threads (void)
{
    shared_t shared = {zmq_atomic_counter_new (), zmq_atomic_counter_new ()};
    run_threads (increment_many, &shared);
    CHECK (zmq_atomic_counter_value (shared.counter) == THREADS * ROUNDS,
           "no increment from any thread is lost");
    run_threads (decrement_many, &shared);
    CHECK (zmq_atomic_counter_value (shared.counter) == 0,
           "no decrement from any thread is lost");
    CHECK (zmq_atomic_counter_value (shared.zeroes) == 1,
           "exactly one decrement saw the counter reach zero");
    zmq_atomic_counter_destroy (&shared.counter);
    zmq_atomic_counter_destroy (&shared.zeroes);
}

int main (void)
{
    documented_values ();
    wraps_like_32_bits ();
    shared_between_threads ();
    return 0;
}
