/*
** sqlrun.c - run SQL on a connection with frugal linked statically.
**
**   sqlrun SQL      run SQL, print its rows
**   sqlrun -        run blocks of SQL read from standard input
**
** Links dist/libfrugal.a (built with -DSQLITE_CORE) and registers frugal
** for every new connection with sqlite3_auto_extension(), as a program
** that links SQLite itself would.  Rows are printed as the sqlite3 shell's
** list mode prints them: values joined by "|", NULL as nothing.
**
** With "-", standard input holds blocks separated by lines that are
** exactly SQLRUN_MARK; all run on one in-memory connection, in order, and
** each block's output is followed by a SQLRUN_MARK line.  An error prints
** "Error: <message>" and ends its block.  test/docs.test runs the examples
** in doc/ this way.
**
** Without "-", an error goes to standard error and the exit code is 1; it
** is 2 if sqlite3_close() does not return SQLITE_OK.
*/
#include "frugal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The line between blocks, in and out. */
#define SQLRUN_MARK "-- @@"

/* Run every statement of zSql on db, printing rows.  An error message is
** left in *pzErr (free with sqlite3_free). */
static int sqlrunExec(sqlite3 *db, const char *zSql, char **pzErr) {
  const char *zTail = zSql;
  while( zTail && zTail[0] ) {
    sqlite3_stmt *pStmt = 0;
    int rc = sqlite3_prepare_v2(db, zTail, -1, &pStmt, &zTail);
    if( rc == SQLITE_OK && pStmt ) {
      while( (rc = sqlite3_step(pStmt)) == SQLITE_ROW ) {
        int i;
        for( i = 0; i < sqlite3_column_count(pStmt); i++ ) {
          const unsigned char *z = sqlite3_column_text(pStmt, i);
          if( i ) fputc('|', stdout);
          if( z ) fwrite(z, 1, (size_t)sqlite3_column_bytes(pStmt, i), stdout);
        }
        fputc('\n', stdout);
      }
      if( rc == SQLITE_DONE ) rc = SQLITE_OK;
      sqlite3_finalize(pStmt);
    }
    if( rc != SQLITE_OK ) {
      *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
      return rc;
    }
  }
  return SQLITE_OK;
}

/* Read all of standard input; NULL on OOM. */
static char *sqlrunReadStdin(void) {
  size_t n = 0, nAlloc = 0;
  char *z = 0;
  int c;
  while( (c = getchar()) != EOF ) {
    if( n + 1 >= nAlloc ) {
      char *zNew;
      nAlloc = nAlloc ? nAlloc * 2 : 4096;
      zNew = sqlite3_realloc64(z, nAlloc);
      if( zNew == 0 ) {
        sqlite3_free(z);
        return 0;
      }
      z = zNew;
    }
    z[n++] = (char)c;
  }
  if( z == 0 ) z = sqlite3_malloc64(1);
  if( z ) z[n] = 0;
  return z;
}

/* Run the blocks in zIn on db. */
static void sqlrunBlocks(sqlite3 *db, char *zIn) {
  char *zBlock = zIn;
  while( zBlock ) {
    char *zMark = strstr(zBlock, "\n" SQLRUN_MARK "\n");
    char *zErr = 0;
    if( zMark ) *zMark = 0;
    if( sqlrunExec(db, zBlock, &zErr) != SQLITE_OK ) {
      printf("Error: %s\n", zErr ? zErr : "out of memory");
    }
    sqlite3_free(zErr);
    printf("%s\n", SQLRUN_MARK);
    zBlock = zMark ? zMark + strlen("\n" SQLRUN_MARK "\n") : 0;
  }
}

int main(int argc, char **argv) {
  sqlite3 *db;
  char *zErr = 0;
  int rc;
  if( argc != 2 ) {
    fprintf(stderr, "usage: %s SQL | -\n", argv[0]);
    return 1;
  }
  sqlite3_auto_extension((void (*)(void))sqlite3_frugal_init);
  if( sqlite3_open(":memory:", &db) != SQLITE_OK ) return 1;
  if( strcmp(argv[1], "-") == 0 ) {
    char *zIn = sqlrunReadStdin();
    if( zIn == 0 ) return 1;
    sqlrunBlocks(db, zIn);
    sqlite3_free(zIn);
  } else {
    rc = sqlrunExec(db, argv[1], &zErr);
    if( rc != SQLITE_OK ) {
      fprintf(stderr, "%s\n", zErr ? zErr : "out of memory");
      sqlite3_free(zErr);
      sqlite3_close(db);
      return 1;
    }
  }
  return sqlite3_close(db) == SQLITE_OK ? 0 : 2;
}
