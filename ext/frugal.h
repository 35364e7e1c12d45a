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

#ifdef __cplusplus
}
#endif
#endif /* FRUGAL_H */
