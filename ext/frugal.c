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

#include <string.h>

SQLITE_EXTENSION_INIT1

#if defined(_WIN32)
# define FRUGAL_EXPORT __declspec(dllexport)
#else
# define FRUGAL_EXPORT __attribute__((visibility("default")))
#endif

/************************************************************************
** The registry of per-connection state.
**
** A list of FrugalDb, one per connection, guarded by a static SQLite mutex.
** SQLITE_MUTEX_STATIC_APP3 is one of the three static mutexes SQLite sets
** aside for applications; frugal holds it only to walk or change this list,
** never while calling anything that could take another mutex but SQLite's
** allocator.
*/
static FrugalDb *frugalDbList = 0;

/* The mutex that guards frugalDbList. */
static sqlite3_mutex *frugalDbMutex(void) {
  return sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_APP3);
}

/*
** Return the FrugalDb of connection db with one more reference, creating
** it if need be.  NULL on OOM.
*/
FrugalDb *frugalDbAcquire(sqlite3 *db) {
  sqlite3_mutex *pMutex = frugalDbMutex();
  FrugalDb *p;
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
  sqlite3_mutex *pMutex = frugalDbMutex();
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
  sqlite3_mutex *pMutex = frugalDbMutex();
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
          db, pF->zName, pF->nArg, SQLITE_UTF8 | pF->mFlags, pState, pF->xStep,
          pF->xFinal, pF->xValue, pF->xInverse, pState ? frugalDbRelease : 0);
    } else {
      rc = sqlite3_create_function_v2(
          db, pF->zName, pF->nArg, SQLITE_UTF8 | pF->mFlags, pState, pF->xFunc,
          pF->xStep, pF->xFinal, pState ? frugalDbRelease : 0);
    }
    if( rc != SQLITE_OK ) {
      *pzErrMsg = sqlite3_mprintf("frugal: cannot register %s(): %s", pF->zName,
                                  sqlite3_errstr(rc));
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
  if( rc != SQLITE_OK ) {
    *pzErrMsg = sqlite3_mprintf("frugal: cannot register %s: %s", zName,
                                sqlite3_errmsg(db));
  }
  return rc;
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
  { "core", frugal_core_register },
  { "read", frugal_read_register },
  { "bitmap", frugal_bitmap_register },
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
  if( rc == SQLITE_OK ) pState->mRegistered |= mWhich;
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
