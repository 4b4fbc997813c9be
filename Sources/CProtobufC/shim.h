#ifndef PHONENUMBERS_CPROTOBUFC_SHIM_H
#define PHONENUMBERS_CPROTOBUFC_SHIM_H

#include <protobuf-c/protobuf-c.h>
#include <stdlib.h>
#include <stdint.h>
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

/* Reads a base-128 varint at data[*at] (len bytes in all); 0 when it runs past the end or past 10 bytes. */
static inline int pnbridge_read_varint(const uint8_t *data, size_t len, size_t *at, uint64_t *value) {
    uint64_t result = 0;
    for (unsigned shift = 0; shift < 64 && *at < len; shift += 7) {
        uint8_t byte = data[(*at)++];
        result |= (uint64_t)(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) {
            *value = result;
            return 1;
        }
    }
    return 0;
}

/*
 * 1 when a `string` field of the message `descriptor` describes, or of any message within
 * it, holds a NUL byte on the wire; 0 otherwise. protobuf-c copies strings into C strings,
 * which end at the first NUL: such a string would reach Swift cut short. Bytes that are not
 * a valid encoding answer 0 (protobuf_c_message_unpack then refuses them). No message type
 * here contains itself, so `depth` only guards against a descriptor that would.
 * Costs one memchr when the bytes hold no 0 at all, the common case.
 */
static int pnbridge_strings_hold_nul(const ProtobufCMessageDescriptor *descriptor, const uint8_t *data, size_t len, int depth) {
    if (len == 0 || memchr(data, 0, len) == NULL || depth > 100) {
        return 0;
    }
    size_t at = 0;
    while (at < len) {
        uint64_t key, length;
        if (!pnbridge_read_varint(data, len, &at, &key)) {
            return 0;
        }
        switch (key & 7) {
        case 0:
            if (!pnbridge_read_varint(data, len, &at, &length)) {
                return 0;
            }
            break;
        case 1:
            if (len - at < 8) return 0;
            at += 8;
            break;
        case 5:
            if (len - at < 4) return 0;
            at += 4;
            break;
        case 2: {
            if (!pnbridge_read_varint(data, len, &at, &length) || length > len - at) {
                return 0;
            }
            uint64_t number = key >> 3;
            const ProtobufCFieldDescriptor *field =
                number <= 0xffffffffu ? protobuf_c_message_descriptor_get_field(descriptor, (unsigned)number) : NULL;
            if (field != NULL) {
                if (field->type == PROTOBUF_C_TYPE_STRING && memchr(data + at, 0, (size_t)length) != NULL) {
                    return 1;
                }
                if (field->type == PROTOBUF_C_TYPE_MESSAGE &&
                    pnbridge_strings_hold_nul(field->descriptor, data + at, (size_t)length, depth + 1)) {
                    return 1;
                }
            }
            at += (size_t)length;
            break;
        }
        default:
            return 0;
        }
    }
    return 0;
}

#endif
