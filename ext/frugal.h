/*
** frugal.h - the public C interface of frugal.
**
** frugal is a SQLite extension for data bigger than memory.  Most users
** load it at run time (".load ./dist/frugal" in the sqlite3 shell, or
** load_extension() from any host) and never need this header.  It is for
** applications that link dist/libfrugal.a into a program that links SQLite
** itself:
**
**     #include "frugal.h"
**     sqlite3_auto_extension((void(*)(void))sqlite3_frugal_init);
**
** and for the C-level memoizer, frugal_memoize_function().
*/
#ifndef FRUGAL_H
#define FRUGAL_H

#include <sqlite3.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of frugal; frugal_version() returns the same string. */
#define FRUGAL_VERSION "0.1.0"

/*
** Entry points.  sqlite3_frugal_init() registers everything.
** sqlite3_frugal_noio_init() registers only what neither opens files nor
** runs SQL text, for hosts where untrusted users type SQL.
*/
int sqlite3_frugal_init(sqlite3 *db, char **pzErrMsg,
                        const sqlite3_api_routines *pApi);
int sqlite3_frugal_noio_init(sqlite3 *db, char **pzErrMsg,
                             const sqlite3_api_routines *pApi);

/*
** Register function zName on db like sqlite3_create_function_v2() does,
** with xFunc behind an LRU cache of at most max_entries results and
** max_bytes bytes (a negative bound means the default).  xFunc must be
** deterministic; it is called directly, and sqlite3_user_data() gives it
** pApp.  On failure xDestroy(pApp) is called, as sqlite3_create_function_v2()
** does.  Returns SQLITE_OK, SQLITE_MISUSE (db, zName or xFunc is NULL),
** SQLITE_FULL (too many functions memoized at once in the process),
** SQLITE_ERROR (the running SQLite's layout of sqlite3_context is not the
** one frugal reads results through) or what sqlite3_create_function_v2()
** returns.  doc/memo.md has the details.
*/
int frugal_memoize_function(sqlite3 *db, const char *zName, int nArg,
                            int eTextRep, void *pApp,
                            void (*xFunc)(sqlite3_context *, int,
                                          sqlite3_value **),
                            void (*xDestroy)(void *), sqlite3_int64 max_entries,
                            sqlite3_int64 max_bytes);

#ifdef __cplusplus
}
#endif
#endif /* FRUGAL_H */
