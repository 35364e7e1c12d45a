/*
** roaring_unit.c - unit tests of frugal's Roaring engine (ext/roaring.c).
**
**   roaring_unit TESTDATA_DIR
**
** TESTDATA_DIR holds the Roaring format specification's test files
** (../shared/testdata/roaring).  The tests, each against an oracle that
** does not share the engine's code (a sorted array of 64-bit values):
**
**   values    random sets over the whole 64-bit range (many buckets, values
**             at 2^32-1, 2^32, 2^48, 2^63-1): queries, iteration, seek,
**             round trips through both formats, the four set operations
**             new and in place, counts, subset, add/keep range, remove
**   lazy      roaringAddLazy() (one value) and roaringAddLazyMany()
**             (batches of 2 to 5000, some first put in key order by
**             roaringSortBatch()) with roaringSettle() against
**             roaringAdd() on sorted, reversed, strided, repeating and
**             random streams (values and new keys in any order),
**             with the number and sum of the repeats reported
**   files     the specification's files read as their README describes;
**             the canonical ones re-serialize byte for byte
**   scan      roaringScan() against roaringDeserialize() wherever a blob is
**             read: the same verdict, count, min, max and membership
**   invalid   a hand-built blob for every validation rule, each rejected,
**             and valid non-canonical blobs accepted and canonicalized
**   robust    every truncation and many single-byte changes of valid blobs:
**             rejected, or accepted and self-consistent (never a crash or
**             an out-of-bounds read: run it under ASan)
**   nomem     every allocation of every operation made to fail in turn:
**             ROARING_NOMEM, arguments still valid, nothing leaked
**
** Prints "roaring_unit: N checks: ok" and exits 0, or prints each failed
** check and exits 1.
*/
#include "roaring.h"
#include "roaring_rng.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALUE ROARING_MAX_VALUE
#define TWO_32    0x100000000ULL

static long nCheck, nFail;

/* Record one check; print it if it failed. */
#define CHECK(bOk, zWhat)                                                      \
 do {                                                                          \
  nCheck++;                                                                    \
  if( !(bOk) ) {                                                               \
   nFail++;                                                                    \
   printf("roaring_unit: line %d: %s\n", __LINE__, zWhat);                     \
   if( nFail > 20 ) exit(1);                                                   \
  }                                                                            \
 } while( 0 )

/************************************************************************
** The oracle.
*/
/* A list of values; as an oracle, sorted and without repeats. */
typedef struct Vals Vals;
struct Vals {
  uint64_t *a;
  size_t n, nAlloc;
};

static void valsAdd(Vals *p, uint64_t v) {
  if( v > MAX_VALUE ) return;
  if( p->n == p->nAlloc ) {
    p->nAlloc = p->nAlloc ? p->nAlloc * 2 : 64;
    p->a = realloc(p->a, p->nAlloc * sizeof(uint64_t));
    if( p->a == 0 ) exit(2);
  }
  p->a[p->n++] = v;
}

static int cmpU64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Sort p and drop repeats: it is then an oracle set. */
static void valsNormalize(Vals *p) {
  size_t i, n = 0;
  if( p->n == 0 ) return;
  qsort(p->a, p->n, sizeof(uint64_t), cmpU64);
  for( i = 0; i < p->n; i++ ) {
    if( n == 0 || p->a[n - 1] != p->a[i] ) p->a[n++] = p->a[i];
  }
  p->n = n;
}

/* The index of the first value >= v in the oracle set p. */
static size_t valsLowerBound(const Vals *p, uint64_t v) {
  size_t lo = 0, hi = p->n;
  while( lo < hi ) {
    size_t mid = (lo + hi) / 2;
    if( p->a[mid] < v ) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

static int valsContains(const Vals *p, uint64_t v) {
  size_t i = valsLowerBound(p, v);
  return i < p->n && p->a[i] == v;
}

/* The oracle of a eOp b, as a new set: a merge of the two sorted sets. */
static void valsOp(int eOp, const Vals *a, const Vals *b, Vals *pOut) {
  size_t i = 0, j = 0;
  pOut->n = 0;
  while( i < a->n || j < b->n ) {
    int bA = j >= b->n || (i < a->n && a->a[i] <= b->a[j]);
    int bB = i >= a->n || (j < b->n && b->a[j] <= a->a[i]);
    uint64_t v = bA ? a->a[i] : b->a[j];
    int bKeep = eOp == ROARING_AND ? bA && bB
              : eOp == ROARING_OR  ? 1
              : eOp == ROARING_XOR ? bA != bB
                                   : bA && !bB;
    if( bKeep ) valsAdd(pOut, v);
    i += bA;
    j += bB;
  }
}

/* Random 64-bit values of mixed shapes, appended to p. */
static void genValues(Vals *p) {
  int nBucket = 1 + (int)rndBelow(4), b, k;
  for( b = 0; b < nBucket; b++ ) {
    uint64_t iBucket;
    switch( rndBelow(5) ) {
      case 0: iBucket = 0; break;
      case 1: iBucket = 1; break;
      case 2: iBucket = MAX_VALUE >> 32; break;
      case 3: iBucket = 1 << 16; break; /* 2^48 */
      default: iBucket = rndBelow((MAX_VALUE >> 32) + 1); break;
    }
    switch( rndBelow(5) ) {
      case 0: /* Sparse */
        for( k = (int)rndBelow(500); k > 0; k-- ) {
          valsAdd(p, iBucket << 32 | (rnd64() & 0xffffffff));
        }
        break;
      case 1: { /* A dense container */
        uint64_t base = iBucket << 32 | (rndBelow(65536) << 16);
        for( k = (int)rndBelow(20000); k > 0; k-- ) {
          valsAdd(p, base | rndBelow(65536));
        }
        break;
      }
      case 2: { /* Runs */
        uint64_t v = iBucket << 32 | (rnd64() & 0xffffffff);
        for( k = (int)rndBelow(20); k > 0; k-- ) {
          uint64_t n = rndBelow(70000), j;
          for( j = 0; j < n; j++ ) valsAdd(p, v + j);
          v += n + 1 + rndBelow(100);
        }
        break;
      }
      case 3: /* The edges of the bucket and of its containers */
        for( k = 0; k < 40; k++ ) {
          uint64_t lo = rndBelow(2) ? 0xffffffffULL - rndBelow(4) : rndBelow(4);
          valsAdd(p, iBucket << 32 | lo);
          valsAdd(p, iBucket << 32 | (65536 * rndBelow(65536) + rndBelow(3)));
        }
        break;
      default: /* Exactly 4095, 4096 or 4097 values in a container */
      {
        uint64_t base = iBucket << 32 | (rndBelow(65536) << 16);
        uint64_t n = 4095 + rndBelow(3), j;
        for( j = 0; j < n; j++ ) valsAdd(p, base | (j * 13 % 65536));
        break;
      }
    }
  }
  if( rndBelow(4) == 0 ) valsAdd(p, MAX_VALUE);
  if( rndBelow(4) == 0 ) valsAdd(p, TWO_32 - 1);
  if( rndBelow(4) == 0 ) valsAdd(p, TWO_32);
}

/************************************************************************
** Checks of a Roaring against an oracle.
*/

/* Build r (empty) from the values of p with roaringAdd(). */
static void buildFrom(Roaring *r, const Vals *p) {
  size_t i;
  for( i = 0; i < p->n; i++ ) {
    if( roaringAdd(r, p->a[i], 0) ) exit(2);
  }
}

/* Check every query of r against the oracle set p. */
static void checkSet(const Roaring *r, const Vals *p, const char *zWhat) {
  RoaringIter it;
  uint64_t v;
  size_t i = 0;
  int k, bOk = 1;
  char zMsg[200];
  snprintf(zMsg, sizeof(zMsg), "%s: count", zWhat);
  CHECK(roaringCount(r) == p->n, zMsg);
  for( roaringIterSeek(&it, r, 0); !it.bEof; roaringIterNext(&it) ) {
    if( i >= p->n || roaringIterValue(&it) != p->a[i] ) bOk = 0;
    i++;
  }
  snprintf(zMsg, sizeof(zMsg), "%s: iteration", zWhat);
  CHECK(bOk && i == p->n, zMsg);
  snprintf(zMsg, sizeof(zMsg), "%s: min/max", zWhat);
  if( p->n ) {
    CHECK(roaringMin(r, &v) && v == p->a[0], zMsg);
    CHECK(roaringMax(r, &v) && v == p->a[p->n - 1], zMsg);
  } else {
    CHECK(!roaringMin(r, &v) && !roaringMax(r, &v), zMsg);
  }
  for( k = 0; k < 64; k++ ) {
    uint64_t x = rnd64() & MAX_VALUE;
    size_t iRank;
    if( p->n && k % 2 ) x = p->a[rndBelow(p->n)] + rndBelow(3) - 1;
    if( x > MAX_VALUE ) x = MAX_VALUE;
    iRank = valsLowerBound(p, x);
    snprintf(zMsg, sizeof(zMsg), "%s: contains %llu", zWhat,
             (unsigned long long)x);
    CHECK(roaringContains(r, x) == valsContains(p, x), zMsg);
    snprintf(zMsg, sizeof(zMsg), "%s: rank %llu", zWhat, (unsigned long long)x);
    CHECK(roaringRank(r, x) == iRank + valsContains(p, x), zMsg);
    snprintf(zMsg, sizeof(zMsg), "%s: seek %llu", zWhat, (unsigned long long)x);
    roaringIterSeek(&it, r, x);
    CHECK(it.bEof == (iRank == p->n)
              && (it.bEof || roaringIterValue(&it) == p->a[iRank]),
          zMsg);
    iRank = rndBelow(p->n + 2);
    snprintf(zMsg, sizeof(zMsg), "%s: select %llu", zWhat,
             (unsigned long long)iRank);
    CHECK(roaringSelect(r, iRank, &v) == (iRank < p->n)
              && (iRank >= p->n || v == p->a[iRank]),
          zMsg);
  }
}

/*
** Check that roaringScan() agrees with roaringDeserialize() on the n bytes
** at a: the same verdict and, for a valid blob (whose set is r), the same
** count, smallest and largest value, and membership of values in and
** around the set.
*/
static void checkScan(const unsigned char *a, size_t n, const Roaring *r,
                      const char *zWhat) {
  RoaringScan scan;
  RoaringIter it;
  char zMsg[200];
  int rc, i;
  uint64_t vMin = 0, vMax = 0;
  snprintf(zMsg, sizeof(zMsg), "%s: scan", zWhat);
  rc = roaringScan(a, n, 0, &scan);
  if( r == 0 ) {
    CHECK(rc == ROARING_CORRUPT && scan.nCount == 0, zMsg);
    return;
  }
  CHECK(rc == ROARING_OK && scan.nCount == roaringCount(r), zMsg);
  if( roaringMin(r, &vMin) && roaringMax(r, &vMax) ) {
    CHECK(scan.iMin == vMin && scan.iMax == vMax, zMsg);
  }
  for( i = 0; i < 24; i++ ) {
    uint64_t v = rnd64() & MAX_VALUE;
    if( i % 3 == 1 && roaringCount(r) > 0 ) {
      roaringSelect(r, rndBelow(roaringCount(r)), &v);
    } else if( i % 3 == 2 ) {
      roaringIterSeek(&it, r, v);
      if( !it.bEof ) v = roaringIterValue(&it) + (uint64_t)(i % 2);
      if( v > MAX_VALUE ) v = MAX_VALUE;
    } else if( i < 6 ) {
      v = i < 3 ? vMin + (uint64_t)i : vMax - (uint64_t)i + 3;
    }
    CHECK(roaringScan(a, n, v, &scan) == ROARING_OK
              && scan.bFound == roaringContains(r, v),
          zMsg);
  }
}

/*
** Check that r survives a round trip through its serialization, in the
** format its values call for, and that the bytes are a fixed point.
*/
static void checkRoundTrip(const Roaring *r, const char *zWhat) {
  unsigned char *a, *a2;
  size_t n, n2;
  uint64_t vMax = 0;
  Roaring back;
  int eFormat = 0;
  char zMsg[200];
  memset(&back, 0, sizeof(back));
  snprintf(zMsg, sizeof(zMsg), "%s: round trip", zWhat);
  CHECK(roaringSerialize(r, &a, &n, (size_t)-1) == ROARING_OK, zMsg);
  CHECK(roaringSerializedSize(r) == n, zMsg);
  CHECK(roaringDeserialize(&back, a, n, &eFormat) == ROARING_OK, zMsg);
  CHECK(roaringEqual(&back, r), zMsg);
  checkScan(a, n, r, zWhat);
  roaringMax(r, &vMax);
  CHECK(eFormat == (vMax >= TWO_32 ? ROARING_FORMAT_64 : ROARING_FORMAT_32),
        zMsg);
  CHECK(roaringSerialize(&back, &a2, &n2, (size_t)-1) == ROARING_OK, zMsg);
  CHECK(n2 == n && memcmp(a, a2, n) == 0, zMsg);
  sqlite3_free(a2);
  snprintf(zMsg, sizeof(zMsg), "%s: one byte too long", zWhat);
  CHECK(roaringSerialize(r, &a2, &n2, n - 1) == ROARING_TOOBIG && a2 == 0,
        zMsg);
  sqlite3_free(a);
  roaringReset(&back);
}

/************************************************************************
** values: random 64-bit sets.
*/
static void testValues(void) {
  Vals prev, cur, ref;
  Roaring rPrev;
  int iSet, eOp;
  memset(&prev, 0, sizeof(prev));
  memset(&cur, 0, sizeof(cur));
  memset(&ref, 0, sizeof(ref));
  memset(&rPrev, 0, sizeof(rPrev));
  for( iSet = 0; iSet < 200; iSet++ ) {
    Roaring r, x, y;
    uint64_t lo, hi;
    size_t i;
    int k, bChanged;
    memset(&r, 0, sizeof(r));
    memset(&x, 0, sizeof(x));
    memset(&y, 0, sizeof(y));
    cur.n = 0;
    genValues(&cur);
    buildFrom(&r, &cur);
    valsNormalize(&cur);
    checkSet(&r, &cur, "values");
    checkRoundTrip(&r, "values");

    /* Set operations with the previous set, new and in place. */
    for( eOp = ROARING_AND; eOp <= ROARING_ANDNOT; eOp++ ) {
      valsOp(eOp, &cur, &prev, &ref);
      CHECK(roaringOp(eOp, &r, &rPrev, &x) == ROARING_OK, "op");
      checkSet(&x, &ref, "op");
      checkRoundTrip(&x, "op");
      CHECK(roaringOpCount(eOp, &r, &rPrev) == ref.n, "op count");
      CHECK(roaringCopy(&y, &r) == ROARING_OK, "copy");
      CHECK(roaringOpInPlace(eOp, &y, &rPrev) == ROARING_OK, "op in place");
      CHECK(roaringEqual(&x, &y), "op in place");
      roaringReset(&x);
      roaringReset(&y);
    }
    valsOp(ROARING_AND, &cur, &prev, &ref);
    CHECK(roaringIntersects(&r, &rPrev) == (ref.n > 0), "intersects");
    CHECK(roaringIsSubset(&r, &rPrev) == (ref.n == cur.n), "subset");
    CHECK(roaringIsSubset(&rPrev, &r) == (ref.n == prev.n), "subset");
    CHECK(roaringEqual(&r, &rPrev) == (ref.n == cur.n && ref.n == prev.n),
          "equal");
    CHECK(roaringIsSubset(&r, &r) && roaringEqual(&r, &r), "self");

    /* A range, added and kept. */
    switch( rndBelow(4) ) {
      case 0: lo = rnd64() & MAX_VALUE; break;
      case 1: /* Across the end of a bucket */
        lo = (rnd64() & MAX_VALUE & ~0xffffffffULL) - rndBelow(100000);
        break;
      default: lo = cur.n ? cur.a[rndBelow(cur.n)] : 0; break;
    }
    if( lo > MAX_VALUE ) lo = 0;
    hi = lo + rndBelow(rndBelow(2) ? 1000 : 400000);
    if( rndBelow(8) == 0 ) hi = MAX_VALUE + 1;
    if( hi > MAX_VALUE + 1 || hi < lo ) hi = MAX_VALUE + 1;
    if( hi - lo <= 400000 ) {
      Vals range;
      uint64_t v;
      memset(&range, 0, sizeof(range));
      for( v = lo; v < hi; v++ ) valsAdd(&range, v);
      valsOp(ROARING_OR, &cur, &range, &ref);
      free(range.a);
      CHECK(roaringCopy(&x, &r) == ROARING_OK, "copy");
      CHECK(roaringAddRange(&x, lo, hi) == ROARING_OK, "add range");
      checkSet(&x, &ref, "add range");
      checkRoundTrip(&x, "add range");
      roaringReset(&x);
    }
    ref.n = 0;
    for( i = 0; i < cur.n; i++ ) {
      if( cur.a[i] >= lo && cur.a[i] < hi ) valsAdd(&ref, cur.a[i]);
    }
    CHECK(roaringCopy(&x, &r) == ROARING_OK, "copy");
    CHECK(roaringKeepRange(&x, lo, hi) == ROARING_OK, "keep range");
    checkSet(&x, &ref, "keep range");
    roaringReset(&x);
    CHECK(roaringCopy(&x, &r) == ROARING_OK, "copy");
    CHECK(roaringKeepRange(&x, hi, lo) == ROARING_OK && roaringCount(&x) == 0,
          "empty keep range");
    roaringReset(&x);

    /* Removals, of values in the set and others: the oracle is the set
    ** without the values removed. */
    CHECK(roaringCopy(&x, &r) == ROARING_OK, "copy");
    ref.n = 0;
    for( k = 0; k < 200; k++ ) {
      uint64_t v =
          k % 3 && cur.n ? cur.a[rndBelow(cur.n)] : rnd64() & MAX_VALUE;
      int bIn = valsContains(&cur, v) && !valsContains(&ref, v);
      CHECK(roaringRemove(&x, v, &bChanged) == ROARING_OK && bChanged == bIn,
            "remove");
      valsAdd(&ref, v);
      valsNormalize(&ref);
    }
    {
      Vals left;
      memset(&left, 0, sizeof(left));
      valsOp(ROARING_ANDNOT, &cur, &ref, &left);
      checkSet(&x, &left, "remove");
      checkRoundTrip(&x, "remove");
      free(left.a);
    }
    roaringReset(&x);

    roaringReset(&rPrev);
    rPrev = r;
    prev.n = 0;
    for( i = 0; i < cur.n; i++ ) valsAdd(&prev, cur.a[i]);
  }
  roaringReset(&rPrev);
  free(prev.a);
  free(cur.a);
  free(ref.a);
}

/*
** Containers change kind at 4096 values: adding the 4097th makes a bitset,
** removing back to 4096 an array; removing the last value drops it.
*/
static void testKinds(void) {
  Roaring r;
  RoaringIter it;
  RoaringStats st;
  uint64_t v;
  int bChanged;
  memset(&r, 0, sizeof(r));
  for( v = 0; v < 4096; v++ ) roaringAdd(&r, v * 3, 0);
  roaringStats(&r, &st);
  CHECK(st.nArray == 1 && st.nBitset == 0, "4096 values: an array");
  roaringAdd(&r, 1, &bChanged);
  roaringStats(&r, &st);
  CHECK(bChanged && st.nArray == 0 && st.nBitset == 1, "4097: a bitset");
  roaringAdd(&r, 1, &bChanged);
  CHECK(!bChanged && roaringCount(&r) == 4097, "a repeat");
  roaringRemove(&r, 3, &bChanged);
  roaringStats(&r, &st);
  CHECK(bChanged && st.nArray == 1 && st.nBitset == 0, "4096: an array");
  for( v = 0; v < 4096 * 3; v++ ) roaringRemove(&r, v, 0);
  roaringStats(&r, &st);
  CHECK(r.nCont == 0 && roaringCount(&r) == 0, "emptied");
  roaringAddRange(&r, 10, 70000);
  roaringStats(&r, &st);
  CHECK(st.nRun == 2 && roaringCount(&r) == 69990, "a range: runs");
  roaringRemove(&r, 100, &bChanged);
  CHECK(bChanged && !roaringContains(&r, 100) && roaringContains(&r, 101)
            && roaringCount(&r) == 69989,
        "a run split");
  /* 2^47 containers: refused before anything is allocated. */
  CHECK(roaringAddRange(&r, 0, MAX_VALUE + 1) == ROARING_NOMEM
            && roaringCount(&r) == 69989,
        "a range too big");
  roaringReset(&r);
  CHECK(roaringAddRange(&r, MAX_VALUE - 5, MAX_VALUE + 100) == ROARING_OK
            && roaringCount(&r) == 6 && roaringContains(&r, MAX_VALUE),
        "a range at the top");
  roaringIterSeek(&it, &r, MAX_VALUE + 1);
  CHECK(it.bEof, "a seek past the largest value");
  roaringReset(&r);
  /* Adds to a run container that join the run before, the run after, and
  ** both: 10..20 and 30..40 become 10..40. */
  roaringAddRange(&r, 10, 21);
  roaringAddRange(&r, 30, 41);
  roaringAdd(&r, 21, &bChanged);
  CHECK(bChanged && roaringCount(&r) == 23, "a run joined after");
  roaringAdd(&r, 29, &bChanged);
  CHECK(bChanged && roaringCount(&r) == 24, "a run joined before");
  for( v = 22; v <= 28; v++ ) roaringAdd(&r, v, 0);
  roaringStats(&r, &st);
  CHECK(st.nRun == 1 && roaringCount(&r) == 31 && roaringContains(&r, 28)
            && !roaringContains(&r, 9) && !roaringContains(&r, 41),
        "two runs joined");
  roaringReset(&r);
  /* A full container shares its run until a remove changes it. */
  roaringAddRange(&r, 0, 65536);
  roaringRemove(&r, 5, &bChanged);
  CHECK(bChanged && roaringCount(&r) == 65535 && !roaringContains(&r, 5)
            && roaringContains(&r, 4) && roaringContains(&r, 6),
        "a full container split");
  roaringReset(&r);
}

/************************************************************************
** lazy: roaringAddLazy() against roaringAdd().
*/
static long nRepeat;        /* Repeats reported */
static uint64_t iRepeatSum; /* Their sum */

static int onRepeat(void *pArg, uint64_t v) {
  (void)pArg;
  nRepeat++;
  iRepeatSum += v;
  return ROARING_OK;
}

/* The i-th of n values of stream shape eShape. */
static uint64_t lazyValue(int eShape, uint64_t i, uint64_t n, uint64_t base) {
  switch( eShape ) {
    case 0: return base + i;                      /* Ascending */
    case 1: return base + (n - i) * 3;            /* Descending */
    case 2: return base + i * 7919 % 2147483648U; /* A stride, wrapping */
    case 3: return base + i * 7919 % 1000;        /* Heavy repeats */
    case 4: return base + rndBelow(n);            /* Random, some repeats */
    case 5: return base + (i % 4) * 100000 + i;   /* Four sorted sources */
    case 6: return base + rndBelow(5000);         /* Dense, many repeats */
    case 7: return base + (rnd64() & 0xffffff);   /* Random, wide */
    case 8: /* Random keys, thousands of them, with repeats */
      return base + rndBelow(n / 2 + 1) * 2654435761U % 200000000U;
    default: /* Ascending, and new keys below the last between */
      return i % 2 ? base + i : base + 200000000U - i * 65536 % 200000000U;
  }
}

/*
** Add the nBatch values of aBatch to r with roaringAddLazyMany(), after
** roaringSortBatch() if bSort; check that the sort kept the same values,
** in key order if it moved any.
*/
static long nSortMoved; /* Batches that roaringSortBatch() reordered */

static void lazyFlush(Roaring *r, uint64_t *aBatch, int *pnBatch, int bSort) {
  static uint64_t aTmp[5000], aCopy[5000];
  int n = *pnBatch;
  if( bSort ) {
    uint64_t iSumBefore = 0, iSumAfter = 0, iXorBefore = 0, iXorAfter = 0;
    int i, bMoved = 0, bKeyOrder = 1;
    memcpy(aCopy, aBatch, (size_t)n * sizeof(uint64_t));
    roaringSortBatch(aBatch, n, aTmp);
    for( i = 0; i < n; i++ ) {
      iSumBefore += aCopy[i] * 0x9e3779b97f4a7c15ULL;
      iSumAfter += aBatch[i] * 0x9e3779b97f4a7c15ULL;
      iXorBefore ^= aCopy[i];
      iXorAfter ^= aBatch[i];
      bMoved |= aCopy[i] != aBatch[i];
      if( i > 0 && (aBatch[i] >> 16) < (aBatch[i - 1] >> 16) ) bKeyOrder = 0;
    }
    CHECK(iSumBefore == iSumAfter && iXorBefore == iXorAfter,
          "roaringSortBatch: the same values");
    CHECK(!bMoved || bKeyOrder, "roaringSortBatch: in key order");
    nSortMoved += bMoved;
  }
  if( roaringAddLazyMany(r, aBatch, n, onRepeat, 0) ) exit(2);
  *pnBatch = 0;
}

static void testLazy(void) {
  static uint64_t aBatch[5000];
  int eShape, iRound;
  for( iRound = 0; iRound < 40; iRound++ ) {
    for( eShape = 0; eShape < 10; eShape++ ) {
      uint64_t n = 1 + rndBelow(iRound % 4 == 0 ? 300000 : 20000), i;
      uint64_t base = rndBelow(3) ? 0 : (rnd64() & MAX_VALUE) - 400000000;
      uint64_t iSum = 0, iDistinctSum = 0;
      /* Values one at a time (roaringAddLazy()), or in batches of up to
      ** nBatchMax (roaringAddLazyMany()), up to more than an array holds. */
      int nBatchMax = iRound % 3 == 0 ? 1 : 1 + (int)rndBelow(5000), nBatch = 0;
      Roaring lazy, exact;
      RoaringIter it;
      long nDistinct = 0;
      memset(&lazy, 0, sizeof(lazy));
      memset(&exact, 0, sizeof(exact));
      if( base > MAX_VALUE - 3000000000U ) base = 0;
      nRepeat = 0;
      iRepeatSum = 0;
      for( i = 0; i < n; i++ ) {
        uint64_t v = lazyValue(eShape, i, n, base);
        iSum += v;
        if( nBatchMax == 1 ) {
          if( roaringAddLazy(&lazy, v, onRepeat, 0) ) exit(2);
        } else {
          aBatch[nBatch++] = v;
          if( nBatch == nBatchMax ) {
            lazyFlush(&lazy, aBatch, &nBatch, nBatchMax % 2);
          }
        }
        if( roaringAdd(&exact, v, 0) ) exit(2);
        if( rndBelow(50000) == 0 ) {
          lazyFlush(&lazy, aBatch, &nBatch, nBatchMax % 2);
          CHECK(roaringSettle(&lazy, onRepeat, 0) == ROARING_OK, "settle");
        }
      }
      lazyFlush(&lazy, aBatch, &nBatch, nBatchMax % 2);
      CHECK(roaringSettle(&lazy, onRepeat, 0) == ROARING_OK, "settle");
      CHECK(roaringEqual(&lazy, &exact), "lazy add: the set");
      for( roaringIterSeek(&it, &exact, 0); !it.bEof; roaringIterNext(&it) ) {
        nDistinct++;
        iDistinctSum += roaringIterValue(&it);
      }
      CHECK(nRepeat == (long)n - nDistinct, "lazy add: repeats");
      CHECK(iRepeatSum == iSum - iDistinctSum, "lazy add: repeated values");
      checkRoundTrip(&lazy, "lazy");
      roaringReset(&lazy);
      roaringReset(&exact);
    }
  }
  CHECK(nSortMoved > 0, "roaringSortBatch: batches in no key order sorted");
}

/*
** Values added again and again cost no memory: a million lazy adds of 100
** distinct values, one in each of 100 containers, are settled as they go,
** so the set stays small (each array could otherwise fill to 4096 entries,
** 8 KiB, of repeats).  The same for runs of one value in batches.
*/
static void testLazyMemory(void) {
  static uint64_t aBatch[1000];
  int bMany;
  for( bMany = 0; bMany < 2; bMany++ ) {
    Roaring r;
    sqlite3_int64 nBefore = sqlite3_memory_used();
    int i, nBatch = 0;
    memset(&r, 0, sizeof(r));
    for( i = 0; i < 1000000; i++ ) {
      if( bMany ) {
        aBatch[nBatch++] = (uint64_t)(i / 50 % 100) << 16;
        if( nBatch == 1000 ) lazyFlush(&r, aBatch, &nBatch, 1);
      } else if( roaringAddLazy(&r, (uint64_t)(i % 100) << 16, onRepeat, 0) ) {
        exit(2);
      }
    }
    CHECK(sqlite3_memory_used() - nBefore < 64 * 1024,
          "lazy adds of repeats: memory stays small");
    CHECK(roaringSettle(&r, onRepeat, 0) == ROARING_OK
              && roaringCount(&r) == 100,
          "lazy adds of repeats: the set");
    roaringReset(&r);
  }
}

/************************************************************************
** files: the specification's test files.
*/

/* Read file zDir/zName into a malloc'd buffer. */
static unsigned char *readFile(const char *zDir, const char *zName,
                               size_t *pn) {
  char zPath[1024];
  FILE *f;
  unsigned char *a;
  long n;
  snprintf(zPath, sizeof(zPath), "%s/%s", zDir, zName);
  f = fopen(zPath, "rb");
  if( f == 0 ) {
    printf("roaring_unit: cannot open %s\n", zPath);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  a = malloc((size_t)n);
  if( a == 0 || fread(a, 1, (size_t)n, f) != (size_t)n ) exit(2);
  fclose(f);
  *pn = (size_t)n;
  return a;
}

/* Check that file zName holds the set p; its bytes re-serialize to zCanon. */
static void checkFile(const char *zDir, const char *zName, const Vals *p,
                      const char *zCanon, int eFormat, int nCont) {
  size_t n, nCanon, nOut;
  unsigned char *a = readFile(zDir, zName, &n), *aOut;
  unsigned char *aCanon = readFile(zDir, zCanon, &nCanon);
  Roaring r;
  RoaringStats st;
  int eGot = 0;
  char zMsg[200];
  memset(&r, 0, sizeof(r));
  snprintf(zMsg, sizeof(zMsg), "%s: read", zName);
  CHECK(roaringDeserialize(&r, a, n, &eGot) == ROARING_OK && eGot == eFormat,
        zMsg);
  checkSet(&r, p, zName);
  checkScan(a, n, &r, zName);
  roaringStats(&r, &st);
  snprintf(zMsg, sizeof(zMsg), "%s: containers", zName);
  CHECK(st.nArray + st.nBitset + st.nRun == nCont, zMsg);
  snprintf(zMsg, sizeof(zMsg), "%s: re-serialized as %s", zName, zCanon);
  CHECK(roaringSerialize(&r, &aOut, &nOut, (size_t)-1) == ROARING_OK
            && nOut == nCanon && memcmp(aOut, aCanon, nOut) == 0,
        zMsg);
  sqlite3_free(aOut);
  roaringReset(&r);
  free(a);
  free(aCanon);
}

static void testFiles(const char *zDir) {
  Vals v;
  uint64_t x, b;
  memset(&v, 0, sizeof(v));
  /* Multiples of 1000 in [0,100000), of 3 in [300000,600000), all of
  ** [700000,800000): 200100 values in 11 containers. */
  for( x = 0; x < 100000; x += 1000 ) valsAdd(&v, x);
  for( x = 300000; x < 600000; x += 3 ) valsAdd(&v, x);
  for( x = 700000; x < 800000; x++ ) valsAdd(&v, x);
  valsNormalize(&v);
  CHECK(v.n == 200100, "the README's cardinality");
  checkFile(zDir, "bitmapwithoutruns.bin", &v, "bitmapwithruns.bin",
            ROARING_FORMAT_32, 11);
  checkFile(zDir, "bitmapwithruns.bin", &v, "bitmapwithruns.bin",
            ROARING_FORMAT_32, 11);

  /* Even numbers in [0,65536) (a bitset), all of [2^32, 2^32+1000000)
  ** (16 containers), and 2^48 (an array): 18 containers. */
  v.n = 0;
  for( x = 0; x < 65536; x += 2 ) valsAdd(&v, x);
  for( x = TWO_32; x < TWO_32 + 1000000; x++ ) valsAdd(&v, x);
  valsAdd(&v, 1ULL << 48);
  valsNormalize(&v);
  CHECK(v.n == 1032769, "the README's cardinality");
  checkFile(zDir, "bitmap64.bin", &v, "bitmap64.bin", ROARING_FORMAT_64, 18);

  /* Buckets 0 and 1, each with [b, b+0x9000], [b+0xA000, b+0x10000],
  ** b+0x20000, b+0x20005 and the even values b+0x80000..b+0x8FFFE: 4
  ** containers a bucket (keys 0, 1, 2 and 8). */
  v.n = 0;
  for( b = 0; b < 2; b++ ) {
    uint64_t base = b << 32;
    for( x = 0; x <= 0x9000; x++ ) valsAdd(&v, base + x);
    for( x = 0xA000; x <= 0x10000; x++ ) valsAdd(&v, base + x);
    valsAdd(&v, base + 0x20000);
    valsAdd(&v, base + 0x20005);
    for( x = 0x80000; x <= 0x8FFFE; x += 2 ) valsAdd(&v, base + x);
  }
  valsNormalize(&v);
  CHECK(v.n == 188424 && v.a[v.n - 1] == 4295557118ULL,
        "the README's cardinality and max");
  checkFile(zDir, "portable_bitmap64.bin", &v, "portable_bitmap64.bin",
            ROARING_FORMAT_64, 8);
  free(v.a);
}

/************************************************************************
** invalid: hand-built blobs, one per validation rule.
*/
static unsigned char aBlob[100000]; /* The blob being built */
static size_t nBlob;

static void b16(uint32_t v) {
  aBlob[nBlob++] = (unsigned char)v;
  aBlob[nBlob++] = (unsigned char)(v >> 8);
}
static void b32(uint32_t v) {
  b16(v & 0xffff);
  b16(v >> 16);
}
static void b64(uint64_t v) {
  b32((uint32_t)v);
  b32((uint32_t)(v >> 32));
}

/*
** The result of reading the n bytes at a; if they are valid, r (which must
** be reset by the caller) holds the set.
*/
static int readBlob(Roaring *r, const unsigned char *a, size_t n) {
  memset(r, 0, sizeof(*r));
  return roaringDeserialize(r, a, n, 0);
}

/* Check that the n bytes at a are rejected, and leave nothing behind. */
static void checkInvalid(const unsigned char *a, size_t n, const char *zWhy) {
  Roaring r;
  char zMsg[200];
  snprintf(zMsg, sizeof(zMsg), "rejects %s", zWhy);
  CHECK(readBlob(&r, a, n) == ROARING_CORRUPT && r.nCont == 0 && r.aCont == 0,
        zMsg);
  checkScan(a, n, 0, zMsg);
}

/* Check that the n bytes at a are the set of the nVal values at aVal. */
static void checkValid(const unsigned char *a, size_t n, const uint64_t *aVal,
                       int nVal, const char *zWhy) {
  Roaring r;
  Vals v;
  int i;
  char zMsg[200];
  memset(&v, 0, sizeof(v));
  for( i = 0; i < nVal; i++ ) valsAdd(&v, aVal[i]);
  valsNormalize(&v);
  snprintf(zMsg, sizeof(zMsg), "accepts %s", zWhy);
  CHECK(readBlob(&r, a, n) == ROARING_OK, zMsg);
  checkSet(&r, &v, zMsg);
  checkRoundTrip(&r, zMsg);
  roaringReset(&r);
  free(v.a);
}

/* Check that the canonical bytes of the set in a[0..n) are aWant[0..nWant). */
static void checkCanonical(const unsigned char *a, size_t n,
                           const unsigned char *aWant, size_t nWant,
                           const char *zWhy) {
  Roaring r;
  unsigned char *aOut = 0;
  size_t nOut = 0;
  char zMsg[200];
  snprintf(zMsg, sizeof(zMsg), "canonical form of %s", zWhy);
  CHECK(readBlob(&r, a, n) == ROARING_OK
            && roaringSerialize(&r, &aOut, &nOut, (size_t)-1) == ROARING_OK
            && nOut == nWant && memcmp(aOut, aWant, nWant) == 0,
        zMsg);
  sqlite3_free(aOut);
  roaringReset(&r);
}

/* A valid 32-bit bitmap of two arrays: {1,2,5} and {3<<16|7}. */
static void blobTwoArrays(void) {
  nBlob = 0;
  b32(12346); /* Cookie, no run containers */
  b32(2);     /* Containers */
  b16(0);     /* Key 0, 3 values */
  b16(2);
  b16(3); /* Key 3, 1 value */
  b16(0);
  b32(24); /* Offsets */
  b32(30);
  b16(1); /* Data */
  b16(2);
  b16(5);
  b16(7);
}

/* A 32-bit bitmap of one run container with the nRun (start, length-1)
** pairs of aRun, and cardinality nCard. */
static void blobRuns(int nCard, int nRun, const uint32_t *aRun) {
  int i;
  nBlob = 0;
  b32(12347); /* Cookie with runs, 1 container */
  aBlob[nBlob++] = 1;
  b16(0);
  b16((uint32_t)(nCard - 1));
  b16((uint32_t)nRun);
  for( i = 0; i < 2 * nRun; i++ ) b16(aRun[i]);
}

/* A change to the blob of two arrays: aBlob[iAt] = v, and perhaps more. */
typedef struct BlobPoke BlobPoke;
struct BlobPoke {
  int iAt;
  unsigned char v;
  int iAt2; /* 0: none */
  unsigned char v2;
  const char *zWhy;
};
static const BlobPoke aPoke[] = {
  { 0, 0x39, 0, 0, "a wrong cookie" },
  { 4, 1, 6, 1, "more than 65536 containers" },
  { 4, 3, 0, 0, "a container count too big for the blob" },
  { 12, 0, 0, 0, "two containers with one key" },
  { 8, 4, 0, 0, "keys out of order" },
  { 16, 25, 0, 0, "a wrong offset" },
  { 20, 31, 0, 0, "a wrong second offset" },
  { 26, 5, 28, 2, "an array out of order" },
  { 26, 1, 0, 0, "an array with a repeat" },
  { 10, 3, 0, 0, "a cardinality that does not fit the data" },
};

static void testInvalid(void) {
  static const uint64_t aTwo[] = { 1, 2, 5, 3 << 16 | 7 };
  static const uint64_t a123[] = { 1, 2, 3 };
  unsigned char aGood[64], aCanon123[64], aEmpty[8];
  size_t nGood, nCanon123, i;
  uint64_t aBig[4100];
  Roaring r;
  unsigned char *aOut;
  size_t nOut;

  /* Nothing, or too little, is not a bitmap. */
  checkInvalid(aBlob, 0, "an empty blob");
  memset(aEmpty, 0, sizeof(aEmpty));
  for( i = 1; i < 8; i++ ) checkInvalid(aEmpty, i, "a few zero bytes");
  checkValid(aEmpty, 8, 0, 0, "the empty 64-bit bitmap");
  nBlob = 0;
  b32(12346);
  b32(0);
  checkValid(aBlob, nBlob, 0, 0, "the empty 32-bit bitmap");

  /* The 32-bit format without runs. */
  blobTwoArrays();
  memcpy(aGood, aBlob, nBlob);
  nGood = nBlob;
  checkValid(aGood, nGood, aTwo, 4, "two arrays");
  checkInvalid(aGood, nGood - 1, "a truncated container");
  aBlob[nBlob++] = 0;
  checkInvalid(aBlob, nBlob, "a byte after the end");
  /* One or two bytes of the blob of two arrays changed, for each rule:
  ** header at 0 (cookie, count), keys and counts at 8, offsets at 16,
  ** data at 24. */
  for( i = 0; i < sizeof(aPoke) / sizeof(aPoke[0]); i++ ) {
    blobTwoArrays();
    aBlob[aPoke[i].iAt] = aPoke[i].v;
    if( aPoke[i].iAt2 ) aBlob[aPoke[i].iAt2] = aPoke[i].v2;
    checkInvalid(aBlob, nBlob, aPoke[i].zWhy);
  }

  /* A bitset: more than 4096 values, all counted. */
  nBlob = 0;
  b32(12346);
  b32(1);
  b16(9);
  b16(4097 - 1);
  b32(16);
  memset(aBlob + nBlob, 0, 8192);
  for( i = 0; i < 4097; i++ ) {
    aBlob[nBlob + i * 2 / 8] |= (unsigned char)(1 << (i * 2 % 8));
    aBig[i] = 9 << 16 | (i * 2);
  }
  nBlob += 8192;
  checkValid(aBlob, nBlob, aBig, 4097, "a bitset");
  checkInvalid(aBlob, nBlob - 1, "a truncated bitset");
  aBlob[16] &= 0xfe;
  checkInvalid(aBlob, nBlob, "a bitset that holds fewer than its count");
  aBlob[16] |= 3;
  checkInvalid(aBlob, nBlob, "a bitset that holds more than its count");

  /* Run containers. */
  {
    static const uint32_t aOne[] = { 1, 2 };
    static const uint32_t aOverlap[] = { 1, 2, 3, 0 };
    static const uint32_t aOrder[] = { 10, 0, 5, 0 };
    static const uint32_t aPast[] = { 65535, 1 };
    static const uint32_t aTouch[] = { 1, 0, 2, 0, 3, 0 };
    static const uint32_t aSeven[] = { 7, 0 };
    static const uint64_t a7[] = { 7 };
    blobRuns(3, 1, aOne);
    memcpy(aCanon123, aBlob, nBlob);
    nCanon123 = nBlob;
    checkValid(aBlob, nBlob, a123, 3, "a run");
    checkInvalid(aBlob, nBlob - 1, "a truncated run");
    blobRuns(4, 2, aOverlap);
    checkInvalid(aBlob, nBlob, "overlapping runs");
    blobRuns(2, 2, aOrder);
    checkInvalid(aBlob, nBlob, "runs out of order");
    blobRuns(2, 1, aPast);
    checkInvalid(aBlob, nBlob, "a run past 65535");
    blobRuns(5, 1, aOne);
    checkInvalid(aBlob, nBlob, "runs that do not add up to the count");
    blobRuns(1, 0, aOne);
    checkInvalid(aBlob, nBlob, "a run container without runs");
    blobRuns(3, 1, aOne);
    aBlob[9] = 100;
    checkInvalid(aBlob, nBlob, "a run count past the end");

    /* Valid, not canonical: runs that touch; a run of one value. */
    blobRuns(3, 3, aTouch);
    checkValid(aBlob, nBlob, a123, 3, "runs that touch");
    checkCanonical(aBlob, nBlob, aCanon123, nCanon123, "runs that touch");
    blobRuns(1, 1, aSeven);
    checkValid(aBlob, nBlob, a7, 1, "a run of one value");
    nBlob = 0;
    b32(12346);
    b32(1);
    b16(0);
    b16(0);
    b32(16);
    b16(7);
    memcpy(aGood, aBlob, nBlob);
    nGood = nBlob;
    blobRuns(1, 1, aSeven);
    checkCanonical(aBlob, nBlob, aGood, nGood, "a run of one value");
    /* An array of 1, 2, 3 is smaller as a run. */
    nBlob = 0;
    b32(12346);
    b32(1);
    b16(0);
    b16(2);
    b32(16);
    b16(1);
    b16(2);
    b16(3);
    checkCanonical(aBlob, nBlob, aCanon123, nCanon123, "an array of a run");
  }

  /* Four containers with runs: offsets are there and must be right. */
  nBlob = 0;
  b32(12347 | 3 << 16);
  aBlob[nBlob++] = 1; /* Container 0 is a run container */
  for( i = 0; i < 4; i++ ) {
    b16((uint32_t)i);
    b16(i == 0 ? 9 : 0);
  }
  b32(37);
  b32(43);
  b32(45);
  b32(47);
  b16(1);
  b16(0);
  b16(9);
  b16(5);
  b16(6);
  b16(7);
  {
    static const uint64_t aFour[] = {
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1 << 16 | 5, 2 << 16 | 6, 3 << 16 | 7
    };
    checkValid(aBlob, nBlob, aFour, 13, "four containers with runs");
  }
  aBlob[4 + 1 + 16 + 8] = 46;
  checkInvalid(aBlob, nBlob, "a wrong offset with runs");

  /* The 64-bit format. */
  {
    uint64_t aWide[8];
    size_t nOne;
    for( i = 0; i < 4; i++ ) {
      aWide[i] = aTwo[i];
      aWide[i + 4] = TWO_32 | aTwo[i];
    }
    blobTwoArrays();
    memcpy(aGood, aBlob, nBlob);
    nOne = nBlob;
#define WIDE(nCount, k0, k1)                                                   \
 nBlob = 0;                                                                    \
 b64(nCount);                                                                  \
 b32(k0);                                                                      \
 memcpy(aBlob + nBlob, aGood, nOne);                                           \
 nBlob += nOne;                                                                \
 b32(k1);                                                                      \
 memcpy(aBlob + nBlob, aGood, nOne);                                           \
 nBlob += nOne
    WIDE(2, 0, 1);
    checkValid(aBlob, nBlob, aWide, 8, "two buckets");
    checkInvalid(aBlob, nBlob - 1, "a truncated bucket");
    aBlob[nBlob++] = 0;
    checkInvalid(aBlob, nBlob, "a byte after the buckets");
    WIDE(3, 0, 1);
    checkInvalid(aBlob, nBlob, "a bucket count past the end");
    WIDE(1ULL << 40, 0, 1);
    checkInvalid(aBlob, nBlob, "a huge bucket count");
    WIDE(2, 1, 0);
    checkInvalid(aBlob, nBlob, "buckets out of order");
    WIDE(2, 1, 1);
    checkInvalid(aBlob, nBlob, "two buckets with one key");
    WIDE(2, 0, 0x80000000U);
    checkInvalid(aBlob, nBlob, "values from 2^63");
    WIDE(2, 0, 0x7fffffffU);
    for( i = 0; i < 4; i++ ) aWide[i + 4] = 0x7fffffffULL << 32 | aTwo[i];
    checkValid(aBlob, nBlob, aWide, 8, "values up to 2^63-1");
    /* One bucket, below 2^32: valid, and written as 32 bits. */
    nBlob = 0;
    b64(1);
    b32(0);
    memcpy(aBlob + nBlob, aGood, nOne);
    nBlob += nOne;
    checkValid(aBlob, nBlob, aTwo, 4, "one bucket of a 64-bit bitmap");
    checkCanonical(aBlob, nBlob, aGood, nOne, "one bucket");
    /* An empty bucket: valid, and dropped. */
    nBlob = 0;
    b64(2);
    b32(0);
    memcpy(aBlob + nBlob, aGood, nOne);
    nBlob += nOne;
    b32(5);
    b32(12346);
    b32(0);
    checkValid(aBlob, nBlob, aTwo, 4, "an empty bucket");
    checkCanonical(aBlob, nBlob, aGood, nOne, "an empty bucket");
#undef WIDE
  }

  /* What frugal writes for {1,2,3}: a run container, as CRoaring would. */
  memset(&r, 0, sizeof(r));
  roaringAdd(&r, 1, 0);
  roaringAdd(&r, 2, 0);
  roaringAdd(&r, 3, 0);
  CHECK(roaringSerialize(&r, &aOut, &nOut, (size_t)-1) == ROARING_OK
            && nOut == nCanon123 && memcmp(aOut, aCanon123, nOut) == 0,
        "{1,2,3} as a run container");
  sqlite3_free(aOut);
  roaringReset(&r);
}

/************************************************************************
** robust: truncated and changed blobs.
*/

/*
** Read the n bytes at a: they must be rejected, or be a set that is
** consistent with itself.
*/
static void checkAnything(const unsigned char *a, size_t n) {
  Roaring r;
  int rc = readBlob(&r, a, n);
  CHECK(rc == ROARING_OK || rc == ROARING_CORRUPT, "no other result");
  if( rc == ROARING_OK ) {
    RoaringIter it;
    uint64_t nSeen = 0, vPrev = 0;
    int bAscending = 1;
    for( roaringIterSeek(&it, &r, 0); !it.bEof; roaringIterNext(&it) ) {
      uint64_t v = roaringIterValue(&it);
      if( nSeen > 0 && v <= vPrev ) bAscending = 0;
      vPrev = v;
      nSeen++;
    }
    CHECK(bAscending && nSeen == roaringCount(&r), "a consistent set");
    checkRoundTrip(&r, "an accepted changed blob");
    checkScan(a, n, &r, "an accepted changed blob");
  } else {
    CHECK(r.nCont == 0 && r.aCont == 0, "nothing left behind");
    checkScan(a, n, 0, "a rejected changed blob");
  }
  roaringReset(&r);
}

static void testRobust(void) {
  int iShape;
  for( iShape = 0; iShape < 12; iShape++ ) {
    Roaring r;
    Vals v;
    unsigned char *a, *aCopy;
    size_t n, i, nStep;
    int k;
    memset(&r, 0, sizeof(r));
    memset(&v, 0, sizeof(v));
    genValues(&v);
    if( iShape % 3 == 0 ) {
      for( i = 0; i < v.n; i++ ) v.a[i] &= 0xffffffff; /* 32-bit */
    }
    buildFrom(&r, &v);
    if( roaringSerialize(&r, &a, &n, (size_t)-1) ) exit(2);
    aCopy = malloc(n);
    if( aCopy == 0 ) exit(2);
    /* Every truncation (sampled in long blobs). */
    nStep = n / 3000 + 1;
    for( i = 0; i < n; i += nStep ) {
      memcpy(aCopy, a, i);
      checkAnything(aCopy, i);
    }
    /* Single bytes changed, many in the headers. */
    for( k = 0; k < 3000; k++ ) {
      size_t iAt = k % 2 ? rndBelow(n < 64 ? n : 64) : rndBelow(n);
      memcpy(aCopy, a, n);
      aCopy[iAt] = (unsigned char)(k % 3 ? rnd64() : aCopy[iAt] ^ 1);
      checkAnything(aCopy, n);
    }
    free(aCopy);
    sqlite3_free(a);
    roaringReset(&r);
    free(v.a);
  }
}

/************************************************************************
** nomem: every allocation made to fail in turn.
**
** SQLite's allocator is replaced (SQLITE_CONFIG_MALLOC) by one that fails
** the iFailAt-th allocation.  Each operation is run with iFailAt = 0, 1,
** 2, ... until it succeeds; every failure must be ROARING_NOMEM, leave the
** arguments valid, and leak nothing (sqlite3_memory_used() comes back).
*/
static sqlite3_mem_methods defaultMem;
static int iFailAt = -1; /* Fail this allocation; -1: none */
static int nAllocs;      /* Allocations so far */

static void *faultMalloc(int n) {
  if( iFailAt >= 0 && nAllocs++ == iFailAt ) return 0;
  return defaultMem.xMalloc(n);
}
static void *faultRealloc(void *p, int n) {
  if( iFailAt >= 0 && nAllocs++ == iFailAt ) return 0;
  return defaultMem.xRealloc(p, n);
}

static void installFaultAllocator(void) {
  sqlite3_mem_methods m;
  sqlite3_config(SQLITE_CONFIG_GETMALLOC, &defaultMem);
  m = defaultMem;
  m.xMalloc = faultMalloc;
  m.xRealloc = faultRealloc;
  sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
  sqlite3_initialize();
}

/* Check that r is a valid set (with allocations not failing). */
static void checkSane(const Roaring *r, const char *zWhat) {
  RoaringIter it;
  uint64_t nSeen = 0, vPrev = 0;
  int bOk = 1, iSave = iFailAt;
  unsigned char *a;
  size_t n;
  Roaring back;
  iFailAt = -1;
  for( roaringIterSeek(&it, r, 0); !it.bEof; roaringIterNext(&it) ) {
    if( nSeen > 0 && roaringIterValue(&it) <= vPrev ) bOk = 0;
    vPrev = roaringIterValue(&it);
    nSeen++;
  }
  bOk = bOk && nSeen == roaringCount(r);
  memset(&back, 0, sizeof(back));
  bOk = bOk && roaringSerialize(r, &a, &n, (size_t)-1) == ROARING_OK;
  if( bOk ) {
    bOk = roaringDeserialize(&back, a, n, 0) == ROARING_OK
       && roaringEqual(&back, r);
    sqlite3_free(a);
  }
  roaringReset(&back);
  CHECK(bOk, zWhat);
  iFailAt = iSave;
}

/* The operations tried, each on fresh copies of the inputs. */
#define NOMEM_ADD       0
#define NOMEM_LAZY      1
#define NOMEM_COPY      2
#define NOMEM_OP        3  /* +eOp */
#define NOMEM_INPLACE   7  /* +eOp */
#define NOMEM_SMALL     11 /* +eOp: in place with a small b */
#define NOMEM_ADDRANGE  15
#define NOMEM_KEEPRANGE 16
#define NOMEM_REMOVE    17
#define NOMEM_SERIALIZE 18
#define NOMEM_READ      19
#define NOMEM_FULL      20 /* remove from a full container */
#define NOMEM_RUNADD    21 /* add a new run to a run container */
#define NOMEM_XORSMALL  22 /* two bitsets whose XOR is an array */
#define NOMEM_N         23

/* Run operation eTest once with allocation iFailAt failing; its result. */
static int nomemRun(int eTest, const Roaring *a, const Roaring *b,
                    const Roaring *small, const Vals *v,
                    const unsigned char *aBlob2, size_t nBlob2) {
  Roaring x, y;
  int rc = ROARING_OK;
  size_t i;
  unsigned char *aOut = 0;
  size_t nOut;
  memset(&x, 0, sizeof(x));
  memset(&y, 0, sizeof(y));
  if( eTest >= NOMEM_INPLACE && eTest < NOMEM_ADDRANGE ) {
    int iSave = iFailAt;
    iFailAt = -1;
    if( roaringCopy(&x, a) ) exit(2);
    iFailAt = iSave;
  }
  nAllocs = 0;
  switch( eTest ) {
    case NOMEM_ADD:
      for( i = 0; i < v->n && rc == ROARING_OK; i++ ) {
        rc = roaringAdd(&x, v->a[i], 0);
      }
      break;
    case NOMEM_LAZY: {
      /* One at a time, then in batches of growing sizes. */
      uint64_t aBatch[64];
      size_t nBatch = 0, nMax = 1;
      for( i = 0; i < v->n && rc == ROARING_OK; i++ ) {
        if( i < v->n / 2 ) {
          rc = roaringAddLazy(&x, v->a[(i * 7919) % v->n], 0, 0);
          continue;
        }
        aBatch[nBatch++] = v->a[(i * 7919) % v->n];
        if( nBatch == nMax || i == v->n - 1 ) {
          rc = roaringAddLazyMany(&x, aBatch, (int)nBatch, 0, 0);
          nBatch = 0;
          nMax = nMax % 64 + 1;
        }
      }
      /* The set is readable after roaringSettle() whether or not an add
      ** failed; a settle that failed can be done again. */
      if( rc == ROARING_OK ) rc = roaringSettle(&x, 0, 0);
      {
        int iSave = iFailAt;
        iFailAt = -1;
        if( roaringSettle(&x, 0, 0) ) rc = ROARING_CORRUPT;
        iFailAt = iSave;
      }
      break;
    }
    case NOMEM_COPY: rc = roaringCopy(&x, a); break;
    case NOMEM_ADDRANGE: {
      {
        int iSave = iFailAt;
        iFailAt = -1;
        if( roaringCopy(&x, a) ) exit(2);
        iFailAt = iSave;
        nAllocs = 0;
      }
      rc = roaringAddRange(&x, 65530, 3 * 65536 + 5);
      break;
    }
    case NOMEM_KEEPRANGE: {
      int iSave = iFailAt;
      iFailAt = -1;
      if( roaringCopy(&x, a) ) exit(2);
      iFailAt = iSave;
      nAllocs = 0;
      rc = roaringKeepRange(&x, 100, TWO_32 + 70000);
      break;
    }
    case NOMEM_REMOVE: {
      int iSave = iFailAt;
      iFailAt = -1;
      if( roaringAddRange(&x, 0, 1000) ) exit(2);
      iFailAt = iSave;
      nAllocs = 0;
      rc = roaringRemove(&x, 500, 0); /* Splits a run */
      break;
    }
    case NOMEM_FULL:
    case NOMEM_RUNADD: {
      int iSave = iFailAt;
      iFailAt = -1;
      if( roaringAddRange(&x, 0, eTest == NOMEM_FULL ? 65536 : 1000) ) exit(2);
      iFailAt = iSave;
      nAllocs = 0;
      if( eTest == NOMEM_FULL ) {
        rc = roaringRemove(&x, 500, 0);
      } else {
        rc = roaringAdd(&x, 2000, 0);
      }
      break;
    }
    case NOMEM_XORSMALL: {
      int iSave = iFailAt;
      iFailAt = -1;
      for( i = 0; i < 5000; i++ ) {
        if( roaringAdd(&x, i * 2, 0) || roaringAdd(&y, i * 2 + (i < 3), 0) ) {
          exit(2);
        }
      }
      iFailAt = iSave;
      nAllocs = 0;
      {
        Roaring z;
        memset(&z, 0, sizeof(z));
        rc = roaringOp(ROARING_XOR, &x, &y, &z);
        if( rc == ROARING_OK && roaringCount(&z) != 6 ) rc = ROARING_CORRUPT;
        roaringReset(&z);
      }
      break;
    }
    case NOMEM_SERIALIZE:
      rc = roaringSerialize(a, &aOut, &nOut, (size_t)-1);
      sqlite3_free(aOut);
      break;
    case NOMEM_READ: rc = roaringDeserialize(&x, aBlob2, nBlob2, 0); break;
    default:
      if( eTest < NOMEM_INPLACE ) {
        rc = roaringOp(eTest - NOMEM_OP, a, b, &x);
      } else if( eTest < NOMEM_SMALL ) {
        rc = roaringOpInPlace(eTest - NOMEM_INPLACE, &x, b);
      } else {
        rc = roaringOpInPlace(eTest - NOMEM_SMALL, &x, small);
      }
      break;
  }
  {
    char zMsg[100];
    snprintf(zMsg, sizeof(zMsg), "test %d: valid after failure %d", eTest,
             iFailAt);
    checkSane(&x, zMsg);
  }
  iFailAt = -1;
  roaringReset(&x);
  roaringReset(&y);
  return rc;
}

static void testNomem(void) {
  Vals v, w;
  Roaring a, b, small;
  unsigned char *aBlob2;
  size_t nBlob2, i;
  int eTest;
  memset(&v, 0, sizeof(v));
  memset(&w, 0, sizeof(w));
  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  memset(&small, 0, sizeof(small));
  /* Inputs with every container kind, in two buckets. */
  for( i = 0; i < 300; i++ ) valsAdd(&v, i * 977);
  for( i = 0; i < 5000; i++ ) valsAdd(&v, 5 << 16 | (i * 13 % 65536));
  for( i = 0; i < 3000; i++ ) valsAdd(&v, (7 << 16) + i);
  for( i = 0; i < 50; i++ ) valsAdd(&v, TWO_32 + i * 3);
  for( i = 0; i < 400; i++ ) valsAdd(&w, i * 1013);
  for( i = 0; i < 6000; i++ ) valsAdd(&w, 5 << 16 | (i * 11 % 65536));
  for( i = 0; i < 100; i++ ) valsAdd(&w, (7 << 16) + 2 * i);
  buildFrom(&a, &v);
  buildFrom(&b, &w);
  if( roaringAddRange(&a, 9 << 16, (9 << 16) + 40000) ) exit(2);
  if( roaringAddRange(&b, (9 << 16) + 20000, (11 << 16) + 10) ) exit(2);
  if( roaringAdd(&small, 5 << 16 | 3, 0) ) exit(2);
  if( roaringAdd(&small, 7 << 16 | 5, 0) ) exit(2);
  if( roaringSerialize(&a, &aBlob2, &nBlob2, (size_t)-1) ) exit(2);
  for( eTest = 0; eTest < NOMEM_N; eTest++ ) {
    sqlite3_int64 nUsed = sqlite3_memory_used();
    int nFailed = 0, rc, iFail;
    char zMsg[100];
    for( iFail = 0; iFail < 100000; iFail++ ) {
      iFailAt = iFail;
      rc = nomemRun(eTest, &a, &b, &small, &v, aBlob2, nBlob2);
      if( rc == ROARING_OK ) break;
      snprintf(zMsg, sizeof(zMsg), "test %d: failure %d is NOMEM", eTest,
               nFailed);
      CHECK(rc == ROARING_NOMEM, zMsg);
      nFailed++;
    }
    iFailAt = -1;
    snprintf(zMsg, sizeof(zMsg), "test %d: allocations failed", eTest);
    CHECK(nFailed > 0, zMsg);
    snprintf(zMsg, sizeof(zMsg), "test %d: nothing leaked", eTest);
    CHECK(sqlite3_memory_used() == nUsed, zMsg);
  }
  sqlite3_free(aBlob2);
  roaringReset(&a);
  roaringReset(&b);
  roaringReset(&small);
  free(v.a);
  free(w.a);
}

int main(int argc, char **argv) {
  if( argc != 2 ) {
    fprintf(stderr, "usage: %s TESTDATA_DIR\n", argv[0]);
    return 1;
  }
  rngState = 12345;
  installFaultAllocator();
  testKinds();
  testInvalid();
  testFiles(argv[1]);
  testValues();
  testLazy();
  testLazyMemory();
  testRobust();
  testNomem();
  if( nFail ) {
    printf("roaring_unit: %ld of %ld checks failed\n", nFail, nCheck);
    return 1;
  }
  printf("roaring_unit: %ld checks: ok\n", nCheck);
  return 0;
}
