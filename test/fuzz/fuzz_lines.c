/*
** fuzz_lines.c - libFuzzer target for the line splitter (ext/source.c).
**
** Input: byte 0 is the delimiter, byte 1 chooses SQLITE_LIMIT_LENGTH
** (0: the default, else that many bytes), the rest is the file.  The fuzz
** build uses a read block of a few bytes, so records cross block
** boundaries, the buffer grows, and the SSE2 chunk search meets partial
** chunks all the time.
**
** Oracle: a naive splitter written here.  Every record, its number and
** offset must be the same, and a record longer than the limit must be
** reported as SQLITE_TOOBIG at the right line.
*/
#define _GNU_SOURCE
#include "frugal_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);

/* The one connection, for the length limit. */
static sqlite3 *fuzzDb(void) {
  static sqlite3 *db = 0;
  if( db == 0 && sqlite3_open(":memory:", &db) != SQLITE_OK ) abort();
  return db;
}

/* Write a[0..n) to a new memory file; return its path in zPath. */
static int fuzzMemFile(const uint8_t *a, size_t n, char *zPath, size_t nPath) {
  int fd = memfd_create("fuzz", 0);
  if( fd < 0 || write(fd, a, n) != (ssize_t)n ) abort();
  snprintf(zPath, nPath, "/proc/self/fd/%d", fd);
  return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  sqlite3 *db = fuzzDb();
  FrugalLines *pLines = 0;
  FrugalLine line;
  char zPath[64];
  char *zErr = 0;
  int cDelim, mxLen, fd, rc;
  size_t iStart, i;
  long long iLine = 0;

  if( nData < 2 ) return 0;
  cDelim = aData[0];
  mxLen = aData[1] ? aData[1] : 1000000000;
  aData += 2;
  nData -= 2;
  if( nData >= 2 && aData[0] == 0x1f && aData[1] == 0x8b ) return 0;
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, mxLen);
  mxLen = sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1);

  fd = fuzzMemFile(aData, nData, zPath, sizeof(zPath));
  rc = frugalLinesOpen(0, db, "fuzz", zPath, cDelim, &pLines, &zErr);
  if( rc != SQLITE_OK ) abort();

  for( iStart = 0; iStart < nData; iStart = i + 1 ) {
    size_t n;
    for( i = iStart; i < nData && aData[i] != cDelim; i++ ) {}
    n = i - iStart;
    if( cDelim == '\n' && n > 0 && aData[iStart + n - 1] == '\r' ) n--;
    iLine++;
    rc = frugalLinesNext(pLines, &line, &zErr);
    if( (long long)n > mxLen ) {
      char zWant[128];
      snprintf(zWant, sizeof(zWant), "fuzz: %s:%lld: line longer", zPath,
               iLine);
      if( rc != SQLITE_TOOBIG || strncmp(zErr, zWant, strlen(zWant)) != 0 ) {
        abort();
      }
      sqlite3_free(zErr);
      frugalLinesClose(pLines);
      close(fd);
      return 0;
    }
    if( rc != SQLITE_ROW || line.iLine != iLine || line.n != (int)n
        || line.iOffset != (i64)iStart || line.z[n] != 0
        || memcmp(line.z, aData + iStart, n) != 0 ) {
      abort();
    }
  }
  if( frugalLinesNext(pLines, &line, &zErr) != SQLITE_DONE ) abort();
  frugalLinesClose(pLines);
  close(fd);
  return 0;
}
