// Counts heap allocations per thread by interposing malloc, calloc and realloc in the
// Bench executable and forwarding to glibc's implementations (__libc_*). Counting is a
// thread-local increment; memory still comes from, and returns to, glibc's allocator.
#include "allocation_counter.h"
#include <stddef.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);

static __thread uint64_t thread_allocations;

void *malloc(size_t size) {
    thread_allocations++;
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    thread_allocations++;
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    thread_allocations++;
    return __libc_realloc(pointer, size);
}

uint64_t allocation_counter_thread_total(void) {
    return thread_allocations;
}
