/*
** help.c - frugal_help: what frugal registers, with a line on each.
**
**   SELECT name, kind, args FROM frugal_help WHERE kind = 'table';
**   SELECT description FROM frugal_help WHERE name = 'read_csv';
**
** Columns: name, kind ('scalar', 'aggregate', 'window' or 'table'), args
** (how it is called) and description (one line).  It lists only what is
** registered on the connection: the no-I/O entry point leaves out what
** opens files or runs SQL text, and so does frugal_help then.
**
** HOW IT WORKS
**
** The entries are one static table, aHelp[], in the order of the reference
** pages in doc/.  test/help.test checks that it names exactly what frugal
** registers, with the right kinds, so the two cannot drift apart.
*/
#include "frugal_int.h"

#include <string.h>

/* One entry. */
typedef struct FrugalHelp FrugalHelp;
struct FrugalHelp {
  const char *zName; /* SQL name */
  const char *zKind; /* scalar, aggregate, window, table */
  const char *zArgs; /* How it is called */
  int bIo;           /* Opens files or runs SQL: left out without I/O */
  const char *zDesc; /* One line */
};

static const FrugalHelp aHelp[] = {
  /* ext/frugal.c, ext/help.c */
  { "frugal_version", "scalar", "frugal_version()", 0,
    "the version of frugal" },
  { "frugal_help", "table", "frugal_help", 0,
    "every function and table frugal registers, with a line on each" },

  /* ext/read_lines.c: doc/read.md */
  { "read_lines", "table", "read_lines(path [, delimiter])", 1,
    "the lines of a file, a glob of files or stdin, plain or gzip, read "
    "lazily" },
  { "read_jsonl", "table", "read_jsonl(path [, options])", 1,
    "the JSON values of a JSON Lines file, a glob of files or stdin" },

  /* ext/read_csv.c: doc/csv.md */
  { "read_csv", "table", "read_csv(path [, options])", 1,
    "the records of a CSV or TSV file as JSON objects, read lazily" },
  { "csv_file", "table",
    "CREATE VIRTUAL TABLE temp.t USING csv_file(filename=..., header=..., "
    "...)",
    1, "a CSV or TSV file as a table with typed columns, read lazily" },

  /* ext/bitmap.c: doc/bitmap.md */
  { "bitmap_agg", "window", "bitmap_agg(v)", 0,
    "the Roaring bitmap of the integers v (aggregate and window)" },
  { "bitmap_or_agg", "aggregate", "bitmap_or_agg(b)", 0,
    "the union of the bitmaps b" },
  { "bitmap_and_agg", "aggregate", "bitmap_and_agg(b)", 0,
    "the intersection of the bitmaps b" },
  { "bitmap_xor_agg", "aggregate", "bitmap_xor_agg(b)", 0,
    "the symmetric difference of the bitmaps b" },
  { "bitmap", "scalar", "bitmap(v, ...)", 0,
    "the bitmap of the values given (none: the empty bitmap)" },
  { "bitmap_from_json", "scalar", "bitmap_from_json(json)", 0,
    "the bitmap of a JSON array of integers" },
  { "bitmap_to_json", "scalar", "bitmap_to_json(b)", 0,
    "the values of a bitmap as a JSON array" },
  { "bitmap_add", "scalar", "bitmap_add(b, v)", 0, "b with v added" },
  { "bitmap_remove", "scalar", "bitmap_remove(b, v)", 0, "b without v" },
  { "bitmap_add_range", "scalar", "bitmap_add_range(b, lo, hi)", 0,
    "b with every value in [lo, hi) added" },
  { "bitmap_slice", "scalar", "bitmap_slice(b, lo, hi)", 0,
    "the values of b in [lo, hi)" },
  { "bitmap_count", "scalar", "bitmap_count(b)", 0, "how many values b holds" },
  { "bitmap_contains", "scalar", "bitmap_contains(b, v)", 0,
    "1 if b holds v, else 0" },
  { "bitmap_min", "scalar", "bitmap_min(b)", 0,
    "the smallest value of b (NULL if empty)" },
  { "bitmap_max", "scalar", "bitmap_max(b)", 0,
    "the largest value of b (NULL if empty)" },
  { "bitmap_rank", "scalar", "bitmap_rank(b, v)", 0,
    "how many values of b are <= v" },
  { "bitmap_nth", "scalar", "bitmap_nth(b, n)", 0,
    "the n-th smallest value of b, 1-based (NULL out of range)" },
  { "bitmap_info", "scalar", "bitmap_info(b)", 0,
    "JSON: count, bytes and containers by kind" },
  { "bitmap_and", "scalar", "bitmap_and(a, b, ...)", 0,
    "the intersection of the bitmaps" },
  { "bitmap_or", "scalar", "bitmap_or(a, b, ...)", 0,
    "the union of the bitmaps" },
  { "bitmap_xor", "scalar", "bitmap_xor(a, b, ...)", 0,
    "the symmetric difference of the bitmaps" },
  { "bitmap_andnot", "scalar", "bitmap_andnot(a, b)", 0,
    "the values of a that are not in b" },
  { "bitmap_and_count", "scalar", "bitmap_and_count(a, b)", 0,
    "bitmap_count(bitmap_and(a, b)), without building it" },
  { "bitmap_or_count", "scalar", "bitmap_or_count(a, b)", 0,
    "bitmap_count(bitmap_or(a, b)), without building it" },
  { "bitmap_xor_count", "scalar", "bitmap_xor_count(a, b)", 0,
    "bitmap_count(bitmap_xor(a, b)), without building it" },
  { "bitmap_andnot_count", "scalar", "bitmap_andnot_count(a, b)", 0,
    "bitmap_count(bitmap_andnot(a, b)), without building it" },
  { "bitmap_intersects", "scalar", "bitmap_intersects(a, b)", 0,
    "1 if a and b share a value, else 0" },
  { "bitmap_is_subset", "scalar", "bitmap_is_subset(a, b)", 0,
    "1 if every value of a is in b, else 0" },
  { "bitmap_jaccard", "scalar", "bitmap_jaccard(a, b)", 0,
    "|a and b| / |a or b|" },
  { "bitmap_each", "table", "bitmap_each(b)", 0,
    "the values of a bitmap, one per row, ascending" },

  /* ext/memo.c: doc/memo.md */
  { "memoize", "scalar", "memoize(f [, max_entries [, max_bytes]])", 1,
    "makes f_memo: f behind an LRU cache bounded by entries and bytes" },
  { "memo_stats", "table", "memo_stats", 0,
    "hits, misses, evictions, entries and bytes of every cache" },
  { "memo_clear", "scalar", "memo_clear([f])", 0,
    "empties the cache of f (or all), returns the entries freed" },
  { "memo_forget", "scalar", "memo_forget(f, args...)", 0,
    "drops the cached result of f(args...)" },

  /* ext/memstat.c: doc/memory.md */
  { "memstat", "table", "memstat", 0,
    "the memory counters of the process, the connection and frugal" },
  { "memprof", "table", "memprof(sql)", 1,
    "runs a script, one row per statement with its time and memory" },
  { "frugal_release", "scalar", "frugal_release()", 0,
    "empties every cache and releases memory, returns the bytes released" },
};

/* Column numbers. */
#define HELP_NAME        0
#define HELP_KIND        1
#define HELP_ARGS        2
#define HELP_DESCRIPTION 3

/* The frugal_help table. */
typedef struct HelpVtab HelpVtab;
struct HelpVtab {
  sqlite3_vtab base; /* Base class - must be first */
  FrugalDb *pState;  /* What is registered on the connection */
};

/* A scan of it. */
typedef struct HelpCursor HelpCursor;
struct HelpCursor {
  sqlite3_vtab_cursor base; /* Base class - must be first */
  int iEntry;               /* Index in aHelp[] of the current row */
};

/* xConnect. */
static int helpConnect(sqlite3 *db, void *pAux, int argc,
                       const char *const *argv, sqlite3_vtab **ppVtab,
                       char **pzErr) {
  HelpVtab *p;
  int rc;
  (void)argc;
  (void)argv;
  (void)pzErr;
  rc = sqlite3_declare_vtab(db, "CREATE TABLE x(name TEXT, kind TEXT, "
                                "args TEXT, description TEXT)");
  if( rc != SQLITE_OK ) return rc;
  p = sqlite3_malloc64(sizeof(*p));
  if( p == 0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->pState = (FrugalDb *)pAux;
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  *ppVtab = &p->base;
  return SQLITE_OK;
}

/* xDisconnect. */
static int helpDisconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

/* xOpen. */
static int helpOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur) {
  HelpCursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  (void)pVtab;
  if( pCur == 0 ) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCur = &pCur->base;
  return SQLITE_OK;
}

/* xClose. */
static int helpClose(sqlite3_vtab_cursor *cur) {
  sqlite3_free(cur);
  return SQLITE_OK;
}

/* True if entry i is registered on the connection of cur. */
static int helpIsRegistered(sqlite3_vtab_cursor *cur, int i) {
  FrugalDb *pState = ((HelpVtab *)cur->pVtab)->pState;
  return (pState->mRegistered
          & (aHelp[i].bIo ? FRUGAL_REG_IO : FRUGAL_REG_PURE))
      != 0;
}

/* Move to entry i or the first registered one after it. */
static int helpSeek(sqlite3_vtab_cursor *cur, int i) {
  int n = (int)(sizeof(aHelp) / sizeof(aHelp[0]));
  while( i < n && !helpIsRegistered(cur, i) ) i++;
  ((HelpCursor *)cur)->iEntry = i;
  return SQLITE_OK;
}

/* xFilter: every row, in table order. */
static int helpFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr,
                      int argc, sqlite3_value **argv) {
  (void)idxNum;
  (void)idxStr;
  (void)argc;
  (void)argv;
  return helpSeek(cur, 0);
}

/* xNext. */
static int helpNext(sqlite3_vtab_cursor *cur) {
  return helpSeek(cur, ((HelpCursor *)cur)->iEntry + 1);
}

/* xEof. */
static int helpEof(sqlite3_vtab_cursor *cur) {
  return ((HelpCursor *)cur)->iEntry >= (int)(sizeof(aHelp) / sizeof(aHelp[0]));
}

/* xColumn. */
static int helpColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  const FrugalHelp *p = &aHelp[((HelpCursor *)cur)->iEntry];
  const char *z = 0;
  switch( i ) {
    case HELP_NAME: z = p->zName; break;
    case HELP_KIND: z = p->zKind; break;
    case HELP_ARGS: z = p->zArgs; break;
    case HELP_DESCRIPTION: z = p->zDesc; break;
  }
  sqlite3_result_text(ctx, z, -1, SQLITE_STATIC);
  return SQLITE_OK;
}

/* xRowid: the entry's place in the table. */
static int helpRowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *pRowid) {
  *pRowid = ((HelpCursor *)cur)->iEntry + 1;
  return SQLITE_OK;
}

/* xBestIndex: a full scan of a few dozen rows is all there is. */
static int helpBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  (void)pVtab;
  pInfo->estimatedCost = 100;
  pInfo->estimatedRows = sizeof(aHelp) / sizeof(aHelp[0]);
  return SQLITE_OK;
}

static const sqlite3_module helpModule = {
  .iVersion = 0,
  .xConnect = helpConnect,
  .xBestIndex = helpBestIndex,
  .xDisconnect = helpDisconnect,
  .xOpen = helpOpen,
  .xClose = helpClose,
  .xFilter = helpFilter,
  .xNext = helpNext,
  .xEof = helpEof,
  .xColumn = helpColumn,
  .xRowid = helpRowid,
};

/*
** Register frugal_help (with the pure functions: it reads nothing but the
** table above).
*/
int frugal_help_register(sqlite3 *db, int mWhich, char **pzErrMsg) {
  FrugalDb *pState;
  int rc;
  if( !(mWhich & FRUGAL_REG_PURE) ) return SQLITE_OK;
  pState = frugalDbAcquire(db);
  if( pState == 0 ) return SQLITE_NOMEM;
  rc = frugalRegisterModule(db, "frugal_help", &helpModule, pState, pzErrMsg);
  frugalDbRelease(pState);
  return rc;
}
