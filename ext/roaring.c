/*
** roaring.c - frugal's own Roaring bitmap engine (interface in roaring.h).
**
** A Roaring holds a set of integers 0..2^63-1 the way Roaring bitmaps
** (Lemire et al.) do, and reads and writes the Roaring portable format, so
** that CRoaring, Java, Go, pyroaring, ClickHouse and pg_roaringbitmap read
** what frugal writes and the other way round.
**
** HOW IT WORKS
**
** A value v is split into a 48-bit key (v >> 16) and a 16-bit low part.
** The values that share a key form a container, and a Roaring is an array
** of containers sorted by key.  The 64-bit portable format groups the
** containers by the upper 32 bits of their key into 32-bit Roaring bitmaps
** ("buckets"); one flat array sorted by the 48-bit key is the same ordered
** map without a second level, so the 32-bit and the 64-bit cases share
** every line of code.  A container holds its low parts in one of three
** kinds:
**
**   array    a sorted array of up to 4096 16-bit values (2 bytes a value)
**   bitset   65536 bits, 8 KiB (for more than 4096 values)
**   run      sorted, disjoint runs (start, length-1), 4 bytes a run
**
** Array and bitset are chosen by count alone: at most 4096 values is an
** array, more is a bitset; adding the 4097th value turns an array into a
** bitset and removing down to 4096 turns it back.  Runs come from a
** serialization, from ranges and from operations on runs.
**
** Serialization is canonical: the same set always gives the same bytes,
** which are those CRoaring writes for the set after
** roaring_bitmap_run_optimize().  Each container is written as a run
** container exactly when that is strictly smaller than the array or
** bitset it would otherwise be (rrBestKind()), whatever kind it has in
** memory.  The 32-bit format is used when every value is below 2^32.
**
** Deserialization trusts nothing: every length is checked against the
** bytes left before anything is read, keys must ascend, an array's values
** ascend, a bitset's population and a run container's lengths must add up
** to the cardinality in the header, runs must be ordered and disjoint, the
** offsets (when present) must point exactly where each container starts,
** and the input must end where the last container does.  A 32-bit bitmap
** is a valid input if every reader could read it; the kinds it uses need
** not be the canonical ones (runs that touch are merged).
**
** Binary operations walk the two container arrays in key order.  For two
** containers, arrays merge, bitsets combine word by word, and runs sweep
** their boundaries (an array meeting runs is turned into runs first, runs
** meeting a bitset into a bitset), so each pair costs time proportional
** to its compressed size.  Counting operations (roaringOpCount) only
** count the intersection and derive the rest.
**
** In place, a eOp= b with a b much smaller than a and no new keys changes
** a's containers one by one (a bitset ORed where it is) instead of
** rebuilding a's container array, so folding many small bitmaps into a
** large one costs the small ones' size.
**
** Lookups in a Roaring that is being built remember the container they
** found last (iHint) and try it and the next one before searching, so
** adding values in ascending order, or nearly so, costs no search at all.
** roaringAddLazy() goes further for values in any order: an array takes
** them unsorted at its end and sorts them in by batches, and a new key that
** does not go at the end gets an unsorted container there, sorted in by
** batches too (see the section "Building from values in any order"), so
** no order of values costs more than O(log n) each; that is what
** bitmap_agg(), bitmap() and bitmap_from_json() use.  roaringAddLazyMany()
** does the same for a batch of values: each run of values of one key costs
** one lookup and one copy (a new array gets room for its first run), and
** it asks for the end of the array some containers on, which a
** sweep through the keys is about to reach.  roaringSortBatch() puts a
** batch whose keys are in no order in key order first, so that each
** container is found once, by galloping forward from the last.
**
** roaringScan() reads a serialization in place: it checks every byte as
** roaringDeserialize() does, decodes nothing, and answers count, min, max
** and membership from the bytes (a binary search of the keys, then of the
** one container).
**
** A full container (all 65536 values) made by roaringAddRange() shares one
** constant run, rrFullRun, instead of allocating one of its own; it gets
** a copy before anything changes it.
*/
#include "frugal_int.h"
#include "roaring.h"

#include <assert.h>
#include <string.h>

typedef unsigned char u8;
typedef uint16_t u16;
typedef uint32_t u32;

/*
** On a little-endian machine the arrays and bitsets in memory have the
** byte order of the format and are copied as they are.
*/
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
# define RR_LITTLE_ENDIAN 1
#else
# define RR_LITTLE_ENDIAN 0
#endif

/* Container kinds. */
#define RR_ARRAY  1
#define RR_BITSET 2
#define RR_RUN    3

/* Limits of the Roaring model and of the portable format. */
#define RR_ARRAY_MAX        4096  /* Most values in an array container */
#define RR_CONT_VALUES      65536 /* Values a container covers */
#define RR_WORDS            1024  /* 64-bit words in a bitset */
#define RR_BITSET_BYTES     8192  /* Bytes of a bitset */
#define RR_RUN_MAX          2047  /* Most runs in a canonical run container */
#define RR_COOKIE_NORUN     12346 /* 32-bit format without run containers */
#define RR_COOKIE_RUN       12347 /* 32-bit format with run containers */
#define RR_NO_OFFSET_MAX    4     /* Offsets when no runs, or this many */
#define RR_BUCKET_MAX_CONT  65536 /* Containers in one 32-bit bitmap */
#define RR_EMPTY32_BYTES    8     /* An empty 32-bit bitmap */
#define RR_MAX_KEY          (ROARING_MAX_VALUE >> 16)
#define RR_MAX_BUCKET       (ROARING_MAX_VALUE >> 32)
#define RR_GALLOP_RATIO     32  /* Size ratio from which AND gallops */
#define RR_FIRST_ARRAY_SIZE 8   /* Values allocated for a new array */
#define RR_SMALL_RATIO      8   /* b this much smaller: a op= b by container */
#define RR_MERGE_RATIO      64  /* Tails this much shorter are inserted */
#define RR_SETTLE_RATIO     2   /* Tails this much shorter keep growing */
#define RR_TAIL_MIN         128 /* Tails this short keep growing */
#define RR_INSERTION_MAX    32  /* Tails up to this long: insertion sort */
#define RR_BUCKET_SORT_MAX  256 /* Up to this long: by high byte, then so */
#define RR_SMALL_ARRAY      64  /* Arrays below this grow fourfold */
#define RR_UNSORTED_MIN     64  /* Unsorted containers that may wait */
#define RR_PREFETCH_AHEAD   16  /* Containers ahead whose arrays to fetch */
#define RR_BATCH_SAMPLE     8   /* A batch's keys sampled this far apart */
#define RR_BATCH_DESCENTS   4   /* More sampled descents: sort the batch */

/* One run: the values iStart..iStart+nLen. */
typedef struct RoaringRun RoaringRun;
struct RoaringRun {
  u16 iStart; /* First value */
  u16 nLen;   /* Values after the first */
};

/* One container: the values with one key. */
struct RoaringCont {
  uint64_t iKey; /* The values' upper 48 bits */
  union {
    void *p;
    u16 *aVal;        /* RR_ARRAY: n sorted values */
    uint64_t *aWord;  /* RR_BITSET: RR_WORDS words */
    RoaringRun *aRun; /* RR_RUN: n runs */
  } u;
  int nCard;  /* Values held, 1..65536 (0 only while being built) */
  int n;      /* RR_ARRAY: values; RR_RUN: runs; RR_BITSET: unused */
  int nAlloc; /* Elements allocated at u.p */
  u16 nTail;  /* RR_ARRAY: unsorted values at the end (roaringAddLazy) */
  u8 eKind;   /* RR_ARRAY, RR_BITSET or RR_RUN */
};

/* Scratch space big enough for any one container in any form. */
typedef union RoaringScratch RoaringScratch;
union RoaringScratch {
  uint64_t aWord[RR_WORDS];
  u16 aVal[RR_ARRAY_MAX];
  RoaringRun aRun[RR_RUN_MAX + 1];
};

/************************************************************************
** Bits and bytes.
*/

/* The number of set bits in x. */
static int rrPopcount(uint64_t x) {
#if defined(__GNUC__) && defined(__POPCNT__)
  return __builtin_popcountll(x);
#else
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return (int)((x * 0x0101010101010101ULL) >> 56);
#endif
}

/* Ask for the cache line at p, which is about to be written. */
static inline void rrPrefetchWrite(const void *p) {
#if defined(__GNUC__)
  __builtin_prefetch(p, 1);
#else
  (void)p;
#endif
}

/* The index of the lowest set bit of x, which is not 0. */
static int rrCtz(uint64_t x) {
#if defined(__GNUC__)
  return __builtin_ctzll(x);
#else
  int n = 0;
  while( (x & 1) == 0 ) {
    x >>= 1;
    n++;
  }
  return n;
#endif
}

/* Little-endian loads and stores. */
static u32 rrGet16(const u8 *p) {
  return (u32)p[0] | ((u32)p[1] << 8);
}
static u32 rrGet32(const u8 *p) {
  return (u32)p[0] | ((u32)p[1] << 8) | ((u32)p[2] << 16) | ((u32)p[3] << 24);
}
static uint64_t rrGet64(const u8 *p) {
  return (uint64_t)rrGet32(p) | ((uint64_t)rrGet32(p + 4) << 32);
}
static void rrPut16(u8 *p, u32 v) {
  p[0] = (u8)v;
  p[1] = (u8)(v >> 8);
}
static void rrPut32(u8 *p, u32 v) {
  rrPut16(p, v & 0xffff);
  rrPut16(p + 2, v >> 16);
}
static void rrPut64(u8 *p, uint64_t v) {
  rrPut32(p, (u32)v);
  rrPut32(p + 4, (u32)(v >> 32));
}

/* Store the n values of a at p, little-endian. */
static void rrPutValues(u8 *p, const u16 *a, int n) {
  int i;
  if( RR_LITTLE_ENDIAN ) {
    memcpy(p, a, (size_t)n * 2);
  } else {
    for( i = 0; i < n; i++ ) rrPut16(p + 2 * i, a[i]);
  }
}

/* Load n little-endian values at p into a. */
static void rrGetValues(u16 *a, const u8 *p, int n) {
  int i;
  if( RR_LITTLE_ENDIAN ) {
    memcpy(a, p, (size_t)n * 2);
  } else {
    for( i = 0; i < n; i++ ) a[i] = (u16)rrGet16(p + 2 * i);
  }
}

/* The last value of run p, as a u32. */
static u32 rrRunEnd(const RoaringRun *p) {
  return (u32)p->iStart + p->nLen;
}

/* A run of the values iFirst..iLast (iFirst <= iLast <= 65535). */
static RoaringRun rrRun(u32 iFirst, u32 iLast) {
  RoaringRun r;
  r.iStart = (u16)iFirst;
  r.nLen = (u16)(iLast - iFirst);
  return r;
}

/************************************************************************
** Bitsets.
*/

/* Set bits iFirst..iLast of the bitset a. */
static void rrWordsSetRange(uint64_t *a, u32 iFirst, u32 iLast) {
  u32 i0 = iFirst >> 6, i1 = iLast >> 6, i;
  uint64_t m0 = ~(uint64_t)0 << (iFirst & 63);
  uint64_t m1 = ~(uint64_t)0 >> (63 - (iLast & 63));
  for( i = i0; i <= i1; i++ ) {
    uint64_t m = ~(uint64_t)0;
    if( i == i0 ) m &= m0;
    if( i == i1 ) m &= m1;
    a[i] |= m;
  }
}

/* The number of set bits among bits iFirst..iLast of a. */
static int rrWordsCountRange(const uint64_t *a, u32 iFirst, u32 iLast) {
  u32 i0 = iFirst >> 6, i1 = iLast >> 6, i;
  uint64_t m0 = ~(uint64_t)0 << (iFirst & 63);
  uint64_t m1 = ~(uint64_t)0 >> (63 - (iLast & 63));
  int n = 0;
  if( i0 == i1 ) return rrPopcount(a[i0] & m0 & m1);
  n = rrPopcount(a[i0] & m0) + rrPopcount(a[i1] & m1);
  for( i = i0 + 1; i < i1; i++ ) n += rrPopcount(a[i]);
  return n;
}

/* The number of set bits in a. */
static int rrWordsCount(const uint64_t *a) {
  int i, n = 0;
  for( i = 0; i < RR_WORDS; i++ ) n += rrPopcount(a[i]);
  return n;
}

/* The number of runs of set bits in a. */
static int rrWordsRuns(const uint64_t *a) {
  uint64_t prev = 0;
  int i, n = 0;
  for( i = 0; i < RR_WORDS; i++ ) {
    n += rrPopcount(a[i] & ~((a[i] << 1) | (prev >> 63)));
    prev = a[i];
  }
  return n;
}

/* Write the set bits of a, in order, to aOut; return how many. */
static int rrWordsToValues(const uint64_t *a, u16 *aOut) {
  int i, n = 0;
  for( i = 0; i < RR_WORDS; i++ ) {
    uint64_t w = a[i];
    while( w ) {
      aOut[n++] = (u16)(i * 64 + rrCtz(w));
      w &= w - 1;
    }
  }
  return n;
}

/* Write the runs of set bits of a to aOut; return how many. */
static int rrWordsToRuns(const uint64_t *a, RoaringRun *aOut) {
  int i = 0, n = 0;
  uint64_t w = a[0];
  for( ;; ) {
    u32 iFirst;
    while( w == 0 ) {
      if( ++i == RR_WORDS ) return n;
      w = a[i];
    }
    iFirst = (u32)(i * 64 + rrCtz(w));
    w |= w - 1; /* Fill in the zeros below the run */
    while( w == ~(uint64_t)0 ) {
      if( ++i == RR_WORDS ) {
        aOut[n++] = rrRun(iFirst, RR_CONT_VALUES - 1);
        return n;
      }
      w = a[i];
    }
    aOut[n++] = rrRun(iFirst, (u32)(i * 64 + rrCtz(~w)) - 1);
    w &= w + 1; /* Clear the run */
  }
}

/************************************************************************
** Sorted arrays of 16-bit values.
*/

/*
** The index of the first of the n values of a that is >= x.  Branch-free:
** the loop halves the range with a conditional move, so a random x costs
** no mispredicted branches.
*/
static int rrLowerBound(const u16 *a, int n, u32 x) {
  const u16 *pBase = a;
  if( n == 0 ) return 0;
  while( n > 1 ) {
    int nHalf = n >> 1;
    pBase = pBase[nHalf] < x ? pBase + nHalf : pBase;
    n -= nHalf;
  }
  return (int)(pBase - a) + (*pBase < x);
}

/*
** Like rrLowerBound(), but searching forward from index i by doubling
** steps: cheap when the answer is near i.
*/
static int rrGallop(const u16 *a, int n, int i, u32 x) {
  int step = 1, hi;
  if( i >= n || a[i] >= x ) return i;
  while( i + step < n && a[i + step] < x ) {
    i += step;
    step <<= 1;
  }
  hi = i + step < n ? i + step : n;
  return i + 1 + rrLowerBound(a + i + 1, hi - i - 1, x);
}

/* Write the runs of the n values of a to aOut; return how many. */
static int rrValuesToRuns(const u16 *a, int n, RoaringRun *aOut) {
  int i, nRun = 0;
  for( i = 0; i < n; i++ ) {
    if( nRun > 0 && rrRunEnd(&aOut[nRun - 1]) + 1 == a[i] ) {
      aOut[nRun - 1].nLen++;
    } else {
      aOut[nRun++] = rrRun(a[i], a[i]);
    }
  }
  return nRun;
}

/************************************************************************
** Runs.
*/

/* The index of the last of the n runs of a that starts at or before x. */
static int rrRunFind(const RoaringRun *a, int n, u32 x) {
  int lo = 0, hi = n;
  while( lo < hi ) {
    int mid = (lo + hi) >> 1;
    if( a[mid].iStart <= x ) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo - 1;
}

/* The number of values in the n runs of a. */
static int rrRunsCount(const RoaringRun *a, int n) {
  int i, nCard = 0;
  for( i = 0; i < n; i++ ) nCard += a[i].nLen + 1;
  return nCard;
}

/************************************************************************
** Containers: memory and conversions.
*/

/* The kind CRoaring's run_optimize gives nCard values in nRun runs. */
static int rrBestKind(int nCard, int nRun) {
  int nRunBytes = 2 + 4 * nRun;
  if( nCard <= RR_ARRAY_MAX ) {
    return nRunBytes < 2 + 2 * nCard ? RR_RUN : RR_ARRAY;
  }
  return nRunBytes < RR_BITSET_BYTES ? RR_RUN : RR_BITSET;
}

/*
** The one run of a full container (all 65536 values).  A run container
** with nAlloc 0 does not own its run: it points here (roaringAddRange()
** builds full containers so, without an allocation each), and
** rrContOwnRuns() gives it a copy of its own before anything changes it.
*/
static const RoaringRun rrFullRun = { 0, RR_CONT_VALUES - 1 };

/* Make c, which holds nCard values, a full container that owns nothing. */
static void rrContSetFull(RoaringCont *c) {
  c->u.aRun = (RoaringRun *)&rrFullRun;
  c->eKind = RR_RUN;
  c->n = 1;
  c->nAlloc = 0;
  c->nCard = RR_CONT_VALUES;
}

/* Free what container c holds. */
static void rrContFree(RoaringCont *c) {
  assert(c->nAlloc > 0 || c->u.p == 0 || c->u.aRun == &rrFullRun);
  if( c->nAlloc > 0 ) sqlite3_free(c->u.p);
  c->u.p = 0;
  c->nCard = c->n = c->nAlloc = 0;
}

/* Give the run container c a copy of the runs it shares (see rrFullRun). */
static int rrContOwnRuns(RoaringCont *c) {
  RoaringRun *aNew;
  if( c->nAlloc > 0 ) return ROARING_OK;
  assert(c->eKind == RR_RUN && c->n == 1 && c->u.aRun == &rrFullRun);
  aNew = sqlite3_malloc64(sizeof(RoaringRun));
  if( aNew == 0 ) return ROARING_NOMEM;
  aNew[0] = rrFullRun;
  c->u.aRun = aNew;
  c->nAlloc = 1;
  return ROARING_OK;
}

/*
** Make room for nNeed elements of nSize bytes at c->u.p, keeping its
** content.  Arrays grow by doubling, but not past RR_ARRAY_MAX values
** unless asked to.
*/
static int rrContReserve(RoaringCont *c, int nNeed, int nSize) {
  int nNew;
  void *pNew;
  if( nNeed <= c->nAlloc ) return ROARING_OK;
  if( c->nAlloc == 0 && c->u.p && rrContOwnRuns(c) ) return ROARING_NOMEM;
  nNew = c->nAlloc < RR_FIRST_ARRAY_SIZE ? RR_FIRST_ARRAY_SIZE
       : c->nAlloc < RR_SMALL_ARRAY      ? c->nAlloc * 4
                                         : c->nAlloc * 2;
  if( c->eKind == RR_ARRAY && nNew > RR_ARRAY_MAX ) nNew = RR_ARRAY_MAX;
  if( nNew < nNeed ) nNew = nNeed;
  pNew = sqlite3_realloc64(c->u.p, (sqlite3_uint64)nNew * nSize);
  if( pNew == 0 ) return ROARING_NOMEM;
  c->u.p = pNew;
  c->nAlloc = nNew;
  return ROARING_OK;
}

/* Give the empty container c room for nAlloc elements of kind eKind. */
static int rrContAlloc(RoaringCont *c, int eKind, int nAlloc) {
  int nSize = eKind == RR_ARRAY ? 2 : eKind == RR_RUN ? 4 : 8;
  if( eKind == RR_BITSET ) nAlloc = RR_WORDS;
  if( nAlloc < 1 ) nAlloc = 1;
  c->u.p = sqlite3_malloc64((sqlite3_uint64)nAlloc * nSize);
  if( c->u.p == 0 ) return ROARING_NOMEM;
  if( eKind == RR_BITSET ) memset(c->u.p, 0, RR_BITSET_BYTES);
  c->eKind = (u8)eKind;
  c->nAlloc = nAlloc;
  c->nCard = c->n = 0;
  return ROARING_OK;
}

/*
** Write the bits of any container to the RR_WORDS words of aOut.  The
** callers pass only arrays and runs: the bitset case is defensive.
*/
static void rrContToWords(const RoaringCont *c, uint64_t *aOut) {
  int i;
  if( c->eKind == RR_BITSET ) {
    memcpy(aOut, c->u.aWord, RR_BITSET_BYTES); /* defensive: see above */
    return;                                    /* defensive: see above */
  }
  memset(aOut, 0, RR_BITSET_BYTES);
  if( c->eKind == RR_ARRAY ) {
    for( i = 0; i < c->n; i++ ) {
      aOut[c->u.aVal[i] >> 6] |= (uint64_t)1 << (c->u.aVal[i] & 63);
    }
  } else {
    for( i = 0; i < c->n; i++ ) {
      const RoaringRun *pRun = &c->u.aRun[i];
      rrWordsSetRange(aOut, pRun->iStart, rrRunEnd(pRun));
    }
  }
}

/*
** Write the values of any container, in order, to aOut (c->nCard).  The
** callers pass only runs (a bitset holds more than RR_ARRAY_MAX values, so
** it is never written as an array): the other cases are defensive.
*/
static void rrContToValues(const RoaringCont *c, u16 *aOut) {
  int i, n = 0;
  if( c->eKind == RR_ARRAY ) {
    memcpy(aOut, c->u.aVal, (size_t)c->n * 2); /* defensive: see above */
  } else if( c->eKind == RR_BITSET ) {
    rrWordsToValues(c->u.aWord, aOut); /* defensive: see above */
  } else {
    for( i = 0; i < c->n; i++ ) {
      u32 v, iEnd = rrRunEnd(&c->u.aRun[i]);
      for( v = c->u.aRun[i].iStart; v <= iEnd; v++ ) aOut[n++] = (u16)v;
    }
  }
}

/*
** The number of runs in the bitset or run container c (rrContPlan()
** counts an array's itself, only as far as it needs to).
*/
static int rrContRuns(const RoaringCont *c) {
  assert(c->eKind != RR_ARRAY);
  return c->eKind == RR_BITSET ? rrWordsRuns(c->u.aWord) : c->n;
}

/* Write the runs of any container to aOut; return how many. */
static int rrContToRuns(const RoaringCont *c, RoaringRun *aOut) {
  switch( c->eKind ) {
    case RR_ARRAY: return rrValuesToRuns(c->u.aVal, c->n, aOut);
    case RR_BITSET: return rrWordsToRuns(c->u.aWord, aOut);
    default: /* defensive: rrWriteCont() converts only arrays and bitsets */
      memcpy(aOut, c->u.aRun, (size_t)c->n * 4); /* defensive: as above */
      return c->n;                               /* defensive: as above */
  }
}

/*
** Replace the content of container c, which holds the nCard values of
** the RR_WORDS words at aWord, by those values in the kind their count
** calls for: nothing, an array, or the words themselves.  If bOwn, aWord
** is an allocation that c takes over (or frees).
*/
static int rrContSetWords(RoaringCont *c, uint64_t *aWord, int nCard,
                          int bOwn) {
  RoaringCont x;
  memset(&x, 0, sizeof(x));
  x.iKey = c->iKey;
  if( nCard > RR_ARRAY_MAX ) {
    if( bOwn ) {
      x.u.aWord = aWord;
      aWord = 0;
    } else {
      /* Callers that keep aWord pass at most RR_ARRAY_MAX values. */
      int rc = rrContAlloc(&x, RR_BITSET, RR_WORDS); /* defensive: see above */
      if( rc ) return rc;                            /* defensive: see above */
      memcpy(x.u.aWord, aWord, RR_BITSET_BYTES);     /* defensive: see above */
    }
    x.eKind = RR_BITSET;
    x.nAlloc = RR_WORDS;
  } else if( nCard > 0 ) {
    if( rrContAlloc(&x, RR_ARRAY, nCard) ) {
      if( bOwn ) sqlite3_free(aWord);
      return ROARING_NOMEM;
    }
    x.n = rrWordsToValues(aWord, x.u.aVal);
  }
  x.nCard = nCard;
  if( bOwn ) sqlite3_free(aWord);
  rrContFree(c);
  *c = x;
  return ROARING_OK;
}

/*
** Replace the content of container c by the nRun runs at aRun (nCard
** values), in the canonical kind for them.  If bOwn, aRun is an allocation
** of nAlloc runs that c takes over (or frees).
*/
static int rrContSetRuns(RoaringCont *c, RoaringRun *aRun, int nRun, int nCard,
                         int bOwn, int nAlloc) {
  int eKind = nCard == 0 ? 0 : rrBestKind(nCard, nRun);
  RoaringCont x;
  memset(&x, 0, sizeof(x));
  x.iKey = c->iKey;
  x.nCard = nCard;
  if( eKind == RR_RUN && bOwn ) {
    x.u.aRun = aRun;
    x.n = nRun;
    x.nAlloc = nAlloc;
    x.eKind = RR_RUN;
    rrContFree(c);
    *c = x;
    return ROARING_OK;
  }
  if( eKind != 0 ) {
    RoaringCont tmp;
    int rc = rrContAlloc(&x, eKind, eKind == RR_RUN ? nRun : nCard);
    if( rc ) {
      if( bOwn ) sqlite3_free(aRun);
      return rc;
    }
    x.nCard = nCard;
    memset(&tmp, 0, sizeof(tmp));
    tmp.eKind = RR_RUN;
    tmp.u.aRun = aRun;
    tmp.n = nRun;
    if( eKind == RR_RUN ) {
      memcpy(x.u.aRun, aRun, (size_t)nRun * 4);
      x.n = nRun;
    } else if( eKind == RR_ARRAY ) {
      rrContToValues(&tmp, x.u.aVal);
      x.n = nCard;
    } else {
      rrContToWords(&tmp, x.u.aWord);
    }
  }
  if( bOwn ) sqlite3_free(aRun);
  rrContFree(c);
  *c = x;
  return ROARING_OK;
}

/* Turn the full array container c into a bitset. */
static int rrArrayToBitset(RoaringCont *c) {
  RoaringCont x;
  memset(&x, 0, sizeof(x));
  if( rrContAlloc(&x, RR_BITSET, RR_WORDS) ) return ROARING_NOMEM;
  rrContToWords(c, x.u.aWord);
  x.iKey = c->iKey;
  x.nCard = c->nCard;
  rrContFree(c);
  *c = x;
  return ROARING_OK;
}

/* Make *pDst (zeroed) a copy of container c, with no spare room. */
static int rrContCopy(RoaringCont *pDst, const RoaringCont *c) {
  int nElem = c->eKind == RR_BITSET ? RR_WORDS : c->n;
  int nSize = c->eKind == RR_ARRAY ? 2 : c->eKind == RR_RUN ? 4 : 8;
  if( rrContAlloc(pDst, c->eKind, nElem) ) return ROARING_NOMEM;
  memcpy(pDst->u.p, c->u.p, (size_t)nElem * nSize);
  pDst->iKey = c->iKey;
  pDst->nCard = c->nCard;
  pDst->n = c->n;
  return ROARING_OK;
}

/************************************************************************
** Containers: one value at a time.
*/

/* True if container c holds the low part x. */
static int rrContContains(const RoaringCont *c, u32 x) {
  int i;
  switch( c->eKind ) {
    case RR_ARRAY:
      i = rrLowerBound(c->u.aVal, c->n, x);
      return i < c->n && c->u.aVal[i] == x;
    case RR_BITSET: return (int)((c->u.aWord[x >> 6] >> (x & 63)) & 1);
    default:
      i = rrRunFind(c->u.aRun, c->n, x);
      return i >= 0 && x <= rrRunEnd(&c->u.aRun[i]);
  }
}

/* Insert run r at index i of run container c. */
static int rrRunInsert(RoaringCont *c, int i, RoaringRun r) {
  if( rrContReserve(c, c->n + 1, 4) ) return ROARING_NOMEM;
  memmove(&c->u.aRun[i + 1], &c->u.aRun[i], (size_t)(c->n - i) * 4);
  c->u.aRun[i] = r;
  c->n++;
  return ROARING_OK;
}

/* Delete the run at index i of run container c. */
static void rrRunDelete(RoaringCont *c, int i) {
  memmove(&c->u.aRun[i], &c->u.aRun[i + 1], (size_t)(c->n - i - 1) * 4);
  c->n--;
}

/* Add x to the run container c; *pbAdded says if it was absent. */
static int rrRunAdd(RoaringCont *c, u32 x, int *pbAdded) {
  RoaringRun *a = c->u.aRun;
  int i = rrRunFind(a, c->n, x);
  int bJoinPrev = i >= 0 && rrRunEnd(&a[i]) + 1 == x;
  int bJoinNext = i + 1 < c->n && a[i + 1].iStart == x + 1;
  *pbAdded = 0;
  if( i >= 0 && x <= rrRunEnd(&a[i]) ) return ROARING_OK;
  if( rrContOwnRuns(c) ) return ROARING_NOMEM;
  a = c->u.aRun;
  if( bJoinPrev && bJoinNext ) {
    a[i].nLen = (u16)(a[i].nLen + a[i + 1].nLen + 2);
    rrRunDelete(c, i + 1);
  } else if( bJoinPrev ) {
    a[i].nLen++;
  } else if( bJoinNext ) {
    a[i + 1].iStart--;
    a[i + 1].nLen++;
  } else if( rrRunInsert(c, i + 1, rrRun(x, x)) ) {
    return ROARING_NOMEM;
  }
  c->nCard++;
  *pbAdded = 1;
  return ROARING_OK;
}

/* Remove x from the run container c; *pbRemoved says if it was there. */
static int rrRunRemove(RoaringCont *c, u32 x, int *pbRemoved) {
  RoaringRun *a = c->u.aRun;
  int i = rrRunFind(a, c->n, x);
  u32 iFirst, iLast;
  *pbRemoved = 0;
  if( i < 0 || x > rrRunEnd(&a[i]) ) return ROARING_OK;
  if( rrContOwnRuns(c) ) return ROARING_NOMEM;
  a = c->u.aRun;
  iFirst = a[i].iStart;
  iLast = rrRunEnd(&a[i]);
  if( iFirst == iLast ) {
    rrRunDelete(c, i);
  } else if( x == iFirst ) {
    a[i] = rrRun(x + 1, iLast);
  } else if( x == iLast ) {
    a[i] = rrRun(iFirst, x - 1);
  } else {
    if( rrRunInsert(c, i + 1, rrRun(x + 1, iLast)) ) return ROARING_NOMEM;
    c->u.aRun[i] = rrRun(iFirst, x - 1);
  }
  c->nCard--;
  *pbRemoved = 1;
  return ROARING_OK;
}

/* Add x to container c; *pbAdded says if it was absent. */
static int rrContAdd(RoaringCont *c, u32 x, int *pbAdded) {
  if( c->eKind == RR_ARRAY ) {
    u16 *a = c->u.aVal;
    int n = c->n, i = n;
    if( n > 0 && x <= a[n - 1] ) {
      i = rrLowerBound(a, n, x);
      if( a[i] == x ) {
        *pbAdded = 0;
        return ROARING_OK;
      }
    }
    if( n == RR_ARRAY_MAX ) {
      if( rrArrayToBitset(c) ) return ROARING_NOMEM;
      return rrContAdd(c, x, pbAdded);
    }
    if( n == c->nAlloc ) {
      if( rrContReserve(c, n + 1, 2) ) return ROARING_NOMEM;
      a = c->u.aVal;
    }
    if( i < n ) memmove(&a[i + 1], &a[i], (size_t)(n - i) * 2);
    a[i] = (u16)x;
    c->n++;
    c->nCard++;
    *pbAdded = 1;
  } else if( c->eKind == RR_BITSET ) {
    uint64_t *pW = &c->u.aWord[x >> 6];
    uint64_t m = (uint64_t)1 << (x & 63);
    *pbAdded = (*pW & m) == 0;
    *pW |= m;
    c->nCard += *pbAdded;
  } else {
    return rrRunAdd(c, x, pbAdded);
  }
  return ROARING_OK;
}

/* Remove x from container c; *pbRemoved says if it was there. */
static int rrContRemove(RoaringCont *c, u32 x, int *pbRemoved) {
  *pbRemoved = 0;
  if( c->eKind == RR_ARRAY ) {
    int i = rrLowerBound(c->u.aVal, c->n, x);
    if( i < c->n && c->u.aVal[i] == x ) {
      memmove(&c->u.aVal[i], &c->u.aVal[i + 1], (size_t)(c->n - i - 1) * 2);
      c->n--;
      c->nCard--;
      *pbRemoved = 1;
    }
  } else if( c->eKind == RR_BITSET ) {
    uint64_t *pW = &c->u.aWord[x >> 6];
    uint64_t m = (uint64_t)1 << (x & 63);
    if( *pW & m ) {
      *pW &= ~m;
      *pbRemoved = 1;
      if( --c->nCard <= RR_ARRAY_MAX ) {
        return rrContSetWords(c, c->u.aWord, c->nCard, 0);
      }
    }
  } else {
    return rrRunRemove(c, x, pbRemoved);
  }
  return ROARING_OK;
}

/* The number of values of container c that are <= x. */
static int rrContRank(const RoaringCont *c, u32 x) {
  int i;
  if( c->eKind == RR_ARRAY ) return rrLowerBound(c->u.aVal, c->n, x + 1);
  if( c->eKind == RR_BITSET ) return rrWordsCountRange(c->u.aWord, 0, x);
  i = rrRunFind(c->u.aRun, c->n, x);
  if( i < 0 ) return 0;
  return rrRunsCount(c->u.aRun, i)
       + (int)((x < rrRunEnd(&c->u.aRun[i]) ? x : rrRunEnd(&c->u.aRun[i]))
               - c->u.aRun[i].iStart + 1);
}

/* The i-th smallest (0-based, i < c->nCard) value of container c. */
static u32 rrContSelect(const RoaringCont *c, int i) {
  int k;
  if( c->eKind == RR_ARRAY ) return c->u.aVal[i];
  if( c->eKind == RR_BITSET ) {
    for( k = 0; k < RR_WORDS; k++ ) {
      uint64_t w = c->u.aWord[k];
      int n = rrPopcount(w);
      if( i < n ) {
        while( i-- > 0 ) w &= w - 1;
        return (u32)(k * 64 + rrCtz(w));
      }
      i -= n;
    }
    return 0; /* defensive: not reached, as i < nCard */
  }
  for( k = 0; k < c->n; k++ ) {
    if( i <= c->u.aRun[k].nLen ) return (u32)c->u.aRun[k].iStart + (u32)i;
    i -= c->u.aRun[k].nLen + 1;
  }
  return 0; /* defensive: not reached, as i < nCard */
}

/*
** The first value of container c that is >= x, with the index that goes
** with it (array or run index) in *piPos; -1 if there is none.
*/
static int32_t rrContNextGE(const RoaringCont *c, u32 x, int *piPos) {
  int i;
  if( x >= RR_CONT_VALUES ) return -1;
  if( c->eKind == RR_ARRAY ) {
    i = rrLowerBound(c->u.aVal, c->n, x);
    *piPos = i;
    return i < c->n ? c->u.aVal[i] : -1;
  }
  if( c->eKind == RR_BITSET ) {
    u32 k = x >> 6;
    uint64_t w = c->u.aWord[k] & (~(uint64_t)0 << (x & 63));
    for( ;; ) {
      if( w ) return (int32_t)(k * 64 + (u32)rrCtz(w));
      if( ++k == RR_WORDS ) return -1;
      w = c->u.aWord[k];
    }
  }
  i = rrRunFind(c->u.aRun, c->n, x);
  if( i >= 0 && x <= rrRunEnd(&c->u.aRun[i]) ) {
    *piPos = i;
    return (int32_t)x;
  }
  *piPos = ++i;
  return i < c->n ? c->u.aRun[i].iStart : -1;
}

/************************************************************************
** Containers: binary operations.
*/

/* Does eOp keep a value that is (bA) or is not in a, and (bB) in b? */
static int rrKeep(int eOp, int bA, int bB) {
  switch( eOp ) {
    case ROARING_AND: return bA && bB;
    case ROARING_OR: return bA || bB;
    case ROARING_XOR: return bA != bB;
    default: return bA && !bB;
  }
}

/*
** Sweep the boundaries of the runs aA[0..nA) and aB[0..nB): write the
** runs of aA eOp aB to aOut (room for nA+nB+1) and return how many;
** *pnCard is their count.
*/
static int rrRunsOp(int eOp, const RoaringRun *aA, int nA, const RoaringRun *aB,
                    int nB, RoaringRun *aOut, int *pnCard) {
  int i = 0, j = 0, nOut = 0, nCard = 0;
  u32 p = 0;       /* Everything before p is done */
  u32 iEndOut = 0; /* One past the last value written */
  while( i < nA || j < nB ) {
    u32 sA = 0, eA = 0, sB = 0, eB = 0, nextA, nextB, next;
    int bA = 0, bB = 0;
    if( eOp == ROARING_AND && (i >= nA || j >= nB) ) break;
    if( eOp == ROARING_ANDNOT && i >= nA ) break;
    nextA = nextB = RR_CONT_VALUES;
    if( i < nA ) {
      sA = aA[i].iStart;
      eA = rrRunEnd(&aA[i]) + 1;
      bA = p >= sA;
      nextA = bA ? eA : sA;
    }
    if( j < nB ) {
      sB = aB[j].iStart;
      eB = rrRunEnd(&aB[j]) + 1;
      bB = p >= sB;
      nextB = bB ? eB : sB;
    }
    next = nextA < nextB ? nextA : nextB;
    if( next > p && rrKeep(eOp, bA, bB) ) {
      if( nOut > 0 && iEndOut == p ) {
        aOut[nOut - 1].nLen = (u16)(next - 1 - aOut[nOut - 1].iStart);
      } else {
        aOut[nOut++] = rrRun(p, next - 1);
      }
      nCard += (int)(next - p);
      iEndOut = next;
    }
    p = next;
    if( i < nA && p >= eA ) i++;
    if( j < nB && p >= eB ) j++;
  }
  *pnCard = nCard;
  return nOut;
}

/*
** The sorted arrays aA[0..nA) and aB[0..nB): write aA eOp aB to aOut and
** return how many values that is.  aOut has room for the result: nA for
** AND and ANDNOT, nA+nB otherwise.
*/
static int rrValuesOp(int eOp, const u16 *aA, int nA, const u16 *aB, int nB,
                      u16 *aOut) {
  int i = 0, j = 0, n = 0;
  if( eOp == ROARING_AND
      && (nA > RR_GALLOP_RATIO * nB || nB > RR_GALLOP_RATIO * nA) ) {
    const u16 *aSmall = nA < nB ? aA : aB, *aBig = nA < nB ? aB : aA;
    int nSmall = nA < nB ? nA : nB, nBig = nA < nB ? nB : nA;
    for( i = 0; i < nSmall && j < nBig; i++ ) {
      j = rrGallop(aBig, nBig, j, aSmall[i]);
      if( j < nBig && aBig[j] == aSmall[i] ) aOut[n++] = aSmall[i];
    }
    return n;
  }
  while( i < nA && j < nB ) {
    if( aA[i] < aB[j] ) {
      if( eOp != ROARING_AND ) aOut[n++] = aA[i];
      i++;
    } else if( aA[i] > aB[j] ) {
      if( eOp == ROARING_OR || eOp == ROARING_XOR ) aOut[n++] = aB[j];
      j++;
    } else {
      if( eOp == ROARING_AND || eOp == ROARING_OR ) aOut[n++] = aA[i];
      i++;
      j++;
    }
  }
  if( eOp != ROARING_AND ) {
    while( i < nA ) aOut[n++] = aA[i++];
  }
  if( eOp == ROARING_OR || eOp == ROARING_XOR ) {
    while( j < nB ) aOut[n++] = aB[j++];
  }
  return n;
}

/* Apply eOp to the bitsets aA and aB word by word into aOut; the count. */
static int rrWordsOp(int eOp, const uint64_t *aA, const uint64_t *aB,
                     uint64_t *aOut) {
  int i, n = 0;
  switch( eOp ) {
    case ROARING_AND:
      for( i = 0; i < RR_WORDS; i++ ) n += rrPopcount(aOut[i] = aA[i] & aB[i]);
      break;
    case ROARING_OR:
      for( i = 0; i < RR_WORDS; i++ ) n += rrPopcount(aOut[i] = aA[i] | aB[i]);
      break;
    case ROARING_XOR:
      for( i = 0; i < RR_WORDS; i++ ) n += rrPopcount(aOut[i] = aA[i] ^ aB[i]);
      break;
    default:
      for( i = 0; i < RR_WORDS; i++ ) {
        n += rrPopcount(aOut[i] = aA[i] & ~aB[i]);
      }
      break;
  }
  return n;
}

/* The number of values in both bitsets. */
static int rrWordsAndCount(const uint64_t *aA, const uint64_t *aB) {
  int i, n = 0;
  for( i = 0; i < RR_WORDS; i++ ) n += rrPopcount(aA[i] & aB[i]);
  return n;
}

/*
** pOut (zeroed, key set) = a eOp b for two bitsets given as words.  An AND
** or ANDNOT result is counted first, so that a small one goes straight
** into an array.
*/
static int rrContWordsOp(int eOp, const uint64_t *aA, const uint64_t *aB,
                         RoaringCont *pOut) {
  uint64_t *aNew;
  int nCard;
  if( eOp == ROARING_AND || eOp == ROARING_ANDNOT ) {
    int i;
    nCard = 0;
    if( eOp == ROARING_AND ) {
      nCard = rrWordsAndCount(aA, aB);
    } else {
      for( i = 0; i < RR_WORDS; i++ ) nCard += rrPopcount(aA[i] & ~aB[i]);
    }
    if( nCard <= RR_ARRAY_MAX ) {
      int n = 0;
      if( nCard == 0 ) return ROARING_OK;
      if( rrContAlloc(pOut, RR_ARRAY, nCard) ) return ROARING_NOMEM;
      for( i = 0; i < RR_WORDS; i++ ) {
        uint64_t w = eOp == ROARING_AND ? aA[i] & aB[i] : aA[i] & ~aB[i];
        while( w ) {
          pOut->u.aVal[n++] = (u16)(i * 64 + rrCtz(w));
          w &= w - 1;
        }
      }
      pOut->n = pOut->nCard = nCard;
      return ROARING_OK;
    }
  }
  aNew = sqlite3_malloc64(RR_BITSET_BYTES);
  if( aNew == 0 ) return ROARING_NOMEM;
  nCard = rrWordsOp(eOp, aA, aB, aNew);
  return rrContSetWords(pOut, aNew, nCard, 1);
}

/*
** pOut (zeroed, key set) = a eOp b where one of a and b is an array and
** the other a bitset.
*/
static int rrContMixedOp(int eOp, const RoaringCont *a, const RoaringCont *b,
                         RoaringCont *pOut) {
  const RoaringCont *pArr = a->eKind == RR_ARRAY ? a : b;
  const RoaringCont *pSet = a->eKind == RR_ARRAY ? b : a;
  const uint64_t *aW = pSet->u.aWord;
  uint64_t *aNew;
  int i, n = 0, nCard;
  if( eOp == ROARING_AND || (eOp == ROARING_ANDNOT && a == pArr) ) {
    /* A subset of the array's values: filter them. */
    int bWant = eOp == ROARING_AND;
    if( rrContAlloc(pOut, RR_ARRAY, pArr->n) ) return ROARING_NOMEM;
    for( i = 0; i < pArr->n; i++ ) {
      u32 x = pArr->u.aVal[i];
      if( (int)((aW[x >> 6] >> (x & 63)) & 1) == bWant ) {
        pOut->u.aVal[n++] = (u16)x;
      }
    }
    pOut->n = pOut->nCard = n;
    if( n == 0 ) rrContFree(pOut);
    return ROARING_OK;
  }
  /* Start from the bitset and change the array's bits in it. */
  aNew = sqlite3_malloc64(RR_BITSET_BYTES);
  if( aNew == 0 ) return ROARING_NOMEM;
  memcpy(aNew, aW, RR_BITSET_BYTES);
  nCard = pSet->nCard;
  for( i = 0; i < pArr->n; i++ ) {
    u32 x = pArr->u.aVal[i];
    uint64_t m = (uint64_t)1 << (x & 63);
    int bWas = (aNew[x >> 6] & m) != 0;
    switch( eOp ) {
      case ROARING_OR:
        aNew[x >> 6] |= m;
        nCard += !bWas;
        break;
      case ROARING_XOR:
        aNew[x >> 6] ^= m;
        nCard += bWas ? -1 : 1;
        break;
      default:
        aNew[x >> 6] &= ~m;
        nCard -= bWas;
        break;
    }
  }
  return rrContSetWords(pOut, aNew, nCard, 1);
}

/*
** pOut (zeroed, key set) = a eOp b where at least one is a run container
** and neither is a bitset: sweep the runs (an array is turned into runs).
*/
static int rrContRunsOp(int eOp, const RoaringCont *a, const RoaringCont *b,
                        RoaringCont *pOut) {
  RoaringRun *aTmpA = 0, *aTmpB = 0, *aNew;
  const RoaringRun *aA = a->u.aRun, *aB = b->u.aRun;
  int nA = a->n, nB = b->n, nNew, nCard, rc = ROARING_NOMEM;
  if( a->eKind == RR_ARRAY ) {
    aTmpA = sqlite3_malloc64((sqlite3_uint64)a->n * 4);
    if( aTmpA == 0 ) goto done;
    nA = rrValuesToRuns(a->u.aVal, a->n, aTmpA);
    aA = aTmpA;
  }
  if( b->eKind == RR_ARRAY ) {
    aTmpB = sqlite3_malloc64((sqlite3_uint64)b->n * 4);
    if( aTmpB == 0 ) goto done;
    nB = rrValuesToRuns(b->u.aVal, b->n, aTmpB);
    aB = aTmpB;
  }
  aNew = sqlite3_malloc64((sqlite3_uint64)(nA + nB + 1) * 4);
  if( aNew == 0 ) goto done;
  nNew = rrRunsOp(eOp, aA, nA, aB, nB, aNew, &nCard);
  rc = rrContSetRuns(pOut, aNew, nNew, nCard, 1, nA + nB + 1);
done:
  sqlite3_free(aTmpA);
  sqlite3_free(aTmpB);
  return rc;
}

/*
** pOut (zeroed) = a eOp b, for two containers with the same key.  An
** empty result leaves pOut->nCard 0 and nothing allocated.
*/
static int rrContOp(int eOp, const RoaringCont *a, const RoaringCont *b,
                    RoaringCont *pOut) {
  int eA = a->eKind, eB = b->eKind;
  assert(a->iKey == b->iKey && a->nCard > 0 && b->nCard > 0);
  assert(a->nTail == 0 && b->nTail == 0 && pOut->u.p == 0);
  pOut->iKey = a->iKey;
  if( eA == RR_ARRAY && eB == RR_ARRAY ) {
    int nMax = eOp == ROARING_AND || eOp == ROARING_ANDNOT ? a->n : a->n + b->n;
    int n;
    if( nMax > RR_ARRAY_MAX ) {
      uint64_t aW[RR_WORDS];
      uint64_t *aNew = sqlite3_malloc64(RR_BITSET_BYTES);
      if( aNew == 0 ) return ROARING_NOMEM;
      rrContToWords(a, aNew);
      rrContToWords(b, aW);
      return rrContSetWords(pOut, aNew, rrWordsOp(eOp, aNew, aW, aNew), 1);
    }
    if( nMax == 0 ) return ROARING_OK;
    if( rrContAlloc(pOut, RR_ARRAY, nMax) ) return ROARING_NOMEM;
    n = rrValuesOp(eOp, a->u.aVal, a->n, b->u.aVal, b->n, pOut->u.aVal);
    pOut->n = pOut->nCard = n;
    if( n == 0 ) rrContFree(pOut);
    return ROARING_OK;
  }
  if( eA == RR_BITSET && eB == RR_BITSET ) {
    return rrContWordsOp(eOp, a->u.aWord, b->u.aWord, pOut);
  }
  if( eA != RR_RUN && eB != RR_RUN ) return rrContMixedOp(eOp, a, b, pOut);
  if( eA == RR_BITSET || eB == RR_BITSET ) {
    uint64_t aW[RR_WORDS];
    if( eA == RR_BITSET ) {
      rrContToWords(b, aW);
      return rrContWordsOp(eOp, a->u.aWord, aW, pOut);
    }
    rrContToWords(a, aW);
    return rrContWordsOp(eOp, aW, b->u.aWord, pOut);
  }
  return rrContRunsOp(eOp, a, b, pOut);
}

/*
** If container a is a bitset, OR container b into it where it is and
** return 1; else return 0 and change nothing.
*/
static int rrContOrInto(RoaringCont *a, const RoaringCont *b) {
  uint64_t *aW = a->u.aWord;
  int i;
  if( a->eKind != RR_BITSET ) return 0;
  if( b->eKind == RR_ARRAY ) {
    for( i = 0; i < b->n; i++ ) {
      u32 x = b->u.aVal[i];
      uint64_t m = (uint64_t)1 << (x & 63);
      a->nCard += (aW[x >> 6] & m) == 0;
      aW[x >> 6] |= m;
    }
    return 1;
  }
  if( b->eKind == RR_BITSET ) {
    a->nCard = rrWordsOp(ROARING_OR, aW, b->u.aWord, aW);
    return 1;
  }
  for( i = 0; i < b->n; i++ ) {
    rrWordsSetRange(aW, b->u.aRun[i].iStart, rrRunEnd(&b->u.aRun[i]));
  }
  a->nCard = rrWordsCount(aW);
  return 1;
}

/* The number of values of run container r that are in container c. */
static int rrRunAndCount(const RoaringCont *r, const RoaringCont *c) {
  const RoaringRun *a = r->u.aRun;
  int i, j = 0, n = 0;
  if( c->eKind == RR_BITSET ) {
    for( i = 0; i < r->n; i++ ) {
      n += rrWordsCountRange(c->u.aWord, a[i].iStart, rrRunEnd(&a[i]));
    }
  } else if( c->eKind == RR_ARRAY ) {
    for( i = 0; i < c->n && j < r->n; ) {
      u32 x = c->u.aVal[i];
      if( x < a[j].iStart ) {
        i++;
      } else if( x > rrRunEnd(&a[j]) ) {
        j++;
      } else {
        n++;
        i++;
      }
    }
  } else {
    const RoaringRun *b = c->u.aRun;
    for( i = 0; i < r->n && j < c->n; ) {
      u32 s = a[i].iStart > b[j].iStart ? a[i].iStart : b[j].iStart;
      u32 eA = rrRunEnd(&a[i]), eB = rrRunEnd(&b[j]);
      u32 e = eA < eB ? eA : eB;
      if( s <= e ) n += (int)(e - s + 1);
      if( eA < eB ) {
        i++;
      } else {
        j++;
      }
    }
  }
  return n;
}

/* The number of values in both containers a and b. */
static int rrContAndCount(const RoaringCont *a, const RoaringCont *b) {
  int i, j, n = 0;
  if( a->eKind == RR_RUN ) return rrRunAndCount(a, b);
  if( b->eKind == RR_RUN ) return rrRunAndCount(b, a);
  if( a->eKind == RR_BITSET && b->eKind == RR_BITSET ) {
    return rrWordsAndCount(a->u.aWord, b->u.aWord);
  }
  if( a->eKind == RR_BITSET || b->eKind == RR_BITSET ) {
    const RoaringCont *pArr = a->eKind == RR_ARRAY ? a : b;
    const uint64_t *aW = (a->eKind == RR_ARRAY ? b : a)->u.aWord;
    for( i = 0; i < pArr->n; i++ ) {
      u32 x = pArr->u.aVal[i];
      n += (int)((aW[x >> 6] >> (x & 63)) & 1);
    }
    return n;
  }
  if( a->n > RR_GALLOP_RATIO * b->n || b->n > RR_GALLOP_RATIO * a->n ) {
    const RoaringCont *pS = a->n < b->n ? a : b, *pB = a->n < b->n ? b : a;
    for( i = j = 0; i < pS->n && j < pB->n; i++ ) {
      j = rrGallop(pB->u.aVal, pB->n, j, pS->u.aVal[i]);
      n += j < pB->n && pB->u.aVal[j] == pS->u.aVal[i];
    }
    return n;
  }
  for( i = j = 0; i < a->n && j < b->n; ) {
    if( a->u.aVal[i] < b->u.aVal[j] ) {
      i++;
    } else if( a->u.aVal[i] > b->u.aVal[j] ) {
      j++;
    } else {
      n++;
      i++;
      j++;
    }
  }
  return n;
}

/************************************************************************
** The container array.
*/

/*
** The index of the container with key iKey among containers lo..hi-1 of
** r, or, if there is none, -1 - (the index where it would go).
*/
static int rrSearchIn(const Roaring *r, uint64_t iKey, int lo, int hi) {
  int iEnd = hi;
  while( lo < hi ) {
    int mid = (lo + hi) >> 1;
    if( r->aCont[mid].iKey < iKey ) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if( lo < iEnd && r->aCont[lo].iKey == iKey ) return lo;
  return -1 - lo;
}

/* Like rrSearchIn() over the containers from iFrom on. */
static int rrSearch(const Roaring *r, uint64_t iKey, int iFrom) {
  return rrSearchIn(r, iKey, iFrom, r->nCont);
}

/*
** Like rrSearch(), but look at the containers from iFrom in steps that
** double before the binary search: keys that go up by small steps (values
** sorted by key, in batches) are found near where the last one was.
*/
static int rrGallopKeys(const Roaring *r, uint64_t iKey, int iFrom) {
  int lo = iFrom, hi = iFrom, nStep = 1;
  while( hi < r->nCont && r->aCont[hi].iKey < iKey ) {
    lo = hi + 1;
    hi += nStep;
    nStep *= 2;
  }
  return rrSearchIn(r, iKey, lo, hi < r->nCont ? hi + 1 : r->nCont);
}

/* Like rrSearch(), but try r->iHint and the container after it first. */
static int rrFind(Roaring *r, uint64_t iKey) {
  int i = r->iHint;
  if( i < r->nCont ) {
    uint64_t k = r->aCont[i].iKey;
    if( k == iKey ) return i;
    if( k < iKey ) {
      if( i + 1 == r->nCont ) return -1 - r->nCont;
      if( r->aCont[i + 1].iKey == iKey ) return i + 1;
      if( r->aCont[i + 1].iKey > iKey ) return -2 - i;
      return rrGallopKeys(r, iKey, i + 2);
    }
  }
  return rrSearch(r, iKey, 0);
}

/* Make room for nNeed containers in r. */
static int rrReserve(Roaring *r, sqlite3_int64 nNeed) {
  sqlite3_int64 nNew;
  RoaringCont *aNew;
  if( nNeed <= r->nAlloc ) return ROARING_OK;
  if( nNeed > 0x7fffffff / 2 ) return ROARING_NOMEM;
  nNew = r->nAlloc < 8 ? 8 : (sqlite3_int64)r->nAlloc * 2;
  if( nNew < nNeed ) nNew = nNeed;
  aNew = sqlite3_realloc64(r->aCont, (sqlite3_uint64)nNew * sizeof(*aNew));
  if( aNew == 0 ) return ROARING_NOMEM;
  r->aCont = aNew;
  r->nAlloc = (int)nNew;
  return ROARING_OK;
}

/*
** Insert a new array container with key iKey and room for one value at
** index i of r.
*/
static int rrInsert(Roaring *r, int i, uint64_t iKey, int nFirst) {
  RoaringCont *c;
  assert(i >= 0 && i <= r->nCont && iKey <= RR_MAX_KEY);
  if( rrReserve(r, (sqlite3_int64)r->nCont + 1) ) return ROARING_NOMEM;
  c = &r->aCont[i];
  memmove(c + 1, c, (size_t)(r->nCont - i) * sizeof(*c));
  memset(c, 0, sizeof(*c));
  if( rrContAlloc(c, RR_ARRAY, nFirst) ) {
    memmove(c, c + 1, (size_t)(r->nCont - i) * sizeof(*c));
    return ROARING_NOMEM;
  }
  c->iKey = iKey;
  r->nCont++;
  return ROARING_OK;
}

/* Remove the container at index i of r, which is empty or is freed. */
static void rrDelete(Roaring *r, int i) {
  assert(i >= 0 && i < r->nCont && !r->bLazy);
  rrContFree(&r->aCont[i]);
  memmove(&r->aCont[i], &r->aCont[i + 1],
          (size_t)(r->nCont - i - 1) * sizeof(RoaringCont));
  r->nCont--;
}

/************************************************************************
** The interface: building.
*/

void roaringReset(Roaring *r) {
  int i;
  for( i = 0; i < r->nCont; i++ ) rrContFree(&r->aCont[i]);
  sqlite3_free(r->aCont);
  memset(r, 0, sizeof(*r));
}

int roaringCopy(Roaring *pDst, const Roaring *pSrc) {
  int i;
  if( rrReserve(pDst, pSrc->nCont) ) return ROARING_NOMEM;
  for( i = 0; i < pSrc->nCont; i++ ) {
    memset(&pDst->aCont[i], 0, sizeof(RoaringCont));
    if( rrContCopy(&pDst->aCont[i], &pSrc->aCont[i]) ) {
      roaringReset(pDst);
      return ROARING_NOMEM;
    }
    pDst->nCont = i + 1;
  }
  return ROARING_OK;
}

int roaringAdd(Roaring *r, uint64_t v, int *pbChanged) {
  uint64_t iKey = v >> 16;
  int bAdded, rc;
  int i = rrFind(r, iKey);
  if( i < 0 ) {
    i = -1 - i;
    if( rrInsert(r, i, iKey, RR_FIRST_ARRAY_SIZE) ) return ROARING_NOMEM;
  }
  r->iHint = i;
  rc = rrContAdd(&r->aCont[i], (u32)(v & 0xffff), &bAdded);
  if( pbChanged ) *pbChanged = rc == ROARING_OK && bAdded;
  return rc;
}

/************************************************************************
** Building from values in any order: roaringAddLazy() and roaringSettle().
**
** An array container takes each value at its end, into an unsorted
** "tail" (nTail values), without looking at what it holds: no search, no
** move, no load of the array at all, so the cost does not depend on where
** the array lies in memory.  Once the tail has at least RR_TAIL_MIN values
** and 1/RR_SETTLE_RATIO as many as the sorted part, it is settled: if it
** ascends from above the sorted part (values that came in order) nothing
** moves; else it is sorted (insertion sort when short, radix sort when
** long) and merged into the sorted part in one pass from the back.  So
** each value moves a bounded number of times, not half an array each time,
** and an array holds at most 1+1/RR_SETTLE_RATIO times its distinct values
** plus RR_TAIL_MIN: values added again and again cost no memory.  Repeats
** are found by that merge and reported then.
*/

/*
** Counting sort of the n values of a by their top bits, into aTmp, with
** about one bucket for every two values: each value lands next to the
** few others of its bucket, for an insertion sort to finish.
*/
static void rrBucketValues(const u16 *a, int n, u16 *aTmp) {
  int aHi[RR_BUCKET_SORT_MAX / 2];
  int nBucket = RR_INSERTION_MAX / 2, iShift = 16, i, k;
  assert(n <= RR_BUCKET_SORT_MAX);
  while( nBucket < n / 2 ) nBucket *= 2;
  for( k = nBucket; k > 1; k /= 2 ) iShift--;
  memset(aHi, 0, (size_t)nBucket * sizeof(int));
  for( i = 0; i < n; i++ ) aHi[a[i] >> iShift]++;
  for( i = 0, k = 0; i < nBucket; i++ ) {
    int c = aHi[i];
    aHi[i] = k;
    k += c;
  }
  for( i = 0; i < n; i++ ) aTmp[aHi[a[i] >> iShift]++] = a[i];
}

/* Sort the n values of a; aTmp has room for n values. */
static void rrSortValues(u16 *a, int n, u16 *aTmp) {
  int aCount[2][256];
  int i, j, k;
  if( n <= RR_INSERTION_MAX ) {
    for( i = 1; i < n; i++ ) {
      u16 x = a[i];
      for( j = i; j > 0 && a[j - 1] > x; j-- ) a[j] = a[j - 1];
      a[j] = x;
    }
    return;
  }
  if( n <= RR_BUCKET_SORT_MAX ) {
    /* By buckets into aTmp, then an insertion sort back into a, which
    ** has little left to do. */
    rrBucketValues(a, n, aTmp);
    for( i = 0; i < n; i++ ) {
      u16 x = aTmp[i];
      for( j = i; j > 0 && a[j - 1] > x; j-- ) a[j] = a[j - 1];
      a[j] = x;
    }
    return;
  }
  /* Radix sort, low byte then high byte. */
  memset(aCount, 0, sizeof(aCount));
  for( i = 0; i < n; i++ ) {
    aCount[0][a[i] & 0xff]++;
    aCount[1][a[i] >> 8]++;
  }
  for( k = 0; k < 2; k++ ) {
    int nSum = 0;
    for( i = 0; i < 256; i++ ) {
      int c = aCount[k][i];
      aCount[k][i] = nSum;
      nSum += c;
    }
  }
  for( i = 0; i < n; i++ ) aTmp[aCount[0][a[i] & 0xff]++] = a[i];
  for( i = 0; i < n; i++ ) a[aCount[1][aTmp[i] >> 8]++] = aTmp[i];
}

/*
** Sort the n values of a and drop the repeats; return how many are kept.
** The repeats are left in aTmp[0..n-kept), which has room for n values.
*/
static int rrSortUnique(u16 *a, int n, u16 *aTmp) {
  int i, j, k = 0, g = 0;
  if( n <= RR_BUCKET_SORT_MAX ) {
    /* Insertion from aTmp into a, a repeat going to aTmp[g], which has
    ** been read (g <= i). */
    if( n <= RR_INSERTION_MAX ) {
      memcpy(aTmp, a, (size_t)n * 2);
    } else {
      rrBucketValues(a, n, aTmp);
    }
    for( i = 0; i < n; i++ ) {
      u16 x = aTmp[i];
      for( j = k; j > 0 && a[j - 1] > x; j-- ) a[j] = a[j - 1];
      if( j > 0 && a[j - 1] == x ) {
        memmove(a + j, a + j + 1, (size_t)(k - j) * 2);
        aTmp[g++] = x;
      } else {
        a[j] = x;
        k++;
      }
    }
    return k;
  }
  rrSortValues(a, n, aTmp);
  for( i = 0; i < n; i++ ) {
    if( k > 0 && a[i] == a[k - 1] ) {
      aTmp[g++] = a[i];
    } else {
      a[k++] = a[i];
    }
  }
  return k;
}

/*
** Sort the tail of array container c into its sorted part, dropping
** repeats, then call xRepeat (if not NULL) for each repeat.
*/
static int rrContSettle(RoaringCont *c, RoaringRepeatFunc xRepeat, void *pArg) {
  u16 aTail[RR_ARRAY_MAX]; /* The sorted tail; then the repeats */
  u16 *a = c->u.aVal;
  int nT = c->nTail, n = c->n, nS = n - nT;
  assert(c->eKind == RR_ARRAY && nT > 0 && nT <= n && n <= RR_ARRAY_MAX);
  int i, g = 0;       /* Repeats so far */
  int iRep = 0;       /* They are aTail[iRep..iRep+g) */
  int32_t iLast = -1; /* The value placed last */
  for( i = nS + 1; i < n && a[i - 1] < a[i]; i++ ) {}
  if( i >= n && (nS == 0 || a[nS - 1] < a[nS]) ) {
    /* The tail ascends from above the sorted part: nothing to do. */
    c->nTail = 0;
    return ROARING_OK;
  }
  if( nS == 0 ) {
    /* All tail: sort it in place, the repeats going to aTail[0..g). */
    g = n - rrSortUnique(a, n, aTail);
  } else if( (sqlite3_int64)nT * RR_MERGE_RATIO < nS ) {
    if( i < n ) rrSortValues(a + nS, nT, aTail);
    memcpy(aTail, a + nS, (size_t)nT * 2);
    /* A short tail against a long array: insert each value. */
    int iFrom = 0, nCur = nS;
    for( i = 0; i < nT; i++ ) {
      int k = iFrom + rrLowerBound(a + iFrom, nCur - iFrom, aTail[i]);
      if( k < nCur && a[k] == aTail[i] ) {
        aTail[g++] = aTail[i];
      } else {
        memmove(a + k + 1, a + k, (size_t)(nCur - k) * 2);
        a[k] = aTail[i];
        nCur++;
      }
      iFrom = k;
    }
  } else {
    if( i < n ) rrSortValues(a + nS, nT, aTail);
    memcpy(aTail, a + nS, (size_t)nT * 2);
    /* Merge from the back: the larger of a[j] and aTail[i] goes to a[k].
    ** Every repeat uses up a tail value at i, so the repeats fit in
    ** aTail[nT-g..nT), behind i. */
    int j = nS - 1, k = n - 1;
    for( i = nT - 1; i >= 0; ) {
      if( j >= 0 && a[j] > aTail[i] ) {
        iLast = a[k--] = a[j--];
      } else if( (j >= 0 && a[j] == aTail[i]) || iLast == aTail[i] ) {
        aTail[nT - 1 - g++] = aTail[i--];
      } else {
        iLast = a[k--] = aTail[i--];
      }
    }
    /* a[0..j] is in place; close the gap of g after it. */
    if( g > 0 ) memmove(a + j + 1, a + k + 1, (size_t)(n - 1 - k) * 2);
    iRep = nT - g;
  }
  c->n = c->nCard = n - g;
  c->nTail = 0;
  for( i = iRep; i < iRep + g && xRepeat; i++ ) {
    int rc = xRepeat(pArg, (c->iKey << 16) | aTail[i]);
    if( rc ) return rc;
  }
  return ROARING_OK;
}

/*
** New keys in any order.  A value whose key has no container, and would
** not go after the last one, gets a new container at the end of r->aCont
** without moving the others: the last r->nUnsorted containers are in no
** order and may share keys.  Once they are as many as the sorted ones (and
** at least RR_UNSORTED_MIN), and when r is settled, rrSortUnsorted() sorts
** them (heapsort, which needs no memory), merges those that share a key
** and merges them into the sorted ones in one pass from the back.  So n new
** keys cost O(n log n) whatever their order, where inserting each one in
** place would move half the array each time.
*/

/* Sift a[i] down the max-heap a[0..n) by key. */
static void rrHeapSift(RoaringCont *a, int i, int n) {
  RoaringCont x = a[i];
  for( ;; ) {
    int iChild = 2 * i + 1;
    if( iChild >= n ) break;
    if( iChild + 1 < n && a[iChild + 1].iKey > a[iChild].iKey ) iChild++;
    if( a[iChild].iKey <= x.iKey ) break;
    a[i] = a[iChild];
    i = iChild;
  }
  a[i] = x;
}

/* Sort the n containers of a by key. */
static void rrSortConts(RoaringCont *a, int n) {
  int i;
  for( i = n / 2 - 1; i >= 0; i-- ) rrHeapSift(a, i, n);
  for( i = n - 1; i > 0; i-- ) {
    RoaringCont x = a[0];
    a[0] = a[i];
    a[i] = x;
    rrHeapSift(a, 0, i);
  }
}

/*
** Add the low part x of value v to container c lazily, as
** roaringAddLazy() does: an array takes it at its end, unsorted.
*/
static inline int rrContAddLazy(RoaringCont *c, u32 x, uint64_t v,
                                RoaringRepeatFunc xRepeat, void *pArg) {
  int rc, bAdded;
  if( c->eKind == RR_ARRAY && c->n < RR_ARRAY_MAX ) {
    /* Append to the tail without looking at the array. */
    if( c->n == c->nAlloc && rrContReserve(c, c->n + 1, 2) ) {
      return ROARING_NOMEM;
    }
    c->u.aVal[c->n++] = (u16)x;
    c->nCard++;
    c->nTail++;
    if( c->nTail >= RR_TAIL_MIN
        && (sqlite3_int64)c->nTail * RR_SETTLE_RATIO >= c->n - c->nTail ) {
      return rrContSettle(c, xRepeat, pArg);
    }
    return ROARING_OK;
  }
  if( c->nTail > 0 ) {
    rc = rrContSettle(c, xRepeat, pArg);
    if( rc ) return rc;
  }
  rc = rrContAdd(c, x, &bAdded);
  if( rc == ROARING_OK && !bAdded && xRepeat ) rc = xRepeat(pArg, v);
  return rc;
}

/*
** Add the values of container y to container x (same key), both built by
** roaringAddLazy(), as roaringAddLazy() would, then free y.  On failure
** x holds some of the values of y, and y all of them.
*/
static int rrContAbsorb(RoaringCont *x, RoaringCont *y,
                        RoaringRepeatFunc xRepeat, void *pArg) {
  uint64_t iBase = y->iKey << 16;
  int i, rc = ROARING_OK;
  assert(x->iKey == y->iKey && y->eKind != RR_RUN);
  if( y->eKind == RR_ARRAY ) {
    for( i = 0; i < y->n && rc == ROARING_OK; i++ ) {
      rc = rrContAddLazy(x, y->u.aVal[i], iBase | y->u.aVal[i], xRepeat, pArg);
    }
  } else {
    for( i = 0; i < RR_WORDS && rc == ROARING_OK; i++ ) {
      uint64_t w = y->u.aWord[i];
      for( ; w && rc == ROARING_OK; w &= w - 1 ) {
        u32 v = (u32)(i * 64 + rrCtz(w));
        rc = rrContAddLazy(x, v, iBase | v, xRepeat, pArg);
      }
    }
  }
  if( rc == ROARING_OK ) rrContFree(y);
  return rc;
}

/*
** Sort the unsorted containers at the end of r into the others (see
** above), reporting to xRepeat the values that two of them share.  On
** failure r is valid, with some containers still unsorted.
*/
static int rrSortUnsorted(Roaring *r, RoaringRepeatFunc xRepeat, void *pArg) {
  int nS = r->nCont - r->nUnsorted, nU = r->nUnsorted;
  int i, j, k, rc;
  RoaringCont *aU, *aC;
  if( nU == 0 ) return ROARING_OK; /* r->aCont may be NULL then */
  aU = &r->aCont[nS];
  rrSortConts(aU, nU);
  /* Merge the containers that share a key into one: aU[0..j). */
  for( i = j = 1; i < nU; i++ ) {
    if( aU[j - 1].iKey != aU[i].iKey ) {
      aU[j++] = aU[i];
    } else if( (rc = rrContAbsorb(&aU[j - 1], &aU[i], xRepeat, pArg)) != 0 ) {
      memmove(&aU[j], &aU[i], (size_t)(nU - i) * sizeof(RoaringCont));
      r->nUnsorted = j + nU - i;
      r->nCont = nS + r->nUnsorted;
      return rc;
    }
  }
  r->nUnsorted = nU = j;
  r->nCont = nS + nU;
  /* Merge them into the sorted ones from the back, through spare room. */
  if( rrReserve(r, (sqlite3_int64)nS + 2 * nU) ) return ROARING_NOMEM;
  aC = r->aCont;
  aU = &aC[nS + nU];
  memcpy(aU, &aC[nS], (size_t)nU * sizeof(RoaringCont));
  for( i = nS - 1, j = nU - 1, k = nS + nU - 1; j >= 0; k-- ) {
    assert(i < 0 || aC[i].iKey != aU[j].iKey);
    if( i >= 0 && aC[i].iKey > aU[j].iKey ) {
      aC[k] = aC[i--];
    } else {
      aC[k] = aU[j--];
    }
  }
  r->nUnsorted = 0;
  r->iHint = 0;
  return ROARING_OK;
}

/*
** Set *pi to the index of the container for key iKey in r, which
** roaringAddLazy() is building: one found among the sorted containers, a
** new one after the last, or a new unsorted one.
*/
static int rrLazyFind(Roaring *r, uint64_t iKey, int nFirst,
                      RoaringRepeatFunc xRepeat, void *pArg, int *pi) {
  int nS = r->nCont - r->nUnsorted, i, rc;
  if( r->nUnsorted >= RR_UNSORTED_MIN && r->nUnsorted >= nS ) {
    rc = rrSortUnsorted(r, xRepeat, pArg);
    if( rc ) return rc;
    nS = r->nCont;
  }
  if( r->nUnsorted == 0 ) {
    i = rrFind(r, iKey);
  } else if( r->aCont[r->nCont - 1].iKey == iKey ) {
    i = r->nCont - 1; /* The newest unsorted container */
  } else {
    i = rrSearchIn(r, iKey, 0, nS);
  }
  if( i < 0 ) {
    i = r->nCont;
    if( rrInsert(r, i, iKey, nFirst) ) return ROARING_NOMEM;
    /* Unsorted unless it is the new last of the sorted ones. */
    if( r->nUnsorted > 0 || (i > 0 && r->aCont[i - 1].iKey > iKey) ) {
      r->nUnsorted++;
    }
  }
  r->iHint = *pi = i;
  return ROARING_OK;
}

int roaringAddLazy(Roaring *r, uint64_t v, RoaringRepeatFunc xRepeat,
                   void *pArg) {
  return roaringAddLazyMany(r, &v, 1, xRepeat, pArg);
}

int roaringAddLazyMany(Roaring *r, const uint64_t *aV, int nV,
                       RoaringRepeatFunc xRepeat, void *pArg) {
  int k = 0, rc;
  while( k < nV ) {
    uint64_t iKey = aV[k] >> 16;
    int i = r->iHint, e, nFirst;
    RoaringCont *c;
    assert(aV[k] <= ROARING_MAX_VALUE); /* So is the rest of its run */
    for( e = k + 1; e < nV && (aV[e] >> 16) == iKey; e++ ) {}
    if( i >= r->nCont || r->aCont[i].iKey != iKey ) {
      /* A new array gets room for the run it starts with. */
      nFirst = e - k;
      if( nFirst < RR_FIRST_ARRAY_SIZE ) nFirst = RR_FIRST_ARRAY_SIZE;
      if( nFirst > RR_ARRAY_MAX ) nFirst = RR_ARRAY_MAX;
      rc = rrLazyFind(r, iKey, nFirst, xRepeat, pArg, &i);
      if( rc ) return rc;
    }
    c = &r->aCont[i];
    if( i + RR_PREFETCH_AHEAD < r->nCont ) {
      /* Values that sweep through the keys, a run in each container, find
      ** each array's end out of cache: ask for the end of the array a few
      ** containers on while this one takes its run. */
      const RoaringCont *pAhead = &r->aCont[i + RR_PREFETCH_AHEAD];
      if( pAhead->eKind == RR_ARRAY ) {
        rrPrefetchWrite(pAhead->u.aVal + pAhead->n);
      }
    }
    if( c->eKind == RR_BITSET ) {
      for( ; k < e; k++ ) {
        u32 x = (u32)(aV[k] & 0xffff);
        uint64_t *pW = &c->u.aWord[x >> 6];
        uint64_t m = (uint64_t)1 << (x & 63);
        if( *pW & m ) {
          if( xRepeat && (rc = xRepeat(pArg, aV[k])) != 0 ) return rc;
        } else {
          *pW |= m;
          c->nCard++;
        }
      }
      continue;
    }
    r->bLazy = 1;
    if( c->eKind == RR_ARRAY && c->n + (e - k) <= RR_ARRAY_MAX ) {
      u16 *p;
      if( rrContReserve(c, c->n + (e - k), 2) ) return ROARING_NOMEM;
      p = c->u.aVal + c->n;
      c->n += e - k;
      c->nCard += e - k;
      c->nTail = (u16)(c->nTail + (e - k));
      for( ; k < e; k++ ) *p++ = (u16)(aV[k] & 0xffff);
      if( c->nTail >= RR_TAIL_MIN
          && (sqlite3_int64)c->nTail * RR_SETTLE_RATIO >= c->n - c->nTail ) {
        rc = rrContSettle(c, xRepeat, pArg);
        if( rc ) return rc;
      }
      continue;
    }
    for( ; k < e; k++ ) {
      rc = rrContAddLazy(c, (u32)(aV[k] & 0xffff), aV[k], xRepeat, pArg);
      if( rc ) return rc;
    }
  }
  return ROARING_OK;
}

void roaringSortBatch(uint64_t *aV, int nV, uint64_t *aTmp) {
  uint64_t mDiff = 0, *aFrom = aV, *aTo = aTmp;
  int i, nDescent = 0, iShift;
  /* Look at every RR_BATCH_SAMPLE-th key only: keys in order, or in a few
  ** ascending sweeps, go down once or twice; keys in no order, at about
  ** every other step. */
  for( i = RR_BATCH_SAMPLE; i < nV; i += RR_BATCH_SAMPLE ) {
    nDescent += (aV[i] >> 16) < (aV[i - RR_BATCH_SAMPLE] >> 16);
  }
  if( nDescent <= RR_BATCH_DESCENTS ) return;
  for( i = 1; i < nV; i++ ) mDiff |= (aV[i] ^ aV[0]) >> 16;
  /* A radix sort of the keys, a byte at a time from the lowest, skipping
  ** the bytes that all the keys share. */
  for( iShift = 0; iShift < 48 && (mDiff >> iShift) != 0; iShift += 8 ) {
    int aCount[256];
    if( ((mDiff >> iShift) & 0xff) == 0 ) continue;
    memset(aCount, 0, sizeof(aCount));
    for( i = 0; i < nV; i++ ) aCount[(aFrom[i] >> (16 + iShift)) & 0xff]++;
    {
      int k, nSum = 0;
      for( k = 0; k < 256; k++ ) {
        int c = aCount[k];
        aCount[k] = nSum;
        nSum += c;
      }
    }
    for( i = 0; i < nV; i++ ) {
      aTo[aCount[(aFrom[i] >> (16 + iShift)) & 0xff]++] = aFrom[i];
    }
    aTo = aFrom;
    aFrom = aTo == aV ? aTmp : aV;
  }
  if( aFrom != aV ) memcpy(aV, aFrom, (size_t)nV * sizeof(uint64_t));
}

int roaringSettle(Roaring *r, RoaringRepeatFunc xRepeat, void *pArg) {
  int i, rc;
  if( !r->bLazy ) return ROARING_OK;
  rc = rrSortUnsorted(r, xRepeat, pArg);
  if( rc ) return rc;
  for( i = 0; i < r->nCont; i++ ) {
    if( r->aCont[i].nTail > 0 ) {
      rc = rrContSettle(&r->aCont[i], xRepeat, pArg);
      if( rc ) return rc;
    }
  }
  r->bLazy = 0;
  return ROARING_OK;
}

int roaringRemove(Roaring *r, uint64_t v, int *pbChanged) {
  int bRemoved = 0, rc = ROARING_OK;
  int i = rrFind(r, v >> 16);
  if( i >= 0 ) {
    rc = rrContRemove(&r->aCont[i], (u32)(v & 0xffff), &bRemoved);
    if( r->aCont[i].nCard == 0 ) rrDelete(r, i);
  }
  if( pbChanged ) *pbChanged = bRemoved;
  return rc;
}

/*
** pOut (zeroed) = container c eOp (the values iFirst..iLast), where eOp is
** ROARING_OR or ROARING_AND.  pOut may end up empty.
*/
static int rrContRange(int eOp, const RoaringCont *c, u32 iFirst, u32 iLast,
                       RoaringCont *pOut) {
  RoaringRun run = rrRun(iFirst, iLast);
  RoaringCont range;
  memset(&range, 0, sizeof(range));
  range.eKind = RR_RUN;
  range.u.aRun = &run;
  range.n = 1;
  range.nCard = (int)(iLast - iFirst + 1);
  range.iKey = c->iKey;
  return rrContOp(eOp, c, &range, pOut);
}

/*
** Add every value in [lo, hi).  The containers the range covers entirely
** are made full (sharing rrFullRun, so they cost no allocation), and the
** range's first and last container are ORed with the part they get.  The
** new containers are built where they go in r->aCont, so that the range
** costs the container array and nothing more; a failure puts back what
** was there.
*/
int roaringAddRange(Roaring *r, uint64_t lo, uint64_t hi) {
  uint64_t kFirst, kLast, k;
  sqlite3_int64 nNew;
  RoaringCont aOld[2]; /* Old first and last containers, if they exist */
  RoaringCont *aC;
  int i, iFirst, iEnd, nOld, nMid = 0, rc = ROARING_OK;
  assert(!r->bLazy);
  if( hi > ROARING_MAX_VALUE + 1 ) hi = ROARING_MAX_VALUE + 1;
  if( lo >= hi ) return ROARING_OK;
  kFirst = lo >> 16;
  kLast = (hi - 1) >> 16;
  if( kLast - kFirst > 0x7fffffff / 2 ) return ROARING_NOMEM;
  iFirst = rrSearch(r, kFirst, 0);
  if( iFirst < 0 ) iFirst = -1 - iFirst;
  for( iEnd = iFirst; iEnd < r->nCont && r->aCont[iEnd].iKey <= kLast; ) {
    iEnd++;
  }
  /* Containers kFirst..kLast replace the nOld at iFirst..iEnd-1. */
  nOld = iEnd - iFirst;
  nNew = (sqlite3_int64)(kLast - kFirst + 1);
  if( rrReserve(r, (sqlite3_int64)r->nCont - nOld + nNew) ) {
    return ROARING_NOMEM;
  }
  aC = r->aCont;
  /* The edges first: they are the only part that can fail. */
  memset(aOld, 0, sizeof(aOld));
  for( i = 0; i < 2 && rc == ROARING_OK; i++ ) {
    int iAt = i == 0 ? iFirst : iEnd - 1;
    uint64_t kEdge = i == 0 ? kFirst : kLast;
    u32 f = kEdge == kFirst ? (u32)(lo & 0xffff) : 0;
    u32 l = kEdge == kLast ? (u32)((hi - 1) & 0xffff) : RR_CONT_VALUES - 1;
    RoaringRun run = rrRun(f, l);
    if( i == 1 && kLast == kFirst ) break;
    aOld[i].iKey = kEdge;
    if( f == 0 && l == RR_CONT_VALUES - 1 ) {
      rrContSetFull(&aOld[i]);
    } else if( nOld > 0 && aC[iAt].iKey == kEdge ) {
      rc = rrContRange(ROARING_OR, &aC[iAt], f, l, &aOld[i]);
    } else {
      rc = rrContSetRuns(&aOld[i], &run, 1, (int)(l - f + 1), 0, 1);
    }
  }
  if( rc ) {
    rrContFree(&aOld[0]);
    rrContFree(&aOld[1]);
    return rc;
  }
  /* Nothing fails from here on. */
  for( i = iFirst; i < iEnd; i++ ) rrContFree(&aC[i]);
  memmove(&aC[iFirst + nNew], &aC[iEnd],
          (size_t)(r->nCont - iEnd) * sizeof(RoaringCont));
  for( k = kFirst; k <= kLast; k++ ) {
    RoaringCont *c = &aC[iFirst + nMid++];
    if( k == kFirst ) {
      *c = aOld[0];
    } else if( k == kLast ) {
      *c = aOld[1];
    } else {
      memset(c, 0, sizeof(*c));
      c->iKey = k;
      rrContSetFull(c);
    }
  }
  r->nCont += (int)nNew - nOld;
  r->iHint = 0;
  return ROARING_OK;
}

int roaringKeepRange(Roaring *r, uint64_t lo, uint64_t hi) {
  uint64_t kFirst, kLast;
  RoaringCont aEdge[2];        /* New first and last containers of the range */
  int aEdgeAt[2] = { -1, -1 }; /* Where they go, or -1 */
  int i, e, n = 0, rc = ROARING_OK;
  if( hi > ROARING_MAX_VALUE + 1 ) hi = ROARING_MAX_VALUE + 1;
  if( lo >= hi ) {
    roaringReset(r);
    return ROARING_OK;
  }
  kFirst = lo >> 16;
  kLast = (hi - 1) >> 16;
  /* First the edge containers that lose values, so that failure changes
  ** nothing. */
  memset(aEdge, 0, sizeof(aEdge));
  for( e = 0; e < 2 && rc == ROARING_OK; e++ ) {
    uint64_t k = e == 0 ? kFirst : kLast;
    u32 f = k == kFirst ? (u32)(lo & 0xffff) : 0;
    u32 l = k == kLast ? (u32)((hi - 1) & 0xffff) : RR_CONT_VALUES - 1;
    if( e == 1 && kLast == kFirst ) break;
    i = rrSearch(r, k, 0);
    if( i < 0 || (f == 0 && l == RR_CONT_VALUES - 1) ) continue;
    rc = rrContRange(ROARING_AND, &r->aCont[i], f, l, &aEdge[e]);
    aEdgeAt[e] = i;
  }
  if( rc ) {
    rrContFree(&aEdge[0]);
    rrContFree(&aEdge[1]);
    return rc;
  }
  for( i = 0; i < r->nCont; i++ ) {
    RoaringCont *c = &r->aCont[i];
    if( c->iKey < kFirst || c->iKey > kLast ) {
      rrContFree(c);
      continue;
    }
    for( e = 0; e < 2; e++ ) {
      if( aEdgeAt[e] == i ) {
        rrContFree(c);
        *c = aEdge[e];
      }
    }
    if( c->nCard > 0 ) r->aCont[n++] = *c;
  }
  r->nCont = n;
  r->iHint = 0;
  return ROARING_OK;
}

/************************************************************************
** The interface: queries.
*/

int roaringContains(const Roaring *r, uint64_t v) {
  int i = rrSearch(r, v >> 16, 0);
  return i >= 0 && rrContContains(&r->aCont[i], (u32)(v & 0xffff));
}

uint64_t roaringCount(const Roaring *r) {
  uint64_t n = 0;
  int i;
  for( i = 0; i < r->nCont; i++ ) n += (uint64_t)r->aCont[i].nCard;
  return n;
}

int roaringMin(const Roaring *r, uint64_t *pv) {
  if( r->nCont == 0 ) return 0;
  *pv = (r->aCont[0].iKey << 16) | rrContSelect(&r->aCont[0], 0);
  return 1;
}

int roaringMax(const Roaring *r, uint64_t *pv) {
  const RoaringCont *c;
  if( r->nCont == 0 ) return 0;
  c = &r->aCont[r->nCont - 1];
  *pv = (c->iKey << 16) | rrContSelect(c, c->nCard - 1);
  return 1;
}

uint64_t roaringRank(const Roaring *r, uint64_t v) {
  uint64_t n = 0, iKey = v >> 16;
  int i;
  for( i = 0; i < r->nCont && r->aCont[i].iKey < iKey; i++ ) {
    n += (uint64_t)r->aCont[i].nCard;
  }
  if( i < r->nCont && r->aCont[i].iKey == iKey ) {
    n += (uint64_t)rrContRank(&r->aCont[i], (u32)(v & 0xffff));
  }
  return n;
}

int roaringSelect(const Roaring *r, uint64_t iRank, uint64_t *pv) {
  int i;
  for( i = 0; i < r->nCont; i++ ) {
    const RoaringCont *c = &r->aCont[i];
    if( iRank < (uint64_t)c->nCard ) {
      *pv = (c->iKey << 16) | rrContSelect(c, (int)iRank);
      return 1;
    }
    iRank -= (uint64_t)c->nCard;
  }
  return 0;
}

/************************************************************************
** The interface: set operations.
*/

/*
** Free those of the nFree containers at aFree whose memory is not also
** used by one of the nKeep at aKeep (both sorted by key).
*/
static void rrFreeUnshared(const RoaringCont *aKeep, int nKeep,
                           RoaringCont *aFree, int nFree) {
  int i, j = 0;
  for( i = 0; i < nFree; i++ ) {
    while( j < nKeep && aKeep[j].iKey < aFree[i].iKey ) j++;
    if( j < nKeep && aKeep[j].iKey == aFree[i].iKey
        && aKeep[j].u.p == aFree[i].u.p ) {
      continue;
    }
    rrContFree(&aFree[i]);
  }
}

/*
** Compute a eOp b into a new container array *paNew of *pnNew.  If pMove
** is a itself, the containers of a that the result keeps as they are are
** shared with it, not copied (the caller then frees a's other containers),
** and a bitset of a that is ORed with b is changed where it is.
*/
static int rrOpMerge(int eOp, const Roaring *a, const Roaring *b,
                     Roaring *pMove, RoaringCont **paNew, int *pnNew) {
  int bMove = pMove != 0;
  int nA = a->nCont, nB = b->nCont;
  sqlite3_int64 nMax = eOp == ROARING_AND    ? (nA < nB ? nA : nB)
                     : eOp == ROARING_ANDNOT ? nA
                                             : (sqlite3_int64)nA + nB;
  RoaringCont *aNew;
  int i = 0, j = 0, k = 0, rc = ROARING_OK;
  aNew = sqlite3_malloc64((sqlite3_uint64)(nMax ? nMax : 1) * sizeof(*aNew));
  if( aNew == 0 ) return ROARING_NOMEM;
  while( rc == ROARING_OK && (i < nA || j < nB) ) {
    const RoaringCont *pA = i < nA ? &a->aCont[i] : 0;
    const RoaringCont *pB = j < nB ? &b->aCont[j] : 0;
    RoaringCont x, *pOut = &x;
    memset(pOut, 0, sizeof(*pOut));
    if( pA && (pB == 0 || pA->iKey < pB->iKey) ) {
      if( eOp == ROARING_AND ) {
        if( pB == 0 ) break;
      } else if( bMove ) {
        *pOut = *pA;
      } else {
        rc = rrContCopy(pOut, pA);
      }
      i++;
    } else if( pA == 0 || pB->iKey < pA->iKey ) {
      if( eOp == ROARING_OR || eOp == ROARING_XOR ) {
        rc = rrContCopy(pOut, pB);
      } else if( pA == 0 ) {
        break;
      }
      j++;
    } else {
      if( bMove && eOp == ROARING_OR && rrContOrInto(&pMove->aCont[i], pB) ) {
        *pOut = *pA;
      } else {
        rc = rrContOp(eOp, pA, pB, pOut);
      }
      i++;
      j++;
    }
    if( rc == ROARING_OK && pOut->nCard > 0 ) aNew[k++] = x;
  }
  if( rc ) {
    if( bMove ) {
      rrFreeUnshared(a->aCont, a->nCont, aNew, k);
    } else {
      while( k > 0 ) rrContFree(&aNew[--k]);
    }
    sqlite3_free(aNew);
    return rc;
  }
  *paNew = aNew;
  *pnNew = k;
  return ROARING_OK;
}

int roaringOp(int eOp, const Roaring *a, const Roaring *b, Roaring *pOut) {
  RoaringCont *aNew;
  int nNew;
  assert(!a->bLazy && !b->bLazy);
  int rc = rrOpMerge(eOp, a, b, 0, &aNew, &nNew);
  if( rc ) return rc;
  roaringReset(pOut);
  pOut->aCont = aNew;
  pOut->nCont = nNew;
  pOut->nAlloc = nNew;
  return ROARING_OK;
}

/*
** a = a eOp b one container of b at a time, for a b much smaller than a
** that adds no container to a.  On failure a is valid but may be partly
** changed.
*/
static int rrOpEach(int eOp, Roaring *a, const Roaring *b) {
  int j;
  for( j = 0; j < b->nCont; j++ ) {
    const RoaringCont *pB = &b->aCont[j];
    RoaringCont x;
    int i = rrFind(a, pB->iKey);
    if( i < 0 ) continue;
    a->iHint = i;
    if( eOp == ROARING_OR && rrContOrInto(&a->aCont[i], pB) ) continue;
    memset(&x, 0, sizeof(x));
    if( rrContOp(eOp, &a->aCont[i], pB, &x) ) return ROARING_NOMEM;
    rrContFree(&a->aCont[i]);
    a->aCont[i] = x;
    if( x.nCard == 0 ) rrDelete(a, i);
  }
  return ROARING_OK;
}

/* True if every key of b is also a key of a. */
static int rrKeysWithin(const Roaring *b, Roaring *a) {
  int j;
  for( j = 0; j < b->nCont; j++ ) {
    int i = rrFind(a, b->aCont[j].iKey);
    if( i < 0 ) return 0;
    a->iHint = i;
  }
  return 1;
}

int roaringOpInPlace(int eOp, Roaring *a, const Roaring *b) {
  RoaringCont *aNew;
  int nNew, rc;
  assert(!a->bLazy && !b->bLazy);
  if( eOp != ROARING_AND && a != b
      && (sqlite3_int64)b->nCont * RR_SMALL_RATIO <= a->nCont
      && (eOp == ROARING_ANDNOT || rrKeysWithin(b, a)) ) {
    return rrOpEach(eOp, a, b);
  }
  rc = rrOpMerge(eOp, a, b, a, &aNew, &nNew);
  if( rc ) return rc;
  rrFreeUnshared(aNew, nNew, a->aCont, a->nCont);
  sqlite3_free(a->aCont);
  a->aCont = aNew;
  a->nCont = nNew;
  a->nAlloc = nNew;
  a->iHint = 0;
  return ROARING_OK;
}

/*
** The number of values in both a and b; if bAny, stop at the first
** container pair that shares one (and return a count > 0).
*/
static uint64_t rrAndCount(const Roaring *a, const Roaring *b, int bAny) {
  uint64_t n = 0;
  int i = 0, j = 0;
  while( i < a->nCont && j < b->nCont ) {
    if( a->aCont[i].iKey < b->aCont[j].iKey ) {
      i++;
    } else if( a->aCont[i].iKey > b->aCont[j].iKey ) {
      j++;
    } else {
      n += (uint64_t)rrContAndCount(&a->aCont[i++], &b->aCont[j++]);
      if( bAny && n > 0 ) break;
    }
  }
  return n;
}

uint64_t roaringOpCount(int eOp, const Roaring *a, const Roaring *b) {
  uint64_t nAnd = rrAndCount(a, b, 0);
  switch( eOp ) {
    case ROARING_AND: return nAnd;
    case ROARING_OR: return roaringCount(a) + roaringCount(b) - nAnd;
    case ROARING_XOR: return roaringCount(a) + roaringCount(b) - 2 * nAnd;
    default: return roaringCount(a) - nAnd;
  }
}

int roaringIntersects(const Roaring *a, const Roaring *b) {
  return rrAndCount(a, b, 1) > 0;
}

int roaringIsSubset(const Roaring *a, const Roaring *b) {
  int i, j = 0;
  for( i = 0; i < a->nCont; i++ ) {
    const RoaringCont *pA = &a->aCont[i];
    while( j < b->nCont && b->aCont[j].iKey < pA->iKey ) j++;
    if( j == b->nCont || b->aCont[j].iKey != pA->iKey ) return 0;
    if( pA->nCard > b->aCont[j].nCard ) return 0;
    if( rrContAndCount(pA, &b->aCont[j]) != pA->nCard ) return 0;
  }
  return 1;
}

int roaringEqual(const Roaring *a, const Roaring *b) {
  int i;
  if( a->nCont != b->nCont ) return 0;
  for( i = 0; i < a->nCont; i++ ) {
    if( a->aCont[i].iKey != b->aCont[i].iKey ) return 0;
    if( a->aCont[i].nCard != b->aCont[i].nCard ) return 0;
  }
  return roaringIsSubset(a, b);
}

/************************************************************************
** Serialization.
**
** The 32-bit portable format, all integers little-endian:
**
**   cookie    u32 12346, then u32 n (containers), if no container is a
**             run container; else u32 12347 | (n-1) << 16, then one bit
**             per container (1: a run container), (n+7)/8 bytes
**   header    per container: u16 key (upper 16 bits of the 32-bit values)
**             and u16 cardinality-1
**   offsets   per container: u32 byte offset of its data from the start;
**             present unless there are run containers and n < 4
**   data      per container: array: cardinality u16 values; bitset: 1024
**             u64 words; run: u16 runs, then u16 start and u16 length-1
**             per run.  A container that is not a run container is an
**             array if its cardinality is at most 4096, else a bitset.
**
** The 64-bit portable format is u64 b, then b times a u32 bucket (the
** upper 32 bits of the values) and a 32-bit portable bitmap of the lower
** 32 bits of the values in that bucket.
*/

/* The canonical kind and run count of a container, packed in an int. */
#define RR_PLAN(eKind, nRun) ((nRun) << 2 | (eKind))
#define RR_PLAN_KIND(p)      ((p)&3)
#define RR_PLAN_RUNS(p)      ((p) >> 2)

/* The canonical kind of container c with its run count, as RR_PLAN(). */
static int rrContPlan(const RoaringCont *c) {
  int nRun;
  if( c->eKind == RR_ARRAY ) {
    /* Count the runs only as far as they could make a run container. */
    const u16 *a = c->u.aVal;
    int i, nMax = (c->n - 1) / 2; /* Most runs of a run container */
    for( i = 1, nRun = 1; i < c->n && nRun <= nMax; i++ ) {
      nRun += a[i] != a[i - 1] + 1;
    }
    return nRun <= nMax ? RR_PLAN(RR_RUN, nRun) : RR_PLAN(RR_ARRAY, 0);
  }
  nRun = rrContRuns(c);
  return RR_PLAN(rrBestKind(c->nCard, nRun), nRun);
}

/* The bytes the data of a container of plan iPlan and nCard values take. */
static size_t rrPlanBytes(int iPlan, int nCard) {
  switch( RR_PLAN_KIND(iPlan) ) {
    case RR_ARRAY: return (size_t)nCard * 2;
    case RR_BITSET: return RR_BITSET_BYTES;
    default: return 2 + (size_t)RR_PLAN_RUNS(iPlan) * 4;
  }
}

/* The bytes of the header of a 32-bit bitmap of n containers. */
static size_t rrHeaderBytes(int n, int bRun) {
  if( !bRun ) return 8 + (size_t)n * 8;
  return 4 + (size_t)(n + 7) / 8 + (size_t)n * 4
       + (n >= RR_NO_OFFSET_MAX ? (size_t)n * 4 : 0);
}

/*
** The index just after the last container of r, from index i on, in the
** same bucket as container i.
*/
static int rrBucketEnd(const Roaring *r, int i) {
  uint64_t iBucket = r->aCont[i].iKey >> 16;
  while( i < r->nCont && (r->aCont[i].iKey >> 16) == iBucket ) i++;
  return i;
}

/*
** The bytes of the 32-bit bitmap of containers i0..i1-1 of r.  If aPlan
** is not NULL, the plan of each container is stored in aPlan[i].
*/
static size_t rrBucketBytes(const Roaring *r, int i0, int i1, int *aPlan) {
  size_t nByte = 0;
  int i, bRun = 0;
  for( i = i0; i < i1; i++ ) {
    int iPlan = rrContPlan(&r->aCont[i]);
    if( aPlan ) aPlan[i] = iPlan;
    bRun |= RR_PLAN_KIND(iPlan) == RR_RUN;
    nByte += rrPlanBytes(iPlan, r->aCont[i].nCard);
  }
  return nByte + rrHeaderBytes(i1 - i0, bRun);
}

/* True if r needs the 64-bit format: a value at or above 2^32. */
static int rrIsWide(const Roaring *r) {
  return r->nCont > 0 && r->aCont[r->nCont - 1].iKey > 0xffff;
}

/*
** The bytes of the serialization of r, and the number of buckets in
** *pnBucket.  Plans go to aPlan as in rrBucketBytes().
*/
static size_t rrSerialBytes(const Roaring *r, int *aPlan, int *pnBucket) {
  size_t nByte = rrIsWide(r) ? 8 : 0;
  int i = 0, nBucket = 0;
  if( r->nCont == 0 ) nByte = rrHeaderBytes(0, 0);
  while( i < r->nCont ) {
    int iEnd = rrBucketEnd(r, i);
    nByte += rrBucketBytes(r, i, iEnd, aPlan) + (rrIsWide(r) ? 4 : 0);
    nBucket++;
    i = iEnd;
  }
  *pnBucket = nBucket;
  return nByte;
}

size_t roaringSerializedSize(const Roaring *r) {
  int nBucket;
  return rrSerialBytes(r, 0, &nBucket);
}

/* Write the data of container c as plan iPlan says to p; return the end. */
static u8 *rrWriteCont(const RoaringCont *c, int iPlan, u8 *p,
                       RoaringScratch *pTmp) {
  int i, n;
  switch( RR_PLAN_KIND(iPlan) ) {
    case RR_ARRAY: {
      const u16 *a = c->u.aVal;
      if( c->eKind != RR_ARRAY ) {
        rrContToValues(c, pTmp->aVal);
        a = pTmp->aVal;
      }
      rrPutValues(p, a, c->nCard);
      p += (size_t)c->nCard * 2;
      break;
    }
    case RR_BITSET: {
      const uint64_t *a = c->u.aWord;
      if( c->eKind != RR_BITSET ) {
        rrContToWords(c, pTmp->aWord);
        a = pTmp->aWord;
      }
      if( RR_LITTLE_ENDIAN ) {
        memcpy(p, a, RR_BITSET_BYTES);
        p += RR_BITSET_BYTES;
      } else {
        for( i = 0; i < RR_WORDS; i++, p += 8 ) rrPut64(p, a[i]);
      }
      break;
    }
    default: {
      const RoaringRun *a = c->u.aRun;
      n = c->n;
      if( c->eKind != RR_RUN ) {
        n = rrContToRuns(c, pTmp->aRun);
        a = pTmp->aRun;
      }
      rrPut16(p, (u32)n);
      p += 2;
      for( i = 0; i < n; i++, p += 4 ) {
        rrPut16(p, a[i].iStart);
        rrPut16(p + 2, a[i].nLen);
      }
      break;
    }
  }
  return p;
}

/*
** Write the 32-bit bitmap of containers i0..i1-1 of r, whose plans are in
** aPlan, to p; return the end.
*/
static u8 *rrWriteBucket(const Roaring *r, int i0, int i1, const int *aPlan,
                         u8 *p, RoaringScratch *pTmp) {
  int n = i1 - i0, i, bRun = 0;
  size_t iOffset;
  for( i = i0; i < i1; i++ ) bRun |= RR_PLAN_KIND(aPlan[i]) == RR_RUN;
  if( bRun ) {
    rrPut32(p, RR_COOKIE_RUN | (u32)(n - 1) << 16);
    p += 4;
    memset(p, 0, (size_t)(n + 7) / 8);
    for( i = i0; i < i1; i++ ) {
      if( RR_PLAN_KIND(aPlan[i]) == RR_RUN ) {
        p[(i - i0) / 8] |= (u8)(1 << ((i - i0) % 8));
      }
    }
    p += (n + 7) / 8;
  } else {
    rrPut32(p, RR_COOKIE_NORUN);
    rrPut32(p + 4, (u32)n);
    p += 8;
  }
  for( i = i0; i < i1; i++, p += 4 ) {
    rrPut16(p, (u32)(r->aCont[i].iKey & 0xffff));
    rrPut16(p + 2, (u32)(r->aCont[i].nCard - 1));
  }
  if( !bRun || n >= RR_NO_OFFSET_MAX ) {
    iOffset = rrHeaderBytes(n, bRun);
    for( i = i0; i < i1; i++, p += 4 ) {
      rrPut32(p, (u32)iOffset);
      iOffset += rrPlanBytes(aPlan[i], r->aCont[i].nCard);
    }
  }
  for( i = i0; i < i1; i++ ) {
    assert(r->aCont[i].nCard > 0
           && (i == i0 || r->aCont[i - 1].iKey < r->aCont[i].iKey));
    p = rrWriteCont(&r->aCont[i], aPlan[i], p, pTmp);
  }
  return p;
}

int roaringSerialize(const Roaring *r, unsigned char **paOut, size_t *pnOut,
                     size_t nMax) {
  assert(!r->bLazy && r->nUnsorted == 0);
  int *aPlan = 0;
  int nBucket, i = 0;
  size_t nByte;
  u8 *aOut, *p;
  RoaringScratch *pTmp;
  *paOut = 0;
  *pnOut = 0;
  if( r->nCont > 0 ) {
    aPlan = sqlite3_malloc64((sqlite3_uint64)r->nCont * sizeof(int));
    if( aPlan == 0 ) return ROARING_NOMEM;
  }
  nByte = rrSerialBytes(r, aPlan, &nBucket);
  if( nByte > nMax ) {
    sqlite3_free(aPlan);
    return ROARING_TOOBIG;
  }
  aOut = sqlite3_malloc64(nByte);
  pTmp = sqlite3_malloc64(sizeof(*pTmp));
  if( aOut == 0 || pTmp == 0 ) {
    sqlite3_free(aOut);
    sqlite3_free(pTmp);
    sqlite3_free(aPlan);
    return ROARING_NOMEM;
  }
  p = aOut;
  if( r->nCont == 0 ) {
    rrPut32(p, RR_COOKIE_NORUN);
    rrPut32(p + 4, 0);
    p += RR_EMPTY32_BYTES;
  } else if( rrIsWide(r) ) {
    rrPut64(p, (uint64_t)nBucket);
    p += 8;
  }
  while( i < r->nCont ) {
    int iEnd = rrBucketEnd(r, i);
    if( rrIsWide(r) ) {
      rrPut32(p, (u32)(r->aCont[i].iKey >> 16));
      p += 4;
    }
    p = rrWriteBucket(r, i, iEnd, aPlan, p, pTmp);
    i = iEnd;
  }
  sqlite3_free(pTmp);
  sqlite3_free(aPlan);
  *paOut = aOut;
  *pnOut = nByte;
  return ROARING_OK;
}

/*
** Check the data of one container, of kind eKind and nCard values, in the
** n bytes at p; set *pnUsed to the bytes it takes.
*/
static int rrCheckCont(int eKind, int nCard, const u8 *p, size_t n,
                       size_t *pnUsed) {
  int i;
  if( eKind == RR_ARRAY ) {
    if( n / 2 < (size_t)nCard ) return ROARING_CORRUPT;
    for( i = 1; i < nCard; i++ ) {
      if( rrGet16(p + 2 * i) <= rrGet16(p + 2 * i - 2) ) return ROARING_CORRUPT;
    }
    *pnUsed = (size_t)nCard * 2;
  } else if( eKind == RR_BITSET ) {
    int nBits = 0;
    if( n < RR_BITSET_BYTES ) return ROARING_CORRUPT;
    for( i = 0; i < RR_WORDS; i++ ) nBits += rrPopcount(rrGet64(p + 8 * i));
    if( nBits != nCard ) return ROARING_CORRUPT;
    *pnUsed = RR_BITSET_BYTES;
  } else {
    int nRun, nTotal = 0;
    int32_t iPrevEnd = -2; /* Last value of the previous run */
    if( n < 2 ) return ROARING_CORRUPT;
    nRun = (int)rrGet16(p);
    if( (n - 2) / 4 < (size_t)nRun ) return ROARING_CORRUPT;
    for( i = 0; i < nRun; i++ ) {
      u32 iStart = rrGet16(p + 2 + 4 * i), nLen = rrGet16(p + 4 + 4 * i);
      if( iStart + nLen >= RR_CONT_VALUES ) return ROARING_CORRUPT;
      if( (int32_t)iStart <= iPrevEnd ) return ROARING_CORRUPT;
      iPrevEnd = (int32_t)(iStart + nLen);
      nTotal += (int)nLen + 1;
    }
    if( nTotal != nCard ) return ROARING_CORRUPT;
    *pnUsed = 2 + (size_t)nRun * 4;
  }
  return ROARING_OK;
}

/*
** Load the data of one container, checked by rrCheckCont(), into the
** zeroed container c.
*/
static int rrLoadCont(RoaringCont *c, int eKind, int nCard, const u8 *p) {
  int i;
  if( eKind == RR_ARRAY ) {
    if( rrContAlloc(c, RR_ARRAY, nCard) ) return ROARING_NOMEM;
    rrGetValues(c->u.aVal, p, nCard);
    c->n = nCard;
  } else if( eKind == RR_BITSET ) {
    if( rrContAlloc(c, RR_BITSET, RR_WORDS) ) return ROARING_NOMEM;
    if( RR_LITTLE_ENDIAN ) {
      memcpy(c->u.aWord, p, RR_BITSET_BYTES);
    } else {
      for( i = 0; i < RR_WORDS; i++ ) c->u.aWord[i] = rrGet64(p + 8 * i);
    }
  } else {
    int nRun = (int)rrGet16(p);
    if( rrContAlloc(c, RR_RUN, nRun) ) return ROARING_NOMEM;
    for( i = 0; i < nRun; i++ ) {
      u32 iStart = rrGet16(p + 2 + 4 * i), nLen = rrGet16(p + 4 + 4 * i);
      if( c->n > 0 && rrRunEnd(&c->u.aRun[c->n - 1]) + 1 == iStart ) {
        /* Touches the previous run: valid, but not canonical. */
        c->u.aRun[c->n - 1].nLen =
            (u16)(iStart + nLen - c->u.aRun[c->n - 1].iStart);
      } else {
        c->u.aRun[c->n++] = rrRun(iStart, iStart + nLen);
      }
    }
  }
  c->nCard = nCard;
  return ROARING_OK;
}

/* True if the checked data at p of a container (eKind, nCard) holds x. */
static int rrBytesContain(int eKind, int nCard, const u8 *p, u32 x) {
  int lo = 0, hi;
  if( eKind == RR_BITSET ) return (p[x >> 3] >> (x & 7)) & 1;
  if( eKind == RR_ARRAY ) {
    hi = nCard;
    while( lo < hi ) {
      int mid = (lo + hi) >> 1;
      u32 y = rrGet16(p + 2 * mid);
      if( y == x ) return 1;
      if( y < x ) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return 0;
  }
  /* The last run starting at or before x. */
  hi = (int)rrGet16(p);
  p += 2;
  while( lo < hi ) {
    int mid = (lo + hi) >> 1;
    if( rrGet16(p + 4 * mid) <= x ) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo > 0 && x <= rrGet16(p + 4 * lo - 4) + rrGet16(p + 4 * lo - 2);
}

/* The smallest (bMax: largest) low part in the checked data at p. */
static u32 rrBytesExtreme(int eKind, int nCard, const u8 *p, int bMax) {
  int i, nRun;
  if( eKind == RR_ARRAY ) return rrGet16(p + (bMax ? 2 * (nCard - 1) : 0));
  if( eKind == RR_RUN ) {
    nRun = (int)rrGet16(p);
    if( !bMax ) return rrGet16(p + 2);
    return rrGet16(p + 4 * nRun - 2) + rrGet16(p + 4 * nRun);
  }
  /* A bitset: the first or last byte that is not 0 (nCard > 0). */
  for( i = bMax ? RR_BITSET_BYTES - 1 : 0; p[i] == 0; i += bMax ? -1 : 1 ) {}
  if( bMax ) {
    for( nRun = 7; ((p[i] >> nRun) & 1) == 0; nRun-- ) {}
    return (u32)i * 8 + (u32)nRun;
  }
  return (u32)i * 8 + (u32)rrCtz(p[i]);
}

/*
** Where rrReadBucket() puts what it reads: the containers into r, or, if
** r is NULL, what roaringScan() wants into pScan (and the probe below).
*/
typedef struct RoaringReader RoaringReader;
struct RoaringReader {
  Roaring *r;         /* Decode into this set, or NULL */
  RoaringScan *pScan; /* Else the summary */
  uint64_t iProbe;    /* The value pScan->bFound is about */
  const u8 *pLast;    /* Data of the last container seen */
  int eLastKind;      /* Its kind */
  int nLastCard;      /* Its count */
  uint64_t iLastKey;  /* Its key */
};

/* Note in pRd->pScan the container (iKey, eKind, nCard) with data at p. */
static void rrScanCont(RoaringReader *pRd, uint64_t iKey, int eKind, int nCard,
                       const u8 *p) {
  RoaringScan *pScan = pRd->pScan;
  if( pScan->nCount == 0 ) {
    pScan->iMin = iKey << 16 | rrBytesExtreme(eKind, nCard, p, 0);
  }
  pScan->nCount += (uint64_t)nCard;
  if( iKey == pRd->iProbe >> 16 ) {
    pScan->bFound = rrBytesContain(eKind, nCard, p, pRd->iProbe & 0xffff);
  }
  pRd->pLast = p;
  pRd->eLastKind = eKind;
  pRd->nLastCard = nCard;
  pRd->iLastKey = iKey;
}

/*
** Read the 32-bit bitmap in the n bytes at p, whose values get the upper
** 32 bits iBucket, as pRd says.  Set *pnUsed to the bytes it took.
*/
static int rrReadBucket(RoaringReader *pRd, const u8 *p, size_t n,
                        uint64_t iBucket, size_t *pnUsed) {
  const u8 *aRunBits = 0, *aHeader, *aOffset = 0;
  Roaring *r = pRd->r;
  size_t iPos;
  u32 iCookie;
  int nCont, bRun = 0, i, rc;
  int32_t iPrevKey = -1;
  if( n < 4 ) return ROARING_CORRUPT;
  iCookie = rrGet32(p);
  if( (iCookie & 0xffff) == RR_COOKIE_RUN ) {
    nCont = (int)(iCookie >> 16) + 1;
    bRun = 1;
    if( n - 4 < (size_t)(nCont + 7) / 8 ) return ROARING_CORRUPT;
    aRunBits = p + 4;
    iPos = 4 + (size_t)(nCont + 7) / 8;
  } else if( iCookie == RR_COOKIE_NORUN ) {
    if( n < 8 || rrGet32(p + 4) > RR_BUCKET_MAX_CONT ) return ROARING_CORRUPT;
    nCont = (int)rrGet32(p + 4);
    iPos = 8;
  } else {
    return ROARING_CORRUPT;
  }
  if( (n - iPos) / 4 < (size_t)nCont ) return ROARING_CORRUPT;
  aHeader = p + iPos;
  iPos += (size_t)nCont * 4;
  if( !bRun || nCont >= RR_NO_OFFSET_MAX ) {
    if( (n - iPos) / 4 < (size_t)nCont ) return ROARING_CORRUPT;
    aOffset = p + iPos;
    iPos += (size_t)nCont * 4;
  }
  if( r && rrReserve(r, (sqlite3_int64)r->nCont + nCont) ) {
    return ROARING_NOMEM;
  }
  for( i = 0; i < nCont; i++ ) {
    int32_t iKey = (int32_t)rrGet16(aHeader + 4 * i);
    int nCard = (int)rrGet16(aHeader + 4 * i + 2) + 1;
    int eKind = nCard > RR_ARRAY_MAX ? RR_BITSET : RR_ARRAY;
    uint64_t iFullKey = iBucket << 16 | (uint64_t)iKey;
    size_t nUsed = 0;
    if( iKey <= iPrevKey ) return ROARING_CORRUPT;
    iPrevKey = iKey;
    if( aOffset && rrGet32(aOffset + 4 * i) != iPos ) return ROARING_CORRUPT;
    if( bRun && (aRunBits[i / 8] >> (i % 8)) & 1 ) eKind = RR_RUN;
    rc = rrCheckCont(eKind, nCard, p + iPos, n - iPos, &nUsed);
    if( rc ) return rc;
    if( r ) {
      RoaringCont *c = &r->aCont[r->nCont];
      memset(c, 0, sizeof(*c));
      c->iKey = iFullKey;
      if( rrLoadCont(c, eKind, nCard, p + iPos) ) return ROARING_NOMEM;
      r->nCont++;
    } else {
      rrScanCont(pRd, iFullKey, eKind, nCard, p + iPos);
    }
    iPos += nUsed;
  }
  *pnUsed = iPos;
  return ROARING_OK;
}

/*
** Read the n bytes at pBlob as pRd says (into the empty set pRd->r, or
** into the zeroed pRd->pScan).  On failure pRd->r is left empty.
*/
static int rrRead(RoaringReader *pRd, const void *pBlob, size_t n,
                  int *peFormat) {
  const u8 *p = (const u8 *)pBlob;
  size_t iPos = 8, nUsed;
  uint64_t nBucket, b;
  int64_t iPrev = -1;
  int rc = ROARING_CORRUPT;
  if( n >= 4
      && ((rrGet32(p) & 0xffff) == RR_COOKIE_RUN
          || rrGet32(p) == RR_COOKIE_NORUN) ) {
    rc = rrReadBucket(pRd, p, n, 0, &nUsed);
    if( rc == ROARING_OK && nUsed == n ) {
      if( peFormat ) *peFormat = ROARING_FORMAT_32;
      return ROARING_OK;
    }
    if( pRd->r ) roaringReset(pRd->r);
    if( pRd->pScan ) memset(pRd->pScan, 0, sizeof(RoaringScan));
    if( rc == ROARING_NOMEM ) return rc;
    rc = ROARING_CORRUPT;
  }
  /* Not a 32-bit bitmap; perhaps a 64-bit one. */
  if( n < 8 ) return ROARING_CORRUPT;
  nBucket = rrGet64(p);
  if( nBucket > (n - 8) / (4 + RR_EMPTY32_BYTES) ) return ROARING_CORRUPT;
  for( b = 0; b < nBucket; b++ ) {
    int64_t iBucket;
    if( n - iPos < 4 ) goto corrupt;
    iBucket = (int64_t)rrGet32(p + iPos);
    if( iBucket <= iPrev || (uint64_t)iBucket > RR_MAX_BUCKET ) goto corrupt;
    iPrev = iBucket;
    iPos += 4;
    rc = rrReadBucket(pRd, p + iPos, n - iPos, (uint64_t)iBucket, &nUsed);
    if( rc ) goto failed;
    iPos += nUsed;
  }
  if( iPos != n ) goto corrupt;
  if( peFormat ) *peFormat = ROARING_FORMAT_64;
  return ROARING_OK;
corrupt:
  rc = ROARING_CORRUPT;
failed:
  if( pRd->r ) roaringReset(pRd->r);
  if( pRd->pScan ) memset(pRd->pScan, 0, sizeof(RoaringScan));
  return rc;
}

int roaringDeserialize(Roaring *r, const void *pBlob, size_t n, int *peFormat) {
  RoaringReader rd;
  assert(r->nCont == 0);
  memset(&rd, 0, sizeof(rd));
  rd.r = r;
  return rrRead(&rd, pBlob, n, peFormat);
}

int roaringScan(const void *pBlob, size_t n, uint64_t v, RoaringScan *pScan) {
  RoaringReader rd;
  int rc;
  memset(&rd, 0, sizeof(rd));
  memset(pScan, 0, sizeof(*pScan));
  rd.pScan = pScan;
  rd.iProbe = v;
  rc = rrRead(&rd, pBlob, n, 0);
  if( rc == ROARING_OK && pScan->nCount > 0 ) {
    pScan->iMax = rd.iLastKey << 16
                | rrBytesExtreme(rd.eLastKind, rd.nLastCard, rd.pLast, 1);
  }
  return rc;
}

/************************************************************************
** Statistics and iteration.
*/

void roaringStats(const Roaring *r, RoaringStats *pStats) {
  int i;
  memset(pStats, 0, sizeof(*pStats));
  for( i = 0; i < r->nCont; i++ ) {
    switch( r->aCont[i].eKind ) {
      case RR_ARRAY: pStats->nArray++; break;
      case RR_BITSET: pStats->nBitset++; break;
      default: pStats->nRun++; break;
    }
    if( i == 0 || (r->aCont[i].iKey >> 16) != (r->aCont[i - 1].iKey >> 16) ) {
      pStats->nBucket++;
    }
  }
}

/*
** Move pIter to the first value >= x (a low part) in its container, or
** failing that to the first value of a later container.
*/
static void rrIterSettle(RoaringIter *pIter, u32 x) {
  const Roaring *r = pIter->r;
  while( pIter->iCont < r->nCont ) {
    int32_t v = rrContNextGE(&r->aCont[pIter->iCont], x, &pIter->iPos);
    if( v >= 0 ) {
      pIter->iLow = (u32)v;
      return;
    }
    pIter->iCont++;
    x = 0;
  }
  pIter->bEof = 1;
}

void roaringIterSeek(RoaringIter *pIter, const Roaring *r, uint64_t lo) {
  int i;
  memset(pIter, 0, sizeof(*pIter));
  pIter->r = r;
  if( lo > ROARING_MAX_VALUE ) {
    pIter->bEof = 1;
    return;
  }
  i = rrSearch(r, lo >> 16, 0);
  if( i < 0 ) {
    pIter->iCont = -1 - i;
    rrIterSettle(pIter, 0);
  } else {
    pIter->iCont = i;
    rrIterSettle(pIter, (u32)(lo & 0xffff));
  }
}

void roaringIterNext(RoaringIter *pIter) {
  const RoaringCont *c = &pIter->r->aCont[pIter->iCont];
  if( c->eKind == RR_ARRAY ) {
    if( ++pIter->iPos < c->n ) {
      pIter->iLow = c->u.aVal[pIter->iPos];
      return;
    }
  } else if( c->eKind == RR_RUN ) {
    if( pIter->iLow < rrRunEnd(&c->u.aRun[pIter->iPos]) ) {
      pIter->iLow++;
      return;
    }
    if( ++pIter->iPos < c->n ) {
      pIter->iLow = c->u.aRun[pIter->iPos].iStart;
      return;
    }
  } else {
    rrIterSettle(pIter, pIter->iLow + 1);
    return;
  }
  pIter->iCont++;
  rrIterSettle(pIter, 0);
}

uint64_t roaringIterValue(const RoaringIter *pIter) {
  return (pIter->r->aCont[pIter->iCont].iKey << 16) | pIter->iLow;
}
