#ifndef ALLOCATION_COUNTER_H
#define ALLOCATION_COUNTER_H
#include <stdint.h>

/// Heap allocations (malloc, calloc, realloc) made so far by the calling thread.
/// The Bench executable interposes these functions and forwards to glibc's.
uint64_t allocation_counter_thread_total(void);

#endif
