/*
** loadable.c - what the loadable extension does before SQLite hands it its
** table of interfaces, and when that table is of a SQLite that is too old.
**
**   loadable PATH     PATH is the loadable extension, e.g. dist/frugal.so
**
** Opens PATH with dlopen(), as SQLite's load_extension() does, and prints
** one fact a line:
**
**   memoize before load: CODE, xDestroy N
**       frugal_memoize_function() called before the extension was ever
**       loaded, when it has no SQLite to call: SQLITE_MISUSE (21), and
**       xDestroy called once
**   old SQLite: CODE MESSAGE
**       sqlite3_frugal_init() handed the table of a SQLite older than
**       3.31.0: SQLITE_ERROR (1) and the message.  The table is a copy
**       that claims version 3.30.1; frugal must call nothing else of it
**       before it refuses.
*/
#define SQLITE_CORE 1 /* The table's type only, not the calls through it */
#include <sqlite3ext.h>

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* The version the fake table claims. */
#define LOADABLE_OLD_VERSION        "3.30.1"
#define LOADABLE_OLD_VERSION_NUMBER 3030001

/* The table's libversion() and libversion_number(). */
static const char *loadableOldVersion(void) {
  return LOADABLE_OLD_VERSION;
}
static int loadableOldVersionNumber(void) {
  return LOADABLE_OLD_VERSION_NUMBER;
}

/* xDestroy of frugal_memoize_function(): count the calls. */
static int nDestroy = 0;
static void loadableDestroy(void *pArg) {
  (void)pArg;
  nDestroy++;
}

/* A function to memoize; never called. */
static void loadableFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  sqlite3_result_null(ctx);
}

int main(int argc, char **argv) {
  typedef int (*MemoizeFunc)(sqlite3 *, const char *, int, int, void *,
                             void (*)(sqlite3_context *, int, sqlite3_value **),
                             void (*)(void *), sqlite3_int64, sqlite3_int64);
  typedef int (*InitFunc)(sqlite3 *, char **, const sqlite3_api_routines *);
  static sqlite3_api_routines api;
  void *pLib;
  MemoizeFunc xMemoize;
  InitFunc xInit;
  sqlite3 *db = 0;
  char *zErr = 0;
  int rc;

  if( argc != 2 ) {
    fprintf(stderr, "usage: %s PATH\n", argv[0]);
    return 2;
  }
  pLib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if( pLib == 0 ) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  xMemoize = (MemoizeFunc)dlsym(pLib, "frugal_memoize_function");
  xInit = (InitFunc)dlsym(pLib, "sqlite3_frugal_init");
  if( xMemoize == 0 || xInit == 0 ) {
    fprintf(stderr, "dlsym: %s\n", dlerror());
    return 1;
  }
  if( sqlite3_open(":memory:", &db) != SQLITE_OK ) return 1;

  rc = xMemoize(db, "f", 1, SQLITE_UTF8, 0, loadableFunc, loadableDestroy, -1,
                -1);
  printf("memoize before load: %d, xDestroy %d\n", rc, nDestroy);

  memset(&api, 0, sizeof(api));
  api.libversion = loadableOldVersion;
  api.libversion_number = loadableOldVersionNumber;
  api.mprintf = sqlite3_mprintf;
  rc = xInit(db, &zErr, &api);
  printf("old SQLite: %d %s\n", rc, zErr ? zErr : "(no message)");
  sqlite3_free(zErr);

  /* The extension now holds the fake table: it is not used again. */
  sqlite3_close(db);
  dlclose(pLib);
  return 0;
}
