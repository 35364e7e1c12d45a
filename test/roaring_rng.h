/*
** roaring_rng.h - the random numbers of the Roaring test drivers
** (roaring_unit.c, roaring_diff.c, bench/roaring_bench.c): splitmix64, a
** small, good generator that a seed makes repeatable.  Each driver that
** includes this header has its own state, rngState.
*/
#ifndef ROARING_RNG_H
#define ROARING_RNG_H

#include <stdint.h>

static uint64_t rngState;

/* The next 64 random bits. */
static inline uint64_t rnd64(void) {
  uint64_t z = (rngState += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* A random number in [0, n), or 0 if n is 0. */
static inline uint64_t rndBelow(uint64_t n) {
  return n ? rnd64() % n : 0;
}

#endif /* ROARING_RNG_H */
