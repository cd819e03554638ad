/*
    zmq_utils.h: kept for programs that include it. Everything it declares is also in
    zmq.h; libzmq deprecated this header in 4.x and so do we.

    SPDX-License-Identifier: MPL-2.0
*/

#ifndef __ZMQ_UTILS_H_INCLUDED__
#define __ZMQ_UTILS_H_INCLUDED__

#include "zmq.h"

#ifdef __cplusplus
extern "C" {
#endif

/*  Starts a stopwatch; returns its handle. */
ZMQ_EXPORT void *zmq_stopwatch_start(void);

/*  Microseconds since the stopwatch started; the stopwatch keeps running. */
ZMQ_EXPORT unsigned long zmq_stopwatch_intermediate(void *watch);

/*  Microseconds since the stopwatch started; frees the stopwatch. */
ZMQ_EXPORT unsigned long zmq_stopwatch_stop(void *watch);

/*  Sleeps for the given number of seconds. */
ZMQ_EXPORT void zmq_sleep(int seconds);

/*  Starts a thread running func(arg); returns its handle. */
ZMQ_EXPORT void *zmq_threadstart(zmq_thread_fn *func, void *arg);

/*  Waits for the thread to finish and frees its handle. */
ZMQ_EXPORT void zmq_threadclose(void *thread);

#ifdef __cplusplus
}
#endif

#endif /* __ZMQ_UTILS_H_INCLUDED__ */
