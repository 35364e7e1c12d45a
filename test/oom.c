/*
** oom.c - out-of-memory injection for every capability of frugal.
**
**   oom [-v] [NAME-PATTERN]
**
** Installs an allocator with sqlite3_config(SQLITE_CONFIG_MALLOC) before
** sqlite3_initialize().  For each statement in aCase[], and in both modes,
** it runs the statement again and again, failing the Nth allocation made
** while the statement runs for N = 1, 2, ... until a run completes with no
** allocation failed:
**
**   one-shot     only the Nth allocation fails; later ones succeed
**   persistent   the Nth allocation and every one after it fail
**
** Each run must end without a crash, with SQLITE_OK or an error (and the
** error must be SQLITE_NOMEM when the failure was the only problem), and
** once the connection is closed no allocation may be outstanding.  A run
** that succeeds despite a failed allocation must give the same rows as a
** run with no fault injection at all, so cases are written so that their
** rows do not depend on failures that are absorbed by design (memoize
** returns a result it could not store in its cache, uncached, as SQLite's
** own caches do with "benign" allocations).  The run that fails nothing
** must succeed, unless the case's name ends in "-error".
**
** The allocator asks malloc() for exactly the bytes requested, plus a
** header, so that AddressSanitizer (make test-asan) sees the true end of
** every block; SQLite's default allocator rounds sizes up.
**
** The last line is "N passed, N failed", like the Tcl suite.
*/
#include "frugal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes before each block: its size, keeping 16-byte alignment. */
#define OOM_HEADER 16

/* The fault injector. */
static struct {
  int iCountdown;   /* Fail when this reaches 0; <0 means never */
  int bPersist;     /* Keep failing after the first */
  int nFail;        /* Allocations failed since armed */
  long long nOut;   /* Blocks outstanding */
  long long nBytes; /* Bytes outstanding */
} oom = { -1, 0, 0, 0, 0 };

static const sqlite3_mem_methods *pDefault;

/* True if this allocation must fail. */
static int oomShouldFail(void) {
  if( oom.iCountdown < 0 ) return 0;
  if( oom.iCountdown > 0 ) {
    oom.iCountdown--;
    return 0;
  }
  oom.nFail++;
  if( !oom.bPersist ) oom.iCountdown = -1;
  return 1;
}

static void *oomMalloc(int n) {
  char *p;
  if( oomShouldFail() ) return 0;
  p = malloc((size_t)n + OOM_HEADER);
  if( p == 0 ) return 0;
  memcpy(p, &n, sizeof(n));
  oom.nOut++;
  oom.nBytes += n;
  return p + OOM_HEADER;
}

static void oomFree(void *pOld) {
  int n;
  char *p = (char *)pOld - OOM_HEADER;
  if( pOld == 0 ) return;
  memcpy(&n, p, sizeof(n));
  oom.nOut--;
  oom.nBytes -= n;
  free(p);
}

static void *oomRealloc(void *pOld, int n) {
  int nOld;
  char *p;
  if( pOld == 0 ) return oomMalloc(n);
  if( oomShouldFail() ) return 0;
  p = (char *)pOld - OOM_HEADER;
  memcpy(&nOld, p, sizeof(nOld));
  p = realloc(p, (size_t)n + OOM_HEADER);
  if( p == 0 ) return 0;
  memcpy(p, &n, sizeof(n));
  oom.nBytes += n - nOld;
  return p + OOM_HEADER;
}

static int oomSize(void *pOld) {
  int n;
  if( pOld == 0 ) return 0;
  memcpy(&n, (char *)pOld - OOM_HEADER, sizeof(n));
  return n;
}

static int oomRoundup(int n) {
  return n;
}

static int oomInit(void *pArg) {
  (void)pArg;
  return SQLITE_OK;
}

static void oomShutdown(void *pArg) {
  (void)pArg;
}

/* One statement to run under fault injection. */
typedef struct OomCase OomCase;
struct OomCase {
  const char *zName;  /* For the report and the name pattern; a name that
                      ** ends in "-error" must fail even without faults */
  const char *zSetup; /* Run first, without faults (may be NULL) */
  const char *zSql;   /* The statements under test */
};

/* The numbers 1 to 20, for cases that need rows. */
#define OOM_ROWS                                                               \
 "(WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value+1"              \
 " FROM s WHERE value < 20) SELECT value FROM s)"

static const OomCase aCase[] = {
  { "load", 0, 0 },
  { "frugal_version", 0, "SELECT frugal_version()" },
  { "read_lines", 0,
    "SELECT count(*), sum(length(line)) FROM read_lines('test/data/app.log')"
    " WHERE line LIKE '%INFO%'" },
  { "read_lines-glob-gzip", 0,
    "SELECT filename, lineno, line FROM read_lines('test/data/logs/*.gz')"
    " ORDER BY filename, lineno" },
  { "read_lines-gzip-window", 0,
    "SELECT count(*), sum(length(line)) FROM read_lines("
    "'test/data/repeat.log.gz')" },
  { "read_lines-delimiter", 0,
    "SELECT line FROM read_lines('test/data/paths.nul', char(0))"
    " WHERE lineno BETWEEN 2 AND 3" },
  { "read_lines-error", 0, "SELECT * FROM read_lines('test/data/nope.txt')" },
  { "read_jsonl", 0,
    "SELECT value->>'user', lineno FROM read_jsonl('test/data/events.jsonl',"
    " '{\"skip_invalid\": true}')" },
  { "read_jsonl-error", 0,
    "SELECT count(*) FROM read_jsonl('test/data/events-bad.jsonl')" },
  { "read_csv", 0,
    "SELECT rownum, lineno, record FROM read_csv('test/data/csv/sales.csv')" },
  { "read_csv-gzip-options", 0,
    "SELECT record FROM read_csv('test/data/csv/sales.csv.gz',"
    " '{\"types\": \"text\", \"nulls\": \"plain\", \"header\": false}')" },
  { "read_csv-error", 0,
    "SELECT * FROM read_csv('test/data/csv/sales.csv', '{\"columns\": 2}')" },
  { "csv_file", 0,
    "CREATE VIRTUAL TABLE temp.t USING csv_file("
    "filename='test/data/csv/odd_header.csv', header, delimiter=';');"
    " SELECT * FROM t; DROP TABLE t" },
  { "csv_file-escaped", 0,
    "CREATE VIRTUAL TABLE temp.t USING csv_file("
    "filename='test/data/csv/sales.csv', header=yes);"
    " SELECT comment, score FROM t; DROP TABLE t" },
  { "csv_file-schema", 0,
    "CREATE VIRTUAL TABLE temp.t USING csv_file(data='1,2.5,x\n3,1e300,y',"
    " schema='CREATE TABLE x(a INT, b REAL, c)');"
    " SELECT * FROM t; DROP TABLE t" },
  { "read_csv-numbers", 0,
    "SELECT record FROM read_csv('test/data/csv/numbers.csv')" },
  { "csv_file-numbers-temp-schema", 0,
    "CREATE VIRTUAL TABLE temp.t USING csv_file("
    "filename='test/data/csv/numbers.csv', header);"
    " SELECT * FROM t; DROP TABLE t;"
    " CREATE VIRTUAL TABLE temp.t USING csv_file(data='1,2',"
    " schema='CREATE TEMP TABLE x(a INT, b)'); SELECT * FROM t; DROP TABLE t" },
  { "memoize", 0,
    "SELECT memoize('abs', 3, 2000);"
    " SELECT abs_memo(value % 5), abs_memo(-1.5), abs_memo(x'00ff'),"
    "  abs_memo(NULL) FROM " OOM_ROWS },
  { "memoize-variadic", "SELECT memoize('printf', 8)",
    "SELECT printf_memo('%d-%s', value % 3, 'x'), printf_memo('%s', 'y')"
    " FROM " OOM_ROWS },
  { "memo_stats",
    "SELECT memoize('abs', 3); SELECT abs_memo(value % 4) FROM " OOM_ROWS,
    "SELECT name, hits, misses, evictions, entries, bytes, max_entries,"
    " max_bytes FROM memo_stats" },
  { "memo_forget-memo_clear",
    "SELECT memoize('printf', 8); SELECT printf_memo('%s', value) "
    "FROM " OOM_ROWS,
    "SELECT memo_forget('printf', '%s', 3), memo_clear('printf');"
    " SELECT memoize('printf', 2, 100); SELECT memo_clear()" },
  { "memoize-error", "SELECT memoize('abs')",
    "SELECT abs_memo('a'), abs_memo(-9223372036854775808)" },
  { "memoize-refused-error", 0, "SELECT memoize('random')" },
  { "memoize-uncacheable", "SELECT memoize('length', 10, 100)",
    "SELECT length_memo(zeroblob(1000)), length_memo(printf('%.*c', 500, 'x')),"
    " length_memo(value) FROM " OOM_ROWS },
  { "memoize-check-fails-error", "SELECT memoize('min')",
    "SELECT min_memo(2, 1); SELECT min_memo()" },
  { "memoize-expired",
    "SELECT memoize('abs'), memoize('printf'); SELECT abs_memo(-1),"
    " printf_memo('%d', 1)",
    "PRAGMA trusted_schema = OFF; SELECT abs_memo(-2), printf_memo('%d', 2),"
    " printf_memo('%d%d', 3, 4); PRAGMA trusted_schema = ON;"
    " SELECT abs_memo(-3), memo_clear('printf') >= 0, printf_memo('%d', 5)" },
  { "memoize-subtype-error", "SELECT memoize('abs')",
    "SELECT abs_memo(1); SELECT abs_memo(json('1'))" },
  { "memstat", 0, "SELECT name, scope, unavailable FROM memstat" },
  { "memprof", 0,
    "SELECT stmt, sql, rows, sorts FROM memprof('CREATE TABLE t(x);"
    " INSERT INTO t VALUES (2), (1); SELECT x FROM t ORDER BY x')" },
  { "memprof-error", 0,
    "SELECT stmt FROM memprof('SELECT 1; SELECT * FROM nowhere')" },
  { "memprof-nested", 0,
    "SELECT stmt, rows FROM memprof('SELECT * FROM memprof(''SELECT 1'')')" },
  { "frugal_release",
    "SELECT memoize('abs'); SELECT abs_memo(-1), abs_memo(-2)",
    "SELECT frugal_release() > 0; SELECT entries FROM memo_stats" },
  { "bitmap_agg", 0,
    "SELECT hex(bitmap_agg(value * 7919 % 70000)), hex(bitmap_agg(value))"
    " FROM " OOM_ROWS },
  { "bitmap_agg-window", 0,
    "SELECT bitmap_count(bitmap_agg(value) OVER (ORDER BY value ROWS"
    " BETWEEN 3 PRECEDING AND CURRENT ROW)) FROM " OOM_ROWS },
  { "bitmap_agg-window-repeats", 0,
    "SELECT bitmap_count(bitmap_agg(value % 3) OVER (ORDER BY value ROWS"
    " BETWEEN 5 PRECEDING AND CURRENT ROW)) FROM " OOM_ROWS },
  { "bitmap_agg-batches", 0,
    "WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value+1 FROM s"
    " WHERE value < 1100) SELECT hex(bitmap_agg(value * 7919 % 700)) FROM s" },
  { "bitmap-build", 0,
    "SELECT hex(bitmap(1, 5, 70000, 4294967296)),"
    " hex(bitmap_from_json('[3, 1, 2, 9007199254740993]')),"
    " bitmap_to_json(bitmap_add_range(bitmap(), 65530, 65545)),"
    " hex(bitmap_remove(bitmap_add(bitmap(7), 8), 7)),"
    " bitmap_to_json(bitmap_slice(bitmap_add_range(bitmap(), 0, 100000),"
    "  99990, 200000))" },
  { "bitmap-query", 0,
    "SELECT bitmap_count(b), bitmap_contains(b, 70000), bitmap_min(b),"
    " bitmap_max(b), bitmap_rank(b, 70000), bitmap_nth(b, 3), bitmap_info(b)"
    " FROM (SELECT bitmap_add_range(bitmap(1, 5, 4294967296), 65000, 72000)"
    " AS b)" },
  { "bitmap-setops", 0,
    "SELECT hex(bitmap_and(a, b)), hex(bitmap_or(a, b, c)),"
    " hex(bitmap_xor(a, c)), hex(bitmap_andnot(a, b)), bitmap_and_count(a, b),"
    " bitmap_or_count(a, c), bitmap_xor_count(b, c), bitmap_andnot_count(a, c),"
    " bitmap_intersects(a, b), bitmap_is_subset(b, a), bitmap_jaccard(a, b)"
    " FROM (SELECT bitmap_add_range(bitmap(), 0, 100000) AS a,"
    "  bitmap(5, 99999, 100000, 4294967296) AS b,"
    "  bitmap_from_json('[1, 3, 70000]') AS c)" },
  { "bitmap-fold-aggregates", 0,
    "SELECT hex(bitmap_or_agg(b)), hex(bitmap_and_agg(b)),"
    " hex(bitmap_xor_agg(b)) FROM (SELECT bitmap(value, value + 1, 70000) AS"
    " b FROM " OOM_ROWS ")" },
  { "bitmap_each", 0,
    "SELECT value FROM bitmap_each(bitmap_add_range(bitmap(3, 4294967296),"
    " 65530, 65540)) WHERE value > 4 AND value <= 4294967296 LIMIT 20" },
  { "bitmap-invalid-error", 0, "SELECT bitmap_count(x'3a30000001')" },
  { "bitmap-not-integer-error", 0, "SELECT bitmap(1, 'x')" },
  { "bitmap_from_json-descending-keys", 0,
    "SELECT hex(bitmap_from_json('[327680, 262144, 196608, 131072,"
    " 65536, 0]'))" },
  { "bitmap_from_json-number-error", 0, "SELECT bitmap_from_json(5)" },
  { "bitmap_agg-unsorted-keys", 0,
    "SELECT hex(bitmap_agg((value * 2654435761) % 1099511627776)),"
    " hex(bitmap_agg((200 - value) * 65536 + value % 3)),"
    " hex(bitmap_from_json('[200000, 5, 70000, 6, 70001, 5, 9, 140000]'))"
    " FROM " OOM_ROWS },
  { "bitmap-fold-stack", 0,
    "SELECT hex(bitmap_or_agg(b)), hex(bitmap_xor_agg(b)), "
    "hex(bitmap_and_agg(b))"
    " FROM (SELECT bitmap(value * 65536, 70000, 5) AS b FROM " OOM_ROWS ")" },
  { "bitmap-in-place", 0,
    "SELECT sum(bitmap_count(b)), sum(bitmap_contains(b, 70000)),"
    " max(bitmap_min(b)), max(bitmap_max(b)),"
    " sum(bitmap_contains(bitmap(3, 70000), value)),"
    " sum(bitmap_count(bitmap_add_range(bitmap(), 0, 200000)))"
    " FROM (SELECT value, bitmap(value, 70000) AS b FROM " OOM_ROWS ")" },
  /* 2^27 values: 1.3 GB of JSON, over the default length limit, in 2048
  ** containers (2^32 would be 65536, decoded again for every failure). */
  { "bitmap_to_json-error", 0,
    "SELECT bitmap_to_json(bitmap_add_range(bitmap(), 0, 134217728))" },
  { "memprof-parameter-error", 0,
    "SELECT stmt FROM memprof('SELECT 1; SELECT :x')" },
  { "memprof-nested", 0,
    "SELECT stmt, rows FROM memprof('SELECT stmt FROM memprof(''SELECT 1;"
    " SELECT 2'')')" },
};

/* The rows of a run, as text, for comparing runs. */
typedef struct OomResult OomResult;
struct OomResult {
  int rc;          /* Result code of the run */
  char zOut[4096]; /* Rows, values joined by '|', rows by '\n' */
};

/* Append the rows of every statement in zSql on db to *pRes. */
static int oomExec(sqlite3 *db, const char *zSql, OomResult *pRes) {
  const char *zTail = zSql;
  size_t nOut = 0;
  pRes->zOut[0] = 0;
  while( zTail && zTail[0] ) {
    sqlite3_stmt *pStmt = 0;
    int rc = sqlite3_prepare_v2(db, zTail, -1, &pStmt, &zTail);
    if( rc != SQLITE_OK ) return rc;
    if( pStmt == 0 ) break;
    while( (rc = sqlite3_step(pStmt)) == SQLITE_ROW ) {
      int i;
      for( i = 0; i < sqlite3_column_count(pStmt); i++ ) {
        const char *z = (const char *)sqlite3_column_text(pStmt, i);
        nOut += (size_t)snprintf(
            pRes->zOut + nOut,
            nOut < sizeof(pRes->zOut) ? sizeof(pRes->zOut) - nOut : 0, "%s%s",
            i ? "|" : "", z ? z : "");
        if( nOut >= sizeof(pRes->zOut) ) nOut = sizeof(pRes->zOut) - 1;
      }
      nOut +=
          (size_t)snprintf(pRes->zOut + nOut, sizeof(pRes->zOut) - nOut, "\n");
      if( nOut >= sizeof(pRes->zOut) ) nOut = sizeof(pRes->zOut) - 1;
    }
    sqlite3_finalize(pStmt);
    if( rc != SQLITE_DONE ) return rc;
  }
  return SQLITE_OK;
}

/*
** Run case p once, failing the iFail-th allocation (0: none) in the given
** mode.  Faults are armed around loading frugal for the "load" case and
** around the statement otherwise.  Returns the number of allocations that
** failed; the outcome is in *pRes.
*/
static int oomRun(const OomCase *p, int iFail, int bPersist, OomResult *pRes) {
  sqlite3 *db = 0;
  char *zErr = 0;
  int nFail;
  memset(pRes, 0, sizeof(*pRes));
  if( sqlite3_open(":memory:", &db) != SQLITE_OK ) {
    fprintf(stderr, "cannot open a database\n");
    exit(1);
  }
  oom.nFail = 0;
  oom.bPersist = bPersist;
  if( p->zSql == 0 ) {
    oom.iCountdown = iFail - 1;
    pRes->rc = sqlite3_frugal_init(db, &zErr, 0);
    oom.iCountdown = -1;
    if( pRes->rc == SQLITE_OK ) pRes->rc = oomExec(db, "SELECT 1", pRes);
  } else {
    pRes->rc = sqlite3_frugal_init(db, &zErr, 0);
    if( pRes->rc == SQLITE_OK && p->zSetup ) {
      pRes->rc = oomExec(db, p->zSetup, pRes);
    }
    if( pRes->rc == SQLITE_OK ) {
      oom.iCountdown = iFail - 1;
      pRes->rc = oomExec(db, p->zSql, pRes);
      oom.iCountdown = -1;
    }
  }
  nFail = oom.nFail;
  sqlite3_free(zErr);
  if( sqlite3_close(db) != SQLITE_OK ) pRes->rc = -1;
  return nFail;
}

int main(int argc, char **argv) {
  static sqlite3_mem_methods mem = { oomMalloc,  oomFree, oomRealloc,  oomSize,
                                     oomRoundup, oomInit, oomShutdown, 0 };
  const char *zPattern = "*";
  int bVerbose = 0, nPass = 0, nFailed = 0;
  long long nInjected = 0;
  size_t i;
  int a;

  for( a = 1; a < argc; a++ ) {
    if( strcmp(argv[a], "-v") == 0 )
      bVerbose = 1;
    else
      zPattern = argv[a];
  }
  (void)pDefault;
  sqlite3_config(SQLITE_CONFIG_MALLOC, &mem);
  sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0);
  sqlite3_initialize();
  {
    /* Make what frugal keeps for the life of the process (its mutex)
    ** before counting what is outstanding. */
    OomResult warm;
    oomRun(&aCase[0], 0, 0, &warm);
  }

  for( i = 0; i < sizeof(aCase) / sizeof(aCase[0]); i++ ) {
    const OomCase *p = &aCase[i];
    OomResult ref;
    long long nBase;
    int bPersist;
    if( sqlite3_strglob(zPattern, p->zName) != 0 ) continue;
    nBase = oom.nOut;
    oomRun(p, 0, 0, &ref);
    if( (ref.rc != SQLITE_OK) != (sqlite3_strglob("*-error", p->zName) == 0) ) {
      printf("! %s: without faults, result code %d\n", p->zName, ref.rc);
      nFailed++;
      continue;
    }
    if( oom.nOut != nBase ) {
      printf("! %s: %lld blocks leaked without faults\n", p->zName,
             oom.nOut - nBase);
      nFailed++;
      continue;
    }
    for( bPersist = 0; bPersist <= 1; bPersist++ ) {
      const char *zMode = bPersist ? "persistent" : "one-shot";
      int iFail, bOk = 1;
      for( iFail = 1;; iFail++ ) {
        OomResult res;
        int nFail = oomRun(p, iFail, bPersist, &res);
        nInjected += nFail;
        if( oom.nOut != nBase ) {
          printf("! %s %s fail #%d: %lld blocks (%lld bytes) left after"
                 " close\n",
                 p->zName, zMode, iFail, oom.nOut - nBase, oom.nBytes);
          bOk = 0;
          break;
        }
        if( nFail == 0 ) {
          if( res.rc != ref.rc || strcmp(res.zOut, ref.zOut) != 0 ) {
            printf("! %s %s: a run with no fault differs from the first\n",
                   p->zName, zMode);
            bOk = 0;
          }
          if( bVerbose ) {
            printf("  %s %s: %d allocations failed in turn\n", p->zName, zMode,
                   iFail - 1);
          }
          break;
        }
        if( res.rc == -1 ) {
          printf("! %s %s fail #%d: sqlite3_close() did not return OK\n",
                 p->zName, zMode, iFail);
          bOk = 0;
          break;
        }
        /* A failure that was the only problem surfaces as SQLITE_NOMEM,
        ** or is absorbed and the statement still does what it should. */
        if( res.rc != SQLITE_NOMEM && res.rc != ref.rc ) {
          printf("! %s %s fail #%d: result code %d, expected %d or"
                 " SQLITE_NOMEM\n",
                 p->zName, zMode, iFail, res.rc, ref.rc);
          bOk = 0;
          break;
        }
        if( res.rc == ref.rc && res.rc == SQLITE_OK
            && strcmp(res.zOut, ref.zOut) != 0 ) {
          printf("! %s %s fail #%d: succeeded with other rows:\n%s\n", p->zName,
                 zMode, iFail, res.zOut);
          bOk = 0;
          break;
        }
      }
      if( bOk )
        nPass++;
      else
        nFailed++;
    }
  }
  printf("%lld allocations failed and survived\n", nInjected);
  printf("%d passed, %d failed\n", nPass, nFailed);
  return nFailed ? 1 : 0;
}
