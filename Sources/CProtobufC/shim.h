#ifndef PHONENUMBERS_CPROTOBUFC_SHIM_H
#define PHONENUMBERS_CPROTOBUFC_SHIM_H

#include <protobuf-c/protobuf-c.h>
#include <stdlib.h>
#include <string.h>

/* Swift cannot refer to protobuf_c_empty_string; strings that point at it must never be freed. */
static inline const char *pnbridge_empty_string(void) {
    return protobuf_c_empty_string;
}

/*
 * An allocator that refuses to hand out more than `limit` bytes in total, so that
 * hostile input cannot make protobuf-c's decoder allocate without bound (a repeated
 * field of empty sub-messages costs 2 bytes on the wire and a struct in memory).
 * When the budget is spent, allocation fails and protobuf_c_message_unpack returns NULL.
 * Small allocations are carved from a caller-provided slab (typically on the stack)
 * before falling back to malloc: decoding a small message then allocates nothing on
 * the heap. Slab memory is released with the slab; free() is only called on the rest.
 */
typedef struct {
    ProtobufCAllocator base;
    size_t used;
    size_t limit;
    int exhausted;
    char *slab;
    size_t slab_size;
    size_t slab_used;
} PNBudgetAllocator;

static void *pnbridge_budget_alloc(void *data, size_t size) {
    PNBudgetAllocator *budget = (PNBudgetAllocator *)data;
    if (size > budget->limit - budget->used) {
        budget->exhausted = 1;
        return NULL;
    }
    budget->used += size;
    size_t rounded = (size + 15) & ~(size_t)15;
    if (rounded >= size && rounded <= budget->slab_size - budget->slab_used) {
        void *pointer = budget->slab + budget->slab_used;
        budget->slab_used += rounded;
        return pointer;
    }
    return malloc(size);
}

static void pnbridge_budget_free(void *data, void *pointer) {
    PNBudgetAllocator *budget = (PNBudgetAllocator *)data;
    char *bytes = (char *)pointer;
    if (budget->slab != NULL && bytes >= budget->slab && bytes < budget->slab + budget->slab_size) {
        return;
    }
    free(pointer);
}

/* `slab` (16-byte aligned, `slab_size` bytes, may be NULL with size 0) must outlive the decode. */
static inline void pnbridge_budget_init(PNBudgetAllocator *budget, size_t limit, void *slab, size_t slab_size) {
    budget->base.alloc = pnbridge_budget_alloc;
    budget->base.free = pnbridge_budget_free;
    budget->base.allocator_data = budget;
    budget->used = 0;
    budget->limit = limit;
    budget->exhausted = 0;
    budget->slab = (char *)slab;
    budget->slab_size = slab == NULL ? 0 : slab_size;
    budget->slab_used = 0;
}

static inline ProtobufCAllocator *pnbridge_budget_allocator(PNBudgetAllocator *budget) {
    return &budget->base;
}

#endif
