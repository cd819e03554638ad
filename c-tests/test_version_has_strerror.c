/* zmq_version, zmq_has, zmq_errno and zmq_strerror. */
#include <zmq.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond, what)                                                      \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf (stderr, "%s:%d: %s: failed: %s\n", __FILE__, __LINE__,    \
                     what, #cond);                                             \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

static void version (void)
{
    int major = -1, minor = -1, patch = -1;
    zmq_version (&major, &minor, &patch);
    CHECK (major == ZMQ_VERSION_MAJOR && minor == ZMQ_VERSION_MINOR,
           "the library is the 4.3 series the header describes");
    CHECK (ZMQ_MAKE_VERSION (major, minor, patch) >= ZMQ_VERSION,
           "the library is at least as new as the header");
}

static void has (void)
{
    CHECK (zmq_has ("ipc") == 1, "ipc is available");
    CHECK (zmq_has ("IPC") == 0, "capability names are case-sensitive");
    CHECK (zmq_has ("") == 0, "the empty name is not a capability");
    CHECK (zmq_has ("no-such-capability") == 0, "unknown names answer 0");
    CHECK (zmq_has ("tcp") == 0, "tcp is always there and not a capability name");
    /* The library's answer, whatever the header: yes exactly when it exports the draft
       API (ours always; Debian's libzmq never; one built with drafts does). */
    void *self = dlopen (NULL, RTLD_NOW);
    const int exports_drafts = self && dlsym (self, "zmq_poller_new") != NULL;
    CHECK (zmq_has ("draft") == exports_drafts, "draft means the draft API is there");
    const char *system = getenv ("ZMQ_C_TESTS_SYSTEM");
    if (!system || !*system || strcmp (system, "0") == 0)
        CHECK (zmq_has ("draft") == 1, "ours always has the draft API");
    if (self)
        dlclose (self);
    const int curve = zmq_has ("curve");
    CHECK (curve == 0 || curve == 1, "zmq_has answers 0 or 1");
}

static void errno_and_strerror (void)
{
    errno = EAGAIN;
    CHECK (zmq_errno () == EAGAIN, "zmq_errno reads errno");
    CHECK (zmq_timers_timeout (NULL) == -1, "a failing call");
    CHECK (zmq_errno () == EFAULT, "zmq_errno reports the failing call's errno");

    CHECK (strcmp (zmq_strerror (EFSM),
                   "Operation cannot be accomplished in current state")
             == 0,
           "EFSM text");
    CHECK (strcmp (zmq_strerror (ENOCOMPATPROTO),
                   "The protocol is not compatible with the socket type")
             == 0,
           "ENOCOMPATPROTO text");
    CHECK (strcmp (zmq_strerror (ETERM), "Context was terminated") == 0,
           "ETERM text");
    CHECK (strcmp (zmq_strerror (EMTHREAD), "No thread available") == 0,
           "EMTHREAD text");
    CHECK (strcmp (zmq_strerror (EHOSTUNREACH), "Host unreachable") == 0,
           "EHOSTUNREACH has libzmq's own text");

    const int system_codes[] = {0, EINVAL, EAGAIN, EFAULT, ENOTSUP, EADDRINUSE};
    for (size_t i = 0; i < sizeof system_codes / sizeof system_codes[0]; i++) {
        char expected[256];
        snprintf (expected, sizeof expected, "%s", strerror (system_codes[i]));
        CHECK (strcmp (zmq_strerror (system_codes[i]), expected) == 0,
               "other codes use the C library's text");
    }
    CHECK (zmq_strerror (123456789) != NULL, "an unknown code still has a text");
}

int main (void)
{
    version ();
    has ();
    errno_and_strerror ();
    return 0;
}
