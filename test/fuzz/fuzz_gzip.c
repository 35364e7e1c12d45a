/*
** fuzz_gzip.c - libFuzzer target for gzip input (ext/source.c).
**
** Input: a file, read as gzip (the target puts the magic bytes in front
** when the input lacks them, so that mutations explore the deflate data).
**
** Oracle: a one-shot decoder written here with zlib: members are inflated
** in turn; input that is not another member after one ends, or that ends
** inside one, is an error.  The reader must succeed exactly when the oracle
** does, with the same bytes, and fail with a "gzip stream" message
** otherwise.
*/
#define _GNU_SOURCE
#include "frugal_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);

/* The most output the target decodes; a longer result is not compared. */
#define FUZZ_MAX_OUT (1 << 20)

/*
** Decode a[0..n) into aOut; *pnOut is its length.  0 on success, 1 on a
** bad stream, 2 if the output would pass FUZZ_MAX_OUT.
*/
static int fuzzInflate(const uint8_t *a, size_t n, uint8_t *aOut,
                       size_t *pnOut) {
  z_stream zs;
  size_t iIn = 0;
  int rc = 0;
  *pnOut = 0;
  memset(&zs, 0, sizeof(zs));
  if( inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK ) abort();
  for( ;; ) {
    int zrc;
    zs.next_in = (Bytef *)a + iIn;
    zs.avail_in = (uInt)(n - iIn);
    zs.next_out = aOut + *pnOut;
    zs.avail_out = (uInt)(FUZZ_MAX_OUT - *pnOut);
    zrc = inflate(&zs, Z_NO_FLUSH);
    iIn = n - zs.avail_in;
    *pnOut = FUZZ_MAX_OUT - zs.avail_out;
    if( zrc == Z_STREAM_END ) {
      if( iIn == n ) break;
      if( n - iIn < 2 || a[iIn] != 0x1f || a[iIn + 1] != 0x8b ) {
        rc = 1;
        break;
      }
      inflateReset(&zs);
      continue;
    }
    if( zrc == Z_OK ) {
      if( zs.avail_out == 0 ) {
        rc = 2;
        break;
      }
      continue;
    }
    rc = (zrc == Z_BUF_ERROR && zs.avail_out == 0) ? 2 : 1;
    break;
  }
  inflateEnd(&zs);
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  static sqlite3 *db = 0;
  static uint8_t aWant[FUZZ_MAX_OUT];
  static uint8_t aIn[FUZZ_MAX_OUT + 2];
  FrugalLines *pLines = 0;
  FrugalLine line;
  char zPath[64];
  char *zErr = 0;
  size_t nWant, nIn, iOut = 0;
  int fd, rc, eWant;

  if( nData > FUZZ_MAX_OUT ) return 0;
  if( db == 0 && sqlite3_open(":memory:", &db) != SQLITE_OK ) abort();
  nIn = 0;
  if( nData < 2 || aData[0] != 0x1f || aData[1] != 0x8b ) {
    aIn[nIn++] = 0x1f;
    aIn[nIn++] = 0x8b;
  }
  memcpy(aIn + nIn, aData, nData);
  nIn += nData;
  eWant = fuzzInflate(aIn, nIn, aWant, &nWant);
  if( eWant == 2 ) return 0;

  fd = memfd_create("fuzz", 0);
  if( fd < 0 || write(fd, aIn, nIn) != (ssize_t)nIn ) abort();
  snprintf(zPath, sizeof(zPath), "/proc/self/fd/%d", fd);
  if( frugalLinesOpen(0, db, "fuzz", zPath, '\n', &pLines, &zErr) ) abort();
  while( (rc = frugalLinesNext(pLines, &line, &zErr)) == SQLITE_ROW ) {
    /* Put the line back as it was in the stream: CR and delimiter. */
    size_t n = (size_t)line.n;
    if( (size_t)line.iOffset != iOut || iOut + n > nWant
        || memcmp(aWant + iOut, line.z, n) != 0 ) {
      abort();
    }
    iOut += n;
    if( iOut < nWant && aWant[iOut] == '\r' ) iOut++;
    if( iOut < nWant && aWant[iOut] == '\n' ) iOut++;
  }
  if( eWant == 0 ) {
    if( rc != SQLITE_DONE || iOut != nWant ) abort();
  } else {
    if( rc != SQLITE_ERROR || strstr(zErr, "gzip stream after line") == 0 ) {
      abort();
    }
    sqlite3_free(zErr);
  }
  frugalLinesClose(pLines);
  close(fd);
  return 0;
}
