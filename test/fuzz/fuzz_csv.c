/*
** fuzz_csv.c - libFuzzer target for the CSV reader and numbers of
** ext/read_csv.c.
**
** Input: byte 0 is the delimiter, byte 1 the quote (0: none), byte 2
** chooses SQLITE_LIMIT_LENGTH (0: the default, else that many bytes),
** byte 3 the most bytes one read hands over (0: no limit), byte 4 whether
** the tokenizer keeps field positions; the rest is the file.  The fuzz
** build reads 7-byte blocks into a buffer that starts at 7 bytes, and
** byte 3 makes reads shorter still, so records, fields, quote pairs and
** CRLFs cross read boundaries all the time and the tokenizer goes on
** where it stopped (CsvPartial) again and again.
**
** Oracle: a naive parser written here, over the whole input at once.
** Every record (its line, its fields, quoted or not, their bytes) must be
** the same, whether the fields are found by the tokenizer (aField) or by
** csvWalkField(); a bad record must give the same message at the same
** line; a record longer than the limit must give SQLITE_TOOBIG.  The
** tokenizer may walk each byte once, plus two per read.  Every field is
** also a number exactly when a grammar check written here says so, and its
** value is what strtoll() or strtod() make of it.
**
** The reader's functions are static, so this file includes read_csv.c,
** built with CSV_TEST (see test/csv_reader.c).
*/
#define _GNU_SOURCE /* memfd_create() */
#define CSV_TEST    1
#include "read_csv.c"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);

/* The most fields a record may have its positions kept for. */
#define FUZZ_STORE 64

/* One field, as the oracle sees it. */
typedef struct FuzzField FuzzField;
struct FuzzField {
  char *z;     /* Its bytes, quotes undone (malloc'd) */
  size_t n;    /* Bytes */
  int bQuoted; /* It was quoted */
};

/* One record, or the error instead of it, as the oracle sees it. */
typedef struct FuzzRecord FuzzRecord;
struct FuzzRecord {
  const char *zErr;  /* A syntax error, or NULL */
  long long iLine;   /* The record's line (or the error's) */
  size_t iStart;     /* Offset of the record */
  size_t nLen;       /* Bytes, without the line end (or up to the error) */
  int nField;        /* Fields */
  FuzzField *aField; /* The fields */
};

/* The options and the input. */
typedef struct FuzzIn FuzzIn;
struct FuzzIn {
  const uint8_t *a; /* The file */
  size_t n;         /* Its bytes */
  size_t i;         /* The oracle's position */
  long long iLine;  /* Lines before a[i] */
  int cDelim;       /* Delimiter */
  int cQuote;       /* Quote, or -1 */
};

/* Free a record's fields. */
static void fuzzRecordClear(FuzzRecord *p) {
  int i;
  for( i = 0; i < p->nField; i++ ) free(p->aField[i].z);
  free(p->aField);
  memset(p, 0, sizeof(*p));
}

/* Append byte c to field f. */
static void fuzzFieldAdd(FuzzField *f, int c) {
  f->z = realloc(f->z, f->n + 1);
  if( f->z == 0 ) abort();
  f->z[f->n++] = (char)c;
}

/* True if a line end starts at a[i]: "\n", "\r\n", or "\r" at the end. */
static int fuzzAtEol(const FuzzIn *p, size_t i) {
  if( i >= p->n ) return 0;
  if( p->a[i] == '\n' ) return 1;
  return p->a[i] == '\r' && (i + 1 == p->n || p->a[i + 1] == '\n');
}

/* Skip the line end at a[i]; return the index after it. */
static size_t fuzzSkipEol(const FuzzIn *p, size_t i) {
  if( p->a[i] == '\r' ) i++;
  return i < p->n ? i + 1 : i;
}

/*
** The next record of p, the naive way.  Returns 0 at the end of the file,
** else 1 with *pRec set (a record, or the syntax error that stops it).
*/
static int fuzzNextRecord(FuzzIn *p, FuzzRecord *pRec) {
  long long nNl = 0;
  memset(pRec, 0, sizeof(*pRec));
  while( fuzzAtEol(p, p->i) ) {
    p->i = fuzzSkipEol(p, p->i);
    p->iLine++;
  }
  if( p->i >= p->n ) return 0;
  pRec->iStart = p->i;
  pRec->iLine = p->iLine + 1;
  for( ;; ) {
    FuzzField *f;
    int bLast = 0;
    pRec->aField =
        realloc(pRec->aField, sizeof(FuzzField) * (size_t)(pRec->nField + 1));
    if( pRec->aField == 0 ) abort();
    f = &pRec->aField[pRec->nField++];
    memset(f, 0, sizeof(*f));
    if( p->i < p->n && p->a[p->i] == p->cQuote ) {
      long long iFieldLine = p->iLine + 1 + nNl;
      f->bQuoted = 1;
      p->i++;
      for( ;; ) {
        if( p->i >= p->n ) {
          pRec->zErr = "unterminated quoted field";
          pRec->iLine = iFieldLine;
          pRec->nLen = p->n - pRec->iStart;
          return 1;
        }
        if( p->a[p->i] == p->cQuote ) {
          if( p->i + 1 < p->n && p->a[p->i + 1] == p->cQuote ) {
            fuzzFieldAdd(f, p->cQuote);
            p->i += 2;
            continue;
          }
          p->i++;
          break;
        }
        if( p->a[p->i] == '\n' ) nNl++;
        fuzzFieldAdd(f, p->a[p->i++]);
      }
      if( p->i >= p->n || fuzzAtEol(p, p->i) ) {
        bLast = 1;
      } else if( p->a[p->i] != p->cDelim ) {
        pRec->zErr = "unexpected character after a closing quote";
        pRec->iLine = p->iLine + 1 + nNl;
        pRec->nLen = p->i + 1 - pRec->iStart;
        return 1;
      }
      pRec->nLen = p->i - pRec->iStart;
    } else {
      size_t iEnd;
      while( p->i < p->n && p->a[p->i] != p->cDelim && p->a[p->i] != '\n' ) {
        fuzzFieldAdd(f, p->a[p->i++]);
      }
      iEnd = p->i;
      if( p->i >= p->n || p->a[p->i] == '\n' ) {
        bLast = 1;
        if( f->n > 0 && f->z[f->n - 1] == '\r' ) {
          f->n--;
          iEnd--;
        }
      }
      pRec->nLen = iEnd - pRec->iStart;
    }
    if( bLast ) {
      if( p->i < p->n ) p->i = fuzzSkipEol(p, p->i);
      p->iLine += 1 + nNl;
      return 1;
    }
    p->i++; /* The delimiter */
  }
}

/*
** The number grammar, the obvious way: -?(0|[1-9][0-9]*)(.[0-9]+)?
** ([eE][+-]?[0-9]+)?, and whether it has neither a point nor an exponent.
*/
static int fuzzIsNumber(const char *z, size_t n, int *pbInt) {
  size_t i = 0, j;
  *pbInt = 1;
  if( i < n && z[i] == '-' ) i++;
  for( j = i; j < n && z[j] >= '0' && z[j] <= '9'; j++ ) {}
  if( j == i || (j - i > 1 && z[i] == '0') ) return 0;
  i = j;
  if( i < n && z[i] == '.' ) {
    *pbInt = 0;
    for( j = ++i; j < n && z[j] >= '0' && z[j] <= '9'; j++ ) {}
    if( j == i ) return 0;
    i = j;
  }
  if( i < n && (z[i] == 'e' || z[i] == 'E') ) {
    *pbInt = 0;
    i++;
    if( i < n && (z[i] == '+' || z[i] == '-') ) i++;
    for( j = i; j < n && z[j] >= '0' && z[j] <= '9'; j++ ) {}
    if( j == i ) return 0;
    i = j;
  }
  return i == n;
}

/* Check csvScanNumber() on field z[0..n) against the oracle. */
static void fuzzCheckNumber(const char *z, size_t n) {
  CsvNum num;
  char zBuf[CSV_NUM_BUF + 1];
  int bInt, eNum, bNumber;
  if( n >= CSV_NUM_BUF ) return;
  bNumber = fuzzIsNumber(z, n, &bInt);
  eNum = csvScanNumber(z, (int)n, &num);
  if( (eNum != CSV_NUM_NONE) != bNumber ) abort();
  if( !bNumber ) return;
  memcpy(zBuf, z, n);
  zBuf[n] = 0;
  if( bInt ) {
    long long v;
    errno = 0;
    v = strtoll(zBuf, 0, 10);
    if( errno == 0 ) {
      if( eNum != CSV_NUM_INT || num.iVal != v ) abort();
      return;
    }
  }
  if( eNum != CSV_NUM_REAL ) abort();
  if( !num.bStrtod && num.r != strtod(zBuf, 0) ) abort();
}

/* Check field f of the reader's record against oracle field pWant. */
static void fuzzCheckField(const CsvRow *pRow, const CsvField *f, int cQuote,
                           const FuzzField *pWant) {
  const char *z = pRow->z + f->iOff;
  size_t i, j = 0;
  if( ((f->mFlags & CSV_FIELD_QUOTED) != 0) != pWant->bQuoted ) abort();
  for( i = 0; i < (size_t)f->n; i++, j++ ) {
    if( j >= pWant->n || z[i] != pWant->z[j] ) abort();
    if( (f->mFlags & CSV_FIELD_ESCAPED) && (unsigned char)z[i] == cQuote ) {
      i++; /* The second of a pair */
    }
  }
  if( j != pWant->n ) abort();
  if( !(f->mFlags & CSV_FIELD_ESCAPED) ) fuzzCheckNumber(z, (size_t)f->n);
}

/* Check the reader's record pRow against the oracle's pWant. */
static void fuzzCheckRecord(const CsvReader *pRdr, const CsvRow *pRow,
                            const FuzzRecord *pWant) {
  i64 i = 0;
  int k;
  if( pRow->iLine != pWant->iLine || pRow->nField != pWant->nField
      || pRow->n != (i64)pWant->nLen ) {
    abort();
  }
  for( k = 0; k < pRow->nField; k++ ) {
    CsvField f;
    i = csvWalkField(pRdr, pRow->z, i, pRow->n, &f) + 1;
    fuzzCheckField(pRow, &f, pRdr->cQuote, &pWant->aField[k]);
    if( k < pRow->nStore ) {
      const CsvField *g = &pRow->aField[k];
      if( g->iOff != f.iOff || g->n != f.n || g->mFlags != f.mFlags ) abort();
    }
  }
}

/* The one connection, for the limits. */
static sqlite3 *fuzzDb(void) {
  static sqlite3 *db = 0;
  if( db == 0 && sqlite3_open(":memory:", &db) != SQLITE_OK ) abort();
  return db;
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  sqlite3 *db = fuzzDb();
  CsvField aField[FUZZ_STORE];
  CsvOptions opt;
  CsvReader rdr;
  CsvRow row;
  FuzzIn in;
  FuzzRecord want;
  char zPath[64];
  char *zErr = 0;
  int fd, rc, mxLen, nReadMax, bStore;
  i64 nBytes;

  if( nData < 5 ) return 0;
  memset(&in, 0, sizeof(in));
  in.cDelim = aData[0];
  in.cQuote = aData[1] ? aData[1] : -1;
  mxLen = aData[2] ? aData[2] : 1000000000;
  nReadMax = aData[3];
  bStore = aData[4] & 1;
  in.a = aData + 5;
  in.n = nData - 5;
  if( in.cDelim == '\n' || in.cDelim == '\r' || in.cQuote == '\n'
      || in.cQuote == '\r' || in.cDelim == in.cQuote ) {
    return 0;
  }
  if( in.n >= 2 && in.a[0] == 0x1f && in.a[1] == 0x8b ) return 0;
  if( in.n >= 3 && in.a[0] == 0xef && in.a[1] == 0xbb && in.a[2] == 0xbf ) {
    in.i = 3;
  }
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, mxLen);
  mxLen = sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1);

  fd = memfd_create("fuzz", 0);
  if( fd < 0 || write(fd, in.a, in.n) != (ssize_t)in.n ) abort();
  snprintf(zPath, sizeof(zPath), "/proc/self/fd/%d", fd);
  csvOptionsInit(&opt, "fuzz", 0, db);
  opt.cDelim = in.cDelim;
  opt.cQuote = in.cQuote;
  if( csvReaderOpen(&rdr, 0, db, &opt, zPath, 0, &zErr) != SQLITE_OK ) abort();
  rdr.nTestRead = nReadMax;
  memset(&row, 0, sizeof(row));
  row.aField = aField;
  row.nStore = bStore ? FUZZ_STORE : 0;

  while( fuzzNextRecord(&in, &want) ) {
    rc = csvReaderNext(&rdr, &row, &zErr);
    if( want.zErr == 0 && want.nLen <= (size_t)mxLen ) {
      if( rc != SQLITE_ROW ) abort();
      fuzzCheckRecord(&rdr, &row, &want);
      fuzzRecordClear(&want);
      continue;
    }
    if( rc == SQLITE_TOOBIG && want.nLen + CSV_EOL_MAX > (size_t)mxLen ) {
      /* Too long, or too long to find out what is wrong with it */
      char zWant[128];
      snprintf(zWant, sizeof(zWant), "fuzz: %s:", zPath);
      if( strncmp(zErr, zWant, strlen(zWant)) != 0
          || strstr(zErr, " longer than SQLITE_LIMIT_LENGTH") == 0 ) {
        abort();
      }
    } else {
      char zWant[256];
      if( want.zErr == 0 || rc != SQLITE_ERROR ) abort();
      snprintf(zWant, sizeof(zWant), "fuzz: %s:%lld: %s", zPath, want.iLine,
               want.zErr);
      if( strcmp(zErr, zWant) != 0 ) abort();
    }
    sqlite3_free(zErr);
    fuzzRecordClear(&want);
    csvReaderClose(&rdr);
    close(fd);
    return 0;
  }
  if( csvReaderNext(&rdr, &row, &zErr) != SQLITE_DONE ) abort();
  /* Each byte walked once, plus what a read can leave undecided */
  nBytes = (i64)in.n;
  if( rdr.nTestWalked > nBytes + 2 * rdr.nTestFill ) abort();
  csvReaderClose(&rdr);
  close(fd);
  return 0;
}
