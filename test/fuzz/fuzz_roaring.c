/*
** fuzz_roaring.c - libFuzzer target for the Roaring deserializer
** (roaringDeserialize() in ext/roaring.c, roaringScan() beside it, and
** bitmap_info() over it).
**
** Input: any bytes.  They are read as a bitmap BLOB as they are, and also
** as a recipe for a valid blob that is rarely canonical (see genBlob()),
** since most byte strings are not bitmaps at all.  Both go through the
** same checks; the recipe's blob must be accepted.
**
** Oracles, none of which shares code with the engine:
**
**   - A reference reader written here from the format specification
**     (github.com/RoaringBitmap/RoaringFormatSpec) and the validation rules
**     of doc/bitmap.md ("Reading"): the engine must accept exactly the
**     inputs it accepts, with the same format, and reject the others with
**     ROARING_CORRUPT, leaving the set empty.  It keeps each container as
**     its runs of values, so that a set of 2^32 values costs no more than
**     the bytes that describe it.
**   - A reference writer here: the canonical bytes of that set, as
**     doc/bitmap.md defines them (a container is a run container exactly
**     when that is strictly smaller than the array or bitset it would
**     otherwise be).  roaringSerialize() must write exactly these bytes.
**   - CRoaring (Debian's libroaring-dev 0.2.66): each 32-bit bitmap the
**     engine accepts (each bucket of a 64-bit one) must be accepted by
**     roaring_bitmap_portable_deserialize_safe(), which must take exactly
**     its bytes (roaring_bitmap_portable_deserialize_size()); made
**     canonical (fuzz_croaring.h), its bytes, framed in the 64-bit format
**     where the values need it, must again be the engine's bytes.  CRoaring
**     checks lengths only, so it also accepts blobs the specification
**     forbids (keys or arrays out of order, runs that overlap or pass
**     65535, counts that do not match, wrong offsets, bytes after the
**     end); the reference reader rejects those, and so must the engine.
**   - The canonical bytes read back: the same set (roaringEqual, count,
**     min, max, contains, rank, select and seek at the edges of sampled
**     runs and at values from the input, iteration against the
**     reference), and they serialize to themselves.
**   - bitmap_info() in SQL: its JSON from the reference (count, format,
**     buckets, containers by kind as stored, canonical or not), or the
**     error "bitmap_info: not a valid roaring bitmap".
**
** With FUZZ_ROARING_STATS set in the environment, the target prints at
** exit how many blobs it read, accepted in each format, and rejected, and
** for which reasons CRoaring accepted a blob the engine rejected.
**
** Seeds (test/fuzz/corpus/roaring/): the specification's bitmap64.bin and
** portable_bitmap64.bin, canonical blobs of each container kind and of
** the edges of the value range, valid blobs that are not canonical, one
** blob for each rule of the reader (bad-*, named after what it breaks),
** and the inputs that found faults in the oracle (croaring-*).
*/
#include "frugal.h"
#include "roaring.h"
#define FUZZ_NAME "fuzz_roaring"
#include "fuzz_croaring.h"

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);

/* Inputs longer than this are skipped (the reference is not made fast). */
#define FUZZ_MAX_INPUT (1 << 17)

/* Runs of the reference set sampled for contains/rank/select/seek. */
#define FUZZ_SAMPLES 64

/* Values compared by iteration, from the smallest. */
#define FUZZ_ITER_MAX 20000

/* Probes made from the input's first bytes (8 bytes each). */
#define FUZZ_INPUT_PROBES 16

/*
** The oracle's loops are not instrumented for coverage: they would only
** slow the target down, and what guides the fuzzer is the engine's code.
*/
#define FUZZ_ORACLE __attribute__((no_sanitize("coverage")))

/* Container kinds, as the reference reader names them. */
#define KIND_ARRAY  0
#define KIND_BITSET 1
#define KIND_RUN    2

/************************************************************************
** Little-endian bytes.
*/
static uint32_t get16(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}
static uint32_t get32(const uint8_t *p) {
  return get16(p) | get16(p + 2) << 16;
}
static uint64_t get64(const uint8_t *p) {
  return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/************************************************************************
** The reference reader.
**
** The set is kept as its containers, each a list of disjoint runs of
** values that do not touch (runs that touch in the input are merged), so
** that the rank of any value is found with two binary searches.
*/
typedef struct RefRun RefRun;
struct RefRun {
  uint32_t s, e;    /* Low parts s..e, inclusive */
  uint64_t nBefore; /* Values of the container before this run */
};

typedef struct RefCont RefCont;
struct RefCont {
  uint64_t iKey;    /* The upper 48 bits */
  uint64_t nBefore; /* Values of the set before this container */
  int nCard;        /* Values */
  int iRun, nRun;   /* Its runs: aRun[iRun..iRun+nRun) */
  int eKind;        /* KIND_* as the input stores it */
};

typedef struct RefBucket RefBucket;
struct RefBucket {
  uint32_t iKey;  /* The upper 32 bits */
  size_t iOff, n; /* Its 32-bit bitmap: input bytes iOff..iOff+n */
};

typedef struct Ref Ref;
struct Ref {
  RefCont *aCont;
  int nCont, nContAlloc;
  RefRun *aRun;
  int nRun, nRunAlloc;
  RefBucket *aBucket;
  int nBucket, nBucketAlloc;
  int eFormat;      /* ROARING_FORMAT_32 or _64 */
  const char *zWhy; /* Why the input was rejected */
};

/* Forget what the reader read. */
static void refClear(Ref *p) {
  p->nCont = p->nRun = p->nBucket = 0;
  p->zWhy = 0;
}

/* Reject: remember why, return 0. */
static int refFail(Ref *p, const char *zWhy) {
  p->zWhy = zWhy;
  return 0;
}

/* Start a container. */
static void refContBegin(Ref *p, uint64_t iKey, int nCard, int eKind) {
  RefCont *c;
  if( p->nCont == p->nContAlloc ) {
    p->nContAlloc = p->nContAlloc * 2 + 16;
    p->aCont = realloc(p->aCont, (size_t)p->nContAlloc * sizeof(RefCont));
    if( p->aCont == 0 ) abort();
  }
  c = &p->aCont[p->nCont++];
  memset(c, 0, sizeof(*c));
  c->iKey = iKey;
  c->nCard = nCard;
  c->eKind = eKind;
  c->iRun = p->nRun;
}

/* Add the values s..e to the last container, after all it holds. */
FUZZ_ORACLE static void refAddRun(Ref *p, uint32_t s, uint32_t e) {
  RefCont *c = &p->aCont[p->nCont - 1];
  if( c->nRun > 0 && p->aRun[p->nRun - 1].e + 1 == s ) {
    p->aRun[p->nRun - 1].e = e;
    return;
  }
  if( p->nRun == p->nRunAlloc ) {
    p->nRunAlloc = p->nRunAlloc * 2 + 64;
    p->aRun = realloc(p->aRun, (size_t)p->nRunAlloc * sizeof(RefRun));
    if( p->aRun == 0 ) abort();
  }
  p->aRun[p->nRun].s = s;
  p->aRun[p->nRun].e = e;
  p->nRun++;
  c->nRun++;
}

/*
** Read the 32-bit portable bitmap in the n bytes at a, whose values get
** the upper 32 bits iBucket; *pnUsed is set to the bytes it takes.  1 if
** it is valid, else 0 (and p->zWhy says why).
*/
FUZZ_ORACLE static int refRead32(Ref *p, const uint8_t *a, size_t n,
                                 uint64_t iBucket, size_t *pnUsed) {
  const uint8_t *aRunFlag = 0, *aHeader, *aOffset = 0;
  size_t nCont, iPos, i;
  uint32_t iCookie;
  int64_t iPrevKey = -1;
  int bRun = 0;
  if( n < 4 ) return refFail(p, "no cookie");
  iCookie = get32(a);
  if( (iCookie & 0xffff) == 12347 ) {
    bRun = 1;
    nCont = (iCookie >> 16) + 1;
    iPos = 4;
    if( n - iPos < (nCont + 7) / 8 ) return refFail(p, "run flags cut");
    aRunFlag = a + iPos;
    iPos += (nCont + 7) / 8;
  } else if( iCookie == 12346 ) {
    if( n < 8 ) return refFail(p, "container count cut");
    nCont = get32(a + 4);
    if( nCont > 65536 ) return refFail(p, "more than 65536 containers");
    iPos = 8;
  } else {
    return refFail(p, "not a cookie");
  }
  if( (n - iPos) / 4 < nCont ) return refFail(p, "header cut");
  aHeader = a + iPos;
  iPos += 4 * nCont;
  if( !bRun || nCont >= 4 ) {
    if( (n - iPos) / 4 < nCont ) return refFail(p, "offsets cut");
    aOffset = a + iPos;
    iPos += 4 * nCont;
  }
  for( i = 0; i < nCont; i++ ) {
    uint32_t iKey = get16(aHeader + 4 * i);
    int nCard = (int)get16(aHeader + 4 * i + 2) + 1;
    int eKind = nCard > 4096 ? KIND_BITSET : KIND_ARRAY;
    size_t j;
    if( bRun && (aRunFlag[i / 8] >> (i % 8)) & 1 ) eKind = KIND_RUN;
    if( (int64_t)iKey <= iPrevKey ) return refFail(p, "keys out of order");
    iPrevKey = iKey;
    if( aOffset && get32(aOffset + 4 * i) != iPos ) {
      return refFail(p, "wrong offset");
    }
    refContBegin(p, iBucket << 16 | iKey, nCard, eKind);
    if( eKind == KIND_ARRAY ) {
      if( (n - iPos) / 2 < (size_t)nCard ) return refFail(p, "array cut");
      for( j = 0; j < (size_t)nCard; j++ ) {
        uint32_t v = get16(a + iPos + 2 * j);
        if( j > 0 && v <= get16(a + iPos + 2 * j - 2) ) {
          return refFail(p, "array out of order");
        }
        refAddRun(p, v, v);
      }
      iPos += 2 * (size_t)nCard;
    } else if( eKind == KIND_BITSET ) {
      int nSet = 0;
      if( n - iPos < 8192 ) return refFail(p, "bitset cut");
      for( j = 0; j < 65536; j++ ) {
        if( (a[iPos + j / 8] >> (j % 8)) & 1 ) {
          refAddRun(p, (uint32_t)j, (uint32_t)j);
          nSet++;
        }
      }
      if( nSet != nCard ) return refFail(p, "bitset count wrong");
      iPos += 8192;
    } else {
      size_t nRun;
      int64_t iPrevEnd = -2;
      int nSum = 0;
      if( n - iPos < 2 ) return refFail(p, "run count cut");
      nRun = get16(a + iPos);
      if( (n - iPos - 2) / 4 < nRun ) return refFail(p, "runs cut");
      for( j = 0; j < nRun; j++ ) {
        uint32_t s = get16(a + iPos + 2 + 4 * j);
        uint32_t l = get16(a + iPos + 4 + 4 * j);
        if( s + l > 65535 ) return refFail(p, "run past 65535");
        if( (int64_t)s <= iPrevEnd ) return refFail(p, "runs overlap");
        refAddRun(p, s, s + l);
        iPrevEnd = s + l;
        nSum += (int)l + 1;
      }
      if( nSum != nCard ) return refFail(p, "run count wrong");
      iPos += 2 + 4 * nRun;
    }
  }
  *pnUsed = iPos;
  return 1;
}

/* Remember bucket iKey at input bytes iOff..iOff+n. */
static void refAddBucket(Ref *p, uint32_t iKey, size_t iOff, size_t n) {
  if( p->nBucket == p->nBucketAlloc ) {
    p->nBucketAlloc = p->nBucketAlloc * 2 + 4;
    p->aBucket =
        realloc(p->aBucket, (size_t)p->nBucketAlloc * sizeof(RefBucket));
    if( p->aBucket == 0 ) abort();
  }
  p->aBucket[p->nBucket].iKey = iKey;
  p->aBucket[p->nBucket].iOff = iOff;
  p->aBucket[p->nBucket].n = n;
  p->nBucket++;
}

/* Fill in the counts of values before each container and run. */
static void refCount(Ref *p) {
  uint64_t nSet = 0;
  int i, k;
  for( i = 0; i < p->nCont; i++ ) {
    RefCont *c = &p->aCont[i];
    uint64_t nIn = 0;
    c->nBefore = nSet;
    for( k = c->iRun; k < c->iRun + c->nRun; k++ ) {
      p->aRun[k].nBefore = nIn;
      nIn += p->aRun[k].e - p->aRun[k].s + 1;
    }
    if( nIn != (uint64_t)c->nCard ) FAIL("reference: container count");
    nSet += nIn;
  }
}

/*
** Read the n bytes at a as the engine must: a 32-bit bitmap that takes
** every byte, else a 64-bit one.  1 if valid.  *pzWhy32 is why the
** 32-bit reading failed, if it was tried.
*/
static int refRead(Ref *p, const uint8_t *a, size_t n, const char **pzWhy32) {
  size_t iPos = 8, nUsed = 0;
  uint64_t nBucket, b;
  int64_t iPrev = -1;
  refClear(p);
  *pzWhy32 = 0;
  if( n >= 4 && ((get32(a) & 0xffff) == 12347 || get32(a) == 12346) ) {
    if( refRead32(p, a, n, 0, &nUsed) && nUsed == n ) {
      refAddBucket(p, 0, 0, n);
      p->eFormat = ROARING_FORMAT_32;
      refCount(p);
      return 1;
    }
    *pzWhy32 = p->zWhy ? p->zWhy : "bytes after the end";
    refClear(p);
  }
  if( n < 8 ) return refFail(p, "shorter than 8 bytes");
  nBucket = get64(a);
  for( b = 0; b < nBucket; b++ ) {
    uint32_t iKey;
    if( n - iPos < 4 ) return refFail(p, "bucket key cut");
    iKey = get32(a + iPos);
    if( (int64_t)iKey <= iPrev ) return refFail(p, "buckets out of order");
    if( iKey > 0x7fffffff ) return refFail(p, "values from 2^63");
    iPrev = iKey;
    iPos += 4;
    if( !refRead32(p, a + iPos, n - iPos, iKey, &nUsed) ) return 0;
    refAddBucket(p, iKey, iPos, nUsed);
    iPos += nUsed;
  }
  if( iPos != n ) return refFail(p, "bytes after the buckets");
  p->eFormat = ROARING_FORMAT_64;
  refCount(p);
  return 1;
}

/* The number of values of the reference set. */
static uint64_t refCard(const Ref *p) {
  const RefCont *c;
  if( p->nCont == 0 ) return 0;
  c = &p->aCont[p->nCont - 1];
  return c->nBefore + (uint64_t)c->nCard;
}

/* The index of the first container with a key >= iKey. */
FUZZ_ORACLE static int refFindCont(const Ref *p, uint64_t iKey) {
  int lo = 0, hi = p->nCont;
  while( lo < hi ) {
    int mid = (lo + hi) / 2;
    if( p->aCont[mid].iKey < iKey ) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

/* The index of the last run of container c that starts at or before x. */
FUZZ_ORACLE static int refFindRun(const Ref *p, const RefCont *c, uint32_t x) {
  int lo = c->iRun, hi = c->iRun + c->nRun;
  while( lo < hi ) {
    int mid = (lo + hi) / 2;
    if( p->aRun[mid].s <= x ) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo - 1;
}

/* The number of values of the reference set that are <= v. */
FUZZ_ORACLE static uint64_t refRank(const Ref *p, uint64_t v) {
  int i = refFindCont(p, v >> 16), k;
  const RefCont *c;
  uint32_t x = (uint32_t)(v & 0xffff);
  if( i == p->nCont || p->aCont[i].iKey != v >> 16 ) {
    return i < p->nCont ? p->aCont[i].nBefore : refCard(p);
  }
  c = &p->aCont[i];
  k = refFindRun(p, c, x);
  if( k < c->iRun ) return c->nBefore;
  return c->nBefore + p->aRun[k].nBefore
       + ((x < p->aRun[k].e ? x : p->aRun[k].e) - p->aRun[k].s + 1);
}

/* True if v is in the reference set. */
static int refContains(const Ref *p, uint64_t v) {
  return v > ROARING_MAX_VALUE ? 0
       : v == 0                ? refRank(p, 0) == 1
                               : refRank(p, v) != refRank(p, v - 1);
}

/* The first value >= v of the reference set: 1 and *pv, or 0 if none. */
FUZZ_ORACLE static int refNext(const Ref *p, uint64_t v, uint64_t *pv) {
  int i = refFindCont(p, v >> 16), k;
  if( v > ROARING_MAX_VALUE ) return 0;
  if( i < p->nCont && p->aCont[i].iKey == v >> 16 ) {
    const RefCont *c = &p->aCont[i];
    uint32_t x = (uint32_t)(v & 0xffff);
    k = refFindRun(p, c, x);
    if( k >= c->iRun && x <= p->aRun[k].e ) {
      *pv = v;
      return 1;
    }
    if( k + 1 < c->iRun + c->nRun ) {
      *pv = c->iKey << 16 | p->aRun[k + 1].s;
      return 1;
    }
    i++;
  }
  if( i == p->nCont ) return 0;
  *pv = p->aCont[i].iKey << 16 | p->aRun[p->aCont[i].iRun].s;
  return 1;
}

/************************************************************************
** The reference writer: the canonical bytes of the reference set.
*/

/* The canonical kind of container c. */
static int refBestKind(const RefCont *c) {
  int nRunBytes = 2 + 4 * c->nRun;
  if( c->nCard <= 4096 ) {
    return nRunBytes < 2 + 2 * c->nCard ? KIND_RUN : KIND_ARRAY;
  }
  return nRunBytes < 8192 ? KIND_RUN : KIND_BITSET;
}

/* The bytes of the data of container c in kind eKind. */
static size_t refKindBytes(const RefCont *c, int eKind) {
  return eKind == KIND_ARRAY  ? 2 * (size_t)c->nCard
       : eKind == KIND_BITSET ? 8192
                              : 2 + 4 * (size_t)c->nRun;
}

/* Append the canonical 32-bit bitmap of containers i0..i1-1 of p to b. */
FUZZ_ORACLE static void refWrite32(const Ref *p, int i0, int i1, Buf *b) {
  int i, k, n = i1 - i0, bRun = 0;
  size_t iOffset;
  for( i = i0; i < i1; i++ ) bRun |= refBestKind(&p->aCont[i]) == KIND_RUN;
  if( bRun ) {
    uint8_t aFlag[65536 / 8];
    memset(aFlag, 0, sizeof(aFlag));
    bufPut(b, 12347 | (uint32_t)(n - 1) << 16, 4);
    for( i = i0; i < i1; i++ ) {
      if( refBestKind(&p->aCont[i]) == KIND_RUN ) {
        aFlag[(i - i0) / 8] |= (uint8_t)(1 << ((i - i0) % 8));
      }
    }
    bufAppend(b, aFlag, (size_t)(n + 7) / 8);
    iOffset = 4 + (size_t)(n + 7) / 8 + 4 * (size_t)n;
  } else {
    bufPut(b, 12346, 4);
    bufPut(b, (uint64_t)n, 4);
    iOffset = 8 + 4 * (size_t)n;
  }
  for( i = i0; i < i1; i++ ) {
    bufPut(b, p->aCont[i].iKey & 0xffff, 2);
    bufPut(b, (uint64_t)p->aCont[i].nCard - 1, 2);
  }
  if( !bRun || n >= 4 ) {
    iOffset += 4 * (size_t)n;
    for( i = i0; i < i1; i++ ) {
      bufPut(b, iOffset, 4);
      iOffset += refKindBytes(&p->aCont[i], refBestKind(&p->aCont[i]));
    }
  }
  for( i = i0; i < i1; i++ ) {
    const RefCont *c = &p->aCont[i];
    int eKind = refBestKind(c);
    if( eKind == KIND_RUN ) bufPut(b, (uint64_t)c->nRun, 2);
    if( eKind == KIND_BITSET ) {
      uint8_t aBits[8192];
      memset(aBits, 0, sizeof(aBits));
      for( k = c->iRun; k < c->iRun + c->nRun; k++ ) {
        uint32_t x;
        for( x = p->aRun[k].s; x <= p->aRun[k].e; x++ ) {
          aBits[x / 8] |= (uint8_t)(1 << (x % 8));
        }
      }
      bufAppend(b, aBits, sizeof(aBits));
      continue;
    }
    for( k = c->iRun; k < c->iRun + c->nRun; k++ ) {
      const RefRun *r = &p->aRun[k];
      if( eKind == KIND_RUN ) {
        bufPut(b, r->s, 2);
        bufPut(b, r->e - r->s, 2);
      } else {
        uint32_t x;
        for( x = r->s; x <= r->e; x++ ) bufPut(b, x, 2);
      }
    }
  }
}

/* The canonical bytes of the reference set, into the empty b. */
static void refWrite(const Ref *p, Buf *b) {
  int i = 0, nBucket = 0;
  if( p->nCont == 0 ) {
    bufPut(b, 12346, 4);
    bufPut(b, 0, 4);
    return;
  }
  if( p->aCont[p->nCont - 1].iKey <= 0xffff ) {
    refWrite32(p, 0, p->nCont, b);
    return;
  }
  bufPut(b, 0, 8);
  while( i < p->nCont ) {
    int iEnd = i;
    while( iEnd < p->nCont
           && p->aCont[iEnd].iKey >> 16 == p->aCont[i].iKey >> 16 ) {
      iEnd++;
    }
    bufPut(b, p->aCont[i].iKey >> 16, 4);
    refWrite32(p, i, iEnd, b);
    nBucket++;
    i = iEnd;
  }
  for( i = 0; i < 8; i++ ) b->a[i] = (uint8_t)((uint64_t)nBucket >> (8 * i));
}

/************************************************************************
** CRoaring.
*/

/*
** CRoaring's canonical bytes for the valid input a[0..n), whose buckets
** the reference reader found, into the empty b.  Each bucket must be
** valid for CRoaring too, and CRoaring must read all of its bytes.
*/
static void crWrite(const Ref *p, const uint8_t *a, Buf *b) {
  uint32_t *aKey = malloc((size_t)p->nBucket * sizeof(uint32_t) + 1);
  roaring_bitmap_t **aBm =
      malloc((size_t)p->nBucket * sizeof(roaring_bitmap_t *) + 1);
  int i;
  if( aKey == 0 || aBm == 0 ) abort();
  for( i = 0; i < p->nBucket; i++ ) {
    const char *z = (const char *)a + p->aBucket[i].iOff;
    size_t n = p->aBucket[i].n;
    CHECK(roaring_bitmap_portable_deserialize_size(z, n) == n,
          "CRoaring reads another length");
    aKey[i] = p->aBucket[i].iKey;
    aBm[i] = roaring_bitmap_portable_deserialize_safe(z, n);
    CHECK(aBm[i] != 0, "CRoaring rejects a valid bitmap");
  }
  crFrame(aKey, aBm, p->nBucket, CR_CANONICAL, 0, b);
  for( i = 0; i < p->nBucket; i++ ) roaring_bitmap_free(aBm[i]);
  free(aKey);
  free(aBm);
}

/************************************************************************
** The input as a recipe for a valid bitmap.
**
** Most byte strings are not bitmaps, so the target also reads each input
** as a recipe and builds a blob that is valid but rarely canonical: 0 to
** 4 buckets (the 32-bit format, or the 64-bit one with keys near 0 and
** near 2^31), each of up to GEN_MAX_CONT containers with ascending keys,
** each an array (runs of consecutive values when the recipe runs out), a
** bitset from a repeated 32-byte pattern (written as an array if it has
** 4096 values or fewer), or runs, some touching, up to 65535.  The blob
** goes through the same checks, and must be accepted.
*/
#define GEN_MAX_CONT   16 /* Containers in a bucket */
#define GEN_MAX_BITSET 4  /* Bitsets in a blob */

typedef struct Recipe Recipe;
struct Recipe {
  const uint8_t *a; /* The input */
  size_t n, i;      /* Its length, and the next byte */
  int nBitset;      /* Bitsets made so far */
};

static uint32_t rcpByte(Recipe *p) {
  return p->i < p->n ? p->a[p->i++] : 0;
}
static uint32_t rcpU16(Recipe *p) {
  uint32_t v = rcpByte(p);
  return v | rcpByte(p) << 8;
}

/* One container made by genBucket(). */
typedef struct GenCont GenCont;
struct GenCont {
  uint32_t iKey; /* Upper 16 bits of its values */
  int nCard;     /* Values */
  int eKind;     /* KIND_* */
  size_t iOff;   /* Its data in the data buffer */
};

/* Append an array container to pData; return its count. */
static int genArray(Recipe *p, Buf *pData) {
  uint32_t b = rcpByte(p), v = rcpU16(p);
  int n = 1 + (int)(b & 0x80 ? rcpU16(p) % 4096 : b % 64), k = 0;
  for( ; k < n && v <= 65535; k++ ) {
    bufPut(pData, v, 2);
    v += 1 + rcpByte(p) % 8;
  }
  return k;
}

/* Append a bitset (or, with 4096 values or fewer, an array) to pData. */
FUZZ_ORACLE static int genBitset(Recipe *p, Buf *pData, int *peKind) {
  uint8_t aPat[32], aBits[8192];
  int j, nCard = 0;
  for( j = 0; j < 32; j++ ) aPat[j] = (uint8_t)rcpByte(p);
  for( j = 0; j < 8192; j++ ) {
    int k;
    aBits[j] = aPat[j % 32];
    for( k = 0; k < 8; k++ ) nCard += (aBits[j] >> k) & 1;
  }
  if( nCard > 4096 ) {
    bufAppend(pData, aBits, sizeof(aBits));
    *peKind = KIND_BITSET;
    return nCard;
  }
  for( j = 0; j < 65536; j++ ) {
    if( (aBits[j / 8] >> (j % 8)) & 1 ) bufPut(pData, (uint64_t)j, 2);
  }
  *peKind = KIND_ARRAY;
  return nCard;
}

/* Append a run container to pData; return its count. */
static int genRuns(Recipe *p, Buf *pData) {
  uint32_t b = rcpByte(p), s = rcpU16(p);
  int nWant = 1 + (int)(b & 0x80 ? rcpU16(p) % 4000 : b % 16);
  int nRun = 0, nCard = 0;
  size_t iCount = pData->n;
  bufPut(pData, 0, 2);
  while( nRun < nWant && s <= 65535 ) {
    uint32_t l = b & 0x40 ? rcpU16(p) : rcpByte(p) % 32;
    if( l > 65535 - s ) l = 65535 - s;
    bufPut(pData, s, 2);
    bufPut(pData, l, 2);
    nRun++;
    nCard += (int)l + 1;
    s += l + 1 + rcpByte(p) % 4; /* 0: the next run touches this one */
  }
  pData->a[iCount] = (uint8_t)nRun;
  pData->a[iCount + 1] = (uint8_t)(nRun >> 8);
  return nCard;
}

/* Append a valid 32-bit bitmap made from the recipe to b. */
static void genBucket(Recipe *p, Buf *b) {
  GenCont aCont[GEN_MAX_CONT];
  Buf data;
  int nWant = (int)rcpByte(p) % (GEN_MAX_CONT + 1), nCont = 0, i, bRun = 0;
  int64_t iKey = -1;
  size_t iOffset;
  memset(&data, 0, sizeof(data));
  for( i = 0; i < nWant; i++ ) {
    uint32_t c = rcpByte(p);
    GenCont *pC = &aCont[nCont];
    iKey += 1 + (c & 0x80 ? rcpU16(p) : c & 3);
    if( iKey > 65535 ) break;
    pC->iKey = (uint32_t)iKey;
    pC->iOff = data.n;
    switch( (c >> 2) % 3 ) {
      case 0:
        pC->eKind = KIND_ARRAY;
        pC->nCard = genArray(p, &data);
        break;
      case 1:
        if( p->nBitset++ < GEN_MAX_BITSET ) {
          pC->nCard = genBitset(p, &data, &pC->eKind);
          break;
        }
        /* Fall through: enough bitsets */
      default:
        pC->eKind = KIND_RUN;
        pC->nCard = genRuns(p, &data);
        break;
    }
    if( pC->nCard == 0 ) {
      data.n = pC->iOff;
      continue;
    }
    bRun |= pC->eKind == KIND_RUN;
    nCont++;
  }
  if( bRun ) {
    uint8_t aFlag[(GEN_MAX_CONT + 7) / 8];
    memset(aFlag, 0, sizeof(aFlag));
    for( i = 0; i < nCont; i++ ) {
      if( aCont[i].eKind == KIND_RUN ) aFlag[i / 8] |= (uint8_t)(1 << (i % 8));
    }
    bufPut(b, 12347 | (uint32_t)(nCont - 1) << 16, 4);
    bufAppend(b, aFlag, (size_t)(nCont + 7) / 8);
    iOffset = 4 + (size_t)(nCont + 7) / 8 + 4 * (size_t)nCont;
  } else {
    bufPut(b, 12346, 4);
    bufPut(b, (uint64_t)nCont, 4);
    iOffset = 8 + 4 * (size_t)nCont;
  }
  for( i = 0; i < nCont; i++ ) {
    bufPut(b, aCont[i].iKey, 2);
    bufPut(b, (uint64_t)aCont[i].nCard - 1, 2);
  }
  if( !bRun || nCont >= 4 ) {
    iOffset += 4 * (size_t)nCont;
    for( i = 0; i < nCont; i++ ) bufPut(b, iOffset + aCont[i].iOff, 4);
  }
  bufAppend(b, data.a, data.n);
  free(data.a);
}

/* A valid bitmap made from the n bytes at a, into the empty b. */
static void genBlob(const uint8_t *a, size_t n, Buf *b) {
  static const uint32_t aKey[] = { 0, 1, 2, 0xffff, 0x10000, 0x7ffffffe };
  Recipe rcp;
  uint32_t c;
  int nBucket, i;
  int64_t iKey = -1;
  memset(&rcp, 0, sizeof(rcp));
  rcp.a = a;
  rcp.n = n;
  c = rcpByte(&rcp);
  if( (c & 3) != 3 ) {
    genBucket(&rcp, b);
    return;
  }
  nBucket = (int)(c >> 2) % 5;
  bufPut(b, 0, 8);
  for( i = 0; i < nBucket; i++ ) {
    uint32_t k = rcpByte(&rcp);
    int64_t iNext = k & 0x80 ? (int64_t)aKey[k % 6] : iKey + 1 + (k & 3);
    iKey = iNext > iKey ? iNext : iKey + 1;
    if( iKey > 0x7fffffff ) break;
    bufPut(b, (uint64_t)iKey, 4);
    genBucket(&rcp, b);
  }
  b->a[0] = (uint8_t)i; /* The number of buckets, below 256 */
}

/************************************************************************
** Statistics (FUZZ_ROARING_STATS).
*/
#define N_REASON 32
static struct {
  long nInput, nAccept32, nAccept64, nReject;
  const char *azWhy[N_REASON]; /* Why CRoaring's accepted blobs were not */
  long anWhy[N_REASON];
} stats;

static void statsPrint(void) {
  int i;
  fprintf(stderr,
          "fuzz_roaring: %ld inputs: %ld accepted as 32-bit, %ld as 64-bit,"
          " %ld rejected\n",
          stats.nInput, stats.nAccept32, stats.nAccept64, stats.nReject);
  for( i = 0; i < N_REASON && stats.azWhy[i]; i++ ) {
    fprintf(stderr, "fuzz_roaring: CRoaring accepts, frugal rejects: %s: %ld\n",
            stats.azWhy[i], stats.anWhy[i]);
  }
}

/* Count one blob CRoaring accepted and the reference rejected for zWhy. */
static void statsWhy(const char *zWhy) {
  int i;
  for( i = 0; i < N_REASON; i++ ) {
    if( stats.azWhy[i] == 0 ) stats.azWhy[i] = zWhy;
    if( strcmp(stats.azWhy[i], zWhy) == 0 ) {
      stats.anWhy[i]++;
      return;
    }
  }
}

/************************************************************************
** Checks of a decoded set against the reference.
*/

/* Check the query results of r for value v against the reference. */
static void checkValue(const Roaring *r, const Ref *p, uint64_t v) {
  uint64_t nRank = refRank(p, v), x, y;
  RoaringIter it;
  int bNext;
  CHECK(roaringContains(r, v) == refContains(p, v), "contains");
  CHECK(roaringRank(r, v) == nRank, "rank");
  if( nRank > 0 ) {
    CHECK(roaringSelect(r, nRank - 1, &x), "select");
    CHECK(refNext(p, x, &y) && y == x && refRank(p, x) == nRank, "select");
  }
  roaringIterSeek(&it, r, v);
  bNext = refNext(p, v, &y);
  CHECK(it.bEof == !bNext, "seek");
  CHECK(it.bEof || roaringIterValue(&it) == y, "seek");
}

/*
** Check roaringScan() of the n bytes at a against roaringDeserialize()'s
** result rc and set r: the same verdict, count, min, max, and membership
** of the smallest, the largest and one more value taken from the bytes.
*/
static void checkScan(const uint8_t *a, size_t n, int rc, const Roaring *r) {
  RoaringScan scan;
  uint64_t aProbe[3], vMin = 0, vMax = 0;
  int i;
  CHECK(roaringScan(a, n, 0, &scan) == rc, "scan verdict");
  if( rc != ROARING_OK ) return;
  CHECK(scan.nCount == roaringCount(r), "scan count");
  if( roaringMin(r, &vMin) && roaringMax(r, &vMax) ) {
    CHECK(scan.iMin == vMin && scan.iMax == vMax, "scan min/max");
  }
  aProbe[0] = vMin;
  aProbe[1] = vMax;
  aProbe[2] = 0;
  for( i = 0; i < 8 && (size_t)i < n; i++ ) {
    aProbe[2] = aProbe[2] << 8 | a[n - 1 - (size_t)i];
  }
  aProbe[2] = (vMin + aProbe[2] % (vMax - vMin + 2)) & ROARING_MAX_VALUE;
  for( i = 0; i < 3; i++ ) {
    CHECK(roaringScan(a, n, aProbe[i], &scan) == ROARING_OK
              && scan.bFound == roaringContains(r, aProbe[i]),
          "scan contains");
  }
}

/* Check r, which must hold the reference set, at sampled places. */
FUZZ_ORACLE static void checkSet(const Roaring *r, const Ref *p,
                                 const uint8_t *aIn, size_t nIn) {
  uint64_t nCard = refCard(p), v, nSeen = 0;
  RoaringIter it;
  int i, k, iStep;
  CHECK(roaringCount(r) == nCard, "count");
  if( nCard == 0 ) {
    CHECK(!roaringMin(r, &v) && !roaringMax(r, &v), "min/max of nothing");
  } else {
    const RefCont *c = &p->aCont[p->nCont - 1];
    CHECK(roaringMin(r, &v) && v == (p->aCont[0].iKey << 16 | p->aRun[0].s),
          "min");
    CHECK(roaringMax(r, &v) && v == (c->iKey << 16 | p->aRun[p->nRun - 1].e),
          "max");
  }
  CHECK(!roaringSelect(r, nCard, &v), "select past the end");
  /* The edges of sampled runs, and the values around them. */
  iStep = p->nRun / FUZZ_SAMPLES + 1;
  for( i = 0; i < p->nCont; i++ ) {
    const RefCont *c = &p->aCont[i];
    for( k = c->iRun; k < c->iRun + c->nRun; k++ ) {
      uint64_t s = c->iKey << 16 | p->aRun[k].s;
      uint64_t e = c->iKey << 16 | p->aRun[k].e;
      if( k % iStep && k != p->nRun - 1 ) continue;
      checkValue(r, p, s);
      checkValue(r, p, e);
      if( s > 0 ) checkValue(r, p, s - 1);
      if( e < ROARING_MAX_VALUE ) checkValue(r, p, e + 1);
    }
  }
  /* Values made from the input's bytes. */
  for( i = 0; i + 8 <= (int)nIn && i < FUZZ_INPUT_PROBES * 8; i += 8 ) {
    v = get64(aIn + i) & ROARING_MAX_VALUE;
    checkValue(r, p, v);
    checkValue(r, p, v & 0xffffffff);
    checkValue(r, p, v & 0xfffff);
  }
  checkValue(r, p, 0);
  checkValue(r, p, ROARING_MAX_VALUE);
  /* Iteration from the smallest value. */
  for( i = 0; i < p->nCont && nSeen < FUZZ_ITER_MAX; i++ ) {
    const RefCont *c = &p->aCont[i];
    for( k = c->iRun; k < c->iRun + c->nRun && nSeen < FUZZ_ITER_MAX; k++ ) {
      uint32_t x;
      for( x = p->aRun[k].s; x <= p->aRun[k].e && nSeen < FUZZ_ITER_MAX; x++ ) {
        if( nSeen == 0 ) {
          roaringIterSeek(&it, r, 0);
        } else {
          roaringIterNext(&it);
        }
        CHECK(!it.bEof && roaringIterValue(&it) == (c->iKey << 16 | x),
              "iteration");
        nSeen++;
      }
    }
  }
  if( nSeen == nCard ) {
    if( nSeen == 0 ) {
      roaringIterSeek(&it, r, 0);
    } else {
      roaringIterNext(&it);
    }
    CHECK(it.bEof, "iteration past the end");
  }
}

/* Check the container kinds of r against the reference. */
static void checkStats(const Roaring *r, const Ref *p, int bCanonical) {
  RoaringStats st;
  int an[3] = { 0, 0, 0 }, i, nBucket = 0;
  for( i = 0; i < p->nCont; i++ ) {
    an[bCanonical ? refBestKind(&p->aCont[i]) : p->aCont[i].eKind]++;
    if( i == 0 || p->aCont[i].iKey >> 16 != p->aCont[i - 1].iKey >> 16 ) {
      nBucket++;
    }
  }
  roaringStats(r, &st);
  CHECK(st.nArray == an[KIND_ARRAY] && st.nBitset == an[KIND_BITSET]
            && st.nRun == an[KIND_RUN] && st.nBucket == nBucket,
        "container kinds");
}

/*
** Check bitmap_info(a[0..n)) in SQL: the JSON of the reference, or the
** error if bValid is 0.
*/
static void checkInfo(const uint8_t *a, size_t n, const Ref *p, int bValid,
                      int bCanonical) {
  static sqlite3 *db = 0;
  static sqlite3_stmt *pStmt = 0;
  static const uint8_t aNone[1] = { 0 };
  int rc;
  if( db == 0 ) {
    char *zErr = 0;
    if( sqlite3_open(":memory:", &db) != SQLITE_OK
        || sqlite3_frugal_init(db, &zErr, 0) != SQLITE_OK
        || sqlite3_prepare_v2(db, "SELECT bitmap_info(?1)", -1, &pStmt, 0) ) {
      abort();
    }
  }
  sqlite3_bind_blob(pStmt, 1, n ? (const void *)a : aNone, (int)n,
                    SQLITE_STATIC);
  rc = sqlite3_step(pStmt);
  if( bValid ) {
    char zWant[400];
    int an[3] = { 0, 0, 0 }, i, nBucket = 0;
    for( i = 0; i < p->nCont; i++ ) {
      an[p->aCont[i].eKind]++;
      if( i == 0 || p->aCont[i].iKey >> 16 != p->aCont[i - 1].iKey >> 16 ) {
        nBucket++;
      }
    }
    snprintf(zWant, sizeof(zWant),
             "{\"count\":%llu,\"bytes\":%d,\"format\":\"roaring%d\","
             "\"buckets\":%d,\"containers\":{\"array\":%d,\"bitset\":%d,"
             "\"run\":%d},\"canonical\":%s}",
             (unsigned long long)refCard(p), (int)n, p->eFormat, nBucket,
             an[KIND_ARRAY], an[KIND_BITSET], an[KIND_RUN],
             bCanonical ? "true" : "false");
    CHECK(rc == SQLITE_ROW
              && strcmp((const char *)sqlite3_column_text(pStmt, 0), zWant)
                     == 0,
          "bitmap_info");
  } else {
    CHECK(rc == SQLITE_ERROR
              && strcmp(sqlite3_errmsg(sqlite3_db_handle(pStmt)),
                        "bitmap_info: not a valid roaring bitmap")
                     == 0,
          "bitmap_info error");
  }
  sqlite3_reset(pStmt);
}

/*
** Read the n bytes at a with the engine and check everything against the
** oracles.  Return 1 if they are a valid bitmap.
*/
static int fuzzOne(const uint8_t *aData, size_t nData) {
  static Ref ref;
  const char *zWhy32 = 0;
  Roaring r, r2;
  Buf want, cr;
  unsigned char *aOut = 0, *aOut2 = 0;
  size_t nOut = 0, nOut2 = 0;
  int rc, bValid, eFormat = 0, eFormat2 = 0;
  uint64_t vMax = 0;

  if( stats.nInput++ == 0 && getenv("FUZZ_ROARING_STATS") ) atexit(statsPrint);
  memset(&r, 0, sizeof(r));
  memset(&r2, 0, sizeof(r2));
  memset(&want, 0, sizeof(want));
  memset(&cr, 0, sizeof(cr));

  rc = roaringDeserialize(&r, aData, nData, &eFormat);
  bValid = refRead(&ref, aData, nData, &zWhy32);
  CHECK(rc == ROARING_OK || rc == ROARING_CORRUPT, "result code");
  checkScan(aData, nData, rc, &r);
  if( rc == ROARING_OK && !bValid ) {
    fprintf(stderr, "fuzz_roaring: the reference rejects: %s\n", ref.zWhy);
    FAIL("accepted what the reference rejects");
  }
  if( rc != ROARING_OK && bValid ) FAIL("rejected what the reference accepts");

  if( !bValid ) {
    stats.nReject++;
    CHECK(r.nCont == 0 && r.aCont == 0, "a rejected set is empty");
    if( zWhy32 ) {
      /* CRoaring may accept what the specification forbids; count why. */
      roaring_bitmap_t *x =
          roaring_bitmap_portable_deserialize_safe((const char *)aData, nData);
      if( x ) {
        statsWhy(zWhy32);
        roaring_bitmap_free(x);
      }
    }
    checkInfo(aData, nData, &ref, 0, 0);
    return 0;
  }
  if( eFormat == ROARING_FORMAT_32 ) stats.nAccept32++;
  if( eFormat == ROARING_FORMAT_64 ) stats.nAccept64++;
  CHECK(eFormat == ref.eFormat, "format");

  /* The canonical bytes: the engine's, the reference's, CRoaring's. */
  CHECK(roaringSerialize(&r, &aOut, &nOut, (size_t)-1) == ROARING_OK,
        "serialize");
  CHECK(roaringSerializedSize(&r) == nOut, "serialized size");
  refWrite(&ref, &want);
  CHECK(want.n == nOut && memcmp(want.a, aOut, nOut) == 0,
        "canonical bytes differ from the reference's");
  crWrite(&ref, aData, &cr);
  CHECK(cr.n == nOut && memcmp(cr.a, aOut, nOut) == 0,
        "canonical bytes differ from CRoaring's");

  /* The set, as read and as read back from its canonical bytes. */
  checkSet(&r, &ref, aData, nData);
  checkStats(&r, &ref, 0);
  CHECK(roaringDeserialize(&r2, aOut, nOut, &eFormat2) == ROARING_OK,
        "reading the canonical bytes");
  roaringMax(&r, &vMax);
  CHECK(eFormat2 == (vMax > 0xffffffff ? ROARING_FORMAT_64 : ROARING_FORMAT_32),
        "the canonical format");
  checkSet(&r2, &ref, aData, nData);
  checkStats(&r2, &ref, 1);
  CHECK(roaringEqual(&r, &r2) && roaringEqual(&r2, &r)
            && roaringIsSubset(&r, &r2) && roaringIsSubset(&r2, &r),
        "equal to itself re-read");
  CHECK(roaringSerialize(&r2, &aOut2, &nOut2, (size_t)-1) == ROARING_OK
            && nOut2 == nOut && memcmp(aOut, aOut2, nOut) == 0,
        "canonical bytes are a fixed point");
  checkInfo(aData, nData, &ref, 1,
            nOut == nData && memcmp(aOut, aData, nData) == 0);

  sqlite3_free(aOut);
  sqlite3_free(aOut2);
  free(want.a);
  free(cr.a);
  roaringReset(&r);
  roaringReset(&r2);
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  Buf gen;
  if( nData > FUZZ_MAX_INPUT ) return 0;
  fuzzOne(aData, nData);
  memset(&gen, 0, sizeof(gen));
  genBlob(aData, nData, &gen);
  if( !fuzzOne(gen.a, gen.n) ) {
    FAIL("a blob made from the recipe is not valid");
  }
  free(gen.a);
  return 0;
}
