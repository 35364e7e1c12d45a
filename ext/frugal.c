/*
** frugal.c - the entry point of the frugal SQLite extension.
**
** frugal works with data bigger than memory, from SQL:
**
**   SELECT count(*) FROM read_lines('logs/2026-*.gz') WHERE line LIKE '%ERROR%';
**   SELECT bitmap_agg(id) FILTER (WHERE active) FROM users;
**   SELECT memoize('slow_lookup', 10000);
**   SELECT * FROM memprof(readfile('nightly.sql'));
**
** Load it with ".load ./dist/frugal" in the sqlite3 shell or with
** load_extension() from any host; or link dist/libfrugal.a and call
** sqlite3_frugal_init() yourself (see frugal.h).
**
** HOW IT WORKS
**
** This file only registers.  Each capability lives in its own file and
** exposes one function, frugal_<area>_register(), listed in the table
** aCapability[] below; the entry point walks that table.  A capability
** lists its SQL functions in an array of FrugalFunc and registers them with
** frugalRegisterFuncs(), so adding a function is one line.
**
** What frugal keeps for a connection lives in a FrugalDb, found through a
** small registry keyed by the connection (see frugalDbAcquire()).  Loading
** frugal twice on one connection finds the same FrugalDb, so memoized
** functions and counters are not lost; closing the connection releases it.
*/
#include "frugal_int.h"

#include <stdatomic.h>
#include <string.h>

SQLITE_EXTENSION_INIT1

/************************************************************************
** Process-wide state.
**
** frugal keeps little that is not per connection: the registry of
** connections below, a note that standard input has been read to its end
** (ext/source.c), and the trampolines of the C memoization API
** (ext/memo.c).  All of it is guarded by one mutex of frugal's own, made on
** first use under SQLite's STATIC_MAIN mutex and kept until the library is
** unloaded; after that, finding it is one atomic load.  (The static mutexes SQLite sets aside for applications,
** SQLITE_MUTEX_STATIC_APP1..3, belong to the host program, which may hold
** one while it opens or closes a connection.)  frugal never calls back into
** SQLite with it held, except to allocate memory.
*/
static _Atomic(sqlite3_mutex *) frugalMutex; /* Zero: not made yet */
static FrugalDb *frugalDbList = 0;

/*
** Free the mutex when the library is unloaded.  SQLite unloads a loadable
** extension (dlclose) when the last connection that loaded it closes; no
** frugal code can be running then.  Statically linked, this runs at exit.
*/
__attribute__((destructor)) static void frugalUnload(void) {
  sqlite3_mutex *p = atomic_exchange(&frugalMutex, 0);
  if( p ) sqlite3_mutex_free(p);
}

/*
** The mutex that guards frugal's process-wide state, or NULL if it could
** not be made (out of memory) or SQLite is built without mutexes.
*/
sqlite3_mutex *frugalGlobalMutex(void) {
  sqlite3_mutex *pMain;
  sqlite3_mutex *p = atomic_load_explicit(&frugalMutex, memory_order_acquire);
  if( p ) return p;
  /* The first call makes it, under STATIC_MAIN so that only one does. */
  pMain = sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_MAIN);
  sqlite3_mutex_enter(pMain);
  p = atomic_load_explicit(&frugalMutex, memory_order_relaxed);
  if( p == 0 ) {
    p = sqlite3_mutex_alloc(SQLITE_MUTEX_FAST);
    atomic_store_explicit(&frugalMutex, p, memory_order_release);
  }
  sqlite3_mutex_leave(pMain);
  return p;
}

/*
** Return the FrugalDb of connection db with one more reference, creating
** it if need be.  NULL on OOM.
*/
FrugalDb *frugalDbAcquire(sqlite3 *db) {
  sqlite3_mutex *pMutex = frugalGlobalMutex();
  FrugalDb *p;
  if( pMutex == 0 && sqlite3_threadsafe() ) return 0;
  sqlite3_mutex_enter(pMutex);
  for( p = frugalDbList; p && p->db != db; p = p->pNext ) {}
  if( p ) {
    p->nRef++;
  } else {
    p = sqlite3_malloc64(sizeof(*p));
    if( p ) {
      memset(p, 0, sizeof(*p));
      p->db = db;
      p->nRef = 1;
      p->pNext = frugalDbList;
      frugalDbList = p;
    }
  }
  sqlite3_mutex_leave(pMutex);
  return p;
}

/* Take one more reference to p. */
void frugalDbRef(FrugalDb *p) {
  sqlite3_mutex *pMutex = frugalGlobalMutex();
  sqlite3_mutex_enter(pMutex);
  p->nRef++;
  sqlite3_mutex_leave(pMutex);
}

/*
** Drop a reference to a FrugalDb; the last one frees it.  Its signature
** fits the destructor of sqlite3_create_function_v2() and friends.
*/
void frugalDbRelease(void *pArg) {
  FrugalDb *p = (FrugalDb *)pArg;
  sqlite3_mutex *pMutex = frugalGlobalMutex();
  int bFree = 0;
  sqlite3_mutex_enter(pMutex);
  if( --p->nRef == 0 ) {
    FrugalDb **pp;
    for( pp = &frugalDbList; *pp != p; pp = &(*pp)->pNext ) {}
    *pp = p->pNext;
    bFree = 1;
  }
  sqlite3_mutex_leave(pMutex);
  if( bFree ) sqlite3_free(p);
}

/************************************************************************
** Table-driven registration.
*/

/*
** The flags to register function pF with on this SQLite.
**
** Before 3.50.0, SQLite marked a call in a schema (a CHECK constraint, say)
** as coming from the schema only if the function was deterministic, so a
** non-deterministic SQLITE_DIRECTONLY function in a hostile database's
** CHECK constraint was called without the check.  On those versions the
** functions that must stay out of schemas (memoize(), memo_clear(), ...)
** are registered as deterministic too, which puts them under the check.
** They give the same result for the same arguments, so the only effect is
** that SQLite may call one with constant arguments once per statement.
*/
static int frugalFuncFlags(const FrugalFunc *pF) {
  int mFlags = pF->mFlags;
  if( (mFlags & SQLITE_DIRECTONLY)
      && sqlite3_libversion_number() < FRUGAL_SQLITE_SCHEMA_CALLS_FIXED ) {
    mFlags |= SQLITE_DETERMINISTIC;
  }
  return mFlags;
}

/*
** Register those of the nFunc functions of aFunc[] that mWhich asks for
** (FRUGAL_REG_PURE, FRUGAL_REG_IO or both).  If pState is not NULL, it is each function's
** application data (sqlite3_user_data()) and each holds a reference to it.
** On failure *pzErrMsg names the function that could not be registered.
*/
int frugalRegisterFuncs(sqlite3 *db, const FrugalFunc *aFunc, int nFunc,
                        int mWhich, FrugalDb *pState, char **pzErrMsg) {
  int i;
  for( i = 0; i < nFunc; i++ ) {
    const FrugalFunc *pF = &aFunc[i];
    int rc;
    if( !(mWhich & (pF->bIo ? FRUGAL_REG_IO : FRUGAL_REG_PURE)) ) continue;
    if( pState ) frugalDbRef(pState);
    if( pF->xValue ) {
      rc = sqlite3_create_window_function(
          db, pF->zName, pF->nArg, SQLITE_UTF8 | frugalFuncFlags(pF), pState,
          pF->xStep, pF->xFinal, pF->xValue, pF->xInverse,
          pState ? frugalDbRelease : 0);
    } else {
      rc = sqlite3_create_function_v2(
          db, pF->zName, pF->nArg, SQLITE_UTF8 | frugalFuncFlags(pF), pState,
          pF->xFunc, pF->xStep, pF->xFinal, pState ? frugalDbRelease : 0);
    }
    if( rc != SQLITE_OK ) {
      *pzErrMsg = sqlite3_mprintf("frugal: cannot register %s(): %s", pF->zName,
                                  sqlite3_errmsg(db));
      return rc;
    }
  }
  return SQLITE_OK;
}

/*
** Register virtual-table module zName on db.  If pState is not NULL, it is
** the module's client data and the module holds a reference to it.
*/
int frugalRegisterModule(sqlite3 *db, const char *zName,
                         const sqlite3_module *pModule, FrugalDb *pState,
                         char **pzErrMsg) {
  int rc;
  if( pState ) frugalDbRef(pState);
  rc = sqlite3_create_module_v2(db, zName, pModule, pState,
                                pState ? frugalDbRelease : 0);
  if( rc != SQLITE_OK ) { /* Out of memory, in practice */
    const char *zWhy = sqlite3_errmsg(db);
    *pzErrMsg = sqlite3_mprintf("frugal: cannot register %s: %s", zName, zWhy);
  }
  return rc;
}

/*
** Make SQLite parse the schemas of db again before it next uses them.
**
** SQLite checks SQLITE_DIRECTONLY and SQLITE_INNOCUOUS for the expressions
** that live in a schema (CHECK constraints, generated columns, DEFAULTs,
** index expressions) when it parses the schema.  A function registered
** after that, as happens when frugal is loaded into a connection that has
** already read its schema, or when memoize() makes a wrapper, would escape
** the check: a hostile database's CHECK constraint could call it.  After
** frugal registers anything, it asks for a new parse, with the pragma SQLite
** documents for that (3.35.0 and later); the user's own writable_schema
** setting is kept.  This is best effort: an authorizer may refuse the
** pragma.  Views and triggers are checked at every use and need none of
** this.
*/
void frugalSchemaReset(sqlite3 *db) {
  sqlite3_stmt *pStmt = 0;
  int bWritable = 0;
  if( sqlite3_prepare_v2(db, "PRAGMA writable_schema", -1, &pStmt, 0)
          == SQLITE_OK
      && sqlite3_step(pStmt) == SQLITE_ROW ) {
    bWritable = sqlite3_column_int(pStmt, 0);
  }
  sqlite3_finalize(pStmt);
  sqlite3_exec(db, "PRAGMA writable_schema = RESET", 0, 0, 0);
  if( bWritable ) sqlite3_exec(db, "PRAGMA writable_schema = ON", 0, 0, 0);
}

/************************************************************************
** The functions of this file.
*/

/*
** frugal_version(): the version of frugal, as in frugal.h.
*/
static void frugalVersionFunc(sqlite3_context *ctx, int argc,
                              sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  sqlite3_result_text(ctx, FRUGAL_VERSION, -1, SQLITE_STATIC);
}

/* Register the functions of this file. */
static int frugal_core_register(sqlite3 *db, int mWhich, char **pzErrMsg) {
  static const FrugalFunc aFunc[] = {
    { "frugal_version", 0, SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, 0,
      frugalVersionFunc, 0, 0, 0, 0 },
  };
  return frugalRegisterFuncs(db, aFunc, (int)(sizeof(aFunc) / sizeof(aFunc[0])),
                             mWhich, 0, pzErrMsg);
}

/************************************************************************
** The entry points.
*/

/* Every capability, in the order they are registered. */
static const struct {
  const char *zName;                         /* For messages */
  int (*xRegister)(sqlite3 *, int, char **); /* Its register function */
} aCapability[] = {
  { "core", frugal_core_register },       /* frugal_version */
  { "help", frugal_help_register },       /* frugal_help */
  { "read", frugal_read_register },       /* read_lines, read_jsonl */
  { "bitmap", frugal_bitmap_register },   /* bitmap_*, bitmap_each */
  { "csv", frugal_csv_register },         /* read_csv, csv_file */
  { "memo", frugal_memo_register },       /* memoize, memo_* */
  { "memstat", frugal_memstat_register }, /* memstat, memprof, ... */
};

/*
** Register on db every capability that is not registered there yet; with
** bNoIo, leave out what opens files or runs SQL text.
*/
static int frugalInit(sqlite3 *db, char **pzErrMsg,
                      const sqlite3_api_routines *pApi, int bNoIo) {
  FrugalDb *pState;
  int mWhich = bNoIo ? FRUGAL_REG_PURE : (FRUGAL_REG_PURE | FRUGAL_REG_IO);
  int rc = SQLITE_OK;
  size_t i;
  SQLITE_EXTENSION_INIT2(pApi);
  if( sqlite3_libversion_number() < FRUGAL_MIN_SQLITE_VERSION_NUMBER ) {
    *pzErrMsg = sqlite3_mprintf(
        "frugal: needs SQLite " FRUGAL_MIN_SQLITE_VERSION " or later, not %s",
        sqlite3_libversion());
    return SQLITE_ERROR;
  }
  pState = frugalDbAcquire(db);
  if( pState == 0 ) return SQLITE_NOMEM;
  mWhich &= ~pState->mRegistered;
  for( i = 0; mWhich && rc == SQLITE_OK
              && i < sizeof(aCapability) / sizeof(aCapability[0]);
       i++ ) {
    rc = aCapability[i].xRegister(db, mWhich, pzErrMsg);
  }
  if( rc == SQLITE_OK && mWhich ) {
    pState->mRegistered |= mWhich;
    frugalSchemaReset(db);
  }
  frugalDbRelease(pState);
  return rc;
}

/*
** The default entry point, which ".load ./dist/frugal" finds by name.
*/
FRUGAL_EXPORT int sqlite3_frugal_init(sqlite3 *db, char **pzErrMsg,
                                      const sqlite3_api_routines *pApi) {
  return frugalInit(db, pzErrMsg, pApi, 0);
}

/*
** The entry point for hosts where untrusted users type SQL: everything but
** the functions that open files or run SQL text.
*/
FRUGAL_EXPORT int sqlite3_frugal_noio_init(sqlite3 *db, char **pzErrMsg,
                                           const sqlite3_api_routines *pApi) {
  return frugalInit(db, pzErrMsg, pApi, 1);
}
