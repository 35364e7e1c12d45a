/*
** memo.c - memoize(): LRU-bounded caching of any deterministic SQL function.
**
**   SELECT memoize('slow_lookup');                 -- creates slow_lookup_memo
**   SELECT memoize('slow_lookup', 50000, 64<<20);  -- change its bounds
**   SELECT slow_lookup_memo(id) FROM big_table;    -- cached calls
**   SELECT * FROM memo_stats;                      -- hits, misses, bytes...
**   SELECT memo_clear('slow_lookup');              -- empty one cache
**   SELECT memo_forget('slow_lookup', 42);         -- drop one key
**
** memoize('f' [, max_entries [, max_bytes]]) registers f_memo on the
** connection: a function that returns exactly what f returns and keeps the
** results in a cache bounded both by entries and by bytes.  C programs that
** link libfrugal.a get the same cache around their own xFunc, without any
** SQL in between, from frugal_memoize_function() (frugal.h).
**
** HOW IT WORKS
**
** Every memoized function is a FrugalMemo, linked from the connection's
** FrugalDb.  It owns a hash table and a doubly-linked list of MemoEntry,
** most recently used first.  An entry is one allocation: a header, the
** arguments encoded as a key, and the bytes of a TEXT or BLOB result.  A
** call hashes its argument values where they are (no copy, no allocation),
** walks one hash chain comparing the values with the encoded keys, and on a
** hit moves the entry to the front of the list and hands its result to
** SQLite.  A miss computes the result, evicts entries from the back of the
** list until the new one fits both bounds, and links it at the front.  So
** lookup, insertion and eviction are O(1), and the order of evictions is
** that of the textbook LRU.
**
** Bytes are counted as SQLite counts them: sqlite3_msize() of every entry
** and of the bucket array.  Entries are evicted before the new one is
** allocated (with an allocator that rounds up by more than 8 bytes, the
** last few after), so the count never goes over max_bytes, not even in
** between.  The bucket array doubles when there are more entries than
** buckets, but only if the larger array fits in max_bytes (again, with an
** allocator that rounds up further, the doubled array may come out larger
** and evict entries).  A call whose key alone cannot fit is not hashed or
** looked up at all, and its arguments are not read: a zeroblob stays one.
**
** How f is computed on a miss depends on who made the wrapper:
**
**   memoize()  f is only known by its name, so a miss binds the arguments
**              to SELECT "f"(?,?,...) and steps it once.  The wrapper keeps
**              that statement, reset, for its next misses with as many
**              arguments (a few such statements at most), and prepares
**              another when it is running: f may call f_memo, and no
**              statement is ever stepped while it runs.  Hits never touch
**              SQL.
**
**              Kept statements must not stop the connection from closing
**              with plain sqlite3_close(), which refuses to close while any
**              statement is left and checks that before it calls any
**              destructor, but after it has disconnected every virtual
**              table.  So they are kept only while memo_stats is connected
**              (memoize() makes sure it is), and its xDisconnect finalizes
**              them.
**
**              The statement is never checked against a schema's rules,
**              even when a view called the wrapper.  The wrapper's flags
**              were derived from f's when it was made, but f may have been
**              registered again since, stricter.  A statement resolves f
**              when it is prepared and calls that registration until it
**              expires: SQLite refuses to replace or delete a registration
**              while any statement runs, expires every statement when it
**              does, and lets other registrations (other numbers of
**              arguments, other encodings) be added without touching the
**              statements that resolved f before.  So the flags of the
**              registration a statement reaches are checked, with PRAGMA
**              function_list (which takes no lock and does no DDL), once,
**              when it is prepared; an expired statement fails its next step
**              before running anything, and is prepared and checked again.
**              A wrapper that is direct-only is not checked: no schema can
**              call it.  Arguments with a subtype are refused: bound
**              parameters have none, and keys do not hold them.
**
**   the C API  xFunc is called directly with SQLite's own context.  Two
**              things have no public interface.  First, xFunc must find the
**              caller's pApp in sqlite3_user_data(); so the function is
**              registered with pApp, and reaches its cache through one of a
**              fixed pool of trampoline functions, each tied to a slot of a
**              process-wide table.  A slot is shared by every connection
**              that memoizes the same function, whatever pApp each gives
**              it; the trampoline finds the cache of the connection the
**              call comes from, with no lock once a thread has found it
**              (see MemoSeen).  Second, the
**              result xFunc set and whether it raised an error are read
**              from the context: its first member is the output value and
**              the sixth its error code, the layout of struct
**              sqlite3_context in vdbeInt.h since 2014.  A probe checks
**              that layout on the running SQLite once per process and the
**              registration fails if it does not match.
**
** All of it runs under the connection's mutex, which SQLite holds while it
** calls a function, a virtual table or a destructor, and which
** frugal_memoize_function() takes.  A FrugalMemo of memoize() is freed when
** the last of its registrations goes: when the connection closes, or when
** the application deletes the function with sqlite3_create_function().
** SQLite refuses to delete or replace a function while any statement runs,
** so nothing that is running can see a FrugalMemo disappear.  A FrugalMemo
** of the C API belongs to its connection and goes when it closes (see
** MemoAnchor), or when its function is gone everywhere (see aMemoSlot[]);
** memo_stats reads its rows when a scan starts, so that no scan holds one.
*/
#include "frugal_int.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>

/* Bounds of a new cache when memoize() is not given them. */
#define MEMO_DEFAULT_MAX_ENTRIES 10000
#define MEMO_DEFAULT_MAX_BYTES   (4 * 1024 * 1024)

/* What memoize('f') appends to f to name the wrapper. */
#define MEMO_SUFFIX "_memo"

/* Buckets of a new hash table, and the most it grows to. */
#define MEMO_MIN_BUCKET_LOG2 4
#define MEMO_MIN_BUCKET      (1 << MEMO_MIN_BUCKET_LOG2)
#define MEMO_MAX_BUCKET      (1 << 30)

/* The largest entry (header, key and value) that is cached. */
#define MEMO_MAX_ENTRY_BYTES 0x7fff0000

/* The most statements that call f a wrapper made by memoize() keeps. */
#define MEMO_MAX_STMT 4

/* Trampolines for the C API: the most distinct functions it can memoize at
** once in the process, whatever the number of connections. */
#define MEMO_N_SLOT 64

/* The collation whose destructor frees the C API's caches of a connection
** when it closes (see memoAnchorEnsure()). */
#define MEMO_ANCHOR_NAME "frugal_memo_capi"

/* The largest REAL memoize() takes as a bound: 2**63, the first double that
** does not convert to a 64-bit integer. */
#define MEMO_REAL_BOUND_LIMIT 9223372036854775808.0

/* The subtype of the NULL that sqlite3_result_pointer() sets ('p'). */
#define MEMO_POINTER_SUBTYPE 0x70

/*
** SQLITE_RESULT_SUBTYPE (SQLite 3.45.0): the function may set the subtype of
** its result.  A wrapper does whenever f does, and PRAGMA function_list does
** not show the flag, so every wrapper carries it where SQLite knows it.
*/
#ifndef SQLITE_RESULT_SUBTYPE
# define SQLITE_RESULT_SUBTYPE 0x001000000
#endif
#define MEMO_RESULT_SUBTYPE_VERSION 3045000

/* Columns of memo_stats. */
#define MEMO_COL_NAME        0
#define MEMO_COL_HITS        1
#define MEMO_COL_MISSES      2
#define MEMO_COL_EVICTIONS   3
#define MEMO_COL_ENTRIES     4
#define MEMO_COL_BYTES       5
#define MEMO_COL_MAX_ENTRIES 6
#define MEMO_COL_MAX_BYTES   7

/*
** n rounded up to a multiple of 8: what sqlite3_msize() says of an n-byte
** allocation with SQLite's own allocator, and no more than it says with
** the others it ships (they round up further).  Used to evict before an
** entry is allocated; its true size is checked after.
*/
#define MEMO_ROUND8(n) (((n) + 7) & ~(i64)7)

/*
** One cached result.  The allocation continues with the key (nKey bytes)
** and then the bytes of a TEXT or BLOB result (nVal bytes).
**
** The key encodes each argument as its type (one byte), then, if the cache
** keys on subtypes, the subtype (one byte), then 8 bytes for an INTEGER (its
** value) or a REAL (its bits), or a 4-byte length and the bytes for a TEXT
** (UTF-8) or a BLOB.  A NULL is its type byte alone.
*/
typedef struct MemoEntry MemoEntry;
struct MemoEntry {
  MemoEntry *pChain; /* Next entry in the same hash bucket */
  MemoEntry *pNewer; /* Toward the most recently used, or NULL */
  MemoEntry *pOlder; /* Toward the least recently used, or NULL */
  u64 h;             /* Hash of the key */
  union {
    i64 i;    /* INTEGER result */
    double r; /* REAL result */
  } u;
  int nKey;               /* Bytes of the encoded key */
  int nVal;               /* Bytes of a TEXT or BLOB result */
  int nAlloc;             /* sqlite3_msize() of this entry */
  unsigned short nArg;    /* Number of arguments */
  unsigned char eType;    /* SQLITE_INTEGER, ..., SQLITE_NULL of the result */
  unsigned char eSubtype; /* Subtype of the result, or 0 */
};

/* The encoded key of an entry, and its value bytes. */
#define memoEntryKey(pE) ((unsigned char *)&(pE)[1])
#define memoEntryVal(pE) (memoEntryKey(pE) + (pE)->nKey)

typedef struct MemoStmt MemoStmt;

/* One arity of a wrapper made by memoize(), and its flags. */
typedef struct MemoArity MemoArity;
struct MemoArity {
  int nArg;   /* Number of arguments, -1 for any */
  int mFlags; /* SQLITE_DETERMINISTIC|...: of f, or of the wrapper */
};

/*
** One memoized function: its cache and where a miss gets its value.
*/
struct FrugalMemo {
  FrugalDb *pState;  /* The connection's state; holds a reference */
  FrugalMemo *pNext; /* Next memoized function of the connection */
  char *zName;       /* f: the name memo_stats and memo_clear use */
  int nRef;          /* Registrations of memoize()'s wrapper using this,
                     ** +1 while being made; 1 for the C API's */

  /* Made by memoize(): f is called by name with nested SQL. */
  char *zWrapper;      /* f_memo, or NULL for the C API */
  MemoArity *aArity;   /* Arities f_memo is registered with */
  int nArity;          /* Entries in aArity[] */
  int *aNotScalar;     /* Arities at which f is not a scalar function */
  int nNotScalar;      /* Entries in aNotScalar[] */
  MemoStmt *pStmtList; /* Statements that call f (see memoStmtGet()) */
  int nStmt;           /* Entries in pStmtList */

  /* Made by frugal_memoize_function(): xFunc is called directly. */
  int iSlot;             /* Trampoline slot; -1 once the slot is gone */
  FrugalMemo *pSlotNext; /* Cache of the same slot on another connection */
  int bSubtypeKey;       /* Argument subtypes are part of the key */

  /* The cache. */
  MemoEntry **apBucket; /* Hash table, NULL while empty */
  i64 nBucket;          /* Buckets in apBucket[], 2**(64-iShift) */
  int iShift;           /* The bucket of hash h is h>>iShift */
  i64 nTableByte;       /* sqlite3_msize(apBucket) */
  MemoEntry *pNewest;   /* Most recently used entry */
  MemoEntry *pOldest;   /* Least recently used entry */
  u64 iSeed;            /* Random seed of the hash */
  i64 nEntry;           /* Entries cached */
  i64 nByte;            /* Bytes held: entries and apBucket */
  i64 mxEntry;          /* Bound on nEntry */
  i64 mxByte;           /* Bound on nByte */
  i64 nHit;             /* Calls answered from the cache */
  i64 nMiss;            /* Calls that were not */
  i64 nEvict;           /* Entries evicted to make room */
};

/************************************************************************
** Keys: hashing and comparing argument lists.
*/

/* One argument, read once from its sqlite3_value. */
typedef struct MemoArg MemoArg;
struct MemoArg {
  int eType;              /* SQLITE_INTEGER, ..., SQLITE_NULL */
  int n;                  /* Bytes of a TEXT or BLOB */
  u64 x;                  /* Value of an INTEGER, bits of a REAL */
  const unsigned char *z; /* Bytes of a TEXT (UTF-8) or BLOB */
  unsigned int eSubtype;  /* Subtype, if the cache keys on it */
};

/*
** The arguments of one call, as a lookup sees them.  The first
** MEMO_N_ARG_READ are read once into aArg[]; more are read again when
** needed, so that a hit costs no allocation whatever the arguments.
**
** nKey is -1 when the result cannot be cached: max_entries is 0, or the key
** alone would not fit in max_bytes, or a value could not be read (out of
** memory).  Then the arguments are neither hashed nor looked up, and the
** bytes of a TEXT or BLOB are not read at all: a zeroblob stays a zeroblob.
*/
#define MEMO_N_ARG_READ 8
typedef struct MemoCall MemoCall;
struct MemoCall {
  const FrugalMemo *p;           /* Whose key this is */
  int argc;                      /* Number of arguments */
  sqlite3_value **argv;          /* The arguments */
  u64 h;                         /* Hash of the key */
  i64 nKey;                      /* Bytes of the encoded key, or -1 */
  int iSubtype;                  /* First argument with a subtype, or -1 */
  MemoArg aArg[MEMO_N_ARG_READ]; /* The first arguments, read */
};

/* Keys of at most this many bytes are encoded on the stack on a miss. */
#define MEMO_KEY_STACK 256

/*
** Read pVal into *pA.  The bytes of a TEXT or BLOB are read only if there
** are at most nMax of them (sqlite3_value_bytes() does not expand a
** zeroblob; sqlite3_value_blob() does).  pA->z is NULL if they were not read
** or could not be (out of memory).
*/
static void memoArgRead(const FrugalMemo *p, sqlite3_value *pVal, MemoArg *pA,
                        i64 nMax) {
  double r;
  pA->eType = sqlite3_value_type(pVal);
  pA->eSubtype = p->bSubtypeKey ? sqlite3_value_subtype(pVal) : 0;
  pA->n = 0;
  pA->x = 0;
  pA->z = 0;
  switch( pA->eType ) {
    case SQLITE_INTEGER: pA->x = (u64)sqlite3_value_int64(pVal); break;
    case SQLITE_FLOAT:
      r = sqlite3_value_double(pVal);
      memcpy(&pA->x, &r, 8);
      break;
    case SQLITE_TEXT:
      pA->n = sqlite3_value_bytes(pVal);
      if( pA->n <= nMax ) pA->z = sqlite3_value_text(pVal);
      break;
    case SQLITE_BLOB:
      pA->n = sqlite3_value_bytes(pVal);
      if( pA->n <= nMax ) pA->z = sqlite3_value_blob(pVal);
      break;
  }
}

/* Argument i of call pC: from aArg[], or read into *pTmp. */
static const MemoArg *memoArg(const MemoCall *pC, int i, MemoArg *pTmp) {
  if( i < MEMO_N_ARG_READ ) return &pC->aArg[i];
  memoArgRead(pC->p, pC->argv[i], pTmp, MEMO_MAX_ENTRY_BYTES);
  return pTmp;
}

/* Bytes the key of argument *pA takes (see MemoEntry). */
static i64 memoArgKeySize(const FrugalMemo *p, const MemoArg *pA) {
  i64 n = 1 + (p->bSubtypeKey ? 1 : 0);
  if( pA->eType == SQLITE_INTEGER || pA->eType == SQLITE_FLOAT ) n += 8;
  if( pA->eType == SQLITE_TEXT || pA->eType == SQLITE_BLOB ) n += 4 + pA->n;
  return n;
}

/* Mix the 64 bits of x into h. */
static u64 memoMix(u64 h, u64 x) {
  h = (h ^ x) * 0x9e3779b97f4a7c15ULL;
  return h ^ (h >> 32);
}

/* Mix n bytes at z into h. */
static u64 memoMixBytes(u64 h, const unsigned char *z, int n) {
  u64 x;
  h = memoMix(h, (u64)n);
  for( ; n >= 8; n -= 8, z += 8 ) {
    memcpy(&x, z, 8);
    h = memoMix(h, x);
  }
  if( n > 0 ) {
    x = 0;
    memcpy(&x, z, (size_t)n);
    h = memoMix(h, x);
  }
  return h;
}

/*
** The most bytes a key of p can take and still be cached: what is left of
** max_bytes (or of the largest entry) after the header of an entry.
*/
static i64 memoMaxKey(const FrugalMemo *p) {
  i64 mx = p->mxByte < MEMO_MAX_ENTRY_BYTES ? p->mxByte : MEMO_MAX_ENTRY_BYTES;
  return mx - (i64)sizeof(MemoEntry);
}

/*
** Start call pC of p with argv[]: read the first arguments, size the key and
** hash it, with the random seed of p, unless it cannot be cached.  The hash
** covers what memoKeyEncode() writes: count, types, subtypes and values.
** For a wrapper made by memoize(), note the first argument with a subtype.
*/
static void memoCallInit(MemoCall *pC, const FrugalMemo *p, int argc,
                         sqlite3_value **argv) {
  u64 h = memoMix(p->iSeed, (u64)argc);
  i64 nMax = memoMaxKey(p);
  i64 nKey = p->mxEntry > 0 ? 0 : -1;
  int i;
  pC->p = p;
  pC->argc = argc;
  pC->argv = argv;
  pC->iSubtype = -1;
  for( i = 0; i < argc; i++ ) {
    MemoArg tmp;
    MemoArg *pA = i < MEMO_N_ARG_READ ? &pC->aArg[i] : &tmp;
    if( p->zWrapper && pC->iSubtype < 0 && sqlite3_value_subtype(argv[i]) ) {
      pC->iSubtype = i;
    }
    if( nKey < 0 ) continue;
    memoArgRead(p, argv[i], pA, nMax - nKey);
    nKey += memoArgKeySize(p, pA);
    if( nKey > nMax || (pA->z == 0 && pA->n > 0) ) {
      nKey = -1;
      continue;
    }
    h = memoMix(h, (u64)pA->eType | ((u64)pA->eSubtype << 8));
    if( pA->z ) {
      h = memoMixBytes(h, pA->z, pA->n);
    } else {
      h = memoMix(h, pA->x);
    }
  }
  pC->nKey = nKey <= nMax ? nKey : -1;
  pC->h = h * 0xc4ceb9fe1a85ec53ULL;
}

/*
** The bucket of hash h.  Hashes end with a multiplication, whose high bits
** depend on all the bits before it, so the bucket is taken from the top.
*/
#define memoBucket(p, h) (&(p)->apBucket[(h) >> (p)->iShift])

/* Write the key of call pC to a, which has room for pC->nKey bytes. */
static void memoKeyEncode(const MemoCall *pC, unsigned char *a) {
  int i;
  for( i = 0; i < pC->argc; i++ ) {
    MemoArg tmp;
    const MemoArg *pA = memoArg(pC, i, &tmp);
    *a++ = (unsigned char)pA->eType;
    if( pC->p->bSubtypeKey ) *a++ = (unsigned char)pA->eSubtype;
    if( pA->eType == SQLITE_INTEGER || pA->eType == SQLITE_FLOAT ) {
      memcpy(a, &pA->x, 8);
      a += 8;
    } else if( pA->eType == SQLITE_TEXT || pA->eType == SQLITE_BLOB ) {
      unsigned int nLen = (unsigned int)pA->n;
      memcpy(a, &nLen, 4);
      if( pA->n > 0 ) memcpy(a + 4, pA->z, (size_t)pA->n);
      a += 4 + pA->n;
    }
  }
}

/* True if entry pE holds the key of call pC. */
static int memoKeyMatch(const MemoCall *pC, const MemoEntry *pE) {
  const unsigned char *a = memoEntryKey(pE);
  int i;
  if( pE->nArg != pC->argc ) return 0;
  for( i = 0; i < pC->argc; i++ ) {
    MemoArg tmp;
    const MemoArg *pA = memoArg(pC, i, &tmp);
    if( *a++ != pA->eType ) return 0;
    if( pC->p->bSubtypeKey && *a++ != pA->eSubtype ) return 0;
    if( pA->eType == SQLITE_INTEGER || pA->eType == SQLITE_FLOAT ) {
      if( memcmp(a, &pA->x, 8) ) return 0;
      a += 8;
    } else if( pA->eType == SQLITE_TEXT || pA->eType == SQLITE_BLOB ) {
      unsigned int nLen;
      memcpy(&nLen, a, 4);
      if( nLen != (unsigned int)pA->n ) return 0;
      if( pA->n > 0 && memcmp(a + 4, pA->z, (size_t)pA->n) ) return 0;
      a += 4 + pA->n;
    }
  }
  return 1;
}

/************************************************************************
** The cache: an LRU list and a hash table of MemoEntry.
*/

/* The entry for call pC, or NULL. */
static MemoEntry *memoFind(const FrugalMemo *p, const MemoCall *pC) {
  MemoEntry *pE;
  if( p->apBucket == 0 || pC->nKey < 0 ) return 0;
  for( pE = *memoBucket(p, pC->h); pE; pE = pE->pChain ) {
    if( pE->h == pC->h && memoKeyMatch(pC, pE) ) return pE;
  }
  return 0;
}

/*
** The key of a miss, encoded before f runs: a C function may convert its
** arguments in place (sqlite3_value_numeric_type() makes the TEXT '12' an
** INTEGER), and the result must be filed under the arguments as they came.
*/
typedef struct MemoKey MemoKey;
struct MemoKey {
  u64 h;                                /* Hash of the key */
  int nArg;                             /* Number of arguments */
  int nKey;                             /* Bytes in aKey[] */
  unsigned char *aKey;                  /* The key, or NULL: do not cache */
  unsigned char aStack[MEMO_KEY_STACK]; /* aKey of a short key */
};

/*
** Encode the key of miss pC into *pK.  If the result will not be cached
** (see MemoCall, or no memory for the key), pK->aKey is NULL.
*/
static void memoKeyInit(MemoKey *pK, const MemoCall *pC) {
  pK->h = pC->h;
  pK->nArg = pC->argc;
  pK->nKey = (int)pC->nKey;
  pK->aKey = 0;
  if( pC->nKey < 0 ) return;
  if( pC->nKey <= MEMO_KEY_STACK ) {
    pK->aKey = pK->aStack;
  } else {
    pK->aKey = sqlite3_malloc64((sqlite3_uint64)pC->nKey);
    if( pK->aKey == 0 ) return;
  }
  memoKeyEncode(pC, pK->aKey);
}

/* Free what memoKeyInit() allocated. */
static void memoKeyFree(MemoKey *pK) {
  if( pK->aKey != pK->aStack ) sqlite3_free(pK->aKey);
}

/* Link pE as the most recently used entry. */
static void memoListPush(FrugalMemo *p, MemoEntry *pE) {
  pE->pNewer = 0;
  pE->pOlder = p->pNewest;
  if( p->pNewest ) p->pNewest->pNewer = pE;
  p->pNewest = pE;
  if( p->pOldest == 0 ) p->pOldest = pE;
}

/* Unlink pE from the LRU list. */
static void memoListUnlink(FrugalMemo *p, MemoEntry *pE) {
  if( pE->pNewer ) {
    pE->pNewer->pOlder = pE->pOlder;
  } else {
    p->pNewest = pE->pOlder;
  }
  if( pE->pOlder ) {
    pE->pOlder->pNewer = pE->pNewer;
  } else {
    p->pOldest = pE->pNewer;
  }
}

/* Link pE into its hash bucket. */
static void memoChainPush(FrugalMemo *p, MemoEntry *pE) {
  MemoEntry **pp = memoBucket(p, pE->h);
  pE->pChain = *pp;
  *pp = pE;
}

/* Free the hash table of a cache that holds no entry. */
static void memoTableFree(FrugalMemo *p) {
  sqlite3_free(p->apBucket);
  p->apBucket = 0;
  p->nByte -= p->nTableByte;
  p->nTableByte = 0;
  p->nBucket = 0;
}

/* Remove pE from the cache and free it. */
static void memoRemove(FrugalMemo *p, MemoEntry *pE) {
  MemoEntry **pp = memoBucket(p, pE->h);
  while( *pp != pE ) pp = &(*pp)->pChain;
  *pp = pE->pChain;
  memoListUnlink(p, pE);
  p->nEntry--;
  p->nByte -= pE->nAlloc;
  sqlite3_free(pE);
}

/* Evict the least recently used entry. */
static void memoEvict(FrugalMemo *p) {
  memoRemove(p, p->pOldest);
  p->nEvict++;
}

/* Evict until new bounds hold; free the hash table if nothing is left. */
static void memoShrink(FrugalMemo *p) {
  while( p->nEntry > 0 && (p->nEntry > p->mxEntry || p->nByte > p->mxByte) ) {
    memoEvict(p);
  }
  if( p->nEntry == 0 && p->apBucket ) memoTableFree(p);
}

/* Empty the cache; return the number of entries freed. */
static i64 memoClear(FrugalMemo *p) {
  i64 n = p->nEntry;
  while( p->pOldest ) memoRemove(p, p->pOldest);
  if( p->apBucket ) memoTableFree(p);
  return n;
}

/* Allocate the first hash table.  SQLITE_NOMEM or SQLITE_OK. */
static int memoTableInit(FrugalMemo *p) {
  i64 nByte = MEMO_MIN_BUCKET * (i64)sizeof(MemoEntry *);
  p->apBucket = sqlite3_malloc64((sqlite3_uint64)nByte);
  if( p->apBucket == 0 ) return SQLITE_NOMEM;
  memset(p->apBucket, 0, (size_t)nByte);
  p->nBucket = MEMO_MIN_BUCKET;
  p->iShift = 64 - MEMO_MIN_BUCKET_LOG2;
  p->nTableByte = sqlite3_msize(p->apBucket);
  p->nByte += p->nTableByte;
  return SQLITE_OK;
}

/*
** Double the hash table if the larger one fits in max_bytes with what is
** held; otherwise, or on OOM, keep the table as it is.
*/
static void memoTableGrow(FrugalMemo *p) {
  i64 nNew = p->nBucket * 2;
  i64 nNewByte = nNew * (i64)sizeof(MemoEntry *);
  MemoEntry **apNew;
  MemoEntry *pE;
  if( nNew > MEMO_MAX_BUCKET ) return;
  if( p->nByte - p->nTableByte + nNewByte > p->mxByte ) return;
  apNew = sqlite3_realloc64(p->apBucket, (sqlite3_uint64)nNewByte);
  if( apNew == 0 ) return;
  memset(apNew, 0, (size_t)nNewByte);
  p->apBucket = apNew;
  p->nBucket = nNew;
  p->iShift--;
  p->nByte -= p->nTableByte;
  p->nTableByte = sqlite3_msize(apNew);
  p->nByte += p->nTableByte;
  for( pE = p->pOldest; pE; pE = pE->pNewer ) memoChainPush(p, pE);
  /* With an allocator that rounds up by more than 8 bytes, the table can
  ** come out larger than asked: the bound must hold all the same. */
  while( p->nByte > p->mxByte && p->nEntry > 0 ) memoEvict(p);
}

/*
** Cache pVal as the result of the miss whose key is *pK, if it fits.
** Nothing is cached when max_entries is 0, when the entry and the hash
** table together would not fit in max_bytes, when the result is a pointer
** (sqlite3_result_pointer(), which reads as a NULL of subtype 'p' and could
** not be handed out again), or when memory runs out: the result is
** returned all the same, only not remembered.
*/
static void memoInsert(FrugalMemo *p, const MemoKey *pK, sqlite3_value *pVal) {
  MemoArg val;
  i64 nReq, nTable;
  MemoEntry *pE;

  if( pK->aKey == 0 || p->mxEntry <= 0 ) return;
  memoArgRead(p, pVal, &val, memoMaxKey(p) - pK->nKey);
  if( val.z == 0 && val.n > 0 ) return;
  if( val.eType == SQLITE_NULL
      && sqlite3_value_subtype(pVal) == MEMO_POINTER_SUBTYPE ) {
    return;
  }
  nReq = (i64)sizeof(MemoEntry) + pK->nKey + val.n;
  if( nReq > MEMO_MAX_ENTRY_BYTES ) return;

  /* f may have called f_memo with these same arguments meanwhile. */
  for( pE = p->apBucket ? *memoBucket(p, pK->h) : 0; pE; pE = pE->pChain ) {
    if( pE->h == pK->h && pE->nArg == pK->nArg && pE->nKey == pK->nKey
        && memcmp(memoEntryKey(pE), pK->aKey, (size_t)pK->nKey) == 0 ) {
      memoRemove(p, pE);
      break;
    }
  }

  nTable = p->apBucket
             ? p->nTableByte
             : MEMO_ROUND8(MEMO_MIN_BUCKET * (i64)sizeof(MemoEntry *));
  if( MEMO_ROUND8(nReq) + nTable > p->mxByte ) return;
  while( p->nEntry >= p->mxEntry || p->nByte + MEMO_ROUND8(nReq) > p->mxByte ) {
    memoEvict(p);
  }
  if( p->apBucket == 0 && memoTableInit(p) != SQLITE_OK ) return;
  pE = sqlite3_malloc64((sqlite3_uint64)nReq);
  if( pE == 0 ) return;
  pE->nAlloc = sqlite3_msize(pE);
  /* SQLite's allocators round to 8 bytes, as MEMO_ROUND8 did above; only an
  ** application's (SQLITE_CONFIG_MALLOC) that rounds further gets here. */
  if( pE->nAlloc + p->nTableByte > p->mxByte ) {
    sqlite3_free(pE); /* defensive: only with blocks rounded past 8 bytes */
    return;           /* defensive: as above */
  }
  while( p->nByte + pE->nAlloc > p->mxByte ) memoEvict(p);

  pE->h = pK->h;
  pE->nKey = pK->nKey;
  pE->nVal = val.n;
  pE->nArg = (unsigned short)pK->nArg;
  pE->eType = (unsigned char)val.eType;
  pE->eSubtype = (unsigned char)sqlite3_value_subtype(pVal);
  memcpy(&pE->u, &val.x, 8);
  memcpy(memoEntryKey(pE), pK->aKey, (size_t)pK->nKey);
  if( val.n > 0 ) memcpy(memoEntryVal(pE), val.z, (size_t)val.n);
  memoChainPush(p, pE);
  memoListPush(p, pE);
  p->nEntry++;
  p->nByte += pE->nAlloc;
  if( p->nEntry > p->nBucket ) memoTableGrow(p);
}

/* Make the cached result of pE the result of ctx. */
static void memoResult(sqlite3_context *ctx, const MemoEntry *pE) {
  switch( pE->eType ) {
    case SQLITE_INTEGER: sqlite3_result_int64(ctx, pE->u.i); break;
    case SQLITE_FLOAT: sqlite3_result_double(ctx, pE->u.r); break;
    case SQLITE_TEXT:
      sqlite3_result_text(ctx, (const char *)memoEntryVal(pE), pE->nVal,
                          SQLITE_TRANSIENT);
      break;
    case SQLITE_BLOB:
      if( pE->nVal == 0 ) {
        sqlite3_result_zeroblob(ctx, 0);
      } else {
        sqlite3_result_blob(ctx, memoEntryVal(pE), pE->nVal, SQLITE_TRANSIENT);
      }
      break;
    default: sqlite3_result_null(ctx); break;
  }
  if( pE->eSubtype ) sqlite3_result_subtype(ctx, pE->eSubtype);
}

/************************************************************************
** Life of a FrugalMemo.
*/

/*
** A new FrugalMemo named zName with the default bounds, linked into the
** connection's list, holding one reference (dropped by memoRelease() once
** it is registered).  NULL on OOM.
*/
static FrugalMemo *memoNew(FrugalDb *pState, const char *zName) {
  FrugalMemo *p = sqlite3_malloc64(sizeof(*p));
  if( p == 0 ) return 0;
  memset(p, 0, sizeof(*p));
  p->zName = sqlite3_mprintf("%s", zName);
  if( p->zName == 0 ) {
    sqlite3_free(p);
    return 0;
  }
  frugalDbRef(pState);
  p->pState = pState;
  p->nRef = 1;
  p->iSlot = -1;
  p->mxEntry = MEMO_DEFAULT_MAX_ENTRIES;
  p->mxByte = MEMO_DEFAULT_MAX_BYTES;
  sqlite3_randomness(sizeof(p->iSeed), &p->iSeed);
  p->pNext = pState->pMemo;
  pState->pMemo = p;
  return p;
}

static void memoStmtDrop(FrugalMemo *p);

/* Free p, which is no longer linked into its connection's list. */
static void memoFree(FrugalMemo *p) {
  memoStmtDrop(p);
  memoClear(p);
  frugalDbRelease(p->pState);
  sqlite3_free(p->zName);
  sqlite3_free(p->zWrapper);
  sqlite3_free(p->aArity);
  sqlite3_free(p->aNotScalar);
  sqlite3_free(p);
}

/*
** Drop a reference to a FrugalMemo; the last one unlinks and frees it.  Its
** signature fits the destructor of sqlite3_create_function_v2().
*/
static void memoRelease(void *pArg) {
  FrugalMemo *p = (FrugalMemo *)pArg;
  FrugalMemo **pp;
  if( --p->nRef > 0 ) return;
  for( pp = &p->pState->pMemo; *pp != p; pp = &(*pp)->pNext ) {}
  *pp = p->pNext;
  memoFree(p);
}

/*
** Look call pC of p up: answer a hit from the cache and return true, or
** count the miss and return false.
*/
static int memoLookup(FrugalMemo *p, sqlite3_context *ctx, const MemoCall *pC) {
  MemoEntry *pE = memoFind(p, pC);
  if( pE == 0 ) {
    p->nMiss++;
    return 0;
  }
  p->nHit++;
  if( pE != p->pNewest ) {
    memoListUnlink(p, pE);
    memoListPush(p, pE);
  }
  memoResult(ctx, pE);
  return 1;
}

/************************************************************************
** What PRAGMA function_list says about f, and the flags of a wrapper.
*/

/*
** True if f, registered with the flags mF (the bits of SQLITE_DETERMINISTIC
** and friends), may be called by a wrapper registered with mWrapper, which
** a schema may call: f is deterministic, direct-only only if the wrapper
** is, and innocuous if the wrapper is, unless the schema is trusted
** (bTrusted).
*/
static int memoFlagsAllow(int mWrapper, int mF, int bTrusted) {
  if( !(mF & SQLITE_DETERMINISTIC) ) return 0;
  if( (mF & SQLITE_DIRECTONLY) && !(mWrapper & SQLITE_DIRECTONLY) ) return 0;
  if( (mWrapper & SQLITE_INNOCUOUS) && !(mF & SQLITE_INNOCUOUS) && !bTrusted ) {
    return 0;
  }
  return 1;
}

/* The flags of a registration that PRAGMA function_list shows. */
#define MEMO_FLAGS_SHOWN                                                       \
 (SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY | SQLITE_INNOCUOUS)

/*
** The flags of two registrations taken as one: deterministic and innocuous
** if both are, direct-only if either is.
*/
static int memoFlagsMerge(int m1, int m2) {
  return (m1 & m2 & (SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS))
       | ((m1 | m2) & SQLITE_DIRECTONLY);
}

/* One row of PRAGMA function_list. */
typedef struct MemoFuncRow MemoFuncRow;
struct MemoFuncRow {
  const char *zName; /* The name, as registered */
  int bBuiltin;      /* One of SQLite's built-in functions */
  int bScalar;       /* A scalar function (not an aggregate or window) */
  int nArg;          /* Number of arguments, -1 for any */
  int mFlags;        /* SQLITE_DETERMINISTIC|... and SQLITE_SUBTYPE */
};

/*
** Columns of PRAGMA function_list.  The pragma, unlike the table-valued
** pragma_function_list, does not read the schema, so it takes no lock and
** answers even when the schema is malformed or locked.
*/
#define MEMO_FL_NAME    0
#define MEMO_FL_BUILTIN 1
#define MEMO_FL_TYPE    2
#define MEMO_FL_NARG    4
#define MEMO_FL_FLAGS   5

/*
** Call xRow(pArg, row) for every registration of the function zName that
** PRAGMA function_list shows; stop at the first that does not return
** SQLITE_OK and return its code.  An error of the pragma itself is
** returned as SQLite's code, with the message in sqlite3_errmsg(db).
*/
static int memoFunctionList(sqlite3 *db, const char *zName,
                            int (*xRow)(void *, const MemoFuncRow *),
                            void *pArg) {
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, "PRAGMA function_list", -1, &pStmt, 0);
  while( rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW ) {
    MemoFuncRow row;
    const char *zType = (const char *)sqlite3_column_text(pStmt, MEMO_FL_TYPE);
    row.zName = (const char *)sqlite3_column_text(pStmt, MEMO_FL_NAME);
    if( row.zName == 0 || zType == 0 ) {
      rc = SQLITE_NOMEM; /* defensive: TEXT, so nothing to convert */
      break;             /* defensive: as above */
    }
    if( sqlite3_stricmp(row.zName, zName) ) continue;
    row.bBuiltin = sqlite3_column_int(pStmt, MEMO_FL_BUILTIN);
    row.bScalar = strcmp(zType, "s") == 0;
    row.nArg = sqlite3_column_int(pStmt, MEMO_FL_NARG);
    row.mFlags = sqlite3_column_int(pStmt, MEMO_FL_FLAGS);
    rc = xRow(pArg, &row);
  }
  if( rc == SQLITE_OK ) {
    rc = sqlite3_finalize(pStmt);
  } else {
    sqlite3_finalize(pStmt);
  }
  return rc;
}

/* What PRAGMA function_list says about f, for memoize(). */
typedef struct MemoDesc MemoDesc;
struct MemoDesc {
  char *zName;       /* f as registered */
  int nRow;          /* Registrations of f */
  MemoArity *aArity; /* Scalar arities and the flags a wrapper needs */
  int nArity;        /* Entries in aArity[] */
  int *aNotScalar;   /* Arities of aggregate and window registrations */
  int nNotScalar;    /* Entries in aNotScalar[] */
  int bNotDet;       /* A scalar registration is not deterministic */
  int bSubtype;      /* A scalar registration reads argument subtypes */
};

/* Free what a MemoDesc holds. */
static void memoDescClear(MemoDesc *pD) {
  sqlite3_free(pD->zName);
  sqlite3_free(pD->aArity);
  sqlite3_free(pD->aNotScalar);
  memset(pD, 0, sizeof(*pD));
}

/* Append v to the array *pa of *pn ints.  SQLITE_OK or SQLITE_NOMEM. */
static int memoAppendInt(int **pa, int *pn, int v) {
  int *aNew = sqlite3_realloc64(*pa, sizeof(int) * (sqlite3_uint64)(*pn + 1));
  if( aNew == 0 ) return SQLITE_NOMEM;
  aNew[(*pn)++] = v;
  *pa = aNew;
  return SQLITE_OK;
}

/*
** Add one scalar registration of f (nArg, and mFlags as PRAGMA function_list
** shows them) to pD.  At each arity, built-in or not, f counts as
** deterministic and innocuous only if all its registrations there are, and
** direct-only if any is.
*/
static int memoDescAddScalar(MemoDesc *pD, int nArg, int mFlags) {
  int mF = mFlags & MEMO_FLAGS_SHOWN;
  int i;
  MemoArity *aNew;
  if( !(mFlags & SQLITE_DETERMINISTIC) ) pD->bNotDet = 1;
  if( mFlags & SQLITE_SUBTYPE ) pD->bSubtype = 1;
  for( i = 0; i < pD->nArity; i++ ) {
    MemoArity *pA = &pD->aArity[i];
    if( pA->nArg == nArg ) {
      pA->mFlags = memoFlagsMerge(pA->mFlags, mF);
      return SQLITE_OK;
    }
  }
  aNew = sqlite3_realloc64(pD->aArity, sizeof(MemoArity)
                                           * (sqlite3_uint64)(pD->nArity + 1));
  if( aNew == 0 ) return SQLITE_NOMEM;
  aNew[pD->nArity].nArg = nArg;
  aNew[pD->nArity].mFlags = mF;
  pD->aArity = aNew;
  pD->nArity++;
  return SQLITE_OK;
}

/* memoFunctionList() callback of memoDescribe(): add one row to a MemoDesc. */
static int memoDescRow(void *pArg, const MemoFuncRow *pRow) {
  MemoDesc *pD = (MemoDesc *)pArg;
  pD->nRow++;
  if( pD->zName == 0 ) {
    pD->zName = sqlite3_mprintf("%s", pRow->zName);
    if( pD->zName == 0 ) return SQLITE_NOMEM;
  }
  if( pRow->bScalar ) return memoDescAddScalar(pD, pRow->nArg, pRow->mFlags);
  return memoAppendInt(&pD->aNotScalar, &pD->nNotScalar, pRow->nArg);
}

/*
** Read the registrations of function zName from PRAGMA function_list into
** pD.  On error, *pzErr is the message, which starts with zFunc.
*/
static int memoDescribe(sqlite3 *db, const char *zFunc, const char *zName,
                        MemoDesc *pD, char **pzErr) {
  int rc;
  memset(pD, 0, sizeof(*pD));
  rc = memoFunctionList(db, zName, memoDescRow, pD);
  if( rc != SQLITE_OK && rc != SQLITE_NOMEM ) {
    *pzErr = sqlite3_mprintf("%s: cannot list functions: %s", zFunc,
                             sqlite3_errmsg(db));
  }
  if( rc != SQLITE_OK ) memoDescClear(pD);
  return rc;
}

/* The entry for nArg arguments in aArity[] of nArity entries, or NULL. */
static MemoArity *memoFindArity(MemoArity *aArity, int nArity, int nArg) {
  int i;
  for( i = 0; i < nArity; i++ ) {
    if( aArity[i].nArg == nArg ) return &aArity[i];
  }
  return 0;
}

/*
** The entry of aArity[] that a call with argc arguments uses: the one for
** exactly argc, or else the variadic one, as SQLite chooses; NULL if none.
*/
static MemoArity *memoCallArity(MemoArity *aArity, int nArity, int argc) {
  MemoArity *pA = memoFindArity(aArity, nArity, argc);
  return pA ? pA : memoFindArity(aArity, nArity, -1);
}

/************************************************************************
** Wrappers made by memoize(): f is called with nested SQL.
*/

/* Set the error "zFormat..." on ctx; out of memory if it cannot be made. */
static void memoError(sqlite3_context *ctx, const char *zFormat, ...) {
  char *zErr;
  va_list ap;
  va_start(ap, zFormat);
  zErr = sqlite3_vmprintf(zFormat, ap);
  va_end(ap);
  if( zErr ) {
    sqlite3_result_error(ctx, zErr, -1);
  } else {
    sqlite3_result_error_nomem(ctx);
  }
  sqlite3_free(zErr);
}

/* True if v is one of the n ints of a[]. */
static int memoIntIn(const int *a, int n, int v) {
  int i;
  for( i = 0; i < n; i++ ) {
    if( a[i] == v ) return 1;
  }
  return 0;
}

/* Set the error "f_memo: f() with argc arguments is not a scalar function". */
static void memoNotScalarError(sqlite3_context *ctx, const FrugalMemo *p,
                               int argc) {
  memoError(ctx, "%s: %s() with %d argument%s is not a scalar function",
            p->zWrapper, p->zName, argc, argc == 1 ? "" : "s");
}

/*
** The registrations of f that a call with a given number of arguments can
** reach, in the order SQLite looks for them (sqlite3FindFunction()): the
** application's (or an extension's) for exactly that number, then its
** variadic ones, and only if there are none of either, SQLite's built-in
** ones for exactly that number, then the variadic built-ins.  The call
** reaches the first group that is not empty; within it, the encoding
** decides, so the check takes the group's flags as one (memoFlagsMerge()).
*/
#define MEMO_GROUP_EXACT    0 /* The application's, for exactly argc */
#define MEMO_GROUP_VARIADIC 1 /* The application's, variadic */
#define MEMO_GROUP_BUILTIN  2 /* Built-in: +0 exact, +1 variadic */
#define MEMO_N_GROUP        4

/* What the check reads of one group of registrations. */
typedef struct MemoGroup MemoGroup;
struct MemoGroup {
  int nRow;       /* Registrations in the group */
  int mFlags;     /* Their flags, merged */
  int bNotScalar; /* One of them is an aggregate or a window function */
};

/* The groups of memoSqlCheck(), and the number of arguments of the call. */
typedef struct MemoCheck MemoCheck;
struct MemoCheck {
  int argc;                       /* Arguments of the call */
  MemoGroup aGroup[MEMO_N_GROUP]; /* MEMO_GROUP_* */
};

/* memoFunctionList() callback of memoSqlCheck(): file one row in its group. */
static int memoCheckRow(void *pArg, const MemoFuncRow *pRow) {
  MemoCheck *pCk = (MemoCheck *)pArg;
  MemoGroup *pG;
  int iGroup;
  if( pRow->nArg == pCk->argc ) {
    iGroup = MEMO_GROUP_EXACT;
  } else if( pRow->nArg == -1 ) {
    iGroup = MEMO_GROUP_VARIADIC;
  } else {
    return SQLITE_OK;
  }
  if( pRow->bBuiltin ) iGroup += MEMO_GROUP_BUILTIN;
  pG = &pCk->aGroup[iGroup];
  pG->mFlags = pG->nRow ? memoFlagsMerge(pG->mFlags, pRow->mFlags)
                        : pRow->mFlags & MEMO_FLAGS_SHOWN;
  if( !pRow->bScalar ) pG->bNotScalar = 1;
  pG->nRow++;
  return SQLITE_OK;
}

/*
** Check, before a statement of a wrapper that a schema may call is used,
** that the registration of f that it reaches with argc arguments may be
** called by the wrapper (see memoFlagsAllow()): f may have been registered
** again, with stricter flags, since the wrapper was made, and the
** statement is never checked against a schema's rules, even when the
** wrapper was called from one.  PRAGMA function_list says which
** registrations there are (see MemoGroup).  A wrapper that is direct-only
** is not checked: no schema can call it.  True if the statement may run;
** otherwise the error is set on ctx.
*/
static int memoSqlCheck(const FrugalMemo *p, sqlite3_context *ctx, sqlite3 *db,
                        int argc) {
  const MemoArity *pW = memoCallArity(p->aArity, p->nArity, argc);
  int mWrapper = pW ? pW->mFlags : SQLITE_INNOCUOUS;
  const MemoGroup *pG;
  MemoCheck ck;
  int bTrusted = 0;
  int rc;
  if( mWrapper & SQLITE_DIRECTONLY ) return 1;
  memset(&ck, 0, sizeof(ck));
  ck.argc = argc;
  rc = memoFunctionList(db, p->zName, memoCheckRow, &ck);
  if( rc == SQLITE_NOMEM ) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  if( rc == SQLITE_AUTH ) {
    memoError(ctx,
              "%s: cannot check %s: not authorized (the authorizer must allow"
              " PRAGMA function_list)",
              p->zWrapper, p->zName);
    return 0;
  }
  if( rc != SQLITE_OK ) {
    memoError(ctx, "%s: cannot check %s: %s", p->zWrapper, p->zName,
              sqlite3_errmsg(db));
    return 0;
  }
  for( pG = ck.aGroup; pG < &ck.aGroup[MEMO_N_GROUP] && !pG->nRow; pG++ ) {}
  if( pG == &ck.aGroup[MEMO_N_GROUP] ) {
    /* The statement was prepared, so f exists: an authorizer answered
    ** SQLITE_IGNORE to the pragma, or SQLite was built without it. */
    memoError(ctx, "%s: cannot check %s: PRAGMA function_list does not list it",
              p->zWrapper, p->zName);
    return 0;
  }
  if( pG->bNotScalar ) {
    memoNotScalarError(ctx, p, argc);
    return 0;
  }
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, -1, &bTrusted);
  if( !memoFlagsAllow(mWrapper, pG->mFlags, bTrusted) ) {
    memoError(ctx, "%s: %s has changed since %s was made", p->zWrapper,
              p->zName, p->zWrapper);
    return 0;
  }
  return 1;
}

/*
** A statement that calls f for the misses of a wrapper made by memoize():
** SELECT "f"(?,...) for nArg arguments.  A wrapper keeps a few (see
** memoStmtGet()), reset between misses.
*/
struct MemoStmt {
  MemoStmt *pNext;     /* Next statement of the same wrapper */
  sqlite3_stmt *pStmt; /* The statement */
  int nArg;            /* Number of arguments it passes to f */
  int bBusy;           /* Being stepped: f is running */
  int bDrop;           /* Finalize it as soon as it is not busy */
};

/* Unlink statement pS from wrapper p, finalize and free it. */
static void memoStmtFree(FrugalMemo *p, MemoStmt *pS) {
  MemoStmt **pp;
  for( pp = &p->pStmtList; *pp != pS; pp = &(*pp)->pNext ) {}
  *pp = pS->pNext;
  p->nStmt--;
  sqlite3_finalize(pS->pStmt);
  sqlite3_free(pS);
}

/*
** Finalize the statements wrapper p keeps, so that the next miss resolves
** f afresh; one that is running (f is running, and called this) goes when
** it is done.
*/
static void memoStmtDrop(FrugalMemo *p) {
  MemoStmt *pS = p->pStmtList;
  while( pS ) {
    MemoStmt *pNext = pS->pNext;
    if( pS->bBusy ) {
      pS->bDrop = 1;
    } else {
      memoStmtFree(p, pS);
    }
    pS = pNext;
  }
}

/* memoStmtDrop() for every wrapper of the connection of pState. */
static void memoStmtDropAll(FrugalDb *pState) {
  FrugalMemo *p;
  for( p = pState->pMemo; p; p = p->pNext ) memoStmtDrop(p);
}

/*
** Prepare SELECT "f"(?,...) for argc arguments into *ppStmt, with the
** legacy sqlite3_prepare(): once expired, such a statement fails its next
** step before running anything (SQLITE_SCHEMA from sqlite3_reset()), where
** one of sqlite3_prepare_v2() would be prepared again, resolving f afresh,
** without its flags being checked.  On error, set it on ctx, starting with
** the wrapper's name.
*/
static int memoSqlPrepare(const FrugalMemo *p, sqlite3_context *ctx,
                          sqlite3 *db, int argc, sqlite3_stmt **ppStmt) {
  sqlite3_str *pSql = sqlite3_str_new(db);
  char *zSql;
  int i, rc;
  *ppStmt = 0;
  sqlite3_str_appendf(pSql, "SELECT \"%w\"(", p->zName);
  for( i = 0; i < argc; i++ ) {
    sqlite3_str_appendall(pSql, i ? ",?" : "?");
  }
  sqlite3_str_appendchar(pSql, 1, ')');
  zSql = sqlite3_str_finish(pSql);
  if( zSql == 0 ) {
    sqlite3_result_error_nomem(ctx);
    return SQLITE_NOMEM;
  }
  rc = sqlite3_prepare(db, zSql, -1, ppStmt, 0);
  sqlite3_free(zSql);
  if( rc == SQLITE_NOMEM ) {
    sqlite3_result_error_nomem(ctx);
  } else if( rc != SQLITE_OK ) {
    memoError(ctx, "%s: %s", p->zWrapper, sqlite3_errmsg(db));
    sqlite3_result_error_code(ctx, rc);
  }
  return rc;
}

/*
** A statement for a miss of wrapper p with argc arguments: one it keeps
** that is not running, or a new one, prepared and checked (memoSqlCheck()),
** and kept if it can be; if it cannot, it is *pTmp, and is finalized after
** the miss.  NULL with the error set on ctx if f may not be called.
**
** A wrapper keeps its statements only while memo_stats is connected on the
** connection: sqlite3_close() calls the xDisconnect of every virtual table
** before it checks that no statement is left, and memo_stats's finalizes
** them (see memoStatsDisconnect()).  It keeps at most MEMO_MAX_STMT: more
** are only needed when f calls f_memo, or for a variadic f called with
** many numbers of arguments.
*/
static MemoStmt *memoStmtGet(FrugalMemo *p, sqlite3_context *ctx, sqlite3 *db,
                             int argc, MemoStmt *pTmp) {
  MemoStmt *pS, *pIdle = 0;
  sqlite3_stmt *pStmt;
  for( pS = p->pStmtList; pS; pS = pS->pNext ) {
    if( pS->bBusy || pS->bDrop ) continue;
    if( pS->nArg == argc ) return pS;
    pIdle = pS;
  }
  if( memoSqlPrepare(p, ctx, db, argc, &pStmt) != SQLITE_OK ) return 0;
  if( !memoSqlCheck(p, ctx, db, argc) ) {
    sqlite3_finalize(pStmt);
    return 0;
  }
  if( p->pState->nMemoStats > 0 ) {
    /* Full: the idle statement found last, the oldest, makes room. */
    if( p->nStmt >= MEMO_MAX_STMT && pIdle ) memoStmtFree(p, pIdle);
    if( p->nStmt < MEMO_MAX_STMT ) pS = sqlite3_malloc64(sizeof(*pS));
  }
  if( pS ) {
    pS->pNext = p->pStmtList;
    p->pStmtList = pS;
    p->nStmt++;
  } else {
    pS = pTmp;
    pS->pNext = 0;
  }
  pS->bBusy = pS->bDrop = 0;
  pS->pStmt = pStmt;
  pS->nArg = argc;
  return pS;
}

/*
** Done with statement pS of wrapper p after a miss: reset it and forget its
** arguments, which belong to the caller, if the wrapper keeps it (and
** bDrop is false); otherwise finalize it.
*/
static void memoStmtDone(FrugalMemo *p, MemoStmt *pS, const MemoStmt *pTmp,
                         int bDrop) {
  if( pS == pTmp ) {
    sqlite3_finalize(pS->pStmt);
  } else if( bDrop || pS->bDrop ) {
    memoStmtFree(p, pS);
  } else {
    sqlite3_reset(pS->pStmt);
    sqlite3_clear_bindings(pS->pStmt);
  }
}

/*
** Bind the arguments of call pC to pStmt.  TEXT and BLOB are bound where
** they are (SQLITE_STATIC: the caller's values outlive the step, and the
** bindings are cleared after it), except a BLOB whose bytes pC has not
** read: it is bound as a value, so that a zeroblob stays one (reading the
** bytes would expand it, and no interface tells a zeroblob apart), at the
** price of a copy of any other BLOB too large to cache.
*/
static int memoSqlBind(sqlite3_stmt *pStmt, const MemoCall *pC) {
  int i, rc = SQLITE_OK;
  for( i = 0; rc == SQLITE_OK && i < pC->argc; i++ ) {
    sqlite3_value *pVal = pC->argv[i];
    int eType = sqlite3_value_type(pVal);
    if( eType == SQLITE_TEXT ) {
      const char *z = (const char *)sqlite3_value_text(pVal);
      int n = sqlite3_value_bytes(pVal);
      /* Given the length, SQLite cannot know that z is terminated, and
      ** copies it the first time f asks for its text; -1 tells it, where
      ** strlen() finds the same length. */
      if( z && memchr(z, 0, (size_t)n) == 0 ) n = -1;
      rc = z ? sqlite3_bind_text(pStmt, i + 1, z, n, SQLITE_STATIC)
             : SQLITE_NOMEM;
    } else if( eType == SQLITE_BLOB && pC->nKey >= 0
               && sqlite3_value_bytes(pVal) > 0 ) {
      const void *z = sqlite3_value_blob(pVal);
      int n = sqlite3_value_bytes(pVal);
      rc = z ? sqlite3_bind_blob(pStmt, i + 1, z, n, SQLITE_STATIC)
             : SQLITE_NOMEM;
    } else {
      rc = sqlite3_bind_value(pStmt, i + 1, pVal);
    }
  }
  return rc;
}

/*
** Set on ctx the error with which the step of pStmt failed: the code
** sqlite3_reset() returns (a statement of sqlite3_prepare() has its step
** return SQLITE_ERROR whatever the error), the message and the extended
** code of the connection.  An error raised by f passes through unchanged.
*/
static void memoSqlStepError(sqlite3_context *ctx, sqlite3 *db, int rc) {
  if( rc == SQLITE_NOMEM ) {
    sqlite3_result_error_nomem(ctx);
  } else if( rc != SQLITE_OK && sqlite3_errcode(db) == rc ) {
    sqlite3_result_error(ctx, sqlite3_errmsg(db), -1);
    sqlite3_result_error_code(ctx, sqlite3_extended_errcode(db));
  } else {
    /* A SELECT without FROM gives a row or an error that db holds; so does
    ** a failed bind. */
    rc = rc == SQLITE_OK ? SQLITE_ERROR : rc; /* defensive: see above */
    sqlite3_result_error(ctx, sqlite3_errstr(rc), -1); /* defensive */
    sqlite3_result_error_code(ctx, rc);                /* defensive */
  }
}

/*
** A miss of a wrapper made by memoize(): bind the arguments to a statement
** of the wrapper's (memoStmtGet()) and step it once.  A statement that has
** expired since it was prepared fails before f runs (SQLITE_SCHEMA); it is
** then prepared and checked again, once.  (Should f itself fail with
** SQLITE_SCHEMA, it runs twice, and its error passes through.)
*/
static void memoSqlMiss(FrugalMemo *p, sqlite3_context *ctx, const MemoKey *pK,
                        const MemoCall *pC) {
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  MemoStmt tmp, *pS;
  int nTry, rc;

  if( memoIntIn(p->aNotScalar, p->nNotScalar, pC->argc) ) {
    memoNotScalarError(ctx, p, pC->argc);
    return;
  }
  for( nTry = 0;; nTry++ ) {
    pS = memoStmtGet(p, ctx, db, pC->argc, &tmp);
    if( pS == 0 ) return;
    rc = memoSqlBind(pS->pStmt, pC);
    if( rc != SQLITE_OK ) {
      memoSqlStepError(ctx, db, rc);
      memoStmtDone(p, pS, &tmp, 0);
      return;
    }
    pS->bBusy = 1;
    rc = sqlite3_step(pS->pStmt);
    pS->bBusy = 0;
    /* A SELECT without FROM returns one row: anything else is an error. */
    if( rc == SQLITE_ROW ) {
      sqlite3_value *pVal = sqlite3_column_value(pS->pStmt, 0);
      memoInsert(p, pK, pVal);
      sqlite3_result_value(ctx, pVal);
      memoStmtDone(p, pS, &tmp, 0);
      return;
    }
    rc = sqlite3_reset(pS->pStmt);
    if( rc != SQLITE_SCHEMA || nTry > 0 ) break;
    memoStmtDone(p, pS, &tmp, 1);
  }
  memoSqlStepError(ctx, db, rc);
  memoStmtDone(p, pS, &tmp, 0);
}

/* f_memo(...): a wrapper made by memoize(). */
static void memoSqlFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  FrugalMemo *p = (FrugalMemo *)sqlite3_user_data(ctx);
  MemoCall call;
  MemoKey key;
  memoCallInit(&call, p, argc, argv);
  if( call.iSubtype >= 0 ) {
    memoError(ctx,
              "%s: argument %d has a subtype, which a cached call cannot"
              " pass on",
              p->zWrapper, call.iSubtype + 1);
    return;
  }
  if( memoLookup(p, ctx, &call) ) return;
  memoKeyInit(&key, &call);
  memoSqlMiss(p, ctx, &key, &call);
  memoKeyFree(&key);
}

/************************************************************************
** Wrappers made by frugal_memoize_function(): xFunc is called directly.
*/

/*
** The start of struct sqlite3_context (vdbeInt.h), unchanged from SQLite
** 3.8.6 (2014) to this day apart from the bytes in aFlags (enc, skipFlag
** and argc).  memoProbeLayout() checks it before it is relied upon.
*/
typedef struct MemoContextLayout MemoContextLayout;
struct MemoContextLayout {
  sqlite3_value *pOut;     /* The return value is stored here */
  void *pFunc;             /* FuncDef of the function */
  void *pMem;              /* Aggregate context */
  void *pVdbe;             /* The statement */
  int iOp;                 /* Instruction number of OP_Function */
  int isError;             /* Error code set by the function */
  unsigned char aFlags[4]; /* enc, skipFlag, argc */
  sqlite3_value *argv[1];  /* The arguments */
};

/* What the probe function sets and what its statement must fail with. */
#define MEMO_PROBE_MAGIC 0x46727567616cLL
#define MEMO_PROBE_ERROR "frugal layout probe"
#define MEMO_PROBE_CODE  SQLITE_CONSTRAINT_FUNCTION

/*
** The probe function: sets results through the public interface and reads
** them back through MemoContextLayout.  Sets *(int*)user_data to 1 if every
** read matched.  Nothing is read through the layout before the address of
** argv[] proves that the context is laid out as expected up to there.
*/
static void memoProbeFunc(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  int *pbOk = (int *)sqlite3_user_data(ctx);
  MemoContextLayout *pL = (MemoContextLayout *)ctx;
  *pbOk = 0;
  if( argc != 2 || (void *)argv != (void *)pL->argv ) return;
  sqlite3_result_int64(ctx, MEMO_PROBE_MAGIC);
  if( pL->isError != 0 || sqlite3_value_type(pL->pOut) != SQLITE_INTEGER
      || sqlite3_value_int64(pL->pOut) != MEMO_PROBE_MAGIC ) {
    return; /* defensive: a SQLite whose sqlite3_context differs */
  }
  sqlite3_result_error(ctx, MEMO_PROBE_ERROR, -1);
  if( pL->isError != SQLITE_ERROR ) return;
  sqlite3_result_error_code(ctx, MEMO_PROBE_CODE);
  if( pL->isError != MEMO_PROBE_CODE ) return;
  *pbOk = 1;
}

/*
** Check on a scratch connection that the running SQLite lays out
** sqlite3_context as MemoContextLayout says: the probe function must read
** back what it set, and the statement must fail with exactly the error the
** probe read as set.  1 if it does, -1 if it does not, 0 if memory ran out
** before the probe could tell.
*/
static int memoProbeLayout(void) {
  sqlite3 *db = 0;
  sqlite3_stmt *pStmt = 0;
  int bOk = 0;
  int rc = sqlite3_open_v2(":memory:", &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 0);
  if( rc == SQLITE_OK ) {
    rc = sqlite3_create_function(db, "frugal_memo_probe", 2, SQLITE_UTF8, &bOk,
                                 memoProbeFunc, 0, 0);
  }
  if( rc == SQLITE_OK ) {
    rc =
        sqlite3_prepare_v2(db, "SELECT frugal_memo_probe(1, 2)", -1, &pStmt, 0);
  }
  if( rc == SQLITE_OK ) {
    rc = sqlite3_step(pStmt);
    bOk = bOk && rc == SQLITE_CONSTRAINT
       && sqlite3_extended_errcode(db) == MEMO_PROBE_CODE
       && strcmp(sqlite3_errmsg(db), MEMO_PROBE_ERROR) == 0;
  }
  sqlite3_finalize(pStmt);
  sqlite3_close(db);
  if( bOk ) return 1;
  return rc == SQLITE_NOMEM ? 0 : -1;
}

/*
** One trampoline slot: a function memoized through the C API, shared by
** every connection that memoized it.  Two registrations share a slot when
** they have the same name, nArg, eTextRep, xFunc and xDestroy, so that the
** trampoline can call xFunc for any of them and the destructor can call
** xDestroy for any of them.  pApp is not part of the key: SQLite hands each
** registration's own to xFunc (sqlite3_user_data()) and to the destructor,
** so connections that give the same function each their own pApp share a
** slot all the same.  Each connection has its own cache: the trampoline
** finds it in pCache by the connection the call comes from.
*/
typedef struct MemoSlot MemoSlot;
struct MemoSlot {
  char *zName;              /* The function's name; NULL: the slot is free */
  int nArg;                 /* Its number of arguments */
  int eTextRep;             /* Its eTextRep */
  FrugalSqlFunc xFunc;      /* The application's function */
  void (*xDestroy)(void *); /* Destructor of the pApp of each registration */
  int nReg;                 /* Registrations of the trampoline, everywhere */
  FrugalMemo *pCache;       /* A cache per connection, through pSlotNext */
};

/*
** The anchor of a connection that memoized functions through the C API: a
** collation, whose destructor SQLite calls when the connection closes (after
** the destructors of all functions), frees the connection's caches.  SQLite
** 3.40 offers nothing else that lives exactly as long as a connection and
** says which connection it belongs to when it goes: the destructor of a
** function gets pApp only, and pApp is shared by the connections that use a
** slot.  (sqlite3_set_clientdata() came in 3.44.)
*/
typedef struct MemoAnchor MemoAnchor;
struct MemoAnchor {
  FrugalDb *pState;  /* The connection's state; holds a reference */
  MemoAnchor *pNext; /* Next anchor in memoAnchorList */
};

/*
** The process-wide state of the C API: the slots, the anchors, and what the
** layout probe found (0 not run yet, 1 matches, -1 does not).  Guarded by
** frugalGlobalMutex() (ext/frugal.c), which is held only to read or write
** these, and never while calling anything but SQLite's allocator: it is
** not recursive, and frugalDbAcquire() and friends take it too.
**
** A slot's key (zName ... xDestroy) is written before its first
** registration and cleared only when its last registration goes, after
** which SQLite never calls its trampoline again; so a trampoline reads the
** key without the mutex.  It finds its connection's cache in pCache with
** the mutex, the first time (see MemoSeen).  A cache belongs to its
** connection: it is freed by the anchor
** when the connection closes, or by frugal_memoize_function() when it
** replaces the registration, both with the connection's mutex held and no
** call of the function running.  When the last registration of a slot goes
** (the application deleted the function everywhere), the caches still in
** pCache are orphaned (iSlot = -1) and freed by memoReap() the next time
** their connection uses memo_stats, memo_clear, memo_forget, the C API or
** frugal_release().
*/
static MemoSlot aMemoSlot[MEMO_N_SLOT];
static MemoAnchor *memoAnchorList = 0;
static int memoLayoutState = 0;

/*
** A call of a C API function finds its connection's cache without the
** mutex: each thread remembers, for each slot, the last cache it found
** there, with its connection and the value memoSlotGen had then.
** memoSlotGen counts the caches unlinked from their slots, which happens
** before a cache is freed or orphaned, always with the mutex held; so a
** cache a thread remembers is used only while no cache anywhere has been
** unlinked since it was found.  A cache is unlinked only when its own
** connection is closing or registers the function again, or when no
** connection has the function registered any more; none of these can
** happen while that connection runs a call of the function.
*/
typedef struct MemoSeen MemoSeen;
struct MemoSeen {
  sqlite3 *db;   /* The connection a call came from, or NULL */
  FrugalMemo *p; /* Its cache in the slot */
  u64 iGen;      /* memoSlotGen when p was found */
};
static _Thread_local MemoSeen aMemoSeen[MEMO_N_SLOT];
static _Atomic(u64) memoSlotGen; /* Caches unlinked from their slots */

/*
** The mutex that guards aMemoSlot[], memoAnchorList and memoLayoutState.
** frugal_memoize_function() fails before anything needs it if it cannot
** be made.
*/
static sqlite3_mutex *memoMutex(void) {
  return frugalGlobalMutex();
}

/*
** 1 if the context layout matches, -1 if it does not; probed once.  0 if
** memory ran out while probing: it is probed again next time.
*/
static int memoLayoutCheck(void) {
  int eState;
  sqlite3_mutex_enter(memoMutex());
  eState = memoLayoutState;
  sqlite3_mutex_leave(memoMutex());
  if( eState == 0 ) {
    eState = memoProbeLayout();
    sqlite3_mutex_enter(memoMutex());
    memoLayoutState = eState;
    sqlite3_mutex_leave(memoMutex());
  }
  return eState;
}

/* True if slot pS holds exactly the function that pKey describes. */
static int memoSlotIs(const MemoSlot *pS, const MemoSlot *pKey) {
  return pS->zName && sqlite3_stricmp(pS->zName, pKey->zName) == 0
      && pS->nArg == pKey->nArg && pS->eTextRep == pKey->eTextRep
      && pS->xFunc == pKey->xFunc && pS->xDestroy == pKey->xDestroy;
}

/*
** Claim a slot for one more registration of the function pKey describes,
** and link cache p into it: the slot of the same function if there is one,
** else a free one.  Takes pKey->zName, a copy of the name: the slot keeps
** it or it is freed.  Returns the slot number, or -1 if every slot holds
** another function.
*/
static int memoSlotClaim(const MemoSlot *pKey, FrugalMemo *p) {
  int i, iFree = -1;
  char *zFree = pKey->zName;
  sqlite3_mutex_enter(memoMutex());
  for( i = 0; i < MEMO_N_SLOT && !memoSlotIs(&aMemoSlot[i], pKey); i++ ) {
    if( iFree < 0 && aMemoSlot[i].zName == 0 ) iFree = i;
  }
  if( i == MEMO_N_SLOT && iFree >= 0 ) {
    i = iFree;
    aMemoSlot[i] = *pKey;
    zFree = 0;
  }
  if( i < MEMO_N_SLOT ) {
    aMemoSlot[i].nReg++;
    p->iSlot = i;
    p->pSlotNext = aMemoSlot[i].pCache;
    aMemoSlot[i].pCache = p;
  }
  sqlite3_mutex_leave(memoMutex());
  sqlite3_free(zFree);
  return i < MEMO_N_SLOT ? i : -1;
}

/*
** Unlink cache p from its slot, if it still has one, and make every thread
** forget the caches it has seen (see MemoSeen): p is about to be freed, or
** orphaned.  Mutex held.
*/
static void memoSlotUnlink(FrugalMemo *p) {
  FrugalMemo **pp;
  if( p->iSlot < 0 ) return;
  for( pp = &aMemoSlot[p->iSlot].pCache; *pp != p; pp = &(*pp)->pSlotNext ) {}
  *pp = p->pSlotNext;
  p->iSlot = -1;
  atomic_fetch_add_explicit(&memoSlotGen, 1, memory_order_release);
}

/*
** Free every cache of the connection of pState that the C API made and
** that is orphaned (bAll false) or all of them (bAll true).  The
** connection's mutex is held.
*/
static void memoReapCaches(FrugalDb *pState, int bAll) {
  FrugalMemo *pFree = 0, *p, **pp;
  sqlite3_mutex_enter(memoMutex());
  for( pp = &pState->pMemo; (p = *pp) != 0; ) {
    if( p->zWrapper == 0 && (bAll || p->iSlot < 0) ) {
      memoSlotUnlink(p);
      *pp = p->pNext;
      p->pNext = pFree;
      pFree = p;
    } else {
      pp = &p->pNext;
    }
  }
  sqlite3_mutex_leave(memoMutex());
  while( pFree ) {
    p = pFree;
    pFree = p->pNext;
    memoFree(p);
  }
}

/* Free the orphaned caches of the connection of pState (see aMemoSlot). */
static void memoReap(FrugalDb *pState) {
  memoReapCaches(pState, 0);
}

/*
** The cache of the connection db in slot iSlot, or NULL.  What this thread
** found last for the slot is used without the mutex if no cache has been
** unlinked from any slot since (see MemoSeen).
*/
static FrugalMemo *memoSlotCache(int iSlot, sqlite3 *db) {
  MemoSeen *pSeen = &aMemoSeen[iSlot];
  FrugalMemo *p, **pp;
  u64 iGen = atomic_load_explicit(&memoSlotGen, memory_order_acquire);
  if( pSeen->db == db && pSeen->iGen == iGen ) return pSeen->p;
  sqlite3_mutex_enter(memoMutex());
  iGen = atomic_load_explicit(&memoSlotGen, memory_order_relaxed);
  for( pp = &aMemoSlot[iSlot].pCache; (p = *pp) != 0; pp = &p->pSlotNext ) {
    if( p->pState->db == db ) break;
  }
  sqlite3_mutex_leave(memoMutex());
  if( p ) {
    pSeen->db = db;
    pSeen->p = p;
    pSeen->iGen = iGen;
  }
  return p;
}

/*
** A call of the function memoized in slot iSlot, on any connection.  Without
** a cache on this connection (its anchor is gone), xFunc runs uncached.
*/
static void memoCFunc(int iSlot, sqlite3_context *ctx, int argc,
                      sqlite3_value **argv) {
  FrugalSqlFunc xFunc = aMemoSlot[iSlot].xFunc;
  FrugalMemo *p = memoSlotCache(iSlot, sqlite3_context_db_handle(ctx));
  MemoContextLayout *pL = (MemoContextLayout *)ctx;
  MemoCall call;
  MemoKey key;
  if( p == 0 ) {
    xFunc(ctx, argc, argv);
    return;
  }
  memoCallInit(&call, p, argc, argv);
  if( memoLookup(p, ctx, &call) ) return;
  memoKeyInit(&key, &call);
  xFunc(ctx, argc, argv);
  if( pL->isError == 0 ) memoInsert(p, &key, pL->pOut);
  memoKeyFree(&key);
}

/*
** The destructor of a registration of the function in slot iSlot: the
** application's destructor; and if it was the last registration anywhere,
** the slot is freed and the caches still linked to it are orphaned.
*/
static void memoCDestroy(int iSlot, void *pApp) {
  MemoSlot *pS = &aMemoSlot[iSlot];
  void (*xDestroy)(void *);
  char *zFree = 0;
  sqlite3_mutex_enter(memoMutex());
  xDestroy = pS->xDestroy;
  if( --pS->nReg == 0 ) {
    while( pS->pCache ) memoSlotUnlink(pS->pCache);
    zFree = pS->zName;
    memset(pS, 0, sizeof(*pS));
  }
  sqlite3_mutex_leave(memoMutex());
  if( xDestroy ) xDestroy(pApp);
  sqlite3_free(zFree);
}

/*
** The trampolines: MEMO_N_SLOT pairs of a function and a destructor, each
** bound to its slot at compile time.  Slot A*8+B is memoTrampAB.
*/
#define MEMO_TRAMPOLINE(A, B)                                                  \
 static void memoTramp##A##B(sqlite3_context *ctx, int argc,                   \
                             sqlite3_value **argv) {                           \
  memoCFunc((A)*8 + (B), ctx, argc, argv);                                     \
 }                                                                             \
 static void memoTrampDestroy##A##B(void *pApp) {                              \
  memoCDestroy((A)*8 + (B), pApp);                                             \
 }
#define MEMO_TRAMPOLINE8(A)                                                    \
 MEMO_TRAMPOLINE(A, 0)                                                         \
 MEMO_TRAMPOLINE(A, 1)                                                         \
 MEMO_TRAMPOLINE(A, 2)                                                         \
 MEMO_TRAMPOLINE(A, 3)                                                         \
 MEMO_TRAMPOLINE(A, 4)                                                         \
 MEMO_TRAMPOLINE(A, 5)                                                         \
 MEMO_TRAMPOLINE(A, 6)                                                         \
 MEMO_TRAMPOLINE(A, 7)
MEMO_TRAMPOLINE8(0)
MEMO_TRAMPOLINE8(1)
MEMO_TRAMPOLINE8(2)
MEMO_TRAMPOLINE8(3)
MEMO_TRAMPOLINE8(4)
MEMO_TRAMPOLINE8(5)
MEMO_TRAMPOLINE8(6)
MEMO_TRAMPOLINE8(7)

#define MEMO_TRAMP_ENTRY(A, B)                                                 \
 { memoTramp##A##B, memoTrampDestroy##A##B }
#define MEMO_TRAMP_ENTRY8(A)                                                   \
 MEMO_TRAMP_ENTRY(A, 0), MEMO_TRAMP_ENTRY(A, 1), MEMO_TRAMP_ENTRY(A, 2),       \
     MEMO_TRAMP_ENTRY(A, 3), MEMO_TRAMP_ENTRY(A, 4), MEMO_TRAMP_ENTRY(A, 5),   \
     MEMO_TRAMP_ENTRY(A, 6), MEMO_TRAMP_ENTRY(A, 7)
static const struct {
  FrugalSqlFunc xFunc;      /* Calls memoCFunc() with its slot */
  void (*xDestroy)(void *); /* Calls memoCDestroy() with its slot */
} aMemoTramp[MEMO_N_SLOT] = {
  MEMO_TRAMP_ENTRY8(0), MEMO_TRAMP_ENTRY8(1), MEMO_TRAMP_ENTRY8(2),
  MEMO_TRAMP_ENTRY8(3), MEMO_TRAMP_ENTRY8(4), MEMO_TRAMP_ENTRY8(5),
  MEMO_TRAMP_ENTRY8(6), MEMO_TRAMP_ENTRY8(7),
};

/* The anchor collation compares like BINARY, should anyone use it. */
static int memoAnchorCompare(void *pArg, int n1, const void *a1, int n2,
                             const void *a2) {
  int c = memcmp(a1, a2, (size_t)(n1 < n2 ? n1 : n2));
  (void)pArg;
  return c ? c : n1 - n2;
}

/* Unlink anchor pA from memoAnchorList and free it. */
static void memoAnchorFree(MemoAnchor *pA) {
  MemoAnchor **pp;
  sqlite3_mutex_enter(memoMutex());
  for( pp = &memoAnchorList; *pp != pA; pp = &(*pp)->pNext ) {}
  *pp = pA->pNext;
  sqlite3_mutex_leave(memoMutex());
  frugalDbRelease(pA->pState);
  sqlite3_free(pA);
}

/* The anchor's destructor: the connection closes; free its caches. */
static void memoAnchorDestroy(void *pArg) {
  MemoAnchor *pA = (MemoAnchor *)pArg;
  memoReapCaches(pA->pState, 1);
  memoAnchorFree(pA);
}

/*
** Make sure the connection db of pState has its anchor.  SQLITE_OK or an
** error code.
*/
static int memoAnchorEnsure(sqlite3 *db, FrugalDb *pState) {
  MemoAnchor *pA;
  int rc;
  sqlite3_mutex_enter(memoMutex());
  for( pA = memoAnchorList; pA && pA->pState != pState; pA = pA->pNext ) {}
  sqlite3_mutex_leave(memoMutex());
  if( pA ) return SQLITE_OK;
  pA = sqlite3_malloc64(sizeof(*pA));
  if( pA == 0 ) return SQLITE_NOMEM;
  frugalDbRef(pState);
  pA->pState = pState;
  sqlite3_mutex_enter(memoMutex());
  pA->pNext = memoAnchorList;
  memoAnchorList = pA;
  sqlite3_mutex_leave(memoMutex());
  rc = sqlite3_create_collation_v2(db, MEMO_ANCHOR_NAME, SQLITE_UTF8, pA,
                                   memoAnchorCompare, memoAnchorDestroy);
  /* Unlike every other interface, this one does not call the destructor
  ** when it fails. */
  if( rc != SQLITE_OK ) memoAnchorFree(pA);
  return rc;
}

/*
** After zName (nArg, eTextRep) was registered on the connection of pState
** with cache pNew: free the caches of the registrations it replaced.
*/
static void memoDropReplaced(FrugalDb *pState, const FrugalMemo *pNew, int nArg,
                             int eTextRep) {
  FrugalMemo *p;
  sqlite3_mutex_enter(memoMutex());
  for( p = pState->pMemo; p; p = p->pNext ) {
    if( p != pNew && p->zWrapper == 0 && p->iSlot >= 0
        && sqlite3_stricmp(p->zName, pNew->zName) == 0
        && aMemoSlot[p->iSlot].nArg == nArg
        && (aMemoSlot[p->iSlot].eTextRep & 7) == (eTextRep & 7) ) {
      memoSlotUnlink(p);
    }
  }
  sqlite3_mutex_leave(memoMutex());
  memoReap(pState);
}

/*
** Make the cache of a registration of the function pArgs describes on the
** connection of pState, and claim its slot.  On failure, xDestroy has been
** called and *pp is NULL.
*/
static int memoCNew(FrugalDb *pState, const MemoSlot *pArgs, void *pApp,
                    sqlite3_int64 mxEntry, sqlite3_int64 mxByte,
                    FrugalMemo **pp) {
  FrugalMemo *p = memoNew(pState, pArgs->zName);
  MemoSlot key = *pArgs;
  int rc = SQLITE_OK;
  key.zName = sqlite3_mprintf("%s", pArgs->zName);
  if( p == 0 || key.zName == 0 ) {
    sqlite3_free(key.zName);
    rc = SQLITE_NOMEM;
  } else {
    p->bSubtypeKey = (key.eTextRep & SQLITE_SUBTYPE) != 0;
    if( mxEntry >= 0 ) p->mxEntry = mxEntry;
    if( mxByte >= 0 ) p->mxByte = mxByte;
    if( memoSlotClaim(&key, p) < 0 ) rc = SQLITE_FULL;
  }
  if( rc != SQLITE_OK ) {
    if( p ) memoRelease(p);
    p = 0;
    if( key.xDestroy ) key.xDestroy(pApp);
  }
  *pp = p;
  return rc;
}

/*
** The body of frugal_memoize_function(), with the connection's mutex held
** and the arguments checked.  Returns an SQLite code; on failure xDestroy
** has been called.
*/
static int memoCRegister(sqlite3 *db, const MemoSlot *pArgs, void *pApp,
                         sqlite3_int64 mxEntry, sqlite3_int64 mxByte) {
  FrugalDb *pState = frugalDbAcquire(db);
  FrugalMemo *p = 0;
  int rc;
  if( pState == 0 ) {
    if( pArgs->xDestroy ) pArgs->xDestroy(pApp);
    return SQLITE_NOMEM;
  }
  memoReap(pState);
  rc = memoAnchorEnsure(db, pState);
  if( rc != SQLITE_OK ) {
    if( pArgs->xDestroy ) pArgs->xDestroy(pApp);
  } else {
    rc = memoCNew(pState, pArgs, pApp, mxEntry, mxByte, &p);
  }
  if( rc == SQLITE_OK ) {
    /* On failure SQLite calls the trampoline's destructor, which calls
    ** xDestroy and gives the slot back. */
    rc = sqlite3_create_function_v2(
        db, pArgs->zName, pArgs->nArg, pArgs->eTextRep | SQLITE_DETERMINISTIC,
        pApp, aMemoTramp[p->iSlot].xFunc, 0, 0, aMemoTramp[p->iSlot].xDestroy);
    if( rc == SQLITE_OK ) {
      memoDropReplaced(pState, p, pArgs->nArg, pArgs->eTextRep);
    } else {
      sqlite3_mutex_enter(memoMutex());
      memoSlotUnlink(p);
      sqlite3_mutex_leave(memoMutex());
      memoRelease(p);
    }
  }
  frugalDbRelease(pState);
  return rc;
}

/*
** The C API (frugal.h): register zName like sqlite3_create_function_v2(),
** with xFunc behind a cache.  See doc/memo.md for the return codes.
*/
FRUGAL_EXPORT int
frugal_memoize_function(sqlite3 *db, const char *zName, int nArg, int eTextRep,
                        void *pApp,
                        void (*xFunc)(sqlite3_context *, int, sqlite3_value **),
                        void (*xDestroy)(void *), sqlite3_int64 max_entries,
                        sqlite3_int64 max_bytes) {
  MemoSlot args;
  int rc, eLayout = 0;

#ifndef SQLITE_CORE
  /* Loadable build: SQLite is reached through the table load_extension()
  ** hands over; before that, nothing can be called. */
  if( sqlite3_api == 0 ) {
    if( xDestroy ) xDestroy(pApp);
    return SQLITE_MISUSE;
  }
#endif
  if( db == 0 || zName == 0 || xFunc == 0 ) {
    rc = SQLITE_MISUSE;
  } else if( memoMutex() == 0 && sqlite3_threadsafe() ) {
    rc = SQLITE_NOMEM;
  } else if( (eLayout = memoLayoutCheck()) <= 0 ) {
    rc = eLayout == 0 ? SQLITE_NOMEM : SQLITE_ERROR;
  } else {
    rc = SQLITE_OK;
  }
  if( rc != SQLITE_OK ) {
    if( xDestroy ) xDestroy(pApp);
    return rc;
  }
  memset(&args, 0, sizeof(args));
  args.zName = (char *)zName;
  args.nArg = nArg;
  args.eTextRep = eTextRep;
  args.xFunc = xFunc;
  args.xDestroy = xDestroy;
  sqlite3_mutex_enter(sqlite3_db_mutex(db));
  rc = memoCRegister(db, &args, pApp, max_entries, max_bytes);
  sqlite3_mutex_leave(sqlite3_db_mutex(db));
  return rc;
}

/************************************************************************
** memoize('f' [, max_entries [, max_bytes]])
*/

/*
** Read argument pVal of memoize() as a bound (zWhat is its name) into *piVal.
** NULL leaves *piVal as it is.  SQLITE_OK, or SQLITE_ERROR with *pzErr.
*/
static int memoBoundArg(sqlite3_value *pVal, const char *zWhat, i64 *piVal,
                        char **pzErr) {
  int eType = sqlite3_value_type(pVal);
  if( eType == SQLITE_NULL ) return SQLITE_OK;
  if( eType == SQLITE_INTEGER && sqlite3_value_int64(pVal) >= 0 ) {
    *piVal = sqlite3_value_int64(pVal);
    return SQLITE_OK;
  }
  if( eType == SQLITE_FLOAT ) {
    double r = sqlite3_value_double(pVal);
    if( r >= 0.0 && r < MEMO_REAL_BOUND_LIMIT && r == (double)(i64)r ) {
      *piVal = (i64)r;
      return SQLITE_OK;
    }
  }
  *pzErr = sqlite3_mprintf("memoize: %s must be a non-negative integer", zWhat);
  return SQLITE_ERROR;
}

/* The FrugalMemo memoize() made for function zName, or NULL. */
static FrugalMemo *memoFindWrapper(FrugalDb *pState, const char *zName) {
  FrugalMemo *p;
  for( p = pState->pMemo; p; p = p->pNext ) {
    if( p->zWrapper && sqlite3_stricmp(p->zName, zName) == 0 ) return p;
  }
  return 0;
}

/*
** The flags that go with those in aArity[] when a wrapper is registered:
** SQLITE_RESULT_SUBTYPE where SQLite knows it, since a wrapper passes on
** the subtype of f's result (and with SQLITE_STRICT_SUBTYPE, SQLite refuses
** sqlite3_result_subtype() from a function without the flag).
*/
static int memoExtraFlags(void) {
  return sqlite3_libversion_number() >= MEMO_RESULT_SUBTYPE_VERSION
           ? SQLITE_RESULT_SUBTYPE
           : 0;
}

/*
** Register wrapper p for every arity of pD it does not have yet.  An arity
** it has must have been registered with flags at least as strict as f's
** are now.  On error, *pzErr is the message.
*/
static int memoRegisterWrapper(sqlite3 *db, FrugalMemo *p, const MemoDesc *pD,
                               char **pzErr) {
  int i, rc, nOld = p->nArity;
  MemoArity *aNew;
  for( i = 0; i < pD->nArity; i++ ) {
    const MemoArity *pA =
        memoFindArity(p->aArity, p->nArity, pD->aArity[i].nArg);
    if( pA && !memoFlagsAllow(pA->mFlags, pD->aArity[i].mFlags, 0) ) {
      *pzErr = sqlite3_mprintf("memoize: %s has changed since %s was made",
                               p->zName, p->zWrapper);
      return SQLITE_ERROR;
    }
  }
  for( i = 0; i < pD->nArity; i++ ) {
    const MemoArity *pA = &pD->aArity[i];
    if( memoFindArity(p->aArity, p->nArity, pA->nArg) ) continue;
    aNew = sqlite3_realloc64(p->aArity, sizeof(MemoArity)
                                            * (sqlite3_uint64)(p->nArity + 1));
    if( aNew == 0 ) return SQLITE_NOMEM;
    p->aArity = aNew;
    p->nRef++; /* Dropped by memoRelease(), also if this fails */
    rc = sqlite3_create_function_v2(db, p->zWrapper, pA->nArg,
                                    SQLITE_UTF8 | pA->mFlags | memoExtraFlags(),
                                    p, memoSqlFunc, 0, 0, memoRelease);
    if( rc != SQLITE_OK ) {
      *pzErr = sqlite3_mprintf("memoize: cannot create %s: %s", p->zWrapper,
                               sqlite3_errstr(rc));
      return rc;
    }
    p->aArity[p->nArity++] = *pA;
  }
  /* A schema parsed before now has not been checked against the new
  ** wrapper's flags. */
  if( p->nArity > nOld ) frugalSchemaReset(db);
  return SQLITE_OK;
}

/*
** Check what pD says about f before a wrapper is made or changed.  On error,
** *pzErr is the message.
*/
static int memoCheckDesc(const MemoDesc *pD, const char *zName, char **pzErr) {
  const char *zWhy = 0;
  if( pD->nRow == 0 ) {
    *pzErr = sqlite3_mprintf("memoize: no such function: %s", zName);
    return SQLITE_ERROR;
  }
  if( pD->nArity == 0 ) {
    zWhy = "is not a scalar function";
  } else if( pD->bNotDet ) {
    zWhy = "is not deterministic";
  } else if( pD->bSubtype ) {
    zWhy = "reads the subtypes of its arguments, which a cached call"
           " cannot pass on";
  }
  if( zWhy ) {
    *pzErr = sqlite3_mprintf("memoize: %s %s", pD->zName, zWhy);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/*
** Make the wrapper of the function pD describes, with no registration yet.
** Fails if a function named like the wrapper exists already.
*/
static int memoNewWrapper(sqlite3 *db, FrugalDb *pState, const MemoDesc *pD,
                          FrugalMemo **pp, char **pzErr) {
  MemoDesc other;
  char *zWrapper = sqlite3_mprintf("%s" MEMO_SUFFIX, pD->zName);
  int rc;
  *pp = 0;
  if( zWrapper == 0 ) return SQLITE_NOMEM;
  rc = memoDescribe(db, "memoize", zWrapper, &other, pzErr);
  if( rc == SQLITE_OK && other.nRow > 0 ) {
    *pzErr = sqlite3_mprintf("memoize: %s already exists", zWrapper);
    rc = SQLITE_ERROR;
  }
  memoDescClear(&other);
  if( rc == SQLITE_OK ) {
    *pp = memoNew(pState, pD->zName);
    if( *pp == 0 ) rc = SQLITE_NOMEM;
  }
  if( rc != SQLITE_OK ) {
    sqlite3_free(zWrapper);
    return rc;
  }
  (*pp)->zWrapper = zWrapper;
  return SQLITE_OK;
}

/*
** Read the arguments of memoize(): f into *pzName and the bounds into
** *pmxEntry and *pmxByte (-1 where a bound is omitted or NULL).  SQLITE_OK,
** SQLITE_NOMEM, or SQLITE_ERROR with *pzErr.
*/
static int memoizeArgs(int argc, sqlite3_value **argv, const char **pzName,
                       i64 *pmxEntry, i64 *pmxByte, char **pzErr) {
  int rc = SQLITE_OK;
  *pzName = 0;
  *pmxEntry = *pmxByte = -1;
  if( sqlite3_value_type(argv[0]) == SQLITE_TEXT ) {
    *pzName = (const char *)sqlite3_value_text(argv[0]);
    if( *pzName == 0 ) return SQLITE_NOMEM;
  }
  if( *pzName == 0 || (*pzName)[0] == 0 ) {
    *pzErr = sqlite3_mprintf("memoize: first argument must be a function name");
    return SQLITE_ERROR;
  }
  if( argc > 1 ) rc = memoBoundArg(argv[1], "max_entries", pmxEntry, pzErr);
  if( rc == SQLITE_OK && argc > 2 ) {
    rc = memoBoundArg(argv[2], "max_bytes", pmxByte, pzErr);
  }
  return rc;
}

/*
** Find or make the wrapper of the function pD describes and register it for
** every arity of f, into *pp.  It then takes over pD's list of arities at
** which f is not scalar.  On error, *pzErr is the message (or NULL: out of
** memory) and *pp is NULL.
*/
static int memoizeWrapper(sqlite3 *db, FrugalDb *pState, MemoDesc *pD,
                          FrugalMemo **pp, char **pzErr) {
  FrugalMemo *p = memoFindWrapper(pState, pD->zName);
  int bNew = p == 0;
  int rc = SQLITE_OK;
  if( bNew ) rc = memoNewWrapper(db, pState, pD, &p, pzErr);
  if( rc == SQLITE_OK ) rc = memoRegisterWrapper(db, p, pD, pzErr);
  if( rc == SQLITE_OK ) {
    sqlite3_free(p->aNotScalar);
    p->aNotScalar = pD->aNotScalar;
    p->nNotScalar = pD->nNotScalar;
    pD->aNotScalar = 0;
  }
  /* A new wrapper lives on only through its registrations. */
  if( bNew && p ) memoRelease(p);
  *pp = rc == SQLITE_OK ? p : 0;
  return rc;
}

/* Give p the bounds memoize() was called with (-1: keep) and meet them. */
static void memoizeBounds(FrugalMemo *p, i64 mxEntry, i64 mxByte) {
  if( mxEntry >= 0 ) p->mxEntry = mxEntry;
  if( mxByte >= 0 ) p->mxByte = mxByte;
  memoShrink(p);
}

/*
** Connect memo_stats on db if it is not: its xDisconnect is what lets the
** wrappers keep statements.  Failure is not an error (a table named
** memo_stats hides it, an authorizer refuses it, the schema cannot be
** read): misses then prepare a statement each.
*/
static void memoStatsEnsure(sqlite3 *db, FrugalDb *pState) {
  sqlite3_stmt *pStmt = 0;
  if( pState->nMemoStats > 0 ) return;
  sqlite3_prepare_v2(db, "SELECT 0 FROM memo_stats", -1, &pStmt, 0);
  sqlite3_finalize(pStmt);
}

/*
** memoize('f' [, max_entries [, max_bytes]]): create f_memo, or change its
** bounds, and return its name.  A NULL bound keeps the current one (the
** default for a new wrapper).
*/
static void memoizeFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  FrugalDb *pState = (FrugalDb *)sqlite3_user_data(ctx);
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zName;
  MemoDesc desc;
  FrugalMemo *p = 0;
  char *zErr = 0;
  i64 mxEntry, mxByte;
  int rc;

  memset(&desc, 0, sizeof(desc));
  rc = memoizeArgs(argc, argv, &zName, &mxEntry, &mxByte, &zErr);
  if( rc == SQLITE_OK ) rc = memoDescribe(db, "memoize", zName, &desc, &zErr);
  if( rc == SQLITE_OK ) rc = memoCheckDesc(&desc, zName, &zErr);
  if( rc == SQLITE_OK ) rc = memoizeWrapper(db, pState, &desc, &p, &zErr);
  if( rc == SQLITE_OK ) {
    memoizeBounds(p, mxEntry, mxByte);
    memoStmtDrop(p);
    memoStatsEnsure(db, pState);
    sqlite3_result_text(ctx, p->zWrapper, -1, SQLITE_TRANSIENT);
  } else if( zErr ) {
    sqlite3_result_error(ctx, zErr, -1);
  } else if( rc == SQLITE_NOMEM ) {
    sqlite3_result_error_nomem(ctx);
  } else {
    sqlite3_result_error(ctx, sqlite3_errstr(rc), -1);
  }
  sqlite3_free(zErr);
  memoDescClear(&desc);
}

/************************************************************************
** memo_clear(['f']) and memo_forget('f', args...)
*/

/*
** The function name in argument pVal of zFunc, or NULL with an error set
** on ctx.
*/
static const char *memoNameArg(sqlite3_context *ctx, const char *zFunc,
                               sqlite3_value *pVal, const char *zWhich) {
  const char *zName;
  if( pVal && sqlite3_value_type(pVal) == SQLITE_TEXT ) {
    zName = (const char *)sqlite3_value_text(pVal);
    if( zName == 0 ) sqlite3_result_error_nomem(ctx);
    return zName;
  }
  memoError(ctx, "%s: %s argument must be a function name", zFunc, zWhich);
  return 0;
}

/* Set the error "zFunc: zName is not memoized" on ctx. */
static void memoNotMemoized(sqlite3_context *ctx, const char *zFunc,
                            const char *zName) {
  memoError(ctx, "%s: %s is not memoized", zFunc, zName);
}

/*
** memo_clear(['f']): empty the cache of f, or every cache; return the
** number of entries freed.
*/
static void memoClearFunc(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  FrugalDb *pState = (FrugalDb *)sqlite3_user_data(ctx);
  const char *zName = 0;
  FrugalMemo *p;
  int bFound = 0;
  i64 n = 0;
  if( argc > 0 ) {
    zName = memoNameArg(ctx, "memo_clear", argv[0], "the");
    if( zName == 0 ) return;
  }
  memoReap(pState);
  for( p = pState->pMemo; p; p = p->pNext ) {
    if( zName && sqlite3_stricmp(p->zName, zName) ) continue;
    bFound = 1;
    n += memoClear(p);
    memoStmtDrop(p);
  }
  if( zName && !bFound ) {
    memoNotMemoized(ctx, "memo_clear", zName);
  } else {
    sqlite3_result_int64(ctx, n);
  }
}

/*
** memo_forget('f', args...): drop the entry of f(args...); return how many
** entries were dropped (0 or 1).
*/
static void memoForgetFunc(sqlite3_context *ctx, int argc,
                           sqlite3_value **argv) {
  FrugalDb *pState = (FrugalDb *)sqlite3_user_data(ctx);
  const char *zName;
  FrugalMemo *p;
  int bFound = 0;
  i64 n = 0;
  zName = memoNameArg(ctx, "memo_forget", argc > 0 ? argv[0] : 0, "first");
  if( zName == 0 ) return;
  memoReap(pState);
  for( p = pState->pMemo; p; p = p->pNext ) {
    MemoCall call;
    MemoEntry *pE;
    if( sqlite3_stricmp(p->zName, zName) ) continue;
    bFound = 1;
    memoCallInit(&call, p, argc - 1, argv + 1);
    pE = memoFind(p, &call);
    if( pE ) {
      memoRemove(p, pE);
      if( p->nEntry == 0 ) memoTableFree(p);
      n++;
    }
  }
  if( !bFound ) {
    memoNotMemoized(ctx, "memo_forget", zName);
  } else {
    sqlite3_result_int64(ctx, n);
  }
}

/************************************************************************
** memo_stats: one row per memoized function.
*/

/* The memo_stats table. */
typedef struct MemoStatsVtab MemoStatsVtab;
struct MemoStatsVtab {
  sqlite3_vtab base; /* Base class - must be first */
  FrugalDb *pState;  /* Whose memoized functions */
};

/*
** One row of memo_stats, as xFilter read it.  A scan works on such a copy,
** not on the FrugalMemo themselves, which a call made during the scan may
** free (see memoReap()).
*/
typedef struct MemoStatsRow MemoStatsRow;
struct MemoStatsRow {
  char *zName;                  /* name; points into the same allocation */
  i64 aVal[MEMO_COL_MAX_BYTES]; /* The columns hits ... max_bytes */
};

/* A scan of memo_stats. */
typedef struct MemoStatsCursor MemoStatsCursor;
struct MemoStatsCursor {
  sqlite3_vtab_cursor base; /* Base class - must be first */
  MemoStatsRow *aRow;       /* The rows, with their names after them */
  int nRow;                 /* Entries in aRow[] */
  int iRow;                 /* The current row, nRow at EOF */
};

/* xConnect. */
static int memoStatsConnect(sqlite3 *db, void *pAux, int argc,
                            const char *const *argv, sqlite3_vtab **ppVtab,
                            char **pzErr) {
  MemoStatsVtab *p;
  int rc;
  (void)argc;
  (void)argv;
  rc = sqlite3_declare_vtab(db, "CREATE TABLE x(name TEXT, hits INTEGER,"
                                " misses INTEGER, evictions INTEGER,"
                                " entries INTEGER, bytes INTEGER,"
                                " max_entries INTEGER, max_bytes INTEGER)");
  if( rc == SQLITE_OK ) rc = sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  if( rc != SQLITE_OK ) {
    *pzErr = sqlite3_mprintf("memo_stats: %s", sqlite3_errstr(rc));
    return rc;
  }
  p = sqlite3_malloc64(sizeof(*p));
  if( p == 0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->pState = (FrugalDb *)pAux;
  p->pState->nMemoStats++;
  *ppVtab = &p->base;
  return SQLITE_OK;
}

/*
** xDisconnect.  Also finalizes the statements the wrappers of the
** connection keep (see memoStmtGet()): sqlite3_close() disconnects every
** virtual table before it checks that no statement is left.
*/
static int memoStatsDisconnect(sqlite3_vtab *pVtab) {
  FrugalDb *pState = ((MemoStatsVtab *)pVtab)->pState;
  pState->nMemoStats--;
  memoStmtDropAll(pState);
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

/* xOpen. */
static int memoStatsOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur) {
  MemoStatsCursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  (void)pVtab;
  if( pCur == 0 ) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCur = &pCur->base;
  return SQLITE_OK;
}

/* xClose. */
static int memoStatsClose(sqlite3_vtab_cursor *cur) {
  sqlite3_free(((MemoStatsCursor *)cur)->aRow);
  sqlite3_free(cur);
  return SQLITE_OK;
}

/* xBestIndex: always a full scan of a short list. */
static int memoStatsBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  (void)pVtab;
  pInfo->estimatedCost = 10.0;
  pInfo->estimatedRows = 10;
  return SQLITE_OK;
}

/* Copy the counters of p into row *pRow. */
static void memoStatsRead(MemoStatsRow *pRow, const FrugalMemo *p) {
  pRow->aVal[MEMO_COL_HITS - 1] = p->nHit;
  pRow->aVal[MEMO_COL_MISSES - 1] = p->nMiss;
  pRow->aVal[MEMO_COL_EVICTIONS - 1] = p->nEvict;
  pRow->aVal[MEMO_COL_ENTRIES - 1] = p->nEntry;
  pRow->aVal[MEMO_COL_BYTES - 1] = p->nByte;
  pRow->aVal[MEMO_COL_MAX_ENTRIES - 1] = p->mxEntry;
  pRow->aVal[MEMO_COL_MAX_BYTES - 1] = p->mxByte;
}

/* xFilter: read one row per memoized function of the connection. */
static int memoStatsFilter(sqlite3_vtab_cursor *cur, int idxNum,
                           const char *idxStr, int argc, sqlite3_value **argv) {
  MemoStatsCursor *pCur = (MemoStatsCursor *)cur;
  FrugalDb *pState = ((MemoStatsVtab *)cur->pVtab)->pState;
  const FrugalMemo *p;
  sqlite3_uint64 nByte = 0;
  char *z;
  int n = 0;
  (void)idxNum;
  (void)idxStr;
  (void)argc;
  (void)argv;
  sqlite3_free(pCur->aRow);
  pCur->aRow = 0;
  pCur->nRow = pCur->iRow = 0;
  memoReap(pState);
  for( p = pState->pMemo; p; p = p->pNext ) {
    nByte += sizeof(MemoStatsRow) + strlen(p->zName) + 1;
    n++;
  }
  if( n == 0 ) return SQLITE_OK;
  pCur->aRow = sqlite3_malloc64(nByte);
  if( pCur->aRow == 0 ) return SQLITE_NOMEM;
  z = (char *)&pCur->aRow[n];
  for( p = pState->pMemo; p; p = p->pNext ) {
    MemoStatsRow *pRow = &pCur->aRow[pCur->nRow++];
    size_t nName = strlen(p->zName) + 1;
    pRow->zName = memcpy(z, p->zName, nName);
    z += nName;
    memoStatsRead(pRow, p);
  }
  return SQLITE_OK;
}

/* xNext. */
static int memoStatsNext(sqlite3_vtab_cursor *cur) {
  ((MemoStatsCursor *)cur)->iRow++;
  return SQLITE_OK;
}

/* xEof. */
static int memoStatsEof(sqlite3_vtab_cursor *cur) {
  const MemoStatsCursor *pCur = (const MemoStatsCursor *)cur;
  return pCur->iRow >= pCur->nRow;
}

/* xColumn. */
static int memoStatsColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx,
                           int i) {
  const MemoStatsCursor *pCur = (const MemoStatsCursor *)cur;
  const MemoStatsRow *pRow = &pCur->aRow[pCur->iRow];
  if( i == MEMO_COL_NAME ) {
    sqlite3_result_text(ctx, pRow->zName, -1, SQLITE_TRANSIENT);
  } else {
    sqlite3_result_int64(ctx, pRow->aVal[i - 1]);
  }
  return SQLITE_OK;
}

/* xRowid. */
static int memoStatsRowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *pRowid) {
  *pRowid = ((MemoStatsCursor *)cur)->iRow + 1;
  return SQLITE_OK;
}

static const sqlite3_module memoStatsModule = {
  .iVersion = 0,
  .xConnect = memoStatsConnect,
  .xBestIndex = memoStatsBestIndex,
  .xDisconnect = memoStatsDisconnect,
  .xOpen = memoStatsOpen,
  .xClose = memoStatsClose,
  .xFilter = memoStatsFilter,
  .xNext = memoStatsNext,
  .xEof = memoStatsEof,
  .xColumn = memoStatsColumn,
  .xRowid = memoStatsRowid,
};

/************************************************************************
** What the rest of frugal sees (frugal_int.h).
*/

/*
** The bytes and entries all caches of the connection hold, including the
** orphaned caches of the C API that are not freed yet (see aMemoSlot):
** their bytes are held all the same, and frugalMemoClearAll() frees them.
** Callable from outside a SQLite callback: takes the connection's mutex.
*/
void frugalMemoUsage(FrugalDb *pState, i64 *pnByte, i64 *pnEntry) {
  const FrugalMemo *p;
  *pnByte = 0;
  *pnEntry = 0;
  if( pState == 0 ) return;
  sqlite3_mutex_enter(sqlite3_db_mutex(pState->db));
  for( p = pState->pMemo; p; p = p->pNext ) {
    *pnByte += p->nByte;
    *pnEntry += p->nEntry;
  }
  sqlite3_mutex_leave(sqlite3_db_mutex(pState->db));
}

/*
** Empty every cache of the connection, and free the orphaned caches of the
** C API; return the entries freed (those of orphaned caches not included,
** as memo_stats never shows them).  Callable from outside a SQLite
** callback: takes the connection's mutex.
*/
i64 frugalMemoClearAll(FrugalDb *pState) {
  FrugalMemo *p;
  i64 n = 0;
  if( pState == 0 ) return 0;
  sqlite3_mutex_enter(sqlite3_db_mutex(pState->db));
  memoReap(pState);
  for( p = pState->pMemo; p; p = p->pNext ) n += memoClear(p);
  memoStmtDropAll(pState);
  sqlite3_mutex_leave(sqlite3_db_mutex(pState->db));
  return n;
}

/*
** Register memoize() (FRUGAL_REG_IO: it runs SQL), and memo_clear(),
** memo_forget() and memo_stats (FRUGAL_REG_PURE).
*/
int frugal_memo_register(sqlite3 *db, int mWhich, char **pzErrMsg) {
  static const FrugalFunc aFunc[] = {
    { "memoize", 1, SQLITE_DIRECTONLY, 1, memoizeFunc, 0, 0, 0, 0 },
    { "memoize", 2, SQLITE_DIRECTONLY, 1, memoizeFunc, 0, 0, 0, 0 },
    { "memoize", 3, SQLITE_DIRECTONLY, 1, memoizeFunc, 0, 0, 0, 0 },
    { "memo_clear", 0, SQLITE_DIRECTONLY, 0, memoClearFunc, 0, 0, 0, 0 },
    { "memo_clear", 1, SQLITE_DIRECTONLY, 0, memoClearFunc, 0, 0, 0, 0 },
    { "memo_forget", -1, SQLITE_DIRECTONLY, 0, memoForgetFunc, 0, 0, 0, 0 },
  };
  FrugalDb *pState = frugalDbAcquire(db);
  int rc;
  if( pState == 0 ) return SQLITE_NOMEM;
  rc = frugalRegisterFuncs(db, aFunc, (int)(sizeof(aFunc) / sizeof(aFunc[0])),
                           mWhich, pState, pzErrMsg);
  if( rc == SQLITE_OK && (mWhich & FRUGAL_REG_PURE) ) {
    rc = frugalRegisterModule(db, "memo_stats", &memoStatsModule, pState,
                              pzErrMsg);
  }
  frugalDbRelease(pState);
  return rc;
}
