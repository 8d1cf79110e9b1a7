/* Small helpers for the repeated BPF moves: look up or insert zeroed, a bounded array index,
 * the log2 slot of a value. One place each. */
#ifndef IOPHASE_MAPS_BPF_H
#define IOPHASE_MAPS_BPF_H

#include <bpf/bpf_helpers.h>

#ifndef E2BIG
#define E2BIG 7
#endif
#ifndef EEXIST
#define EEXIST 17
#endif

/* Returns the value for key, inserting `init` first if absent; NULL if the map is full. */
static __always_inline void *lookup_or_init(void *map, const void *key, const void *init)
{
    void *value = bpf_map_lookup_elem(map, key);
    if (value)
        return value;
    long err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
    if (err && err != -EEXIST)
        return NULL;
    return bpf_map_lookup_elem(map, key);
}

/* `index` clamped below `count`, in a form every supported verifier follows: a 64-bit value
 * compared and then used in the same register. (Clang may otherwise compare one copy of a
 * 32-bit value and index with another, which the 6.1 verifier cannot connect.) */
static __always_inline __u64 bounded_index(__u64 index, __u64 count)
{
    if (index >= count)
        index = count - 1;
    asm volatile("" : "+r"(index));
    return index;
}

/* floor(log2(v)) for v > 0; 0 for v == 0. Branch-light so the verifier sees no loop. */
static __always_inline __u64 log2_u64(__u64 v)
{
    __u64 r = 0, shift;
    shift = (v > 0xFFFFFFFFULL) << 5;
    v >>= shift;
    r |= shift;
    shift = (v > 0xFFFF) << 4;
    v >>= shift;
    r |= shift;
    shift = (v > 0xFF) << 3;
    v >>= shift;
    r |= shift;
    shift = (v > 0xF) << 2;
    v >>= shift;
    r |= shift;
    shift = (v > 0x3) << 1;
    v >>= shift;
    r |= shift;
    r |= (v >> 1);
    return r;
}

/* The log2 histogram slot of a duration: [2^i, 2^(i+1)) ns, the last slot open-ended. */
static __always_inline __u64 hist_index(__u64 ns)
{
    return bounded_index(log2_u64(ns), IOP_HIST_SLOTS);
}

#endif /* IOPHASE_MAPS_BPF_H */
