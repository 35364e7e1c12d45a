/*
** frugal_int.h - what the parts of frugal share with each other.
**
** Not installed and not part of the public interface (that is frugal.h).
** Every C file in ext/ includes this header first.  It provides:
**
**   - the SQLite headers, so that one source builds both as a loadable
**     extension (calls go through the sqlite3_api table) and, with
**     -DSQLITE_CORE, as a static library that calls SQLite directly;
**   - FrugalDb, the state frugal keeps for one database connection;
**   - table-driven registration of SQL functions and modules;
**   - the register function of every capability, which ext/frugal.c
**     walks in a table;
**   - the file layer shared by the readers (ext/source.c).
*/
#ifndef FRUGAL_INT_H
#define FRUGAL_INT_H

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "frugal.h"

#include <stddef.h>

/*
** The oldest SQLite frugal builds against and runs on.  3.31.0 introduced
** SQLITE_INNOCUOUS, SQLITE_DIRECTONLY and SQLITE_VTAB_DIRECTONLY, which
** frugal's security model rests on.  doc/README.md gives the full list.
*/
#define FRUGAL_MIN_SQLITE_VERSION_NUMBER 3031000
#define FRUGAL_MIN_SQLITE_VERSION        "3.31.0"
/* The first SQLite that checks SQLITE_DIRECTONLY for every call a schema
** makes, deterministic or not (see frugalFuncFlags() in ext/frugal.c). */
#define FRUGAL_SQLITE_SCHEMA_CALLS_FIXED 3050000

#if SQLITE_VERSION_NUMBER < FRUGAL_MIN_SQLITE_VERSION_NUMBER
# error                                                                        \
     "frugal needs the headers of SQLite 3.31.0 or later (sqlite3ext.h is older)"
#endif

/* Marks the few symbols the shared object exports (see frugal.h). */
#if defined(_WIN32)
# define FRUGAL_EXPORT __declspec(dllexport)
#else
# define FRUGAL_EXPORT __attribute__((visibility("default")))
#endif

typedef sqlite3_int64 i64;
typedef sqlite3_uint64 u64;

/************************************************************************
** Per-connection state.
**
** A FrugalDb exists once per connection that loaded frugal, whatever the
** number of times it was loaded.  Every function or module registered with
** it as its application data holds a reference; the destructor SQLite
** calls when the function is replaced or the connection closes drops the
** reference, and the last one frees the state.  So the state lives exactly
** as long as something on the connection can reach it, and a connection
** closes with plain sqlite3_close().
**
** All fields are read and written with the connection's mutex held (SQLite
** holds it while it calls into a function or a virtual table), except nRef
** and the list link, which are guarded by frugalGlobalMutex().
*/
typedef struct FrugalDb FrugalDb;
typedef struct FrugalMemo FrugalMemo;
struct FrugalDb {
  sqlite3 *db;       /* The connection */
  int nRef;          /* References held by registrations and objects */
  FrugalDb *pNext;   /* Next in the registry of connections */
  i64 nCursorByte;   /* Bytes held by open file cursors */
  i64 nOpenCursor;   /* File cursors open now */
  FrugalMemo *pMemo; /* Memoized functions (ext/memo.c), or NULL */
  int nMemoStats;    /* memo_stats tables connected (ext/memo.c) */
  int mRegistered;   /* FRUGAL_REG_* already registered on db */
  int nMemprofDepth; /* memprof statements running, nested (memstat.c) */
};

sqlite3_mutex *frugalGlobalMutex(void);
FrugalDb *frugalDbAcquire(sqlite3 *db);
void frugalDbRef(FrugalDb *p);
void frugalDbRelease(void *p);

/************************************************************************
** Registration.
**
** A capability lists its SQL functions in an array of FrugalFunc and hands
** it to frugalRegisterFuncs(), which registers each one and, on failure,
** names it in *pzErrMsg.  bIo marks a function that opens files or runs SQL
** text; it must also carry SQLITE_DIRECTONLY in mFlags.
**
** mWhich says what to register: FRUGAL_REG_PURE for what neither opens
** files nor runs SQL, FRUGAL_REG_IO for what does.  The no-I/O entry point
** asks only for the first; loading frugal again asks only for what is not
** registered yet (SQLite cannot replace a function while a statement, such
** as the SELECT load_extension() doing the loading, is running).
*/
#define FRUGAL_REG_PURE 0x01
#define FRUGAL_REG_IO   0x02

typedef void (*FrugalSqlFunc)(sqlite3_context *, int, sqlite3_value **);
typedef struct FrugalFunc FrugalFunc;
struct FrugalFunc {
  const char *zName;                 /* SQL name */
  int nArg;                          /* Arguments, -1 for any number */
  int mFlags;                        /* SQLITE_DETERMINISTIC|... */
  int bIo;                           /* Opens files or runs SQL */
  FrugalSqlFunc xFunc;               /* Scalar function, or NULL */
  FrugalSqlFunc xStep;               /* Aggregate step, or NULL */
  void (*xFinal)(sqlite3_context *); /* Aggregate final */
  void (*xValue)(sqlite3_context *); /* Window value, or NULL */
  FrugalSqlFunc xInverse;            /* Window inverse, or NULL */
};

int frugalRegisterFuncs(sqlite3 *db, const FrugalFunc *aFunc, int nFunc,
                        int mWhich, FrugalDb *pState, char **pzErrMsg);
void frugalSchemaReset(sqlite3 *db);
int frugalRegisterModule(sqlite3 *db, const char *zName,
                         const sqlite3_module *pModule, FrugalDb *pState,
                         char **pzErrMsg);

/*
** The capabilities.  Each registers on db those of its functions and
** modules that mWhich (FRUGAL_REG_*) asks for.  On error it returns an
** SQLite error code and sets *pzErrMsg.
*/
int frugal_help_register(sqlite3 *db, int mWhich, char **pzErrMsg);
int frugal_read_register(sqlite3 *db, int mWhich, char **pzErrMsg);
int frugal_bitmap_register(sqlite3 *db, int mWhich, char **pzErrMsg);
int frugal_csv_register(sqlite3 *db, int mWhich, char **pzErrMsg);
int frugal_memo_register(sqlite3 *db, int mWhich, char **pzErrMsg);
int frugal_memstat_register(sqlite3 *db, int mWhich, char **pzErrMsg);

/************************************************************************
** Memoized functions (ext/memo.c), as memstat and frugal_release() see
** them: the bytes and entries all caches of a connection hold, and
** emptying them all (returns the entries freed).
*/
void frugalMemoUsage(FrugalDb *pState, i64 *pnByte, i64 *pnEntry);
i64 frugalMemoClearAll(FrugalDb *pState);

/************************************************************************
** JSON (ext/json.c): a validator, and options given as a JSON object.
*/
#define FRUGAL_JSON_NULL   0
#define FRUGAL_JSON_TRUE   1
#define FRUGAL_JSON_FALSE  2
#define FRUGAL_JSON_NUMBER 3
#define FRUGAL_JSON_STRING 4
#define FRUGAL_JSON_ARRAY  5
#define FRUGAL_JSON_OBJECT 6

/* One option value.  A string is decoded; anything else is its JSON. */
typedef struct FrugalJsonValue FrugalJsonValue;
struct FrugalJsonValue {
  int eType;     /* FRUGAL_JSON_* */
  const char *z; /* Decoded string, or the value's JSON text */
  int n;         /* Bytes in z */
};
typedef int (*FrugalJsonOptionFunc)(void *pCtx, const char *zKey,
                                    const FrugalJsonValue *pVal, char **pzErr);

int frugalJsonValid(const char *z, int n);
int frugalJsonOptions(const char *zFunc, const char *zJson, int nJson,
                      FrugalJsonOptionFunc xOption, void *pCtx, char **pzErr);
int frugalJsonBool(const FrugalJsonValue *pVal);
int frugalParseBool(const char *z, int n);

/************************************************************************
** The file layer (ext/source.c), shared by read_lines, read_jsonl,
** read_csv and csv_file.
**
** A FrugalSource walks the files a path names (one file, a glob pattern
** or "-" for standard input) and hands out their bytes, decompressed when a
** file starts with the gzip magic bytes.  A FrugalLines on top of it cuts
** the bytes into delimited records in one buffer that grows only to the
** longest record.  The bytes a source holds are counted in FrugalDb.
*/
typedef struct FrugalSource FrugalSource;
typedef struct FrugalLines FrugalLines;

/* Read block size: bytes asked of read(2) at a time.  The fuzz targets
** build with a tiny one, so that records cross block boundaries often. */
#ifndef FRUGAL_READ_BLOCK
# define FRUGAL_READ_BLOCK (128 * 1024)
#endif

/* The filename reported for standard input. */
#define FRUGAL_STDIN_NAME "<stdin>"

int frugalPathArg(const char *zFunc, sqlite3_value *pVal, const char **pzPath,
                  char **pzErr);
int frugalSourceOpen(FrugalDb *pState, const char *zFunc, const char *zPath,
                     FrugalSource **ppSrc, char **pzErr);
int frugalSourceNextFile(FrugalSource *pSrc, char **pzErr);
const char *frugalSourceFilename(FrugalSource *pSrc);
int frugalSourceRead(FrugalSource *pSrc, unsigned char *aBuf, int nBuf,
                     int *pnRead, i64 iLine, char **pzErr);
void frugalSourceClose(FrugalSource *pSrc);

/* One record cut out of the stream by frugalLinesNext(). */
typedef struct FrugalLine FrugalLine;
struct FrugalLine {
  const char *z; /* First byte; z[n] is writable and set to 0 */
  int n;         /* Bytes, delimiter and a CR before it removed */
  i64 iLine;     /* 1-based number within the current file */
  i64 iOffset;   /* Offset of z[0] in the decompressed file */
};

int frugalLinesOpen(FrugalDb *pState, sqlite3 *db, const char *zFunc,
                    const char *zPath, int cDelim, FrugalLines **ppLines,
                    char **pzErr);
int frugalLinesNext(FrugalLines *p, FrugalLine *pLine, char **pzErr);
void frugalLinesSkipFile(FrugalLines *p);
const char *frugalLinesFilename(FrugalLines *p);
void frugalLinesClose(FrugalLines *p);

#endif /* FRUGAL_INT_H */
