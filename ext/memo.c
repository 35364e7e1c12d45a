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
** buckets, but only if the larger array fits in max_bytes; it never
** causes an eviction.
**
** How f is computed on a miss depends on who made the wrapper:
**
**   memoize()  f is only known by its name, so the miss prepares
**              SELECT "f"(?,?,...), binds the arguments, steps it once and
**              finalizes it.  A fresh statement per miss is what lets f call
**              f_memo recursively (no statement is ever stepped while it is
**              already running) and lets a connection close with plain
**              sqlite3_close(), which refuses to close while any statement
**              is left unfinalized and checks that before calling any
**              destructor.  Hits never touch SQL.
**
**   the C API  xFunc is called directly with SQLite's own context.  Two
**              things have no public interface.  First, xFunc must find the
**              caller's pApp in sqlite3_user_data(); so the function is
**              registered with pApp, and the cache is found through one of
**              a fixed pool of trampoline functions, each tied to a slot of
**              a process-wide table.  Second, the result xFunc set and
**              whether it raised an error are read from the context: its
**              first member is the output value and the sixth its error
**              code, the layout of struct sqlite3_context in vdbeInt.h since
**              2014.  A probe checks that layout on the running SQLite once
**              per process and the registration fails if it does not match.
**
** All of it runs under the connection's mutex, which SQLite holds while it
** calls a function, a virtual table or a destructor.  A FrugalMemo is freed
** when the last of its registrations goes: when the connection closes, or
** when the application deletes the function with sqlite3_create_function().
** SQLite refuses to delete or replace a function while any statement runs,
** so nothing that is running can see a FrugalMemo disappear.
*/
#include "frugal_int.h"

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

/* Trampolines for the C API: the most functions it can memoize at once. */
#define MEMO_N_SLOT 64

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

/* One arity of a wrapper made by memoize(), and its flags. */
typedef struct MemoArity MemoArity;
struct MemoArity {
  int nArg;   /* Number of arguments, -1 for any */
  int mFlags; /* SQLITE_DETERMINISTIC|... it was registered with */
};

/*
** One memoized function: its cache and where a miss gets its value.
*/
struct FrugalMemo {
  FrugalDb *pState;  /* The connection's state; holds a reference */
  FrugalMemo *pNext; /* Next memoized function of the connection */
  char *zName;       /* f: the name memo_stats and memo_clear use */
  int nRef;          /* Registrations using this, +1 while being made */

  /* Made by memoize(): f is called by name with nested SQL. */
  char *zWrapper;    /* f_memo */
  MemoArity *aArity; /* Arities f_memo is registered with */
  int nArity;        /* Entries in aArity[] */
  int *aNotScalar;   /* Arities at which f is not a scalar function */
  int nNotScalar;    /* Entries in aNotScalar[] */

  /* Made by frugal_memoize_function(): xFunc is called directly. */
  FrugalSqlFunc xFunc;      /* The function, or NULL for memoize() */
  void *pApp;               /* Its application data */
  void (*xDestroy)(void *); /* Destructor of pApp, or NULL */
  int iSlot;                /* Trampoline slot, or -1 */
  int bSubtypeKey;          /* Argument subtypes are part of the key */

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
*/
#define MEMO_N_ARG_READ 8
typedef struct MemoCall MemoCall;
struct MemoCall {
  const FrugalMemo *p;           /* Whose key this is */
  int argc;                      /* Number of arguments */
  sqlite3_value **argv;          /* The arguments */
  u64 h;                         /* Hash of the key */
  MemoArg aArg[MEMO_N_ARG_READ]; /* The first arguments, read */
};

/* Keys of at most this many bytes are encoded on the stack on a miss. */
#define MEMO_KEY_STACK 256

/* Read pVal into *pA.  The bytes of a TEXT that cannot be read are NULL. */
static void memoArgRead(const FrugalMemo *p, sqlite3_value *pVal, MemoArg *pA) {
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
      pA->z = sqlite3_value_text(pVal);
      pA->n = sqlite3_value_bytes(pVal);
      break;
    case SQLITE_BLOB:
      pA->z = sqlite3_value_blob(pVal);
      pA->n = sqlite3_value_bytes(pVal);
      break;
  }
}

/* Argument i of call pC: from aArg[], or read into *pTmp. */
static const MemoArg *memoArg(const MemoCall *pC, int i, MemoArg *pTmp) {
  if( i < MEMO_N_ARG_READ ) return &pC->aArg[i];
  memoArgRead(pC->p, pC->argv[i], pTmp);
  return pTmp;
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
** Start call pC of p with argv[]: read the first arguments and hash them
** all, with the random seed of p.  The hash covers what memoKeyEncode()
** writes: count, types, subtypes and values.
*/
static void memoCallInit(MemoCall *pC, const FrugalMemo *p, int argc,
                         sqlite3_value **argv) {
  u64 h = memoMix(p->iSeed, (u64)argc);
  int i;
  pC->p = p;
  pC->argc = argc;
  pC->argv = argv;
  for( i = 0; i < argc; i++ ) {
    MemoArg tmp;
    MemoArg *pA = i < MEMO_N_ARG_READ ? &pC->aArg[i] : &tmp;
    memoArgRead(p, argv[i], pA);
    h = memoMix(h, (u64)pA->eType | ((u64)pA->eSubtype << 8));
    if( pA->z ) {
      h = memoMixBytes(h, pA->z, pA->n);
    } else {
      h = memoMix(h, pA->x);
    }
  }
  pC->h = h * 0xc4ceb9fe1a85ec53ULL;
}

/*
** The bucket of hash h.  Hashes end with a multiplication, whose high bits
** depend on all the bits before it, so the bucket is taken from the top.
*/
#define memoBucket(p, h) (&(p)->apBucket[(h) >> (p)->iShift])

/*
** Bytes memoKeyEncode() writes for call pC, or -1 if a value could not be
** read (out of memory) or the key is too large to cache.
*/
static i64 memoKeySize(const MemoCall *pC) {
  i64 n = 0;
  int i;
  for( i = 0; i < pC->argc; i++ ) {
    MemoArg tmp;
    const MemoArg *pA = memoArg(pC, i, &tmp);
    n += 1 + (pC->p->bSubtypeKey ? 1 : 0);
    if( pA->eType == SQLITE_INTEGER || pA->eType == SQLITE_FLOAT ) n += 8;
    if( pA->eType == SQLITE_TEXT || pA->eType == SQLITE_BLOB ) {
      if( pA->z == 0 && pA->n > 0 ) return -1;
      n += 4 + pA->n;
    }
    if( n > MEMO_MAX_ENTRY_BYTES ) return -1;
  }
  return n;
}

/* Write the key of call pC to a, which has room for memoKeySize() bytes. */
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
  if( p->apBucket == 0 ) return 0;
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
** (max_entries is 0, the key is too large, or no memory), pK->aKey is NULL.
*/
static void memoKeyInit(MemoKey *pK, const MemoCall *pC) {
  i64 nKey = pC->p->mxEntry > 0 ? memoKeySize(pC) : -1;
  pK->h = pC->h;
  pK->nArg = pC->argc;
  pK->nKey = (int)nKey;
  pK->aKey = 0;
  if( nKey < 0 ) return;
  if( nKey <= MEMO_KEY_STACK ) {
    pK->aKey = pK->aStack;
  } else {
    pK->aKey = sqlite3_malloc64((sqlite3_uint64)nKey);
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
** table together would not fit in max_bytes, or when memory runs out: the
** result is returned all the same, only not remembered.
*/
static void memoInsert(FrugalMemo *p, const MemoKey *pK, sqlite3_value *pVal) {
  MemoArg val;
  i64 nReq, nTable;
  MemoEntry *pE;

  if( pK->aKey == 0 || p->mxEntry <= 0 ) return;
  memoArgRead(p, pVal, &val);
  if( val.z == 0 && val.n > 0 ) return;
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
  if( pE->nAlloc + p->nTableByte > p->mxByte ) {
    sqlite3_free(pE);
    return;
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

/*
** Drop a reference to a FrugalMemo; the last one frees it.  Its signature
** fits the destructor of sqlite3_create_function_v2().
*/
static void memoRelease(void *pArg) {
  FrugalMemo *p = (FrugalMemo *)pArg;
  FrugalMemo **pp;
  if( --p->nRef > 0 ) return;
  for( pp = &p->pState->pMemo; *pp != p; pp = &(*pp)->pNext ) {}
  *pp = p->pNext;
  memoClear(p);
  frugalDbRelease(p->pState);
  sqlite3_free(p->zName);
  sqlite3_free(p->zWrapper);
  sqlite3_free(p->aArity);
  sqlite3_free(p->aNotScalar);
  sqlite3_free(p);
}

/*
** Start call pC of p with argv[] and look it up: answer a hit from the
** cache and return true, or count the miss and return false.
*/
static int memoLookup(FrugalMemo *p, sqlite3_context *ctx, MemoCall *pC,
                      int argc, sqlite3_value **argv) {
  MemoEntry *pE;
  memoCallInit(pC, p, argc, argv);
  pE = memoFind(p, pC);
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
** Wrappers made by memoize(): f is called with nested SQL.
*/

/* True if f, called with argc arguments, is an aggregate or window. */
static int memoNotScalar(const FrugalMemo *p, int argc) {
  int i;
  for( i = 0; i < p->nNotScalar; i++ ) {
    if( p->aNotScalar[i] == argc ) return 1;
  }
  return 0;
}

/*
** Pass the error of the nested statement (code rc) on as the error of ctx,
** with the same message and code.
*/
static void memoPassError(sqlite3_context *ctx, sqlite3 *db, int rc) {
  if( rc == SQLITE_NOMEM ) {
    sqlite3_result_error_nomem(ctx);
  } else {
    sqlite3_result_error(ctx, sqlite3_errmsg(db), -1);
    sqlite3_result_error_code(ctx, sqlite3_extended_errcode(db));
  }
}

/*
** A miss of a wrapper made by memoize(): run SELECT "f"(?,...) in a
** statement of its own, finalized before returning.
*/
static void memoSqlMiss(FrugalMemo *p, sqlite3_context *ctx, const MemoKey *pK,
                        int argc, sqlite3_value **argv) {
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  sqlite3_stmt *pStmt = 0;
  sqlite3_str *pSql;
  char *zSql;
  int i, rc;

  if( memoNotScalar(p, argc) ) {
    char *zErr =
        sqlite3_mprintf("%s: %s() with %d argument%s is not a scalar function",
                        p->zWrapper, p->zName, argc, argc == 1 ? "" : "s");
    sqlite3_result_error(ctx, zErr ? zErr : "out of memory", -1);
    sqlite3_free(zErr);
    return;
  }
  pSql = sqlite3_str_new(db);
  sqlite3_str_appendf(pSql, "SELECT \"%w\"(", p->zName);
  for( i = 0; i < argc; i++ ) sqlite3_str_appendall(pSql, i ? ",?" : "?");
  sqlite3_str_appendchar(pSql, 1, ')');
  zSql = sqlite3_str_finish(pSql);
  if( zSql == 0 ) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  sqlite3_free(zSql);
  for( i = 0; rc == SQLITE_OK && i < argc; i++ ) {
    rc = sqlite3_bind_value(pStmt, i + 1, argv[i]);
  }
  if( rc == SQLITE_OK ) rc = sqlite3_step(pStmt);
  if( rc == SQLITE_ROW ) {
    sqlite3_value *pVal = sqlite3_column_value(pStmt, 0);
    memoInsert(p, pK, pVal);
    sqlite3_result_value(ctx, pVal);
  } else if( rc == SQLITE_DONE ) {
    /* Cannot happen: a SELECT without FROM returns one row. */
    sqlite3_result_null(ctx);
  } else {
    memoPassError(ctx, db, rc);
  }
  sqlite3_finalize(pStmt);
}

/* f_memo(...): a wrapper made by memoize(). */
static void memoSqlFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  FrugalMemo *p = (FrugalMemo *)sqlite3_user_data(ctx);
  MemoCall call;
  MemoKey key;
  if( memoLookup(p, ctx, &call, argc, argv) ) return;
  memoKeyInit(&key, &call);
  memoSqlMiss(p, ctx, &key, argc, argv);
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
    return;
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
** probe read as set.  True if it does.
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
  return bOk;
}

/*
** The process-wide state of the C API: the FrugalMemo behind each
** trampoline, and what the layout probe found (0 not run yet, 1 matches,
** -1 does not).  Guarded by SQLite's static mutex SQLITE_MUTEX_STATIC_APP3
** (the one ext/frugal.c guards its registry with), which is held only to
** read or write these, never while calling anything else.  A trampoline
** reads its slot without the mutex: the slot was written before the
** function was registered and is cleared only by its destructor, after
** which SQLite never calls the function again.
*/
static FrugalMemo *memoSlot[MEMO_N_SLOT];
static int memoLayoutState = 0;

/* The mutex that guards memoSlot[] and memoLayoutState. */
static sqlite3_mutex *memoMutex(void) {
  return sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_APP3);
}

/* True if the context layout was checked and matches; probe it once. */
static int memoLayoutOk(void) {
  int eState;
  sqlite3_mutex_enter(memoMutex());
  eState = memoLayoutState;
  sqlite3_mutex_leave(memoMutex());
  if( eState == 0 ) {
    eState = memoProbeLayout() ? 1 : -1;
    sqlite3_mutex_enter(memoMutex());
    memoLayoutState = eState;
    sqlite3_mutex_leave(memoMutex());
  }
  return eState > 0;
}

/* Claim a free trampoline slot for p; its number, or -1 if none is free. */
static int memoSlotClaim(FrugalMemo *p) {
  int i;
  sqlite3_mutex_enter(memoMutex());
  for( i = 0; i < MEMO_N_SLOT && memoSlot[i]; i++ ) {}
  if( i < MEMO_N_SLOT ) memoSlot[i] = p;
  sqlite3_mutex_leave(memoMutex());
  return i < MEMO_N_SLOT ? i : -1;
}

/* A call of the function memoized in slot iSlot. */
static void memoCFunc(int iSlot, sqlite3_context *ctx, int argc,
                      sqlite3_value **argv) {
  FrugalMemo *p = memoSlot[iSlot];
  MemoCall call;
  MemoKey key;
  if( memoLookup(p, ctx, &call, argc, argv) ) return;
  memoKeyInit(&key, &call);
  p->xFunc(ctx, argc, argv);
  if( ((MemoContextLayout *)ctx)->isError == 0 ) {
    memoInsert(p, &key, ((MemoContextLayout *)ctx)->pOut);
  }
  memoKeyFree(&key);
}

/*
** The destructor of the function memoized in slot iSlot: the application's
** destructor, then the slot and the cache.
*/
static void memoCDestroy(int iSlot, void *pApp) {
  FrugalMemo *p = memoSlot[iSlot];
  if( p->xDestroy ) p->xDestroy(pApp);
  sqlite3_mutex_enter(memoMutex());
  memoSlot[iSlot] = 0;
  sqlite3_mutex_leave(memoMutex());
  memoRelease(p);
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
  FrugalDb *pState;
  FrugalMemo *p;
  int rc;

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
  } else if( !memoLayoutOk() ) {
    rc = SQLITE_ERROR;
  } else {
    rc = SQLITE_OK;
  }
  if( rc != SQLITE_OK ) {
    if( xDestroy ) xDestroy(pApp);
    return rc;
  }

  pState = frugalDbAcquire(db);
  p = pState ? memoNew(pState, zName) : 0;
  if( pState ) frugalDbRelease(pState);
  if( p == 0 ) {
    if( xDestroy ) xDestroy(pApp);
    return SQLITE_NOMEM;
  }
  p->xFunc = xFunc;
  p->pApp = pApp;
  p->xDestroy = xDestroy;
  p->bSubtypeKey = (eTextRep & SQLITE_SUBTYPE) != 0;
  if( max_entries >= 0 ) p->mxEntry = max_entries;
  if( max_bytes >= 0 ) p->mxByte = max_bytes;
  p->iSlot = memoSlotClaim(p);
  if( p->iSlot < 0 ) {
    if( xDestroy ) xDestroy(pApp);
    memoRelease(p);
    return SQLITE_FULL;
  }
  /* On failure SQLite calls the destructor, which calls xDestroy and
  ** drops the reference of the registration. */
  p->nRef++;
  rc = sqlite3_create_function_v2(
      db, zName, nArg, eTextRep | SQLITE_DETERMINISTIC, pApp,
      aMemoTramp[p->iSlot].xFunc, 0, 0, aMemoTramp[p->iSlot].xDestroy);
  memoRelease(p);
  return rc;
}

/************************************************************************
** memoize('f' [, max_entries [, max_bytes]])
*/

/* What pragma_function_list says about f. */
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
** Add one scalar registration of f (nArg, and mFlags as pragma_function_list
** shows them, which are the bits of SQLITE_DETERMINISTIC and friends) to
** pD.  The wrapper at that arity is deterministic, direct-only if any
** registration of f at that arity is, and innocuous only if all are.
*/
static int memoDescAddScalar(MemoDesc *pD, int nArg, int mFlags) {
  int mWant =
      SQLITE_DETERMINISTIC | (mFlags & (SQLITE_DIRECTONLY | SQLITE_INNOCUOUS));
  int i;
  MemoArity *aNew;
  if( !(mFlags & SQLITE_DETERMINISTIC) ) pD->bNotDet = 1;
  if( mFlags & SQLITE_SUBTYPE ) pD->bSubtype = 1;
  for( i = 0; i < pD->nArity; i++ ) {
    MemoArity *pA = &pD->aArity[i];
    if( pA->nArg == nArg ) {
      pA->mFlags = SQLITE_DETERMINISTIC
                 | ((pA->mFlags | mWant) & SQLITE_DIRECTONLY)
                 | (pA->mFlags & mWant & SQLITE_INNOCUOUS);
      return SQLITE_OK;
    }
  }
  aNew = sqlite3_realloc64(pD->aArity, sizeof(MemoArity)
                                           * (sqlite3_uint64)(pD->nArity + 1));
  if( aNew == 0 ) return SQLITE_NOMEM;
  aNew[pD->nArity].nArg = nArg;
  aNew[pD->nArity].mFlags = mWant;
  pD->aArity = aNew;
  pD->nArity++;
  return SQLITE_OK;
}

/*
** Read the registrations of function zName from pragma_function_list into
** pD.  On error, *pzErr is the message.
*/
static int memoDescribe(sqlite3 *db, const char *zName, MemoDesc *pD,
                        char **pzErr) {
  sqlite3_stmt *pStmt = 0;
  int rc;
  memset(pD, 0, sizeof(*pD));
  rc = sqlite3_prepare_v2(db,
                          "SELECT name, type, narg, flags"
                          " FROM pragma_function_list"
                          " WHERE name = ?1 COLLATE NOCASE",
                          -1, &pStmt, 0);
  if( rc != SQLITE_OK && rc != SQLITE_NOMEM ) {
    *pzErr = sqlite3_mprintf("memoize: cannot list functions: %s",
                             sqlite3_errmsg(db));
    return rc;
  }
  if( rc == SQLITE_OK ) rc = sqlite3_bind_text(pStmt, 1, zName, -1, 0);
  while( rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW ) {
    const char *zType = (const char *)sqlite3_column_text(pStmt, 1);
    int nArg = sqlite3_column_int(pStmt, 2);
    int mFlags = sqlite3_column_int(pStmt, 3);
    pD->nRow++;
    if( pD->zName == 0 ) {
      pD->zName = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 0));
      if( pD->zName == 0 ) rc = SQLITE_NOMEM;
    }
    if( rc != SQLITE_OK ) break;
    if( zType && strcmp(zType, "s") == 0 ) {
      rc = memoDescAddScalar(pD, nArg, mFlags);
    } else {
      rc = memoAppendInt(&pD->aNotScalar, &pD->nNotScalar, nArg);
    }
  }
  if( rc == SQLITE_OK ) {
    rc = sqlite3_finalize(pStmt);
    if( rc != SQLITE_OK && rc != SQLITE_NOMEM ) {
      *pzErr = sqlite3_mprintf("memoize: cannot list functions: %s",
                               sqlite3_errmsg(db));
    }
  } else {
    sqlite3_finalize(pStmt);
  }
  if( rc != SQLITE_OK ) memoDescClear(pD);
  return rc;
}

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
    if( r >= 0.0 && r < 9.0e18 && r == (double)(i64)r ) {
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

/* The registration of wrapper p for nArg arguments, or NULL. */
static MemoArity *memoFindArity(FrugalMemo *p, int nArg) {
  int i;
  for( i = 0; i < p->nArity; i++ ) {
    if( p->aArity[i].nArg == nArg ) return &p->aArity[i];
  }
  return 0;
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
    const MemoArity *pA = memoFindArity(p, pD->aArity[i].nArg);
    int mWant = pD->aArity[i].mFlags;
    if( pA
        && (((mWant & SQLITE_DIRECTONLY) && !(pA->mFlags & SQLITE_DIRECTONLY))
            || ((pA->mFlags & SQLITE_INNOCUOUS)
                && !(mWant & SQLITE_INNOCUOUS))) ) {
      *pzErr = sqlite3_mprintf("memoize: %s has changed since %s was made",
                               p->zName, p->zWrapper);
      return SQLITE_ERROR;
    }
  }
  for( i = 0; i < pD->nArity; i++ ) {
    const MemoArity *pA = &pD->aArity[i];
    if( memoFindArity(p, pA->nArg) ) continue;
    aNew = sqlite3_realloc64(p->aArity, sizeof(MemoArity)
                                            * (sqlite3_uint64)(p->nArity + 1));
    if( aNew == 0 ) return SQLITE_NOMEM;
    p->aArity = aNew;
    p->nRef++; /* Dropped by memoRelease(), also if this fails */
    rc = sqlite3_create_function_v2(db, p->zWrapper, pA->nArg,
                                    SQLITE_UTF8 | pA->mFlags, p, memoSqlFunc, 0,
                                    0, memoRelease);
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
  rc = memoDescribe(db, zWrapper, &other, pzErr);
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
** memoize('f' [, max_entries [, max_bytes]]): create f_memo, or change its
** bounds, and return its name.  A NULL bound keeps the current one (the
** default for a new wrapper).
*/
static void memoizeFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  FrugalDb *pState = (FrugalDb *)sqlite3_user_data(ctx);
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zName = 0;
  MemoDesc desc;
  FrugalMemo *p = 0;
  char *zErr = 0;
  i64 mxEntry = -1, mxByte = -1;
  int bNew = 0;
  int rc = SQLITE_OK;

  memset(&desc, 0, sizeof(desc));
  if( sqlite3_value_type(argv[0]) == SQLITE_TEXT ) {
    zName = (const char *)sqlite3_value_text(argv[0]);
    if( zName == 0 ) rc = SQLITE_NOMEM;
  }
  if( rc == SQLITE_OK && (zName == 0 || zName[0] == 0) ) {
    zErr = sqlite3_mprintf("memoize: first argument must be a function name");
    rc = SQLITE_ERROR;
  }
  if( rc == SQLITE_OK && argc > 1 ) {
    rc = memoBoundArg(argv[1], "max_entries", &mxEntry, &zErr);
  }
  if( rc == SQLITE_OK && argc > 2 ) {
    rc = memoBoundArg(argv[2], "max_bytes", &mxByte, &zErr);
  }
  if( rc == SQLITE_OK ) rc = memoDescribe(db, zName, &desc, &zErr);
  if( rc == SQLITE_OK ) rc = memoCheckDesc(&desc, zName, &zErr);
  if( rc == SQLITE_OK ) {
    p = memoFindWrapper(pState, desc.zName);
    if( p == 0 ) {
      rc = memoNewWrapper(db, pState, &desc, &p, &zErr);
      bNew = 1;
    }
  }
  if( rc == SQLITE_OK ) rc = memoRegisterWrapper(db, p, &desc, &zErr);
  if( rc == SQLITE_OK ) {
    sqlite3_free(p->aNotScalar);
    p->aNotScalar = desc.aNotScalar;
    p->nNotScalar = desc.nNotScalar;
    desc.aNotScalar = 0;
    if( mxEntry >= 0 ) p->mxEntry = mxEntry;
    if( mxByte >= 0 ) p->mxByte = mxByte;
    memoShrink(p);
    sqlite3_result_text(ctx, p->zWrapper, -1, SQLITE_TRANSIENT);
  } else if( rc == SQLITE_NOMEM && zErr == 0 ) {
    sqlite3_result_error_nomem(ctx);
  } else {
    sqlite3_result_error(ctx, zErr ? zErr : sqlite3_errstr(rc), -1);
  }
  /* A new wrapper lives on only through its registrations. */
  if( bNew && p ) memoRelease(p);
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
  char *zErr;
  if( pVal && sqlite3_value_type(pVal) == SQLITE_TEXT ) {
    zName = (const char *)sqlite3_value_text(pVal);
    if( zName == 0 ) sqlite3_result_error_nomem(ctx);
    return zName;
  }
  zErr =
      sqlite3_mprintf("%s: %s argument must be a function name", zFunc, zWhich);
  sqlite3_result_error(ctx, zErr ? zErr : "out of memory", -1);
  sqlite3_free(zErr);
  return 0;
}

/* Set the error "zFunc: zName is not memoized" on ctx. */
static void memoNotMemoized(sqlite3_context *ctx, const char *zFunc,
                            const char *zName) {
  char *zErr = sqlite3_mprintf("%s: %s is not memoized", zFunc, zName);
  sqlite3_result_error(ctx, zErr ? zErr : "out of memory", -1);
  sqlite3_free(zErr);
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
  for( p = pState->pMemo; p; p = p->pNext ) {
    if( zName && sqlite3_stricmp(p->zName, zName) ) continue;
    bFound = 1;
    n += memoClear(p);
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

/* A scan of memo_stats. */
typedef struct MemoStatsCursor MemoStatsCursor;
struct MemoStatsCursor {
  sqlite3_vtab_cursor base; /* Base class - must be first */
  FrugalMemo *pMemo;        /* The current row, NULL at EOF */
  i64 iRowid;               /* 1-based row number */
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
  *ppVtab = &p->base;
  return SQLITE_OK;
}

/* xDisconnect. */
static int memoStatsDisconnect(sqlite3_vtab *pVtab) {
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

/* xFilter: start at the first memoized function. */
static int memoStatsFilter(sqlite3_vtab_cursor *cur, int idxNum,
                           const char *idxStr, int argc, sqlite3_value **argv) {
  MemoStatsCursor *pCur = (MemoStatsCursor *)cur;
  (void)idxNum;
  (void)idxStr;
  (void)argc;
  (void)argv;
  pCur->pMemo = ((MemoStatsVtab *)cur->pVtab)->pState->pMemo;
  pCur->iRowid = 1;
  return SQLITE_OK;
}

/* xNext. */
static int memoStatsNext(sqlite3_vtab_cursor *cur) {
  MemoStatsCursor *pCur = (MemoStatsCursor *)cur;
  pCur->pMemo = pCur->pMemo->pNext;
  pCur->iRowid++;
  return SQLITE_OK;
}

/* xEof. */
static int memoStatsEof(sqlite3_vtab_cursor *cur) {
  return ((MemoStatsCursor *)cur)->pMemo == 0;
}

/* xColumn. */
static int memoStatsColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx,
                           int i) {
  const FrugalMemo *p = ((MemoStatsCursor *)cur)->pMemo;
  switch( i ) {
    case MEMO_COL_NAME:
      sqlite3_result_text(ctx, p->zName, -1, SQLITE_TRANSIENT);
      break;
    case MEMO_COL_HITS: sqlite3_result_int64(ctx, p->nHit); break;
    case MEMO_COL_MISSES: sqlite3_result_int64(ctx, p->nMiss); break;
    case MEMO_COL_EVICTIONS: sqlite3_result_int64(ctx, p->nEvict); break;
    case MEMO_COL_ENTRIES: sqlite3_result_int64(ctx, p->nEntry); break;
    case MEMO_COL_BYTES: sqlite3_result_int64(ctx, p->nByte); break;
    case MEMO_COL_MAX_ENTRIES: sqlite3_result_int64(ctx, p->mxEntry); break;
    case MEMO_COL_MAX_BYTES: sqlite3_result_int64(ctx, p->mxByte); break;
  }
  return SQLITE_OK;
}

/* xRowid. */
static int memoStatsRowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *pRowid) {
  *pRowid = ((MemoStatsCursor *)cur)->iRowid;
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

/* The bytes and entries all caches of the connection hold. */
void frugalMemoUsage(FrugalDb *pState, i64 *pnByte, i64 *pnEntry) {
  const FrugalMemo *p;
  *pnByte = 0;
  *pnEntry = 0;
  for( p = pState ? pState->pMemo : 0; p; p = p->pNext ) {
    *pnByte += p->nByte;
    *pnEntry += p->nEntry;
  }
}

/* Empty every cache of the connection; return the entries freed. */
i64 frugalMemoClearAll(FrugalDb *pState) {
  FrugalMemo *p;
  i64 n = 0;
  for( p = pState ? pState->pMemo : 0; p; p = p->pNext ) n += memoClear(p);
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
