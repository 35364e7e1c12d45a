/*
** read_lines.c - read_lines() and read_jsonl(): files as lazy tables.
**
**   SELECT count(*) FROM read_lines('access.log.gz');
**   SELECT lineno, line FROM read_lines('logs/app-*.log') WHERE line LIKE '%500%';
**   SELECT line FROM read_lines('-') LIMIT 10;               -- stdin
**   SELECT * FROM read_lines('records.bin', char(0));         -- NUL-separated
**   SELECT value->>'$.user' FROM read_jsonl('events.jsonl.gz');
**
** read_lines(path [, delimiter]) has the columns
**
**   line      TEXT      the record, without the delimiter (and, with the
**                       default delimiter "\n", without a CR before it)
**   lineno    INTEGER   1-based, restarting in each file
**   offset    INTEGER   byte offset of the line in the decompressed file
**   filename  TEXT      the file the line came from
**   path, delimiter     HIDDEN: the arguments
**
** read_jsonl(path [, options]) has value (the line's JSON text), lineno,
** filename and the hidden path and options.  It skips blank lines and
** rejects a line that is not one JSON value, unless options is
** '{"skip_invalid": true}'.
**
** HOW IT WORKS
**
** Both are eponymous-only virtual tables over the same cursor: xFilter
** opens a FrugalLines (ext/source.c) on the path and every xNext takes one
** record from it, so a query reads only as far as it steps, and LIMIT or a
** join that stops early stops reading.  A record is returned as a pointer
** into the reader's buffer; SQLite copies it only if a column is asked for.
**
** Constraints on lineno are handed to xFilter as bounds (see
** linesBestIndex()): lines before the lower bound are skipped without
** becoming rows, and a file is left as soon as its line number passes the
** upper bound, so "WHERE lineno <= 10" reads ten lines of each file.
** SQLite still checks those constraints itself (omit is not set), so the
** bounds only ever need to be conservative.
**
** "line LIKE pattern" and "line GLOB pattern" are handed to xFilter too,
** and lines that cannot match are skipped before they become rows, which
** is most of the work of a grep-like query.  This is only a prefilter: it
** is a superset of what the built-in LIKE (case-sensitive or not) and GLOB
** accept, SQLite still evaluates the constraint on every row returned,
** and no line is skipped at all if the application has registered its own
** like() or glob().  Patterns are matched with sqlite3_strlike() and
** sqlite3_strglob(), SQLite's own matchers (case-insensitive, so a superset
** under PRAGMA case_sensitive_like too).
**
** Both functions read files, so both are SQLITE_VTAB_DIRECTONLY: a view or
** trigger in a database schema cannot use them.
*/
#include "frugal_int.h"

#include <math.h>
#include <string.h>

/* What a column holds; each function maps its columns onto these. */
#define LINES_TEXT     0 /* line / value */
#define LINES_LINENO   1 /* lineno */
#define LINES_OFFSET   2 /* offset */
#define LINES_FILENAME 3 /* filename */
#define LINES_PATH     4 /* HIDDEN path */
#define LINES_ARG2     5 /* HIDDEN delimiter / options */
#define LINES_NCOL_MAX 6

/*
** The plan that linesBestIndex() hands to linesFilter() in idxNum: one bit
** for each argument or constraint passed in argv[], in the order of the
** bits.
*/
#define LINES_PLAN_PATH  0x01  /* path = ? */
#define LINES_PLAN_ARG2  0x02  /* delimiter = ? / options = ? */
#define LINES_PLAN_EQ    0x04  /* lineno = ? */
#define LINES_PLAN_GT    0x08  /* lineno > ? */
#define LINES_PLAN_GE    0x10  /* lineno >= ? */
#define LINES_PLAN_LT    0x20  /* lineno < ? */
#define LINES_PLAN_LE    0x40  /* lineno <= ? */
#define LINES_PLAN_LIKE  0x80  /* line LIKE ? */
#define LINES_PLAN_GLOB  0x100 /* line GLOB ? */
#define LINES_PLAN_NSLOT 9

/* Rows the planner is told to expect from a file. */
#define LINES_EST_ROWS 1000000

/* One of the two functions. */
typedef struct LinesKind LinesKind;
struct LinesKind {
  const char *zName;                  /* SQL name */
  const char *zSchema;                /* CREATE TABLE statement */
  int nCol;                           /* Columns in zSchema */
  unsigned char aCol[LINES_NCOL_MAX]; /* LINES_* of each column */
  int bJson;                          /* read_jsonl */
};

static const LinesKind linesKindLines = {
  "read_lines",
  "CREATE TABLE x(line TEXT, lineno INTEGER, offset INTEGER, filename TEXT,"
  " path HIDDEN, delimiter HIDDEN)",
  6,
  { LINES_TEXT, LINES_LINENO, LINES_OFFSET, LINES_FILENAME, LINES_PATH,
    LINES_ARG2 },
  0
};

static const LinesKind linesKindJsonl = {
  "read_jsonl",
  "CREATE TABLE x(value TEXT, lineno INTEGER, filename TEXT,"
  " path HIDDEN, options HIDDEN)",
  5,
  { LINES_TEXT, LINES_LINENO, LINES_FILENAME, LINES_PATH, LINES_ARG2 },
  1
};

/* A read_lines or read_jsonl table. */
typedef struct LinesVtab LinesVtab;
struct LinesVtab {
  sqlite3_vtab base;      /* Base class - must be first */
  sqlite3 *db;            /* The connection */
  FrugalDb *pState;       /* Where open cursors are counted */
  const LinesKind *pKind; /* Which function this is */
};

/* How a LIKE or GLOB constraint is checked before a line becomes a row. */
#define LINES_MATCH_ALL  0 /* Not at all: every line passes */
#define LINES_MATCH_LIKE 1 /* sqlite3_strlike() */
#define LINES_MATCH_GLOB 2 /* sqlite3_strglob() */

/* A LIKE or GLOB prefilter. */
typedef struct LinesMatch LinesMatch;
struct LinesMatch {
  int eMatch;          /* LINES_MATCH_* */
  sqlite3_value *pPat; /* The pattern */
  const char *zPat;    /* Its text */
};

/* A scan of one of them. */
typedef struct LinesCursor LinesCursor;
struct LinesCursor {
  sqlite3_vtab_cursor base; /* Base class - must be first */
  FrugalLines *pLines;      /* The reader, NULL before xFilter */
  FrugalLine line;          /* The current row */
  sqlite3_value *pPath;     /* The path argument */
  sqlite3_value *pArg2;     /* The second argument, or NULL */
  i64 iFirst;               /* Skip lines numbered below this */
  i64 iLast;                /* Leave a file after this line */
  i64 iRowid;               /* Rows returned so far */
  LinesMatch aMatch[2];     /* LIKE and GLOB prefilters */
  int bSkipInvalid;         /* read_jsonl: skip lines that are not JSON */
  int bEof;                 /* No more rows */
};

/*
** Set the error message of the table that cursor pCur belongs to, taking
** over zErr, and return rc (SQLITE_NOMEM if zErr is NULL).
*/
static int linesError(LinesCursor *pCur, int rc, char *zErr) {
  sqlite3_vtab *pVtab = pCur->base.pVtab;
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = zErr;
  return zErr == 0 && rc != SQLITE_OK ? SQLITE_NOMEM : rc;
}

/*
** xConnect for both functions.
*/
static int linesConnectKind(sqlite3 *db, void *pAux, const LinesKind *pKind,
                            sqlite3_vtab **ppVtab, char **pzErr) {
  LinesVtab *p;
  int rc = sqlite3_declare_vtab(db, pKind->zSchema);
  if( rc != SQLITE_OK ) return rc;
  p = sqlite3_malloc64(sizeof(*p));
  if( p == 0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->pState = (FrugalDb *)pAux;
  p->pKind = pKind;
  rc = sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  /* It fails only outside xConnect or for an option SQLite does not know,
  ** and frugal refuses a SQLite older than SQLITE_VTAB_DIRECTONLY. */
  if( rc != SQLITE_OK ) {
    const char *zWhy = sqlite3_errstr(rc); /* defensive: see above */
    sqlite3_free(p);                       /* defensive: see above */
    *pzErr = sqlite3_mprintf("%s: %s", pKind->zName, zWhy); /* defensive */
    return rc;                                              /* defensive */
  }
  *ppVtab = &p->base;
  return SQLITE_OK;
}
static int linesConnect(sqlite3 *db, void *pAux, int argc,
                        const char *const *argv, sqlite3_vtab **ppVtab,
                        char **pzErr) {
  (void)argc;
  (void)argv;
  return linesConnectKind(db, pAux, &linesKindLines, ppVtab, pzErr);
}
static int jsonlConnect(sqlite3 *db, void *pAux, int argc,
                        const char *const *argv, sqlite3_vtab **ppVtab,
                        char **pzErr) {
  (void)argc;
  (void)argv;
  return linesConnectKind(db, pAux, &linesKindJsonl, ppVtab, pzErr);
}

/* xDisconnect. */
static int linesDisconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

/* xOpen. */
static int linesOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur) {
  LinesCursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  (void)pVtab;
  if( pCur == 0 ) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  pCur->bEof = 1;
  *ppCur = &pCur->base;
  return SQLITE_OK;
}

/* Release what a scan holds, so that the cursor can start another. */
static void linesReset(LinesCursor *pCur) {
  frugalLinesClose(pCur->pLines);
  pCur->pLines = 0;
  sqlite3_value_free(pCur->pPath);
  pCur->pPath = 0;
  sqlite3_value_free(pCur->pArg2);
  pCur->pArg2 = 0;
  sqlite3_value_free(pCur->aMatch[0].pPat);
  sqlite3_value_free(pCur->aMatch[1].pPat);
  memset(pCur->aMatch, 0, sizeof(pCur->aMatch));
  pCur->bEof = 1;
}

/* xClose. */
static int linesClose(sqlite3_vtab_cursor *cur) {
  LinesCursor *pCur = (LinesCursor *)cur;
  linesReset(pCur);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/* The LINES_* of column i of table p. */
static int linesColumnKind(const LinesVtab *p, int i) {
  return i >= 0 && i < p->pKind->nCol ? p->pKind->aCol[i] : -1;
}

/*
** True if the rows already come in the order pInfo asks for: ascending by
** filename, then by lineno or offset (files are read in sorted order).
*/
static int linesOrderConsumed(const LinesVtab *p,
                              const sqlite3_index_info *pInfo) {
  int i;
  if( pInfo->nOrderBy == 0 ) return 0;
  for( i = 0; i < pInfo->nOrderBy; i++ ) {
    int eCol = linesColumnKind(p, pInfo->aOrderBy[i].iColumn);
    if( pInfo->aOrderBy[i].desc ) return 0;
    if( i == 0 ? eCol != LINES_FILENAME
               : (eCol != LINES_LINENO && eCol != LINES_OFFSET) )
      return 0;
  }
  return 1;
}

/*
** xBestIndex.  The path must be given as an argument; without it there is
** nothing to read.  See the LINES_PLAN_* bits for what is passed on.
*/
static int linesBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  LinesVtab *p = (LinesVtab *)pVtab;
  int aSlot[LINES_PLAN_NSLOT]; /* Constraint that fills each plan bit */
  int bUnusable = 0;           /* An argument that cannot be used yet */
  int i, nArg = 0, idxNum = 0;

  for( i = 0; i < LINES_PLAN_NSLOT; i++ ) aSlot[i] = -1;
  for( i = 0; i < pInfo->nConstraint; i++ ) {
    const struct sqlite3_index_constraint *pC = &pInfo->aConstraint[i];
    int eCol = linesColumnKind(p, pC->iColumn);
    int iSlot = -1;
    if( eCol == LINES_PATH || eCol == LINES_ARG2 ) {
      if( pC->op != SQLITE_INDEX_CONSTRAINT_EQ ) continue;
      if( !pC->usable ) {
        bUnusable = 1;
        continue;
      }
      iSlot = eCol == LINES_PATH ? 0 : 1;
    } else if( eCol == LINES_LINENO && pC->usable ) {
      switch( pC->op ) {
        case SQLITE_INDEX_CONSTRAINT_EQ: iSlot = 2; break;
        case SQLITE_INDEX_CONSTRAINT_GT: iSlot = 3; break;
        case SQLITE_INDEX_CONSTRAINT_GE: iSlot = 4; break;
        case SQLITE_INDEX_CONSTRAINT_LT: iSlot = 5; break;
        case SQLITE_INDEX_CONSTRAINT_LE: iSlot = 6; break;
      }
    } else if( eCol == LINES_TEXT && pC->usable ) {
      if( pC->op == SQLITE_INDEX_CONSTRAINT_LIKE ) iSlot = 7;
      if( pC->op == SQLITE_INDEX_CONSTRAINT_GLOB ) iSlot = 8;
    }
    if( iSlot >= 0 && aSlot[iSlot] < 0 ) aSlot[iSlot] = i;
  }
  if( bUnusable ) return SQLITE_CONSTRAINT;
  if( aSlot[0] < 0 ) {
    sqlite3_free(pVtab->zErrMsg);
    pVtab->zErrMsg =
        sqlite3_mprintf("%s: missing path argument", p->pKind->zName);
    return pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  for( i = 0; i < LINES_PLAN_NSLOT; i++ ) {
    if( aSlot[i] < 0 ) continue;
    idxNum |= 1 << i;
    pInfo->aConstraintUsage[aSlot[i]].argvIndex = ++nArg;
    pInfo->aConstraintUsage[aSlot[i]].omit = i < 2;
  }
  pInfo->idxNum = idxNum;
  pInfo->estimatedRows =
      (idxNum & (LINES_PLAN_EQ | LINES_PLAN_LT | LINES_PLAN_LE))
          ? LINES_EST_ROWS / 100
          : LINES_EST_ROWS;
  pInfo->estimatedCost = (double)pInfo->estimatedRows;
  pInfo->orderByConsumed = linesOrderConsumed(p, pInfo);
  return SQLITE_OK;
}

/* The largest line number there can be. */
#define LINES_MAX_LINENO ((i64)0x7fffffffffffffffLL)

/* r rounded down to an integer in [0, LINES_MAX_LINENO]. */
static i64 linesClamp(double r) {
  if( r < 0.0 ) return 0;
  if( r >= 9.0e18 ) return LINES_MAX_LINENO;
  return (i64)r;
}

/*
** Narrow [*piFirst, *piLast] by the constraint "lineno <op> pVal", where
** eOp is one of LINES_PLAN_EQ.._LE.  Values that are not numbers are left
** to SQLite, which checks every constraint again; NULL matches nothing.
** Line numbers start at 1, so a bound below 1 means no rows at all.
*/
static void linesNarrow(int eOp, sqlite3_value *pVal, i64 *piFirst,
                        i64 *piLast) {
  i64 iLo = 0, iHi = LINES_MAX_LINENO;
  if( sqlite3_value_type(pVal) == SQLITE_NULL ) {
    iLo = 1;
    iHi = 0;
  } else if( sqlite3_value_type(pVal) == SQLITE_INTEGER ) {
    i64 v = sqlite3_value_int64(pVal);
    switch( eOp ) {
      case LINES_PLAN_EQ: iLo = iHi = v; break;
      case LINES_PLAN_GT:
        if( v < LINES_MAX_LINENO )
          iLo = v + 1;
        else
          iHi = 0;
        break;
      case LINES_PLAN_GE: iLo = v; break;
      case LINES_PLAN_LT: iHi = v <= 1 ? 0 : v - 1; break;
      case LINES_PLAN_LE: iHi = v; break;
    }
  } else if( sqlite3_value_type(pVal) == SQLITE_FLOAT ) {
    double r = sqlite3_value_double(pVal);
    switch( eOp ) {
      case LINES_PLAN_EQ:
        iLo = linesClamp(ceil(r));
        iHi = linesClamp(floor(r));
        break;
      case LINES_PLAN_GT: iLo = linesClamp(floor(r) + 1.0); break;
      case LINES_PLAN_GE: iLo = linesClamp(ceil(r)); break;
      case LINES_PLAN_LT: iHi = linesClamp(ceil(r) - 1.0); break;
      case LINES_PLAN_LE: iHi = linesClamp(floor(r)); break;
    }
  }
  if( iLo > *piFirst ) *piFirst = iLo;
  if( iHi < *piLast ) *piLast = iHi;
}

/* True if the n bytes at z are all JSON whitespace. */
static int linesIsBlank(const char *z, int n) {
  int i;
  for( i = 0; i < n; i++ ) {
    if( z[i] != ' ' && z[i] != '\t' && z[i] != '\r' && z[i] != '\n' ) return 0;
  }
  return 1;
}

/*
** True if SQLite's built-in SQL function zName is the one in force on db,
** that is, no function of that name was registered on the connection
** (PRAGMA case_sensitive_like registers one too).  False if that cannot be
** told.
*/
static int linesIsBuiltin(sqlite3 *db, const char *zName) {
  sqlite3_stmt *pStmt = 0;
  int bBuiltin = 0;
  if( sqlite3_prepare_v2(db,
                         "SELECT 1 FROM pragma_function_list"
                         " WHERE name = ?1 AND builtin = 0",
                         -1, &pStmt, 0)
      == SQLITE_OK ) {
    sqlite3_bind_text(pStmt, 1, zName, -1, SQLITE_STATIC);
    bBuiltin = sqlite3_step(pStmt) == SQLITE_DONE;
  }
  sqlite3_finalize(pStmt);
  return bBuiltin;
}

/*
** Set up the prefilter for "text LIKE pattern" (bGlob==0) or "text GLOB
** pattern".  SQLITE_DONE if the pattern is NULL, so no line can match.
*/
static int linesMatchInit(sqlite3 *db, LinesMatch *pM, int bGlob,
                          sqlite3_value *pVal) {
  if( sqlite3_value_type(pVal) == SQLITE_NULL ) return SQLITE_DONE;
  pM->pPat = sqlite3_value_dup(pVal);
  if( pM->pPat == 0 ) return SQLITE_NOMEM;
  pM->zPat = (const char *)sqlite3_value_text(pM->pPat);
  if( pM->zPat == 0 ) return SQLITE_NOMEM;
  if( (int)strlen(pM->zPat)
          <= sqlite3_limit(db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, -1)
      && linesIsBuiltin(db, bGlob ? "glob" : "like") ) {
    pM->eMatch = bGlob ? LINES_MATCH_GLOB : LINES_MATCH_LIKE;
  }
  return SQLITE_OK;
}

/*
** True unless the NUL-terminated line z certainly does not satisfy the
** constraint pM describes.
*/
static int linesMatch(const LinesMatch *pM, const char *z) {
  switch( pM->eMatch ) {
    case LINES_MATCH_LIKE: return sqlite3_strlike(pM->zPat, z, 0) == 0;
    case LINES_MATCH_GLOB: return sqlite3_strglob(pM->zPat, z) == 0;
    default: return 1;
  }
}

/*
** Advance to the next row that satisfies the lineno bounds and, for
** read_jsonl, is not blank.
*/
static int linesNext(sqlite3_vtab_cursor *cur) {
  LinesCursor *pCur = (LinesCursor *)cur;
  const LinesKind *pKind = ((LinesVtab *)cur->pVtab)->pKind;
  char *zErr = 0;
  for( ;; ) {
    FrugalLine *pL = &pCur->line;
    int rc;
    if( pL->iLine >= pCur->iLast ) {
      frugalLinesSkipFile(pCur->pLines);
      pL->iLine = 0;
    }
    rc = frugalLinesNext(pCur->pLines, pL, &zErr);
    if( rc == SQLITE_DONE ) {
      pCur->bEof = 1;
      return SQLITE_OK;
    }
    if( rc != SQLITE_ROW ) {
      pCur->bEof = 1;
      return linesError(pCur, rc, zErr);
    }
    if( pL->iLine < pCur->iFirst ) continue;
    if( !linesMatch(&pCur->aMatch[0], pL->z)
        || !linesMatch(&pCur->aMatch[1], pL->z) ) {
      continue;
    }
    if( pKind->bJson ) {
      if( linesIsBlank(pL->z, pL->n) ) continue;
      if( !frugalJsonValid(pL->z, pL->n) ) {
        if( pCur->bSkipInvalid ) continue;
        pCur->bEof = 1;
        return linesError(
            pCur, SQLITE_ERROR,
            sqlite3_mprintf("%s: %s:%lld: invalid JSON", pKind->zName,
                            frugalLinesFilename(pCur->pLines), pL->iLine));
      }
    }
    pCur->iRowid++;
    return SQLITE_OK;
  }
}

/*
** The second argument of read_lines: the delimiter byte, "\n" by default.
*/
static int linesDelimiterArg(LinesCursor *pCur, sqlite3_value *pVal,
                             int *pcDelim) {
  const unsigned char *z;
  *pcDelim = '\n';
  if( pVal == 0 || sqlite3_value_type(pVal) == SQLITE_NULL ) return SQLITE_OK;
  z = sqlite3_value_type(pVal) == SQLITE_BLOB ? sqlite3_value_blob(pVal)
                                              : sqlite3_value_text(pVal);
  if( z == 0 || sqlite3_value_bytes(pVal) != 1 ) {
    if( z == 0 && sqlite3_value_bytes(pVal) > 0 ) return SQLITE_NOMEM;
    return linesError(
        pCur, SQLITE_ERROR,
        sqlite3_mprintf("read_lines: delimiter must be exactly one byte"));
  }
  *pcDelim = z[0];
  return SQLITE_OK;
}

/* One option of read_jsonl, for frugalJsonOptions(). */
static int jsonlOption(void *pCtx, const char *zKey,
                       const FrugalJsonValue *pVal, char **pzErr) {
  LinesCursor *pCur = (LinesCursor *)pCtx;
  if( strcmp(zKey, "skip_invalid") == 0 ) {
    int b = frugalJsonBool(pVal);
    if( b < 0 ) {
      *pzErr = sqlite3_mprintf("read_jsonl: option skip_invalid must be "
                               "true or false");
      return SQLITE_ERROR;
    }
    pCur->bSkipInvalid = b;
    return SQLITE_OK;
  }
  *pzErr = sqlite3_mprintf("read_jsonl: unknown option \"%s\"", zKey);
  return SQLITE_ERROR;
}

/*
** The second argument of read_jsonl: a JSON object of options.
*/
static int jsonlOptionsArg(LinesCursor *pCur, sqlite3_value *pVal) {
  const char *z;
  char *zErr = 0;
  int rc;
  pCur->bSkipInvalid = 0;
  if( pVal == 0 || sqlite3_value_type(pVal) == SQLITE_NULL ) return SQLITE_OK;
  z = (const char *)sqlite3_value_text(pVal);
  if( z == 0 ) return SQLITE_NOMEM;
  rc = frugalJsonOptions("read_jsonl", z, sqlite3_value_bytes(pVal),
                         jsonlOption, pCur, &zErr);
  return rc == SQLITE_OK ? rc : linesError(pCur, rc, zErr);
}

/*
** xFilter: start a scan.  argv[] holds the arguments and constraints that
** linesBestIndex() chose, in the order of the LINES_PLAN_* bits of idxNum.
*/
static int linesFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr,
                       int argc, sqlite3_value **argv) {
  LinesCursor *pCur = (LinesCursor *)cur;
  LinesVtab *pVtab = (LinesVtab *)cur->pVtab;
  const LinesKind *pKind = pVtab->pKind;
  const char *zPath;
  char *zErr = 0;
  int cDelim = '\n';
  int i, iArg = 0, rc;
  (void)idxStr;
  (void)argc;

  linesReset(pCur);
  pCur->iFirst = 1;
  pCur->iLast = LINES_MAX_LINENO;
  pCur->iRowid = 0;
  memset(&pCur->line, 0, sizeof(pCur->line));
  pCur->pPath = sqlite3_value_dup(argv[iArg++]);
  if( pCur->pPath == 0 ) return SQLITE_NOMEM;
  if( idxNum & LINES_PLAN_ARG2 ) {
    pCur->pArg2 = sqlite3_value_dup(argv[iArg++]);
    if( pCur->pArg2 == 0 ) return SQLITE_NOMEM;
  }
  for( i = 2; i < LINES_PLAN_NSLOT; i++ ) {
    if( !(idxNum & (1 << i)) ) continue;
    if( (1 << i) == LINES_PLAN_LIKE || (1 << i) == LINES_PLAN_GLOB ) {
      rc = linesMatchInit(pVtab->db, &pCur->aMatch[(1 << i) == LINES_PLAN_GLOB],
                          (1 << i) == LINES_PLAN_GLOB, argv[iArg++]);
      if( rc == SQLITE_DONE )
        pCur->iLast = 0; /* NULL pattern: no rows */
      else if( rc != SQLITE_OK )
        return rc;
    } else {
      linesNarrow(1 << i, argv[iArg++], &pCur->iFirst, &pCur->iLast);
    }
  }

  rc = frugalPathArg(pKind->zName, pCur->pPath, &zPath, &zErr);
  if( rc != SQLITE_OK ) return linesError(pCur, rc, zErr);
  rc = pKind->bJson ? jsonlOptionsArg(pCur, pCur->pArg2)
                    : linesDelimiterArg(pCur, pCur->pArg2, &cDelim);
  if( rc != SQLITE_OK ) return rc;
  if( pCur->iFirst > pCur->iLast ) return SQLITE_OK;

  rc = frugalLinesOpen(pVtab->pState, pVtab->db, pKind->zName, zPath, cDelim,
                       &pCur->pLines, &zErr);
  if( rc != SQLITE_OK ) return linesError(pCur, rc, zErr);
  pCur->bEof = 0;
  return linesNext(cur);
}

/* xEof. */
static int linesEof(sqlite3_vtab_cursor *cur) {
  return ((LinesCursor *)cur)->bEof;
}

/* xColumn. */
static int linesColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  LinesCursor *pCur = (LinesCursor *)cur;
  switch( linesColumnKind((LinesVtab *)cur->pVtab, i) ) {
    case LINES_TEXT:
      sqlite3_result_text(ctx, pCur->line.z,
                          memchr(pCur->line.z, 0, pCur->line.n) ? pCur->line.n
                                                                : -1,
                          SQLITE_TRANSIENT);
      break;
    case LINES_LINENO: sqlite3_result_int64(ctx, pCur->line.iLine); break;
    case LINES_OFFSET: sqlite3_result_int64(ctx, pCur->line.iOffset); break;
    case LINES_FILENAME:
      sqlite3_result_text(ctx, frugalLinesFilename(pCur->pLines), -1,
                          SQLITE_TRANSIENT);
      break;
    case LINES_PATH: sqlite3_result_value(ctx, pCur->pPath); break;
    case LINES_ARG2:
      if( pCur->pArg2 ) sqlite3_result_value(ctx, pCur->pArg2);
      break;
  }
  return SQLITE_OK;
}

/* xRowid: the row's position in the scan. */
static int linesRowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *pRowid) {
  *pRowid = ((LinesCursor *)cur)->iRowid;
  return SQLITE_OK;
}

static const sqlite3_module linesModule = {
  .iVersion = 0,
  .xConnect = linesConnect,
  .xBestIndex = linesBestIndex,
  .xDisconnect = linesDisconnect,
  .xOpen = linesOpen,
  .xClose = linesClose,
  .xFilter = linesFilter,
  .xNext = linesNext,
  .xEof = linesEof,
  .xColumn = linesColumn,
  .xRowid = linesRowid,
};

static const sqlite3_module jsonlModule = {
  .iVersion = 0,
  .xConnect = jsonlConnect,
  .xBestIndex = linesBestIndex,
  .xDisconnect = linesDisconnect,
  .xOpen = linesOpen,
  .xClose = linesClose,
  .xFilter = linesFilter,
  .xNext = linesNext,
  .xEof = linesEof,
  .xColumn = linesColumn,
  .xRowid = linesRowid,
};

/*
** Register read_lines and read_jsonl, if mWhich asks for FRUGAL_REG_IO.
*/
int frugal_read_register(sqlite3 *db, int mWhich, char **pzErrMsg) {
  FrugalDb *pState;
  int rc;
  if( !(mWhich & FRUGAL_REG_IO) ) return SQLITE_OK;
  pState = frugalDbAcquire(db);
  if( pState == 0 ) return SQLITE_NOMEM;
  rc = frugalRegisterModule(db, "read_lines", &linesModule, pState, pzErrMsg);
  if( rc == SQLITE_OK ) {
    rc = frugalRegisterModule(db, "read_jsonl", &jsonlModule, pState, pzErrMsg);
  }
  frugalDbRelease(pState);
  return rc;
}
