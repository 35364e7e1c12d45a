/*
** roaring_bench.c - frugal's Roaring engine against CRoaring, side by side.
**
**   roaring_bench [REPS]
**
** For each shape of large bitmaps (sparse arrays, dense bitsets, runs, and
** a mix of the three), builds two different sets A and B in CRoaring
** (Debian's libroaring-dev), run-optimizes them, and reads CRoaring's bytes
** into frugal's engine, so that both hold the same containers of the same
** kinds.  Then it times, in the same run, best of REPS (default 9):
**
**   and, or, andnot         a new bitmap (roaringOp / roaring_bitmap_and...)
**   and_count, or_count,    the size only (roaringOpCount /
**   andnot_count            roaring_bitmap_and_cardinality...)
**
** and checks that both give the same set with serializations of the same
** size (see same()).  Prints one line per shape and operation:
**
**   SHAPE OP FRUGAL_MS CROARING_MS
**
** with times in milliseconds (three decimals), for test/bench/
** bench_bitmap.sh; exits 1 if a result differs.
*/
#include "roaring.h"
#include "../roaring_rng.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <roaring/roaring.h>
#pragma GCC diagnostic pop

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_SHAPE 4
#define N_OP    6

static const char *azShape[N_SHAPE] = { "sparse", "dense", "runs", "mixed" };
static const char *azOp[N_OP] = { "and",       "or",       "andnot",
                                  "and_count", "or_count", "andnot_count" };

/* Milliseconds since some fixed point. */
static double nowMs(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Add the values of shape eShape, starting at base, to cr. */
static void fill(roaring_bitmap_t *cr, int eShape, uint32_t base) {
  int i;
  switch( eShape ) {
    case 0: /* Sparse: about 30 values in each of 32768 containers */
      for( i = 0; i < 1000000; i++ ) {
        roaring_bitmap_add(cr, base + (uint32_t)(rnd64() % 2147483648U));
      }
      break;
    case 1: /* Dense: bitsets, half full, in 256 containers */
      for( i = 0; i < 8000000; i++ ) {
        roaring_bitmap_add(cr, base + (uint32_t)(rnd64() % 16777216U));
      }
      break;
    case 2: /* Runs: 20000 runs of up to 2000 values */
      for( i = 0; i < 20000; i++ ) {
        uint64_t lo = base + rnd64() % 1073741824U;
        roaring_bitmap_add_range(cr, lo, lo + 1 + rnd64() % 2000);
      }
      break;
    default: /* All three, in different regions */
      fill(cr, 0, base);
      fill(cr, 1, base + 2147483648U);
      fill(cr, 2, base + 1073741824U);
      break;
  }
  roaring_bitmap_run_optimize(cr);
}

/* Read cr's bytes into the empty r. */
static void load(Roaring *r, const roaring_bitmap_t *cr) {
  size_t n = roaring_bitmap_portable_size_in_bytes(cr);
  char *a = malloc(n);
  roaring_bitmap_portable_serialize(cr, a);
  if( roaringDeserialize(r, a, n, 0) != ROARING_OK ) {
    printf("roaring_bench: cannot read CRoaring's bytes\n");
    exit(1);
  }
  free(a);
}

/*
** Fail unless frugal's r and CRoaring's cr hold the same set, with
** serializations of the same size.  The size compared is CRoaring's for a
** bitmap of cr's values built by adding them and run-optimized (the
** canonical form): CRoaring's run_optimize() keeps a run container that
** ties with an array, so cr itself can be 2 bytes longer a container.
*/
static void same(const Roaring *r, const roaring_bitmap_t *cr,
                 const char *zWhat) {
  uint64_t n = roaring_bitmap_get_cardinality(cr);
  uint32_t *a = malloc((n ? n : 1) * sizeof(uint32_t));
  roaring_bitmap_t *canon = roaring_bitmap_create();
  roaring_bitmap_to_uint32_array(cr, a);
  roaring_bitmap_add_many(canon, (size_t)n, a);
  roaring_bitmap_run_optimize(canon);
  if( roaringCount(r) != n
      || roaringSerializedSize(r)
             != roaring_bitmap_portable_size_in_bytes(canon) ) {
    printf("roaring_bench: %s differs from CRoaring\n", zWhat);
    exit(1);
  }
  roaring_bitmap_free(canon);
  free(a);
}

int main(int argc, char **argv) {
  int nRep = argc > 1 ? atoi(argv[1]) : 9;
  int eShape;
  rngState = 42;
  for( eShape = 0; eShape < N_SHAPE; eShape++ ) {
    roaring_bitmap_t *ca = roaring_bitmap_create();
    roaring_bitmap_t *cb = roaring_bitmap_create();
    Roaring a, b;
    int eOp;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    fill(ca, eShape, 0);
    fill(cb, eShape, 12345);
    load(&a, ca);
    load(&b, cb);
    for( eOp = 0; eOp < N_OP; eOp++ ) {
      double tOur = 1e30, tRef = 1e30;
      uint64_t nOur = 0, nRef = 0;
      int iRep;
      for( iRep = 0; iRep < nRep; iRep++ ) {
        roaring_bitmap_t *cr = 0;
        Roaring r;
        double t0, t1, t2;
        memset(&r, 0, sizeof(r));
        t0 = nowMs();
        switch( eOp ) {
          case 0: roaringOp(ROARING_AND, &a, &b, &r); break;
          case 1: roaringOp(ROARING_OR, &a, &b, &r); break;
          case 2: roaringOp(ROARING_ANDNOT, &a, &b, &r); break;
          case 3: nOur = roaringOpCount(ROARING_AND, &a, &b); break;
          case 4: nOur = roaringOpCount(ROARING_OR, &a, &b); break;
          default: nOur = roaringOpCount(ROARING_ANDNOT, &a, &b); break;
        }
        t1 = nowMs();
        switch( eOp ) {
          case 0: cr = roaring_bitmap_and(ca, cb); break;
          case 1: cr = roaring_bitmap_or(ca, cb); break;
          case 2: cr = roaring_bitmap_andnot(ca, cb); break;
          case 3: nRef = roaring_bitmap_and_cardinality(ca, cb); break;
          case 4: nRef = roaring_bitmap_or_cardinality(ca, cb); break;
          default: nRef = roaring_bitmap_andnot_cardinality(ca, cb); break;
        }
        t2 = nowMs();
        if( t1 - t0 < tOur ) tOur = t1 - t0;
        if( t2 - t1 < tRef ) tRef = t2 - t1;
        if( cr ) {
          same(&r, cr, azOp[eOp]);
          roaring_bitmap_free(cr);
        } else if( nOur != nRef ) {
          printf("roaring_bench: %s differs from CRoaring\n", azOp[eOp]);
          return 1;
        }
        roaringReset(&r);
      }
      printf("%s %s %.3f %.3f\n", azShape[eShape], azOp[eOp], tOur, tRef);
    }
    roaringReset(&a);
    roaringReset(&b);
    roaring_bitmap_free(ca);
    roaring_bitmap_free(cb);
  }
  return 0;
}
