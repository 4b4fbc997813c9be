#ifndef PHONENUMBERS_ECHO_FLOOR_H
#define PHONENUMBERS_ECHO_FLOOR_H
#include <stddef.h>
#include <stdint.h>

/* Starts a thread that accepts one connection on 127.0.0.1 and echoes 4-byte
   length-prefixed frames with blocking reads and writes. Returns the port, or -1. */
int pn_floor_server_start(void);

/* Serial ping-pong of `size`-byte payloads for `nanoseconds`; writes up to `capacity`
   latencies (ns) and returns how many calls completed, or -1. */
long pn_floor_client_run(int port, size_t size, uint64_t nanoseconds, uint64_t *latencies, size_t capacity);
#endif
