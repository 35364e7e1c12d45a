/*
** csv_driver.c - run SQL for test/csv.test where Tcl cannot.
**
**   csv_driver [-length N] [-highwater] SQL
**
** Links dist/libfrugal.a, registers frugal with sqlite3_auto_extension(),
** runs SQL on an in-memory database and prints the rows as the sqlite3
** shell's list mode does.  Its standard input is the process's, for
** read_csv('-') and csv_file(filename='-').
**
**   -length N    set SQLITE_LIMIT_LENGTH to N first (the Tcl interface has
**                no way to lower a limit)
**   -highwater   print "highwater N" at the end: the most bytes SQLite's
**                allocator ever had out, to check that memory does not
**                grow with the size of a file
**
** Exits 1 with the message on an error, 2 if sqlite3_close() fails.
*/
#include "frugal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  const char *zSql = 0;
  int nLength = -1, bHighwater = 0, i, rc;
  for( i = 1; i < argc; i++ ) {
    if( strcmp(argv[i], "-length") == 0 && i + 1 < argc ) {
      nLength = atoi(argv[++i]);
    } else if( strcmp(argv[i], "-highwater") == 0 ) {
      bHighwater = 1;
    } else {
      zSql = argv[i];
    }
  }
  if( zSql == 0 ) {
    fprintf(stderr, "usage: %s [-length N] [-highwater] SQL\n", argv[0]);
    return 1;
  }
  sqlite3_auto_extension((void (*)(void))sqlite3_frugal_init);
  rc = sqlite3_open(":memory:", &db);
  if( rc == SQLITE_OK && nLength >= 0 ) {
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, nLength);
  }
  if( rc == SQLITE_OK ) rc = sqlite3_exec(db, zSql, printRow, 0, &zErr);
  if( rc != SQLITE_OK ) {
    fprintf(stderr, "%s\n", zErr ? zErr : sqlite3_errmsg(db));
    sqlite3_free(zErr);
    sqlite3_close(db);
    return 1;
  }
  if( bHighwater ) {
    sqlite3_int64 iCur = 0, iHigh = 0;
    sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &iCur, &iHigh, 0);
    printf("highwater %lld\n", iHigh);
  }
  return sqlite3_close(db) == SQLITE_OK ? 0 : 2;
}
