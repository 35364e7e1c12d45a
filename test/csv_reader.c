/*
** csv_reader.c - drive the CSV reader of ext/read_csv.c directly.
**
**   csv_reader [-read N] FILE
**
** Reads FILE ("-" for standard input) with the default options through the
** reader csv_file and read_csv share, and prints one line:
**
**   records R fields F longest L walked W reads N
**
** R records with F fields in all, the longest field L bytes (quotes
** removed, doubled quotes counted twice), W the bytes the tokenizer walked
** and N the reads it took.  -read N hands over at most N bytes per read, as
** a pipe does.  W stays below the size of the file plus two bytes a read
** however short the reads are: the tokenizer goes on where a read left it
** (csv.test checks this, which timing could only suggest).
**
** The reader's functions are static, so this file includes read_csv.c
** itself, built with CSV_TEST, which counts W and N and honours -read.
*/
#define CSV_TEST    1
#define SQLITE_CORE 1
#include "read_csv.c"

#include <stdio.h>

int main(int argc, char **argv) {
  sqlite3 *db = 0;
  CsvOptions opt;
  CsvReader rdr;
  CsvRow row;
  CsvField aField[1];
  char *zErr = 0;
  long long nRecord = 0, nField = 0, nLongest = 0;
  int nRead = 0, rc;

  if( argc == 4 && strcmp(argv[1], "-read") == 0 ) {
    nRead = atoi(argv[2]);
    argv += 2;
    argc -= 2;
  }
  if( argc != 2 ) {
    fprintf(stderr, "usage: csv_reader [-read N] FILE\n");
    return 2;
  }
  if( sqlite3_open(":memory:", &db) != SQLITE_OK ) return 1;
  csvOptionsInit(&opt, "csv_reader", 0, db);
  memset(&row, 0, sizeof(row));
  rc = csvReaderOpen(&rdr, 0, db, &opt, argv[1], 0, &zErr);
  rdr.nTestRead = nRead;
  while( rc == SQLITE_OK ) {
    i64 i = 0;
    rc = csvReaderNext(&rdr, &row, &zErr);
    if( rc != SQLITE_ROW ) break;
    rc = SQLITE_OK;
    nRecord++;
    nField += row.nField;
    for( ;; ) {
      i = csvWalkField(&rdr, row.z, i, row.n, aField);
      if( aField[0].n > nLongest ) nLongest = aField[0].n;
      if( i++ >= row.n ) break;
    }
  }
  if( rc != SQLITE_DONE ) {
    printf("error %d: %s\n", rc, zErr ? zErr : "");
  } else {
    printf("records %lld fields %lld longest %lld walked %lld reads %lld\n",
           nRecord, nField, nLongest, (long long)rdr.nTestWalked,
           (long long)rdr.nTestFill);
  }
  sqlite3_free(zErr);
  csvReaderClose(&rdr);
  sqlite3_close(db);
  return rc == SQLITE_DONE ? 0 : 1;
}
