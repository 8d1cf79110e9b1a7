/* Small helpers for the repeated BPF moves: look up or insert zeroed, log2 slot. */
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

/* floor(log2(v)) for v > 0; 0 for v == 0. Branch-light so the verifier sees no loop. */
static __always_inline __u32 log2_u64(__u64 v)
{
    __u32 r = 0, shift;
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

#endif /* IOPHASE_MAPS_BPF_H */
