/*
** memstat_status.c - test driver for memstat and memprof where only C can
** reach: SQLite's own counters, and memory status turned off.
**
**   memstat_status direct        memstat against sqlite3_status64() and
**                                sqlite3_db_status() called directly
**   memstat_status nostatus SQL  run SQL with memory status turned off
**                                (SQLITE_CONFIG_MEMSTATUS 0)
**   memstat_status threads       a memprof in another thread resets the
**                                high-water mark during a statement
**   memstat_status heap SQL...   run each SQL with a hard heap limit a few
**                                MB above the memory in use
**   memstat_status readonly SQL  what sqlite3_stmt_readonly() says of SQL
**
** direct runs a small workload, scans memstat and, before the scan's
** statement is finalized, reads every counter of sqlite3.h straight from
** SQLite.  It prints one line per counter that memstat shows:
**
**   NAME|value|highwater|current|high-water
**
** the first two from memstat (NULL as empty), the last two from SQLite.
** nostatus prints the rows of SQL as the shell's list mode does, NULL as
** empty.  threads prints the peak_over of a statement that allocated and
** freed 20 MB before a memprof in a second thread reset the high-water
** mark, in lock step (see statusThreads()).  heap runs each SQL on one
** connection and prints its rows as nostatus does, or "error CODE: MESSAGE"
** with the extended code of an error, and goes on with the next.
** readonly prints 1 or 0.  Each prints "error: MESSAGE" and exits 1 on an
** error it does not expect.
*/
#define _POSIX_C_SOURCE 200809L
#include "frugal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A counter of sqlite3.h, by its name there. */
typedef struct Verb Verb;
struct Verb {
  const char *zName; /* Without SQLITE_STATUS_ / SQLITE_DBSTATUS_ */
  int iOp;           /* Its value */
  int bDb;           /* A sqlite3_db_status() verb */
};

#define STATUS(x)                                                              \
 { #x, SQLITE_STATUS_##x, 0 }
#define DBSTATUS(x)                                                            \
 { #x, SQLITE_DBSTATUS_##x, 1 }

static const Verb aVerb[] = {
  STATUS(MEMORY_USED),           STATUS(PAGECACHE_USED),
  STATUS(PAGECACHE_OVERFLOW),    STATUS(SCRATCH_USED),
  STATUS(SCRATCH_OVERFLOW),      STATUS(MALLOC_SIZE),
  STATUS(PARSER_STACK),          STATUS(PAGECACHE_SIZE),
  STATUS(SCRATCH_SIZE),          STATUS(MALLOC_COUNT),
  DBSTATUS(LOOKASIDE_USED),      DBSTATUS(CACHE_USED),
  DBSTATUS(SCHEMA_USED),         DBSTATUS(STMT_USED),
  DBSTATUS(LOOKASIDE_HIT),       DBSTATUS(LOOKASIDE_MISS_SIZE),
  DBSTATUS(LOOKASIDE_MISS_FULL), DBSTATUS(CACHE_HIT),
  DBSTATUS(CACHE_MISS),          DBSTATUS(CACHE_WRITE),
  DBSTATUS(DEFERRED_FKS),        DBSTATUS(CACHE_USED_SHARED),
  DBSTATUS(CACHE_SPILL),
};

#define N_VERB         ((int)(sizeof(aVerb) / sizeof(aVerb[0])))
#define MAX_ROW        64
#define MAX_VALUE_TEXT 32

/* Print "error: MSG" and exit 1. */
static void statusDie(const char *zMsg, sqlite3 *db) {
  printf("error: %s%s%s\n", zMsg, db ? ": " : "", db ? sqlite3_errmsg(db) : "");
  exit(1);
}

/* Open an in-memory database with frugal on it. */
static sqlite3 *statusOpen(void) {
  sqlite3 *db = 0;
  char *zErr = 0;
  if( sqlite3_open(":memory:", &db) != SQLITE_OK ) statusDie("open", db);
  if( sqlite3_frugal_init(db, &zErr, 0) != SQLITE_OK ) statusDie(zErr, 0);
  return db;
}

/* Print one row, values separated by "|", NULL as empty. */
static int statusPrintRow(void *pArg, int nCol, char **azVal, char **azCol) {
  int i;
  (void)pArg;
  (void)azCol;
  for( i = 0; i < nCol; i++ ) {
    printf("%s%s", i ? "|" : "", azVal[i] ? azVal[i] : "");
  }
  printf("\n");
  return 0;
}

/* Column i of pStmt as text, NULL as empty, into z. */
static void statusColumn(sqlite3_stmt *pStmt, int i, char *z) {
  const char *zVal = (const char *)sqlite3_column_text(pStmt, i);
  snprintf(z, MAX_VALUE_TEXT, "%s", zVal ? zVal : "");
}

/* Case direct. */
static void statusDirect(void) {
  sqlite3 *db = statusOpen();
  sqlite3_stmt *pStmt = 0;
  static char azRow[MAX_ROW][3][MAX_VALUE_TEXT];
  int nRow = 0, i, j, rc;
  rc = sqlite3_exec(db,
                    "CREATE TABLE t(x);"
                    "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1"
                    " FROM s WHERE i < 1000)"
                    " INSERT INTO t SELECT randomblob(100) FROM s;"
                    "SELECT count(*) FROM t",
                    0, 0, 0);
  if( rc != SQLITE_OK ) statusDie("workload", db);
  if( sqlite3_prepare_v2(db, "SELECT name, value, highwater FROM memstat", -1,
                         &pStmt, 0)
      != SQLITE_OK ) {
    statusDie("prepare", db);
  }
  while( (rc = sqlite3_step(pStmt)) == SQLITE_ROW && nRow < MAX_ROW ) {
    for( j = 0; j < 3; j++ ) statusColumn(pStmt, j, azRow[nRow][j]);
    nRow++;
  }
  if( rc != SQLITE_DONE ) statusDie("step", db);
  for( i = 0; i < nRow; i++ ) {
    for( j = 0; j < N_VERB; j++ ) {
      sqlite3_int64 iCur = 0, iHw = 0;
      if( strcmp(aVerb[j].zName, azRow[i][0]) != 0 ) continue;
      if( aVerb[j].bDb ) {
        int iCur32 = 0, iHw32 = 0;
        sqlite3_db_status(db, aVerb[j].iOp, &iCur32, &iHw32, 0);
        iCur = iCur32;
        iHw = iHw32;
      } else {
        sqlite3_status64(aVerb[j].iOp, &iCur, &iHw, 0);
      }
      printf("%s|%s|%s|%lld|%lld\n", azRow[i][0], azRow[i][1], azRow[i][2],
             iCur, iHw);
    }
  }
  sqlite3_finalize(pStmt);
  if( sqlite3_close(db) != SQLITE_OK ) statusDie("close", 0);
}

/* Case nostatus. */
static void statusOff(const char *zSql) {
  sqlite3 *db;
  char *zErr = 0;
  if( sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK ) {
    statusDie("SQLITE_CONFIG_MEMSTATUS", 0);
  }
  sqlite3_initialize();
  db = statusOpen();
  if( sqlite3_exec(db, zSql, statusPrintRow, 0, &zErr) != SQLITE_OK ) {
    printf("error: %s\n", zErr ? zErr : sqlite3_errmsg(db));
    sqlite3_free(zErr);
    sqlite3_close(db);
    exit(1);
  }
  if( sqlite3_close(db) != SQLITE_OK ) statusDie("close", 0);
}

/* Bytes the statement of case threads allocates and frees. */
#define THREADS_BIG (20 * 1000 * 1000)

/* The lock step of case threads. */
static pthread_mutex_t threadsMutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t threadsCond = PTHREAD_COND_INITIALIZER;
static int threadsStage = 0; /* 1: peak made, B may go; 2: B has reset */

/* Wait until threadsStage is at least iStage. */
static void threadsWait(int iStage) {
  pthread_mutex_lock(&threadsMutex);
  while( threadsStage < iStage ) {
    pthread_cond_wait(&threadsCond, &threadsMutex);
  }
  pthread_mutex_unlock(&threadsMutex);
}

/* Set threadsStage to iStage. */
static void threadsGo(int iStage) {
  pthread_mutex_lock(&threadsMutex);
  threadsStage = iStage;
  pthread_cond_broadcast(&threadsCond);
  pthread_mutex_unlock(&threadsMutex);
}

/*
** peak_then_wait(): allocate and free THREADS_BIG bytes, then let thread
** B run its memprof and wait until it has.
*/
static void threadsPeakFunc(sqlite3_context *ctx, int argc,
                            sqlite3_value **argv) {
  char *p = sqlite3_malloc(THREADS_BIG);
  (void)argc;
  (void)argv;
  if( p == 0 ) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  memset(p, 1, THREADS_BIG);
  sqlite3_free(p);
  threadsGo(1);
  threadsWait(2);
  sqlite3_result_int(ctx, 1);
}

/* Thread B: once A has made its peak, run a memprof, which resets. */
static void *threadsB(void *pArg) {
  sqlite3 *db = statusOpen();
  (void)pArg;
  threadsWait(1);
  if( sqlite3_exec(db, "SELECT * FROM memprof('SELECT 1')", 0, 0, 0)
      != SQLITE_OK ) {
    statusDie("thread B", db);
  }
  sqlite3_close(db);
  threadsGo(2);
  return 0;
}

/*
** Case threads.  Thread A profiles one statement that makes a peak of
** THREADS_BIG bytes and frees them, then waits while thread B profiles a
** statement of its own, which resets the process's high-water mark.  A's
** peak_over must still cover its 20 MB.
*/
static void statusThreads(void) {
  sqlite3 *db = statusOpen();
  sqlite3_stmt *pStmt = 0;
  pthread_t b;
  if( pthread_create(&b, 0, threadsB, 0) != 0 ) statusDie("pthread", 0);
  sqlite3_create_function(db, "peak_then_wait", 0, SQLITE_UTF8, 0,
                          threadsPeakFunc, 0, 0);
  if( sqlite3_prepare_v2(db,
                         "SELECT peak_over, mem_peak - mem_after FROM"
                         " memprof('SELECT peak_then_wait()')",
                         -1, &pStmt, 0)
          != SQLITE_OK
      || sqlite3_step(pStmt) != SQLITE_ROW ) {
    statusDie("thread A", db);
  }
  printf("peak_over >= 20 MB: %d\n",
         sqlite3_column_int64(pStmt, 0) >= THREADS_BIG);
  printf("mem_peak - mem_after >= 20 MB: %d\n",
         sqlite3_column_int64(pStmt, 1) >= THREADS_BIG);
  sqlite3_finalize(pStmt);
  pthread_join(b, 0);
  if( sqlite3_close(db) != SQLITE_OK ) statusDie("close", 0);
}

/* The hard heap limit of case heap: this much above the memory in use. */
#define HEAP_HEADROOM (4 * 1000 * 1000)

/* Case heap. */
static void statusHeap(int nSql, char **azSql) {
  sqlite3 *db = statusOpen();
  int i;
  sqlite3_hard_heap_limit64(sqlite3_memory_used() + HEAP_HEADROOM);
  for( i = 0; i < nSql; i++ ) {
    if( sqlite3_exec(db, azSql[i], statusPrintRow, 0, 0) != SQLITE_OK ) {
      printf("error %d: %s\n", sqlite3_extended_errcode(db),
             sqlite3_errmsg(db));
    }
  }
  sqlite3_hard_heap_limit64(0);
  if( sqlite3_close(db) != SQLITE_OK ) statusDie("close", 0);
}

/* Case readonly. */
static void statusReadonly(const char *zSql) {
  sqlite3 *db = statusOpen();
  sqlite3_stmt *pStmt = 0;
  if( sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) != SQLITE_OK ) {
    statusDie("prepare", db);
  }
  printf("%d\n", sqlite3_stmt_readonly(pStmt));
  sqlite3_finalize(pStmt);
  if( sqlite3_close(db) != SQLITE_OK ) statusDie("close", 0);
}

int main(int argc, char **argv) {
  if( argc == 2 && strcmp(argv[1], "direct") == 0 ) {
    statusDirect();
  } else if( argc == 3 && strcmp(argv[1], "nostatus") == 0 ) {
    statusOff(argv[2]);
  } else if( argc == 2 && strcmp(argv[1], "threads") == 0 ) {
    statusThreads();
  } else if( argc >= 3 && strcmp(argv[1], "heap") == 0 ) {
    statusHeap(argc - 2, &argv[2]);
  } else if( argc == 3 && strcmp(argv[1], "readonly") == 0 ) {
    statusReadonly(argv[2]);
  } else {
    fprintf(stderr,
            "usage: %s direct | nostatus SQL | threads | heap SQL... |"
            " readonly SQL\n",
            argv[0]);
    return 1;
  }
  return 0;
}
