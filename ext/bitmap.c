/*
** bitmap.c - Roaring bitmaps in SQL: sets of integers as compressed BLOBs.
**
**   SELECT bitmap_agg(id) FILTER (WHERE active) FROM users;   -- a BLOB
**   SELECT bitmap_count(b), bitmap_contains(b, 42) FROM t;
**   SELECT bitmap_and_count(a.ids, b.ids) FROM segments a, segments b;
**   SELECT value FROM bitmap_each(b) WHERE value > 1000 LIMIT 10;
**
** A bitmap is a BLOB in the Roaring portable format (the 32-bit format when
** every value is below 2^32, the 64-bit format otherwise), which CRoaring,
** Java, Go, pyroaring, ClickHouse and pg_roaringbitmap read.  Values are
** integers from 0 to 2^63-1.  doc/bitmap.md is the reference.
**
** HOW IT WORKS
**
** The engine is ext/roaring.c.  Each function reads its bitmap arguments
** with roaringDeserialize(), which validates every byte, works on the
** decoded sets and writes its result with roaringSerialize(), whose output
** is canonical: the same set always gives the same bytes, so "=", GROUP BY,
** DISTINCT and UNIQUE work on bitmaps.  A bitmap argument that is the same
** on every row (a literal or a bound parameter) is decoded once per
** statement: the decoded set is kept as the argument's auxiliary data
** (sqlite3_set_auxdata()).  bitmap_count, bitmap_contains, bitmap_min and
** bitmap_max decode nothing: roaringScan() checks the BLOB and answers
** from its bytes (a constant argument is still decoded, on its second row).
**
** Every argument is checked whatever the others are, left to right: an
** invalid bitmap or value is an error even next to a NULL, and only then
** does a NULL make the result NULL.  A result is checked against
** SQLITE_LIMIT_LENGTH before it is built where its size is known first
** (bitmap_to_json() works out the exact length of its text).
**
** bitmap_agg() keeps the set it builds in its aggregate context, so its
** state is the compressed set and grows with it, not with the rows.  It
** takes values in batches of BITMAP_AGG_BATCH and adds each batch with
** roaringAddLazyMany(): a run of values with one key costs one lookup and
** one copy to the end of its container, unsorted; the engine sorts such
** values in by batches, and the set is settled (roaringSettle()) before it
** is read.  As a window function it must also take values out (xInverse),
** and a value may have entered the frame more than once: the repeats are
** counted in binary, bit i of a value's count of repeats in the i-th of a
** few more sets (aRepeat), so that the counting also costs compressed
** space only, and only when values repeat.  Repeats reach those sets
** through a small hash table that adds up each value's repeats first, so
** that a column of a few values repeated millions of times costs a few
** changes of the counts, not millions.
**
** bitmap_or_agg() and friends fold their bitmaps through a short stack
** of partial results of halving sizes (see BitmapFold), so that n bitmaps
** cost O(log n) per container rather than the whole result per row.
**
** bitmap_each() is an eponymous table-valued function over one bitmap.
** Constraints on value become the bounds of the scan: the iterator seeks to
** the lower bound (a binary search over containers, then within one) and
** stops after the upper bound, so neither walks the containers it skips.
**
** Every function is SQLITE_DETERMINISTIC|SQLITE_INNOCUOUS and bitmap_each
** is SQLITE_VTAB_INNOCUOUS: they read nothing but their arguments.
*/
#include "frugal_int.h"
#include "roaring.h"

#include <assert.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest part of a text or BLOB argument shown in an error. */
#define BITMAP_SHOW_MAX 64

/* Serialized bytes a container inside a range takes at the least. */
#define BITMAP_MIN_RANGE_CONT_BYTES 14

/* The message for a BLOB that is not a bitmap. */
#define BITMAP_INVALID "not a valid roaring bitmap"

/* The message for a result longer than SQLITE_LIMIT_LENGTH. */
#define BITMAP_TOOBIG "result longer than SQLITE_LIMIT_LENGTH (%lld bytes)"

/************************************************************************
** Arguments and results.
*/

/*
** The REAL r as an SQL literal that reads back as exactly r: the shortest
** of 15, 16 or 17 significant digits that does, with ".0" if it would
** otherwise read as an integer.  The C library's conversions are used
** because they are exact: SQLite's printf works in long double, whose
** precision varies (valgrind has only 64 bits of it), and its 17th digit
** with it.  They follow the locale, both ways; its decimal point, if the
** application set one, is written as ".".  NULL on OOM.
*/
static char *bitmapShowReal(double r) {
  char zBuf[48];
  const char *zPoint = localeconv()->decimal_point;
  char *zAt;
  int iPrec = 15;
  if( isinf(r) ) return sqlite3_mprintf("%s", r < 0 ? "-Inf" : "Inf");
  for( ;; iPrec++ ) {
    snprintf(zBuf, sizeof(zBuf), "%.*g", iPrec, r);
    if( iPrec == 17 || strtod(zBuf, 0) == r ) break;
  }
  zAt = zPoint && zPoint[0] ? strstr(zBuf, zPoint) : 0;
  if( zAt ) {
    size_t nPoint = strlen(zPoint);
    *zAt = '.';
    memmove(zAt + 1, zAt + nPoint, strlen(zAt + nPoint) + 1);
  }
  return sqlite3_mprintf("%s%s", zBuf, strpbrk(zBuf, ".e") ? "" : ".0");
}

/*
** An SQL literal that shows pVal, which is not an INTEGER or NULL (the
** only caller, bitmapValue(), takes those first), in an error message: a
** REAL as it is, text quoted, a BLOB in hex; long ones cut at
** BITMAP_SHOW_MAX bytes and followed by "...".  NULL on OOM.
*/
static char *bitmapShowValue(sqlite3_value *pVal) {
  const unsigned char *z;
  int n, i, bCut = 0;
  sqlite3_str *pStr;
  assert(sqlite3_value_type(pVal) != SQLITE_INTEGER
         && sqlite3_value_type(pVal) != SQLITE_NULL);
  if( sqlite3_value_type(pVal) == SQLITE_FLOAT ) {
    return bitmapShowReal(sqlite3_value_double(pVal));
  }
  pStr = sqlite3_str_new(0);
  if( sqlite3_value_type(pVal) == SQLITE_TEXT ) {
    z = sqlite3_value_text(pVal);
    n = sqlite3_value_bytes(pVal);
    if( n > BITMAP_SHOW_MAX ) {
      for( n = BITMAP_SHOW_MAX; n > 0 && (z[n] & 0xc0) == 0x80; n-- ) {}
      bCut = 1;
    }
    sqlite3_str_appendf(pStr, "'%.*q'", n, z ? (const char *)z : "");
  } else {
    z = sqlite3_value_blob(pVal);
    n = sqlite3_value_bytes(pVal);
    sqlite3_str_appendall(pStr, "x'");
    for( i = 0; i < n && i < BITMAP_SHOW_MAX / 2; i++ ) {
      sqlite3_str_appendf(pStr, "%02x", z[i]);
    }
    sqlite3_str_appendall(pStr, "'");
    bCut = n > BITMAP_SHOW_MAX / 2;
  }
  if( bCut ) sqlite3_str_appendall(pStr, "...");
  return sqlite3_str_finish(pStr);
}

/*
** Report an error of function zFunc: "zFunc: " and the message zFmt
** formats, with the error code rc (SQLITE_ERROR, or SQLITE_TOOBIG).
*/
static void bitmapError(sqlite3_context *ctx, int rc, const char *zFunc,
                        const char *zFmt, ...) {
  va_list ap;
  char *zMsg, *zErr = 0;
  va_start(ap, zFmt);
  zMsg = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
  if( zMsg ) zErr = sqlite3_mprintf("%s: %s", zFunc, zMsg);
  sqlite3_free(zMsg);
  if( zErr == 0 ) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite3_result_error(ctx, zErr, -1);
  if( rc != SQLITE_ERROR ) sqlite3_result_error_code(ctx, rc);
  sqlite3_free(zErr);
}

/* The longest BLOB or text a result may be on the connection of ctx. */
static size_t bitmapMaxBytes(sqlite3_context *ctx) {
  int n =
      sqlite3_limit(sqlite3_context_db_handle(ctx), SQLITE_LIMIT_LENGTH, -1);
  return n > 0 ? (size_t)n : 0;
}

/* Report an engine result code rc from function zFunc. */
static void bitmapResultError(sqlite3_context *ctx, const char *zFunc, int rc) {
  if( rc == ROARING_NOMEM ) {
    sqlite3_result_error_nomem(ctx);
  } else if( rc == ROARING_TOOBIG ) {
    bitmapError(ctx, SQLITE_TOOBIG, zFunc, BITMAP_TOOBIG,
                (sqlite3_int64)bitmapMaxBytes(ctx));
  } else {
    bitmapError(ctx, SQLITE_ERROR, zFunc, BITMAP_INVALID);
  }
}

/*
** The value argument pVal of zFunc: 1 with the value in *pv, 0 for NULL,
** or -1 after reporting a value that is not an integer from 0 to 2^63-1.
*/
static int bitmapValue(sqlite3_context *ctx, const char *zFunc,
                       sqlite3_value *pVal, uint64_t *pv) {
  char *zShow;
  switch( sqlite3_value_type(pVal) ) {
    case SQLITE_NULL: return 0;
    case SQLITE_INTEGER: {
      i64 v = sqlite3_value_int64(pVal);
      if( v >= 0 ) {
        *pv = (uint64_t)v;
        return 1;
      }
      bitmapError(ctx, SQLITE_ERROR, zFunc, "negative value: %lld", v);
      break;
    }
    default:
      zShow = bitmapShowValue(pVal);
      if( zShow == 0 ) {
        sqlite3_result_error_nomem(ctx);
      } else {
        bitmapError(ctx, SQLITE_ERROR, zFunc, "not an integer: %s", zShow);
      }
      sqlite3_free(zShow);
      break;
  }
  return -1;
}

/*
** The bytes of bitmap argument pVal of zFunc, in *pp and *pn: 1, or 0 for
** NULL, or -1 after reporting a value that is not a BLOB.
*/
static int bitmapBytes(sqlite3_context *ctx, const char *zFunc,
                       sqlite3_value *pVal, const void **pp, size_t *pn) {
  if( sqlite3_value_type(pVal) == SQLITE_NULL ) return 0;
  if( sqlite3_value_type(pVal) != SQLITE_BLOB ) {
    bitmapResultError(ctx, zFunc, ROARING_CORRUPT);
    return -1;
  }
  *pp = sqlite3_value_blob(pVal);
  *pn = (size_t)sqlite3_value_bytes(pVal);
  if( *pp == 0 && *pn > 0 ) {
    sqlite3_result_error_nomem(ctx); /* defensive: a failed blob() leaves */
    return -1; /* defensive: the value NULL, of 0 bytes (SQLite 3.31+) */
  }
  return 1;
}

/*
** Decode bitmap argument pVal of zFunc into the empty *r: 1 on success, 0
** for NULL, -1 after reporting an error.  *peFormat, if not NULL, is set to
** the format read (ROARING_FORMAT_*).
*/
static int bitmapRead(sqlite3_context *ctx, const char *zFunc,
                      sqlite3_value *pVal, Roaring *r, int *peFormat) {
  const void *p = 0;
  size_t n = 0;
  int e = bitmapBytes(ctx, zFunc, pVal, &p, &n), rc;
  if( e <= 0 ) return e;
  rc = roaringDeserialize(r, p, n, peFormat);
  if( rc ) {
    bitmapResultError(ctx, zFunc, rc);
    return -1;
  }
  return 1;
}

/*
** Check bitmap argument pVal of zFunc without decoding it (roaringScan()
** with value v): 1 if it is valid, with what the scan found in *pScan, 0
** for NULL, -1 after reporting an error.
*/
static int bitmapScan(sqlite3_context *ctx, const char *zFunc,
                      sqlite3_value *pVal, uint64_t v, RoaringScan *pScan) {
  const void *p = 0;
  size_t n = 0;
  int e = bitmapBytes(ctx, zFunc, pVal, &p, &n), rc;
  if( e <= 0 ) return e;
  rc = roaringScan(p, n, v, pScan);
  if( rc ) {
    bitmapResultError(ctx, zFunc, rc);
    return -1;
  }
  return 1;
}

/*
** What a bitmap argument leaves in SQLite's auxiliary data for the next
** row; SQLite keeps it only while the argument stays the same (a literal,
** a bound parameter, a scalar subquery).  Functions that decode their
** argument keep the decoded set.  Functions that read the BLOB in place
** (bitmapScanArg()) leave an empty one on the first row, and decode the
** argument on the second, so that a constant argument is decoded once and
** one that changes with every row never.
*/
typedef struct BitmapCache BitmapCache;
struct BitmapCache {
  Roaring set;  /* The argument, decoded (if bDecoded) */
  int bDecoded; /* set holds the argument */
};

/* Free a BitmapCache; the destructor of the auxiliary data. */
static void bitmapCacheFree(void *p) {
  if( p ) {
    roaringReset(&((BitmapCache *)p)->set);
    sqlite3_free(p);
  }
}

/*
** A bitmap argument that is only read.  bitmapArg() or bitmapScanArg()
** fills it; bitmapArgDone() hands the cache over to SQLite's auxiliary data
** (which frees it at once if the argument is not constant).  Call
** bitmapArgDone() after the result is set.
*/
typedef struct BitmapArg BitmapArg;
struct BitmapArg {
  Roaring *r;          /* The set, decoded, or NULL */
  BitmapCache *pCache; /* The cache r is in, or an empty one, or NULL */
  int bCached;         /* pCache came from the auxiliary data */
  int iArg;            /* Argument number */
};

/*
** The cache of argument iArg for *pArg: the one in the auxiliary data,
** else a new one (NULL only on OOM).
*/
static BitmapCache *bitmapCacheGet(sqlite3_context *ctx, int iArg,
                                   BitmapArg *pArg) {
  memset(pArg, 0, sizeof(*pArg));
  pArg->iArg = iArg;
  pArg->pCache = (BitmapCache *)sqlite3_get_auxdata(ctx, iArg);
  if( pArg->pCache ) {
    pArg->bCached = 1;
  } else {
    pArg->pCache = sqlite3_malloc64(sizeof(BitmapCache));
    if( pArg->pCache ) memset(pArg->pCache, 0, sizeof(BitmapCache));
  }
  return pArg->pCache;
}

/* Decode argument iArg into the cache of *pArg: 1, or -1 after an error. */
static int bitmapCacheFill(sqlite3_context *ctx, const char *zFunc,
                           sqlite3_value **argv, BitmapArg *pArg) {
  BitmapCache *pCache = pArg->pCache;
  if( !pCache->bDecoded ) {
    if( bitmapRead(ctx, zFunc, argv[pArg->iArg], &pCache->set, 0) < 0 ) {
      if( !pArg->bCached ) sqlite3_free(pCache);
      pArg->pCache = 0;
      return -1;
    }
    pCache->bDecoded = 1;
  }
  pArg->r = &pCache->set;
  return 1;
}

/*
** Read argument iArg of zFunc into *pArg, decoded: 1 on success, 0 for
** NULL, -1 after reporting an error.
*/
static int bitmapArg(sqlite3_context *ctx, const char *zFunc,
                     sqlite3_value **argv, int iArg, BitmapArg *pArg) {
  memset(pArg, 0, sizeof(*pArg));
  if( sqlite3_value_type(argv[iArg]) == SQLITE_NULL ) return 0;
  if( bitmapCacheGet(ctx, iArg, pArg) == 0 ) {
    sqlite3_result_error_nomem(ctx);
    return -1;
  }
  return bitmapCacheFill(ctx, zFunc, argv, pArg);
}

/*
** Read argument iArg of zFunc for a query that roaringScan() answers with
** value v: from the decoded set (pArg->r) if the argument was decoded
** for an earlier row, else in place into *pScan (pArg->r NULL).  1 on
** success, 0 for NULL, -1 after reporting an error.
*/
static int bitmapScanArg(sqlite3_context *ctx, const char *zFunc,
                         sqlite3_value **argv, int iArg, uint64_t v,
                         RoaringScan *pScan, BitmapArg *pArg) {
  int e;
  memset(pArg, 0, sizeof(*pArg));
  pArg->iArg = iArg;
  if( sqlite3_get_auxdata(ctx, iArg) ) {
    bitmapCacheGet(ctx, iArg, pArg);
    return bitmapCacheFill(ctx, zFunc, argv, pArg);
  }
  e = bitmapScan(ctx, zFunc, argv[iArg], v, pScan);
  if( e > 0 ) {
    /* An empty cache, so that the next row knows the argument is
    ** constant; without one (OOM) the next row reads in place again. */
    bitmapCacheGet(ctx, iArg, pArg);
  }
  return e;
}

/* Done with argument *pArg: keep its cache for the next row if SQLite will. */
static void bitmapArgDone(sqlite3_context *ctx, BitmapArg *pArg) {
  if( pArg->pCache && !pArg->bCached ) {
    sqlite3_set_auxdata(ctx, pArg->iArg, pArg->pCache, bitmapCacheFree);
  }
  pArg->pCache = 0;
  pArg->r = 0;
}

/* Return the set r, serialized, as the result of zFunc. */
static void bitmapResult(sqlite3_context *ctx, const char *zFunc,
                         const Roaring *r) {
  unsigned char *a;
  size_t n;
  int rc = roaringSerialize(r, &a, &n, bitmapMaxBytes(ctx));
  if( rc ) {
    bitmapResultError(ctx, zFunc, rc);
  } else {
    sqlite3_result_blob64(ctx, a, n, sqlite3_free);
  }
}

/* Finish a function that built r with engine result rc; r is reset. */
static void bitmapEditDone(sqlite3_context *ctx, const char *zFunc, int rc,
                           Roaring *r) {
  if( rc ) {
    bitmapResultError(ctx, zFunc, rc);
  } else {
    bitmapResult(ctx, zFunc, r);
  }
  roaringReset(r);
}

/************************************************************************
** Building bitmaps.
*/

/*
** bitmap(v, ...): the set of the values given; NULLs are skipped and no
** argument gives the empty bitmap.  Values go in with roaringAddLazy(), in
** any order at no extra cost.
*/
static void bitmapFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Roaring r;
  int i, rc = ROARING_OK;
  memset(&r, 0, sizeof(r));
  for( i = 0; i < argc && rc == ROARING_OK; i++ ) {
    uint64_t v;
    int e = bitmapValue(ctx, "bitmap", argv[i], &v);
    if( e < 0 ) {
      roaringReset(&r);
      return;
    }
    if( e > 0 ) rc = roaringAddLazy(&r, v, 0, 0);
  }
  if( rc == ROARING_OK ) rc = roaringSettle(&r, 0, 0);
  bitmapEditDone(ctx, "bitmap", rc, &r);
}

/* Skip JSON whitespace in z[i..n); return the index after it. */
static int bitmapJsonSpace(const char *z, int n, int i) {
  while( i < n
         && (z[i] == ' ' || z[i] == '\t' || z[i] == '\n' || z[i] == '\r') )
    i++;
  return i;
}

/*
** z[i..n) starts a value of a valid JSON text: return the index just after
** it.  The text is known to be valid, so only strings and brackets matter.
*/
static int bitmapJsonSkip(const char *z, int n, int i) {
  int nDepth = 0;
  for( ; i < n; i++ ) {
    char c = z[i];
    if( c == '"' ) {
      for( i++; i < n && z[i] != '"'; i++ ) {
        if( z[i] == '\\' ) i++;
      }
      if( nDepth == 0 ) return i + 1;
    } else if( c == '[' || c == '{' ) {
      nDepth++;
    } else if( c == ']' || c == '}' ) {
      if( nDepth == 0 ) return i;
      if( --nDepth == 0 ) return i + 1;
    } else if( nDepth == 0
               && (c == ',' || c == ' ' || c == '\t' || c == '\n'
                   || c == '\r') ) {
      return i;
    }
  }
  return i; /* defensive: valid JSON, so a ']' ends the array first */
}

/*
** Report element z[0..n) of the array given to bitmap_from_json(): zWhat
** is "negative value", "not an integer" or "value out of range".
*/
static void bitmapJsonError(sqlite3_context *ctx, const char *zWhat,
                            const char *z, int n) {
  int nShow = n;
  if( nShow > BITMAP_SHOW_MAX ) {
    for( nShow = BITMAP_SHOW_MAX; nShow > 0 && (z[nShow] & 0xc0) == 0x80;
         nShow-- ) {}
  }
  bitmapError(ctx, SQLITE_ERROR, "bitmap_from_json", "%s: %.*s%s", zWhat, nShow,
              z, nShow < n ? "..." : "");
}

/*
** Add the integers of the JSON array z[0..n) to r (with roaringAddLazy(),
** so that their order costs nothing).  SQLITE_OK, or an error code after
** reporting it.
*/
static int bitmapAddJson(sqlite3_context *ctx, const char *z, int n,
                         Roaring *r) {
  int i = bitmapJsonSpace(z, n, 0), rc;
  if( !frugalJsonValid(z, n) || i >= n || z[i] != '[' ) {
    bitmapError(ctx, SQLITE_ERROR, "bitmap_from_json", "not a JSON array");
    return SQLITE_ERROR;
  }
  for( i = bitmapJsonSpace(z, n, i + 1); i < n && z[i] != ']'; ) {
    int j = bitmapJsonSkip(z, n, i), k = i, bNeg = 0;
    uint64_t v = 0;
    if( z[k] == '-' ) {
      bNeg = 1;
      k++;
    }
    for( ; k < j && z[k] >= '0' && z[k] <= '9'; k++ ) {
      if( v > (ROARING_MAX_VALUE - (uint64_t)(z[k] - '0')) / 10 ) break;
      v = v * 10 + (uint64_t)(z[k] - '0');
    }
    if( k < j && z[k] >= '0' && z[k] <= '9' ) {
      bitmapJsonError(ctx, bNeg ? "negative value" : "value out of range",
                      z + i, j - i);
      return SQLITE_ERROR;
    }
    if( k < j || k == i + bNeg ) {
      bitmapJsonError(ctx, "not an integer", z + i, j - i);
      return SQLITE_ERROR;
    }
    if( bNeg && v > 0 ) {
      bitmapJsonError(ctx, "negative value", z + i, j - i);
      return SQLITE_ERROR;
    }
    rc = roaringAddLazy(r, v, 0, 0);
    if( rc ) {
      bitmapResultError(ctx, "bitmap_from_json", rc);
      return SQLITE_ERROR;
    }
    i = bitmapJsonSpace(z, n, j);
    if( i < n && z[i] == ',' ) i = bitmapJsonSpace(z, n, i + 1);
  }
  rc = roaringSettle(r, 0, 0);
  if( rc ) {
    bitmapResultError(ctx, "bitmap_from_json", rc);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* bitmap_from_json(json): the set of the integers in a JSON array. */
static void bitmapFromJsonFunc(sqlite3_context *ctx, int argc,
                               sqlite3_value **argv) {
  const char *z;
  Roaring r;
  (void)argc;
  if( sqlite3_value_type(argv[0]) == SQLITE_NULL ) return;
  z = (const char *)sqlite3_value_text(argv[0]);
  if( z == 0 ) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  memset(&r, 0, sizeof(r));
  if( bitmapAddJson(ctx, z, sqlite3_value_bytes(argv[0]), &r) == SQLITE_OK ) {
    bitmapResult(ctx, "bitmap_from_json", &r);
  }
  roaringReset(&r);
}

/* The largest number of decimal digits of a value (2^63-1 has 19). */
#define BITMAP_MAX_DIGITS 19

/*
** The length of the JSON array of the nCount values of r: brackets,
** commas, and the digits, which are one for each value and one more for
** each power of ten it reaches (counted with roaringRank()).
*/
static uint64_t bitmapJsonLength(const Roaring *r, uint64_t nCount) {
  uint64_t n = 2 + nCount + (nCount > 0 ? nCount - 1 : 0), p = 10;
  int i;
  for( i = 1; i < BITMAP_MAX_DIGITS; i++, p *= 10 ) {
    n += nCount - roaringRank(r, p - 1);
  }
  return n;
}

/* Write v in decimal at z; return the number of digits. */
static int bitmapPutDecimal(char *z, uint64_t v) {
  char aDigit[BITMAP_MAX_DIGITS];
  int n = 0, i;
  do {
    aDigit[n++] = (char)('0' + v % 10);
    v /= 10;
  } while( v > 0 );
  for( i = 0; i < n; i++ ) z[i] = aDigit[n - 1 - i];
  return n;
}

/*
** bitmap_to_json(b): the values of b as a JSON array, ascending.  A small
** BLOB can hold billions of values, so the length of the text is worked
** out first, exactly, and checked against SQLITE_LIMIT_LENGTH before a
** byte of it is written.
*/
static void bitmapToJsonFunc(sqlite3_context *ctx, int argc,
                             sqlite3_value **argv) {
  BitmapArg a;
  RoaringIter it;
  uint64_t nCount, nLen;
  size_t nMax = bitmapMaxBytes(ctx), i = 0;
  char *z;
  (void)argc;
  if( bitmapArg(ctx, "bitmap_to_json", argv, 0, &a) <= 0 ) return;
  nCount = roaringCount(a.r);
  /* More values than bytes cannot fit; fewer cannot overflow nLen. */
  nLen = nCount > nMax ? (uint64_t)nMax + 1 : bitmapJsonLength(a.r, nCount);
  if( nLen > nMax ) {
    bitmapResultError(ctx, "bitmap_to_json", ROARING_TOOBIG);
    bitmapArgDone(ctx, &a);
    return;
  }
  z = sqlite3_malloc64(nLen + 1);
  if( z == 0 ) {
    sqlite3_result_error_nomem(ctx);
    bitmapArgDone(ctx, &a);
    return;
  }
  z[i++] = '[';
  for( roaringIterSeek(&it, a.r, 0); !it.bEof; roaringIterNext(&it) ) {
    if( i > 1 ) z[i++] = ',';
    i += (size_t)bitmapPutDecimal(z + i, roaringIterValue(&it));
  }
  z[i++] = ']';
  z[i] = 0;
  assert(i == nLen);
  sqlite3_result_text64(ctx, z, nLen, sqlite3_free, SQLITE_UTF8);
  bitmapArgDone(ctx, &a);
}

/*
** The bitmap argument of a function that changes it, decoded into r, and
** its value arguments from index 1 on (nVal of them, into aVal[]): 1 if
** all are there, 0 if one is NULL (r is then empty), -1 after reporting an
** error.  Every argument is checked, left to right, whatever the others.
*/
static int bitmapEditArgs(sqlite3_context *ctx, const char *zFunc,
                          sqlite3_value **argv, Roaring *r, int nVal,
                          uint64_t *aVal) {
  int i, e = bitmapRead(ctx, zFunc, argv[0], r, 0);
  for( i = 0; i < nVal && e >= 0; i++ ) {
    int eVal = bitmapValue(ctx, zFunc, argv[i + 1], &aVal[i]);
    if( eVal < e ) e = eVal;
  }
  if( e <= 0 ) roaringReset(r);
  return e;
}

/* What bitmapEdit() does. */
#define BITMAP_EDIT_ADD       0 /* bitmap_add(b, v) */
#define BITMAP_EDIT_REMOVE    1 /* bitmap_remove(b, v) */
#define BITMAP_EDIT_ADD_RANGE 2 /* bitmap_add_range(b, lo, hi) */
#define BITMAP_EDIT_SLICE     3 /* bitmap_slice(b, lo, hi) */

/*
** The functions that change a bitmap: b with v added or removed, with
** every value in [lo, hi) added, or with only those kept.  A range whose
** containers alone would not fit in a BLOB is refused before any is built
** (a full container takes BITMAP_MIN_RANGE_CONT_BYTES serialized).
*/
static void bitmapEdit(sqlite3_context *ctx, sqlite3_value **argv, int eEdit,
                       const char *zFunc) {
  Roaring r;
  uint64_t a[2];
  int rc;
  memset(&r, 0, sizeof(r));
  if( bitmapEditArgs(ctx, zFunc, argv, &r,
                     eEdit < BITMAP_EDIT_ADD_RANGE ? 1 : 2, a)
      > 0 ) {
    switch( eEdit ) {
      case BITMAP_EDIT_ADD: rc = roaringAdd(&r, a[0], 0); break;
      case BITMAP_EDIT_REMOVE: rc = roaringRemove(&r, a[0], 0); break;
      case BITMAP_EDIT_ADD_RANGE:
        if( a[1] > a[0]
            && (a[1] - a[0]) >> 16
                   > bitmapMaxBytes(ctx) / BITMAP_MIN_RANGE_CONT_BYTES ) {
          rc = ROARING_TOOBIG;
        } else {
          rc = roaringAddRange(&r, a[0], a[1]);
        }
        break;
      default: rc = roaringKeepRange(&r, a[0], a[1]); break;
    }
    bitmapEditDone(ctx, zFunc, rc, &r);
  }
  roaringReset(&r);
}
static void bitmapAddFunc(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  (void)argc;
  bitmapEdit(ctx, argv, BITMAP_EDIT_ADD, "bitmap_add");
}
static void bitmapRemoveFunc(sqlite3_context *ctx, int argc,
                             sqlite3_value **argv) {
  (void)argc;
  bitmapEdit(ctx, argv, BITMAP_EDIT_REMOVE, "bitmap_remove");
}
static void bitmapAddRangeFunc(sqlite3_context *ctx, int argc,
                               sqlite3_value **argv) {
  (void)argc;
  bitmapEdit(ctx, argv, BITMAP_EDIT_ADD_RANGE, "bitmap_add_range");
}
static void bitmapSliceFunc(sqlite3_context *ctx, int argc,
                            sqlite3_value **argv) {
  (void)argc;
  bitmapEdit(ctx, argv, BITMAP_EDIT_SLICE, "bitmap_slice");
}

/************************************************************************
** Queries.
*/

/*
** bitmap_count(b), bitmap_min(b), bitmap_max(b): the number of values, the
** smallest, the largest (NULL if there is none).  All three read the BLOB
** in place (bitmapScanArg()).
*/
#define BITMAP_SCAN_COUNT 0
#define BITMAP_SCAN_MIN   1
#define BITMAP_SCAN_MAX   2
static void bitmapSummary(sqlite3_context *ctx, sqlite3_value **argv, int eWhat,
                          const char *zFunc) {
  BitmapArg a;
  RoaringScan scan;
  if( bitmapScanArg(ctx, zFunc, argv, 0, 0, &scan, &a) <= 0 ) return;
  /* SQLite runs a deterministic call with constant arguments once per
  ** statement, so this one-argument call never finds its argument cached
  ** (decoded into a.r) by an earlier row: the block below is defensive. */
  if( a.r ) {
    memset(&scan, 0, sizeof(scan));  /* defensive: see above */
    scan.nCount = roaringCount(a.r); /* defensive: see above */
    roaringMin(a.r, &scan.iMin);     /* defensive: see above */
    roaringMax(a.r, &scan.iMax);     /* defensive: see above */
  }
  if( eWhat == BITMAP_SCAN_COUNT ) {
    sqlite3_result_int64(ctx, (i64)scan.nCount);
  } else if( scan.nCount > 0 ) {
    sqlite3_result_int64(
        ctx, (i64)(eWhat == BITMAP_SCAN_MIN ? scan.iMin : scan.iMax));
  }
  bitmapArgDone(ctx, &a);
}
static void bitmapCountFunc(sqlite3_context *ctx, int argc,
                            sqlite3_value **argv) {
  (void)argc;
  bitmapSummary(ctx, argv, BITMAP_SCAN_COUNT, "bitmap_count");
}
static void bitmapMinFunc(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  (void)argc;
  bitmapSummary(ctx, argv, BITMAP_SCAN_MIN, "bitmap_min");
}
static void bitmapMaxFunc(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  (void)argc;
  bitmapSummary(ctx, argv, BITMAP_SCAN_MAX, "bitmap_max");
}

/*
** bitmap_contains(b, v): 1 if v is in b, else 0.  The BLOB is read in
** place: a binary search of the container keys, then of the one container.
*/
static void bitmapContainsFunc(sqlite3_context *ctx, int argc,
                               sqlite3_value **argv) {
  BitmapArg a;
  RoaringScan scan;
  uint64_t v = 0;
  int e;
  (void)argc;
  if( sqlite3_value_type(argv[1]) == SQLITE_INTEGER
      && sqlite3_value_int64(argv[1]) > 0 ) {
    v = (uint64_t)sqlite3_value_int64(argv[1]);
  }
  e = bitmapScanArg(ctx, "bitmap_contains", argv, 0, v, &scan, &a);
  if( e >= 0 && bitmapValue(ctx, "bitmap_contains", argv[1], &v) > 0
      && e > 0 ) {
    sqlite3_result_int(ctx, a.r ? roaringContains(a.r, v) : scan.bFound);
  }
  bitmapArgDone(ctx, &a);
}

/*
** The bitmap and the value argument of a query: 1 if both are there, 0 if
** one is NULL, -1 after reporting an error.  Both are checked whatever the
** other is.
*/
static int bitmapQueryArgs(sqlite3_context *ctx, const char *zFunc,
                           sqlite3_value **argv, BitmapArg *pA, uint64_t *pv) {
  int e = bitmapArg(ctx, zFunc, argv, 0, pA), eVal;
  if( e < 0 ) return e;
  eVal = bitmapValue(ctx, zFunc, argv[1], pv);
  if( eVal < e ) e = eVal;
  if( e <= 0 ) bitmapArgDone(ctx, pA);
  return e;
}

/* bitmap_rank(b, v): how many values of b are <= v. */
static void bitmapRankFunc(sqlite3_context *ctx, int argc,
                           sqlite3_value **argv) {
  BitmapArg a;
  uint64_t v;
  (void)argc;
  if( bitmapQueryArgs(ctx, "bitmap_rank", argv, &a, &v) <= 0 ) return;
  sqlite3_result_int64(ctx, (i64)roaringRank(a.r, v));
  bitmapArgDone(ctx, &a);
}

/*
** bitmap_nth(b, n): the n-th smallest value (from 1), NULL if none.  An n
** below 1 is NULL, not an error: there is no such value.
*/
static void bitmapNthFunc(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  BitmapArg a;
  uint64_t v;
  int e = bitmapArg(ctx, "bitmap_nth", argv, 0, &a);
  (void)argc;
  if( e < 0 ) return;
  if( sqlite3_value_type(argv[1]) != SQLITE_INTEGER ) {
    bitmapValue(ctx, "bitmap_nth", argv[1], &v); /* NULL or an error */
  } else if( e > 0 ) {
    i64 n = sqlite3_value_int64(argv[1]);
    if( n >= 1 && roaringSelect(a.r, (uint64_t)(n - 1), &v) ) {
      sqlite3_result_int64(ctx, (i64)v);
    }
  }
  bitmapArgDone(ctx, &a);
}

/*
** bitmap_info(b): what the BLOB holds, as JSON: count, bytes, format,
** buckets (distinct upper 32 bits), containers by kind as stored, and
** whether the bytes are canonical (what frugal would write).
*/
static void bitmapInfoFunc(sqlite3_context *ctx, int argc,
                           sqlite3_value **argv) {
  Roaring r;
  RoaringStats st;
  unsigned char *aOut = 0;
  size_t nOut = 0;
  int rc, eFormat = 0, bCanonical = 0;
  const void *pIn;
  int nIn;
  char *z;
  (void)argc;
  memset(&r, 0, sizeof(r));
  if( bitmapRead(ctx, "bitmap_info", argv[0], &r, &eFormat) <= 0 ) return;
  pIn = sqlite3_value_blob(argv[0]);
  nIn = sqlite3_value_bytes(argv[0]);
  rc = roaringSerialize(&r, &aOut, &nOut, (size_t)-1);
  if( rc ) {
    bitmapResultError(ctx, "bitmap_info", rc);
    roaringReset(&r);
    return;
  }
  bCanonical = nOut == (size_t)nIn && memcmp(aOut, pIn, nOut) == 0;
  sqlite3_free(aOut);
  roaringStats(&r, &st);
  z = sqlite3_mprintf(
      "{\"count\":%llu,\"bytes\":%d,\"format\":\"roaring%d\",\"buckets\":%d,"
      "\"containers\":{\"array\":%d,\"bitset\":%d,\"run\":%d},"
      "\"canonical\":%s}",
      (sqlite3_uint64)roaringCount(&r), nIn, eFormat, st.nBucket, st.nArray,
      st.nBitset, st.nRun, bCanonical ? "true" : "false");
  roaringReset(&r);
  if( z == 0 ) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite3_result_text(ctx, z, -1, sqlite3_free);
}

/************************************************************************
** Set operations.
*/

/*
** bitmap_and/or/xor(a, b, ...) and bitmap_andnot(a, b): fold the arguments
** left to right with eOp.  One argument gives it back in canonical form;
** a NULL argument gives NULL (once every other one is checked).
*/
static void bitmapSetOp(sqlite3_context *ctx, int argc, sqlite3_value **argv,
                        int eOp, const char *zFunc) {
  Roaring r;
  int i, bNull = 0, rc = ROARING_OK;
  if( argc < 1 ) {
    bitmapError(ctx, SQLITE_ERROR, zFunc, "wrong number of arguments");
    return;
  }
  for( i = 0; i < argc; i++ ) {
    bNull |= sqlite3_value_type(argv[i]) == SQLITE_NULL;
  }
  if( bNull ) {
    /* The result is NULL; the other arguments must still be bitmaps. */
    for( i = 0; i < argc; i++ ) {
      RoaringScan scan;
      if( bitmapScan(ctx, zFunc, argv[i], 0, &scan) < 0 ) return;
    }
    return;
  }
  memset(&r, 0, sizeof(r));
  if( bitmapRead(ctx, zFunc, argv[0], &r, 0) < 0 ) return;
  for( i = 1; i < argc && rc == ROARING_OK; i++ ) {
    BitmapArg b;
    if( bitmapArg(ctx, zFunc, argv, i, &b) < 0 ) {
      roaringReset(&r);
      return;
    }
    rc = roaringOpInPlace(eOp, &r, b.r);
    bitmapArgDone(ctx, &b);
  }
  bitmapEditDone(ctx, zFunc, rc, &r);
}
static void bitmapAndFunc(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  bitmapSetOp(ctx, argc, argv, ROARING_AND, "bitmap_and");
}
static void bitmapOrFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  bitmapSetOp(ctx, argc, argv, ROARING_OR, "bitmap_or");
}
static void bitmapXorFunc(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  bitmapSetOp(ctx, argc, argv, ROARING_XOR, "bitmap_xor");
}
static void bitmapAndnotFunc(sqlite3_context *ctx, int argc,
                             sqlite3_value **argv) {
  bitmapSetOp(ctx, argc, argv, ROARING_ANDNOT, "bitmap_andnot");
}

/*
** The two bitmap arguments of a comparison: 1 if both are there, 0 if
** one is NULL, -1 after reporting an error.  Both are checked whatever the
** other is.
*/
static int bitmapPairArgs(sqlite3_context *ctx, const char *zFunc,
                          sqlite3_value **argv, BitmapArg *pA, BitmapArg *pB) {
  int e = bitmapArg(ctx, zFunc, argv, 0, pA), eB;
  memset(pB, 0, sizeof(*pB));
  if( e < 0 ) return e;
  eB = bitmapArg(ctx, zFunc, argv, 1, pB);
  if( eB < e ) e = eB;
  if( e <= 0 ) {
    bitmapArgDone(ctx, pA);
    bitmapArgDone(ctx, pB);
  }
  return e;
}

/* Done with the two arguments of a comparison. */
static void bitmapPairDone(sqlite3_context *ctx, BitmapArg *pA, BitmapArg *pB) {
  bitmapArgDone(ctx, pA);
  bitmapArgDone(ctx, pB);
}

/* bitmap_and/or/xor/andnot_count(a, b): the size of a eOp b. */
static void bitmapOpCount(sqlite3_context *ctx, sqlite3_value **argv, int eOp,
                          const char *zFunc) {
  BitmapArg a, b;
  if( bitmapPairArgs(ctx, zFunc, argv, &a, &b) <= 0 ) return;
  sqlite3_result_int64(ctx, (i64)roaringOpCount(eOp, a.r, b.r));
  bitmapPairDone(ctx, &a, &b);
}
static void bitmapAndCountFunc(sqlite3_context *ctx, int argc,
                               sqlite3_value **argv) {
  (void)argc;
  bitmapOpCount(ctx, argv, ROARING_AND, "bitmap_and_count");
}
static void bitmapOrCountFunc(sqlite3_context *ctx, int argc,
                              sqlite3_value **argv) {
  (void)argc;
  bitmapOpCount(ctx, argv, ROARING_OR, "bitmap_or_count");
}
static void bitmapXorCountFunc(sqlite3_context *ctx, int argc,
                               sqlite3_value **argv) {
  (void)argc;
  bitmapOpCount(ctx, argv, ROARING_XOR, "bitmap_xor_count");
}
static void bitmapAndnotCountFunc(sqlite3_context *ctx, int argc,
                                  sqlite3_value **argv) {
  (void)argc;
  bitmapOpCount(ctx, argv, ROARING_ANDNOT, "bitmap_andnot_count");
}

/* bitmap_intersects(a, b): 1 if a and b share a value. */
static void bitmapIntersectsFunc(sqlite3_context *ctx, int argc,
                                 sqlite3_value **argv) {
  BitmapArg a, b;
  (void)argc;
  if( bitmapPairArgs(ctx, "bitmap_intersects", argv, &a, &b) <= 0 ) return;
  sqlite3_result_int(ctx, roaringIntersects(a.r, b.r));
  bitmapPairDone(ctx, &a, &b);
}

/* bitmap_is_subset(a, b): 1 if every value of a is in b. */
static void bitmapIsSubsetFunc(sqlite3_context *ctx, int argc,
                               sqlite3_value **argv) {
  BitmapArg a, b;
  (void)argc;
  if( bitmapPairArgs(ctx, "bitmap_is_subset", argv, &a, &b) <= 0 ) return;
  sqlite3_result_int(ctx, roaringIsSubset(a.r, b.r));
  bitmapPairDone(ctx, &a, &b);
}

/*
** bitmap_jaccard(a, b): |a and b| / |a or b|, a REAL; NULL if both are
** empty.
*/
static void bitmapJaccardFunc(sqlite3_context *ctx, int argc,
                              sqlite3_value **argv) {
  BitmapArg a, b;
  uint64_t nAnd, nOr;
  (void)argc;
  if( bitmapPairArgs(ctx, "bitmap_jaccard", argv, &a, &b) <= 0 ) return;
  nAnd = roaringOpCount(ROARING_AND, a.r, b.r);
  nOr = roaringCount(a.r) + roaringCount(b.r) - nAnd;
  if( nOr > 0 ) sqlite3_result_double(ctx, (double)nAnd / (double)nOr);
  bitmapPairDone(ctx, &a, &b);
}

/************************************************************************
** Aggregates.
*/

/* The most bits a count of repeats can need. */
#define BITMAP_MAX_REPEAT_BITS 64

/* Values bitmap_agg() takes before it adds them to its set together. */
#define BITMAP_AGG_BATCH 512

/*
** Repeats are counted in batches: a hash table of BITMAP_REPEAT_SLOTS
** slots (a power of two) gathers the repeats of up to half as many values,
** then they are added to the counts together, a value repeated c times in
** the batch costing O(log c) changes of the counts, not c.  When a batch
** saves less than half the changes (most of its values came once), the
** next BITMAP_REPEAT_DIRECT repeats skip the table.
*/
#define BITMAP_REPEAT_SLOTS  4096
#define BITMAP_REPEAT_DIRECT 65536

/*
** The state of bitmap_agg(), in its aggregate context (zeroed at first).
** A value v has entered 0 times if it is not in set, else 1 + R(v) times,
** where R(v) = sum of 2^i over the i with v in aRepeat[i], plus its count
** in the table of repeats not yet counted in (aRepKey, aRepCount).
*/
typedef struct BitmapAgg BitmapAgg;
struct BitmapAgg {
  Roaring set;           /* The values in the frame */
  Roaring *aRepeat;      /* Bit i of the count of repeats of each value */
  int nRepeat;           /* Sets in aRepeat */
  int nRepUsed;          /* Slots of the table in use */
  sqlite3_int64 nRepIn;  /* Repeats in the table */
  sqlite3_int64 nDirect; /* Repeats still to count without the table */
  uint64_t *aRepKey;     /* Table of BITMAP_REPEAT_SLOTS repeated values */
  uint32_t *aRepCount;   /* Their repeats; 0: the slot is free */
  uint16_t *aRepSlot;    /* The slots in use, nRepUsed of them */
  int nBatch;            /* Values in aBatch, not yet in set */
  uint64_t aBatch[BITMAP_AGG_BATCH];   /* The latest values, to add at once */
  uint64_t aSortTmp[BITMAP_AGG_BATCH]; /* Room to sort them by key */
};

/* Free the table of repeats not yet counted. */
static void bitmapAggFreeTable(BitmapAgg *p) {
  sqlite3_free(p->aRepKey);
  sqlite3_free(p->aRepCount);
  sqlite3_free(p->aRepSlot);
  p->aRepKey = 0;
  p->aRepCount = 0;
  p->aRepSlot = 0;
  p->nRepUsed = 0;
  p->nRepIn = 0;
}

/*
** Add c to R(v), in binary from bit 0 up.  On failure the counts are wrong
** (the statement fails) but the sets valid.
*/
static int bitmapAggAddRepeats(BitmapAgg *p, uint64_t v, uint64_t c) {
  int i, bAdded, rc = ROARING_OK;
  for( i = 0; c && rc == ROARING_OK; i++, c >>= 1 ) {
    if( (c & 1) == 0 ) continue;             /* Bit i of R(v) stays as it is */
    if( i == BITMAP_MAX_REPEAT_BITS ) break; /* defensive: 2^64 repeats */
    if( i >= p->nRepeat ) {
      Roaring *aNew = sqlite3_realloc64(p->aRepeat, (i + 1) * sizeof(Roaring));
      if( aNew == 0 ) return ROARING_NOMEM;
      memset(&aNew[p->nRepeat], 0, (i + 1 - p->nRepeat) * sizeof(Roaring));
      p->aRepeat = aNew;
      p->nRepeat = i + 1;
    }
    /* Add 2^i: set bit i, or clear it and carry 2^(i+1). */
    rc = roaringAdd(&p->aRepeat[i], v, &bAdded);
    if( rc == ROARING_OK && !bAdded ) {
      rc = roaringRemove(&p->aRepeat[i], v, 0);
      c += 2;
    }
  }
  return rc;
}

/* Count the repeats in the table into aRepeat and empty the table. */
static int bitmapAggCountRepeats(BitmapAgg *p) {
  int u, rc = ROARING_OK;
  for( u = 0; u < p->nRepUsed && rc == ROARING_OK; u++ ) {
    int j = p->aRepSlot[u];
    rc = bitmapAggAddRepeats(p, p->aRepKey[j], p->aRepCount[j]);
  }
  if( p->nRepIn < 2 * (sqlite3_int64)p->nRepUsed ) {
    p->nDirect = BITMAP_REPEAT_DIRECT; /* The table saved too little */
  }
  for( u = 0; u < p->nRepUsed; u++ ) p->aRepCount[p->aRepSlot[u]] = 0;
  p->nRepUsed = 0;
  p->nRepIn = 0;
  return rc;
}

/* Count one more repeat of v: add 1 to R(v), in the table for now. */
static int bitmapAggRepeat(BitmapAgg *p, uint64_t v) {
  uint64_t h;
  int j;
  if( p->nDirect > 0 ) {
    p->nDirect--;
    return bitmapAggAddRepeats(p, v, 1);
  }
  if( p->aRepKey == 0 ) {
    p->aRepKey = sqlite3_malloc64(BITMAP_REPEAT_SLOTS * sizeof(uint64_t));
    p->aRepCount = sqlite3_malloc64(BITMAP_REPEAT_SLOTS * sizeof(uint32_t));
    p->aRepSlot = sqlite3_malloc64(BITMAP_REPEAT_SLOTS / 2 * sizeof(uint16_t));
    if( p->aRepKey == 0 || p->aRepCount == 0 || p->aRepSlot == 0 ) {
      bitmapAggFreeTable(p);
      return ROARING_NOMEM;
    }
    memset(p->aRepCount, 0, BITMAP_REPEAT_SLOTS * sizeof(uint32_t));
  }
  p->nRepIn++;
  /* Open addressing, linear probing, from a multiplicative hash. */
  h = (v * 0x9e3779b97f4a7c15ULL) >> 32;
  for( j = (int)(h & (BITMAP_REPEAT_SLOTS - 1));;
       j = (j + 1) & (BITMAP_REPEAT_SLOTS - 1) ) {
    if( p->aRepCount[j] == 0 ) break;
    if( p->aRepKey[j] == v ) {
      if( ++p->aRepCount[j] == UINT32_MAX ) return bitmapAggCountRepeats(p);
      return ROARING_OK;
    }
  }
  p->aRepKey[j] = v;
  p->aRepCount[j] = 1;
  p->aRepSlot[p->nRepUsed] = (uint16_t)j;
  if( ++p->nRepUsed == BITMAP_REPEAT_SLOTS / 2 ) {
    return bitmapAggCountRepeats(p);
  }
  return ROARING_OK;
}

/* Take one entry of v out: 1 less repeat, or v out of the set. */
static int bitmapAggUnrepeat(BitmapAgg *p, uint64_t v) {
  int i, j, rc;
  for( i = 0; i < p->nRepeat; i++ ) {
    if( roaringContains(&p->aRepeat[i], v) ) {
      /* Subtract 1 from R(v): clear bit i, set the bits below it. */
      rc = roaringRemove(&p->aRepeat[i], v, 0);
      for( j = 0; j < i && rc == ROARING_OK; j++ ) {
        rc = roaringAdd(&p->aRepeat[j], v, 0);
      }
      return rc;
    }
  }
  return roaringRemove(&p->set, v, 0);
}

/* Release what a bitmap_agg() state holds. */
static void bitmapAggReset(BitmapAgg *p) {
  int i;
  roaringReset(&p->set);
  for( i = 0; i < p->nRepeat; i++ ) roaringReset(&p->aRepeat[i]);
  sqlite3_free(p->aRepeat);
  p->aRepeat = 0;
  p->nRepeat = 0;
  bitmapAggFreeTable(p);
}

/* The RoaringRepeatFunc of bitmap_agg(): count a repeat of v. */
static int bitmapAggOnRepeat(void *pArg, uint64_t v) {
  return bitmapAggRepeat((BitmapAgg *)pArg, v);
}

/*
** Add the batch of values to the set (lazily: see roaringAddLazyMany()) and
** empty it, also on failure (the statement fails then), so that the batch
** never overflows.
*/
static int bitmapAggFlush(BitmapAgg *p) {
  int rc;
  roaringSortBatch(p->aBatch, p->nBatch, p->aSortTmp);
  rc = roaringAddLazyMany(&p->set, p->aBatch, p->nBatch, bitmapAggOnRepeat, p);
  p->nBatch = 0;
  return rc;
}

/* Add the batch of values to the set and settle it, so that it can be read. */
static int bitmapAggSettle(BitmapAgg *p) {
  int rc = bitmapAggFlush(p);
  if( rc ) return rc;
  return roaringSettle(&p->set, bitmapAggOnRepeat, p);
}

/*
** bitmap_agg(v) step: add v; NULL is skipped.  Values are kept in a batch,
** added lazily (see roaringAddLazyMany()) once the batch is full, and
** settled before the set is read.
*/
static void bitmapAggStep(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  BitmapAgg *p;
  sqlite3_int64 iVal;
  uint64_t v;
  int rc;
  (void)argc;
  if( sqlite3_value_type(argv[0]) == SQLITE_INTEGER
      && (iVal = sqlite3_value_int64(argv[0])) >= 0 ) {
    v = (uint64_t)iVal; /* The usual case, quickly */
  } else if( bitmapValue(ctx, "bitmap_agg", argv[0], &v) <= 0 ) {
    return;
  }
  p = sqlite3_aggregate_context(ctx, sizeof(*p));
  if( p == 0 ) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  p->aBatch[p->nBatch++] = v;
  if( p->nBatch == BITMAP_AGG_BATCH && (rc = bitmapAggFlush(p)) != 0 ) {
    bitmapResultError(ctx, "bitmap_agg", rc);
  }
}

/* bitmap_agg(v) inverse: v leaves the window frame. */
static void bitmapAggInverse(sqlite3_context *ctx, int argc,
                             sqlite3_value **argv) {
  BitmapAgg *p;
  uint64_t v;
  int rc;
  (void)argc;
  if( bitmapValue(ctx, "bitmap_agg", argv[0], &v) <= 0 ) return;
  p = sqlite3_aggregate_context(ctx, sizeof(*p));
  if( p == 0 ) {
    sqlite3_result_error_nomem(ctx); /* defensive: xStep made the context */
    return;                          /* defensive: as above */
  }
  rc = bitmapAggSettle(p);
  if( rc == ROARING_OK ) rc = bitmapAggCountRepeats(p);
  if( rc == ROARING_OK ) rc = bitmapAggUnrepeat(p, v);
  if( rc ) bitmapResultError(ctx, "bitmap_agg", rc);
}

/* bitmap_agg(v) value: the set so far (empty with no rows). */
static void bitmapAggValue(sqlite3_context *ctx) {
  BitmapAgg *p = sqlite3_aggregate_context(ctx, 0);
  Roaring empty;
  int rc;
  memset(&empty, 0, sizeof(empty));
  if( p == 0 ) {
    bitmapResult(ctx, "bitmap_agg", &empty);
    return;
  }
  rc = bitmapAggSettle(p);
  if( rc ) {
    bitmapResultError(ctx, "bitmap_agg", rc);
  } else {
    bitmapResult(ctx, "bitmap_agg", &p->set);
  }
}

/* bitmap_agg(v) final. */
static void bitmapAggFinal(sqlite3_context *ctx) {
  BitmapAgg *p = sqlite3_aggregate_context(ctx, 0);
  bitmapAggValue(ctx);
  if( p ) bitmapAggReset(p);
}

/*
** The most partial results bitmap_or_agg() and friends keep: each has
** fewer than half the containers of the one before, so 2^31 containers
** need no more than 33.
*/
#define BITMAP_FOLD_DEPTH 40

/*
** The state of bitmap_or_agg() and friends.  Folding each bitmap into one
** growing result would cost the size of the result at every row: n small
** bitmaps with different keys would cost O(n^2).  So the bitmaps wait on a
** stack of partial results, each with fewer than half the containers of
** the one below; a new one is folded into the top while it is at least
** half as big, and the stack is folded down at the end.  Each container
** is then folded O(log n) times, and the partial results together are at
** most twice the biggest.
*/
typedef struct BitmapFold BitmapFold;
struct BitmapFold {
  Roaring aSet[BITMAP_FOLD_DEPTH]; /* Partial results, bottom first */
  int nSet;                        /* Partial results on the stack */
};

/*
** Fold the top of the stack of p into the one below while it is at least
** half its size, or (bAll) until one is left.
*/
static int bitmapFoldDown(BitmapFold *p, int eOp, int bAll) {
  while( p->nSet > 1 ) {
    Roaring *pTop = &p->aSet[p->nSet - 1];
    int rc;
    if( !bAll && (sqlite3_int64)pTop->nCont * 2 < pTop[-1].nCont ) break;
    rc = roaringOpInPlace(eOp, &pTop[-1], pTop);
    if( rc ) return rc;
    roaringReset(pTop);
    p->nSet--;
  }
  return ROARING_OK;
}

/* A step of bitmap_or_agg() and friends: fold in argv[0] with eOp. */
static void bitmapFoldStep(sqlite3_context *ctx, sqlite3_value **argv, int eOp,
                           const char *zFunc) {
  BitmapFold *p;
  int rc;
  if( sqlite3_value_type(argv[0]) == SQLITE_NULL ) return;
  p = sqlite3_aggregate_context(ctx, sizeof(*p));
  if( p == 0 ) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  assert(p->nSet < BITMAP_FOLD_DEPTH);
  if( bitmapRead(ctx, zFunc, argv[0], &p->aSet[p->nSet], 0) <= 0 ) return;
  p->nSet++;
  rc = bitmapFoldDown(p, eOp, 0);
  if( rc ) bitmapResultError(ctx, zFunc, rc);
}

/*
** The result of bitmap_or_agg() and friends.  With no bitmap at all, OR
** and XOR give the empty bitmap and AND gives NULL (it has no identity).
*/
static void bitmapFoldFinal(sqlite3_context *ctx, int eOp, const char *zFunc) {
  BitmapFold *p = sqlite3_aggregate_context(ctx, 0);
  if( p && p->nSet > 0 ) {
    int rc = bitmapFoldDown(p, eOp, 1), i;
    if( rc ) {
      bitmapResultError(ctx, zFunc, rc);
    } else {
      bitmapResult(ctx, zFunc, &p->aSet[0]);
    }
    for( i = 0; i < p->nSet; i++ ) roaringReset(&p->aSet[i]);
    p->nSet = 0;
  } else if( eOp != ROARING_AND ) {
    Roaring empty;
    memset(&empty, 0, sizeof(empty));
    bitmapResult(ctx, zFunc, &empty);
  }
}

static void bitmapOrAggStep(sqlite3_context *ctx, int argc,
                            sqlite3_value **argv) {
  (void)argc;
  bitmapFoldStep(ctx, argv, ROARING_OR, "bitmap_or_agg");
}
static void bitmapOrAggFinal(sqlite3_context *ctx) {
  bitmapFoldFinal(ctx, ROARING_OR, "bitmap_or_agg");
}
static void bitmapAndAggStep(sqlite3_context *ctx, int argc,
                             sqlite3_value **argv) {
  (void)argc;
  bitmapFoldStep(ctx, argv, ROARING_AND, "bitmap_and_agg");
}
static void bitmapAndAggFinal(sqlite3_context *ctx) {
  bitmapFoldFinal(ctx, ROARING_AND, "bitmap_and_agg");
}
static void bitmapXorAggStep(sqlite3_context *ctx, int argc,
                             sqlite3_value **argv) {
  (void)argc;
  bitmapFoldStep(ctx, argv, ROARING_XOR, "bitmap_xor_agg");
}
static void bitmapXorAggFinal(sqlite3_context *ctx) {
  bitmapFoldFinal(ctx, ROARING_XOR, "bitmap_xor_agg");
}

/************************************************************************
** bitmap_each(b): the values of b, one row each, ascending.
*/

/* Columns. */
#define EACH_COL_VALUE  0 /* value */
#define EACH_COL_BITMAP 1 /* HIDDEN bitmap: the argument */

/*
** The plan that eachBestIndex() hands to eachFilter() in idxNum: one bit
** for each argument passed in argv[], in the order of the bits.
*/
#define EACH_PLAN_BITMAP 0x01 /* bitmap = ? */
#define EACH_PLAN_EQ     0x02 /* value = ? */
#define EACH_PLAN_GT     0x04 /* value > ? */
#define EACH_PLAN_GE     0x08 /* value >= ? */
#define EACH_PLAN_LT     0x10 /* value < ? */
#define EACH_PLAN_LE     0x20 /* value <= ? */
#define EACH_PLAN_NSLOT  6

/* Rows the planner is told to expect from a bitmap. */
#define EACH_EST_ROWS 100000

/* 2^63 as a double: the first double above every value. */
#define EACH_TWO_63 9223372036854775808.0

/* A scan of one bitmap. */
typedef struct EachCursor EachCursor;
struct EachCursor {
  sqlite3_vtab_cursor base; /* Base class - must be first */
  Roaring set;              /* The bitmap, decoded */
  RoaringIter it;           /* The current value */
  sqlite3_value *pBitmap;   /* The argument, for the hidden column */
  uint64_t iLast;           /* Stop after this value */
  int bEof;                 /* No more rows */
};

/* xConnect: bitmap_each reads only its argument, so it is innocuous. */
static int eachConnect(sqlite3 *db, void *pAux, int argc,
                       const char *const *argv, sqlite3_vtab **ppVtab,
                       char **pzErr) {
  sqlite3_vtab *p;
  int rc;
  (void)pAux;
  (void)argc;
  (void)argv;
  rc = sqlite3_declare_vtab(db, "CREATE TABLE x(value INTEGER, bitmap HIDDEN)");
  if( rc != SQLITE_OK ) return rc;
  p = sqlite3_malloc64(sizeof(*p));
  if( p == 0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  rc = sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  /* SQLite accepts SQLITE_VTAB_INNOCUOUS from xConnect since 3.31.0, which
  ** frugal requires, so the error path below is defensive. */
  if( rc != SQLITE_OK ) {
    const char *zWhy = sqlite3_errstr(rc); /* defensive: see above */
    sqlite3_free(p);                       /* defensive: see above */
    *pzErr = sqlite3_mprintf("bitmap_each: %s", zWhy); /* defensive */
    return rc;                                         /* defensive */
  }
  *ppVtab = p;
  return SQLITE_OK;
}

/* xDisconnect. */
static int eachDisconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

/* xOpen. */
static int eachOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur) {
  EachCursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  (void)pVtab;
  if( pCur == 0 ) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  pCur->bEof = 1;
  *ppCur = &pCur->base;
  return SQLITE_OK;
}

/* Release what a scan holds. */
static void eachReset(EachCursor *pCur) {
  roaringReset(&pCur->set);
  sqlite3_value_free(pCur->pBitmap);
  pCur->pBitmap = 0;
  pCur->bEof = 1;
}

/* xClose. */
static int eachClose(sqlite3_vtab_cursor *cur) {
  EachCursor *pCur = (EachCursor *)cur;
  eachReset(pCur);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/*
** xBestIndex.  The bitmap must be given as the argument.  Constraints on
** value are passed on as bounds (EACH_PLAN_*) but not omitted: SQLite
** still checks them, so the bounds need only be conservative for values
** that are not integers.
*/
static int eachBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  int aSlot[EACH_PLAN_NSLOT]; /* Constraint that fills each plan bit */
  int bUnusable = 0;
  int i, nArg = 0, idxNum = 0;
  for( i = 0; i < EACH_PLAN_NSLOT; i++ ) aSlot[i] = -1;
  for( i = 0; i < pInfo->nConstraint; i++ ) {
    const struct sqlite3_index_constraint *pC = &pInfo->aConstraint[i];
    int iSlot = -1;
    if( pC->iColumn == EACH_COL_BITMAP ) {
      if( pC->op != SQLITE_INDEX_CONSTRAINT_EQ ) continue;
      if( !pC->usable ) {
        bUnusable = 1;
        continue;
      }
      iSlot = 0;
    } else if( pC->iColumn == EACH_COL_VALUE && pC->usable ) {
      switch( pC->op ) {
        case SQLITE_INDEX_CONSTRAINT_EQ: iSlot = 1; break;
        case SQLITE_INDEX_CONSTRAINT_GT: iSlot = 2; break;
        case SQLITE_INDEX_CONSTRAINT_GE: iSlot = 3; break;
        case SQLITE_INDEX_CONSTRAINT_LT: iSlot = 4; break;
        case SQLITE_INDEX_CONSTRAINT_LE: iSlot = 5; break;
      }
    }
    if( iSlot >= 0 && aSlot[iSlot] < 0 ) aSlot[iSlot] = i;
  }
  if( bUnusable ) return SQLITE_CONSTRAINT;
  if( aSlot[0] < 0 ) {
    sqlite3_free(pVtab->zErrMsg);
    pVtab->zErrMsg = sqlite3_mprintf("bitmap_each: missing bitmap argument");
    return pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  for( i = 0; i < EACH_PLAN_NSLOT; i++ ) {
    if( aSlot[i] < 0 ) continue;
    idxNum |= 1 << i;
    pInfo->aConstraintUsage[aSlot[i]].argvIndex = ++nArg;
    pInfo->aConstraintUsage[aSlot[i]].omit = i == 0;
  }
  pInfo->idxNum = idxNum;
  pInfo->estimatedRows = (idxNum & EACH_PLAN_EQ)      ? 1
                       : (idxNum & ~EACH_PLAN_BITMAP) ? EACH_EST_ROWS / 10
                                                      : EACH_EST_ROWS;
  pInfo->estimatedCost = (double)pInfo->estimatedRows;
  if( idxNum & EACH_PLAN_EQ ) pInfo->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
  pInfo->orderByConsumed = pInfo->nOrderBy == 1
                        && pInfo->aOrderBy[0].iColumn == EACH_COL_VALUE
                        && !pInfo->aOrderBy[0].desc;
  return SQLITE_OK;
}

/*
** Narrow [*pLo, *pHi] by the constraint "value <eOp> pVal" (eOp one of
** EACH_PLAN_EQ.._LE); *pbEmpty is set if nothing can match.  NULL matches
** nothing; text and BLOBs are left to SQLite.
*/
static void eachNarrow(int eOp, sqlite3_value *pVal, uint64_t *pLo,
                       uint64_t *pHi, int *pbEmpty) {
  uint64_t lo = 0, hi = ROARING_MAX_VALUE;
  int bEmpty = 0;
  if( sqlite3_value_type(pVal) == SQLITE_NULL ) {
    bEmpty = 1;
  } else if( sqlite3_value_type(pVal) == SQLITE_INTEGER ) {
    i64 v = sqlite3_value_int64(pVal);
    switch( eOp ) {
      case EACH_PLAN_EQ:
        bEmpty = v < 0;
        lo = hi = (uint64_t)v;
        break;
      case EACH_PLAN_GT:
        if( (uint64_t)v == ROARING_MAX_VALUE ) bEmpty = 1;
        if( v >= 0 ) lo = (uint64_t)v + 1;
        break;
      case EACH_PLAN_GE:
        if( v > 0 ) lo = (uint64_t)v;
        break;
      case EACH_PLAN_LT:
        bEmpty = v <= 0;
        hi = (uint64_t)v - 1;
        break;
      default:
        bEmpty = v < 0;
        hi = (uint64_t)v;
        break;
    }
  } else if( sqlite3_value_type(pVal) == SQLITE_FLOAT ) {
    double r = sqlite3_value_double(pVal);
    double f = floor(r), c = ceil(r);
    switch( eOp ) {
      case EACH_PLAN_EQ:
        bEmpty = f != c || r < 0.0 || r >= EACH_TWO_63;
        if( !bEmpty ) lo = hi = (uint64_t)r;
        break;
      case EACH_PLAN_GT:
        if( f >= EACH_TWO_63 - 1.0 ) bEmpty = 1;
        if( !bEmpty && f >= 0.0 ) lo = (uint64_t)f + 1;
        break;
      case EACH_PLAN_GE:
        if( c >= EACH_TWO_63 ) bEmpty = 1;
        if( !bEmpty && c > 0.0 ) lo = (uint64_t)c;
        break;
      case EACH_PLAN_LT:
        if( c <= 0.0 ) bEmpty = 1;
        if( !bEmpty && c - 1.0 < EACH_TWO_63 ) hi = (uint64_t)(c - 1.0);
        break;
      default:
        if( f < 0.0 ) bEmpty = 1;
        if( !bEmpty && f < EACH_TWO_63 ) hi = (uint64_t)f;
        break;
    }
    if( r != r ) bEmpty = 1; /* NaN */
  }
  if( lo > *pLo ) *pLo = lo;
  if( hi < *pHi ) *pHi = hi;
  *pbEmpty |= bEmpty;
}

/*
** xFilter: start a scan.  argv[] holds the arguments eachBestIndex() chose,
** in the order of the EACH_PLAN_* bits of idxNum.
*/
static int eachFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr,
                      int argc, sqlite3_value **argv) {
  EachCursor *pCur = (EachCursor *)cur;
  sqlite3_vtab *pVtab = cur->pVtab;
  uint64_t lo = 0, hi = ROARING_MAX_VALUE;
  int i, iArg = 1, bEmpty = 0, rc;
  const void *p;
  int n;
  (void)idxStr;
  (void)argc;
  eachReset(pCur);
  for( i = 1; i < EACH_PLAN_NSLOT; i++ ) {
    if( idxNum & (1 << i) ) eachNarrow(1 << i, argv[iArg++], &lo, &hi, &bEmpty);
  }
  if( sqlite3_value_type(argv[0]) == SQLITE_NULL ) return SQLITE_OK;
  rc = ROARING_CORRUPT;
  if( sqlite3_value_type(argv[0]) == SQLITE_BLOB ) {
    p = sqlite3_value_blob(argv[0]);
    n = sqlite3_value_bytes(argv[0]);
    if( p == 0 && n > 0 ) return SQLITE_NOMEM;
    if( bEmpty || lo > hi ) {
      /* No row can match, but the bitmap must still be one. */
      RoaringScan scan;
      rc = roaringScan(p, (size_t)n, 0, &scan);
      if( rc == ROARING_OK ) return SQLITE_OK;
    } else {
      rc = roaringDeserialize(&pCur->set, p, (size_t)n, 0);
    }
  }
  if( rc == ROARING_NOMEM ) return SQLITE_NOMEM;
  if( rc ) {
    sqlite3_free(pVtab->zErrMsg);
    pVtab->zErrMsg = sqlite3_mprintf("bitmap_each: " BITMAP_INVALID);
    return pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  pCur->pBitmap = sqlite3_value_dup(argv[0]);
  if( pCur->pBitmap == 0 ) return SQLITE_NOMEM;
  pCur->iLast = hi;
  roaringIterSeek(&pCur->it, &pCur->set, lo);
  pCur->bEof = pCur->it.bEof || roaringIterValue(&pCur->it) > hi;
  return SQLITE_OK;
}

/* xNext. */
static int eachNext(sqlite3_vtab_cursor *cur) {
  EachCursor *pCur = (EachCursor *)cur;
  roaringIterNext(&pCur->it);
  pCur->bEof = pCur->it.bEof || roaringIterValue(&pCur->it) > pCur->iLast;
  return SQLITE_OK;
}

/* xEof. */
static int eachEof(sqlite3_vtab_cursor *cur) {
  return ((EachCursor *)cur)->bEof;
}

/* xColumn. */
static int eachColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  EachCursor *pCur = (EachCursor *)cur;
  if( i == EACH_COL_VALUE ) {
    sqlite3_result_int64(ctx, (i64)roaringIterValue(&pCur->it));
  } else {
    sqlite3_result_value(ctx, pCur->pBitmap);
  }
  return SQLITE_OK;
}

/* xRowid: the value itself, unique in a bitmap. */
static int eachRowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *pRowid) {
  *pRowid = (i64)roaringIterValue(&((EachCursor *)cur)->it);
  return SQLITE_OK;
}

static const sqlite3_module eachModule = {
  .iVersion = 0,
  .xConnect = eachConnect,
  .xBestIndex = eachBestIndex,
  .xDisconnect = eachDisconnect,
  .xOpen = eachOpen,
  .xClose = eachClose,
  .xFilter = eachFilter,
  .xNext = eachNext,
  .xEof = eachEof,
  .xColumn = eachColumn,
  .xRowid = eachRowid,
};

/************************************************************************
** Registration.
*/

/* Every bitmap function reads only its arguments. */
#define BITMAP_FLAGS (SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS)

/* A scalar function, an aggregate, a window function. */
#define BITMAP_FUNC(zName, nArg, xFunc)                                        \
 { zName, nArg, BITMAP_FLAGS, 0, xFunc, 0, 0, 0, 0 }
#define BITMAP_AGG(zName, xStep, xFinal)                                       \
 { zName, 1, BITMAP_FLAGS, 0, 0, xStep, xFinal, 0, 0 }

static const FrugalFunc aBitmapFunc[] = {
  { "bitmap_agg", 1, BITMAP_FLAGS, 0, 0, bitmapAggStep, bitmapAggFinal,
    bitmapAggValue, bitmapAggInverse },
  BITMAP_AGG("bitmap_or_agg", bitmapOrAggStep, bitmapOrAggFinal),
  BITMAP_AGG("bitmap_and_agg", bitmapAndAggStep, bitmapAndAggFinal),
  BITMAP_AGG("bitmap_xor_agg", bitmapXorAggStep, bitmapXorAggFinal),
  BITMAP_FUNC("bitmap", -1, bitmapFunc),
  BITMAP_FUNC("bitmap_from_json", 1, bitmapFromJsonFunc),
  BITMAP_FUNC("bitmap_to_json", 1, bitmapToJsonFunc),
  BITMAP_FUNC("bitmap_add", 2, bitmapAddFunc),
  BITMAP_FUNC("bitmap_remove", 2, bitmapRemoveFunc),
  BITMAP_FUNC("bitmap_add_range", 3, bitmapAddRangeFunc),
  BITMAP_FUNC("bitmap_slice", 3, bitmapSliceFunc),
  BITMAP_FUNC("bitmap_count", 1, bitmapCountFunc),
  BITMAP_FUNC("bitmap_contains", 2, bitmapContainsFunc),
  BITMAP_FUNC("bitmap_min", 1, bitmapMinFunc),
  BITMAP_FUNC("bitmap_max", 1, bitmapMaxFunc),
  BITMAP_FUNC("bitmap_rank", 2, bitmapRankFunc),
  BITMAP_FUNC("bitmap_nth", 2, bitmapNthFunc),
  BITMAP_FUNC("bitmap_info", 1, bitmapInfoFunc),
  BITMAP_FUNC("bitmap_and", -1, bitmapAndFunc),
  BITMAP_FUNC("bitmap_or", -1, bitmapOrFunc),
  BITMAP_FUNC("bitmap_xor", -1, bitmapXorFunc),
  BITMAP_FUNC("bitmap_andnot", 2, bitmapAndnotFunc),
  BITMAP_FUNC("bitmap_and_count", 2, bitmapAndCountFunc),
  BITMAP_FUNC("bitmap_or_count", 2, bitmapOrCountFunc),
  BITMAP_FUNC("bitmap_xor_count", 2, bitmapXorCountFunc),
  BITMAP_FUNC("bitmap_andnot_count", 2, bitmapAndnotCountFunc),
  BITMAP_FUNC("bitmap_intersects", 2, bitmapIntersectsFunc),
  BITMAP_FUNC("bitmap_is_subset", 2, bitmapIsSubsetFunc),
  BITMAP_FUNC("bitmap_jaccard", 2, bitmapJaccardFunc),
};

/*
** Register the bitmap functions and bitmap_each, which are all pure: only
** if mWhich asks for FRUGAL_REG_PURE.
*/
int frugal_bitmap_register(sqlite3 *db, int mWhich, char **pzErrMsg) {
  int rc;
  if( !(mWhich & FRUGAL_REG_PURE) ) return SQLITE_OK;
  rc = frugalRegisterFuncs(db, aBitmapFunc,
                           (int)(sizeof(aBitmapFunc) / sizeof(aBitmapFunc[0])),
                           mWhich, 0, pzErrMsg);
  if( rc == SQLITE_OK ) {
    rc = frugalRegisterModule(db, "bitmap_each", &eachModule, 0, pzErrMsg);
  }
  return rc;
}
