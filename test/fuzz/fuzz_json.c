/*
** fuzz_json.c - libFuzzer target for ext/json.c.
**
** Oracle: SQLite's own json_valid() and json_type().  frugalJsonValid()
** must agree with json_valid() on every input without a NUL byte, and
** frugalJsonOptions() must accept exactly the valid JSON objects, handing
** over every member.
*/
#include "frugal_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);

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
  int bValid, bObject, nWant, nMember = 0, rc;

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

  if( frugalJsonValid(z, (int)nData) != bValid ) abort();
  rc = frugalJsonOptions("fuzz", z, (int)nData, fuzzOption, &nMember, &zErr);
  sqlite3_free(zErr);
  if( (rc == SQLITE_OK) != bObject ) abort();
  if( rc == SQLITE_OK && nMember != nWant ) abort();
  return 0;
}
