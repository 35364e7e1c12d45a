/*
** fuzz_croaring.h - CRoaring as the oracle of the Roaring fuzz targets
** (fuzz_roaring.c, fuzz_bitmap_ops.c): the bytes CRoaring (Debian's
** libroaring-dev 0.2.66) writes for a set, in the 32-bit and the 64-bit
** portable format, and a growable buffer to write them to.
**
** The canonical bytes of a set (doc/bitmap.md) are those CRoaring writes
** for a bitmap built value by value and then run-optimized: every
** container starts as an array (up to 4096 values) or a bitset, and
** roaring_bitmap_run_optimize() makes it a run container only where that
** is strictly smaller.  A CRoaring bitmap that already holds run
** containers is not canonical after run_optimize alone (a run container
** that ties with an array stays), and roaring_bitmap_remove_run_compression()
** cannot be used to undo them: in 0.2.66 it crashes on a run container of
** at most 4096 values that ends at 65535 (its 16-bit loop counter wraps).
** Nor does CRoaring merge runs that touch when it reads them.  So crBytes()
** rebuilds each container: one of at most 4096 values from its values
** (roaring_bitmap_add_many() makes it an array), a larger one as the
** bitmap ANDed with its key's range and then ORed with itself, which
** merges runs that touch (a run container or a bitset; with more than 4096
** values a run container never ties).
*/
#ifndef FUZZ_CROARING_H
#define FUZZ_CROARING_H

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <roaring/roaring.h>
#pragma GCC diagnostic pop

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
** Report a disagreement and stop (libFuzzer keeps the input).  The target
** defines FUZZ_NAME, its name, before it includes this file.
*/
#define FAIL(zWhat)                                                            \
 do {                                                                          \
  fprintf(stderr, "%s: line %d: %s\n", FUZZ_NAME, __LINE__, zWhat);            \
  abort();                                                                     \
 } while( 0 )
#define CHECK(bOk, zWhat)                                                      \
 do {                                                                          \
  if( !(bOk) ) FAIL(zWhat);                                                    \
 } while( 0 )

/* How crBytes() writes a set. */
#define CR_CANONICAL 0 /* The canonical bytes */
#define CR_PLAIN     1 /* No run containers (if not too big to rebuild) */
#define CR_OPTIMIZED 2 /* As roaring_bitmap_run_optimize() leaves it */

/* The most values CR_PLAIN rebuilds one by one; larger sets are canonical. */
#define CR_PLAIN_MAX (1 << 20)

/* A growable byte buffer.  All-zero is empty. */
typedef struct Buf Buf;
struct Buf {
  uint8_t *a;
  size_t n, nAlloc;
};

/* Make b n bytes longer; return where they start. */
static inline uint8_t *bufGrow(Buf *b, size_t n) {
  if( b->n + n > b->nAlloc ) {
    b->nAlloc = (b->n + n) * 2 + 64;
    b->a = realloc(b->a, b->nAlloc);
    if( b->a == 0 ) abort();
  }
  b->n += n;
  return b->a + b->n - n;
}

/* Append the n bytes at p to b. */
static inline void bufAppend(Buf *b, const void *p, size_t n) {
  uint8_t *pTo = bufGrow(b, n);
  if( n ) memcpy(pTo, p, n);
}

/* Append v as nByte little-endian bytes to b. */
static inline void bufPut(Buf *b, uint64_t v, int nByte) {
  uint8_t *p = bufGrow(b, (size_t)nByte);
  int i;
  for( i = 0; i < nByte; i++ ) p[i] = (uint8_t)(v >> (8 * i));
}

/* A new CRoaring bitmap of the values of x, container by container. */
static inline roaring_bitmap_t *crRebuild(const roaring_bitmap_t *x,
                                          int bPlain) {
  static uint32_t aVal[65536];
  roaring_bitmap_t *y = roaring_bitmap_create();
  roaring_uint32_iterator_t it;
  roaring_init_iterator(x, &it);
  while( it.has_value ) {
    uint64_t lo = it.current_value & 0xffff0000, hi = lo + 65536;
    uint64_t n = roaring_bitmap_range_cardinality(x, lo, hi);
    if( n <= 4096 || bPlain ) {
      if( roaring_read_uint32_iterator(&it, aVal, (uint32_t)n) != n ) abort();
      roaring_bitmap_add_many(y, (size_t)n, aVal);
    } else {
      roaring_bitmap_t *r = roaring_bitmap_from_range(lo, hi, 1);
      roaring_bitmap_t *z = roaring_bitmap_and(x, r);
      roaring_bitmap_t *z2 =
          roaring_bitmap_or(z, z); /* Runs that touch merge */
      roaring_bitmap_or_inplace(y, z2);
      roaring_bitmap_free(z2);
      roaring_bitmap_free(z);
      roaring_bitmap_free(r);
      if( hi > 0xffffffff ) break;
      roaring_move_uint32_iterator_equalorlarger(&it, (uint32_t)hi);
    }
  }
  return y;
}

/* Append the 32-bit portable bytes of x, written as eHow says, to b. */
static inline void crBytes(const roaring_bitmap_t *x, int eHow, Buf *b) {
  roaring_bitmap_t *y;
  size_t n;
  if( eHow == CR_PLAIN && roaring_bitmap_get_cardinality(x) > CR_PLAIN_MAX ) {
    eHow = CR_CANONICAL;
  }
  y = eHow == CR_OPTIMIZED ? roaring_bitmap_copy(x)
                           : crRebuild(x, eHow == CR_PLAIN);
  if( y == 0 ) abort();
  if( eHow != CR_PLAIN ) roaring_bitmap_run_optimize(y);
  n = roaring_bitmap_portable_size_in_bytes(y);
  if( roaring_bitmap_portable_serialize(y, (char *)bufGrow(b, n)) != n ) {
    fprintf(stderr, "CRoaring's size\n");
    abort();
  }
  roaring_bitmap_free(y);
}

/*
** Append to b the bytes of the set whose values with upper 32 bits
** aKey[i] are the lower 32 bits in aBm[i] (keys ascending, bitmaps perhaps
** empty), each bucket written as eHow says: the 32-bit format if no value
** needs more than 32 bits, else the 64-bit format with the buckets that
** are not empty; with bAll64, the 64-bit format with every bucket.
*/
static inline void crFrame(const uint32_t *aKey, roaring_bitmap_t *const *aBm,
                           int n, int eHow, int bAll64, Buf *b) {
  Buf body;
  int i, nBucket = 0, bWide = bAll64;
  memset(&body, 0, sizeof(body));
  for( i = 0; i < n; i++ ) {
    if( roaring_bitmap_is_empty(aBm[i]) && !bAll64 ) continue;
    bufPut(&body, aKey[i], 4);
    crBytes(aBm[i], eHow, &body);
    nBucket++;
    bWide |= aKey[i] > 0;
  }
  if( bWide ) {
    bufPut(b, (uint64_t)nBucket, 8);
    bufAppend(b, body.a, body.n);
  } else if( nBucket == 1 ) {
    bufAppend(b, body.a + 4, body.n - 4);
  } else {
    bufPut(b, 12346, 4);
    bufPut(b, 0, 4);
  }
  free(body.a);
}

#endif /* FUZZ_CROARING_H */
