/*
** roaring.h - frugal's Roaring bitmap engine (ext/roaring.c).
**
** A Roaring is a set of 64-bit unsigned integers from 0 to
** ROARING_MAX_VALUE, stored as Roaring bitmaps do: the values are split by
** their upper 48 bits into containers of at most 65536 values, each kept
** as a sorted array, a bitset or a list of runs, whichever the values
** need.  ext/bitmap.c builds the SQL functions on it; the C drivers in
** test/ test it directly, so this header needs nothing but the C library
** (the engine allocates with sqlite3_malloc64(), so a program that uses it
** links SQLite).
**
** A Roaring lives wherever its owner puts it (on the stack, inside another
** struct, in an aggregate context): all-zero bytes are the empty set, and
** roaringReset() releases what it holds.  Every function that can
** allocate returns ROARING_OK or an error code and leaves its arguments
** valid on failure.
*/
#ifndef FRUGAL_ROARING_H
#define FRUGAL_ROARING_H

#include <stddef.h>
#include <stdint.h>

/* Result codes. */
#define ROARING_OK      0 /* Success */
#define ROARING_NOMEM   1 /* An allocation failed */
#define ROARING_CORRUPT 2 /* Not a valid Roaring bitmap serialization */
#define ROARING_TOOBIG  3 /* The serialization would exceed the limit */

/* The largest value a Roaring holds (SQLite's largest integer). */
#define ROARING_MAX_VALUE ((uint64_t)0x7fffffffffffffffULL)

/* The set operations of roaringOp() and friends. */
#define ROARING_AND    0 /* a & b */
#define ROARING_OR     1 /* a | b */
#define ROARING_XOR    2 /* a ^ b */
#define ROARING_ANDNOT 3 /* a & ~b */

/* The serialized formats roaringDeserialize() recognizes. */
#define ROARING_FORMAT_32 32 /* 32-bit portable format */
#define ROARING_FORMAT_64 64 /* 64-bit portable format */

typedef struct Roaring Roaring;
typedef struct RoaringCont RoaringCont;
typedef struct RoaringIter RoaringIter;
typedef struct RoaringStats RoaringStats;
typedef struct RoaringScan RoaringScan;

/* A set of values.  All-zero is the empty set. */
struct Roaring {
  RoaringCont *aCont; /* Containers in ascending key order */
  int nCont;          /* Containers in use */
  int nAlloc;         /* Containers allocated */
  int iHint;          /* Container the last lookup found */
  int nUnsorted;      /* roaringAddLazy(): last containers, not in order */
  int bLazy;          /* roaringAddLazy() left values or keys to sort */
};

/* Release what r holds; r is then the empty set. */
void roaringReset(Roaring *r);

/* Make the empty *pDst a copy of *pSrc. */
int roaringCopy(Roaring *pDst, const Roaring *pSrc);

/*
** Change one value.  *pbChanged (if not NULL) is set to 1 if v was added
** (was absent) or removed (was present), else 0.  v <= ROARING_MAX_VALUE.
*/
int roaringAdd(Roaring *r, uint64_t v, int *pbChanged);
int roaringRemove(Roaring *r, uint64_t v, int *pbChanged);

/*
** Adding many values in any order.  roaringAddLazy() adds v like
** roaringAdd(), but may leave it unsorted and unchecked for now, so that
** it costs no search: roaringSettle() must be called before r is used in
** any other way.  A value found to be added again (at once or when
** roaringSettle() sorts it in) is reported to xRepeat(pArg, v), if not
** NULL; a non-zero return from xRepeat is returned.  roaringSettle() may
** fail too (it sorts and merges what was left); r then still needs
** settling, and may be settled again or reset.  roaringAddLazyMany() adds
** the nV values at aV in that order as roaringAddLazy() would, but takes
** each run of values with the same upper 48 bits at once (one lookup, one
** copy); on failure the values before some point are added, the others
** not (adding the batch again reports the first ones as repeats).
*/
typedef int (*RoaringRepeatFunc)(void *pArg, uint64_t v);
int roaringAddLazy(Roaring *r, uint64_t v, RoaringRepeatFunc xRepeat,
                   void *pArg);
int roaringAddLazyMany(Roaring *r, const uint64_t *aV, int nV,
                       RoaringRepeatFunc xRepeat, void *pArg);
int roaringSettle(Roaring *r, RoaringRepeatFunc xRepeat, void *pArg);

/*
** Sort the nV values at aV by key (their upper 48 bits), if their keys go
** down often enough for that to pay, so that roaringAddLazyMany() finds
** each container once and in order, near the one before.  aTmp has room
** for nV values.
*/
void roaringSortBatch(uint64_t *aV, int nV, uint64_t *aTmp);

/* Add every value in [lo, hi); keep only the values in [lo, hi). */
int roaringAddRange(Roaring *r, uint64_t lo, uint64_t hi);
int roaringKeepRange(Roaring *r, uint64_t lo, uint64_t hi);

/* Queries. */
int roaringContains(const Roaring *r, uint64_t v);
uint64_t roaringCount(const Roaring *r);
int roaringMin(const Roaring *r, uint64_t *pv);     /* 0 if r is empty */
int roaringMax(const Roaring *r, uint64_t *pv);     /* 0 if r is empty */
uint64_t roaringRank(const Roaring *r, uint64_t v); /* values <= v */
int roaringSelect(const Roaring *r, uint64_t i, uint64_t *pv); /* 0-based */

/*
** Set operations (eOp is ROARING_AND, _OR, _XOR or _ANDNOT).  roaringOp()
** writes a eOp b into the empty *pOut; roaringOpInPlace() replaces a by
** a eOp b.  roaringOpCount() counts a eOp b without building it.
*/
int roaringOp(int eOp, const Roaring *a, const Roaring *b, Roaring *pOut);
int roaringOpInPlace(int eOp, Roaring *a, const Roaring *b);
uint64_t roaringOpCount(int eOp, const Roaring *a, const Roaring *b);
int roaringIntersects(const Roaring *a, const Roaring *b);
int roaringIsSubset(const Roaring *a, const Roaring *b); /* a within b */
int roaringEqual(const Roaring *a, const Roaring *b);

/*
** Serialization.  roaringSerialize() writes the canonical serialization of
** r (the 32-bit portable format if every value is below 2^32, else the
** 64-bit portable format) into a buffer from sqlite3_malloc64() that the
** caller frees with sqlite3_free().  ROARING_TOOBIG if it would be longer
** than nMax bytes.  roaringSerializedSize() is the length it would have.
**
** roaringDeserialize() reads either format into the empty *r from the n
** bytes at p, trusting nothing: ROARING_CORRUPT (and r still empty) for
** anything that is not a valid serialization of values up to
** ROARING_MAX_VALUE.  *peFormat (if not NULL) is set to ROARING_FORMAT_*.
*/
int roaringSerialize(const Roaring *r, unsigned char **paOut, size_t *pnOut,
                     size_t nMax);
size_t roaringSerializedSize(const Roaring *r);
int roaringDeserialize(Roaring *r, const void *p, size_t n, int *peFormat);

/*
** roaringScan() checks the n bytes at p as roaringDeserialize() does, but
** decodes nothing and allocates nothing: it answers from the bytes
** themselves.  ROARING_CORRUPT (and *pScan zeroed) if they are not a valid
** serialization.
*/
struct RoaringScan {
  uint64_t nCount; /* Values */
  uint64_t iMin;   /* The smallest, if nCount > 0 */
  uint64_t iMax;   /* The largest, if nCount > 0 */
  int bFound;      /* roaringScan()'s argument v is one of them */
};
int roaringScan(const void *p, size_t n, uint64_t v, RoaringScan *pScan);

/* What roaringStats() reports: containers by kind, as r holds them. */
struct RoaringStats {
  int nArray;  /* Array containers */
  int nBitset; /* Bitset containers */
  int nRun;    /* Run containers */
  int nBucket; /* Distinct upper 32 bits (buckets of the 64-bit format) */
};
void roaringStats(const Roaring *r, RoaringStats *pStats);

/*
** Iteration in ascending order:
**
**   RoaringIter it;
**   for( roaringIterSeek(&it, r, 0); !it.bEof; roaringIterNext(&it) ){
**     ... roaringIterValue(&it) ...
**   }
**
** roaringIterSeek() goes to the first value >= lo.  r must not change
** while an iterator is on it.
*/
struct RoaringIter {
  const Roaring *r; /* The set */
  int iCont;        /* Index of the current container */
  int iPos;         /* Array index or run index within it */
  uint32_t iLow;    /* Low 16 bits of the current value */
  int bEof;         /* No current value */
};
void roaringIterSeek(RoaringIter *pIter, const Roaring *r, uint64_t lo);
void roaringIterNext(RoaringIter *pIter);
uint64_t roaringIterValue(const RoaringIter *pIter);

#endif /* FRUGAL_ROARING_H */
