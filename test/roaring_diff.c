/*
** roaring_diff.c - frugal's Roaring engine against CRoaring, value for value
** and byte for byte.
**
**   roaring_diff [NSETS [SEED]]
**
** Builds NSETS (default 4000) random sets of 32-bit values, cycling
** through shapes that reach every container kind and every boundary of
** the format: sparse values, dense containers, long runs, containers of
** exactly 4095, 4096 and 4097 values, run counts on both sides of the
** run/array and run/bitset thresholds, values around 65535/65536 and
** 2^32-1, and mixtures of these.  For each set it checks that
**
**   - the canonical serialization equals, byte for byte, what CRoaring
**     (Debian's libroaring-dev) writes after roaring_bitmap_add() of each
**     value, roaring_bitmap_run_optimize() and
**     roaring_bitmap_portable_serialize();
**   - frugal reads CRoaring's bytes, with and without run containers, and
**     writes the canonical bytes back; CRoaring reads frugal's bytes;
**   - count, min, max, contains, rank, select and iteration agree;
**   - with the previous set: AND, OR, XOR and ANDNOT (new and in place),
**     their counts, intersects, subset and equality agree, as do
**     add_range, keep_range and remove;
**   - the two sets as two buckets of 64-bit values: frugal's 64-bit format
**     is the bucket count, then per bucket its key and CRoaring's
**     canonical bytes for its 32-bit set.
**
** CRoaring's own result of an operation is not always canonical (its
** run_optimize keeps a run container that ties with an array), so the
** reference bytes for results are those of a CRoaring bitmap rebuilt from
** the result's values (roaring_bitmap_add_many(), which adds them one by
** one into the same containers), then run-optimized.
**
** Prints "roaring_diff: N sets, N values, N operations: ok" and exits 0,
** or prints the first difference and exits 1.
*/
#include "roaring.h"
#include "roaring_rng.h"

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

/* Shapes of random sets (see genSet()). */
#define SHAPE_SPARSE    0
#define SHAPE_DENSE     1
#define SHAPE_RUNS      2
#define SHAPE_EXACT     3
#define SHAPE_EDGES     4
#define SHAPE_THRESHOLD 5
#define SHAPE_LONG_RUN  6
#define SHAPE_MIXED     7
#define SHAPE_EMPTY     8
#define N_SHAPE         9

/* Random probes of contains/rank/select/seek per set. */
#define N_PROBE 32

static long nSets, nValues, nOps;

/* A growable list of 32-bit values, in no order, perhaps repeated. */
typedef struct Vals Vals;
struct Vals {
  uint32_t *a;
  size_t n, nAlloc;
};

static void valsAdd(Vals *p, uint64_t v) {
  if( v > 0xffffffffULL ) return;
  if( p->n == p->nAlloc ) {
    p->nAlloc = p->nAlloc ? p->nAlloc * 2 : 256;
    p->a = realloc(p->a, p->nAlloc * sizeof(uint32_t));
    if( p->a == 0 ) {
      fprintf(stderr, "roaring_diff: out of memory\n");
      exit(1);
    }
  }
  p->a[p->n++] = (uint32_t)v;
}

/* A random container key, often at the edges. */
static uint32_t rndKey(void) {
  switch( rndBelow(6) ) {
    case 0: return 0;
    case 1: return 0xffff;
    case 2: return (uint32_t)rndBelow(4);
    default: return (uint32_t)rndBelow(0x10000);
  }
}

/* nCard distinct random low parts in container iKey. */
static void genExact(Vals *p, uint32_t iKey, int nCard) {
  static unsigned char aSeen[65536];
  int n = 0;
  memset(aSeen, 0, sizeof(aSeen));
  while( n < nCard ) {
    uint32_t x = (uint32_t)rndBelow(65536);
    if( aSeen[x] ) continue;
    aSeen[x] = 1;
    valsAdd(p, ((uint64_t)iKey << 16) | x);
    n++;
  }
}

/*
** nRun disjoint, non-touching runs holding nCard values in total in
** container iKey (nCard >= nRun, and room for the gaps).
*/
static void genRuns(Vals *p, uint32_t iKey, int nRun, int nCard) {
  int nGap = 65536 - nCard, i, x = 0;
  int nExtra = nCard - nRun; /* Values beyond one per run */
  if( nRun <= 0 ) return;
  if( nGap < nRun - 1 ) return;
  x = (int)rndBelow((uint64_t)(nGap - (nRun - 1)) / (uint64_t)nRun + 1);
  for( i = 0; i < nRun; i++ ) {
    int nLen = 1
             + (i == nRun - 1
                    ? nExtra
                    : (int)rndBelow((uint64_t)nExtra / (uint64_t)(nRun - i) * 2
                                    + 1));
    int k;
    if( nLen - 1 > nExtra ) nLen = nExtra + 1;
    nExtra -= nLen - 1;
    for( k = 0; k < nLen && x < 65536; k++ ) {
      valsAdd(p, ((uint64_t)iKey << 16) | (uint32_t)x++);
    }
    x += 1 + (int)rndBelow(3);
    if( x >= 65536 ) break;
  }
}

/* Append a random set of shape eShape to p. */
static void genSet(Vals *p, int eShape) {
  int i, n;
  switch( eShape ) {
    case SHAPE_SPARSE:
      n = (int)rndBelow(3000);
      for( i = 0; i < n; i++ ) valsAdd(p, rnd64() & 0xffffffffULL);
      break;
    case SHAPE_DENSE:
      for( n = 1 + (int)rndBelow(3); n > 0; n-- ) {
        uint32_t iKey = rndKey();
        int nCard = 1 + (int)rndBelow(65536);
        for( i = 0; i < nCard; i++ ) {
          valsAdd(p, ((uint64_t)iKey << 16) | rndBelow(65536));
        }
      }
      break;
    case SHAPE_RUNS:
      for( n = 1 + (int)rndBelow(6); n > 0; n-- ) {
        int nRun = 1 + (int)rndBelow(rndBelow(2) ? 20 : 3000);
        int nCard = nRun + (int)rndBelow(30000);
        genRuns(p, rndKey(), nRun, nCard);
      }
      break;
    case SHAPE_EXACT: {
      static const int aCard[] = { 4095, 4096, 4097, 1, 2, 3, 65535, 65536 };
      for( n = 1 + (int)rndBelow(3); n > 0; n-- ) {
        int nCard = aCard[rndBelow(sizeof(aCard) / sizeof(aCard[0]))];
        if( rndBelow(3) == 0 && nCard < 65536 ) {
          int nRun = 1 + (int)rndBelow(5);
          genRuns(p, rndKey(), nRun, nCard);
        } else {
          genExact(p, rndKey(), nCard);
        }
      }
      break;
    }
    case SHAPE_EDGES: {
      static const uint64_t aEdge[] = { 0,          1,          65535,
                                        65536,      65537,      131071,
                                        2147483647, 2147483648, 4294901759,
                                        4294901760, 4294967294, 4294967295 };
      for( i = 0; i < (int)(sizeof(aEdge) / sizeof(aEdge[0])); i++ ) {
        int k, nNear = (int)rndBelow(8);
        if( rndBelow(3) == 0 ) continue;
        for( k = -nNear; k <= nNear; k++ ) {
          int64_t v = (int64_t)aEdge[i] + k;
          if( v >= 0 && rndBelow(4) ) valsAdd(p, (uint64_t)v);
        }
      }
      break;
    }
    case SHAPE_THRESHOLD: {
      /* Array side: c values in r runs with 2r around c.  Bitset side: r
      ** around 2047 with more than 4096 values. */
      uint32_t iKey = rndKey();
      if( rndBelow(2) ) {
        int nRun = 1 + (int)rndBelow(2000);
        int nCard = 2 * nRun + (int)rndBelow(3) - 1;
        if( nCard < nRun ) nCard = nRun;
        genRuns(p, iKey, nRun, nCard);
      } else {
        int nRun = 2045 + (int)rndBelow(6);
        genRuns(p, iKey, nRun, 4097 + (int)rndBelow(20000));
      }
      break;
    }
    case SHAPE_LONG_RUN: {
      uint64_t lo = rnd64() & 0xffffffffULL, len;
      uint64_t v;
      len = 1 + rndBelow(200000);
      for( v = lo; v < lo + len; v++ ) valsAdd(p, v);
      break;
    }
    case SHAPE_MIXED:
      for( n = 2 + (int)rndBelow(3); n > 0; n-- ) {
        genSet(p, (int)rndBelow(SHAPE_MIXED));
      }
      break;
    default: break;
  }
}

/* Fail with a message. */
static void fail(const char *zWhat, long iSet) {
  printf("roaring_diff: set %ld: %s differs from CRoaring\n", iSet, zWhat);
  exit(1);
}

/* Check an engine result code. */
static void ok(int rc, const char *zWhat) {
  if( rc != ROARING_OK ) {
    printf("roaring_diff: %s failed with %d\n", zWhat, rc);
    exit(1);
  }
}

/* CRoaring's serialization of cr, in a malloc'd buffer. */
static char *crBytes(const roaring_bitmap_t *cr, size_t *pn) {
  size_t n = roaring_bitmap_portable_size_in_bytes(cr);
  char *a = malloc(n ? n : 1);
  *pn = roaring_bitmap_portable_serialize(cr, a);
  if( *pn != n ) {
    printf("roaring_diff: CRoaring size mismatch\n");
    exit(1);
  }
  return a;
}

/*
** The canonical bytes of the set cr holds: a bitmap built by adding each
** of its values, run-optimized, serialized.
*/
static char *canonBytes(const roaring_bitmap_t *cr, size_t *pn) {
  uint64_t n = roaring_bitmap_get_cardinality(cr);
  uint32_t *a = malloc((n ? n : 1) * sizeof(uint32_t));
  roaring_bitmap_t *x = roaring_bitmap_create();
  char *z;
  roaring_bitmap_to_uint32_array(cr, a);
  roaring_bitmap_add_many(x, (size_t)n, a);
  roaring_bitmap_run_optimize(x);
  z = crBytes(x, pn);
  roaring_bitmap_free(x);
  free(a);
  return z;
}

/* Check that r serializes to the canonical bytes of cr. */
static void checkSame(const Roaring *r, const roaring_bitmap_t *cr,
                      const char *zWhat, long iSet) {
  size_t nRef, nOur;
  char *aRef = canonBytes(cr, &nRef);
  unsigned char *aOur;
  ok(roaringSerialize(r, &aOur, &nOur, (size_t)-1), "roaringSerialize");
  if( nRef != nOur || memcmp(aRef, aOur, nRef) != 0 ) fail(zWhat, iSet);
  if( roaringSerializedSize(r) != nOur ) fail("roaringSerializedSize", iSet);
  if( roaringCount(r) != roaring_bitmap_get_cardinality(cr) ) {
    fail(zWhat, iSet);
  }
  free(aRef);
  sqlite3_free(aOur);
  nOps++;
}

/* Check the queries of r against those of cr, which holds the same set. */
static void checkQueries(const Roaring *r, const roaring_bitmap_t *cr,
                         long iSet) {
  uint64_t n = roaring_bitmap_get_cardinality(cr), i, v;
  uint32_t *a = malloc((n ? n : 1) * sizeof(uint32_t));
  RoaringIter it;
  int k;
  roaring_bitmap_to_uint32_array(cr, a);
  for( i = 0, roaringIterSeek(&it, r, 0); !it.bEof; roaringIterNext(&it) ) {
    if( i >= n || roaringIterValue(&it) != a[i] ) fail("iteration", iSet);
    i++;
  }
  if( i != n ) fail("iteration length", iSet);
  if( n > 0 ) {
    if( !roaringMin(r, &v) || v != a[0] ) fail("min", iSet);
    if( !roaringMax(r, &v) || v != a[n - 1] ) fail("max", iSet);
  } else if( roaringMin(r, &v) || roaringMax(r, &v) ) {
    fail("min/max of the empty set", iSet);
  }
  for( k = 0; k < N_PROBE; k++ ) {
    uint32_t x = (uint32_t)rnd64();
    uint64_t iRank;
    uint32_t y = 0;
    int bRef;
    if( k % 2 && n ) {
      x = a[rndBelow(n)];
      x += (uint32_t)rndBelow(3) - 1;
    }
    iRank = rndBelow(n + 2);
    if( roaringContains(r, x) != roaring_bitmap_contains(cr, x) ) {
      fail("contains", iSet);
    }
    if( roaringRank(r, x) != roaring_bitmap_rank(cr, x) ) fail("rank", iSet);
    bRef = roaring_bitmap_select(cr, (uint32_t)iRank, &y);
    if( roaringSelect(r, iRank, &v) != bRef || (bRef && v != y) ) {
      fail("select", iSet);
    }
    /* Seek: the first value >= x, found in the sorted values. */
    roaringIterSeek(&it, r, x);
    {
      uint64_t lo = 0, hi = n;
      while( lo < hi ) {
        uint64_t mid = (lo + hi) / 2;
        if( a[mid] < x ) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      if( (lo == n) != it.bEof || (lo < n && roaringIterValue(&it) != a[lo]) ) {
        fail("seek", iSet);
      }
    }
  }
  free(a);
}

/* Read the n bytes at a into the empty r, which must succeed. */
static void readInto(Roaring *r, const void *a, size_t n, long iSet) {
  if( roaringDeserialize(r, a, n, 0) != ROARING_OK ) {
    fail("reading CRoaring's bytes", iSet);
  }
}

/* Check the binary operations of (a, ca) and (b, cb), the same sets. */
static void checkOps(const Roaring *a, const roaring_bitmap_t *ca,
                     const Roaring *b, const roaring_bitmap_t *cb, long iSet) {
  static const char *azOp[] = { "AND", "OR", "XOR", "ANDNOT" };
  int eOp;
  for( eOp = ROARING_AND; eOp <= ROARING_ANDNOT; eOp++ ) {
    roaring_bitmap_t *cr;
    Roaring r, x;
    uint64_t nRef;
    memset(&r, 0, sizeof(r));
    memset(&x, 0, sizeof(x));
    switch( eOp ) {
      case ROARING_AND:
        cr = roaring_bitmap_and(ca, cb);
        nRef = roaring_bitmap_and_cardinality(ca, cb);
        break;
      case ROARING_OR:
        cr = roaring_bitmap_or(ca, cb);
        nRef = roaring_bitmap_or_cardinality(ca, cb);
        break;
      case ROARING_XOR:
        cr = roaring_bitmap_xor(ca, cb);
        nRef = roaring_bitmap_xor_cardinality(ca, cb);
        break;
      default:
        cr = roaring_bitmap_andnot(ca, cb);
        nRef = roaring_bitmap_andnot_cardinality(ca, cb);
        break;
    }
    ok(roaringOp(eOp, a, b, &r), "roaringOp");
    checkSame(&r, cr, azOp[eOp], iSet);
    if( roaringOpCount(eOp, a, b) != nRef ) fail(azOp[eOp], iSet);
    ok(roaringCopy(&x, a), "roaringCopy");
    ok(roaringOpInPlace(eOp, &x, b), "roaringOpInPlace");
    checkSame(&x, cr, azOp[eOp], iSet);
    roaringReset(&r);
    roaringReset(&x);
    roaring_bitmap_free(cr);
  }
  if( roaringIntersects(a, b) != roaring_bitmap_intersect(ca, cb) ) {
    fail("intersects", iSet);
  }
  if( roaringIsSubset(a, b) != roaring_bitmap_is_subset(ca, cb)
      || roaringIsSubset(b, a) != roaring_bitmap_is_subset(cb, ca) ) {
    fail("subset", iSet);
  }
  if( roaringEqual(a, b) != roaring_bitmap_equals(ca, cb) ) {
    fail("equal", iSet);
  }
}

/*
** Check the in-place operations of (a, ca) with a small b: a few values
** near values of a, so that b's keys are mostly keys of a.
*/
static void checkSmallOps(const Roaring *a, const roaring_bitmap_t *ca,
                          long iSet) {
  static const char *azOp[] = { "small AND", "small OR", "small XOR",
                                "small ANDNOT" };
  uint64_t n = roaring_bitmap_get_cardinality(ca);
  roaring_bitmap_t *cb = roaring_bitmap_create();
  Roaring b;
  int k, eOp;
  memset(&b, 0, sizeof(b));
  for( k = 0; k < 8; k++ ) {
    uint32_t v = (uint32_t)rnd64();
    if( n > 0 && k % 4 ) {
      roaring_bitmap_select(ca, (uint32_t)rndBelow(n), &v);
      v ^= (uint32_t)rndBelow(64);
    }
    roaring_bitmap_add(cb, v);
    ok(roaringAdd(&b, v, 0), "roaringAdd");
  }
  for( eOp = ROARING_AND; eOp <= ROARING_ANDNOT; eOp++ ) {
    roaring_bitmap_t *cr;
    Roaring x;
    memset(&x, 0, sizeof(x));
    switch( eOp ) {
      case ROARING_AND: cr = roaring_bitmap_and(ca, cb); break;
      case ROARING_OR: cr = roaring_bitmap_or(ca, cb); break;
      case ROARING_XOR: cr = roaring_bitmap_xor(ca, cb); break;
      default: cr = roaring_bitmap_andnot(ca, cb); break;
    }
    ok(roaringCopy(&x, a), "roaringCopy");
    ok(roaringOpInPlace(eOp, &x, &b), "roaringOpInPlace");
    checkSame(&x, cr, azOp[eOp], iSet);
    roaringReset(&x);
    roaring_bitmap_free(cr);
  }
  roaringReset(&b);
  roaring_bitmap_free(cb);
}

/* Check add_range, keep_range and remove on a copy of (a, ca). */
static void checkEdits(const Roaring *a, const roaring_bitmap_t *ca,
                       long iSet) {
  uint64_t lo = rnd64() & 0xffffffffULL, hi;
  uint64_t n = roaring_bitmap_get_cardinality(ca);
  roaring_bitmap_t *cr = roaring_bitmap_copy(ca), *cRange;
  Roaring r;
  int k;
  hi = lo + rndBelow(300000);
  if( hi > 0x100000000ULL ) hi = 0x100000000ULL;
  if( rndBelow(4) == 0 && n > 0 ) {
    /* A range that starts or ends on a value of the set. */
    uint32_t v = 0;
    roaring_bitmap_select(ca, (uint32_t)rndBelow(n), &v);
    lo = v;
    hi = lo + rndBelow(100000);
    if( hi > 0x100000000ULL ) hi = 0x100000000ULL;
  }
  memset(&r, 0, sizeof(r));
  ok(roaringCopy(&r, a), "roaringCopy");
  ok(roaringAddRange(&r, lo, hi), "roaringAddRange");
  roaring_bitmap_add_range(cr, lo, hi);
  checkSame(&r, cr, "add_range", iSet);
  roaringReset(&r);
  roaring_bitmap_free(cr);

  ok(roaringCopy(&r, a), "roaringCopy");
  ok(roaringKeepRange(&r, lo, hi), "roaringKeepRange");
  cRange = roaring_bitmap_from_range(lo, hi > lo ? hi : lo + 1, 1);
  if( hi <= lo ) roaring_bitmap_clear(cRange);
  cr = roaring_bitmap_and(ca, cRange);
  checkSame(&r, cr, "keep_range", iSet);
  roaringReset(&r);
  roaring_bitmap_free(cr);
  roaring_bitmap_free(cRange);

  /* Remove some values of the set and some others. */
  cr = roaring_bitmap_copy(ca);
  ok(roaringCopy(&r, a), "roaringCopy");
  for( k = 0; k < N_PROBE; k++ ) {
    uint32_t v = (uint32_t)rnd64();
    int bOur, bRef;
    if( n > 0 && k % 4 ) roaring_bitmap_select(ca, (uint32_t)rndBelow(n), &v);
    bRef = roaring_bitmap_contains(cr, v);
    roaring_bitmap_remove(cr, v);
    ok(roaringRemove(&r, v, &bOur), "roaringRemove");
    if( bOur != bRef ) fail("remove", iSet);
  }
  checkSame(&r, cr, "remove", iSet);
  roaringReset(&r);
  roaring_bitmap_free(cr);
}

/* Little-endian loads, to take frugal's 64-bit output apart. */
static uint64_t le(const unsigned char *p, int n) {
  uint64_t v = 0;
  while( n-- > 0 ) v = v << 8 | p[n];
  return v;
}

/*
** The 64-bit format: the sets ca and cb as buckets k1 < k2 (of the upper
** 32 bits).  frugal's bytes must be the bucket count, then each key and
** exactly CRoaring's canonical bytes for that bucket's set.
*/
static void check64(const roaring_bitmap_t *ca, const roaring_bitmap_t *cb,
                    long iSet) {
  uint64_t k1 = rndBelow(0x7fffffff), k2 = k1 + 1 + rndBelow(0x7fffffff - k1);
  const roaring_bitmap_t *aBucket[2];
  uint64_t aKey[2];
  uint64_t nA = roaring_bitmap_get_cardinality(ca);
  uint64_t nB = roaring_bitmap_get_cardinality(cb), i;
  uint32_t *a = malloc((nA + nB + 1) * sizeof(uint32_t));
  unsigned char *aOur;
  size_t nOur, iPos = 8;
  int nBucket = 0, b;
  Roaring r;
  memset(&r, 0, sizeof(r));
  roaring_bitmap_to_uint32_array(ca, a);
  roaring_bitmap_to_uint32_array(cb, a + nA);
  for( i = 0; i < nA; i++ ) ok(roaringAdd(&r, k1 << 32 | a[i], 0), "add");
  for( i = 0; i < nB; i++ ) ok(roaringAdd(&r, k2 << 32 | a[nA + i], 0), "add");
  if( nA ) {
    aBucket[nBucket] = ca;
    aKey[nBucket++] = k1;
  }
  if( nB ) {
    aBucket[nBucket] = cb;
    aKey[nBucket++] = k2;
  }
  ok(roaringSerialize(&r, &aOur, &nOur, (size_t)-1), "serialize");
  if( nBucket == 0 || (nBucket == 1 && aKey[0] == 0) ) {
    iPos = 0; /* All below 2^32: the 32-bit format, checked elsewhere */
  } else if( nOur < 8 || le(aOur, 8) != (uint64_t)nBucket ) {
    fail("64-bit bucket count", iSet);
  } else {
    for( b = 0; b < nBucket; b++ ) {
      size_t nRef;
      char *aRef = canonBytes(aBucket[b], &nRef);
      if( iPos + 4 + nRef > nOur || le(aOur + iPos, 4) != aKey[b]
          || memcmp(aOur + iPos + 4, aRef, nRef) != 0 ) {
        fail("64-bit bucket", iSet);
      }
      iPos += 4 + nRef;
      free(aRef);
    }
    if( iPos != nOur ) fail("64-bit length", iSet);
    nOps++;
  }
  sqlite3_free(aOur);
  roaringReset(&r);
  free(a);
}

int main(int argc, char **argv) {
  long nSet = argc > 1 ? atol(argv[1]) : 4000, iSet;
  Roaring prevAdded, prevRead;
  roaring_bitmap_t *prevRef = roaring_bitmap_create();
  Vals vals;
  rngState = argc > 2 ? strtoull(argv[2], 0, 10) : 20240601;
  memset(&prevAdded, 0, sizeof(prevAdded));
  memset(&prevRead, 0, sizeof(prevRead));
  memset(&vals, 0, sizeof(vals));
  for( iSet = 0; iSet < nSet; iSet++ ) {
    roaring_bitmap_t *cr = roaring_bitmap_create(), *crBack;
    Roaring added, read, canon;
    size_t nPlain, nOpt, nOur, i;
    char *aPlain, *aOpt;
    unsigned char *aOur;
    int bAdded, eFormat = 0;

    vals.n = 0;
    genSet(&vals, (int)(iSet % N_SHAPE));
    memset(&added, 0, sizeof(added));
    memset(&read, 0, sizeof(read));
    memset(&canon, 0, sizeof(canon));
    for( i = 0; i < vals.n; i++ ) {
      int bRef = roaring_bitmap_add_checked(cr, vals.a[i]);
      ok(roaringAdd(&added, vals.a[i], &bAdded), "roaringAdd");
      if( bAdded != bRef ) fail("add", iSet);
    }
    nValues += (long)vals.n;

    /* The canonical bytes, from both sides. */
    aPlain = crBytes(cr, &nPlain);
    roaring_bitmap_run_optimize(cr);
    aOpt = crBytes(cr, &nOpt);
    ok(roaringSerialize(&added, &aOur, &nOur, (size_t)-1), "serialize");
    if( nOur != nOpt || memcmp(aOur, aOpt, nOpt) != 0 ) {
      fail("serialization", iSet);
    }

    /* Reading: CRoaring's plain and optimized bytes, and ours back. */
    readInto(&read, aOpt, nOpt, iSet);
    checkSame(&read, cr, "re-serialization", iSet);
    readInto(&canon, aPlain, nPlain, iSet);
    checkSame(&canon, cr, "canonicalization", iSet);
    roaringReset(&canon);
    if( roaringDeserialize(&canon, aOur, nOur, &eFormat) != ROARING_OK
        || eFormat != ROARING_FORMAT_32 ) {
      fail("format", iSet);
    }
    roaringReset(&canon);
    crBack = roaring_bitmap_portable_deserialize_safe((const char *)aOur, nOur);
    if( crBack == 0 || !roaring_bitmap_equals(crBack, cr) ) {
      fail("CRoaring reading frugal's bytes", iSet);
    }
    roaring_bitmap_free(crBack);

    checkQueries(&added, cr, iSet);
    checkQueries(&read, cr, iSet);
    checkOps(&added, cr, &prevRead, prevRef, iSet);
    checkOps(&read, cr, &prevAdded, prevRef, iSet);
    checkEdits(iSet % 2 ? &added : &read, cr, iSet);
    checkSmallOps(iSet % 2 ? &read : &added, cr, iSet);
    check64(prevRef, cr, iSet);

    free(aPlain);
    free(aOpt);
    sqlite3_free(aOur);
    roaringReset(&prevAdded);
    roaringReset(&prevRead);
    roaring_bitmap_free(prevRef);
    prevAdded = added;
    prevRead = read;
    prevRef = cr;
    nSets++;
  }
  roaringReset(&prevAdded);
  roaringReset(&prevRead);
  roaring_bitmap_free(prevRef);
  free(vals.a);
  printf("roaring_diff: %ld sets, %ld values, %ld operations: ok\n", nSets,
         nValues, nOps);
  return 0;
}
