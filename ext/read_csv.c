/*
** read_csv.c - read_csv() and csv_file: CSV and TSV files as lazy tables.
**
**   SELECT record->>'name', record->>'score'
**     FROM read_csv('sales.csv.gz') WHERE record->>'id' = 5;
**   SELECT * FROM read_csv('data/2026-*.tsv', json_object('delimiter', char(9)));
**
**   CREATE VIRTUAL TABLE temp.t USING csv_file(filename='sales.csv',
**                                              header=yes);
**   SELECT name, sum(score) FROM t GROUP BY name;
**
** read_csv(path [, options]) is an eponymous table-valued function with the
** columns
**
**   record    TEXT      the row as a JSON object keyed by the header's
**                       names (c0, c1, ... without a header)
**   rownum    INTEGER   1-based data row, restarting in each file
**   lineno    INTEGER   the line the record starts on
**   filename  TEXT      the file the record came from
**   path, options       HIDDEN: the arguments
**
** csv_file is a module for CREATE VIRTUAL TABLE.  Its arguments are those
** of SQLite's own csv extension (filename=, data=, header=, columns=,
** schema=) plus delimiter=, quote=, types=, nulls= and extra_fields=;
** read_csv takes the same names in its JSON options.  doc/csv.md is the
** reference.
**
** HOW IT WORKS
**
** A CsvReader streams what a path names through the file layer of
** ext/source.c (one file, a glob, "-" for standard input, gzip) into one
** buffer, as read_lines does.  Records are cut out of the buffer in place:
** the tokenizer walks a record once, jumping from one byte that matters to
** the next (the delimiter or the newline outside quotes, the quote or the
** newline inside; csvFind() compares 16 bytes at a time), and notes where
** each field starts and ends; nothing is copied.  When the buffer ends
** inside a record, the tokenizer notes where it is (CsvPartial), the
** partial record is moved to the front and the rest refilled, and the
** tokenizer goes on from there: each byte is walked once however short the
** reads (a pipe gives 64 KiB at a time).  Only a record longer than the
** whole buffer makes it grow, by doubling, and never beyond
** SQLITE_LIMIT_LENGTH.  So memory is constant in the size of the file and
** bounded by the longest record.
**
** A scan of csv_file keeps the positions of only the fields the query uses
** (xBestIndex turns colUsed into the number of leading fields to keep), and
** converts a field to a number only when xColumn asks for it.  A query
** that sums one column thus costs one pass over the bytes and one number
** conversion per row.  Numbers follow the JSON grammar (no leading zeros,
** no "+", no spaces), so "007" stays text; the common case ("46.23") is
** converted exactly with one multiplication or division, and the rest with
** strtod() in the C locale.
**
** csv_file decides its columns when the table is created: the names come
** from the header (or are c0, c1, ...), and with types=auto each column's
** declared type is inferred from the first CSV_SAMPLE_ROWS rows.  A later
** value that is not a number in a numeric column is returned as TEXT.
** Every scan streams the file again, except standard input, which cannot
** be read twice: what was read to decide the columns is kept for the one
** scan it allows.
**
** read_csv builds the JSON object of a row only when the record column is
** read, by a second walk over the record, which is known to be well formed
** by then.
**
** THE FILE, IN ORDER
**
**   Options          CsvOptions: csv_file's arguments, read_csv's JSON
**   Counting         the bytes a scan holds, as memstat reports them
**   The reader       CsvReader: buffer, tokenizer, records (CsvRow)
**   Numbers          the JSON number grammar, parsed and converted
**   Text             a growing buffer, and JSON strings
**   Column names     from a header, made unique
**   Rows             what both modules check about a row
**   csv_file         the CREATE VIRTUAL TABLE module
**   read_csv         the table-valued function
**   Registration
**
** Both read files, so both are SQLITE_VTAB_DIRECTONLY: a view or trigger
** in a database schema cannot use them.  And csv_file tables can only be
** made in the temp schema: SQLite connects a table found in a database
** file before it checks SQLITE_VTAB_DIRECTONLY, and connecting reads the
** file, so a hostile database could otherwise make whoever opens it read
** any file (see csvfileNotTemp()).
*/
#define _POSIX_C_SOURCE 200809L
#include "frugal_int.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
/* -DCSV_PORTABLE builds the byte-at-a-time csvFind() (for testing it). */
#if defined(__SSE2__) && !defined(CSV_PORTABLE)
# define CSV_SSE2 1
# include <emmintrin.h>
#endif

/*
** CSV_INLINE marks the few functions every field of a csv_file scan goes
** through, which compilers do not always inline by themselves (the
** difference is a few per cent of a scan).
*/
#if defined(__GNUC__)
# define CSV_INLINE __attribute__((always_inline)) inline
#else
# define CSV_INLINE
#endif

/* Rows of a file csv_file reads to infer the type of each column. */
#define CSV_SAMPLE_ROWS 1000

/* Bytes after the data in a reader's buffer, for the sentinel byte. */
#define CSV_PAD 64

/* The most bytes asked of one read. */
#define CSV_READ_MAX (1 << 30)

/* Bytes of a line end after a record, at most ("\r\n"). */
#define CSV_EOL_MAX 2

/* The filename in messages for the text of data=. */
#define CSV_DATA_NAME "<data>"

/* Rows the planner is told to expect from a file. */
#define CSV_EST_ROWS 1000000

/* Longest number converted without a heap copy. */
#define CSV_NUM_BUF 64

/* Values of the types= option. */
#define CSV_TYPES_AUTO 0 /* Numbers where they parse */
#define CSV_TYPES_TEXT 1 /* Every value is text */

/* Values of the extra_fields= option. */
#define CSV_EXTRA_ERROR 0 /* A row with too many fields is an error */
#define CSV_EXTRA_DROP  1 /* The fields past the last column are dropped */

/* The kinds of number csvScanNumber() tells apart. */
#define CSV_NUM_NONE 0 /* Not a number */
#define CSV_NUM_INT  1 /* An integer that fits in 64 bits */
#define CSV_NUM_REAL 2 /* Any other number */

/* How csv_file returns the values of a column. */
#define CSV_COL_TEXT    0 /* As text */
#define CSV_COL_INTEGER 1 /* Integer where it can, else real, else text */
#define CSV_COL_REAL    2 /* Real where it can, else text */

/* Option bits, to find options given twice. */
#define CSV_OPT_FILENAME 0x001
#define CSV_OPT_DATA     0x002
#define CSV_OPT_SCHEMA   0x004
#define CSV_OPT_HEADER   0x008
#define CSV_OPT_COLUMNS  0x010
#define CSV_OPT_DELIM    0x020
#define CSV_OPT_QUOTE    0x040
#define CSV_OPT_TYPES    0x080
#define CSV_OPT_NULLS    0x100
#define CSV_OPT_EXTRA    0x200

/************************************************************************
** Options.
**
** csv_file's arguments and read_csv's JSON options fill the same
** CsvOptions; csv_file hands its arguments over as JSON strings.
*/
typedef struct CsvOptions CsvOptions;
struct CsvOptions {
  const char *zFunc; /* read_csv or csv_file, for messages */
  char *zFilename;   /* filename=, or NULL */
  char *zData;       /* data=, or NULL */
  char *zSchema;     /* schema=, or NULL */
  char *zNulls;      /* nulls=, or NULL for the default */
  int nNulls;        /* Bytes in zNulls */
  int bHeader;       /* header=: 1 or 0 */
  int nColumn;       /* columns=, 0 if not given */
  int mxColumn;      /* The most columns: SQLITE_LIMIT_COLUMN */
  int cDelim;        /* delimiter= byte */
  int cQuote;        /* quote= byte, -1 for none */
  int eTypes;        /* CSV_TYPES_* */
  int eExtra;        /* CSV_EXTRA_* */
  unsigned mSeen;    /* CSV_OPT_* given so far */
};

/*
** Set the defaults, which header= does not share (see doc/csv.md), and the
** limits of connection db.
*/
static void csvOptionsInit(CsvOptions *p, const char *zFunc, int bHeader,
                           sqlite3 *db) {
  memset(p, 0, sizeof(*p));
  p->zFunc = zFunc;
  p->mxColumn = sqlite3_limit(db, SQLITE_LIMIT_COLUMN, -1);
  p->bHeader = bHeader;
  p->cDelim = ',';
  p->cQuote = '"';
  p->eTypes = CSV_TYPES_AUTO;
  p->eExtra = CSV_EXTRA_ERROR;
}

/* Free what a CsvOptions holds. */
static void csvOptionsClear(CsvOptions *p) {
  sqlite3_free(p->zFilename);
  sqlite3_free(p->zData);
  sqlite3_free(p->zSchema);
  sqlite3_free(p->zNulls);
  p->zFilename = p->zData = p->zSchema = p->zNulls = 0;
}

/* Set *pzErr to a message and return SQLITE_ERROR (SQLITE_NOMEM on OOM). */
static int csvErr(char **pzErr, char *zMsg) {
  sqlite3_free(*pzErr);
  *pzErr = zMsg;
  return zMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* A copy of pVal's text in *pz (replacing any), NUL-terminated. */
static int csvOptionString(const FrugalJsonValue *pVal, char **pz) {
  char *z = sqlite3_malloc64((u64)pVal->n + 1);
  if( z == 0 ) return SQLITE_NOMEM;
  memcpy(z, pVal->z, (size_t)pVal->n);
  z[pVal->n] = 0;
  sqlite3_free(*pz);
  *pz = z;
  return SQLITE_OK;
}

/*
** A one-byte option value: the byte, -1 for the empty string (if bEmpty
** allows it), or -2 if the value is no such thing.  The two characters
** "\t" stand for a TAB, as SQL string literals cannot say it.
*/
static int csvOptionByte(const FrugalJsonValue *pVal, int bEmpty) {
  if( pVal->eType != FRUGAL_JSON_STRING ) return -2;
  if( pVal->n == 1 ) return (unsigned char)pVal->z[0];
  if( pVal->n == 2 && pVal->z[0] == '\\' && pVal->z[1] == 't' ) return '\t';
  if( pVal->n == 0 && bEmpty ) return -1;
  return -2;
}

/*
** Parse a positive decimal integer option value; 0 if it is not one.
*/
static int csvOptionCount(const FrugalJsonValue *pVal) {
  i64 v = 0;
  int i;
  if( pVal->eType != FRUGAL_JSON_STRING && pVal->eType != FRUGAL_JSON_NUMBER ) {
    return 0;
  }
  if( pVal->n == 0 || pVal->n > 9 ) return 0;
  for( i = 0; i < pVal->n; i++ ) {
    if( pVal->z[i] < '0' || pVal->z[i] > '9' ) return 0;
    v = v * 10 + (pVal->z[i] - '0');
  }
  return (int)v;
}

/*
** Apply option zKey=pVal to p.  bFile is set for csv_file, which alone
** takes filename, data and schema.  Option names are matched without
** regard to case.
*/
static int csvOption(CsvOptions *p, int bFile, const char *zKey,
                     const FrugalJsonValue *pVal, char **pzErr) {
  static const struct {
    const char *zName; /* Option name */
    unsigned mBit;     /* CSV_OPT_* */
    int bFileOnly;     /* Only csv_file takes it */
    const char *zWant; /* What a value must be, for messages */
  } aOpt[] = {
    { "filename", CSV_OPT_FILENAME, 1, "a string" },
    { "data", CSV_OPT_DATA, 1, "a string" },
    { "schema", CSV_OPT_SCHEMA, 1, "a string" },
    { "header", CSV_OPT_HEADER, 0, "yes or no" },
    { "columns", CSV_OPT_COLUMNS, 0, "a positive integer" },
    { "delimiter", CSV_OPT_DELIM, 0, "one byte" },
    { "quote", CSV_OPT_QUOTE, 0, "one byte or empty" },
    { "types", CSV_OPT_TYPES, 0, "auto or text" },
    { "nulls", CSV_OPT_NULLS, 0, "a string" },
    { "extra_fields", CSV_OPT_EXTRA, 0, "error or drop" },
  };
  const char *zFunc = p->zFunc;
  unsigned mBit = 0;
  size_t k;
  int v;

  for( k = 0; k < sizeof(aOpt) / sizeof(aOpt[0]); k++ ) {
    if( sqlite3_stricmp(zKey, aOpt[k].zName) == 0 ) break;
  }
  if( k == sizeof(aOpt) / sizeof(aOpt[0]) ) {
    return csvErr(pzErr,
                  sqlite3_mprintf("%s: unknown option \"%s\"", zFunc, zKey));
  }
  if( aOpt[k].bFileOnly && !bFile ) {
    return csvErr(pzErr, sqlite3_mprintf("%s: option %s is only for csv_file",
                                         zFunc, aOpt[k].zName));
  }
  mBit = aOpt[k].mBit;
  if( p->mSeen & mBit ) {
    return csvErr(pzErr, sqlite3_mprintf("%s: option %s given twice", zFunc,
                                         aOpt[k].zName));
  }
  p->mSeen |= mBit;
  switch( mBit ) {
    case CSV_OPT_FILENAME: return csvOptionString(pVal, &p->zFilename);
    case CSV_OPT_DATA: return csvOptionString(pVal, &p->zData);
    case CSV_OPT_SCHEMA: return csvOptionString(pVal, &p->zSchema);
    case CSV_OPT_HEADER:
      v = frugalJsonBool(pVal);
      if( v < 0 ) break;
      p->bHeader = v;
      return SQLITE_OK;
    case CSV_OPT_COLUMNS:
      v = csvOptionCount(pVal);
      if( v <= 0 ) break;
      if( v > p->mxColumn ) {
        return csvErr(pzErr, sqlite3_mprintf("%s: option columns must be at "
                                             "most %d (SQLITE_LIMIT_COLUMN)",
                                             zFunc, p->mxColumn));
      }
      p->nColumn = v;
      return SQLITE_OK;
    case CSV_OPT_DELIM:
      v = csvOptionByte(pVal, 0);
      if( v < 0 ) break;
      p->cDelim = v;
      return SQLITE_OK;
    case CSV_OPT_QUOTE:
      v = csvOptionByte(pVal, 1);
      if( v < -1 ) break;
      p->cQuote = v;
      return SQLITE_OK;
    case CSV_OPT_TYPES:
      if( pVal->eType != FRUGAL_JSON_STRING ) break;
      if( pVal->n == 4 && sqlite3_strnicmp(pVal->z, "auto", 4) == 0 ) {
        p->eTypes = CSV_TYPES_AUTO;
      } else if( pVal->n == 4 && sqlite3_strnicmp(pVal->z, "text", 4) == 0 ) {
        p->eTypes = CSV_TYPES_TEXT;
      } else {
        break;
      }
      return SQLITE_OK;
    case CSV_OPT_NULLS:
      if( pVal->eType != FRUGAL_JSON_STRING ) break;
      p->nNulls = pVal->n;
      return csvOptionString(pVal, &p->zNulls);
    case CSV_OPT_EXTRA:
      if( pVal->eType != FRUGAL_JSON_STRING ) break;
      if( pVal->n == 5 && sqlite3_strnicmp(pVal->z, "error", 5) == 0 ) {
        p->eExtra = CSV_EXTRA_ERROR;
      } else if( pVal->n == 4 && sqlite3_strnicmp(pVal->z, "drop", 4) == 0 ) {
        p->eExtra = CSV_EXTRA_DROP;
      } else {
        break;
      }
      return SQLITE_OK;
  }
  return csvErr(pzErr, sqlite3_mprintf("%s: option %s must be %s", zFunc,
                                       aOpt[k].zName, aOpt[k].zWant));
}

/*
** Check the options as a whole, once they are all given.
*/
static int csvOptionsCheck(CsvOptions *p, char **pzErr) {
  const char *zFunc = p->zFunc;
  if( p->cDelim == '\n' || p->cDelim == '\r' ) {
    return csvErr(pzErr, sqlite3_mprintf(
                             "%s: the delimiter cannot be a line end", zFunc));
  }
  if( p->cQuote == '\n' || p->cQuote == '\r' ) {
    return csvErr(pzErr,
                  sqlite3_mprintf("%s: the quote cannot be a line end", zFunc));
  }
  if( p->cQuote == p->cDelim ) {
    return csvErr(
        pzErr,
        sqlite3_mprintf("%s: the delimiter and the quote must differ", zFunc));
  }
  /* Without nulls=, an empty unquoted field is NULL unless types=text. */
  if( !(p->mSeen & CSV_OPT_NULLS) && p->eTypes == CSV_TYPES_AUTO ) {
    FrugalJsonValue empty = { FRUGAL_JSON_STRING, "", 0 };
    p->nNulls = 0;
    return csvOptionString(&empty, &p->zNulls);
  }
  return SQLITE_OK;
}

/************************************************************************
** Counting the bytes a scan holds.
*/

/*
** Add nByte (or, negative, take it away) to what *pnHeld and pState count;
** either may be NULL, for what a table holds, which no cursor does.
*/
static void csvCount(FrugalDb *pState, i64 *pnHeld, i64 nByte) {
  if( pnHeld ) *pnHeld += nByte;
  if( pState ) pState->nCursorByte += nByte;
}

/*
** Grow the array *pa of nSize-byte elements to hold at least nMin, counting
** the change as csvCount() does.  *pnAlloc is its capacity.
*/
static int csvGrow(FrugalDb *pState, i64 *pnHeld, void **pa, i64 *pnAlloc,
                   i64 nMin, size_t nSize) {
  i64 nNew = *pnAlloc ? *pnAlloc : 16;
  i64 nOld;
  void *aNew;
  if( nMin <= *pnAlloc ) return SQLITE_OK;
  nOld = *pa ? (i64)sqlite3_msize(*pa) : 0;
  while( nNew < nMin ) nNew *= 2;
  aNew = sqlite3_realloc64(*pa, (u64)nNew * nSize);
  if( aNew == 0 ) return SQLITE_NOMEM;
  csvCount(pState, pnHeld, (i64)sqlite3_msize(aNew) - nOld);
  *pa = aNew;
  *pnAlloc = nNew;
  return SQLITE_OK;
}

/************************************************************************
** The reader.
*/

/*
** csvFind(q, a, b) returns the first byte at or after q that is one of the
** two stop bytes a and b, made by csvStop().  There always is one (the
** sentinel).  With SSE2 (every x86-64) it looks at 16 bytes at a time, so
** a short field costs one comparison and no mispredicted loop exit; it may
** then read up to 15 bytes past the sentinel, which the CSV_PAD bytes after
** a reader's buffer allow for.  Elsewhere it compares byte by byte.
*/
#if defined(CSV_SSE2)
typedef __m128i CsvStop; /* The byte to stop at, in every lane */
static CsvStop csvStop(int c) {
  return _mm_set1_epi8((char)c);
}
static const unsigned char *csvFind(const unsigned char *q, CsvStop a,
                                    CsvStop b) {
  for( ;; ) {
    __m128i v = _mm_loadu_si128((const __m128i *)q);
    unsigned m = (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(v, a), _mm_cmpeq_epi8(v, b)));
    if( m ) return q + __builtin_ctz(m);
    q += 16;
  }
}
#else
typedef int CsvStop; /* The byte to stop at */
static CsvStop csvStop(int c) {
  return c;
}
static const unsigned char *csvFind(const unsigned char *q, CsvStop a,
                                    CsvStop b) {
  while( *q != a && *q != b ) q++;
  return q;
}
#endif

/* Flags of a CsvField. */
#define CSV_FIELD_QUOTED  0x01 /* The field was quoted */
#define CSV_FIELD_ESCAPED 0x02 /* ...and holds doubled quotes */

/*
** What csvTokenize() and csvReaderFill() return besides SQLite result codes,
** which are never negative.
*/
#define CSV_TOK_RECORD (-1) /* A record was cut out */
#define CSV_TOK_MORE   (-2) /* The buffer ends inside a record */
#define CSV_TOK_EOF    (-3) /* No more records in this file */
#define CSV_FILL_FULL  (-4) /* bKeep: the buffer is full and may not grow */

/* What csvTokenize() was doing when the buffer ran out (CsvPartial.eAt). */
#define CSV_AT_NONE   0 /* No record begun */
#define CSV_AT_FIELD  1 /* At the start of a field, which has no byte yet */
#define CSV_AT_QUOTED 2 /* Inside a quoted field */
#define CSV_AT_CLOSED 3 /* Just after the closing quote of a field */
#define CSV_AT_PLAIN  4 /* Inside an unquoted field */

/* One field of a record: its bytes, quotes removed, relative to the record. */
typedef struct CsvField CsvField;
struct CsvField {
  int iOff;   /* First byte, from the start of the record */
  int n;      /* Bytes, doubled quotes counted twice */
  int mFlags; /* CSV_FIELD_* */
};

/* One record, as csvReaderNext() hands it out. */
typedef struct CsvRow CsvRow;
struct CsvRow {
  char *z;          /* First byte of the record */
  i64 n;            /* Bytes of the record, without the line end */
  i64 iLine;        /* Line the record starts on */
  int nField;       /* Fields in the record */
  int bFirst;       /* The first record of its file */
  int nStore;       /* Keep the positions of fields [0, nStore) */
  CsvField *aField; /* Their positions, nStore slots */
};

/*
** Where csvTokenize() stopped in a record that the buffer ends inside, so
** that it goes on from there once more bytes are read: every byte is walked
** once, however short the reads are (a pipe hands over 64 KiB at a time).
** Offsets are from the start of the record, which moves as a whole when the
** buffer is compacted.
*/
typedef struct CsvPartial CsvPartial;
struct CsvPartial {
  int eAt;      /* CSV_AT_*: what the tokenizer was doing */
  int nField;   /* Fields complete */
  int mFlags;   /* CSV_FIELD_* of the current field so far */
  i64 iScan;    /* The byte to go on from */
  i64 iField;   /* First byte of the current field */
  i64 iVal;     /* First byte of its value (after an opening quote) */
  i64 nNl;      /* Newlines inside quoted fields so far */
  i64 nNlField; /* ...before the current field */
};

typedef struct CsvReader CsvReader;
struct CsvReader {
  FrugalDb *pState;   /* Where the bytes held are counted */
  const char *zFunc;  /* SQL name, for messages */
  FrugalSource *pSrc; /* The files, or NULL to read zData */
  const char *zData;  /* data= text, when pSrc is NULL */
  i64 nData;          /* Bytes in zData */
  i64 iData;          /* Bytes of zData read */
  int bDataDone;      /* zData has been opened */
  char *aBuf;         /* Buffer: nAlloc bytes plus CSV_PAD */
  i64 nAlloc;         /* Usable bytes in aBuf[] */
  i64 iRec;           /* First byte of the next record */
  i64 iEnd;           /* End of the data in aBuf[] */
  i64 iLine;          /* Lines before aBuf[iRec] in this file */
  i64 iRewind;        /* Where kept data starts (bKeep) */
  CsvPartial part;    /* The record begun at aBuf[iRec], if any */
  i64 mxLen;          /* Longest record allowed */
  i64 nHeld;          /* Bytes counted in pState */
  int bOpen;          /* A file is open */
  int bEof;           /* The open file has no more bytes */
  int bStart;         /* A byte-order mark may come next */
  int bFirst;         /* The next record is the first of its file */
  int bKeep;          /* Keep every byte read (see csvReaderRewind()) */
  int cDelim;         /* Field delimiter */
  int cQuote;         /* Quote, or -1 */
#ifdef CSV_TEST
  int nTestRead;   /* The most bytes one read hands over, 0: no limit */
  i64 nTestFill;   /* Reads so far */
  i64 nTestWalked; /* Bytes csvTokenize() has walked */
#endif
};

/* The name of the file being read, for messages and columns. */
static const char *csvReaderFilename(const CsvReader *p) {
  return p->pSrc ? frugalSourceFilename(p->pSrc) : CSV_DATA_NAME;
}

/*
** Start reading zPath (or, if zData is not NULL, the text zData) with the
** options of pOpt.  The record length limit is db's SQLITE_LIMIT_LENGTH.
*/
static int csvReaderOpen(CsvReader *p, FrugalDb *pState, sqlite3 *db,
                         const CsvOptions *pOpt, const char *zPath,
                         const char *zData, char **pzErr) {
  int rc = SQLITE_OK;
  memset(p, 0, sizeof(*p));
  p->pState = pState;
  p->zFunc = pOpt->zFunc;
  p->cDelim = pOpt->cDelim;
  p->cQuote = pOpt->cQuote;
  p->mxLen = sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1);
  if( zData ) {
    p->zData = zData;
    p->nData = (i64)strlen(zData);
  } else {
    rc = frugalSourceOpen(pState, p->zFunc, zPath, &p->pSrc, pzErr);
    if( rc != SQLITE_OK ) return rc;
  }
  p->nAlloc = FRUGAL_READ_BLOCK;
  p->aBuf = sqlite3_malloc64((u64)p->nAlloc + CSV_PAD);
  if( p->aBuf == 0 ) {
    frugalSourceClose(p->pSrc);
    p->pSrc = 0;
    return SQLITE_NOMEM;
  }
  /* csvFind() may look past the data: let it see defined bytes */
  memset(p->aBuf, 0, (size_t)p->nAlloc + CSV_PAD);
  csvCount(pState, &p->nHeld, (i64)sqlite3_msize(p->aBuf));
  return SQLITE_OK;
}

/* Release what a reader holds.  Harmless on a zeroed reader. */
static void csvReaderClose(CsvReader *p) {
  frugalSourceClose(p->pSrc);
  sqlite3_free(p->aBuf);
  csvCount(p->pState, &p->nHeld, -p->nHeld);
  p->pSrc = 0;
  p->aBuf = 0;
}

/*
** Move on to the next file.  SQLITE_OK, SQLITE_DONE after the last one,
** or an error.
*/
static int csvReaderNextFile(CsvReader *p, char **pzErr) {
  if( p->pSrc ) {
    int rc = frugalSourceNextFile(p->pSrc, pzErr);
    if( rc != SQLITE_OK ) return rc;
  } else {
    if( p->bDataDone ) return SQLITE_DONE;
    p->bDataDone = 1;
  }
  p->bOpen = 1;
  p->bEof = 0;
  p->bStart = 1;
  p->bFirst = 1;
  p->iRec = p->iEnd = p->iLine = 0;
  memset(&p->part, 0, sizeof(p->part));
  return SQLITE_OK;
}

/*
** The error for a record that does not fit in SQLITE_LIMIT_LENGTH bytes:
** a field that does not is named as such.
*/
static int csvTooLong(CsvReader *p, int bField, i64 iLine, char **pzErr) {
  int rc =
      csvErr(pzErr, sqlite3_mprintf("%s: %s:%lld: %s longer than "
                                    "SQLITE_LIMIT_LENGTH (%lld bytes)",
                                    p->zFunc, csvReaderFilename(p), iLine,
                                    bField ? "field" : "record", p->mxLen));
  return rc == SQLITE_ERROR ? SQLITE_TOOBIG : rc;
}

/*
** The error for a record that does not fit in the buffer, which has grown
** to what SQLITE_LIMIT_LENGTH allows: it names the field the tokenizer was
** in if that field alone is too long, else the record.
*/
static int csvBufferFull(CsvReader *p, char **pzErr) {
  const CsvPartial *pPart = &p->part;
  if( pPart->eAt != CSV_AT_NONE
      && p->iEnd - (p->iRec + pPart->iField) > p->mxLen ) {
    return csvTooLong(p, 1, p->iLine + 1 + pPart->nNlField, pzErr);
  }
  return csvTooLong(p, 0, p->iLine + 1, pzErr);
}

/*
** Read more bytes of the current file after aBuf[iEnd].  Consumed records
** are dropped first (unless bKeep), and a record that fills the whole
** buffer makes it grow, up to what SQLITE_LIMIT_LENGTH needs.  Sets bEof
** when the file has no more bytes.  With bKeep, returns CSV_FILL_FULL
** instead of growing once the first record has been handed out.
*/
static int csvReaderFill(CsvReader *p, char **pzErr) {
  i64 nRead;
  int rc;
  if( !p->bKeep && p->iRec > 0 ) {
    i64 nKeep = p->iEnd - p->iRec;
    memmove(p->aBuf, p->aBuf + p->iRec, (size_t)nKeep);
    p->iEnd = nKeep;
    p->iRec = 0;
  }
  if( p->iEnd == p->nAlloc ) {
    i64 nCap = p->mxLen + CSV_EOL_MAX;
    i64 nNew = p->nAlloc * 2;
    i64 nOld = (i64)sqlite3_msize(p->aBuf);
    char *aNew;
    if( p->bKeep && !p->bFirst ) return CSV_FILL_FULL;
    if( p->nAlloc >= nCap ) return csvBufferFull(p, pzErr);
    if( nNew > nCap ) nNew = nCap;
    aNew = sqlite3_realloc64(p->aBuf, (u64)nNew + CSV_PAD);
    if( aNew == 0 ) return SQLITE_NOMEM;
    csvCount(p->pState, &p->nHeld, (i64)sqlite3_msize(aNew) - nOld);
    memset(aNew + p->nAlloc + CSV_PAD, 0, (size_t)(nNew - p->nAlloc));
    p->aBuf = aNew;
    p->nAlloc = nNew;
  }
  nRead = p->nAlloc - p->iEnd;
  if( nRead > CSV_READ_MAX ) nRead = CSV_READ_MAX;
#ifdef CSV_TEST
  if( p->nTestRead > 0 && nRead > p->nTestRead ) nRead = p->nTestRead;
  p->nTestFill++;
#endif
  if( p->pSrc ) {
    int n = 0;
    rc = frugalSourceRead(p->pSrc, (unsigned char *)p->aBuf + p->iEnd,
                          (int)nRead, &n, p->iLine, pzErr);
    if( rc != SQLITE_OK ) return rc;
    nRead = n;
  } else {
    if( nRead > p->nData - p->iData ) nRead = p->nData - p->iData;
    memcpy(p->aBuf + p->iEnd, p->zData + p->iData, (size_t)nRead);
    p->iData += nRead;
  }
  if( nRead == 0 ) p->bEof = 1;
  p->iEnd += nRead;
  return SQLITE_OK;
}

/*
** The error for a record that cannot be parsed, on line iLine.
*/
static int csvBadRecord(CsvReader *p, i64 iLine, const char *zWhat,
                        char **pzErr) {
  return csvErr(pzErr, sqlite3_mprintf("%s: %s:%lld: %s", p->zFunc,
                                       csvReaderFilename(p), iLine, zWhat));
}

/*
** Find the field that starts at z[i] of the complete, well-formed record
** z[0..n) (as csvTokenize() has checked it): set *pF, with iOff relative to
** z, and return the index just after the field (its delimiter, or n).
*/
static i64 csvWalkField(const CsvReader *p, const char *z, i64 i, i64 n,
                        CsvField *pF) {
  const char *zHit;
  if( p->cQuote >= 0 && i < n && (unsigned char)z[i] == p->cQuote ) {
    i64 j = i + 1;
    pF->mFlags = CSV_FIELD_QUOTED;
    for( ;; ) {
      zHit = memchr(z + j, p->cQuote, (size_t)(n - j));
      if( zHit == 0 ) { /* Cannot happen in a checked record */
        zHit = z + n;   /* defensive: see above */
        break;          /* defensive: see above */
      }
      if( zHit + 1 < z + n && (unsigned char)zHit[1] == p->cQuote ) {
        pF->mFlags |= CSV_FIELD_ESCAPED;
        j = zHit - z + 2;
        continue;
      }
      break;
    }
    pF->iOff = (int)(i + 1);
    pF->n = (int)(zHit - z - (i + 1));
    return zHit - z + (zHit < z + n);
  }
  zHit = i < n ? memchr(z + i, p->cDelim, (size_t)(n - i)) : 0;
  if( zHit == 0 ) zHit = z + n;
  pF->iOff = (int)i;
  pF->n = (int)(zHit - z - i);
  pF->mFlags = 0;
  return zHit - z;
}

/*
** The error for the complete record pRow, longer than SQLITE_LIMIT_LENGTH:
** it names a field that is too long by itself as such.
*/
static int csvRecordTooLong(CsvReader *p, const CsvRow *pRow, char **pzErr) {
  i64 i = 0;
  int bField = 0;
  for( ;; ) {
    CsvField f;
    i = csvWalkField(p, pRow->z, i, pRow->n, &f);
    if( f.n > p->mxLen ) bField = 1;
    if( i >= pRow->n ) break;
    i++;
  }
  return csvTooLong(p, bField, pRow->iLine, pzErr);
}

/* Test builds count the bytes csvTokenize() walks (test/csv_reader.c). */
#ifdef CSV_TEST
# define CSV_TEST_WALKED(p, zFrom, zTo) ((p)->nTestWalked += (zTo) - (zFrom))
#else
# define CSV_TEST_WALKED(p, zFrom, zTo) ((void)(zFrom))
#endif

/*
** Skip a byte-order mark at the start of a file and the blank lines before
** the next record.  Returns CSV_TOK_RECORD when aBuf[iRec] starts a record,
** CSV_TOK_MORE or CSV_TOK_EOF.
*/
static int csvSkipBlank(CsvReader *p) {
  const unsigned char *zBuf = (const unsigned char *)p->aBuf;
  const unsigned char *zEnd = zBuf + p->iEnd;
  const unsigned char *q;
  if( p->bStart ) {
    if( p->iEnd - p->iRec < 3 && !p->bEof ) return CSV_TOK_MORE;
    if( p->iEnd - p->iRec >= 3 && zBuf[p->iRec] == 0xef
        && zBuf[p->iRec + 1] == 0xbb && zBuf[p->iRec + 2] == 0xbf ) {
      p->iRec += 3;
    }
    p->bStart = 0;
    p->iRewind = p->iRec;
  }
  for( q = zBuf + p->iRec;; p->iLine++ ) {
    if( q == zEnd ) {
      p->iRec = q - zBuf;
      return p->bEof ? CSV_TOK_EOF : CSV_TOK_MORE;
    }
    if( q[0] == '\n' ) {
      q++;
    } else if( q[0] == '\r' && q[1] == '\n' ) {
      /* "\r\n", or a "\r" before the sentinel */
      if( q + 1 == zEnd && !p->bEof ) {
        p->iRec = q - zBuf;
        return CSV_TOK_MORE;
      }
      q += q + 1 < zEnd ? 2 : 1;
    } else {
      p->iRec = q - zBuf;
      return CSV_TOK_RECORD;
    }
  }
}

/*
** Cut the next record out of aBuf[iRec..iEnd).  Returns CSV_TOK_RECORD
** with *pRow set and the record consumed, CSV_TOK_MORE if the buffer ends
** inside the record (read more and call again: p->part says where to go
** on), CSV_TOK_EOF at the end of the file, or an error.
**
** This is the loop every byte of a file goes through.  aBuf[iEnd] is set
** to "\n", so the inner loops need no bounds check: they stop at a stop
** byte, and only a "\n" needs a look at whether it is the sentinel.  A call
** that goes on with a record jumps to the label for what p->part.eAt says
** it was doing.
*/
static int csvTokenize(CsvReader *p, CsvRow *pRow, char **pzErr) {
  const int cDelim = p->cDelim;
  const int cQuote = p->cQuote;
  unsigned char *const zBuf = (unsigned char *)p->aBuf;
  const unsigned char *const zEnd = zBuf + p->iEnd;
  const CsvStop stopDelim = csvStop(cDelim);
  const CsvStop stopQuote = csvStop(cQuote);
  const CsvStop stopNl = csvStop('\n');
  const int bEof = p->bEof;
  const int nStore = pRow->nStore;
  CsvField *const aField = pRow->aField;
  CsvPartial *const pPart = &p->part;
  const unsigned char *zRec;   /* First byte of the record */
  const unsigned char *zField; /* First byte of the current field */
  const unsigned char *zVal;   /* First byte of its value */
  const unsigned char *zFrom;  /* Where this call started walking */
  const unsigned char *q;      /* The byte being looked at */
  i64 nNl;                     /* Newlines inside quoted fields so far */
  i64 nNlField;                /* ...before the current field */
  int nField;                  /* Fields complete */
  int mFlags = 0;              /* CSV_FIELD_* of the current field */
  int eAt;                     /* CSV_AT_* if the buffer runs out */
  int bLast;                   /* The current field ends the record */

  zBuf[p->iEnd] = '\n';
  zRec = zBuf + p->iRec;
  if( pPart->eAt != CSV_AT_NONE ) {
    /* Go on where the last call ran out of bytes */
    q = zFrom = zRec + pPart->iScan;
    zField = zRec + pPart->iField;
    zVal = zRec + pPart->iVal;
    nNl = pPart->nNl;
    nNlField = pPart->nNlField;
    nField = pPart->nField;
    mFlags = pPart->mFlags;
    switch( pPart->eAt ) {
      case CSV_AT_QUOTED: goto in_quoted;
      case CSV_AT_CLOSED: goto after_quote;
      case CSV_AT_FIELD: goto next_field;
      default: goto in_plain;
    }
  }
  eAt = csvSkipBlank(p);
  if( eAt != CSV_TOK_RECORD ) return eAt;
  q = zFrom = zRec = zBuf + p->iRec;
  nNl = 0;
  nField = 0;

  for( ;; ) {
  next_field:
    zField = q;
    nNlField = nNl;
    if( *q == cQuote ) {
      mFlags = CSV_FIELD_QUOTED;
      zVal = ++q;
    in_quoted:
      for( ;; ) {
        q = csvFind(q, stopQuote, stopNl);
        if( *q == '\n' ) {
          if( q == zEnd ) {
            eAt = CSV_AT_QUOTED;
            if( !bEof ) goto need_more;
            return csvBadRecord(p, p->iLine + 1 + nNlField,
                                "unterminated quoted field", pzErr);
          }
          nNl++;
          q++;
          continue;
        }
        /* A quote: the end of the field, or the first of a pair */
        if( q + 1 == zEnd && !bEof ) {
          eAt = CSV_AT_QUOTED;
          goto need_more;
        }
        if( q[1] == cQuote && q + 1 < zEnd ) {
          mFlags |= CSV_FIELD_ESCAPED;
          q += 2;
          continue;
        }
        break;
      }
      if( nField < nStore ) {
        aField[nField].iOff = (int)(zVal - zRec);
        aField[nField].n = (int)(q - zVal);
        aField[nField].mFlags = mFlags;
      }
      q++;
    after_quote:
      eAt = CSV_AT_CLOSED;
      if( *q == cDelim && q < zEnd ) {
        bLast = 0;
      } else if( *q == '\n' ) {
        if( q == zEnd && !bEof ) goto need_more;
        bLast = 1;
      } else if( *q == '\r' && q[1] == '\n' ) {
        /* "\r\n", or a "\r" before the sentinel */
        if( q + 1 == zEnd && !bEof ) goto need_more;
        bLast = 1;
      } else {
        return csvBadRecord(p, p->iLine + 1 + nNl,
                            "unexpected character after a closing quote",
                            pzErr);
      }
    } else {
      zVal = q;
    in_plain:
      q = csvFind(q, stopDelim, stopNl);
      if( *q == '\n' ) {
        if( q == zEnd && !bEof ) {
          /* Where the field has no byte yet, it may be a quoted one */
          eAt = q == zField ? CSV_AT_FIELD : CSV_AT_PLAIN;
          goto need_more;
        }
        bLast = 1;
        if( q > zVal && q[-1] == '\r' ) q--;
      } else {
        bLast = 0;
      }
      if( nField < nStore ) {
        aField[nField].iOff = (int)(zVal - zRec);
        aField[nField].n = (int)(q - zVal);
        aField[nField].mFlags = 0;
      }
    }
    nField++;
    if( bLast ) break;
    q++;
  }

  /* q is at the line end: "\r\n", "\n" or the end of the file */
  CSV_TEST_WALKED(p, zFrom, q);
  pPart->eAt = CSV_AT_NONE;
  pRow->z = (char *)zRec;
  pRow->n = q - zRec;
  pRow->iLine = p->iLine + 1;
  pRow->nField = nField;
  pRow->bFirst = p->bFirst;
  p->bFirst = 0;
  p->iLine += 1 + nNl;
  if( *q == '\r' ) q++;
  if( q < zEnd ) q++;
  p->iRec = q - zBuf;
  if( pRow->n > p->mxLen ) return csvRecordTooLong(p, pRow, pzErr);
  return CSV_TOK_RECORD;

need_more:
  CSV_TEST_WALKED(p, zFrom, q);
  pPart->eAt = eAt;
  pPart->nField = nField;
  pPart->mFlags = mFlags;
  pPart->iScan = q - zRec;
  pPart->iField = zField - zRec;
  pPart->iVal = zVal - zRec;
  pPart->nNl = nNl;
  pPart->nNlField = nNlField;
  return CSV_TOK_MORE;
}

/*
** Hand out the next record in *pRow.  SQLITE_ROW, SQLITE_DONE after the
** last record of the last file, or an error with *pzErr set.  The record
** stays valid until the next call.
*/
static int csvReaderNext(CsvReader *p, CsvRow *pRow, char **pzErr) {
  for( ;; ) {
    int rc;
    if( !p->bOpen ) {
      rc = csvReaderNextFile(p, pzErr);
      if( rc != SQLITE_OK ) return rc;
    }
    rc = csvTokenize(p, pRow, pzErr);
    if( rc == CSV_TOK_RECORD ) return SQLITE_ROW;
    if( rc == CSV_TOK_EOF ) {
      p->bOpen = 0;
      continue;
    }
    if( rc != CSV_TOK_MORE ) return rc;
    rc = csvReaderFill(p, pzErr);
    if( rc != SQLITE_OK ) return rc;
  }
}

/*
** Hand pRow, the record csvReaderNext() just returned, out again on the
** next call.
*/
static void csvReaderUnread(CsvReader *p, const CsvRow *pRow) {
  p->iRec = pRow->z - p->aBuf;
  p->iLine = pRow->iLine - 1;
  p->bFirst = pRow->bFirst;
  p->part.eAt = CSV_AT_NONE;
}

/*
** Go back to the first record of the file, which bKeep has kept whole in
** the buffer, and stop keeping.  Only for standard input, which cannot be
** read twice: csv_file reads its first rows when the table is created and
** hands them to the first scan this way.
*/
static void csvReaderRewind(CsvReader *p) {
  p->iRec = p->iRewind;
  p->iLine = 0;
  p->bFirst = 1;
  p->part.eAt = CSV_AT_NONE;
  p->bKeep = 0;
  p->bOpen = 1;
}

/************************************************************************
** Numbers.
**
** A field is a number if it follows the JSON grammar:
**
**   -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
**
** so that what read_csv writes into its JSON is valid JSON, and so that
** "007", "+1", " 1" and "1." stay text.  An integer that fits in 64 bits
** is CSV_NUM_INT, any other number CSV_NUM_REAL.
**
** csvScanNumber() checks the grammar and converts in the same pass.  A
** number of at most CSV_SIG_MAX digits is m * 10^e10 with m exact in a
** u64; when m and the power of ten are both exact doubles, one IEEE
** multiplication or division rounds correctly (Clinger's fast path), and
** that is the common case ("46.23").  Anything else goes to strtod() in the
** C locale, so that the decimal point is "." whatever the host set.
*/
typedef struct CsvNum CsvNum;
struct CsvNum {
  i64 iVal;    /* CSV_NUM_INT: the value */
  double r;    /* CSV_NUM_REAL: the value, unless bStrtod */
  int bStrtod; /* CSV_NUM_REAL: r is for csvNumStrtod() to find */
};

/* True if c is an ASCII digit. */
static int csvIsDigit(char c) {
  return c >= '0' && c <= '9';
}

/* The largest exponent kept; beyond it every double is 0 or infinite. */
#define CSV_EXP_MAX 100000

/* The most digits a u64 holds whatever they are. */
#define CSV_SIG_MAX 19

/* The largest m the fast path takes: every integer up to it is a double. */
#define CSV_EXACT_MAX ((u64)1 << 53)

/*
** Classify z[0..n) as CSV_NUM_NONE, _INT or _REAL, and set *p to its value
** (or, for a number the fast path cannot convert, p->bStrtod).
*/
static CSV_INLINE int csvScanNumber(const char *z, int n, CsvNum *p) {
  static const double aPow10[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
  };
  const int nPow = (int)(sizeof(aPow10) / sizeof(aPow10[0]));
  const char *zEnd = z + n;
  const char *zDigit;
  u64 m = 0; /* Wraps harmlessly past CSV_SIG_MAX digits */
  int nInt, nFrac = 0, e10 = 0, bNeg = 0, bInt = 1;
  double r;

  if( z < zEnd && *z == '-' ) {
    bNeg = 1;
    z++;
  }
  for( zDigit = z; z < zEnd && csvIsDigit(*z); z++ ) {
    m = m * 10 + (u64)(*z - '0');
  }
  nInt = (int)(z - zDigit);
  if( nInt == 0 || (nInt > 1 && zDigit[0] == '0') ) return CSV_NUM_NONE;
  if( z < zEnd && *z == '.' ) {
    bInt = 0;
    for( zDigit = ++z; z < zEnd && csvIsDigit(*z); z++ ) {
      m = m * 10 + (u64)(*z - '0');
    }
    nFrac = (int)(z - zDigit);
    if( nFrac == 0 ) return CSV_NUM_NONE;
  }
  if( z < zEnd && (*z == 'e' || *z == 'E') ) {
    int bNegExp = 0;
    bInt = 0;
    if( ++z < zEnd && (*z == '+' || *z == '-') ) bNegExp = *z++ == '-';
    if( z >= zEnd || !csvIsDigit(*z) ) return CSV_NUM_NONE;
    for( ; z < zEnd && csvIsDigit(*z); z++ ) {
      if( e10 < CSV_EXP_MAX ) e10 = e10 * 10 + (*z - '0');
    }
    if( bNegExp ) e10 = -e10;
  }
  if( z != zEnd ) return CSV_NUM_NONE;
  if( nInt + nFrac > CSV_SIG_MAX ) {
    p->bStrtod = 1;
    return CSV_NUM_REAL;
  }
  if( bInt && m <= (u64)0x7fffffffffffffffULL + (u64)bNeg ) {
    p->iVal = !bNeg ? (i64)m : m ? -(i64)(m - 1) - 1 : 0;
    return CSV_NUM_INT;
  }
  e10 -= nFrac;
  p->bStrtod = m > CSV_EXACT_MAX || e10 <= -nPow || e10 >= nPow;
  if( !p->bStrtod ) {
    r = (double)m;
    r = e10 < 0 ? r / aPow10[-e10] : r * aPow10[e10];
    p->r = bNeg ? -r : r;
  }
  return CSV_NUM_REAL;
}

/*
** The double nearest to the number z[0..n), by strtod() in the C locale.
** *pLoc is that locale, made on first use.
*/
static int csvNumStrtod(const char *z, int n, locale_t *pLoc, double *pr) {
  char zBuf[CSV_NUM_BUF];
  char *zNum = zBuf;
  locale_t old;
  if( *pLoc == (locale_t)0 ) {
    *pLoc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if( *pLoc == (locale_t)0 ) return SQLITE_NOMEM;
  }
  if( n >= CSV_NUM_BUF ) {
    zNum = sqlite3_malloc64((u64)n + 1);
    if( zNum == 0 ) return SQLITE_NOMEM;
  }
  memcpy(zNum, z, (size_t)n);
  zNum[n] = 0;
  old = uselocale(*pLoc);
  *pr = strtod(zNum, 0);
  uselocale(old);
  if( zNum != zBuf ) sqlite3_free(zNum);
  return SQLITE_OK;
}

/*
** The value of field z[0..n) for a column of kind eCol (CSV_COL_*) in *pNum
** and its kind as the return value: CSV_NUM_INT, CSV_NUM_REAL or, for text
** or a number a double cannot hold, CSV_NUM_NONE.  INTEGER columns take
** reals without a fraction as integers, as SQLite's affinity does, and
** REAL columns integers as reals.  On an error (out of memory), *pRc.
*/
static CSV_INLINE int csvFieldNumber(int eCol, const char *z, int n,
                                     locale_t *pLoc, CsvNum *pNum, int *pRc) {
  int eNum = csvScanNumber(z, n, pNum);
  if( eNum == CSV_NUM_INT ) {
    if( eCol == CSV_COL_INTEGER ) return CSV_NUM_INT;
    pNum->r = (double)pNum->iVal;
    return CSV_NUM_REAL;
  }
  if( eNum == CSV_NUM_NONE ) return CSV_NUM_NONE;
  if( pNum->bStrtod ) {
    *pRc = csvNumStrtod(z, n, pLoc, &pNum->r);
    if( *pRc != SQLITE_OK || isinf(pNum->r) ) return CSV_NUM_NONE;
  }
  if( eCol == CSV_COL_INTEGER && pNum->r >= -9223372036854775808.0
      && pNum->r < 9223372036854775808.0 && (double)(i64)pNum->r == pNum->r ) {
    pNum->iVal = (i64)pNum->r;
    return CSV_NUM_INT;
  }
  return CSV_NUM_REAL;
}

/*
** Return field z[0..n) as the result of ctx, as column kind eCol
** (CSV_COL_*) asks: a number where the column is numeric and the field is
** one (see csvFieldNumber()), else text.
*/
static int csvResultField(sqlite3_context *ctx, int eCol, const char *z, int n,
                          locale_t *pLoc) {
  CsvNum num;
  int rc = SQLITE_OK;
  switch( eCol == CSV_COL_TEXT ? CSV_NUM_NONE
                               : csvFieldNumber(eCol, z, n, pLoc, &num, &rc) ) {
    case CSV_NUM_INT: sqlite3_result_int64(ctx, num.iVal); break;
    case CSV_NUM_REAL: sqlite3_result_double(ctx, num.r); break;
    default:
      /* Text, or out of memory (rc), when the result does not matter */
      sqlite3_result_text(ctx, z, n, SQLITE_TRANSIENT);
      break;
  }
  return rc;
}

/************************************************************************
** Text: a growing buffer, for JSON and column names, and JSON strings.
*/
typedef struct CsvBuf CsvBuf;
struct CsvBuf {
  FrugalDb *pState; /* Where the bytes are counted */
  i64 *pnHeld;      /* ...and by whom */
  char *z;          /* The text, not NUL-terminated */
  i64 n;            /* Bytes of text */
  i64 nAlloc;       /* Bytes allocated */
  i64 mxLen;        /* Longest text allowed */
};

/* Make room for nMore bytes more; SQLITE_TOOBIG past mxLen. */
static int csvBufRoom(CsvBuf *p, i64 nMore) {
  if( p->n + nMore > p->mxLen ) return SQLITE_TOOBIG;
  return csvGrow(p->pState, p->pnHeld, (void **)&p->z, &p->nAlloc, p->n + nMore,
                 1);
}

/* Append z[0..n). */
static int csvBufAppend(CsvBuf *p, const char *z, i64 n) {
  int rc = csvBufRoom(p, n);
  if( rc != SQLITE_OK ) return rc;
  memcpy(p->z + p->n, z, (size_t)n);
  p->n += n;
  return SQLITE_OK;
}

/* Free the text. */
static void csvBufFree(CsvBuf *p) {
  if( p->z ) csvCount(p->pState, p->pnHeld, -(i64)sqlite3_msize(p->z));
  sqlite3_free(p->z);
  p->z = 0;
  p->n = p->nAlloc = 0;
}

/* True for the bytes a JSON string cannot hold as they are. */
#define CSV_JSON_ESCAPE(c) ((c) < 0x20 || (c) == '"' || (c) == '\\')

/*
** Append z[0..n) as the inside of a JSON string: quotes and backslashes
** escaped, control characters as \n, \t... or \u00XX, every other byte
** (UTF-8 included) as it is.  With cQuote >= 0, z is the inside of a
** quoted CSV field and each doubled quote stands for one.
*/
static int csvBufJsonText(CsvBuf *p, const char *z, i64 n, int cQuote) {
  static const char zHex[] = "0123456789abcdef";
  i64 i = 0;
  int rc;
  while( i < n ) {
    i64 j = i;
    unsigned char c;
    while( j < n && !CSV_JSON_ESCAPE((unsigned char)z[j])
           && (unsigned char)z[j] != cQuote ) {
      j++;
    }
    rc = csvBufAppend(p, z + i, j - i);
    if( rc != SQLITE_OK ) return rc;
    if( j >= n ) break;
    c = (unsigned char)z[j];
    rc = csvBufRoom(p, 6);
    if( rc != SQLITE_OK ) return rc;
    if( c == cQuote && c != '"' && c != '\\' ) {
      p->z[p->n++] = (char)c; /* A doubled quote: keep one */
      j++;
    } else {
      if( c == cQuote ) j++; /* A doubled '"' or '\\' quote: keep one */
      p->z[p->n++] = '\\';
      switch( c ) {
        case '"': p->z[p->n++] = '"'; break;
        case '\\': p->z[p->n++] = '\\'; break;
        case '\n': p->z[p->n++] = 'n'; break;
        case '\r': p->z[p->n++] = 'r'; break;
        case '\t': p->z[p->n++] = 't'; break;
        case '\b': p->z[p->n++] = 'b'; break;
        case '\f': p->z[p->n++] = 'f'; break;
        default:
          p->z[p->n++] = 'u';
          p->z[p->n++] = '0';
          p->z[p->n++] = '0';
          p->z[p->n++] = zHex[c >> 4];
          p->z[p->n++] = zHex[c & 0xf];
          break;
      }
    }
    i = j + 1;
  }
  return SQLITE_OK;
}

/************************************************************************
** Column names.
**
** The names of a header, made unique: a field that is empty becomes
** "c<i>" (i counted from 0), and a name that equals an earlier one, ASCII
** case ignored as SQL does, gets "_2", "_3", ... (the first suffix that
** makes it unique).  Names are kept NUL-terminated in one buffer, with an
** open-addressing hash table of their indexes to find duplicates.
*/
typedef struct CsvNames CsvNames;
struct CsvNames {
  CsvBuf text;   /* The names, each NUL-terminated */
  i64 *aOff;     /* Where each name starts in text, and where the last
                  ** ends: nName+1 entries */
  i64 nOffAlloc; /* Slots in aOff[] */
  int nName;     /* Names */
  int *aHash;    /* Index+1 of a name, or 0 for an empty slot */
  i64 nHash;     /* Slots in aHash[], a power of two */
  FrugalDb *pState;
  i64 *pnHeld;
};

/* Start an empty list of names, counted in pState and *pnHeld. */
static void csvNamesInit(CsvNames *p, FrugalDb *pState, i64 *pnHeld,
                         i64 mxLen) {
  memset(p, 0, sizeof(*p));
  p->pState = pState;
  p->pnHeld = pnHeld;
  p->text.pState = pState;
  p->text.pnHeld = pnHeld;
  p->text.mxLen = mxLen;
}

/* Free the names. */
static void csvNamesFree(CsvNames *p) {
  csvBufFree(&p->text);
  if( p->aOff ) csvCount(p->pState, p->pnHeld, -(i64)sqlite3_msize(p->aOff));
  if( p->aHash ) csvCount(p->pState, p->pnHeld, -(i64)sqlite3_msize(p->aHash));
  sqlite3_free(p->aOff);
  sqlite3_free(p->aHash);
  p->aOff = 0;
  p->aHash = 0;
  p->nOffAlloc = p->nHash = 0;
  p->nName = 0;
}

/* Name i. */
static const char *csvName(const CsvNames *p, int i) {
  return p->text.z + p->aOff[i];
}

/* Bytes in name i. */
static i64 csvNameLen(const CsvNames *p, int i) {
  return p->aOff[i + 1] - p->aOff[i] - 1;
}

/* A hash of z[0..n), ASCII case folded. */
static unsigned csvNameHash(const char *z, i64 n) {
  unsigned h = 2166136261u;
  i64 i;
  for( i = 0; i < n; i++ ) {
    unsigned char c = (unsigned char)z[i];
    if( c >= 'A' && c <= 'Z' ) c += 'a' - 'A';
    h = (h ^ c) * 16777619u;
  }
  return h;
}

/* True if a[0..n) and b[0..n) are equal, ASCII case folded. */
static int csvNameEq(const char *a, const char *b, i64 n) {
  i64 i;
  for( i = 0; i < n; i++ ) {
    unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
    if( x >= 'A' && x <= 'Z' ) x += 'a' - 'A';
    if( y >= 'A' && y <= 'Z' ) y += 'a' - 'A';
    if( x != y ) return 0;
  }
  return 1;
}

/* The slot of aHash[] that holds z[0..n), or the empty slot for it. */
static i64 csvNamesSlot(const CsvNames *p, const char *z, i64 n) {
  i64 i = (i64)(csvNameHash(z, n) & (unsigned)(p->nHash - 1));
  for( ;; i = (i + 1) & (p->nHash - 1) ) {
    int k = p->aHash[i];
    const char *zName;
    if( k == 0 ) return i;
    zName = csvName(p, k - 1);
    if( csvNameLen(p, k - 1) == n && csvNameEq(zName, z, n) ) return i;
  }
}

/* Make the hash table hold nName+1 names at most half full. */
static int csvNamesRehash(CsvNames *p) {
  i64 nNew = p->nHash ? p->nHash : 64;
  int *aNew;
  int i;
  if( (i64)(p->nName + 1) * 2 <= p->nHash ) return SQLITE_OK;
  while( (i64)(p->nName + 1) * 2 > nNew ) nNew *= 2;
  aNew = sqlite3_malloc64((u64)nNew * sizeof(int));
  if( aNew == 0 ) return SQLITE_NOMEM;
  memset(aNew, 0, (size_t)nNew * sizeof(int));
  if( p->aHash ) csvCount(p->pState, p->pnHeld, -(i64)sqlite3_msize(p->aHash));
  csvCount(p->pState, p->pnHeld, (i64)sqlite3_msize(aNew));
  sqlite3_free(p->aHash);
  p->aHash = aNew;
  p->nHash = nNew;
  for( i = 0; i < p->nName; i++ ) {
    p->aHash[csvNamesSlot(p, csvName(p, i), csvNameLen(p, i))] = i + 1;
  }
  return SQLITE_OK;
}

/*
** Add z[0..n) as the next name (unescaping doubled quotes if cQuote >= 0),
** renamed as the rules above say.
*/
static int csvNamesAdd(CsvNames *p, const char *z, i64 n, int cQuote) {
  i64 iStart = p->text.n, nName, i;
  int rc, k;
  rc = csvNamesRehash(p);
  if( rc == SQLITE_OK ) {
    rc = csvGrow(p->pState, p->pnHeld, (void **)&p->aOff, &p->nOffAlloc,
                 p->nName + 2, sizeof(i64));
  }
  if( rc != SQLITE_OK ) return rc;
  if( n == 0 ) {
    char zGen[32];
    sqlite3_snprintf(sizeof(zGen), zGen, "c%d", p->nName);
    rc = csvBufAppend(&p->text, zGen, (i64)strlen(zGen));
  } else if( cQuote < 0 ) {
    rc = csvBufAppend(&p->text, z, n);
  } else {
    for( i = 0; rc == SQLITE_OK && i < n; i++ ) {
      rc = csvBufAppend(&p->text, z + i, 1);
      if( (unsigned char)z[i] == cQuote ) i++;
    }
  }
  if( rc != SQLITE_OK ) return rc;
  nName = p->text.n - iStart;
  /* Add "_2", "_3"... until the name is new */
  for( k = 2;
       p->aHash[csvNamesSlot(p, p->text.z + iStart, p->text.n - iStart)] != 0;
       k++ ) {
    char zSuffix[32];
    sqlite3_snprintf(sizeof(zSuffix), zSuffix, "_%d", k);
    p->text.n = iStart + nName;
    rc = csvBufAppend(&p->text, zSuffix, (i64)strlen(zSuffix));
    if( rc != SQLITE_OK ) return rc;
  }
  i = csvNamesSlot(p, p->text.z + iStart, p->text.n - iStart);
  rc = csvBufAppend(&p->text, "", 1);
  if( rc != SQLITE_OK ) return rc;
  p->aOff[p->nName] = iStart;
  p->aOff[p->nName + 1] = p->text.n;
  p->aHash[i] = ++p->nName;
  return SQLITE_OK;
}

/*
** The error for record pRow, which would make more than mxCol columns
** (SQLITE_LIMIT_COLUMN).
*/
static int csvTooManyColumns(const CsvReader *pRdr, const CsvRow *pRow,
                             int mxCol, char **pzErr) {
  return csvErr(pzErr, sqlite3_mprintf("%s: %s:%lld: more than %d columns "
                                       "(SQLITE_LIMIT_COLUMN)",
                                       pRdr->zFunc, csvReaderFilename(pRdr),
                                       pRow->iLine, mxCol));
}

/*
** Add the names of the header pRow: its first nMax fields if nMax > 0, and
** then c<i> up to nMax; else every field, of which there may be at most
** mxCol (SQLITE_LIMIT_COLUMN).  A name cannot hold a NUL byte.
*/
static int csvNamesFromRow(CsvNames *p, const CsvReader *pRdr,
                           const CsvRow *pRow, int nMax, int mxCol,
                           char **pzErr) {
  i64 i = 0;
  int rc = SQLITE_OK;
  if( nMax <= 0 && pRow->nField > mxCol ) {
    return csvTooManyColumns(pRdr, pRow, mxCol, pzErr);
  }
  while( rc == SQLITE_OK && (nMax <= 0 || p->nName < nMax) ) {
    CsvField f;
    i = csvWalkField(pRdr, pRow->z, i, pRow->n, &f);
    if( memchr(pRow->z + f.iOff, 0, (size_t)f.n) ) {
      return csvErr(
          pzErr, sqlite3_mprintf("%s: %s:%lld: column name %d holds a NUL byte",
                                 pRdr->zFunc, csvReaderFilename(pRdr),
                                 pRow->iLine, p->nName + 1));
    }
    rc = csvNamesAdd(p, pRow->z + f.iOff, f.n,
                     (f.mFlags & CSV_FIELD_ESCAPED) ? pRdr->cQuote : -1);
    if( i >= pRow->n ) break;
    i++;
  }
  while( rc == SQLITE_OK && p->nName < nMax ) rc = csvNamesAdd(p, "", 0, -1);
  return rc;
}

/************************************************************************
** Rows: what both modules check about a row.
*/

/* True if field pF of pRow is NULL by the nulls= option of pOpt. */
static int csvIsNull(const CsvOptions *pOpt, const CsvRow *pRow,
                     const CsvField *pF) {
  return pOpt->zNulls && !(pF->mFlags & CSV_FIELD_QUOTED)
      && pF->n == pOpt->nNulls
      && memcmp(pRow->z + pF->iOff, pOpt->zNulls, (size_t)pF->n) == 0;
}

/*
** The error for a row with more fields than the nCol columns, unless
** extra_fields=drop.
*/
static int csvCheckExtra(const CsvReader *pRdr, const CsvOptions *pOpt,
                         const CsvRow *pRow, int nCol, char **pzErr) {
  if( nCol <= 0 || pRow->nField <= nCol ) return SQLITE_OK;
  if( pOpt->eExtra == CSV_EXTRA_DROP ) return SQLITE_OK;
  return csvErr(pzErr, sqlite3_mprintf("%s: %s:%lld: row has %d fields, "
                                       "more than the %d columns",
                                       pRdr->zFunc, csvReaderFilename(pRdr),
                                       pRow->iLine, pRow->nField, nCol));
}

/************************************************************************
** csv_file.
*/
typedef struct CsvTable CsvTable;
struct CsvTable {
  sqlite3_vtab base;   /* Base class - must be first */
  sqlite3 *db;         /* The connection */
  FrugalDb *pState;    /* Where open cursors are counted */
  CsvOptions opt;      /* The arguments */
  int nCol;            /* Columns */
  unsigned char *aCol; /* CSV_COL_* of each column */
  locale_t loc;        /* The C locale, for strtod(), or 0 */
  CsvReader *pStdin;   /* Standard input, kept for the first scan */
  int bStdinGone;      /* Connected again: what stdin held is gone */
};

typedef struct CsvCursor CsvCursor;
struct CsvCursor {
  sqlite3_vtab_cursor base; /* Base class - must be first */
  CsvReader rdr;            /* The reader, when bOpen */
  CsvRow row;               /* The current row */
  CsvBuf scratch;           /* A field with its doubled quotes undone */
  i64 iRowid;               /* Rows so far */
  i64 nHeld;                /* Bytes counted for aField and scratch */
  int bOpen;                /* rdr is open */
  int bEof;                 /* No more rows */
};

/* True for the bytes isspace() knows, in any locale. */
static int csvIsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
      || c == '\v';
}

/*
** Apply one argument of CREATE VIRTUAL TABLE ... USING csv_file(...):
** "name=value" or, for header, a bare "header".  As in SQLite's csv.c,
** spaces around the name and the value are ignored, and a value in single
** or double quotes is dequoted (a doubled quote stands for one).
*/
static int csvfileArg(CsvOptions *pOpt, const char *zArg, char **pzErr) {
  const char *z = zArg;
  const char *zEq = strchr(zArg, '=');
  char *zKey;
  i64 nKey, nVal;
  FrugalJsonValue val;
  char *zVal = 0;
  int rc;

  while( csvIsSpace(*z) ) z++;
  nKey = zEq ? zEq - z : (i64)strlen(z);
  while( nKey > 0 && csvIsSpace(z[nKey - 1]) ) nKey--;
  zKey = sqlite3_mprintf("%.*s", (int)nKey, z);
  if( zKey == 0 ) return SQLITE_NOMEM;
  if( zEq == 0 ) {
    if( sqlite3_stricmp(zKey, "header") != 0 ) {
      sqlite3_free(zKey);
      return csvErr(
          pzErr,
          sqlite3_mprintf("csv_file: expected name=value, not \"%s\"", zArg));
    }
    val.z = "yes";
    val.n = 3;
  } else {
    const char *zV = zEq + 1;
    while( csvIsSpace(*zV) ) zV++;
    nVal = (i64)strlen(zV);
    while( nVal > 0 && csvIsSpace(zV[nVal - 1]) ) nVal--;
    zVal = sqlite3_malloc64((u64)nVal + 1);
    if( zVal == 0 ) {
      sqlite3_free(zKey);
      return SQLITE_NOMEM;
    }
    if( nVal >= 2 && (zV[0] == '\'' || zV[0] == '"')
        && zV[nVal - 1] == zV[0] ) {
      i64 i, j = 0;
      for( i = 1; i < nVal - 1; i++ ) {
        if( zV[i] == zV[0] && zV[i + 1] == zV[0] ) i++;
        zVal[j++] = zV[i];
      }
      nVal = j;
    } else {
      memcpy(zVal, zV, (size_t)nVal);
    }
    zVal[nVal] = 0;
    val.z = zVal;
    val.n = (int)nVal;
  }
  val.eType = FRUGAL_JSON_STRING;
  rc = csvOption(pOpt, 1, zKey, &val, pzErr);
  sqlite3_free(zKey);
  sqlite3_free(zVal);
  return rc;
}

/*
** How SQLite's affinity rules read a declared type, as CSV_COL_*: a type
** with INT is an integer, with CHAR, CLOB or TEXT text, with BLOB (or no
** type) text as it is, with REAL, FLOA or DOUB real, and anything else
** NUMERIC, which returns numbers as CSV_COL_INTEGER does.
*/
static int csvDeclaredCol(const char *zType) {
  static const struct {
    const char *zSub; /* A part of the type name */
    int eCol;         /* What it means */
  } aRule[] = {
    { "INT", CSV_COL_INTEGER }, { "CHAR", CSV_COL_TEXT },
    { "CLOB", CSV_COL_TEXT },   { "TEXT", CSV_COL_TEXT },
    { "BLOB", CSV_COL_TEXT },   { "REAL", CSV_COL_REAL },
    { "FLOA", CSV_COL_REAL },   { "DOUB", CSV_COL_REAL },
  };
  size_t k;
  int i, n = zType ? (int)strlen(zType) : 0;
  if( n == 0 ) return CSV_COL_TEXT;
  for( k = 0; k < sizeof(aRule) / sizeof(aRule[0]); k++ ) {
    int nSub = (int)strlen(aRule[k].zSub);
    for( i = 0; i + nSub <= n; i++ ) {
      if( sqlite3_strnicmp(zType + i, aRule[k].zSub, nSub) == 0 ) {
        return aRule[k].eCol;
      }
    }
  }
  return CSV_COL_INTEGER;
}

/* The declared types of the table a scratch connection holds. */
#define CSV_SCHEMA_TYPES_SQL                                                   \
 "SELECT type FROM pragma_table_xinfo(("                                       \
 " SELECT name FROM sqlite_master WHERE type='table'"                          \
 " UNION ALL SELECT name FROM sqlite_temp_master WHERE type='table'))"

/*
** The columns of schema=, which sqlite3_declare_vtab() has accepted as a
** CREATE TABLE statement: their number and declared types, read by making
** the table in a private in-memory connection and asking it.
*/
static int csvSchemaColumns(CsvTable *p, char **pzErr) {
  sqlite3 *db2 = 0;
  sqlite3_stmt *pStmt = 0;
  const char *zTail = 0;
  i64 nAlloc = 0;
  int rc;

  rc = sqlite3_open_v2(":memory:", &db2,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 0);
  if( rc == SQLITE_OK ) {
    rc = sqlite3_prepare_v2(db2, p->opt.zSchema, -1, &pStmt, &zTail);
  }
  if( rc == SQLITE_OK ) {
    /* sqlite3_declare_vtab() looks at the first statement only */
    while( csvIsSpace(*zTail) || *zTail == ';' ) zTail++;
    if( *zTail ) {
      sqlite3_finalize(pStmt);
      sqlite3_close(db2);
      return csvErr(
          pzErr, sqlite3_mprintf("csv_file: schema: more than one statement"));
    }
    sqlite3_step(pStmt);
    rc = sqlite3_finalize(pStmt);
    pStmt = 0;
  }
  if( rc == SQLITE_OK ) {
    rc = sqlite3_prepare_v2(db2, CSV_SCHEMA_TYPES_SQL, -1, &pStmt, 0);
  }
  while( rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW ) {
    rc = csvGrow(0, 0, (void **)&p->aCol, &nAlloc, p->nCol + 1, 1);
    if( rc == SQLITE_OK ) {
      p->aCol[p->nCol++] = (unsigned char)csvDeclaredCol(
          (const char *)sqlite3_column_text(pStmt, 0));
    }
  }
  if( rc == SQLITE_OK ) {
    rc = sqlite3_finalize(pStmt);
  } else {
    sqlite3_finalize(pStmt);
  }
  if( rc != SQLITE_OK && rc != SQLITE_NOMEM ) {
    rc = csvErr(pzErr,
                sqlite3_mprintf("csv_file: schema: %s", sqlite3_errmsg(db2)));
  }
  sqlite3_close(db2);
  return rc;
}

/*
** Declare the table as schema= says, and take the columns from it.
*/
static int csvDeclareSchema(CsvTable *p, char **pzErr) {
  int rc = sqlite3_declare_vtab(p->db, p->opt.zSchema);
  if( rc == SQLITE_NOMEM ) return rc;
  if( rc != SQLITE_OK ) {
    const char *zWhy = sqlite3_errmsg(p->db);
    /* Where SQLite gives no reason, it is the kind of statement */
    if( strcmp(zWhy, sqlite3_errstr(rc)) == 0 ) {
      zWhy = "not a CREATE TABLE statement with column definitions";
    }
    return csvErr(pzErr, sqlite3_mprintf("csv_file: schema: %s", zWhy));
  }
  rc = csvSchemaColumns(p, pzErr);
  if( rc == SQLITE_OK && p->opt.nColumn && p->opt.nColumn != p->nCol ) {
    rc = csvErr(pzErr, sqlite3_mprintf(
                           "csv_file: columns=%d but schema= has %d columns",
                           p->opt.nColumn, p->nCol));
  }
  return rc;
}

/*
** Open a reader on what the table reads: filename= or data=.
*/
static int csvTableReader(CsvTable *p, CsvReader *pRdr, char **pzErr) {
  return csvReaderOpen(pRdr, p->pState, p->db, &p->opt, p->opt.zFilename,
                       p->opt.zData, pzErr);
}

/*
** What the table reads, for messages: the filename= argument as given
** (a pattern stays a pattern), <stdin> or <data>.
*/
static const char *csvTableName(const CsvTable *p) {
  if( p->opt.zFilename == 0 ) return CSV_DATA_NAME;
  if( strcmp(p->opt.zFilename, "-") == 0 ) return FRUGAL_STDIN_NAME;
  return p->opt.zFilename;
}

/* True if the table reads standard input. */
static int csvTableIsStdin(const CsvTable *p) {
  return p->opt.zFilename && strcmp(p->opt.zFilename, "-") == 0;
}

/*
** Read the first record of what the table reads into *pRow, to take the
** columns from.  There must be one.
*/
static int csvFirstRecord(CsvTable *p, CsvReader *pRdr, CsvRow *pRow,
                          char **pzErr) {
  int rc = csvReaderNext(pRdr, pRow, pzErr);
  if( rc == SQLITE_ROW ) return SQLITE_OK;
  if( rc != SQLITE_DONE ) return rc;
  return csvErr(pzErr, sqlite3_mprintf("csv_file: %s: no rows to take the "
                                       "columns from (give columns= or "
                                       "schema=)",
                                       csvTableName(p)));
}

/*
** The names of the columns: the header's in pRow with header=yes, else
** c0, c1, ... for columns= or for the fields of the first record pRow.
*/
static int csvTableNames(CsvTable *p, const CsvReader *pRdr, const CsvRow *pRow,
                         CsvNames *pNames, char **pzErr) {
  const CsvOptions *pOpt = &p->opt;
  int nCol = pOpt->nColumn, rc = SQLITE_OK;
  if( pOpt->bHeader ) {
    return csvNamesFromRow(pNames, pRdr, pRow, nCol, pOpt->mxColumn, pzErr);
  }
  if( nCol == 0 ) {
    if( pRow->nField > pOpt->mxColumn ) {
      return csvTooManyColumns(pRdr, pRow, pOpt->mxColumn, pzErr);
    }
    nCol = pRow->nField;
  }
  while( rc == SQLITE_OK && pNames->nName < nCol ) {
    rc = csvNamesAdd(pNames, "", 0, -1);
  }
  return rc;
}

/*
** Infer the CSV_COL_* of each column from the rows pRdr hands out (the
** first CSV_SAMPLE_ROWS, headers skipped), with the positions of every
** field kept in pRow: INTEGER if every value is an integer, REAL if every
** value is a number, else TEXT.  NULLs do not count; a column of NULLs only
** is TEXT.
*/
static int csvInferTypes(CsvTable *p, CsvReader *pRdr, CsvRow *pRow,
                         char **pzErr) {
  int nRow = 0, rc = SQLITE_ROW, i;
  unsigned char *aSeen = sqlite3_malloc64((u64)p->nCol);
  if( aSeen == 0 ) return SQLITE_NOMEM;
  memset(aSeen, 0, (size_t)p->nCol);
  while( nRow < CSV_SAMPLE_ROWS ) {
    rc = csvReaderNext(pRdr, pRow, pzErr);
    if( rc != SQLITE_ROW ) break;
    if( pRow->bFirst && p->opt.bHeader ) continue;
    rc = csvCheckExtra(pRdr, &p->opt, pRow, p->nCol, pzErr);
    if( rc != SQLITE_OK ) break;
    rc = SQLITE_ROW;
    for( i = 0; i < pRow->nField && i < p->nCol; i++ ) {
      const CsvField *pF = &pRow->aField[i];
      CsvNum num;
      if( csvIsNull(&p->opt, pRow, pF) ) continue;
      if( pF->mFlags & CSV_FIELD_ESCAPED ) {
        aSeen[i] |= 1 << CSV_NUM_NONE;
      } else {
        aSeen[i] |= 1 << csvScanNumber(pRow->z + pF->iOff, pF->n, &num);
      }
    }
    nRow++;
  }
  if( rc == SQLITE_ROW || rc == SQLITE_DONE || rc == CSV_FILL_FULL ) {
    rc = SQLITE_OK;
    for( i = 0; i < p->nCol; i++ ) {
      if( aSeen[i] == 0 || (aSeen[i] & (1 << CSV_NUM_NONE)) ) {
        p->aCol[i] = CSV_COL_TEXT;
      } else if( aSeen[i] & (1 << CSV_NUM_REAL) ) {
        p->aCol[i] = CSV_COL_REAL;
      } else {
        p->aCol[i] = CSV_COL_INTEGER;
      }
    }
  }
  sqlite3_free(aSeen);
  return rc;
}

/*
** The CREATE TABLE statement that declares the columns: names, and
** types from p->aCol.
*/
static int csvCreateTableSql(const CsvTable *p, const CsvNames *pNames,
                             char **pzSql, char **pzErr) {
  static const char *const azType[] = {
    "TEXT", "INTEGER", "REAL" /* Indexed by CSV_COL_* */
  };
  sqlite3_str *pStr = sqlite3_str_new(p->db);
  int i, rc;
  sqlite3_str_appendall(pStr, "CREATE TABLE x(");
  for( i = 0; i < p->nCol; i++ ) {
    sqlite3_str_appendf(pStr, "%s\"%w\" %s", i ? "," : "", csvName(pNames, i),
                        azType[p->aCol[i]]);
  }
  sqlite3_str_appendall(pStr, ")");
  rc = sqlite3_str_errcode(pStr);
  *pzSql = sqlite3_str_finish(pStr);
  if( rc == SQLITE_TOOBIG ) {
    csvErr(pzErr, sqlite3_mprintf("csv_file: %s: the declaration of the "
                                  "columns is longer than SQLITE_LIMIT_LENGTH",
                                  csvTableName(p)));
  }
  return rc;
}

/*
** Keep reader pRdr, which has kept every byte it read of standard input,
** for the first scan, which starts at the first record again.
*/
static int csvKeepStdin(CsvTable *p, CsvReader *pRdr) {
  p->pStdin = sqlite3_malloc64(sizeof(CsvReader));
  if( p->pStdin == 0 ) return SQLITE_NOMEM;
  csvReaderRewind(pRdr);
  *p->pStdin = *pRdr;
  memset(pRdr, 0, sizeof(*pRdr));
  return SQLITE_OK;
}

/*
** Decide the columns of a csv_file table without schema=: their names from
** the header, from columns= or from the first record, and with types=auto
** their types from the first rows.  Writes the CREATE TABLE statement to
** *pzSql.  Standard input, which cannot be read twice, is kept in
** p->pStdin for the first scan.
*/
static int csvDecideColumns(CsvTable *p, char **pzSql, char **pzErr) {
  const CsvOptions *pOpt = &p->opt;
  /* The first record gives the names or the number of columns */
  const int bFirst = pOpt->bHeader || pOpt->nColumn == 0;
  CsvReader rdr;
  CsvRow row;
  CsvNames names;
  i64 nHeld = 0;
  int rc = SQLITE_OK;

  memset(&rdr, 0, sizeof(rdr));
  memset(&row, 0, sizeof(row));
  csvNamesInit(&names, 0, &nHeld,
               sqlite3_limit(p->db, SQLITE_LIMIT_LENGTH, -1));
  if( bFirst || pOpt->eTypes == CSV_TYPES_AUTO ) {
    rc = csvTableReader(p, &rdr, pzErr);
    rdr.bKeep = csvTableIsStdin(p);
  }
  if( rc == SQLITE_OK && bFirst ) rc = csvFirstRecord(p, &rdr, &row, pzErr);
  if( rc == SQLITE_OK ) rc = csvTableNames(p, &rdr, &row, &names, pzErr);
  if( rc == SQLITE_OK ) {
    p->nCol = names.nName;
    p->aCol = sqlite3_malloc64((u64)p->nCol);
    row.aField = sqlite3_malloc64(sizeof(CsvField) * (u64)p->nCol);
    if( p->aCol == 0 || row.aField == 0 ) rc = SQLITE_NOMEM;
  }
  if( rc == SQLITE_OK ) {
    memset(p->aCol, CSV_COL_TEXT, (size_t)p->nCol);
    if( pOpt->eTypes == CSV_TYPES_AUTO ) {
      /* A first record that is data is cut again, its fields kept */
      if( bFirst && !pOpt->bHeader ) csvReaderUnread(&rdr, &row);
      row.nStore = p->nCol;
      rc = csvInferTypes(p, &rdr, &row, pzErr);
    }
  }
  if( rc == SQLITE_OK ) rc = csvCreateTableSql(p, &names, pzSql, pzErr);
  if( rc == SQLITE_OK && rdr.bKeep ) rc = csvKeepStdin(p, &rdr);
  sqlite3_free(row.aField);
  csvNamesFree(&names);
  csvReaderClose(&rdr);
  return rc;
}

/* xDisconnect and xDestroy. */
static int csvfileDisconnect(sqlite3_vtab *pVtab) {
  CsvTable *p = (CsvTable *)pVtab;
  csvOptionsClear(&p->opt);
  sqlite3_free(p->aCol);
  if( p->loc != (locale_t)0 ) freelocale(p->loc);
  if( p->pStdin ) {
    csvReaderClose(p->pStdin);
    sqlite3_free(p->pStdin);
  }
  sqlite3_free(p);
  return SQLITE_OK;
}

/* True if z is an identifier SQL takes without quotes. */
static int csvIsBareName(const char *z) {
  int i;
  for( i = 0; z[i]; i++ ) {
    char c = z[i];
    if( c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ) continue;
    if( i > 0 && c >= '0' && c <= '9' ) continue;
    return 0;
  }
  return i > 0;
}

/*
** The error for a table outside the temp schema.  A table in a database
** file would be connected again by whoever opens the file, and xConnect
** reads the file's header and first rows before SQLite can check that the
** table is SQLITE_VTAB_DIRECTONLY: a hostile database could make any
** program that opens it read any file (or standard input) that way.  So
** csv_file refuses before it reads anything.
*/
static int csvfileNotTemp(const char *zTable, char **pzErr) {
  return csvErr(
      pzErr,
      sqlite3_mprintf(csvIsBareName(zTable)
                          ? "csv_file: tables can only be created in the temp "
                            "schema: CREATE VIRTUAL TABLE temp.%s USING "
                            "csv_file(...)"
                          : "csv_file: tables can only be created in the temp "
                            "schema: CREATE VIRTUAL TABLE temp.\"%w\" USING "
                            "csv_file(...)",
                      zTable));
}

/*
** Make a csv_file table for xCreate (bCreate) or xConnect: check the
** schema, read the arguments, decide the columns and declare them.
** argv[1] is the schema, argv[2] the table.
*/
static int csvfileInit(sqlite3 *db, void *pAux, int argc,
                       const char *const *argv, int bCreate,
                       sqlite3_vtab **ppVtab, char **pzErr) {
  CsvTable *p;
  char *zSql = 0;
  int rc = SQLITE_OK, i;

  if( sqlite3_stricmp(argv[1], "temp") != 0 ) {
    return csvfileNotTemp(argv[2], pzErr);
  }
  p = sqlite3_malloc64(sizeof(*p));
  if( p == 0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->pState = (FrugalDb *)pAux;
  csvOptionsInit(&p->opt, "csv_file", 0, db);
  for( i = 3; rc == SQLITE_OK && i < argc; i++ ) {
    rc = csvfileArg(&p->opt, argv[i], pzErr);
  }
  if( rc == SQLITE_OK && (p->opt.zFilename == 0) == (p->opt.zData == 0) ) {
    rc = csvErr(pzErr, sqlite3_mprintf(
                           p->opt.zFilename
                               ? "csv_file: give filename= or data=, not both"
                               : "csv_file: filename= or data= is required"));
  }
  if( rc == SQLITE_OK ) rc = csvOptionsCheck(&p->opt, pzErr);
  if( rc == SQLITE_OK && !bCreate && csvTableIsStdin(p) ) {
    /* The schema was reset and what standard input held is gone.  The
    ** table must still connect, or it could not be dropped: it takes the
    ** columns of schema=, or just c0, and every scan is an error. */
    p->bStdinGone = 1;
    if( p->opt.zSchema == 0 ) {
      p->opt.nColumn = 0;
      p->opt.zSchema = sqlite3_mprintf("CREATE TABLE x(c0)");
      if( p->opt.zSchema == 0 ) rc = SQLITE_NOMEM;
    }
  }
  if( rc == SQLITE_OK && p->opt.zSchema ) {
    rc = csvDeclareSchema(p, pzErr);
  } else if( rc == SQLITE_OK ) {
    rc = csvDecideColumns(p, &zSql, pzErr);
    if( rc == SQLITE_OK ) {
      rc = sqlite3_declare_vtab(db, zSql);
      if( rc != SQLITE_OK && rc != SQLITE_NOMEM ) {
        /* SQLITE_LIMIT_SQL_LENGTH, as the rest has been checked */
        rc = csvErr(pzErr, sqlite3_mprintf("csv_file: %s: %s", csvTableName(p),
                                           sqlite3_errmsg(db)));
      }
    }
    sqlite3_free(zSql);
  }
  if( rc == SQLITE_OK && p->opt.eTypes == CSV_TYPES_TEXT ) {
    memset(p->aCol, CSV_COL_TEXT, (size_t)p->nCol);
  }
  if( rc == SQLITE_OK ) {
    rc = sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
    if( rc != SQLITE_OK ) {                  /* See rcsvConnect() */
      const char *zWhy = sqlite3_errstr(rc); /* defensive: see above */
      char *zMsg = sqlite3_mprintf("csv_file: %s", zWhy); /* defensive */
      rc = csvErr(pzErr, zMsg);                           /* defensive */
    }
  }
  if( rc != SQLITE_OK ) {
    csvfileDisconnect(&p->base);
    return rc;
  }
  *ppVtab = &p->base;
  return SQLITE_OK;
}

/*
** xCreate: CREATE VIRTUAL TABLE.  (Being a function of its own, not
** xConnect, also keeps csv_file from being an eponymous table.)
*/
static int csvfileCreate(sqlite3 *db, void *pAux, int argc,
                         const char *const *argv, sqlite3_vtab **ppVtab,
                         char **pzErr) {
  return csvfileInit(db, pAux, argc, argv, 1, ppVtab, pzErr);
}

/*
** xConnect: the table again, after the schema was reset (by PRAGMA
** writable_schema=RESET, which loading frugal or memoize() runs).  Its
** file is read again; standard input cannot be.
*/
static int csvfileConnect(sqlite3 *db, void *pAux, int argc,
                          const char *const *argv, sqlite3_vtab **ppVtab,
                          char **pzErr) {
  return csvfileInit(db, pAux, argc, argv, 0, ppVtab, pzErr);
}

/*
** xBestIndex.  Only full scans; what is passed on in idxNum is how many
** leading fields of each record to keep positions for: one past the last
** column the statement uses (colUsed; its top bit stands for all columns
** from 63 on).
*/
static int csvfileBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  CsvTable *p = (CsvTable *)pVtab;
  u64 mUsed = pInfo->colUsed;
  int nStore = 0;
  if( mUsed & ((u64)1 << 63) ) {
    nStore = p->nCol;
  } else {
    while( mUsed ) {
      nStore++;
      mUsed >>= 1;
    }
  }
  if( nStore > p->nCol ) nStore = p->nCol;
  pInfo->idxNum = nStore;
  pInfo->estimatedRows = CSV_EST_ROWS;
  pInfo->estimatedCost = (double)CSV_EST_ROWS;
  return SQLITE_OK;
}

/* xOpen. */
static int csvfileOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur) {
  CsvTable *p = (CsvTable *)pVtab;
  CsvCursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  if( pCur == 0 ) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  pCur->row.aField = sqlite3_malloc64(sizeof(CsvField) * (u64)p->nCol);
  if( pCur->row.aField == 0 ) {
    sqlite3_free(pCur);
    return SQLITE_NOMEM;
  }
  csvCount(p->pState, &pCur->nHeld, (i64)sqlite3_msize(pCur->row.aField));
  pCur->scratch.pState = p->pState;
  pCur->scratch.pnHeld = &pCur->nHeld;
  pCur->scratch.mxLen = sqlite3_limit(p->db, SQLITE_LIMIT_LENGTH, -1);
  pCur->bEof = 1;
  *ppCur = &pCur->base;
  return SQLITE_OK;
}

/* xClose. */
static int csvfileClose(sqlite3_vtab_cursor *cur) {
  CsvCursor *pCur = (CsvCursor *)cur;
  CsvTable *p = (CsvTable *)cur->pVtab;
  if( pCur->bOpen ) csvReaderClose(&pCur->rdr);
  csvBufFree(&pCur->scratch);
  csvCount(p->pState, &pCur->nHeld, -(i64)sqlite3_msize(pCur->row.aField));
  sqlite3_free(pCur->row.aField);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/* Set the error message of cursor pCur's table to zErr; return rc. */
static int csvCursorError(sqlite3_vtab_cursor *cur, int rc, char *zErr) {
  sqlite3_vtab *pVtab = cur->pVtab;
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = zErr;
  return zErr == 0 && rc != SQLITE_OK ? SQLITE_NOMEM : rc;
}

/* xNext: the next data row. */
static int csvfileNext(sqlite3_vtab_cursor *cur) {
  CsvCursor *pCur = (CsvCursor *)cur;
  CsvTable *p = (CsvTable *)cur->pVtab;
  char *zErr = 0;
  for( ;; ) {
    int rc = csvReaderNext(&pCur->rdr, &pCur->row, &zErr);
    if( rc == SQLITE_ROW ) {
      if( pCur->row.bFirst && p->opt.bHeader ) continue;
      rc = pCur->row.nField <= p->nCol
             ? SQLITE_OK
             : csvCheckExtra(&pCur->rdr, &p->opt, &pCur->row, p->nCol, &zErr);
      if( rc == SQLITE_OK ) {
        pCur->iRowid++;
        return SQLITE_OK;
      }
    }
    pCur->bEof = 1;
    if( rc == SQLITE_DONE ) return SQLITE_OK;
    return csvCursorError(cur, rc, zErr);
  }
}

/* xFilter: start a scan, streaming the file again. */
static int csvfileFilter(sqlite3_vtab_cursor *cur, int idxNum,
                         const char *idxStr, int argc, sqlite3_value **argv) {
  CsvCursor *pCur = (CsvCursor *)cur;
  CsvTable *p = (CsvTable *)cur->pVtab;
  char *zErr = 0;
  (void)idxStr;
  (void)argc;
  (void)argv;
  if( pCur->bOpen ) csvReaderClose(&pCur->rdr);
  pCur->bOpen = 0;
  pCur->bEof = 1;
  pCur->iRowid = 0;
  if( p->pStdin ) {
    pCur->rdr = *p->pStdin;
    sqlite3_free(p->pStdin);
    p->pStdin = 0;
  } else if( csvTableIsStdin(p) ) {
    /* The first scan had what standard input holds */
    zErr = sqlite3_mprintf(
        p->bStdinGone ? "csv_file: %s: the table was connected again after "
                        "the schema was reset, and standard input cannot be "
                        "read twice: drop the table and create it again"
                      : "csv_file: %s: standard input can be scanned only once",
        FRUGAL_STDIN_NAME);
    return csvCursorError(cur, SQLITE_ERROR, zErr);
  } else {
    int rc = csvTableReader(p, &pCur->rdr, &zErr);
    if( rc != SQLITE_OK ) return csvCursorError(cur, rc, zErr);
  }
  pCur->bOpen = 1;
  pCur->bEof = 0;
  pCur->row.nStore = idxNum < p->nCol ? idxNum : p->nCol;
  return csvfileNext(cur);
}

/* xEof. */
static int csvfileEof(sqlite3_vtab_cursor *cur) {
  return ((CsvCursor *)cur)->bEof;
}

/*
** xColumn: field i converted as its column's type says, NULL if the row
** has no such field or the field is the nulls= text.
*/
static int csvfileColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx,
                         int i) {
  CsvCursor *pCur = (CsvCursor *)cur;
  CsvTable *p = (CsvTable *)cur->pVtab;
  CsvRow *pRow = &pCur->row;
  CsvField f;
  const char *z;
  if( i < 0 || i >= pRow->nField || i >= p->nCol ) return SQLITE_OK;
  if( i < pRow->nStore ) {
    f = pRow->aField[i];
  } else {
    /* A column the plan did not announce (SQLite asks only for those in
    ** colUsed, but a wrong answer here would read out of bounds) */
    i64 k = 0; /* defensive: see above */
    int j;
    for( j = 0; j <= i; j++ ) { /* defensive: see above */
      k = csvWalkField(&pCur->rdr, pRow->z, k, pRow->n, &f) + 1; /* defensive */
    }
  }
  if( csvIsNull(&p->opt, pRow, &f) ) return SQLITE_OK;
  z = pRow->z + f.iOff;
  if( f.mFlags & CSV_FIELD_ESCAPED ) {
    /* Undo the doubled quotes in the scratch buffer */
    int j, rc;
    pCur->scratch.n = 0;
    rc = csvBufRoom(&pCur->scratch, f.n);
    if( rc != SQLITE_OK ) return rc;
    for( j = 0; j < f.n; j++ ) {
      pCur->scratch.z[pCur->scratch.n++] = z[j];
      if( (unsigned char)z[j] == pCur->rdr.cQuote ) j++;
    }
    z = pCur->scratch.z;
    f.n = (int)pCur->scratch.n;
  }
  return csvResultField(ctx, p->aCol[i], z, f.n, &p->loc);
}

/* xRowid: the row's position in the scan. */
static int csvfileRowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *pRowid) {
  *pRowid = ((CsvCursor *)cur)->iRowid;
  return SQLITE_OK;
}

static const sqlite3_module csvfileModule = {
  .iVersion = 0,
  .xCreate = csvfileCreate,
  .xConnect = csvfileConnect,
  .xBestIndex = csvfileBestIndex,
  .xDisconnect = csvfileDisconnect,
  .xDestroy = csvfileDisconnect,
  .xOpen = csvfileOpen,
  .xClose = csvfileClose,
  .xFilter = csvfileFilter,
  .xNext = csvfileNext,
  .xEof = csvfileEof,
  .xColumn = csvfileColumn,
  .xRowid = csvfileRowid,
};

/************************************************************************
** read_csv.
*/

/* The columns of read_csv. */
#define RCSV_RECORD   0
#define RCSV_ROWNUM   1
#define RCSV_LINENO   2
#define RCSV_FILENAME 3
#define RCSV_PATH     4
#define RCSV_OPTIONS  5

/* The plan read_csv's xBestIndex hands to xFilter in idxNum. */
#define RCSV_PLAN_PATH    0x01 /* path = ? */
#define RCSV_PLAN_OPTIONS 0x02 /* options = ? */

typedef struct RcsvTable RcsvTable;
struct RcsvTable {
  sqlite3_vtab base; /* Base class - must be first */
  sqlite3 *db;       /* The connection */
  FrugalDb *pState;  /* Where open cursors are counted */
};

typedef struct RcsvCursor RcsvCursor;
struct RcsvCursor {
  sqlite3_vtab_cursor base; /* Base class - must be first */
  CsvOptions opt;           /* The options */
  CsvReader rdr;            /* The reader, when bOpen */
  CsvRow row;               /* The current row */
  CsvNames names;           /* The current file's header, with header */
  CsvBuf json;              /* The record column */
  sqlite3_value *pPath;     /* The path argument */
  sqlite3_value *pOptions;  /* The options argument, or NULL */
  i64 iRownum;              /* Data rows so far in this file */
  i64 iRowid;               /* Rows so far */
  i64 nHeld;                /* Bytes counted for names and json */
  locale_t loc;             /* The C locale, for strtod(), or 0 */
  int nKey;                 /* Keys a row may have, 0 for any number */
  int bOpen;                /* rdr is open */
  int bEof;                 /* No more rows */
};

/* xConnect. */
static int rcsvConnect(sqlite3 *db, void *pAux, int argc,
                       const char *const *argv, sqlite3_vtab **ppVtab,
                       char **pzErr) {
  RcsvTable *p;
  int rc;
  (void)argc;
  (void)argv;
  rc = sqlite3_declare_vtab(db, "CREATE TABLE x(record TEXT, rownum INTEGER,"
                                " lineno INTEGER, filename TEXT,"
                                " path HIDDEN, options HIDDEN)");
  if( rc != SQLITE_OK ) {
    /* Out of memory, or SQLITE_LIMIT_COLUMN is below 6 */
    if( rc != SQLITE_NOMEM ) {
      *pzErr = sqlite3_mprintf("read_csv: %s", sqlite3_errmsg(db));
    }
    return rc;
  }
  p = sqlite3_malloc64(sizeof(*p));
  if( p == 0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->pState = (FrugalDb *)pAux;
  rc = sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  /* It fails only outside xConnect or for an option SQLite does not know,
  ** and frugal refuses a SQLite older than SQLITE_VTAB_DIRECTONLY. */
  if( rc != SQLITE_OK ) {
    const char *zWhy = sqlite3_errstr(rc);          /* defensive: see above */
    sqlite3_free(p);                                /* defensive: see above */
    *pzErr = sqlite3_mprintf("read_csv: %s", zWhy); /* defensive */
    return rc;                                      /* defensive */
  }
  *ppVtab = &p->base;
  return SQLITE_OK;
}

/* xDisconnect. */
static int rcsvDisconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

/*
** xBestIndex.  The path must be given as an argument; without it there is
** nothing to read.
*/
static int rcsvBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  int iPath = -1, iOptions = -1, bUnusable = 0, i, nArg = 0;
  for( i = 0; i < pInfo->nConstraint; i++ ) {
    const struct sqlite3_index_constraint *pC = &pInfo->aConstraint[i];
    if( pC->iColumn != RCSV_PATH && pC->iColumn != RCSV_OPTIONS ) continue;
    if( pC->op != SQLITE_INDEX_CONSTRAINT_EQ ) continue;
    if( !pC->usable ) {
      bUnusable = 1;
    } else if( pC->iColumn == RCSV_PATH ) {
      if( iPath < 0 ) iPath = i;
    } else if( iOptions < 0 ) {
      iOptions = i;
    }
  }
  if( bUnusable ) return SQLITE_CONSTRAINT;
  if( iPath < 0 ) {
    sqlite3_free(pVtab->zErrMsg);
    pVtab->zErrMsg = sqlite3_mprintf("read_csv: missing path argument");
    return pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  pInfo->aConstraintUsage[iPath].argvIndex = ++nArg;
  pInfo->aConstraintUsage[iPath].omit = 1;
  pInfo->idxNum = RCSV_PLAN_PATH;
  if( iOptions >= 0 ) {
    pInfo->aConstraintUsage[iOptions].argvIndex = ++nArg;
    pInfo->aConstraintUsage[iOptions].omit = 1;
    pInfo->idxNum |= RCSV_PLAN_OPTIONS;
  }
  pInfo->estimatedRows = CSV_EST_ROWS;
  pInfo->estimatedCost = (double)CSV_EST_ROWS;
  return SQLITE_OK;
}

/* xOpen. */
static int rcsvOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur) {
  RcsvTable *p = (RcsvTable *)pVtab;
  RcsvCursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  i64 mxLen = sqlite3_limit(p->db, SQLITE_LIMIT_LENGTH, -1);
  if( pCur == 0 ) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  csvNamesInit(&pCur->names, p->pState, &pCur->nHeld, mxLen);
  pCur->json.pState = p->pState;
  pCur->json.pnHeld = &pCur->nHeld;
  pCur->json.mxLen = mxLen;
  pCur->bEof = 1;
  *ppCur = &pCur->base;
  return SQLITE_OK;
}

/* Release what a scan holds, so that the cursor can start another. */
static void rcsvReset(RcsvCursor *pCur) {
  if( pCur->bOpen ) csvReaderClose(&pCur->rdr);
  pCur->bOpen = 0;
  csvNamesFree(&pCur->names);
  csvOptionsClear(&pCur->opt);
  sqlite3_value_free(pCur->pPath);
  sqlite3_value_free(pCur->pOptions);
  pCur->pPath = pCur->pOptions = 0;
  pCur->bEof = 1;
}

/* xClose. */
static int rcsvClose(sqlite3_vtab_cursor *cur) {
  RcsvCursor *pCur = (RcsvCursor *)cur;
  rcsvReset(pCur);
  csvBufFree(&pCur->json);
  if( pCur->loc != (locale_t)0 ) freelocale(pCur->loc);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/* xNext: the next data row; a header starts a file's names. */
static int rcsvNext(sqlite3_vtab_cursor *cur) {
  RcsvCursor *pCur = (RcsvCursor *)cur;
  char *zErr = 0;
  for( ;; ) {
    int rc = csvReaderNext(&pCur->rdr, &pCur->row, &zErr);
    if( rc == SQLITE_ROW && pCur->row.bFirst ) {
      pCur->iRownum = 0;
      if( pCur->opt.bHeader ) {
        csvNamesFree(&pCur->names);
        rc = csvNamesFromRow(&pCur->names, &pCur->rdr, &pCur->row,
                             pCur->opt.nColumn, pCur->opt.mxColumn, &zErr);
        pCur->nKey = pCur->names.nName;
        if( rc == SQLITE_OK ) continue;
      }
    }
    if( rc == SQLITE_ROW ) {
      rc = csvCheckExtra(&pCur->rdr, &pCur->opt, &pCur->row, pCur->nKey, &zErr);
      if( rc == SQLITE_OK ) {
        pCur->iRownum++;
        pCur->iRowid++;
        return SQLITE_OK;
      }
    }
    pCur->bEof = 1;
    if( rc == SQLITE_DONE ) return SQLITE_OK;
    return csvCursorError(cur, rc, zErr);
  }
}

/* One option of read_csv, for frugalJsonOptions(). */
static int rcsvOption(void *pCtx, const char *zKey, const FrugalJsonValue *pVal,
                      char **pzErr) {
  return csvOption((CsvOptions *)pCtx, 0, zKey, pVal, pzErr);
}

/*
** xFilter: start a scan.  argv[] holds the path and, if idxNum says so,
** the options.
*/
static int rcsvFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr,
                      int argc, sqlite3_value **argv) {
  RcsvCursor *pCur = (RcsvCursor *)cur;
  RcsvTable *p = (RcsvTable *)cur->pVtab;
  const char *zPath;
  char *zErr = 0;
  int rc;
  (void)idxStr;
  (void)argc;

  rcsvReset(pCur);
  pCur->iRowid = pCur->iRownum = 0;
  pCur->pPath = sqlite3_value_dup(argv[0]);
  if( pCur->pPath == 0 ) return SQLITE_NOMEM;
  if( idxNum & RCSV_PLAN_OPTIONS ) {
    pCur->pOptions = sqlite3_value_dup(argv[1]);
    if( pCur->pOptions == 0 ) return SQLITE_NOMEM;
  }
  csvOptionsInit(&pCur->opt, "read_csv", 1, p->db);
  rc = frugalPathArg("read_csv", pCur->pPath, &zPath, &zErr);
  if( rc == SQLITE_OK && pCur->pOptions
      && sqlite3_value_type(pCur->pOptions) != SQLITE_NULL ) {
    const char *z = (const char *)sqlite3_value_text(pCur->pOptions);
    if( z == 0 ) return SQLITE_NOMEM;
    rc = frugalJsonOptions("read_csv", z, sqlite3_value_bytes(pCur->pOptions),
                           rcsvOption, &pCur->opt, &zErr);
  }
  if( rc == SQLITE_OK ) rc = csvOptionsCheck(&pCur->opt, &zErr);
  if( rc == SQLITE_OK ) {
    rc = csvReaderOpen(&pCur->rdr, p->pState, p->db, &pCur->opt, zPath, 0,
                       &zErr);
  }
  if( rc != SQLITE_OK ) return csvCursorError(cur, rc, zErr);
  pCur->bOpen = 1;
  pCur->bEof = 0;
  pCur->nKey = pCur->opt.bHeader ? 0 : pCur->opt.nColumn;
  pCur->row.nStore = 0;
  return rcsvNext(cur);
}

/* xEof. */
static int rcsvEof(sqlite3_vtab_cursor *cur) {
  return ((RcsvCursor *)cur)->bEof;
}

/*
** Append the key of field iField of the current row to pCur->json: the
** header's name, or c<iField>, quoted, and a colon.
*/
static int rcsvJsonKey(RcsvCursor *pCur, int iField) {
  CsvBuf *pBuf = &pCur->json;
  char zKey[32];
  int rc;
  if( !pCur->opt.bHeader ) {
    sqlite3_snprintf(sizeof(zKey), zKey, "\"c%d\":", iField);
    return csvBufAppend(pBuf, zKey, (i64)strlen(zKey));
  }
  rc = csvBufAppend(pBuf, "\"", 1);
  if( rc == SQLITE_OK ) {
    rc = csvBufJsonText(pBuf, csvName(&pCur->names, iField),
                        csvNameLen(&pCur->names, iField), -1);
  }
  if( rc == SQLITE_OK ) rc = csvBufAppend(pBuf, "\":", 2);
  return rc;
}

/*
** Append field pF of the current row to pCur->json as a JSON value: null
** for the nulls= text, a number for a number (with types=auto, and unless
** a double cannot hold it, as for csv_file), else a string.
*/
static int rcsvJsonValue(RcsvCursor *pCur, const CsvField *pF) {
  CsvBuf *pBuf = &pCur->json;
  const char *z = pCur->row.z + pF->iOff;
  int bEscaped = (pF->mFlags & CSV_FIELD_ESCAPED) != 0;
  int rc = SQLITE_OK;
  CsvNum num;
  if( csvIsNull(&pCur->opt, &pCur->row, pF) ) {
    return csvBufAppend(pBuf, "null", 4);
  }
  if( pCur->opt.eTypes == CSV_TYPES_AUTO && !bEscaped ) {
    int eNum = csvScanNumber(z, pF->n, &num);
    if( eNum == CSV_NUM_REAL && num.bStrtod ) {
      rc = csvNumStrtod(z, pF->n, &pCur->loc, &num.r);
      if( rc != SQLITE_OK ) return rc;
      if( isinf(num.r) ) eNum = CSV_NUM_NONE;
    }
    if( eNum != CSV_NUM_NONE ) return csvBufAppend(pBuf, z, pF->n);
  }
  rc = csvBufAppend(pBuf, "\"", 1);
  if( rc == SQLITE_OK ) {
    rc = csvBufJsonText(pBuf, z, pF->n, bEscaped ? pCur->rdr.cQuote : -1);
  }
  if( rc == SQLITE_OK ) rc = csvBufAppend(pBuf, "\"", 1);
  return rc;
}

/*
** Build the record column of the current row in pCur->json: a JSON object
** with a member for each field (up to nKey, if not 0).
*/
static int rcsvJson(RcsvCursor *pCur) {
  const CsvRow *pRow = &pCur->row;
  i64 i = 0;
  int iField, rc;
  pCur->json.n = 0;
  rc = csvBufAppend(&pCur->json, "{", 1);
  for( iField = 0; rc == SQLITE_OK && iField < pRow->nField; iField++ ) {
    CsvField f;
    if( pCur->nKey > 0 && iField >= pCur->nKey ) break;
    i = csvWalkField(&pCur->rdr, pRow->z, i, pRow->n, &f) + 1;
    if( iField > 0 ) rc = csvBufAppend(&pCur->json, ",", 1);
    if( rc == SQLITE_OK ) rc = rcsvJsonKey(pCur, iField);
    if( rc == SQLITE_OK ) rc = rcsvJsonValue(pCur, &f);
  }
  if( rc == SQLITE_OK ) rc = csvBufAppend(&pCur->json, "}", 1);
  return rc;
}

/* xColumn. */
static int rcsvColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  RcsvCursor *pCur = (RcsvCursor *)cur;
  int rc;
  switch( i ) {
    case RCSV_RECORD:
      rc = rcsvJson(pCur);
      if( rc == SQLITE_TOOBIG ) {
        char *zErr = sqlite3_mprintf(
            "read_csv: %s:%lld: record longer than SQLITE_LIMIT_LENGTH as JSON",
            csvReaderFilename(&pCur->rdr), pCur->row.iLine);
        if( zErr == 0 ) return SQLITE_NOMEM;
        sqlite3_result_error(ctx, zErr, -1);
        sqlite3_result_error_code(ctx, SQLITE_TOOBIG);
        sqlite3_free(zErr);
        return SQLITE_TOOBIG;
      }
      if( rc != SQLITE_OK ) return rc;
      sqlite3_result_text64(ctx, pCur->json.z, (u64)pCur->json.n,
                            SQLITE_TRANSIENT, SQLITE_UTF8);
      break;
    case RCSV_ROWNUM: sqlite3_result_int64(ctx, pCur->iRownum); break;
    case RCSV_LINENO: sqlite3_result_int64(ctx, pCur->row.iLine); break;
    case RCSV_FILENAME:
      sqlite3_result_text(ctx, csvReaderFilename(&pCur->rdr), -1,
                          SQLITE_TRANSIENT);
      break;
    case RCSV_PATH: sqlite3_result_value(ctx, pCur->pPath); break;
    case RCSV_OPTIONS:
      if( pCur->pOptions ) sqlite3_result_value(ctx, pCur->pOptions);
      break;
  }
  return SQLITE_OK;
}

/* xRowid: the row's position in the scan. */
static int rcsvRowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *pRowid) {
  *pRowid = ((RcsvCursor *)cur)->iRowid;
  return SQLITE_OK;
}

static const sqlite3_module rcsvModule = {
  .iVersion = 0,
  .xConnect = rcsvConnect,
  .xBestIndex = rcsvBestIndex,
  .xDisconnect = rcsvDisconnect,
  .xOpen = rcsvOpen,
  .xClose = rcsvClose,
  .xFilter = rcsvFilter,
  .xNext = rcsvNext,
  .xEof = rcsvEof,
  .xColumn = rcsvColumn,
  .xRowid = rcsvRowid,
};

/************************************************************************
** Registration.
*/

/*
** Register read_csv and csv_file, if mWhich asks for FRUGAL_REG_IO.
*/
int frugal_csv_register(sqlite3 *db, int mWhich, char **pzErrMsg) {
  FrugalDb *pState;
  int rc;
  if( !(mWhich & FRUGAL_REG_IO) ) return SQLITE_OK;
  pState = frugalDbAcquire(db);
  if( pState == 0 ) return SQLITE_NOMEM;
  rc = frugalRegisterModule(db, "read_csv", &rcsvModule, pState, pzErrMsg);
  if( rc == SQLITE_OK ) {
    rc = frugalRegisterModule(db, "csv_file", &csvfileModule, pState, pzErrMsg);
  }
  frugalDbRelease(pState);
  return rc;
}
