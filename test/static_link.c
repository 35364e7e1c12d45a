/*
** static_link.c - run SQL on a connection with frugal linked statically.
**
**   static_link SQL
**
** Links dist/libfrugal.a (built with -DSQLITE_CORE), registers frugal for
** every new connection with sqlite3_auto_extension(), runs SQL on an
** in-memory database and prints the rows as the sqlite3 shell's list mode
** does.  Exits 1 with the message on an error, and 2 if sqlite3_close()
** does not return SQLITE_OK.
*/
#include "frugal.h"

#include <stdio.h>

/* Print one row, values separated by "|". */
static int printRow(void *pArg, int nCol, char **azVal, char **azCol) {
  int i;
  (void)pArg;
  (void)azCol;
  for( i = 0; i < nCol; i++ ) {
    printf("%s%s", i ? "|" : "", azVal[i] ? azVal[i] : "");
  }
  printf("\n");
  return 0;
}

int main(int argc, char **argv) {
  sqlite3 *db;
  char *zErr = 0;
  int rc;
  if( argc != 2 ) {
    fprintf(stderr, "usage: %s SQL\n", argv[0]);
    return 1;
  }
  sqlite3_auto_extension((void (*)(void))sqlite3_frugal_init);
  rc = sqlite3_open(":memory:", &db);
  if( rc == SQLITE_OK ) rc = sqlite3_exec(db, argv[1], printRow, 0, &zErr);
  if( rc != SQLITE_OK ) {
    fprintf(stderr, "%s\n", zErr ? zErr : sqlite3_errmsg(db));
    sqlite3_free(zErr);
    sqlite3_close(db);
    return 1;
  }
  return sqlite3_close(db) == SQLITE_OK ? 0 : 2;
}
