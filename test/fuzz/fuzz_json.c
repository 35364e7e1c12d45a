/*
** fuzz_json.c - libFuzzer target for ext/json.c.
**
** Oracles: a recursive-descent validator written here, as unlike
** frugalJsonValid() (iterative, one bit of state per level) as possible,
** and SQLite's own json_valid() and json_each().  frugalJsonValid() must
** agree with the reference on every input without a NUL byte;
** frugalJsonOptions() must accept exactly the valid JSON objects and hand
** over as many members as json_each() sees.  SQLite 3.40 accepts some
** invalid JSON (an object whose key is an object that ends in a string:
** {"a":1, {"b":"c"}:2}), so SQLite is only asked to accept what the
** reference accepts, not to reject what it rejects.
*/
#include "frugal_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);

/* The reference validator's deepest nesting, as SQLite's and frugal's. */
#define REF_MAX_DEPTH 2000

/* Reference: skip whitespace at z[*pi]. */
static void refSpace(const char *z, int n, int *pi) {
  while( *pi < n && strchr(" \t\n\r", z[*pi]) && z[*pi] ) (*pi)++;
}

/* Reference: one literal word. */
static int refWord(const char *z, int n, int *pi, const char *zWord) {
  int k = (int)strlen(zWord);
  if( n - *pi < k || memcmp(z + *pi, zWord, (size_t)k) != 0 ) return 0;
  *pi += k;
  return 1;
}

/* Reference: a string, z[*pi] being its quote. */
static int refString(const char *z, int n, int *pi) {
  int i = *pi + 1;
  while( i < n ) {
    unsigned char c = (unsigned char)z[i];
    if( c == '"' ) {
      *pi = i + 1;
      return 1;
    }
    if( c < 0x20 ) return 0;
    if( c == '\\' ) {
      if( i + 1 >= n ) return 0;
      c = (unsigned char)z[i + 1];
      if( c == 'u' ) {
        int k;
        for( k = 2; k < 6; k++ ) {
          if( i + k >= n || !strchr("0123456789abcdefABCDEF", z[i + k])
              || z[i + k] == 0 ) {
            return 0;
          }
        }
        i += 6;
        continue;
      }
      if( c == 0 || !strchr("\"\\/bfnrt", c) ) return 0;
      i += 2;
      continue;
    }
    i++;
  }
  return 0;
}

/* Reference: a number. */
static int refNumber(const char *z, int n, int *pi) {
  int i = *pi, iStart;
  if( i < n && z[i] == '-' ) i++;
  if( i >= n || z[i] < '0' || z[i] > '9' ) return 0;
  if( z[i] == '0' )
    i++;
  else
    while( i < n && z[i] >= '0' && z[i] <= '9' ) i++;
  if( i < n && z[i] == '.' ) {
    iStart = ++i;
    while( i < n && z[i] >= '0' && z[i] <= '9' ) i++;
    if( i == iStart ) return 0;
  }
  if( i < n && (z[i] == 'e' || z[i] == 'E') ) {
    i++;
    if( i < n && (z[i] == '+' || z[i] == '-') ) i++;
    iStart = i;
    while( i < n && z[i] >= '0' && z[i] <= '9' ) i++;
    if( i == iStart ) return 0;
  }
  *pi = i;
  return 1;
}

/* Reference: a value, recursively. */
static int refValue(const char *z, int n, int *pi, int nDepth) {
  refSpace(z, n, pi);
  if( *pi >= n ) return 0;
  switch( z[*pi] ) {
    case '"': return refString(z, n, pi);
    case 't': return refWord(z, n, pi, "true");
    case 'f': return refWord(z, n, pi, "false");
    case 'n': return refWord(z, n, pi, "null");
    case '[':
    case '{': {
      int bObj = z[*pi] == '{';
      if( nDepth >= REF_MAX_DEPTH ) return 0;
      (*pi)++;
      refSpace(z, n, pi);
      if( *pi < n && z[*pi] == (bObj ? '}' : ']') ) {
        (*pi)++;
        return 1;
      }
      for( ;; ) {
        if( bObj ) {
          refSpace(z, n, pi);
          if( *pi >= n || z[*pi] != '"' || !refString(z, n, pi) ) return 0;
          refSpace(z, n, pi);
          if( *pi >= n || z[*pi] != ':' ) return 0;
          (*pi)++;
        }
        if( !refValue(z, n, pi, nDepth + 1) ) return 0;
        refSpace(z, n, pi);
        if( *pi >= n ) return 0;
        if( z[*pi] == ',' ) {
          (*pi)++;
          continue;
        }
        if( z[*pi] != (bObj ? '}' : ']') ) return 0;
        (*pi)++;
        return 1;
      }
    }
    default: return refNumber(z, n, pi);
  }
}

/* Reference: z[0..n) is one JSON value with whitespace around it. */
static int refValid(const char *z, int n) {
  int i = 0;
  if( !refValue(z, n, &i, 0) ) return 0;
  refSpace(z, n, &i);
  return i == n;
}

/* Counts the members handed over. */
static int fuzzOption(void *pCtx, const char *zKey, const FrugalJsonValue *pVal,
                      char **pzErr) {
  (void)zKey;
  (void)pzErr;
  if( pVal->n < 0 || pVal->eType < FRUGAL_JSON_NULL
      || pVal->eType > FRUGAL_JSON_OBJECT ) {
    abort();
  }
  (*(int *)pCtx)++;
  return SQLITE_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  static sqlite3 *db = 0;
  static sqlite3_stmt *pStmt = 0;
  const char *z = (const char *)aData;
  char *zErr = 0;
  int bValid, bObject, bRef, nWant, nMember = 0, rc;

  if( memchr(aData, 0, nData) || nData > 100000 ) return 0;
  if( db == 0 ) {
    if( sqlite3_open(":memory:", &db) != SQLITE_OK ) abort();
    if( sqlite3_prepare_v2(db,
                           "SELECT v, o, CASE WHEN o THEN"
                           "  (SELECT count(*) FROM json_each(?1)) END"
                           " FROM (SELECT v, CASE WHEN v THEN"
                           "  json_type(?1) = 'object' ELSE 0 END AS o"
                           " FROM (SELECT json_valid(?1) AS v))",
                           -1, &pStmt, 0) ) {
      abort();
    }
  }
  sqlite3_bind_text(pStmt, 1, z, (int)nData, SQLITE_STATIC);
  if( sqlite3_step(pStmt) != SQLITE_ROW ) abort();
  bValid = sqlite3_column_int(pStmt, 0);
  bObject = sqlite3_column_int(pStmt, 1);
  nWant = sqlite3_column_int(pStmt, 2);
  sqlite3_reset(pStmt);

  bRef = refValid(z, (int)nData);
  if( frugalJsonValid(z, (int)nData) != bRef ) abort();
  if( bRef && !bValid ) abort(); /* The reference is too strict */
  rc = frugalJsonOptions("fuzz", z, (int)nData, fuzzOption, &nMember, &zErr);
  sqlite3_free(zErr);
  if( rc == SQLITE_OK && !bRef ) abort();
  if( bRef && (rc == SQLITE_OK) != bObject ) abort();
  if( rc == SQLITE_OK && nMember != nWant ) abort();
  return 0;
}
