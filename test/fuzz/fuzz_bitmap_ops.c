/*
** fuzz_bitmap_ops.c - libFuzzer target for the set operations of the
** Roaring engine (ext/roaring.c) and the bitmap_* SQL functions over them
** (ext/bitmap.c).
**
** Input: a small program that builds three bitmaps, A, B and C.  Each
** instruction is a byte, whose bits 0-1 pick the bitmap it changes (3 is
** A as well) and bits 2-7 the operation, followed by its operands:
**
**   add v, remove v           one value
**   add_range v len           every value of [v, v+len)
**   keep_range v len how      only those (or nothing, if how is odd)
**   add_many v n step         n values from v by step: arrays, bitsets,
**                             and the 4096/4097 edge between them
**   add_lazy v n step how     the same through roaringAddLazy() in one of
**                             four orders (some with repeats), or in
**                             batches of 1 to 256 through roaringSortBatch()
**                             and roaringAddLazyMany(), then roaringSettle()
**   op x y eOp                the bitmap becomes x eOp y (roaringOp())
**   op_in_place x eOp         the bitmap eOp= x (roaringOpInPlace())
**   copy x                    the bitmap becomes a copy of x
**   reload how                the bitmap is read back from bytes: its
**                             canonical bytes, or CRoaring's with no run
**                             containers, or with CRoaring's own run
**                             optimization (which keeps runs that tie),
**                             or in the 64-bit format with every bucket,
**                             empty ones too: so containers of every kind
**                             meet in the operations
**
** A value is a byte that picks an anchor (0, 65536, 2^31, 2^32-65536,
** 2^32-1, 2^32, 2^48, the last bucket, 2^63-1, ...) or 8 bytes of its own,
** plus a signed 16-bit offset scaled by 1, 16, 256 or 4096.  A length
** reaches 2^21 values (32 containers).
**
** Oracle: CRoaring (Debian's libroaring-dev 0.2.66) holding each set as a
** map from the upper 32 bits of its values to a 32-bit CRoaring bitmap, as
** the 64-bit portable format stores it.  Every instruction is done on both
** sides.  Then, for A, B and C: the canonical bytes (CRoaring's, made
** canonical as fuzz_croaring.h says, framed in the 64-bit format where the
** values need it), count, min, max, contains, rank, select and seek at
** probe values, iteration, and reading the bytes back.  For the pairs
** (A,B), (B,A), (A,C), (C,B) and (A,A): and, or, xor and andnot, new and
** in place (the bytes of each result), their counts, intersects,
** is_subset and equal.  In SQL, on the BLOBs: bitmap_and/or/xor of two and
** of three bitmaps, bitmap_andnot, the four _count functions,
** bitmap_intersects, bitmap_is_subset, bitmap_jaccard (the same division
** of the oracle's counts), bitmap_count, bitmap_min, bitmap_max,
** bitmap_contains, bitmap_rank, bitmap_nth, bitmap_slice,
** bitmap_add_range, bitmap_add, bitmap_remove, bitmap_or_agg/and_agg/
** xor_agg over A, B, C, and bitmap_each between two bounds folded back
** with bitmap_agg().
**
** Seeds (test/fuzz/corpus/bitmap_ops/): programs with sparse values,
** ranges across containers and across 2^32, arrays and bitsets at the
** 4096/4097 edge, lazy adds with repeats, values at 2^48 and 2^63-1, and
** a large bitmap changed in place by a small one (the by-container path
** of roaringOpInPlace()).
*/
#include "frugal.h"
#include "roaring.h"
#define FUZZ_NAME "fuzz_bitmap_ops"
#include "fuzz_croaring.h"

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);

#define MAX_VALUE ROARING_MAX_VALUE
#define TWO_32    0x100000000ULL

#define FUZZ_MAX_STEPS  48        /* Instructions run from one input */
#define FUZZ_MAX_PROBES 48        /* Values of the program used as probes */
#define FUZZ_ITER_MAX   2000      /* Values compared by iteration */
#define FUZZ_MAX_MANY   9000      /* Most values of one add_many */
#define FUZZ_EACH_MAX   50000     /* Most rows asked of bitmap_each */
#define FUZZ_SQL_RANGE  (1 << 22) /* Longest range bitmap_add_range() adds */
#define N_SET           3         /* Bitmaps A, B, C */

/* Instructions. */
#define OP_ADD         0
#define OP_REMOVE      1
#define OP_ADD_RANGE   2
#define OP_KEEP_RANGE  3
#define OP_ADD_MANY    4
#define OP_ADD_LAZY    5
#define OP_OP          6
#define OP_OP_IN_PLACE 7
#define OP_COPY        8
#define OP_RELOAD      9
#define N_OP           10

/* How modelBytes() writes a set. */
#define BYTES_CANONICAL 0 /* Canonical */
#define BYTES_PLAIN     1 /* No run containers */
#define BYTES_OPTIMIZED 2 /* CRoaring's run optimization only */
#define BYTES_ALL64     3 /* Canonical buckets, all of them, 64-bit */

/************************************************************************
** The oracle: a set as CRoaring bitmaps, one per upper 32 bits.
*/
typedef struct Model Model;
struct Model {
  uint32_t *aKey;         /* Upper 32 bits, ascending */
  roaring_bitmap_t **aBm; /* The lower 32 bits of those values (or none) */
  int n, nAlloc;
};

/* Release what m holds; it is then the empty set. */
static void modelClear(Model *m) {
  int i;
  for( i = 0; i < m->n; i++ ) roaring_bitmap_free(m->aBm[i]);
  free(m->aKey);
  free(m->aBm);
  memset(m, 0, sizeof(*m));
}

/* Insert bucket iKey with bitmap bm at index i of m. */
static void modelInsert(Model *m, int i, uint32_t iKey, roaring_bitmap_t *bm) {
  if( bm == 0 ) abort();
  if( m->n == m->nAlloc ) {
    m->nAlloc = m->nAlloc * 2 + 4;
    m->aKey = realloc(m->aKey, (size_t)m->nAlloc * sizeof(uint32_t));
    m->aBm = realloc(m->aBm, (size_t)m->nAlloc * sizeof(roaring_bitmap_t *));
    if( m->aKey == 0 || m->aBm == 0 ) abort();
  }
  memmove(&m->aKey[i + 1], &m->aKey[i], (size_t)(m->n - i) * sizeof(uint32_t));
  memmove(&m->aBm[i + 1], &m->aBm[i],
          (size_t)(m->n - i) * sizeof(roaring_bitmap_t *));
  m->aKey[i] = iKey;
  m->aBm[i] = bm;
  m->n++;
}

/* The bitmap of bucket iKey; created if bCreate, else NULL if none. */
static roaring_bitmap_t *modelBucket(Model *m, uint32_t iKey, int bCreate) {
  int lo = 0, hi = m->n;
  while( lo < hi ) {
    int mid = (lo + hi) / 2;
    if( m->aKey[mid] < iKey ) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if( lo < m->n && m->aKey[lo] == iKey ) return m->aBm[lo];
  if( !bCreate ) return 0;
  modelInsert(m, lo, iKey, roaring_bitmap_create());
  return m->aBm[lo];
}

/* Add v; 1 if it was not there. */
static int modelAdd(Model *m, uint64_t v) {
  return roaring_bitmap_add_checked(modelBucket(m, (uint32_t)(v >> 32), 1),
                                    (uint32_t)v);
}

/* Remove v; 1 if it was there. */
static int modelRemove(Model *m, uint64_t v) {
  roaring_bitmap_t *bm = modelBucket(m, (uint32_t)(v >> 32), 0);
  return bm && roaring_bitmap_remove_checked(bm, (uint32_t)v);
}

/* The part of [lo, hi) in bucket k, as [*p0, *p1) of its lower bits. */
static void modelClip(uint64_t k, uint64_t lo, uint64_t hi, uint64_t *p0,
                      uint64_t *p1) {
  *p0 = k == lo >> 32 ? lo & 0xffffffff : 0;
  *p1 = k == (hi - 1) >> 32 ? ((hi - 1) & 0xffffffff) + 1 : TWO_32;
}

/* Add every value of [lo, hi). */
static void modelAddRange(Model *m, uint64_t lo, uint64_t hi) {
  uint64_t k, b0, b1;
  if( lo >= hi ) return;
  for( k = lo >> 32; k <= (hi - 1) >> 32; k++ ) {
    modelClip(k, lo, hi, &b0, &b1);
    roaring_bitmap_add_range(modelBucket(m, (uint32_t)k, 1), b0, b1);
  }
}

/* Keep only the values of [lo, hi). */
static void modelKeepRange(Model *m, uint64_t lo, uint64_t hi) {
  uint64_t b0, b1;
  int i;
  for( i = 0; i < m->n; i++ ) {
    uint64_t k = m->aKey[i];
    if( lo >= hi || k < lo >> 32 || k > (hi - 1) >> 32 ) {
      roaring_bitmap_clear(m->aBm[i]);
      continue;
    }
    modelClip(k, lo, hi, &b0, &b1);
    if( b0 > 0 ) roaring_bitmap_remove_range(m->aBm[i], 0, b0);
    if( b1 < TWO_32 ) roaring_bitmap_remove_range(m->aBm[i], b1, TWO_32);
  }
}

/* Make the empty *pOut a copy of m. */
static void modelCopy(Model *pOut, const Model *m) {
  int i;
  for( i = 0; i < m->n; i++ ) {
    modelInsert(pOut, i, m->aKey[i], roaring_bitmap_copy(m->aBm[i]));
  }
}

/* CRoaring's x eOp y. */
static roaring_bitmap_t *crOp(int eOp, const roaring_bitmap_t *x,
                              const roaring_bitmap_t *y) {
  switch( eOp ) {
    case ROARING_AND: return roaring_bitmap_and(x, y);
    case ROARING_OR: return roaring_bitmap_or(x, y);
    case ROARING_XOR: return roaring_bitmap_xor(x, y);
    default: return roaring_bitmap_andnot(x, y);
  }
}

/* Make the empty *pOut a eOp b, bucket by bucket. */
static void modelOp(int eOp, const Model *a, const Model *b, Model *pOut) {
  int i = 0, j = 0;
  while( i < a->n || j < b->n ) {
    if( j == b->n || (i < a->n && a->aKey[i] < b->aKey[j]) ) {
      if( eOp != ROARING_AND ) {
        modelInsert(pOut, pOut->n, a->aKey[i], roaring_bitmap_copy(a->aBm[i]));
      }
      i++;
    } else if( i == a->n || b->aKey[j] < a->aKey[i] ) {
      if( eOp == ROARING_OR || eOp == ROARING_XOR ) {
        modelInsert(pOut, pOut->n, b->aKey[j], roaring_bitmap_copy(b->aBm[j]));
      }
      j++;
    } else {
      modelInsert(pOut, pOut->n, a->aKey[i], crOp(eOp, a->aBm[i], b->aBm[j]));
      i++;
      j++;
    }
  }
}

/* The number of values. */
static uint64_t modelCount(const Model *m) {
  uint64_t n = 0;
  int i;
  for( i = 0; i < m->n; i++ ) n += roaring_bitmap_get_cardinality(m->aBm[i]);
  return n;
}

/* The iRank-th value (from 0): 1 and *pv, or 0 if there are fewer. */
static int modelSelect(const Model *m, uint64_t iRank, uint64_t *pv) {
  int i;
  for( i = 0; i < m->n; i++ ) {
    uint64_t n = roaring_bitmap_get_cardinality(m->aBm[i]);
    uint32_t x;
    if( iRank < n ) {
      if( !roaring_bitmap_select(m->aBm[i], (uint32_t)iRank, &x) ) {
        FAIL("CRoaring's select");
      }
      *pv = (uint64_t)m->aKey[i] << 32 | x;
      return 1;
    }
    iRank -= n;
  }
  return 0;
}

/* The number of values <= v. */
static uint64_t modelRank(const Model *m, uint64_t v) {
  uint64_t n = 0;
  int i;
  for( i = 0; i < m->n && m->aKey[i] <= v >> 32; i++ ) {
    if( m->aKey[i] < v >> 32 ) {
      n += roaring_bitmap_get_cardinality(m->aBm[i]);
    } else {
      n += roaring_bitmap_rank(m->aBm[i], (uint32_t)v);
    }
  }
  return n;
}

/* True if v is in the set. */
static int modelContains(Model *m, uint64_t v) {
  roaring_bitmap_t *bm = modelBucket(m, (uint32_t)(v >> 32), 0);
  return bm && roaring_bitmap_contains(bm, (uint32_t)v);
}

/* The first value >= v: 1 and *pv, or 0 if there is none. */
static int modelNext(const Model *m, uint64_t v, uint64_t *pv) {
  int i;
  for( i = 0; i < m->n; i++ ) {
    roaring_uint32_iterator_t it;
    if( m->aKey[i] < v >> 32 ) continue;
    roaring_init_iterator(m->aBm[i], &it);
    if( m->aKey[i] == v >> 32 ) {
      roaring_move_uint32_iterator_equalorlarger(&it, (uint32_t)v);
    }
    if( it.has_value ) {
      *pv = (uint64_t)m->aKey[i] << 32 | it.current_value;
      return 1;
    }
  }
  return 0;
}

/* The bytes of the set, written as eHow says (BYTES_*), into b. */
static void modelBytes(const Model *m, int eHow, Buf *b) {
  crFrame(m->aKey, m->aBm, m->n,
          eHow == BYTES_PLAIN       ? CR_PLAIN
          : eHow == BYTES_OPTIMIZED ? CR_OPTIMIZED
                                    : CR_CANONICAL,
          eHow == BYTES_ALL64, b);
}

/************************************************************************
** The program.
*/
typedef struct Prog Prog;
struct Prog {
  const uint8_t *a;                 /* The input */
  size_t n, i;                      /* Its length, and the next byte */
  uint64_t aProbe[FUZZ_MAX_PROBES]; /* Values of the program */
  int nProbe;
};

static uint32_t progByte(Prog *p) {
  return p->i < p->n ? p->a[p->i++] : 0;
}
static uint32_t progU16(Prog *p) {
  uint32_t v = progByte(p);
  return v | progByte(p) << 8;
}
static uint64_t progU64(Prog *p) {
  uint64_t v = 0;
  int i;
  for( i = 0; i < 8; i++ ) v |= (uint64_t)progByte(p) << (8 * i);
  return v;
}

/* A value (see the header comment); it becomes a probe too. */
static uint64_t progValue(Prog *p) {
  static const uint64_t aAnchor[15] = {
    0,
    65536,
    5 * 65536,
    0x80000000ULL,
    TWO_32 - 65536,
    TWO_32 - 1,
    TWO_32,
    TWO_32 + 7 * 65536,
    5 * TWO_32,
    1ULL << 48,
    (1ULL << 48) - 1,
    MAX_VALUE & ~0xffffffffULL, /* The last bucket */
    MAX_VALUE,
    0x12345ULL << 16,
    100,
  };
  uint32_t b = progByte(p);
  uint64_t v;
  if( (b & 15) == 15 ) {
    v = progU64(p) & MAX_VALUE;
  } else {
    int64_t d = (int16_t)progU16(p) * ((int64_t)1 << (4 * (b >> 4 & 3)));
    v = aAnchor[b & 15];
    if( d < 0 && (uint64_t)-d > v ) {
      v = 0;
    } else {
      v += (uint64_t)d;
    }
    if( v > MAX_VALUE ) v = MAX_VALUE;
  }
  if( p->nProbe < FUZZ_MAX_PROBES ) p->aProbe[p->nProbe++] = v;
  return v;
}

/* The end of a range of a length read from p from lo, up to 2^63. */
static uint64_t progRangeEnd(Prog *p, uint64_t lo) {
  static const int aShift[8] = { 0, 3, 6, 9, 12, 14, 16, 16 };
  uint32_t b = progByte(p);
  uint64_t n = (uint64_t)((b & 31) + 1) << aShift[b >> 5];
  return n > MAX_VALUE + 1 - lo ? MAX_VALUE + 1 : lo + n;
}

/************************************************************************
** Running the program on both sides.
*/

/* What roaringAddLazy() reported as repeats. */
typedef struct Repeats Repeats;
struct Repeats {
  uint64_t n, iSum;
};
static int onRepeat(void *pArg, uint64_t v) {
  Repeats *p = (Repeats *)pArg;
  p->n++;
  p->iSum += v;
  return ROARING_OK;
}

/* The i-th of n values of an add_lazy in order eHow. */
static uint64_t lazyIndex(int eHow, uint64_t i, uint64_t n) {
  switch( eHow ) {
    case 0: return i;
    case 1: return n - 1 - i;
    case 2: return i * 7919 % n;
    default: return i * 3 % (n / 2 + 1); /* Repeats */
  }
}

/* Run one instruction on aSet[] and aModel[]. */
static void runStep(Prog *p, Roaring *aSet, Model *aModel) {
  uint32_t b = progByte(p);
  int t = (int)(b & 3) % N_SET, eOp = (int)(b >> 2) % N_OP;
  Roaring *r = &aSet[t], tmp;
  Model *m = &aModel[t], mTmp;
  uint64_t v, w, hi, n, i, step;
  int bOur, x, y, eHow;
  memset(&tmp, 0, sizeof(tmp));
  memset(&mTmp, 0, sizeof(mTmp));
  switch( eOp ) {
    case OP_ADD:
    case OP_REMOVE:
      v = progValue(p);
      if( eOp == OP_ADD ) {
        CHECK(roaringAdd(r, v, &bOur) == ROARING_OK, "add");
        CHECK(bOur == modelAdd(m, v), "add: changed");
      } else {
        CHECK(roaringRemove(r, v, &bOur) == ROARING_OK, "remove");
        CHECK(bOur == modelRemove(m, v), "remove: changed");
      }
      break;
    case OP_ADD_RANGE:
      v = progValue(p);
      hi = progRangeEnd(p, v);
      CHECK(roaringAddRange(r, v, hi) == ROARING_OK, "add_range");
      modelAddRange(m, v, hi);
      break;
    case OP_KEEP_RANGE:
      v = progValue(p);
      hi = progRangeEnd(p, v);
      if( progByte(p) & 1 ) hi = v;
      CHECK(roaringKeepRange(r, v, hi) == ROARING_OK, "keep_range");
      modelKeepRange(m, v, hi);
      break;
    case OP_ADD_MANY:
    case OP_ADD_LAZY: {
      Repeats got = { 0, 0 }, want = { 0, 0 };
      uint64_t aBatch[256], aTmp[256];
      int nBatch = 0, nBatchMax;
      v = progValue(p);
      n = progU16(p) % FUZZ_MAX_MANY + 1;
      step = progByte(p) % 16 + 1;
      eHow = (int)progByte(p) % 8;
      nBatchMax = eHow >= 4 ? (int)progByte(p) + 1 : 1; /* 1: no batches */
      eHow &= 3;
      if( (MAX_VALUE - v) / step < n - 1 ) n = (MAX_VALUE - v) / step + 1;
      for( i = 0; i < n; i++ ) {
        w = v + step * (eOp == OP_ADD_LAZY ? lazyIndex(eHow, i, n) : i);
        if( modelAdd(m, w) == 0 ) {
          want.n++;
          want.iSum += w;
        }
        if( eOp == OP_ADD_LAZY && nBatchMax > 1 ) {
          aBatch[nBatch++] = w;
          if( nBatch == nBatchMax || i == n - 1 ) {
            roaringSortBatch(aBatch, nBatch, aTmp);
            CHECK(roaringAddLazyMany(r, aBatch, nBatch, onRepeat, &got)
                      == ROARING_OK,
                  "lazy batch");
            nBatch = 0;
          }
        } else if( eOp == OP_ADD_LAZY ) {
          CHECK(roaringAddLazy(r, w, onRepeat, &got) == ROARING_OK, "lazy");
        } else {
          CHECK(roaringAdd(r, w, &bOur) == ROARING_OK, "add");
          got.n += !bOur;
          got.iSum += bOur ? 0 : w;
        }
      }
      CHECK(roaringSettle(r, onRepeat, &got) == ROARING_OK, "settle");
      CHECK(got.n == want.n && got.iSum == want.iSum, "repeats");
      break;
    }
    case OP_OP:
      x = (int)progByte(p) % N_SET;
      y = (int)progByte(p) % N_SET;
      eHow = (int)progByte(p) & 3;
      CHECK(roaringOp(eHow, &aSet[x], &aSet[y], &tmp) == ROARING_OK, "op");
      modelOp(eHow, &aModel[x], &aModel[y], &mTmp);
      roaringReset(r);
      *r = tmp;
      modelClear(m);
      *m = mTmp;
      break;
    case OP_OP_IN_PLACE:
      x = (t + 1 + (int)progByte(p) % 2) % N_SET;
      eHow = (int)progByte(p) & 3;
      CHECK(roaringOpInPlace(eHow, r, &aSet[x]) == ROARING_OK, "op in place");
      modelOp(eHow, m, &aModel[x], &mTmp);
      modelClear(m);
      *m = mTmp;
      break;
    case OP_COPY:
      x = (t + 1 + (int)progByte(p) % 2) % N_SET;
      roaringReset(r);
      CHECK(roaringCopy(r, &aSet[x]) == ROARING_OK, "copy");
      modelClear(m);
      modelCopy(m, &aModel[x]);
      break;
    default: { /* OP_RELOAD */
      Buf bytes;
      unsigned char *a;
      size_t nA;
      memset(&bytes, 0, sizeof(bytes));
      eHow = (int)progByte(p) % 4;
      if( eHow == BYTES_CANONICAL ) {
        CHECK(roaringSerialize(r, &a, &nA, (size_t)-1) == ROARING_OK,
              "serialize");
        bufAppend(&bytes, a, nA);
        sqlite3_free(a);
      } else {
        modelBytes(m, eHow, &bytes);
      }
      roaringReset(r);
      CHECK(roaringDeserialize(r, bytes.a, bytes.n, 0) == ROARING_OK,
            "reading CRoaring's bytes");
      free(bytes.a);
      break;
    }
  }
}

/************************************************************************
** Checks.
*/

/* Check that r serializes to the canonical bytes of m; keep them in *pOut. */
static void checkBytes(const Roaring *r, const Model *m, Buf *pOut,
                       const char *zWhat) {
  Buf want;
  unsigned char *a;
  size_t n;
  memset(&want, 0, sizeof(want));
  modelBytes(m, BYTES_CANONICAL, &want);
  CHECK(roaringSerialize(r, &a, &n, (size_t)-1) == ROARING_OK, zWhat);
  if( n != want.n || memcmp(a, want.a, n) != 0 ) FAIL(zWhat);
  CHECK(roaringSerializedSize(r) == n, zWhat);
  if( pOut ) bufAppend(pOut, a, n);
  sqlite3_free(a);
  free(want.a);
}

/* Check the queries of r at value v against m. */
static void checkValue(const Roaring *r, Model *m, uint64_t v) {
  uint64_t nRank = modelRank(m, v), x, y;
  RoaringIter it;
  int b;
  CHECK(roaringContains(r, v) == modelContains(m, v), "contains");
  CHECK(roaringRank(r, v) == nRank, "rank");
  if( nRank > 0 ) {
    CHECK(roaringSelect(r, nRank - 1, &x) && modelSelect(m, nRank - 1, &y)
              && x == y,
          "select");
  }
  b = modelSelect(m, nRank, &y);
  CHECK(roaringSelect(r, nRank, &x) == b && (!b || x == y), "select");
  roaringIterSeek(&it, r, v);
  b = modelNext(m, v, &y);
  CHECK(it.bEof == !b && (!b || roaringIterValue(&it) == y), "seek");
}

/* Check the set r against m everywhere the probes of p point. */
static void checkSet(const Roaring *r, Model *m, const Prog *p, Buf *pBytes) {
  static const uint64_t aFixed[] = { 0,          65535,  65536,
                                     TWO_32 - 1, TWO_32, MAX_VALUE };
  uint64_t v, w, nSeen = 0;
  RoaringIter it;
  Roaring back;
  int i;
  checkBytes(r, m, pBytes, "canonical bytes");
  CHECK(roaringCount(r) == modelCount(m), "count");
  if( modelSelect(m, 0, &w) ) {
    CHECK(roaringMin(r, &v) && v == w, "min");
    CHECK(modelSelect(m, modelCount(m) - 1, &w) && roaringMax(r, &v) && v == w,
          "max");
  } else {
    CHECK(!roaringMin(r, &v) && !roaringMax(r, &v), "min/max of nothing");
  }
  for( i = 0; i < p->nProbe; i++ ) {
    checkValue(r, m, p->aProbe[i]);
    if( p->aProbe[i] > 0 ) checkValue(r, m, p->aProbe[i] - 1);
  }
  for( i = 0; i < (int)(sizeof(aFixed) / sizeof(aFixed[0])); i++ ) {
    checkValue(r, m, aFixed[i]);
  }
  for( i = 0; i < m->n && i < 8; i++ ) {
    roaring_bitmap_t *bm = m->aBm[i];
    if( roaring_bitmap_is_empty(bm) ) continue;
    v = (uint64_t)m->aKey[i] << 32;
    checkValue(r, m, v | roaring_bitmap_minimum(bm));
    checkValue(r, m, v | roaring_bitmap_maximum(bm));
    if( (v | roaring_bitmap_maximum(bm)) < MAX_VALUE ) {
      checkValue(r, m, (v | roaring_bitmap_maximum(bm)) + 1);
    }
  }
  /* Iteration from the smallest value. */
  roaringIterSeek(&it, r, 0);
  for( i = 0; i < m->n && nSeen < FUZZ_ITER_MAX; i++ ) {
    roaring_uint32_iterator_t ci;
    roaring_init_iterator(m->aBm[i], &ci);
    while( ci.has_value && nSeen < FUZZ_ITER_MAX ) {
      v = (uint64_t)m->aKey[i] << 32 | ci.current_value;
      CHECK(!it.bEof && roaringIterValue(&it) == v, "iteration");
      roaringIterNext(&it);
      roaring_advance_uint32_iterator(&ci);
      nSeen++;
    }
  }
  if( nSeen < FUZZ_ITER_MAX ) CHECK(it.bEof, "iteration past the end");
  /* The bytes read back. */
  memset(&back, 0, sizeof(back));
  CHECK(roaringDeserialize(&back, pBytes->a, pBytes->n, 0) == ROARING_OK
            && roaringEqual(&back, r),
        "read back");
  roaringReset(&back);
}

/* True if every value of a is in b, bucket by bucket. */
static int modelIsSubset(Model *a, Model *b) {
  int i;
  for( i = 0; i < a->n; i++ ) {
    roaring_bitmap_t *bm = modelBucket(b, a->aKey[i], 0);
    if( roaring_bitmap_is_empty(a->aBm[i]) ) continue;
    if( bm == 0 || !roaring_bitmap_is_subset(a->aBm[i], bm) ) return 0;
  }
  return 1;
}

/* True if a and b share a value. */
static int modelIntersects(Model *a, Model *b) {
  int i;
  for( i = 0; i < a->n; i++ ) {
    roaring_bitmap_t *bm = modelBucket(b, a->aKey[i], 0);
    if( bm && roaring_bitmap_intersect(a->aBm[i], bm) ) return 1;
  }
  return 0;
}

/* Check every binary operation of a and b against ma and mb. */
static void checkPair(const Roaring *a, const Roaring *b, Model *ma,
                      Model *mb) {
  int eOp, bSub;
  for( eOp = ROARING_AND; eOp <= ROARING_ANDNOT; eOp++ ) {
    Roaring r, x;
    Model m;
    memset(&r, 0, sizeof(r));
    memset(&x, 0, sizeof(x));
    memset(&m, 0, sizeof(m));
    modelOp(eOp, ma, mb, &m);
    CHECK(roaringOp(eOp, a, b, &r) == ROARING_OK, "op");
    checkBytes(&r, &m, 0, "op: bytes");
    CHECK(roaringOpCount(eOp, a, b) == modelCount(&m), "op: count");
    if( a != b ) {
      CHECK(roaringCopy(&x, a) == ROARING_OK, "copy");
      CHECK(roaringOpInPlace(eOp, &x, b) == ROARING_OK, "op in place");
      checkBytes(&x, &m, 0, "op in place: bytes");
    }
    roaringReset(&r);
    roaringReset(&x);
    modelClear(&m);
  }
  bSub = modelIsSubset(ma, mb);
  CHECK(roaringIntersects(a, b) == modelIntersects(ma, mb), "intersects");
  CHECK(roaringIsSubset(a, b) == bSub, "is_subset");
  CHECK(roaringEqual(a, b) == (bSub && modelIsSubset(mb, ma)), "equal");
}

/************************************************************************
** The SQL functions.
*/

/* The statements, prepared once. */
static sqlite3 *db;
static sqlite3_stmt *pScalar, *pFold, *pEach;

/*
** SQL of pScalar: ?1..?3 are A, B, C; ?4 a value, ?5 an n, [?6, ?7) a
** range to slice by and [?6, ?8) one to add (at most FUZZ_SQL_RANGE).
*/
static const char zScalar[] =
    "SELECT bitmap_and(?1,?2), bitmap_or(?1,?2), bitmap_xor(?1,?2),"
    " bitmap_andnot(?1,?2), bitmap_and(?1,?2,?3), bitmap_or(?1,?2,?3),"
    " bitmap_xor(?1,?2,?3),"
    " bitmap_and_count(?1,?2), bitmap_or_count(?1,?2),"
    " bitmap_xor_count(?1,?2), bitmap_andnot_count(?1,?2),"
    " bitmap_intersects(?1,?2), bitmap_is_subset(?1,?2),"
    " bitmap_jaccard(?1,?2), bitmap_count(?1), bitmap_min(?1), bitmap_max(?1),"
    " bitmap_contains(?1,?4), bitmap_rank(?1,?4), bitmap_nth(?1,?5),"
    " bitmap_slice(?1,?6,?7), bitmap_add_range(?1,?6,?8), bitmap_add(?1,?4),"
    " bitmap_remove(?1,?4)";

/* Open the connection and prepare the statements. */
static void sqlOpen(void) {
  char *zErr = 0;
  if( sqlite3_open(":memory:", &db) != SQLITE_OK
      || sqlite3_frugal_init(db, &zErr, 0) != SQLITE_OK
      || sqlite3_prepare_v2(db, zScalar, -1, &pScalar, 0) != SQLITE_OK
      || sqlite3_prepare_v2(db,
                            "SELECT bitmap_or_agg(column1),"
                            " bitmap_and_agg(column1), bitmap_xor_agg(column1)"
                            " FROM (VALUES (?1), (?2), (?3))",
                            -1, &pFold, 0)
             != SQLITE_OK
      || sqlite3_prepare_v2(db,
                            "SELECT count(*), min(value), max(value),"
                            " bitmap_agg(value) FROM bitmap_each(?1)"
                            " WHERE value >= ?2 AND value < ?3",
                            -1, &pEach, 0)
             != SQLITE_OK ) {
    fprintf(stderr, "fuzz_bitmap_ops: %s\n", sqlite3_errmsg(db));
    abort();
  }
}

/* Check that column i of pStmt is the BLOB of the set m. */
static void checkColumnSet(sqlite3_stmt *pStmt, int i, const Model *m,
                           const char *zWhat) {
  Buf want;
  memset(&want, 0, sizeof(want));
  modelBytes(m, BYTES_CANONICAL, &want);
  CHECK(sqlite3_column_type(pStmt, i) == SQLITE_BLOB
            && (size_t)sqlite3_column_bytes(pStmt, i) == want.n
            && memcmp(sqlite3_column_blob(pStmt, i), want.a, want.n) == 0,
        zWhat);
  free(want.a);
}

/* Check that column i of pStmt is the integer v, or NULL if !bHave. */
static void checkColumnInt(sqlite3_stmt *pStmt, int i, int bHave, uint64_t v,
                           const char *zWhat) {
  if( !bHave ) {
    CHECK(sqlite3_column_type(pStmt, i) == SQLITE_NULL, zWhat);
  } else {
    CHECK(sqlite3_column_type(pStmt, i) == SQLITE_INTEGER
              && sqlite3_column_int64(pStmt, i) == (sqlite3_int64)v,
          zWhat);
  }
}

/* Step pStmt to its one row. */
static void sqlStep(sqlite3_stmt *pStmt) {
  if( sqlite3_step(pStmt) != SQLITE_ROW ) {
    fprintf(stderr, "fuzz_bitmap_ops: %s\n", sqlite3_errmsg(db));
    FAIL("SQL");
  }
}

/*
** Check the SQL functions on the BLOBs of A, B and C (aBytes), with the
** probe value v, the position n and the range [lo, hi).
*/
static void checkSql(const Buf *aBytes, Model *aModel, uint64_t v,
                     sqlite3_int64 n, uint64_t lo, uint64_t hi) {
  static const char *azOp[] = { "bitmap_and", "bitmap_or", "bitmap_xor",
                                "bitmap_andnot" };
  Model *ma = &aModel[0], *mb = &aModel[1];
  Model m, m3;
  uint64_t nAnd = 0, nOr = 0, w = 0, hiSlice = hi;
  int i, eOp, b;
  if( db == 0 ) sqlOpen();
  for( i = 0; i < N_SET; i++ ) {
    sqlite3_bind_blob(pScalar, i + 1, aBytes[i].a, (int)aBytes[i].n,
                      SQLITE_STATIC);
    sqlite3_bind_blob(pFold, i + 1, aBytes[i].a, (int)aBytes[i].n,
                      SQLITE_STATIC);
  }
  sqlite3_bind_int64(pScalar, 4, (sqlite3_int64)v);
  sqlite3_bind_int64(pScalar, 5, n);
  sqlite3_bind_int64(pScalar, 6, (sqlite3_int64)lo);
  sqlite3_bind_int64(pScalar, 7, (sqlite3_int64)hi);
  if( hi > lo && hi - lo > FUZZ_SQL_RANGE ) hi = lo + FUZZ_SQL_RANGE;
  sqlite3_bind_int64(pScalar, 8, (sqlite3_int64)hi);
  sqlStep(pScalar);
  sqlStep(pFold);
  for( eOp = ROARING_AND; eOp <= ROARING_ANDNOT; eOp++ ) {
    memset(&m, 0, sizeof(m));
    memset(&m3, 0, sizeof(m3));
    modelOp(eOp, ma, mb, &m);
    checkColumnSet(pScalar, eOp, &m, azOp[eOp]);
    checkColumnInt(pScalar, 7 + eOp, 1, modelCount(&m), "_count");
    if( eOp == ROARING_AND ) nAnd = modelCount(&m);
    if( eOp == ROARING_OR ) nOr = modelCount(&m);
    if( eOp != ROARING_ANDNOT ) {
      modelOp(eOp, &m, &aModel[2], &m3);
      checkColumnSet(pScalar, 4 + eOp, &m3, "three bitmaps");
      checkColumnSet(pFold,
                     eOp == ROARING_AND  ? 1
                     : eOp == ROARING_OR ? 0
                                         : 2,
                     &m3, "aggregate");
    }
    modelClear(&m);
    modelClear(&m3);
  }
  checkColumnInt(pScalar, 11, 1, (uint64_t)modelIntersects(ma, mb),
                 "bitmap_intersects");
  checkColumnInt(pScalar, 12, 1, (uint64_t)modelIsSubset(ma, mb),
                 "bitmap_is_subset");
  if( nOr == 0 ) {
    CHECK(sqlite3_column_type(pScalar, 13) == SQLITE_NULL, "bitmap_jaccard");
  } else {
    CHECK(sqlite3_column_type(pScalar, 13) == SQLITE_FLOAT
              && sqlite3_column_double(pScalar, 13)
                     == (double)nAnd / (double)nOr,
          "bitmap_jaccard");
  }
  checkColumnInt(pScalar, 14, 1, modelCount(ma), "bitmap_count");
  b = modelSelect(ma, 0, &w);
  checkColumnInt(pScalar, 15, b, w, "bitmap_min");
  b = b && modelSelect(ma, modelCount(ma) - 1, &w);
  checkColumnInt(pScalar, 16, b, w, "bitmap_max");
  checkColumnInt(pScalar, 17, 1, (uint64_t)modelContains(ma, v),
                 "bitmap_contains");
  checkColumnInt(pScalar, 18, 1, modelRank(ma, v), "bitmap_rank");
  b = n >= 1 && modelSelect(ma, (uint64_t)n - 1, &w);
  checkColumnInt(pScalar, 19, b, w, "bitmap_nth");
  memset(&m, 0, sizeof(m));
  modelCopy(&m, ma);
  modelKeepRange(&m, lo, hiSlice);
  checkColumnSet(pScalar, 20, &m, "bitmap_slice");
  /* bitmap_each over the same range, folded back with bitmap_agg(). */
  if( modelCount(&m) <= FUZZ_EACH_MAX ) {
    sqlite3_bind_blob(pEach, 1, aBytes[0].a, (int)aBytes[0].n, SQLITE_STATIC);
    sqlite3_bind_int64(pEach, 2, (sqlite3_int64)lo);
    sqlite3_bind_int64(pEach, 3, (sqlite3_int64)hiSlice);
    sqlStep(pEach);
    checkColumnInt(pEach, 0, 1, modelCount(&m), "bitmap_each: count");
    b = modelSelect(&m, 0, &w);
    checkColumnInt(pEach, 1, b, w, "bitmap_each: min");
    b = b && modelSelect(&m, modelCount(&m) - 1, &w);
    checkColumnInt(pEach, 2, b, w, "bitmap_each: max");
    checkColumnSet(pEach, 3, &m, "bitmap_agg of bitmap_each");
    sqlite3_reset(pEach);
  }
  modelClear(&m);
  modelCopy(&m, ma);
  modelAddRange(&m, lo, hi);
  checkColumnSet(pScalar, 21, &m, "bitmap_add_range");
  modelClear(&m);
  modelCopy(&m, ma);
  modelAdd(&m, v);
  checkColumnSet(pScalar, 22, &m, "bitmap_add");
  modelClear(&m);
  modelCopy(&m, ma);
  modelRemove(&m, v);
  checkColumnSet(pScalar, 23, &m, "bitmap_remove");
  modelClear(&m);
  sqlite3_reset(pScalar);
  sqlite3_reset(pFold);
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  Roaring aSet[N_SET];
  Model aModel[N_SET];
  Buf aBytes[N_SET];
  Prog prog;
  uint64_t v, lo, hi;
  sqlite3_int64 n;
  int i, nStep;

  memset(aSet, 0, sizeof(aSet));
  memset(aModel, 0, sizeof(aModel));
  memset(aBytes, 0, sizeof(aBytes));
  memset(&prog, 0, sizeof(prog));
  prog.a = aData;
  prog.n = nData;
  for( nStep = 0; prog.i < prog.n && nStep < FUZZ_MAX_STEPS; nStep++ ) {
    runStep(&prog, aSet, aModel);
  }

  for( i = 0; i < N_SET; i++ )
    checkSet(&aSet[i], &aModel[i], &prog, &aBytes[i]);
  checkPair(&aSet[0], &aSet[1], &aModel[0], &aModel[1]);
  checkPair(&aSet[1], &aSet[0], &aModel[1], &aModel[0]);
  checkPair(&aSet[0], &aSet[2], &aModel[0], &aModel[2]);
  checkPair(&aSet[2], &aSet[1], &aModel[2], &aModel[1]);
  checkPair(&aSet[0], &aSet[0], &aModel[0], &aModel[0]);

  /* SQL: a probe, a position near its rank, a range between two probes. */
  v = prog.nProbe ? prog.aProbe[nData % prog.nProbe] : 0;
  n = (sqlite3_int64)modelRank(&aModel[0], v) + (sqlite3_int64)(nData % 3) - 1;
  lo = prog.nProbe > 1 ? prog.aProbe[1] : 0;
  hi = prog.nProbe > 2 ? prog.aProbe[2] : MAX_VALUE;
  if( lo > hi && nData % 2 ) {
    uint64_t t = lo;
    lo = hi;
    hi = t;
  }
  checkSql(aBytes, aModel, v, n, lo, hi);

  for( i = 0; i < N_SET; i++ ) {
    roaringReset(&aSet[i]);
    modelClear(&aModel[i]);
    free(aBytes[i].a);
  }
  return 0;
}
