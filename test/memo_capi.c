/*
** memo_capi.c - test driver for frugal_memoize_function() and for what only
** C can see of memoize(): sqlite3_close() return codes, destructors, and
** the bytes SQLite's allocator hands out.
**
**   memo_capi CASE [ARGS...]
**
** Each case prints what it observes, one fact per line, as "what: value";
** test/memo.test holds the expected lines.  A case that cannot run prints
** "error: ..." and exits 1.  The cases:
**
**   msize N...   sqlite3_msize() of an allocation of N bytes, for each N
**   basic        hits, misses and user data of a C function
**   types        every type of argument and result, on a miss and on a hit
**   errors       errors of xFunc pass through and are not cached
**   convert      xFunc converting its TEXT argument to a number in place
**   subtype      SQLITE_SUBTYPE: subtypes in the key; memoize() refuses
**   variadic     nArg -1: the argument count is part of the key
**   destroy      xDestroy once, at close; sqlite3_close() returns SQLITE_OK
**   misuse       bad arguments: SQLITE_MISUSE and xDestroy once
**   fail         a registration SQLite refuses: its code, xDestroy once
**   replace      registering zName again replaces the cache
**   slots        the trampoline pool: SQLITE_FULL when exhausted
**   sqlclose     memoize(): misses, errors, recursion, then sqlite3_close()
**   remove       deleting f_memo with sqlite3_create_function() frees it
**   honest       memo_stats.bytes against sqlite3_memory_used()
**   pointer      sqlite3_result_pointer() results are returned, not cached
**   pool         many connections memoize one function: one slot for all
**   deleted      memoize(): f deleted or changed after f_memo was made
**   bigkey       a key larger than max_bytes is neither copied nor expanded
**   again        registering the same function again replaces its cache
**   threads      registrations on one thread, scans and calls on another
**   anchor       the collation that frees the caches, used and replaced
**   encodings    memoize() of f registered for UTF-8 and UTF-16 alike
**   kept         the statements memoize()'s wrappers keep, and what ends them
**   rules        what SQLite lets an application change while statements run
**   poolapp      many connections memoize one function, each with its pApp
**   release      frugal_release() counts and frees an orphaned cache
**   nolock       hits while another thread holds frugal's global mutex
**   nomem        the Nth allocation of a registration fails, N = 1, 2, ...
*/
#include "frugal.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* frugal's process-wide mutex (ext/frugal_int.h), for case nolock. */
sqlite3_mutex *frugalGlobalMutex(void);

/* The application data of the test functions. */
typedef struct App App;
struct App {
  int nCall;    /* Calls of xFunc */
  int nDestroy; /* Calls of xDestroy */
};

/* The number of functions the trampoline pool holds (MEMO_N_SLOT). */
#define CAPI_N_SLOT 64

/* Print "error: MSG" and exit 1. */
static void capiDie(const char *zMsg, sqlite3 *db) {
  printf("error: %s%s%s\n", zMsg, db ? ": " : "", db ? sqlite3_errmsg(db) : "");
  exit(1);
}

/* Open an in-memory database with frugal registered on it. */
static sqlite3 *capiOpen(void) {
  sqlite3 *db = 0;
  char *zErr = 0;
  if( sqlite3_open(":memory:", &db) != SQLITE_OK ) capiDie("open", db);
  if( sqlite3_frugal_init(db, &zErr, 0) != SQLITE_OK ) capiDie(zErr, 0);
  return db;
}

/* Close db and print what sqlite3_close() returned. */
static void capiClose(sqlite3 *db) {
  printf("close: %d\n", sqlite3_close(db));
}

/*
** Run zSql and print its rows as "LABEL: v1|v2|...", NULL as "NULL", or
** "LABEL: error CODE MESSAGE" (CODE the extended error code).
*/
static void capiQuery(sqlite3 *db, const char *zLabel, const char *zSql) {
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  if( rc == SQLITE_OK ) rc = sqlite3_step(pStmt);
  for( ; rc == SQLITE_ROW; rc = sqlite3_step(pStmt) ) {
    int i;
    printf("%s: ", zLabel);
    for( i = 0; i < sqlite3_column_count(pStmt); i++ ) {
      const char *z = (const char *)sqlite3_column_text(pStmt, i);
      printf("%s%s", i ? "|" : "", z ? z : "NULL");
    }
    printf("\n");
  }
  if( rc != SQLITE_DONE ) {
    printf("%s: error %d %s\n", zLabel, sqlite3_extended_errcode(db),
           sqlite3_errmsg(db));
  }
  sqlite3_finalize(pStmt);
}

/* xDestroy of the test functions: count. */
static void capiDestroy(void *pArg) {
  ((App *)pArg)->nDestroy++;
}

/*
** The test function: checks that sqlite3_user_data() is its App, counts
** the call and returns its first argument as it came, or NULL without
** arguments.
*/
static void capiEcho(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  App *pApp = (App *)sqlite3_user_data(ctx);
  if( pApp == 0 || pApp->nDestroy != 0 ) {
    sqlite3_result_error(ctx, "capiEcho: wrong user data", -1);
    return;
  }
  pApp->nCall++;
  if( argc > 0 ) sqlite3_result_value(ctx, argv[0]);
}

/* Register capiEcho as zName with an App, bounds mxEntry, mxByte. */
static int capiMemoize(sqlite3 *db, const char *zName, int nArg, App *pApp,
                       sqlite3_int64 mxEntry, sqlite3_int64 mxByte) {
  return frugal_memoize_function(db, zName, nArg, SQLITE_UTF8, pApp, capiEcho,
                                 capiDestroy, mxEntry, mxByte);
}

/* Case basic. */
static void capiBasic(void) {
  sqlite3 *db = capiOpen();
  App app = { 0, 0 };
  printf("rc: %d\n", capiMemoize(db, "echo", 1, &app, -1, -1));
  capiQuery(db, "calls", "SELECT echo(1), echo(1), echo(2), echo(1)");
  printf("xFunc: %d\n", app.nCall);
  capiQuery(db, "stats", "SELECT * FROM memo_stats");
  capiQuery(db, "flags",
            "SELECT narg, flags FROM pragma_function_list WHERE name='echo'");
  capiClose(db);
  printf("xDestroy: %d\n", app.nDestroy);
}

/* Case types: each value twice, the second time from the cache. */
static void capiTypes(void) {
  sqlite3 *db = capiOpen();
  App app = { 0, 0 };
  const char *zSql =
      "WITH v(x) AS (VALUES (NULL), (0), (-1), (1.5), (-0.0), (''), ('a'),"
      " ('a'||char(0)||'b'), (x''), (x'00ff'), (zeroblob(3)),"
      " (9223372036854775807), (1), (1.0), ('1'), (x'31'))"
      " SELECT typeof(echo(x)) = typeof(x), hex(echo(x)) = hex(x),"
      " typeof(echo(x)) = typeof(x), hex(echo(x)) = hex(x) FROM v";
  capiMemoize(db, "echo", 1, &app, -1, -1);
  capiQuery(db, "row", zSql);
  printf("xFunc: %d\n", app.nCall);
  capiClose(db);
}

/* An xFunc that fails for negative integers, with code and message. */
static void capiFail(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  App *pApp = (App *)sqlite3_user_data(ctx);
  sqlite3_int64 v = sqlite3_value_int64(argv[0]);
  (void)argc;
  pApp->nCall++;
  if( v == -1 ) {
    sqlite3_result_error(ctx, "fail: negative", -1);
    sqlite3_result_error_code(ctx, SQLITE_CONSTRAINT_CHECK);
  } else if( v == -2 ) {
    sqlite3_result_error_nomem(ctx);
  } else if( v == -3 ) {
    sqlite3_result_error_toobig(ctx);
  } else {
    sqlite3_result_int64(ctx, v);
  }
}

/* Case errors. */
static void capiErrors(void) {
  sqlite3 *db = capiOpen();
  App app = { 0, 0 };
  frugal_memoize_function(db, "fail", 1, SQLITE_UTF8, &app, capiFail,
                          capiDestroy, -1, -1);
  capiQuery(db, "neg", "SELECT fail(-1)");
  capiQuery(db, "neg", "SELECT fail(-1)");
  capiQuery(db, "nomem", "SELECT fail(-2)");
  capiQuery(db, "toobig", "SELECT fail(-3)");
  capiQuery(db, "ok", "SELECT fail(5), fail(5)");
  printf("xFunc: %d\n", app.nCall);
  capiQuery(db, "stats", "SELECT hits, misses, entries FROM memo_stats");
  capiClose(db);
}

/* An xFunc that makes its TEXT argument a number in place. */
static void capiConvert(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  App *pApp = (App *)sqlite3_user_data(ctx);
  (void)argc;
  pApp->nCall++;
  sqlite3_result_int(ctx, sqlite3_value_numeric_type(argv[0]));
}

/* Case convert: the entry is filed under the argument as it came. */
static void capiConvertCase(void) {
  sqlite3 *db = capiOpen();
  App app = { 0, 0 };
  frugal_memoize_function(db, "conv", 1, SQLITE_UTF8, &app, capiConvert,
                          capiDestroy, -1, -1);
  capiQuery(db, "conv", "SELECT conv('12'), conv('12'), conv(12)");
  printf("xFunc: %d\n", app.nCall);
  capiClose(db);
}

/* An xFunc that returns the subtype of its argument. */
static void capiSubtype(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  App *pApp = (App *)sqlite3_user_data(ctx);
  (void)argc;
  pApp->nCall++;
  sqlite3_result_int(ctx, (int)sqlite3_value_subtype(argv[0]));
}

/* Case subtype. */
static void capiSubtypeCase(void) {
  sqlite3 *db = capiOpen();
  App app = { 0, 0 };
  frugal_memoize_function(db, "sub", 1, SQLITE_UTF8 | SQLITE_SUBTYPE, &app,
                          capiSubtype, capiDestroy, -1, -1);
  capiQuery(
      db, "sub",
      "SELECT sub(json('[1]')), sub('[1]'), sub(json('[1]')), sub('[1]')");
  printf("xFunc: %d\n", app.nCall);
  sqlite3_create_function(db, "plain_sub", 1,
                          SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_SUBTYPE,
                          &app, capiSubtype, 0, 0);
  capiQuery(db, "memoize", "SELECT memoize('plain_sub')");
  capiClose(db);
}

/* Case variadic. */
static void capiVariadic(void) {
  sqlite3 *db = capiOpen();
  App app = { 0, 0 };
  capiMemoize(db, "echo", -1, &app, -1, -1);
  capiQuery(db, "calls",
            "SELECT echo(), echo(1), echo(1, 2), echo(1, 3), echo(1, 2),"
            " echo(), echo(1)");
  printf("xFunc: %d\n", app.nCall);
  capiClose(db);
}

/* Case destroy. */
static void capiDestroyCase(void) {
  sqlite3 *db = capiOpen();
  App app = { 0, 0 };
  capiMemoize(db, "echo", 1, &app, -1, -1);
  capiQuery(db, "calls", "SELECT echo('x'), echo('x')");
  printf("before close: %d\n", app.nDestroy);
  capiClose(db);
  printf("after close: %d\n", app.nDestroy);
}

/* Case misuse. */
static void capiMisuse(void) {
  sqlite3 *db = capiOpen();
  App app = { 0, 0 };
  printf("no db: %d\n", frugal_memoize_function(0, "echo", 1, SQLITE_UTF8, &app,
                                                capiEcho, capiDestroy, -1, -1));
  printf("no name: %d\n",
         frugal_memoize_function(db, 0, 1, SQLITE_UTF8, &app, capiEcho,
                                 capiDestroy, -1, -1));
  printf("no xFunc: %d\n",
         frugal_memoize_function(db, "echo", 1, SQLITE_UTF8, &app, 0,
                                 capiDestroy, -1, -1));
  printf("no xDestroy: %d\n",
         frugal_memoize_function(db, 0, 1, SQLITE_UTF8, &app, capiEcho, 0, -1,
                                 -1));
  printf("xDestroy: %d\n", app.nDestroy);
  capiQuery(db, "stats", "SELECT count(*) FROM memo_stats");
  capiClose(db);
}

/* Case fail: too many arguments, then a name that is too long. */
static void capiFailCase(void) {
  sqlite3 *db = capiOpen();
  App app = { 0, 0 };
  char zLong[300];
  memset(zLong, 'x', sizeof(zLong) - 1);
  zLong[sizeof(zLong) - 1] = 0;
  printf("nArg 1000: %d\n", capiMemoize(db, "echo", 1000, &app, -1, -1));
  printf("long name: %d\n", capiMemoize(db, zLong, 1, &app, -1, -1));
  printf("xDestroy: %d\n", app.nDestroy);
  capiQuery(db, "stats", "SELECT count(*) FROM memo_stats");
  capiClose(db);
}

/* Case replace. */
static void capiReplace(void) {
  sqlite3 *db = capiOpen();
  App app1 = { 0, 0 }, app2 = { 0, 0 };
  capiMemoize(db, "echo", 1, &app1, -1, -1);
  capiQuery(db, "first", "SELECT echo(1), echo(1)");
  printf("rc: %d\n", capiMemoize(db, "echo", 1, &app2, 5, 5000));
  printf("xDestroy: %d %d\n", app1.nDestroy, app2.nDestroy);
  capiQuery(db, "second", "SELECT echo(1), echo(1)");
  printf("xFunc: %d %d\n", app1.nCall, app2.nCall);
  capiQuery(db, "stats", "SELECT * FROM memo_stats");
  capiClose(db);
  printf("xDestroy: %d %d\n", app1.nDestroy, app2.nDestroy);
}

/* Case slots. */
static void capiSlots(void) {
  sqlite3 *db = capiOpen();
  App aApp[CAPI_N_SLOT + 1];
  char zName[32];
  int i, nOk = 0, rc;
  memset(aApp, 0, sizeof(aApp));
  for( i = 0; i < CAPI_N_SLOT; i++ ) {
    snprintf(zName, sizeof(zName), "f%d", i);
    nOk += capiMemoize(db, zName, 1, &aApp[i], -1, -1) == SQLITE_OK;
  }
  printf("registered: %d\n", nOk);
  rc = capiMemoize(db, "one_more", 1, &aApp[CAPI_N_SLOT], -1, -1);
  printf("one more: %d, xDestroy %d\n", rc, aApp[CAPI_N_SLOT].nDestroy);
  sqlite3_create_function(db, "f7", 1, SQLITE_UTF8, 0, 0, 0, 0);
  printf("f7 deleted: xDestroy %d\n", aApp[7].nDestroy);
  aApp[CAPI_N_SLOT].nDestroy = 0;
  rc = capiMemoize(db, "one_more", 1, &aApp[CAPI_N_SLOT], -1, -1);
  printf("one more: %d\n", rc);
  capiQuery(db, "calls", "SELECT f0(1), f63(2), one_more(3), one_more(3)");
  capiQuery(db, "stats", "SELECT count(*), sum(misses) FROM memo_stats");
  capiClose(db);
}

/*
** A deterministic function for memoize() that calls rec_memo() with one
** less through nested SQL: rec(n) = n + rec_memo(n-1), rec(0) = 0.
*/
static void capiRec(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  sqlite3_int64 n = sqlite3_value_int64(argv[0]);
  sqlite3_stmt *pStmt = 0;
  int rc;
  (void)argc;
  if( n <= 0 ) {
    sqlite3_result_int64(ctx, 0);
    return;
  }
  rc = sqlite3_prepare_v2(db, "SELECT ?1 + rec_memo(?1 - 1)", -1, &pStmt, 0);
  if( rc == SQLITE_OK ) rc = sqlite3_bind_int64(pStmt, 1, n);
  if( rc == SQLITE_OK ) rc = sqlite3_step(pStmt);
  if( rc == SQLITE_ROW ) {
    sqlite3_result_value(ctx, sqlite3_column_value(pStmt, 0));
  } else {
    sqlite3_result_error(ctx, sqlite3_errmsg(db), -1);
  }
  sqlite3_finalize(pStmt);
}

/* Case sqlclose. */
static void capiSqlClose(void) {
  sqlite3 *db = capiOpen();
  App app = { 0, 0 };
  sqlite3_create_function(db, "rec", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, 0,
                          capiRec, 0, 0);
  sqlite3_create_function(db, "fail", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                          &app, capiFail, 0, 0);
  capiQuery(db, "memoize",
            "SELECT memoize('abs'), memoize('rec'), memoize('fail')");
  capiQuery(db, "abs", "SELECT abs_memo(-1), abs_memo(-1), abs_memo(-2.5)");
  capiQuery(db, "overflow", "SELECT abs_memo(-9223372036854775808)");
  capiQuery(db, "rec", "SELECT rec_memo(100), rec_memo(100), rec_memo(50)");
  capiQuery(db, "fail", "SELECT fail_memo(-1)");
  capiQuery(db, "fail", "SELECT fail(-1)");
  capiQuery(db, "toobig", "SELECT fail_memo(-3)");
  capiQuery(db, "nomem", "SELECT fail_memo(-2)");
  capiQuery(db, "stats",
            "SELECT name, hits, misses, entries FROM memo_stats"
            " ORDER BY name");
  capiClose(db);
}

/* Case remove. */
static void capiRemove(void) {
  sqlite3 *db = capiOpen();
  capiQuery(db, "memoize", "SELECT memoize('abs')");
  capiQuery(db, "call", "SELECT abs_memo(-1)");
  printf("delete: %d\n",
         sqlite3_create_function(db, "abs_memo", 1, SQLITE_UTF8, 0, 0, 0, 0));
  capiQuery(db, "stats", "SELECT count(*) FROM memo_stats");
  capiQuery(db, "call", "SELECT abs_memo(-1)");
  capiQuery(db, "again", "SELECT memoize('abs')");
  capiQuery(db, "call", "SELECT abs_memo(-1)");
  capiQuery(db, "stats", "SELECT name, hits, misses FROM memo_stats");
  capiClose(db);
}

/* An xFunc returning a text of its argument's length in bytes. */
static void capiRepeat(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  int n = sqlite3_value_int(argv[0]);
  char *z = sqlite3_malloc(n + 1);
  (void)argc;
  if( z == 0 ) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  memset(z, 'r', (size_t)n);
  sqlite3_result_text(ctx, z, n, sqlite3_free);
}

/* The bytes column of memo_stats for zName. */
static sqlite3_int64 capiStatsBytes(sqlite3 *db) {
  sqlite3_stmt *pStmt = 0;
  sqlite3_int64 n = -1;
  sqlite3_prepare_v2(db, "SELECT bytes FROM memo_stats", -1, &pStmt, 0);
  if( sqlite3_step(pStmt) == SQLITE_ROW ) n = sqlite3_column_int64(pStmt, 0);
  sqlite3_finalize(pStmt);
  return n;
}

/* Run zSql with sqlite3_exec() or die. */
static void capiExec(sqlite3 *db, const char *zSql) {
  if( sqlite3_exec(db, zSql, 0, 0, 0) != SQLITE_OK ) capiDie(zSql, db);
}

/*
** Case honest: what memo_stats says the cache holds is what SQLite's
** allocator says it handed out, as the cache grows, is evicted from and
** is emptied.  The statements, and memo_stats, are used once before, so
** that what SQLite keeps after their first use is not counted.
*/
static void capiHonest(void) {
  static const char *azSql[] = {
    "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s"
    " WHERE i < 150) SELECT rep(i * 7 % 300) FROM s",
    "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s"
    " WHERE i < 400) SELECT rep(i * 13 % 1000) FROM s",
    "SELECT memo_clear()",
  };
  sqlite3 *db = capiOpen();
  sqlite3_int64 m0;
  int i;
  frugal_memoize_function(db, "rep", 1, SQLITE_UTF8, 0, capiRepeat, 0, 200,
                          60000);
  for( i = 0; i < 3; i++ ) capiExec(db, azSql[i]);
  printf("empty: %lld\n", capiStatsBytes(db));
  m0 = sqlite3_memory_used();
  capiExec(db, azSql[0]);
  printf("grow: %lld %lld\n", sqlite3_memory_used() - m0, capiStatsBytes(db));
  capiExec(db, azSql[1]);
  printf("evict: %lld %lld\n", sqlite3_memory_used() - m0, capiStatsBytes(db));
  capiQuery(db, "stats", "SELECT entries, evictions FROM memo_stats");
  capiExec(db, azSql[2]);
  printf("clear: %lld %lld\n", sqlite3_memory_used() - m0, capiStatsBytes(db));
  capiClose(db);
}

/* The pointer type capiPointer() hands out. */
#define CAPI_POINTER_TYPE "memo_capi-pointer"

/* An xFunc returning a pointer to its App, as sqlite3_result_pointer(). */
static void capiPointer(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  App *pApp = (App *)sqlite3_user_data(ctx);
  (void)argc;
  (void)argv;
  pApp->nCall++;
  sqlite3_result_pointer(ctx, pApp, CAPI_POINTER_TYPE, 0);
}

/* ptr_ok(x): 1 if x is the pointer capiPointer() hands out, else 0. */
static void capiPointerOk(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  (void)argc;
  sqlite3_result_int(ctx, sqlite3_value_pointer(argv[0], CAPI_POINTER_TYPE)
                              == sqlite3_user_data(ctx));
}

/* Case pointer. */
static void capiPointerCase(void) {
  sqlite3 *db = capiOpen();
  App app = { 0, 0 };
  frugal_memoize_function(db, "ptr", 1, SQLITE_UTF8, &app, capiPointer, 0, -1,
                          -1);
  sqlite3_create_function(db, "ptr_ok", 1, SQLITE_UTF8, &app, capiPointerOk, 0,
                          0);
  capiQuery(db, "ptr", "SELECT ptr_ok(ptr(1)), ptr_ok(ptr(1)), ptr_ok(NULL)");
  printf("xFunc: %d\n", app.nCall);
  capiQuery(db, "stats", "SELECT hits, misses, entries FROM memo_stats");
  capiClose(db);
}

/* Connections in case pool: more than there are trampoline slots. */
#define CAPI_N_POOL (CAPI_N_SLOT + 6)

/*
** Case pool: every connection of a pool memoizes the same function, which
** takes one trampoline slot; each has its own cache.  Once they are all
** closed, every slot is free again.
*/
static void capiPool(void) {
  sqlite3 *aDb[CAPI_N_POOL];
  App app = { 0, 0 }, aApp[CAPI_N_SLOT];
  char zName[32];
  int i, nOk = 0, nClose = 0;
  for( i = 0; i < CAPI_N_POOL; i++ ) {
    aDb[i] = capiOpen();
    nOk += capiMemoize(aDb[i], "echo", 1, &app, -1, -1) == SQLITE_OK;
  }
  printf("registered: %d\n", nOk);
  for( i = 0; i < CAPI_N_POOL; i++ ) {
    capiExec(aDb[i], i % 2 ? "SELECT echo(1), echo(1)" : "SELECT echo(2)");
  }
  printf("xFunc: %d\n", app.nCall);
  capiQuery(aDb[0], "stats 0", "SELECT name, hits, misses FROM memo_stats");
  capiQuery(aDb[1], "stats 1", "SELECT name, hits, misses FROM memo_stats");
  for( i = 0; i < CAPI_N_POOL; i++ ) {
    nClose += sqlite3_close(aDb[i]) == SQLITE_OK;
  }
  printf("closed: %d, xDestroy %d\n", nClose, app.nDestroy);
  aDb[0] = capiOpen();
  memset(aApp, 0, sizeof(aApp));
  for( i = nOk = 0; i < CAPI_N_SLOT; i++ ) {
    snprintf(zName, sizeof(zName), "f%d", i);
    nOk += capiMemoize(aDb[0], zName, 1, &aApp[i], -1, -1) == SQLITE_OK;
  }
  printf("then distinct: %d\n", nOk);
  capiClose(aDb[0]);
}

/* An aggregate's step and final: the number of rows. */
static void capiCountStep(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  sqlite3_int64 *pN = sqlite3_aggregate_context(ctx, sizeof(*pN));
  (void)argc;
  (void)argv;
  if( pN ) (*pN)++;
}
static void capiCountFinal(sqlite3_context *ctx) {
  sqlite3_int64 *pN = sqlite3_aggregate_context(ctx, 0);
  sqlite3_result_int64(ctx, pN ? *pN : 0);
}

/*
** Case deleted: f goes, or comes back stricter, after f_memo was made.  A
** registration added for another number of arguments reaches the wrapper
** once memo_clear() has dropped the statement it keeps.
*/
static void capiDeleted(void) {
  sqlite3 *db = capiOpen();
  App app = { 0, 0 };
  sqlite3_create_function(db, "f", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, &app,
                          capiEcho, 0, 0);
  capiQuery(db, "memoize", "SELECT memoize('f')");
  capiQuery(db, "call", "SELECT f_memo(1)");
  sqlite3_create_function(db, "f", 1, SQLITE_UTF8, 0, 0, 0, 0);
  capiQuery(db, "deleted", "SELECT f_memo(1), f_memo(2)");
  sqlite3_create_function(db, "f", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, &app,
                          capiEcho, 0, 0);
  capiQuery(db, "other arity", "SELECT f_memo(2)");
  sqlite3_create_function(
      db, "f", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, &app,
      capiEcho, 0, 0);
  capiQuery(db, "direct-only", "SELECT f_memo(2)");
  sqlite3_create_function(db, "f", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, &app,
                          capiEcho, 0, 0);
  capiQuery(db, "back", "SELECT f_memo(2)");
  /* A variadic g gains a direct-only aggregate for two arguments. */
  sqlite3_create_function(db, "g", -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, &app,
                          capiEcho, 0, 0);
  capiQuery(db, "memoize", "SELECT memoize('g')");
  capiQuery(db, "variadic", "SELECT g_memo(1, 2)");
  sqlite3_create_function(
      db, "g", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, 0, 0,
      capiCountStep, capiCountFinal);
  capiQuery(db, "aggregate, kept", "SELECT g_memo(3, 4)");
  capiExec(db, "SELECT memo_clear('g')");
  capiQuery(db, "aggregate", "SELECT g_memo(3, 4)");
  printf("xFunc: %d\n", app.nCall);
  capiClose(db);
}

/*
** Case bigkey: length_memo(zeroblob(N)), whose key cannot fit in max_bytes,
** against length(zeroblob(N)): what SQLite's allocator had to hand out at
** most, in MiB, and the result.
*/
static void capiBigKey(void) {
  static const char *azSql[] = {
    "SELECT length(zeroblob(100000000))",
    "SELECT length_memo(zeroblob(100000000))",
    "SELECT length_memo(printf('%.*c', 2000, 'x'))",
  };
  sqlite3 *db = capiOpen();
  int i;
  capiExec(db, "SELECT memoize('length', 100, 1000)");
  for( i = 0; i < 3; i++ ) {
    sqlite3_int64 m0 = sqlite3_memory_used();
    sqlite3_memory_highwater(1);
    capiQuery(db, "result", azSql[i]);
    printf("peak MiB: %lld\n",
           (long long)((sqlite3_memory_highwater(0) - m0) >> 20));
  }
  capiQuery(db, "stats", "SELECT hits, misses, entries FROM memo_stats");
  capiClose(db);
}

/* Case again: the same function, pApp and xDestroy, registered twice. */
static void capiAgain(void) {
  sqlite3 *db = capiOpen();
  App app = { 0, 0 };
  frugal_memoize_function(db, "fail", 1, SQLITE_UTF8, &app, capiFail,
                          capiDestroy, -1, -1);
  capiQuery(db, "first", "SELECT fail(1), fail(1)");
  printf("rc: %d\n", frugal_memoize_function(db, "FAIL", 1, SQLITE_UTF8, &app,
                                             capiFail, capiDestroy, 7, 7000));
  printf("xDestroy: %d\n", app.nDestroy);
  capiQuery(db, "second", "SELECT fail(1), fail(1)");
  capiQuery(db, "stats", "SELECT * FROM memo_stats");
  capiClose(db);
  printf("xFunc: %d, xDestroy: %d\n", app.nCall, app.nDestroy);
}

/* Rounds of each thread in case threads. */
#define CAPI_N_ROUND 300

/* Scans memo_stats and calls echo(), CAPI_N_ROUND times; counts errors. */
static void *capiScanThread(void *pArg) {
  sqlite3 *db = (sqlite3 *)pArg;
  intptr_t nErr = 0;
  int i;
  for( i = 0; i < CAPI_N_ROUND; i++ ) {
    sqlite3_stmt *pStmt = 0;
    int rc = sqlite3_prepare_v2(
        db, "SELECT count(*), sum(misses), echo(?1 % 7) FROM memo_stats", -1,
        &pStmt, 0);
    if( rc == SQLITE_OK ) rc = sqlite3_bind_int(pStmt, 1, i);
    while( rc == SQLITE_OK && (rc = sqlite3_step(pStmt)) == SQLITE_ROW ) {
      rc = SQLITE_OK;
    }
    if( rc != SQLITE_DONE ) nErr++;
    sqlite3_finalize(pStmt);
  }
  return (void *)nErr;
}

/*
** Case threads: one thread registers functions on a connection (new ones
** and replacements) while another scans memo_stats and calls a memoized
** function on it, in SQLite's serialized mode.  A registration may find a
** statement running (SQLITE_BUSY); nothing else may fail, and every
** registration calls xDestroy once in the end.
*/
static void capiThreads(void) {
  sqlite3 *db = capiOpen();
  App app = { 0, 0 }, echo = { 0, 0 };
  pthread_t thread;
  void *pErr = 0;
  char zName[32];
  int i, nOther = 0;
  if( sqlite3_threadsafe() != 1 )
    capiDie("SQLite is not in serialized mode", 0);
  capiMemoize(db, "echo", 1, &echo, -1, -1);
  if( pthread_create(&thread, 0, capiScanThread, db) ) capiDie("thread", 0);
  for( i = 0; i < CAPI_N_ROUND; i++ ) {
    int rc;
    snprintf(zName, sizeof(zName), "t%d", i % 20);
    rc = capiMemoize(db, zName, 1, &app, -1, -1);
    if( rc != SQLITE_OK && rc != SQLITE_BUSY ) nOther++;
  }
  pthread_join(thread, &pErr);
  printf("errors: %d %d\n", (int)(intptr_t)pErr, nOther);
  capiQuery(db, "stats", "SELECT count(*) FROM memo_stats");
  capiClose(db);
  printf("xDestroy: %d\n", app.nDestroy);
}

/*
** Case anchor: the collation frugal registers to free a connection's caches
** when it closes compares like BINARY; if the application replaces it, the
** caches go at once and the function is called uncached.
*/
static void capiAnchor(void) {
  sqlite3 *db = capiOpen();
  App app = { 0, 0 };
  capiMemoize(db, "echo", 1, &app, -1, -1);
  capiQuery(db, "collate",
            "SELECT 'ab' = 'ab' COLLATE frugal_memo_capi,"
            " 'a' < 'b' COLLATE frugal_memo_capi,"
            " 'ab' > 'a' COLLATE frugal_memo_capi,"
            " 'a' = 'A' COLLATE frugal_memo_capi");
  capiQuery(db, "calls", "SELECT echo(1), echo(1)");
  printf("replace: %d\n",
         sqlite3_create_collation(db, "frugal_memo_capi", SQLITE_UTF8, 0, 0));
  capiQuery(db, "stats", "SELECT count(*) FROM memo_stats");
  capiQuery(db, "calls", "SELECT echo(1), echo(1)");
  printf("xFunc: %d\n", app.nCall);
  capiClose(db);
  printf("xDestroy: %d\n", app.nDestroy);
}

/*
** Case encodings: f is registered for UTF-8 as innocuous and for UTF-16 as
** not; the wrapper is innocuous only if every registration at that arity
** is.
*/
static void capiEncodings(void) {
  sqlite3 *db = capiOpen();
  App app = { 0, 0 };
  sqlite3_create_function(db, "enc", 1,
                          SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                          &app, capiEcho, 0, 0);
  sqlite3_create_function(db, "enc", 1, SQLITE_UTF16 | SQLITE_DETERMINISTIC,
                          &app, capiEcho, 0, 0);
  capiQuery(db, "memoize", "SELECT memoize('enc')");
  capiQuery(db, "flags",
            "SELECT narg, flags FROM pragma_function_list"
            " WHERE name = 'enc_memo'");
  capiQuery(db, "call", "SELECT enc_memo('x'), enc_memo('x')");
  capiClose(db);
}

/*
** Case poolapp: like pool, but each connection gives the function its own
** pApp: still one slot for all, and each call and each destructor gets the
** pApp of its own connection's registration.
*/
static void capiPoolApp(void) {
  sqlite3 *aDb[CAPI_N_POOL];
  App aApp[CAPI_N_POOL];
  int i, nOk = 0, nOwn = 0, nClose = 0, nDestroy = 0;
  memset(aApp, 0, sizeof(aApp));
  for( i = 0; i < CAPI_N_POOL; i++ ) {
    aDb[i] = capiOpen();
    nOk += capiMemoize(aDb[i], "echo", 1, &aApp[i], -1, -1) == SQLITE_OK;
  }
  printf("registered: %d\n", nOk);
  /* Connection i calls echo() i % 3 + 1 times with one argument, so that
  ** each App can tell its own calls (misses: one) from the others'. */
  for( i = 0; i < CAPI_N_POOL; i++ ) {
    static const char *azSql[] = { "SELECT echo(7)", "SELECT echo(7), echo(7)",
                                   "SELECT echo(7), echo(7), echo(7)" };
    capiExec(aDb[i], azSql[i % 3]);
  }
  for( i = 0; i < CAPI_N_POOL; i++ ) nOwn += aApp[i].nCall == 1;
  printf("each its own xFunc once: %d\n", nOwn);
  capiQuery(aDb[2], "stats 2", "SELECT name, hits, misses FROM memo_stats");
  for( i = 0; i < CAPI_N_POOL; i++ ) {
    nClose += sqlite3_close(aDb[i]) == SQLITE_OK;
  }
  for( i = 0; i < CAPI_N_POOL; i++ ) nDestroy += aApp[i].nDestroy == 1;
  printf("closed: %d, each its own xDestroy once: %d\n", nClose, nDestroy);
}

/* The integer zSql returns, or -1. */
static sqlite3_int64 capiInt(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *pStmt = 0;
  sqlite3_int64 n = -1;
  sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  if( sqlite3_step(pStmt) == SQLITE_ROW ) n = sqlite3_column_int64(pStmt, 0);
  sqlite3_finalize(pStmt);
  return n;
}

/*
** Case release: frugal_release() counts the bytes of a cache whose
** function was deleted (an orphaned cache, not freed yet), and frees it.
** On an in-memory database sqlite3_db_release_memory() frees nothing, so
** what frugal_release() returns is what the caches held.
*/
static void capiRelease(void) {
  static const char *zMemoBytes =
      "SELECT value FROM memstat WHERE name = 'memo_bytes'";
  sqlite3 *db = capiOpen();
  App app = { 0, 0 }, app2 = { 0, 0 };
  sqlite3_int64 nEcho, nKeep, nRel;
  capiMemoize(db, "echo", 1, &app, -1, -1);
  capiMemoize(db, "keep", 1, &app2, -1, -1);
  capiExec(db, "SELECT echo(1), echo('two'), echo(x'03'), keep(4)");
  nEcho = capiInt(db, "SELECT bytes FROM memo_stats WHERE name = 'echo'");
  nKeep = capiInt(db, "SELECT bytes FROM memo_stats WHERE name = 'keep'");
  sqlite3_create_function(db, "echo", 1, SQLITE_UTF8, 0, 0, 0, 0);
  printf("deleted: xDestroy %d\n", app.nDestroy);
  printf("memo_bytes = echo + keep: %d\n",
         capiInt(db, zMemoBytes) == nEcho + nKeep);
  nRel = capiInt(db, "SELECT frugal_release()");
  printf("released = echo + keep: %d (echo %d)\n", nRel == nEcho + nKeep,
         nEcho > 0);
  printf("after: %lld %lld\n", capiInt(db, zMemoBytes),
         capiInt(db, "SELECT count(*) FROM memo_stats"));
  printf("again: %lld\n", capiInt(db, "SELECT frugal_release()"));
  capiClose(db);
}

/* Steps of case nolock, in order. */
#define NOLOCK_WARM 1 /* The worker made its first calls */
#define NOLOCK_HELD 2 /* The main thread holds frugal's mutex */
#define NOLOCK_HITS 3 /* The worker made its hits */

/* What the two threads of case nolock share. */
typedef struct NoLock NoLock;
struct NoLock {
  sqlite3 *db;         /* The connection the worker calls on */
  pthread_mutex_t mu;  /* Guards eStep */
  pthread_cond_t cond; /* Signalled when eStep changes */
  int eStep;           /* NOLOCK_*, the last step reached */
};

/* Record that step eStep was reached. */
static void nolockSet(NoLock *p, int eStep) {
  pthread_mutex_lock(&p->mu);
  p->eStep = eStep;
  pthread_cond_broadcast(&p->cond);
  pthread_mutex_unlock(&p->mu);
}

/* Wait at most nSec seconds for step eStep; true if it was reached. */
static int nolockWait(NoLock *p, int eStep, int nSec) {
  struct timespec ts;
  int bOk;
  timespec_get(&ts, TIME_UTC);
  ts.tv_sec += nSec;
  pthread_mutex_lock(&p->mu);
  while( p->eStep < eStep
         && pthread_cond_timedwait(&p->cond, &p->mu, &ts) == 0 ) {}
  bOk = p->eStep >= eStep;
  pthread_mutex_unlock(&p->mu);
  return bOk;
}

/* The worker of case nolock: misses, then hits once the mutex is held. */
static void *capiNoLockThread(void *pArg) {
  NoLock *p = (NoLock *)pArg;
  const char *zSql = "SELECT echo(1), abs_memo(-1)";
  capiExec(p->db, zSql);
  nolockSet(p, NOLOCK_WARM);
  if( nolockWait(p, NOLOCK_HELD, 60) ) {
    capiExec(p->db, zSql);
    nolockSet(p, NOLOCK_HITS);
  }
  return 0;
}

/*
** Case nolock: hits, of the C API and of memoize(), while another thread
** holds frugal's process-wide mutex.  They must not wait for it: the
** worker's hits must be done before the main thread lets the mutex go (it
** waits 10 seconds at most).  The worker's first calls, before, may take it.
*/
static void capiNoLock(void) {
  NoLock nl;
  App app = { 0, 0 };
  pthread_t thread;
  int bHits;
  memset(&nl, 0, sizeof(nl));
  pthread_mutex_init(&nl.mu, 0);
  pthread_cond_init(&nl.cond, 0);
  nl.db = capiOpen();
  capiMemoize(nl.db, "echo", 1, &app, -1, -1);
  capiExec(nl.db, "SELECT memoize('abs')");
  if( pthread_create(&thread, 0, capiNoLockThread, &nl) ) capiDie("thread", 0);
  if( !nolockWait(&nl, NOLOCK_WARM, 60) ) capiDie("worker", 0);
  sqlite3_mutex_enter(frugalGlobalMutex());
  nolockSet(&nl, NOLOCK_HELD);
  bHits = nolockWait(&nl, NOLOCK_HITS, 10);
  sqlite3_mutex_leave(frugalGlobalMutex());
  pthread_join(thread, 0);
  printf("hits while the mutex is held: %d\n", bHits);
  capiQuery(nl.db, "stats",
            "SELECT name, hits, misses FROM memo_stats"
            " ORDER BY name");
  capiClose(nl.db);
  pthread_cond_destroy(&nl.cond);
  pthread_mutex_destroy(&nl.mu);
}

/* The number of statements of db that are not finalized. */
static int capiStmtCount(sqlite3 *db) {
  sqlite3_stmt *pStmt = 0;
  int n = 0;
  while( (pStmt = sqlite3_next_stmt(db, pStmt)) != 0 ) n++;
  return n;
}

/* xDestroy that counts, for a function that tells when db is gone. */
static void capiCountDestroy(void *pArg) {
  (*(int *)pArg)++;
}

/*
** Case kept: the statements that memoize()'s wrappers keep between misses
** (one per number of arguments, at most 4 a wrapper), what finalizes
** them (memo_clear(), the modules being dropped, sqlite3_close() and
** sqlite3_close_v2()), and misses without them when memo_stats is hidden.
*/
static void capiKept(void) {
  sqlite3 *db = capiOpen();
  int nGone = 0, rc;
  capiExec(db, "SELECT memoize('abs'), memoize('printf')");
  capiExec(db, "SELECT abs_memo(-1), abs_memo(-2), abs_memo(-3)");
  printf("abs: %d\n", capiStmtCount(db));
  capiExec(db, "SELECT printf_memo('a'), printf_memo('%d', 1),"
               " printf_memo('%d%d', 1, 2), printf_memo('%d%d%d', 1, 2, 3),"
               " printf_memo('%d%d%d%d', 1, 2, 3, 4)");
  printf("printf: %d\n", capiStmtCount(db));
  capiExec(db, "SELECT memo_clear('printf')");
  printf("memo_clear: %d\n", capiStmtCount(db));
  rc = sqlite3_drop_modules(db, 0);
  printf("modules dropped: %d %d\n", rc, capiStmtCount(db));
  capiQuery(db, "miss", "SELECT abs_memo(-4), abs_memo(-4)");
  printf("then: %d\n", capiStmtCount(db));
  capiClose(db);

  db = capiOpen();
  capiExec(db, "CREATE TEMP TABLE memo_stats(x); SELECT memoize('abs')");
  capiQuery(db, "hidden", "SELECT abs_memo(-5), abs_memo(-6), abs_memo(-5)");
  printf("hidden: %d\n", capiStmtCount(db));
  capiClose(db);

  db = capiOpen();
  sqlite3_create_function_v2(db, "gone", 0, SQLITE_UTF8, &nGone, capiEcho, 0, 0,
                             capiCountDestroy);
  capiExec(db, "SELECT memoize('abs'); SELECT abs_memo(-7)");
  rc = capiStmtCount(db);
  printf("close_v2: %d %d\n", rc, sqlite3_close_v2(db));
  printf("closed: %d\n", nGone);
}

/* Case rules: what SQLite lets an application do to f while a statement
** runs, which the statements of memoize()'s wrappers rest on. */
static void capiRules(void) {
  sqlite3 *db = capiOpen();
  sqlite3_stmt *pStmt = 0;
  App app = { 0, 0 };
  int rc;
  sqlite3_create_function(db, "f", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, &app,
                          capiEcho, 0, 0);
  rc = sqlite3_prepare_v2(db, "SELECT 1 UNION ALL SELECT 2", -1, &pStmt, 0);
  if( rc == SQLITE_OK ) rc = sqlite3_step(pStmt);
  if( rc != SQLITE_ROW ) capiDie("rules", db);
  printf("replace: %d\n",
         sqlite3_create_function(db, "f", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                 &app, capiEcho, 0, 0));
  printf("delete: %d\n",
         sqlite3_create_function(db, "f", 1, SQLITE_UTF8, 0, 0, 0, 0));
  printf("another encoding: %d\n",
         sqlite3_create_function(db, "f", 1, SQLITE_UTF16LE | SQLITE_DIRECTONLY,
                                 &app, capiEcho, 0, 0));
  printf("another arity: %d\n",
         sqlite3_create_function(db, "f", -1, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                 &app, capiEcho, 0, 0));
  printf(
      "a built-in's arity: %d\n",
      sqlite3_create_function(db, "abs", 1, SQLITE_UTF8, &app, capiEcho, 0, 0));
  printf("a built-in, another encoding: %d\n",
         sqlite3_create_function(db, "abs", 1, SQLITE_UTF16LE, &app, capiEcho,
                                 0, 0));
  sqlite3_finalize(pStmt);
  capiClose(db);
}

/* The allocator of case nomem: SQLite's own, with the Nth call failing. */
static sqlite3_mem_methods capiMemDefault;
static int capiMemCountdown = -1; /* Fail when it reaches 0; <0: never */
#define CAPI_NOMEM_MAX 1000       /* Allocations a registration may make */

/* True if this allocation must fail. */
static int capiMemFail(void) {
  if( capiMemCountdown < 0 ) return 0;
  return capiMemCountdown-- == 0;
}
static void *capiMemMalloc(int n) {
  return capiMemFail() ? 0 : capiMemDefault.xMalloc(n);
}
static void *capiMemRealloc(void *p, int n) {
  return capiMemFail() ? 0 : capiMemDefault.xRealloc(p, n);
}

/*
** Register echo on a new connection frugal was never loaded into, with the
** Nth allocation of frugal_memoize_function() failing, for N = 1, 2, ...
** until one succeeds.  Each failure must return SQLITE_NOMEM, call xDestroy
** once and leave a connection that closes; then echo must work.  Prints
** "LABEL: R refused, W wrong" (R the failures, W those that went wrong)
** and what the call of echo returns.
*/
static void capiNoMemPass(const char *zLabel) {
  int n, nRefused = 0, nWrong = 0;
  for( n = 0;; n++ ) {
    sqlite3 *db = 0;
    App app = { 0, 0 };
    int rc;
    if( n == CAPI_NOMEM_MAX ) capiDie("no registration succeeded", 0);
    if( sqlite3_open(":memory:", &db) != SQLITE_OK ) capiDie("open", db);
    capiMemCountdown = n;
    rc = capiMemoize(db, "echo", 1, &app, -1, -1);
    capiMemCountdown = -1;
    if( rc == SQLITE_OK ) {
      printf("%s: %s refused, %d wrong\n", zLabel, nRefused ? "some" : "none",
             nWrong);
      capiQuery(db, "call", "SELECT echo(7), echo(7)");
      printf("xFunc: %d\n", app.nCall);
      capiClose(db);
      return;
    }
    if( rc == SQLITE_NOMEM && app.nDestroy == 1 ) {
      nRefused++;
    } else {
      printf("allocation %d: rc %d, xDestroy %d\n", n + 1, rc, app.nDestroy);
      nWrong++;
    }
    if( sqlite3_close(db) != SQLITE_OK ) capiDie("close", db);
  }
}

/*
** Case nomem: capiNoMemPass() twice, with an allocator that fails on
** demand.  The first call of the process also makes frugal's mutex and
** probes the context layout; the second pass reaches the allocations of
** the registration itself.
*/
static void capiNoMem(void) {
  sqlite3_mem_methods m;
  sqlite3_config(SQLITE_CONFIG_GETMALLOC, &capiMemDefault);
  m = capiMemDefault;
  m.xMalloc = capiMemMalloc;
  m.xRealloc = capiMemRealloc;
  sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
  capiNoMemPass("first");
  capiNoMemPass("again");
}

/* Case msize. */
static void capiMsize(int argc, char **argv) {
  int i;
  for( i = 2; i < argc; i++ ) {
    void *p = sqlite3_malloc(atoi(argv[i]));
    printf("%s%lld", i > 2 ? " " : "", (long long)sqlite3_msize(p));
    sqlite3_free(p);
  }
  printf("\n");
}

int main(int argc, char **argv) {
  static const struct {
    const char *zName;
    void (*xCase)(void);
  } aCase[] = {
    { "basic", capiBasic },         { "types", capiTypes },
    { "errors", capiErrors },       { "convert", capiConvertCase },
    { "subtype", capiSubtypeCase }, { "variadic", capiVariadic },
    { "destroy", capiDestroyCase }, { "misuse", capiMisuse },
    { "fail", capiFailCase },       { "replace", capiReplace },
    { "slots", capiSlots },         { "sqlclose", capiSqlClose },
    { "remove", capiRemove },       { "honest", capiHonest },
    { "pointer", capiPointerCase }, { "pool", capiPool },
    { "deleted", capiDeleted },     { "bigkey", capiBigKey },
    { "again", capiAgain },         { "threads", capiThreads },
    { "anchor", capiAnchor },       { "encodings", capiEncodings },
    { "kept", capiKept },           { "rules", capiRules },
    { "poolapp", capiPoolApp },     { "release", capiRelease },
    { "nolock", capiNoLock },       { "nomem", capiNoMem },
  };
  size_t i;
  if( argc >= 2 && strcmp(argv[1], "msize") == 0 ) {
    capiMsize(argc, argv);
    return 0;
  }
  for( i = 0; argc == 2 && i < sizeof(aCase) / sizeof(aCase[0]); i++ ) {
    if( strcmp(argv[1], aCase[i].zName) == 0 ) {
      aCase[i].xCase();
      return 0;
    }
  }
  fprintf(stderr, "usage: %s CASE | msize N...\n", argv[0]);
  return 1;
}
