/*
** memstat.c - memstat, memprof() and frugal_release(): see and release
** memory from SQL.
**
**   SELECT name, value, highwater FROM memstat WHERE scope = 'process';
**   SELECT value FROM memstat WHERE name = 'memo_bytes';
**   SELECT stmt, ms, delta, peak_over FROM memprof(readfile('nightly.sql'));
**   SELECT frugal_release();                    -- bytes given back
**
** memstat is an eponymous table with one row per counter:
**
**   name         TEXT     the counter, without SQLITE_STATUS_ or
**                         SQLITE_DBSTATUS_ (MEMORY_USED, CACHE_USED...)
**                         or one of frugal's own (memo_bytes...)
**   scope        TEXT     'process' (sqlite3_status64), 'connection'
**                         (sqlite3_db_status) or 'frugal'
**   value        INTEGER  the current value, NULL if there is none
**   highwater    INTEGER  the highest value since the last reset, NULL if
**                         SQLite keeps none for this counter
**   unavailable  TEXT     NULL, or why this SQLite does not keep the
**                         counter (then value and highwater are NULL)
**
** memprof(sql) runs the statements of a script on this connection, one
** per row, and measures each: its rows, its time, SQLite's memory before,
** after and at its peak, and the counters SQLite keeps for a statement.
** frugal_release() empties every memoize() cache of the connection, lets
** SQLite free what it can of the connection's page caches and returns the
** bytes that gave back.  doc/memory.md has the details.
**
** HOW IT WORKS
**
** memstat takes a snapshot of every counter when a scan starts and then
** walks it, so the rows of one scan are consistent with each other.  The
** counters are listed in aMemstatCounter[] with how each must be read:
** some have a current value and a high-water mark, some only one of them,
** and a few (LOOKASIDE_HIT...) are counts that SQLite hands out in the
** high-water slot.  Reading never resets anything.  A counter that the
** running SQLite does not keep is shown as unavailable rather than as a
** 0 that looks like a measurement: memory status turned off (MEMORY_USED
** and MALLOC_COUNT are both 0 although this very connection holds memory),
** lookaside compiled out, counters SQLite no longer updates.
**
** memprof is an eponymous virtual table whose hidden column "script"
** carries the argument.  xFilter runs the first statement and xNext the
** next one, so that statement N runs when row N is asked for and a LIMIT
** stops the script.  Each statement is prepared where it starts in the
** script (NUL-terminated, so SQLite reads that statement only), stepped to
** the end and finalized, all inside that one call, and measured around all
** three: the memory figures are sqlite3_status64(SQLITE_STATUS_MEMORY_USED),
** which is process-wide.  A statement with parameters is refused, not run
** with NULLs: memprof has no values to bind.
**
** The peak needs the high-water mark reset before each statement, and
** that mark is one for the whole process.  So that two memprof runs (in
** other threads, or a memprof inside a script that memprof runs) do not
** destroy each other's peaks, every statement being measured is linked in
** memprofRunList while it runs, and a reset first folds the mark it is
** about to drop into the peak of every run on the list.  The list is
** guarded by frugalGlobalMutex(), the mutex of frugal's process-wide
** state, held only for that.  Resets made by anything else
** (sqlite3_status64() with resetFlag) still cut a peak short; doc/memory.md
** says so.
**
** The statements run inside the statement that reads memprof, as nested
** SQL does in an application-defined function.  SQLite refuses a few
** things there (VACUUM, DROP TABLE while another statement reads, DETACH
** of a database in use); memprof stops at such a statement with the
** statement's number and text and SQLite's reason, said to be about
** nesting when SQLite's extended code and exact message say so
** (aMemprofRefusal[]).  A failed statement is SQLITE_ERROR to the reading
** SELECT, whatever its own code (out of memory aside: see
** memprofStmtFailed()), so that SELECT does not roll back on SQLITE_FULL
** what the script did before.  memprof runs no statement while
** one that writes is in progress on the connection (INSERT ... SELECT FROM
** memprof, or the application's): there the script would share that
** statement's transaction, and a BEGIN in the script would leave SQLite
** unable to roll the statement back if it failed (the half-made schema row
** of a failed CREATE TABLE ... AS stays behind).  A script may run memprof
** in turn, MEMPROF_MAX_DEPTH deep at most, counted in FrugalDb: a script
** that runs itself would otherwise overflow the stack.
**
** memprof runs SQL text, so it is SQLITE_VTAB_DIRECTONLY and left out of
** the no-I/O entry point.  A SELECT that reads it is still read-only to
** sqlite3_stmt_readonly(), whatever the script does; doc/memory.md warns
** hosts that gate SQL on that.  memstat only reads counters, but they are
** the whole process's: a trigger in an untrusted schema could record them,
** so it is not innocuous and keeps SQLite's default, as SQLite's own
** sqlite_memstat does (usable in a schema only with trusted_schema on).
** frugal_release() changes state, so it is not deterministic and is
** SQLITE_DIRECTONLY.  Neither opens a file or runs SQL, so the no-I/O entry
** point has both, as it has memo_clear().
*/
#define _POSIX_C_SOURCE 200809L
#include "frugal_int.h"

#include <string.h>
#include <time.h>

/************************************************************************
** The counters memstat shows.
*/

/* Scopes, in the order of the rows. */
#define MEMSTAT_PROCESS    0 /* sqlite3_status64() */
#define MEMSTAT_CONNECTION 1 /* sqlite3_db_status() */
#define MEMSTAT_FRUGAL     2 /* FrugalDb and the memo caches */

/* How SQLite hands out a counter's figures. */
#define MEMSTAT_BOTH 0 /* Current value and high-water mark */
#define MEMSTAT_CUR  1 /* Current value only; the mark is always 0 */
#define MEMSTAT_HW   2 /* High-water mark only; the current is undefined */
#define MEMSTAT_HWN  3 /* A count SQLite reports in the high-water slot */

/* Why a counter can be unavailable (see memstatUnavailable()). */
#define MEMSTAT_ALWAYS    0 /* Never: every SQLite keeps it */
#define MEMSTAT_MEMSTATUS 1 /* Kept only when memory status is on */
#define MEMSTAT_LOOKASIDE 2 /* Absent with SQLITE_OMIT_LOOKASIDE */
#define MEMSTAT_SCRATCH   3 /* No longer updated by SQLite */
#define MEMSTAT_PARSER    4 /* Kept only with YYTRACKMAXSTACKDEPTH */
#define MEMSTAT_OVERFLOW  5 /* Not kept w. DISABLE_PAGECACHE_OVERFLOW_STATS */

/* frugal's own counters (MEMSTAT_FRUGAL), by their index in aFrugal[]. */
#define MEMSTAT_MEMO_BYTES   0
#define MEMSTAT_MEMO_ENTRIES 1
#define MEMSTAT_CURSOR_BYTES 2
#define MEMSTAT_OPEN_CURSORS 3
#define MEMSTAT_N_FRUGAL     4

/* Newer than some of the headers frugal builds with (SQLite 3.51.0). */
#ifndef SQLITE_DBSTATUS_TEMPBUF_SPILL
# define SQLITE_DBSTATUS_TEMPBUF_SPILL 13
#endif

/* One counter. */
typedef struct MemstatCounter MemstatCounter;
struct MemstatCounter {
  const char *zName; /* Name, without SQLITE_STATUS_ or SQLITE_DBSTATUS_ */
  int eScope;        /* MEMSTAT_PROCESS, _CONNECTION or _FRUGAL */
  int iOp;           /* Its verb, or MEMSTAT_MEMO_BYTES... */
  int eKind;         /* MEMSTAT_BOTH, _CUR, _HW or _HWN */
  int eNeed;         /* MEMSTAT_ALWAYS, _MEMSTATUS... */
};

static const MemstatCounter aMemstatCounter[] = {
  { "MEMORY_USED", MEMSTAT_PROCESS, SQLITE_STATUS_MEMORY_USED, MEMSTAT_BOTH,
    MEMSTAT_MEMSTATUS },
  { "PAGECACHE_USED", MEMSTAT_PROCESS, SQLITE_STATUS_PAGECACHE_USED,
    MEMSTAT_BOTH, MEMSTAT_ALWAYS },
  { "PAGECACHE_OVERFLOW", MEMSTAT_PROCESS, SQLITE_STATUS_PAGECACHE_OVERFLOW,
    MEMSTAT_BOTH, MEMSTAT_OVERFLOW },
  { "SCRATCH_USED", MEMSTAT_PROCESS, SQLITE_STATUS_SCRATCH_USED, MEMSTAT_BOTH,
    MEMSTAT_SCRATCH },
  { "SCRATCH_OVERFLOW", MEMSTAT_PROCESS, SQLITE_STATUS_SCRATCH_OVERFLOW,
    MEMSTAT_BOTH, MEMSTAT_SCRATCH },
  { "MALLOC_SIZE", MEMSTAT_PROCESS, SQLITE_STATUS_MALLOC_SIZE, MEMSTAT_HW,
    MEMSTAT_MEMSTATUS },
  { "PARSER_STACK", MEMSTAT_PROCESS, SQLITE_STATUS_PARSER_STACK, MEMSTAT_HW,
    MEMSTAT_PARSER },
  { "PAGECACHE_SIZE", MEMSTAT_PROCESS, SQLITE_STATUS_PAGECACHE_SIZE, MEMSTAT_HW,
    MEMSTAT_OVERFLOW },
  { "SCRATCH_SIZE", MEMSTAT_PROCESS, SQLITE_STATUS_SCRATCH_SIZE, MEMSTAT_HW,
    MEMSTAT_SCRATCH },
  { "MALLOC_COUNT", MEMSTAT_PROCESS, SQLITE_STATUS_MALLOC_COUNT, MEMSTAT_BOTH,
    MEMSTAT_MEMSTATUS },

  { "LOOKASIDE_USED", MEMSTAT_CONNECTION, SQLITE_DBSTATUS_LOOKASIDE_USED,
    MEMSTAT_BOTH, MEMSTAT_LOOKASIDE },
  { "CACHE_USED", MEMSTAT_CONNECTION, SQLITE_DBSTATUS_CACHE_USED, MEMSTAT_CUR,
    MEMSTAT_ALWAYS },
  { "SCHEMA_USED", MEMSTAT_CONNECTION, SQLITE_DBSTATUS_SCHEMA_USED, MEMSTAT_CUR,
    MEMSTAT_ALWAYS },
  { "STMT_USED", MEMSTAT_CONNECTION, SQLITE_DBSTATUS_STMT_USED, MEMSTAT_CUR,
    MEMSTAT_ALWAYS },
  { "LOOKASIDE_HIT", MEMSTAT_CONNECTION, SQLITE_DBSTATUS_LOOKASIDE_HIT,
    MEMSTAT_HWN, MEMSTAT_LOOKASIDE },
  { "LOOKASIDE_MISS_SIZE", MEMSTAT_CONNECTION,
    SQLITE_DBSTATUS_LOOKASIDE_MISS_SIZE, MEMSTAT_HWN, MEMSTAT_LOOKASIDE },
  { "LOOKASIDE_MISS_FULL", MEMSTAT_CONNECTION,
    SQLITE_DBSTATUS_LOOKASIDE_MISS_FULL, MEMSTAT_HWN, MEMSTAT_LOOKASIDE },
  { "CACHE_HIT", MEMSTAT_CONNECTION, SQLITE_DBSTATUS_CACHE_HIT, MEMSTAT_CUR,
    MEMSTAT_ALWAYS },
  { "CACHE_MISS", MEMSTAT_CONNECTION, SQLITE_DBSTATUS_CACHE_MISS, MEMSTAT_CUR,
    MEMSTAT_ALWAYS },
  { "CACHE_WRITE", MEMSTAT_CONNECTION, SQLITE_DBSTATUS_CACHE_WRITE, MEMSTAT_CUR,
    MEMSTAT_ALWAYS },
  { "DEFERRED_FKS", MEMSTAT_CONNECTION, SQLITE_DBSTATUS_DEFERRED_FKS,
    MEMSTAT_CUR, MEMSTAT_ALWAYS },
  { "CACHE_USED_SHARED", MEMSTAT_CONNECTION, SQLITE_DBSTATUS_CACHE_USED_SHARED,
    MEMSTAT_CUR, MEMSTAT_ALWAYS },
  { "CACHE_SPILL", MEMSTAT_CONNECTION, SQLITE_DBSTATUS_CACHE_SPILL, MEMSTAT_CUR,
    MEMSTAT_ALWAYS },
  { "TEMPBUF_SPILL", MEMSTAT_CONNECTION, SQLITE_DBSTATUS_TEMPBUF_SPILL,
    MEMSTAT_CUR, MEMSTAT_ALWAYS },

  { "memo_bytes", MEMSTAT_FRUGAL, MEMSTAT_MEMO_BYTES, MEMSTAT_CUR,
    MEMSTAT_ALWAYS },
  { "memo_entries", MEMSTAT_FRUGAL, MEMSTAT_MEMO_ENTRIES, MEMSTAT_CUR,
    MEMSTAT_ALWAYS },
  { "cursor_bytes", MEMSTAT_FRUGAL, MEMSTAT_CURSOR_BYTES, MEMSTAT_CUR,
    MEMSTAT_ALWAYS },
  { "open_cursors", MEMSTAT_FRUGAL, MEMSTAT_OPEN_CURSORS, MEMSTAT_CUR,
    MEMSTAT_ALWAYS },
};

#define MEMSTAT_N_COUNTER                                                      \
 ((int)(sizeof(aMemstatCounter) / sizeof(aMemstatCounter[0])))

/* The names of the scopes, by MEMSTAT_PROCESS... */
static const char *const azMemstatScope[] = { "process", "connection",
                                              "frugal" };

/* Columns of memstat. */
#define MEMSTAT_COL_NAME        0
#define MEMSTAT_COL_SCOPE       1
#define MEMSTAT_COL_VALUE       2
#define MEMSTAT_COL_HIGHWATER   3
#define MEMSTAT_COL_UNAVAILABLE 4

/*
** True if SQLite keeps memory status (SQLITE_CONFIG_MEMSTATUS, on unless
** turned off at start-up or built with SQLITE_DEFAULT_MEMSTATUS=0).  There
** is no interface to ask; but with it on, the memory and the allocations
** that the caller's open connection holds are counted, so both counters
** cannot be 0.
*/
static int memstatMemStatusOn(void) {
  i64 nNow = 0, mx = 0, nCount = 0;
  sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &nNow, &mx, 0);
  sqlite3_status64(SQLITE_STATUS_MALLOC_COUNT, &nCount, &mx, 0);
  return nNow > 0 || nCount > 0;
}

/*
** Why counter p is unavailable, or NULL if it is available.  mxParser is
** the high-water mark of PARSER_STACK: SQLite has just parsed the very
** statement that reads memstat, so it is 0 only if the depth is not
** tracked.
*/
static const char *memstatUnavailable(const MemstatCounter *p, int bMemStatus,
                                      i64 mxParser) {
  switch( p->eNeed ) {
    case MEMSTAT_MEMSTATUS:
      return bMemStatus ? 0 : "memory status is off (SQLITE_CONFIG_MEMSTATUS)";
    case MEMSTAT_LOOKASIDE:
      return sqlite3_compileoption_used("OMIT_LOOKASIDE")
               ? "lookaside is compiled out (SQLITE_OMIT_LOOKASIDE)"
               : 0;
    case MEMSTAT_SCRATCH: return "not used since SQLite 3.22.0";
    case MEMSTAT_PARSER:
      return mxParser > 0 ? 0
                          : "not tracked (SQLite built without"
                            " YYTRACKMAXSTACKDEPTH)";
    case MEMSTAT_OVERFLOW:
      return sqlite3_compileoption_used("DISABLE_PAGECACHE_OVERFLOW_STATS")
               ? "compiled out (SQLITE_DISABLE_PAGECACHE_OVERFLOW_STATS)"
               : 0;
  }
  return 0;
}

/* One row of memstat, as read when the scan started. */
typedef struct MemstatRow MemstatRow;
struct MemstatRow {
  const MemstatCounter *pCounter; /* The counter */
  i64 iValue;                     /* value */
  i64 iHighwater;                 /* highwater */
  int bValue;                     /* value is not NULL */
  int bHighwater;                 /* highwater is not NULL */
  const char *zUnavailable;       /* unavailable, or NULL */
};

/* The memstat table. */
typedef struct MemstatVtab MemstatVtab;
struct MemstatVtab {
  sqlite3_vtab base; /* Base class - must be first */
  sqlite3 *db;       /* The connection */
  FrugalDb *pState;  /* frugal's state on it */
};

/* A scan of memstat. */
typedef struct MemstatCursor MemstatCursor;
struct MemstatCursor {
  sqlite3_vtab_cursor base;           /* Base class - must be first */
  int iRow;                           /* Current row, 0-based */
  int nRow;                           /* Rows in aRow[] */
  MemstatRow aRow[MEMSTAT_N_COUNTER]; /* The snapshot */
};

/* Read frugal's own counters into aFrugal[MEMSTAT_N_FRUGAL]. */
static void memstatFrugalRead(FrugalDb *pState, i64 *aFrugal) {
  frugalMemoUsage(pState, &aFrugal[MEMSTAT_MEMO_BYTES],
                  &aFrugal[MEMSTAT_MEMO_ENTRIES]);
  aFrugal[MEMSTAT_CURSOR_BYTES] = pState->nCursorByte;
  aFrugal[MEMSTAT_OPEN_CURSORS] = pState->nOpenCursor;
}

/*
** Read counter p into *pRow; aFrugal holds frugal's own counters.  0 if
** the running SQLite does not know the counter (a verb newer than it), so
** that it has no row.
*/
static int memstatRead(MemstatVtab *pTab, const MemstatCounter *p,
                       int bMemStatus, i64 mxParser, const i64 *aFrugal,
                       MemstatRow *pRow) {
  i64 iCur = 0, iHw = 0;
  memset(pRow, 0, sizeof(*pRow));
  pRow->pCounter = p;
  if( p->eScope == MEMSTAT_PROCESS ) {
    if( sqlite3_status64(p->iOp, &iCur, &iHw, 0) != SQLITE_OK ) return 0;
  } else if( p->eScope == MEMSTAT_CONNECTION ) {
    int iCur32 = 0, iHw32 = 0;
    if( sqlite3_db_status(pTab->db, p->iOp, &iCur32, &iHw32, 0) != SQLITE_OK )
      return 0;
    iCur = iCur32;
    iHw = iHw32;
  } else {
    iCur = aFrugal[p->iOp];
  }
  pRow->zUnavailable = memstatUnavailable(p, bMemStatus, mxParser);
  if( pRow->zUnavailable ) return 1;
  switch( p->eKind ) {
    case MEMSTAT_BOTH:
      pRow->iValue = iCur;
      pRow->iHighwater = iHw;
      pRow->bValue = pRow->bHighwater = 1;
      break;
    case MEMSTAT_CUR:
      pRow->iValue = iCur;
      pRow->bValue = 1;
      break;
    case MEMSTAT_HW:
      pRow->iHighwater = iHw;
      pRow->bHighwater = 1;
      break;
    case MEMSTAT_HWN:     /* defensive here: lookaside only; see memstat.test */
      pRow->iValue = iHw; /* defensive: Debian's SQLite omits lookaside */
      pRow->bValue = 1;   /* defensive: as above */
      break;              /* defensive: as above */
  }
  return 1;
}

/* xConnect. */
static int memstatConnect(sqlite3 *db, void *pAux, int argc,
                          const char *const *argv, sqlite3_vtab **ppVtab,
                          char **pzErr) {
  MemstatVtab *p;
  int rc;
  (void)argc;
  (void)argv;
  /* Neither DIRECTONLY nor INNOCUOUS: see the header comment. */
  rc = sqlite3_declare_vtab(db, "CREATE TABLE x(name TEXT, scope TEXT,"
                                " value INTEGER, highwater INTEGER,"
                                " unavailable TEXT)");
  if( rc != SQLITE_OK ) {
    *pzErr = sqlite3_mprintf("memstat: %s", sqlite3_errstr(rc));
    return rc;
  }
  p = sqlite3_malloc64(sizeof(*p));
  if( p == 0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->pState = (FrugalDb *)pAux;
  *ppVtab = &p->base;
  return SQLITE_OK;
}

/* xDisconnect, for both tables. */
static int memstatDisconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

/* xOpen. */
static int memstatOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur) {
  MemstatCursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  (void)pVtab;
  if( pCur == 0 ) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCur = &pCur->base;
  return SQLITE_OK;
}

/* xClose. */
static int memstatClose(sqlite3_vtab_cursor *cur) {
  sqlite3_free(cur);
  return SQLITE_OK;
}

/* xBestIndex: a full scan of a short list. */
static int memstatBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  (void)pVtab;
  pInfo->estimatedCost = (double)MEMSTAT_N_COUNTER;
  pInfo->estimatedRows = MEMSTAT_N_COUNTER;
  return SQLITE_OK;
}

/* xFilter: read every counter. */
static int memstatFilter(sqlite3_vtab_cursor *cur, int idxNum,
                         const char *idxStr, int argc, sqlite3_value **argv) {
  MemstatCursor *pCur = (MemstatCursor *)cur;
  MemstatVtab *pTab = (MemstatVtab *)cur->pVtab;
  int bMemStatus = memstatMemStatusOn();
  i64 iCur = 0, mxParser = 0;
  i64 aFrugal[MEMSTAT_N_FRUGAL];
  int i;
  (void)idxNum;
  (void)idxStr;
  (void)argc;
  (void)argv;
  sqlite3_status64(SQLITE_STATUS_PARSER_STACK, &iCur, &mxParser, 0);
  memstatFrugalRead(pTab->pState, aFrugal);
  pCur->nRow = 0;
  for( i = 0; i < MEMSTAT_N_COUNTER; i++ ) {
    if( memstatRead(pTab, &aMemstatCounter[i], bMemStatus, mxParser, aFrugal,
                    &pCur->aRow[pCur->nRow]) ) {
      pCur->nRow++;
    }
  }
  pCur->iRow = 0;
  return SQLITE_OK;
}

/* xNext. */
static int memstatNext(sqlite3_vtab_cursor *cur) {
  ((MemstatCursor *)cur)->iRow++;
  return SQLITE_OK;
}

/* xEof. */
static int memstatEof(sqlite3_vtab_cursor *cur) {
  MemstatCursor *pCur = (MemstatCursor *)cur;
  return pCur->iRow >= pCur->nRow;
}

/* xColumn. */
static int memstatColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx,
                         int i) {
  MemstatCursor *pCur = (MemstatCursor *)cur;
  const MemstatRow *pRow = &pCur->aRow[pCur->iRow];
  switch( i ) {
    case MEMSTAT_COL_NAME:
      sqlite3_result_text(ctx, pRow->pCounter->zName, -1, SQLITE_STATIC);
      break;
    case MEMSTAT_COL_SCOPE:
      sqlite3_result_text(ctx, azMemstatScope[pRow->pCounter->eScope], -1,
                          SQLITE_STATIC);
      break;
    case MEMSTAT_COL_VALUE:
      if( pRow->bValue ) sqlite3_result_int64(ctx, pRow->iValue);
      break;
    case MEMSTAT_COL_HIGHWATER:
      if( pRow->bHighwater ) sqlite3_result_int64(ctx, pRow->iHighwater);
      break;
    case MEMSTAT_COL_UNAVAILABLE:
      if( pRow->zUnavailable ) {
        sqlite3_result_text(ctx, pRow->zUnavailable, -1, SQLITE_STATIC);
      }
      break;
  }
  return SQLITE_OK;
}

/* xRowid: the row's position in the scan, from 1. */
static int memstatRowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *pRowid) {
  *pRowid = ((MemstatCursor *)cur)->iRow + 1;
  return SQLITE_OK;
}

static const sqlite3_module memstatModule = {
  .iVersion = 0,
  .xConnect = memstatConnect,
  .xBestIndex = memstatBestIndex,
  .xDisconnect = memstatDisconnect,
  .xOpen = memstatOpen,
  .xClose = memstatClose,
  .xFilter = memstatFilter,
  .xNext = memstatNext,
  .xEof = memstatEof,
  .xColumn = memstatColumn,
  .xRowid = memstatRowid,
};

/************************************************************************
** frugal_release()
*/

/* CACHE_USED of connection db: bytes held by its page caches. */
static i64 memstatCacheUsed(sqlite3 *db) {
  int iCur = 0, iHw = 0;
  sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_USED, &iCur, &iHw, 0);
  return iCur;
}

/*
** frugal_release(): empty every memo cache of the connection, call
** sqlite3_db_release_memory(), and return the bytes released as memstat
** measures them: the drop of memo_bytes plus the drop of CACHE_USED.
** (memo_bytes includes the caches the C API made for functions since
** deleted everywhere, until frugalMemoClearAll() frees them.)
*/
static void memstatReleaseFunc(sqlite3_context *ctx, int argc,
                               sqlite3_value **argv) {
  FrugalDb *pState = (FrugalDb *)sqlite3_user_data(ctx);
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  i64 nMemo0, nMemo1, nEntry, nCache0, nCache1;
  (void)argc;
  (void)argv;
  frugalMemoUsage(pState, &nMemo0, &nEntry);
  nCache0 = memstatCacheUsed(db);
  frugalMemoClearAll(pState);
  sqlite3_db_release_memory(db);
  frugalMemoUsage(pState, &nMemo1, &nEntry);
  nCache1 = memstatCacheUsed(db);
  sqlite3_result_int64(ctx, (nMemo0 - nMemo1) + (nCache0 - nCache1));
}

/************************************************************************
** memprof(sql)
*/

/* Columns of memprof. */
#define MEMPROF_COL_STMT           0
#define MEMPROF_COL_SQL            1
#define MEMPROF_COL_ROWS           2
#define MEMPROF_COL_MS             3
#define MEMPROF_COL_MEM_BEFORE     4
#define MEMPROF_COL_MEM_AFTER      5
#define MEMPROF_COL_MEM_PEAK       6
#define MEMPROF_COL_DELTA          7
#define MEMPROF_COL_PEAK_OVER      8
#define MEMPROF_COL_VM_STEPS       9
#define MEMPROF_COL_SORTS          10
#define MEMPROF_COL_FULLSCAN_STEPS 11
#define MEMPROF_COL_AUTOINDEX      12
#define MEMPROF_COL_SCRIPT         13 /* HIDDEN: the argument */

/* The most characters of a statement an error message quotes, and the
** most bytes they may take (UTF-8; malformed text is cut at that). */
#define MEMPROF_ERR_SQL_CHARS 60
#define MEMPROF_ERR_SQL_BYTES (MEMPROF_ERR_SQL_CHARS * 4)

/* How deep memprof may nest: a script that runs memprof on a script that
** runs memprof... on one connection.  Each level is a few SQLite calls
** deep on the C stack; without a limit, a script that runs itself
** overflows it. */
#define MEMPROF_MAX_DEPTH 16

/* What the planner is told a scan costs: running a script is expensive
** and has side effects, so a join should run it once, as the outer loop. */
#define MEMPROF_EST_COST 1e12
#define MEMPROF_EST_ROWS 20

/*
** One statement being measured.  While it runs it is linked in
** memprofRunList, and any reset of the high-water mark folds the mark into
** mxPeak first.
*/
typedef struct MemprofRun MemprofRun;
struct MemprofRun {
  MemprofRun *pNext; /* Next statement being measured, in any thread */
  i64 mxPeak;        /* Highest MEMORY_USED seen since it started */
};

/* The statements being measured, guarded by frugalGlobalMutex(). */
static MemprofRun *memprofRunList = 0;

/*
** Start measuring pRun: reset the high-water mark of MEMORY_USED, after
** folding it into every run already measured, and link pRun.  Return the
** memory in use.
*/
static i64 memprofPeakStart(MemprofRun *pRun) {
  sqlite3_mutex *pMutex = frugalGlobalMutex();
  i64 nNow = 0, mx = 0;
  MemprofRun *p;
  sqlite3_mutex_enter(pMutex);
  sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &nNow, &mx, 1);
  for( p = memprofRunList; p; p = p->pNext ) {
    if( mx > p->mxPeak ) p->mxPeak = mx;
  }
  pRun->mxPeak = nNow;
  pRun->pNext = memprofRunList;
  memprofRunList = pRun;
  sqlite3_mutex_leave(pMutex);
  return nNow;
}

/*
** Stop measuring pRun and unlink it.  Return the memory in use and set
** *pmxPeak to the highest it has been since memprofPeakStart().
*/
static i64 memprofPeakEnd(MemprofRun *pRun, i64 *pmxPeak) {
  sqlite3_mutex *pMutex = frugalGlobalMutex();
  i64 nNow = 0, mx = 0;
  MemprofRun **pp;
  sqlite3_mutex_enter(pMutex);
  sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &nNow, &mx, 0);
  for( pp = &memprofRunList; *pp != pRun; pp = &(*pp)->pNext ) {}
  *pp = pRun->pNext;
  sqlite3_mutex_leave(pMutex);
  *pmxPeak = mx > pRun->mxPeak ? mx : pRun->mxPeak;
  return nNow;
}

/* The measurements of one statement: a row of memprof. */
typedef struct MemprofRow MemprofRow;
struct MemprofRow {
  int iSql;       /* The statement's text: offset in the script */
  int nSql;       /* and bytes */
  i64 nRow;       /* rows */
  double rMs;     /* ms */
  i64 nBefore;    /* mem_before */
  i64 nAfter;     /* mem_after */
  i64 mxPeak;     /* mem_peak */
  i64 nVmStep;    /* vm_steps */
  i64 nSort;      /* sorts */
  i64 nFullscan;  /* fullscan_steps */
  i64 nAutoindex; /* autoindex */
};

/* The memprof table. */
typedef struct MemprofVtab MemprofVtab;
struct MemprofVtab {
  sqlite3_vtab base; /* Base class - must be first */
  sqlite3 *db;       /* The connection the script runs on */
  FrugalDb *pState;  /* frugal's state on it: the nesting depth */
};

/* A run of a script. */
typedef struct MemprofCursor MemprofCursor;
struct MemprofCursor {
  sqlite3_vtab_cursor base; /* Base class - must be first */
  sqlite3_value *pScript;   /* The argument, copied */
  const char *zScript;      /* Its text */
  int nScript;              /* Bytes of zScript */
  int iNext;                /* Offset of the statements not run yet */
  i64 iStmt;                /* Number of the current statement, from 1 */
  int bMemStatus;           /* SQLite keeps memory status */
  int bEof;                 /* No more statements */
  MemprofRow row;           /* The current row */
};

/* Nanoseconds of a monotonic clock. */
static i64 memprofNow(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (i64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* True if c is a space as SQL's tokenizer sees it. */
static int memprofIsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/*
** The offset of the first byte at or after i in z[0..n-1] that is not a
** space, in a comment or a ';' (an empty statement).
*/
static int memprofSkip(const char *z, int n, int i) {
  while( i < n ) {
    if( memprofIsSpace(z[i]) || z[i] == ';' ) {
      i++;
    } else if( z[i] == '-' && i + 1 < n && z[i + 1] == '-' ) {
      while( i < n && z[i] != '\n' ) i++;
    } else if( z[i] == '/' && i + 1 < n && z[i + 1] == '*' ) {
      for( i += 2; i < n && !(z[i] == '*' && i + 1 < n && z[i + 1] == '/');
           i++ ) {}
      i = i < n ? i + 2 : n;
    } else {
      break;
    }
  }
  return i;
}

/*
** Bytes of the statement at z (the script goes on for n bytes from there)
** that an error message needs to quote it: up to the semicolon that
** completes it (sqlite3_complete()) if that comes before the quote is
** cut, else more than the quote shows.  For errors, where a failed prepare
** does not say where the statement ends.  Only that much of the script is
** copied and looked at, so the cost does not grow with the rest of the
** script.  -1 on OOM.
*/
static int memprofStmtLen(const char *z, int n) {
  int nWin = 0, nChar = 0, i;
  char *zCopy;
  /* The window: up to two characters past those a quote shows, spaces not
  ** counted (a quote makes a run of them one), so that it always sees
  ** whether to cut, even after a trailing ';' is trimmed. */
  while( nWin < n && nChar <= MEMPROF_ERR_SQL_CHARS + 1 ) {
    char c = z[nWin++];
    if( (c & 0xc0) != 0x80 && !memprofIsSpace(c) ) nChar++;
  }
  zCopy = sqlite3_malloc64((sqlite3_uint64)nWin + 1);
  if( zCopy == 0 ) return -1;
  memcpy(zCopy, z, (size_t)nWin);
  zCopy[nWin] = 0;
  for( i = 0; i < nWin; i++ ) {
    int bComplete;
    char c;
    if( zCopy[i] != ';' ) continue;
    c = zCopy[i + 1];
    zCopy[i + 1] = 0;
    bComplete = sqlite3_complete(zCopy);
    zCopy[i + 1] = c;
    if( bComplete ) break;
  }
  sqlite3_free(zCopy);
  return i < nWin ? i + 1 : nWin;
}

/* Bytes of the n bytes at z once trailing spaces and one ';' are cut. */
static int memprofTrim(const char *z, int n) {
  while( n > 0 && memprofIsSpace(z[n - 1]) ) n--;
  if( n > 0 && z[n - 1] == ';' ) n--;
  while( n > 0 && memprofIsSpace(z[n - 1]) ) n--;
  return n;
}

/*
** Write the n bytes of SQL at z into zOut as an error message quotes
** them: runs of spaces made one space, at most MEMPROF_ERR_SQL_CHARS
** characters (and MEMPROF_ERR_SQL_BYTES bytes), "..." after a cut.
*/
static void memprofQuote(const char *z, int n,
                         char zOut[MEMPROF_ERR_SQL_BYTES + 4]) {
  int i, j = 0, nChar = 0;
  for( i = 0; i < n; i++ ) {
    unsigned char c = (unsigned char)z[i];
    if( memprofIsSpace((char)c) ) {
      if( j > 0 && zOut[j - 1] == ' ' ) continue;
      c = ' ';
    }
    if( ((c & 0xc0) != 0x80 && nChar++ == MEMPROF_ERR_SQL_CHARS)
        || j == MEMPROF_ERR_SQL_BYTES ) {
      memcpy(&zOut[j], "...", 3);
      j += 3;
      break;
    }
    zOut[j++] = (char)c;
  }
  zOut[j] = 0;
}

/*
** Set the error of the current statement, whose text starts at z and is
** nLen bytes long (0: not known; the script goes on for n bytes):
** "memprof: statement N (text): zWhy".  Return rc, or SQLITE_NOMEM if the
** message cannot be made.
*/
static int memprofStmtError(MemprofCursor *pCur, int rc, const char *z, int n,
                            int nLen, const char *zWhy) {
  sqlite3_vtab *pVtab = pCur->base.pVtab;
  char zQuote[MEMPROF_ERR_SQL_BYTES + 4];
  if( nLen <= 0 ) nLen = memprofStmtLen(z, n);
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = 0;
  if( nLen >= 0 ) {
    memprofQuote(z, memprofTrim(z, nLen), zQuote);
    pVtab->zErrMsg = sqlite3_mprintf("memprof: statement %lld (%s): %s",
                                     pCur->iStmt, zQuote, zWhy);
  }
  pCur->bEof = 1;
  return pVtab->zErrMsg ? rc : SQLITE_NOMEM;
}

/*
** Set the error zErr of the table, taking it over, and return rc
** (SQLITE_NOMEM if zErr is NULL).
*/
static int memprofError(MemprofCursor *pCur, int rc, char *zErr) {
  sqlite3_vtab *pVtab = pCur->base.pVtab;
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = zErr;
  pCur->bEof = 1;
  return zErr ? rc : SQLITE_NOMEM;
}

/*
** How SQLite refuses a statement because another is running on the
** connection, here the SELECT that reads memprof: by the exact extended
** code and message (a pattern for sqlite3_strglob()).  bCertain is set
** where that SELECT alone is reason enough, so that the statement can
** never run inside memprof; else the refusal may have another cause.
*/
typedef struct MemprofRefusal MemprofRefusal;
struct MemprofRefusal {
  int iCode;         /* sqlite3_extended_errcode() */
  const char *zGlob; /* sqlite3_errmsg() */
  int bCertain;      /* The SELECT reading memprof is reason enough */
};
static const MemprofRefusal aMemprofRefusal[] = {
  /* VACUUM while any other statement is active. */
  { SQLITE_ERROR, "cannot VACUUM - SQL statements in progress", 1 },
  /* DROP TABLE or DROP INDEX while another statement reads.  Contention
  ** in a shared cache is SQLITE_LOCKED_SHAREDCACHE, or names its table. */
  { SQLITE_LOCKED, "database table is locked", 1 },
  /* PRAGMA journal_mode to or from WAL while another statement reads. */
  { SQLITE_ERROR, "cannot change into wal mode from within a transaction", 1 },
  { SQLITE_ERROR, "cannot change out of wal mode from within a transaction",
    1 },
  /* DETACH of a database in a transaction: the SELECT holds one on every
  ** database the script used, but a BEGIN of the script or a backup of
  ** the database would too. */
  { SQLITE_ERROR, "database * is locked", 0 },
};

/*
** The reason to give for the failure of a statement, zErr with extended
** code iCode: a printf format for zErr.
*/
static const char *memprofReasonFormat(int iCode, const char *zErr) {
  size_t i;
  for( i = 0; i < sizeof(aMemprofRefusal) / sizeof(aMemprofRefusal[0]); i++ ) {
    const MemprofRefusal *p = &aMemprofRefusal[i];
    if( p->iCode != iCode || sqlite3_strglob(p->zGlob, zErr) != 0 ) continue;
    return p->bCertain ? "SQLite cannot run this statement inside another (%s)"
                       : "%s (possibly because SQLite cannot run this"
                         " statement inside another)";
  }
  return "%s";
}

/*
** Stop at the current statement, whose text starts at z (nLen bytes, 0 if
** not known; the script goes on for n bytes), because it failed: its
** error is the connection's.  The code is SQLITE_ERROR whatever the
** statement's: the SELECT reading memprof would take SQLITE_FULL or
** SQLITE_IOERR as its own and roll back the transaction the script opened,
** which .read leaves as the failed statement left it.  Out of memory stays
** SQLITE_NOMEM: SQLite keeps the connection's out-of-memory state until
** that SELECT ends, and fails it with SQLITE_NOMEM whatever memprof says.
*/
static int memprofStmtFailed(MemprofCursor *pCur, sqlite3 *db, const char *z,
                             int n, int nLen) {
  int iCode = sqlite3_extended_errcode(db);
  const char *zErr = sqlite3_errmsg(db);
  int rc = iCode == SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
  char *zWhy = sqlite3_mprintf(memprofReasonFormat(iCode, zErr), zErr);
  if( zWhy == 0 ) return memprofError(pCur, SQLITE_NOMEM, 0);
  rc = memprofStmtError(pCur, rc, z, n, nLen, zWhy);
  sqlite3_free(zWhy);
  return rc;
}

/*
** True if a statement that writes is running on db: memprof must not run
** a statement of its script inside one (see memprofNext()).  That may be
** the statement that reads memprof (INSERT ... SELECT) or any other that
** has started and not finished, such as an INSERT ... RETURNING that the
** application has stepped but not reset.
*/
static int memprofInWriter(sqlite3 *db) {
  sqlite3_stmt *p;
  for( p = sqlite3_next_stmt(db, 0); p; p = sqlite3_next_stmt(db, p) ) {
    if( sqlite3_stmt_busy(p) && !sqlite3_stmt_readonly(p) ) return 1;
  }
  return 0;
}

/*
** Counter op of pStmt.  SQLite keeps the counters in 32 bits unsigned and
** hands them out as an int: past 2^31 they would look negative.
*/
static i64 memprofStmtStatus(sqlite3_stmt *pStmt, int op) {
  return (i64)(unsigned int)sqlite3_stmt_status(pStmt, op, 0);
}

/*
** Step pStmt to its end and fill in what *pRow says of it.  Return what
** sqlite3_finalize() returns, which finalizes it.
*/
static int memprofStep(sqlite3 *db, sqlite3_stmt *pStmt, int nChange0,
                       MemprofRow *pRow) {
  int rc;
  pRow->nRow = 0;
  while( (rc = sqlite3_step(pStmt)) == SQLITE_ROW ) pRow->nRow++;
  if( rc == SQLITE_DONE && sqlite3_column_count(pStmt) == 0 ) {
    /* sqlite3_changes() is left as it was by statements other than an
    ** INSERT, UPDATE or DELETE; the total moves only when one ran. */
    pRow->nRow =
        sqlite3_total_changes(db) != nChange0 ? sqlite3_changes(db) : 0;
  }
  pRow->nVmStep = memprofStmtStatus(pStmt, SQLITE_STMTSTATUS_VM_STEP);
  pRow->nSort = memprofStmtStatus(pStmt, SQLITE_STMTSTATUS_SORT);
  pRow->nFullscan = memprofStmtStatus(pStmt, SQLITE_STMTSTATUS_FULLSCAN_STEP);
  pRow->nAutoindex = memprofStmtStatus(pStmt, SQLITE_STMTSTATUS_AUTOINDEX);
  return sqlite3_finalize(pStmt);
}

/*
** Stop at the current statement, pStmt, whose text starts at z and is
** nLen bytes long, because it has parameters: memprof has no values for
** them, and SQLite would run it with NULLs.  Finalizes pStmt.
*/
static int memprofParamError(MemprofCursor *pCur, sqlite3_stmt *pStmt,
                             const char *z, int nLen) {
  const char *zName = sqlite3_bind_parameter_name(pStmt, 1);
  char *zWhy = sqlite3_mprintf("parameter %s is not bound (memprof binds no"
                               " parameters)",
                               zName ? zName : "?");
  int rc = zWhy ? memprofStmtError(pCur, SQLITE_ERROR, z, nLen, nLen, zWhy)
                : memprofError(pCur, SQLITE_NOMEM, 0);
  sqlite3_free(zWhy);
  sqlite3_finalize(pStmt);
  return rc;
}

/*
** Run the next statement of the script and make it the current row; at
** the end of the script, set bEof.
*/
static int memprofNext(sqlite3_vtab_cursor *cur) {
  MemprofCursor *pCur = (MemprofCursor *)cur;
  MemprofVtab *pTab = (MemprofVtab *)cur->pVtab;
  sqlite3 *db = pTab->db;
  const char *z = pCur->zScript;
  int n = pCur->nScript;
  for( ;; ) { /* defensive: loops only past an empty statement */
    MemprofRun run;
    MemprofRow *pRow = &pCur->row;
    sqlite3_stmt *pStmt = 0;
    const char *zTail = 0;
    int iStart = memprofSkip(z, n, pCur->iNext);
    int nChange0, bPrepared, bParam, rc;
    i64 t0;

    if( iStart >= n ) {
      pCur->bEof = 1;
      return SQLITE_OK;
    }
    pCur->iStmt++;
    if( z[iStart] == '.' ) {
      int nLine = 0;
      while( iStart + nLine < n && z[iStart + nLine] != '\n' ) nLine++;
      return memprofStmtError(pCur, SQLITE_ERROR, &z[iStart], n - iStart, nLine,
                              "dot-commands are for the sqlite3 shell,"
                              " not SQL");
    }
    /* Inside a statement that writes, the script's statements would share
    ** its transaction, and a BEGIN in the script would leave SQLite unable
    ** to roll that statement back if it failed. */
    if( memprofInWriter(db) ) {
      return memprofStmtError(pCur, SQLITE_ERROR, &z[iStart], n - iStart, 0,
                              "not run while a statement that writes is in"
                              " progress on this connection (read memprof"
                              " in a SELECT of its own)");
    }

    /* The script is NUL-terminated: prepared with -1, SQLite reads only
    ** this statement, and SQLITE_LIMIT_SQL_LENGTH applies to it alone. */
    nChange0 = sqlite3_total_changes(db);
    pTab->pState->nMemprofDepth++;
    pRow->nBefore = memprofPeakStart(&run);
    t0 = memprofNow();
    rc = sqlite3_prepare_v2(db, &z[iStart], -1, &pStmt, &zTail);
    bPrepared = rc == SQLITE_OK;
    bParam = pStmt && sqlite3_bind_parameter_count(pStmt) > 0;
    if( pStmt && !bParam ) rc = memprofStep(db, pStmt, nChange0, pRow);
    pRow->rMs = (double)(memprofNow() - t0) / 1e6;
    pRow->nAfter = memprofPeakEnd(&run, &pRow->mxPeak);
    pTab->pState->nMemprofDepth--;

    if( bParam ) {
      return memprofParamError(pCur, pStmt, &z[iStart],
                               (int)(zTail - &z[iStart]));
    }
    if( rc != SQLITE_OK ) {
      /* After a failed prepare, zTail says where parsing stopped, not
      ** where the statement ends. */
      return memprofStmtFailed(pCur, db, &z[iStart], n - iStart,
                               bPrepared ? (int)(zTail - &z[iStart]) : 0);
    }
    pCur->iNext = (int)(zTail - z);
    if( pStmt == 0 ) {
      /* memprofSkip() has passed over all that SQLite takes for empty */
      pCur->iStmt--; /* defensive: only a ";", not a statement */
      continue;      /* defensive: as above */
    }
    pRow->iSql = iStart;
    pRow->nSql = memprofTrim(&z[iStart], pCur->iNext - iStart);
    return SQLITE_OK;
  }
}

/* xConnect. */
static int memprofConnect(sqlite3 *db, void *pAux, int argc,
                          const char *const *argv, sqlite3_vtab **ppVtab,
                          char **pzErr) {
  MemprofVtab *p;
  int rc;
  (void)argc;
  (void)argv;
  rc = sqlite3_declare_vtab(
      db, "CREATE TABLE x(stmt INTEGER, sql TEXT, rows INTEGER, ms REAL,"
          " mem_before INTEGER, mem_after INTEGER, mem_peak INTEGER,"
          " delta INTEGER, peak_over INTEGER, vm_steps INTEGER,"
          " sorts INTEGER, fullscan_steps INTEGER, autoindex INTEGER,"
          " script HIDDEN)");
  if( rc == SQLITE_OK ) rc = sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  if( rc != SQLITE_OK ) {
    *pzErr = sqlite3_mprintf("memprof: %s", sqlite3_errstr(rc));
    return rc;
  }
  p = sqlite3_malloc64(sizeof(*p));
  if( p == 0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->pState = (FrugalDb *)pAux;
  *ppVtab = &p->base;
  return SQLITE_OK;
}

/* xOpen. */
static int memprofOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur) {
  MemprofCursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  (void)pVtab;
  if( pCur == 0 ) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  pCur->bEof = 1;
  *ppCur = &pCur->base;
  return SQLITE_OK;
}

/* xClose. */
static int memprofClose(sqlite3_vtab_cursor *cur) {
  MemprofCursor *pCur = (MemprofCursor *)cur;
  sqlite3_value_free(pCur->pScript);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/*
** xBestIndex.  The script must be given as the argument: "script = ?",
** passed to xFilter as argv[0].
*/
static int memprofBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  int i, iScript = -1, bUnusable = 0;
  for( i = 0; i < pInfo->nConstraint; i++ ) {
    const struct sqlite3_index_constraint *pC = &pInfo->aConstraint[i];
    if( pC->iColumn != MEMPROF_COL_SCRIPT
        || pC->op != SQLITE_INDEX_CONSTRAINT_EQ )
      continue;
    if( !pC->usable ) {
      bUnusable = 1;
    } else if( iScript < 0 ) {
      iScript = i;
    }
  }
  if( iScript < 0 ) {
    if( bUnusable ) return SQLITE_CONSTRAINT;
    sqlite3_free(pVtab->zErrMsg);
    pVtab->zErrMsg = sqlite3_mprintf("memprof: missing script argument");
    return pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  pInfo->aConstraintUsage[iScript].argvIndex = 1;
  pInfo->aConstraintUsage[iScript].omit = 1;
  pInfo->estimatedCost = MEMPROF_EST_COST;
  pInfo->estimatedRows = MEMPROF_EST_ROWS;
  return SQLITE_OK;
}

/* xFilter: take the script and run its first statement. */
static int memprofFilter(sqlite3_vtab_cursor *cur, int idxNum,
                         const char *idxStr, int argc, sqlite3_value **argv) {
  MemprofCursor *pCur = (MemprofCursor *)cur;
  FrugalDb *pState = ((MemprofVtab *)cur->pVtab)->pState;
  const char *z;
  (void)idxNum;
  (void)idxStr;
  (void)argc;
  sqlite3_value_free(pCur->pScript);
  pCur->pScript = 0;
  pCur->bEof = 1;
  pCur->iStmt = 0;
  pCur->iNext = 0;
  if( sqlite3_value_type(argv[0]) == SQLITE_NULL ) {
    return memprofError(pCur, SQLITE_ERROR,
                        sqlite3_mprintf("memprof: the script is NULL"));
  }
  if( pState->nMemprofDepth >= MEMPROF_MAX_DEPTH ) {
    return memprofError(pCur, SQLITE_ERROR,
                        sqlite3_mprintf("memprof: nested more than %d deep",
                                        MEMPROF_MAX_DEPTH));
  }
  pCur->pScript = sqlite3_value_dup(argv[0]);
  if( pCur->pScript == 0 ) return SQLITE_NOMEM;
  z = (const char *)sqlite3_value_text(pCur->pScript);
  if( z == 0 ) return SQLITE_NOMEM;
  pCur->zScript = z;
  pCur->nScript = sqlite3_value_bytes(pCur->pScript);
  if( (int)strlen(z) != pCur->nScript ) {
    return memprofError(
        pCur, SQLITE_ERROR,
        sqlite3_mprintf("memprof: the script contains a NUL byte"));
  }
  /* A UTF-8 byte-order mark, as some editors write. */
  if( pCur->nScript >= 3 && memcmp(z, "\xef\xbb\xbf", 3) == 0 ) {
    pCur->iNext = 3;
  }
  pCur->bMemStatus = memstatMemStatusOn();
  pCur->bEof = 0;
  return memprofNext(cur);
}

/* xEof. */
static int memprofEof(sqlite3_vtab_cursor *cur) {
  return ((MemprofCursor *)cur)->bEof;
}

/* Set ctx to the memory figure v, or NULL without memory status. */
static void memprofResultMem(sqlite3_context *ctx, const MemprofCursor *pCur,
                             i64 v) {
  if( pCur->bMemStatus ) sqlite3_result_int64(ctx, v);
}

/* xColumn. */
static int memprofColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx,
                         int i) {
  MemprofCursor *pCur = (MemprofCursor *)cur;
  const MemprofRow *pRow = &pCur->row;
  switch( i ) {
    case MEMPROF_COL_STMT: sqlite3_result_int64(ctx, pCur->iStmt); break;
    case MEMPROF_COL_SQL:
      sqlite3_result_text(ctx, &pCur->zScript[pRow->iSql], pRow->nSql,
                          SQLITE_TRANSIENT);
      break;
    case MEMPROF_COL_ROWS: sqlite3_result_int64(ctx, pRow->nRow); break;
    case MEMPROF_COL_MS: sqlite3_result_double(ctx, pRow->rMs); break;
    case MEMPROF_COL_MEM_BEFORE:
      memprofResultMem(ctx, pCur, pRow->nBefore);
      break;
    case MEMPROF_COL_MEM_AFTER:
      memprofResultMem(ctx, pCur, pRow->nAfter);
      break;
    case MEMPROF_COL_MEM_PEAK: memprofResultMem(ctx, pCur, pRow->mxPeak); break;
    case MEMPROF_COL_DELTA:
      memprofResultMem(ctx, pCur, pRow->nAfter - pRow->nBefore);
      break;
    case MEMPROF_COL_PEAK_OVER:
      memprofResultMem(ctx, pCur, pRow->mxPeak - pRow->nBefore);
      break;
    case MEMPROF_COL_VM_STEPS: sqlite3_result_int64(ctx, pRow->nVmStep); break;
    case MEMPROF_COL_SORTS: sqlite3_result_int64(ctx, pRow->nSort); break;
    case MEMPROF_COL_FULLSCAN_STEPS:
      sqlite3_result_int64(ctx, pRow->nFullscan);
      break;
    case MEMPROF_COL_AUTOINDEX:
      sqlite3_result_int64(ctx, pRow->nAutoindex);
      break;
    case MEMPROF_COL_SCRIPT: sqlite3_result_value(ctx, pCur->pScript); break;
  }
  return SQLITE_OK;
}

/* xRowid: the statement's number. */
static int memprofRowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *pRowid) {
  *pRowid = ((MemprofCursor *)cur)->iStmt;
  return SQLITE_OK;
}

static const sqlite3_module memprofModule = {
  .iVersion = 0,
  .xConnect = memprofConnect,
  .xBestIndex = memprofBestIndex,
  .xDisconnect = memstatDisconnect,
  .xOpen = memprofOpen,
  .xClose = memprofClose,
  .xFilter = memprofFilter,
  .xNext = memprofNext,
  .xEof = memprofEof,
  .xColumn = memprofColumn,
  .xRowid = memprofRowid,
};

/************************************************************************
** Registration.
*/

/*
** Register memstat and frugal_release() (FRUGAL_REG_PURE) and memprof
** (FRUGAL_REG_IO: it runs SQL text).
*/
int frugal_memstat_register(sqlite3 *db, int mWhich, char **pzErrMsg) {
  static const FrugalFunc aFunc[] = {
    { "frugal_release", 0, SQLITE_DIRECTONLY, 0, memstatReleaseFunc, 0, 0, 0,
      0 },
  };
  FrugalDb *pState = frugalDbAcquire(db);
  int rc;
  if( pState == 0 ) return SQLITE_NOMEM;
  rc = frugalRegisterFuncs(db, aFunc, (int)(sizeof(aFunc) / sizeof(aFunc[0])),
                           mWhich, pState, pzErrMsg);
  if( rc == SQLITE_OK && (mWhich & FRUGAL_REG_PURE) ) {
    rc = frugalRegisterModule(db, "memstat", &memstatModule, pState, pzErrMsg);
  }
  if( rc == SQLITE_OK && (mWhich & FRUGAL_REG_IO) ) {
    rc = frugalRegisterModule(db, "memprof", &memprofModule, pState, pzErrMsg);
  }
  frugalDbRelease(pState);
  return rc;
}
