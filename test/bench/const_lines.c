/*
** const_lines.c - the floor under any line reader: a virtual table that
** returns the same line N times and reads nothing.
**
**   const_lines DB SQL
**
** Opens DB (":memory:" for none), registers the table-valued function
**
**   SELECT sum(length(line)) FROM const_lines(2000001);
**
** and runs SQL, printing the first value of each row.  Every row's line is
** the same 45-byte string, handed to SQLite as NUL-terminated and static
** (sqlite3_result_text() with a length of -1 and SQLITE_STATIC), so SQLite
** neither copies it nor adds a terminator before length() or LIKE reads it:
** what a query over const_lines costs is what SQLite itself costs per row
** of a virtual table returning a line, with no I/O and no search for the
** end of a line at all.  test/bench/charts.sh
** times it as a whole process, like the sqlite3 shell, next to read_lines
** and a table holding the lines.
*/
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The line every row returns: one of sales-2000000.csv, 45 bytes. */
static const char zConstLine[] =
    "1234567,hana,46.23,\"text, with comma 1234567\"";

/* Column numbers of CREATE TABLE x(line, n HIDDEN). */
#define CONST_LINE 0
#define CONST_N    1

/* idxNum bit: the argument n is given. */
#define CONST_HAVE_N 1

/* A const_lines table. */
typedef struct ConstVtab ConstVtab;
struct ConstVtab {
  sqlite3_vtab base; /* Base class - must be first */
};

/* A cursor: rows 1 to nRow. */
typedef struct ConstCursor ConstCursor;
struct ConstCursor {
  sqlite3_vtab_cursor base; /* Base class - must be first */
  sqlite3_int64 iRow;       /* The current row, from 1 */
  sqlite3_int64 nRow;       /* The number of rows */
};

/* xConnect: declare the table. */
static int constConnect(sqlite3 *db, void *pAux, int argc,
                        const char *const *argv, sqlite3_vtab **ppVtab,
                        char **pzErr) {
  ConstVtab *pVtab;
  int rc;
  (void)pAux;
  (void)argc;
  (void)argv;
  (void)pzErr;
  rc = sqlite3_declare_vtab(db, "CREATE TABLE x(line, n HIDDEN)");
  if( rc != SQLITE_OK ) return rc;
  pVtab = sqlite3_malloc64(sizeof(*pVtab));
  if( pVtab == 0 ) return SQLITE_NOMEM;
  memset(pVtab, 0, sizeof(*pVtab));
  *ppVtab = &pVtab->base;
  return SQLITE_OK;
}

/* xDisconnect. */
static int constDisconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

/* xBestIndex: n must be given, as an equality. */
static int constBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  int i;
  (void)pVtab;
  for( i = 0; i < pInfo->nConstraint; i++ ) {
    const struct sqlite3_index_constraint *p = &pInfo->aConstraint[i];
    if( p->iColumn == CONST_N && p->op == SQLITE_INDEX_CONSTRAINT_EQ ) {
      if( !p->usable ) return SQLITE_CONSTRAINT;
      pInfo->aConstraintUsage[i].argvIndex = 1;
      pInfo->aConstraintUsage[i].omit = 1;
      pInfo->idxNum = CONST_HAVE_N;
    }
  }
  pInfo->estimatedCost = 1e6;
  return SQLITE_OK;
}

/* xOpen. */
static int constOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur) {
  ConstCursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  (void)pVtab;
  if( pCur == 0 ) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCur = &pCur->base;
  return SQLITE_OK;
}

/* xClose. */
static int constClose(sqlite3_vtab_cursor *cur) {
  sqlite3_free(cur);
  return SQLITE_OK;
}

/* xFilter: start at row 1 of n (none without n). */
static int constFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr,
                       int argc, sqlite3_value **argv) {
  ConstCursor *pCur = (ConstCursor *)cur;
  (void)idxStr;
  pCur->nRow =
      (idxNum & CONST_HAVE_N) && argc > 0 ? sqlite3_value_int64(argv[0]) : 0;
  pCur->iRow = 1;
  return SQLITE_OK;
}

/* xNext. */
static int constNext(sqlite3_vtab_cursor *cur) {
  ((ConstCursor *)cur)->iRow++;
  return SQLITE_OK;
}

/* xEof. */
static int constEof(sqlite3_vtab_cursor *cur) {
  ConstCursor *pCur = (ConstCursor *)cur;
  return pCur->iRow > pCur->nRow;
}

/* xColumn: the line, static and NUL-terminated; or n. */
static int constColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  ConstCursor *pCur = (ConstCursor *)cur;
  if( i == CONST_LINE ) {
    sqlite3_result_text(ctx, zConstLine, -1, SQLITE_STATIC);
  } else {
    sqlite3_result_int64(ctx, pCur->nRow);
  }
  return SQLITE_OK;
}

/* xRowid. */
static int constRowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *pRowid) {
  *pRowid = ((ConstCursor *)cur)->iRow;
  return SQLITE_OK;
}

/* The module: eponymous only, read only. */
static const sqlite3_module constModule = {
  .iVersion = 0,
  .xConnect = constConnect,
  .xBestIndex = constBestIndex,
  .xDisconnect = constDisconnect,
  .xOpen = constOpen,
  .xClose = constClose,
  .xFilter = constFilter,
  .xNext = constNext,
  .xEof = constEof,
  .xColumn = constColumn,
  .xRowid = constRowid,
};

/* sqlite3_exec callback: print the row's first value (NULL as empty). */
static int constPrintFirst(void *pArg, int nCol, char **azVal, char **azCol) {
  (void)pArg;
  (void)azCol;
  printf("%s\n", nCol > 0 && azVal[0] ? azVal[0] : "");
  return 0;
}

/* Open the database, register const_lines, run the SQL. */
int main(int argc, char **argv) {
  sqlite3 *db = 0;
  char *zErr = 0;
  int rc;
  if( argc != 3 ) {
    fprintf(stderr, "usage: %s DB SQL\n", argv[0]);
    return 2;
  }
  rc = sqlite3_open(argv[1], &db);
  if( rc == SQLITE_OK ) {
    rc = sqlite3_create_module(db, "const_lines", &constModule, 0);
  }
  if( rc == SQLITE_OK ) {
    rc = sqlite3_exec(db, argv[2], constPrintFirst, 0, &zErr);
  }
  if( rc != SQLITE_OK ) {
    fprintf(stderr, "const_lines: %s\n", zErr ? zErr : sqlite3_errmsg(db));
  }
  sqlite3_free(zErr);
  sqlite3_close(db);
  return rc == SQLITE_OK ? 0 : 1;
}
