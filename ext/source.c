/*
** source.c - the file layer under every frugal reader.
**
** read_lines, read_jsonl, read_csv and csv_file all take a path and stream
** what it names.  This file does that once, for all of them:
**
**   path         what is read
**   ----------   -------------------------------------------------------
**   '-'          standard input (reported as the file "<stdin>")
**   an existing  that file
**     file
**   a pattern    every file the glob pattern matches, in byte order of
**                their names; directories are skipped; no match is an error
**
** HOW IT WORKS
**
** A FrugalSource holds the list of files and one open file descriptor.  It
** reads the first bytes of each file into a small input buffer to look for
** the gzip magic bytes (1f 8b).  A plain file is then read with read(2)
** straight into the caller's buffer, so its bytes are copied once, by the
** kernel.  A gzip file is inflated by zlib from the input buffer into the
** caller's buffer; when one gzip member ends and another begins, the
** inflater is reset, so concatenated members read as one stream.  zlib is
** given SQLite's allocator, so its 40 KB of state is counted like every
** other byte.
**
** A FrugalLines cuts that stream into records at a one-byte delimiter.  It
** owns one buffer, FRUGAL_READ_BLOCK bytes at first.  Delimiters are found
** 64 bytes at a time: SSE2 compares a chunk with the delimiter and keeps a
** 64-bit mask of where it occurs, so each record costs a count of trailing
** zeros rather than a call to memchr() (which is the fallback where SSE2 is
** not available).  Records are handed out in place, NUL-terminated,
** without a copy.
** When the buffer holds no complete record, the partial one is moved to the
** front and the rest is refilled; only a record longer than the whole
** buffer makes it grow, by doubling, and never beyond what the longest
** record SQLite accepts (SQLITE_LIMIT_LENGTH) needs.  So memory is constant
** in the size of the file and bounded by the longest line.
**
** Errors are complete messages in the form the whole of frugal uses:
** "<function>: <file>: <what>" or "<function>: <file>:<line>: <what>".
*/
#define _POSIX_C_SOURCE 200809L
#include "frugal_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#if defined(__SSE2__)
# include <emmintrin.h>
# define SOURCE_SSE2 1
#endif

/* The most bytes asked of one read into a record buffer. */
#define SOURCE_READ_MAX (1 << 30)

/* Bytes the delimiter search looks at together, and reads past the data
** (the buffer is padded by as much). */
#define SOURCE_CHUNK 64

/* Bytes needed to tell a gzip stream from a plain one. */
#define SOURCE_MAGIC_BYTES 2

/* Kinds of stream a FrugalSource can be reading. */
#define SOURCE_NONE  0 /* No file open */
#define SOURCE_PLAIN 1 /* Bytes are passed through */
#define SOURCE_GZIP  2 /* Bytes are inflated */
#define SOURCE_END   3 /* The file is exhausted */

struct FrugalSource {
  FrugalDb *pState;   /* Where the bytes held are counted */
  const char *zFunc;  /* SQL function name, for messages */
  char **azFile;      /* Files to read, in order */
  int nFile;          /* Entries in azFile[] */
  int iFile;          /* Index of the open file, -1 before the first */
  int bStdin;         /* Read standard input instead of azFile[] */
  int fd;             /* Open file, or -1 */
  int eKind;          /* SOURCE_NONE, _PLAIN, _GZIP or _END */
  unsigned char *aIn; /* Input buffer, FRUGAL_READ_BLOCK bytes */
  int iIn;            /* First unconsumed byte of aIn[] */
  int nIn;            /* Bytes of aIn[] that hold data */
  int bInEof;         /* read(2) has returned 0 */
  int bZInit;         /* zs has been initialised */
  i64 nRawRead;       /* Bytes read(2) from the open file so far */
  const char *zZErr;  /* Inflate error not yet reported, or NULL */
  z_stream zs;        /* The inflater, for SOURCE_GZIP */
  i64 nHeld;          /* Bytes counted in pState for this source */
};

/*
** Count nByte more (or, negative, fewer) bytes held by file cursors.
*/
static void sourceCount(FrugalSource *p, i64 nByte) {
  p->nHeld += nByte;
  if( p->pState ) p->pState->nCursorByte += nByte;
}

/*
** The text of an errno value, thread-safely.
*/
static const char *sourceStrerror(int iErrno, char *zBuf, size_t nBuf) {
  /* The buffers are large enough, and errno values come from the system */
  if( strerror_r(iErrno, zBuf, nBuf) != 0 ) {
    sqlite3_snprintf((int)nBuf, zBuf, "error %d", iErrno); /* defensive */
  }
  return zBuf;
}

/*
** Set *pzErr to "<function>: <file>: <strerror(iErrno)>" and return
** SQLITE_ERROR, or SQLITE_NOMEM if even that message cannot be made.
*/
static int sourceErrno(const char *zFunc, const char *zFile, int iErrno,
                       char **pzErr) {
  char zBuf[128];
  *pzErr = sqlite3_mprintf("%s: %s: %s", zFunc, zFile,
                           sourceStrerror(iErrno, zBuf, sizeof(zBuf)));
  return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

/*
** The name of the file being read, for messages and the filename column.
*/
const char *frugalSourceFilename(FrugalSource *p) {
  if( p->bStdin ) return FRUGAL_STDIN_NAME;
  if( p->iFile < 0 || p->iFile >= p->nFile ) return "";
  return p->azFile[p->iFile];
}

/*
** Check the path argument of SQL function zFunc and return its text in
** *pzPath.  NULL, and text with a NUL byte in it (which open(2) would
** silently cut short), are errors.
*/
int frugalPathArg(const char *zFunc, sqlite3_value *pVal, const char **pzPath,
                  char **pzErr) {
  const char *z;
  if( sqlite3_value_type(pVal) == SQLITE_NULL ) {
    *pzErr = sqlite3_mprintf("%s: path is NULL", zFunc);
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  z = (const char *)sqlite3_value_text(pVal);
  if( z == 0 ) return SQLITE_NOMEM;
  if( (int)strlen(z) != sqlite3_value_bytes(pVal) ) {
    *pzErr = sqlite3_mprintf("%s: path contains a NUL byte", zFunc);
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  *pzPath = z;
  return SQLITE_OK;
}

/************************************************************************
** Glob expansion.
**
** A pattern is matched one path component at a time with
** sqlite3_strglob(), so "*", "?" and "[...]" work as in the shell and never
** match a "/".  As in the shell, a name that starts with "." is matched
** only by a component that starts with "." too.  The matches are collected
** in a growing array allocated with sqlite3_malloc64.
*/
typedef struct GlobList GlobList;
struct GlobList {
  char **az;  /* Paths */
  int n;      /* Paths in az[] */
  int nAlloc; /* Slots in az[] */
};

/* Free every path in a GlobList and the list itself. */
static void globListFree(GlobList *p) {
  int i;
  for( i = 0; i < p->n; i++ ) sqlite3_free(p->az[i]);
  sqlite3_free(p->az);
  memset(p, 0, sizeof(*p));
}

/* Append zPath, which the list takes over, to p.  SQLITE_NOMEM on OOM. */
static int globListAdd(GlobList *p, char *zPath) {
  if( zPath == 0 ) return SQLITE_NOMEM;
  if( p->n >= p->nAlloc ) {
    int nNew = p->nAlloc ? p->nAlloc * 2 : 16;
    char **az = sqlite3_realloc64(p->az, sizeof(char *) * (u64)nNew);
    if( az == 0 ) {
      sqlite3_free(zPath);
      return SQLITE_NOMEM;
    }
    p->az = az;
    p->nAlloc = nNew;
  }
  p->az[p->n++] = zPath;
  return SQLITE_OK;
}

/* True if z contains a glob metacharacter. */
static int globHasMeta(const char *z, int n) {
  int i;
  for( i = 0; i < n; i++ ) {
    if( z[i] == '*' || z[i] == '?' || z[i] == '[' ) return 1;
  }
  return 0;
}

/* qsort() comparison of two paths, by their bytes. */
static int globCompare(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
** Expand the next component of a pattern, zComp (nComp bytes), under each
** directory in pIn, and put the results in pOut.  bLast is set for the
** final component, whose matches must exist and not be directories.
*/
static int globStep(const GlobList *pIn, const char *zComp, int nComp,
                    int bLast, GlobList *pOut) {
  int i, rc = SQLITE_OK;
  char *zPat = sqlite3_mprintf("%.*s", nComp, zComp);
  if( zPat == 0 ) return SQLITE_NOMEM;
  for( i = 0; rc == SQLITE_OK && i < pIn->n; i++ ) {
    const char *zDir = pIn->az[i];
    const char *zSep = (zDir[0] && zDir[strlen(zDir) - 1] != '/') ? "/" : "";
    if( !globHasMeta(zComp, nComp) ) {
      char *zPath = sqlite3_mprintf("%s%s%s", zDir, zSep, zPat);
      struct stat st;
      if( zPath && bLast && (stat(zPath, &st) != 0 || S_ISDIR(st.st_mode)) ) {
        sqlite3_free(zPath);
        continue;
      }
      rc = globListAdd(pOut, zPath);
    } else {
      DIR *pD = opendir(zDir[0] ? zDir : ".");
      struct dirent *pEnt;
      if( pD == 0 ) continue;
      while( rc == SQLITE_OK && (pEnt = readdir(pD)) != 0 ) {
        const char *zName = pEnt->d_name;
        char *zPath;
        struct stat st;
        if( zName[0] == '.' && zPat[0] != '.' ) continue;
        if( strcmp(zName, ".") == 0 || strcmp(zName, "..") == 0 ) continue;
        if( sqlite3_strglob(zPat, zName) != 0 ) continue;
        zPath = sqlite3_mprintf("%s%s%s", zDir, zSep, zName);
        /* Directories only for inner components, never for the last */
        if( zPath && stat(zPath, &st) == 0
            && (S_ISDIR(st.st_mode) != 0) == bLast ) {
          sqlite3_free(zPath);
          continue;
        }
        rc = globListAdd(pOut, zPath);
      }
      closedir(pD);
    }
  }
  sqlite3_free(zPat);
  return rc;
}

/*
** Expand the glob pattern zPattern into a sorted list of files in *pOut.
** An empty list is not an error here.
*/
static int globExpand(const char *zPattern, GlobList *pOut) {
  GlobList cur = { 0, 0, 0 };
  const char *z = zPattern;
  int rc;

  rc = globListAdd(&cur, sqlite3_mprintf("%s", z[0] == '/' ? "/" : ""));
  while( rc == SQLITE_OK && *z ) {
    const char *zEnd;
    GlobList next = { 0, 0, 0 };
    while( *z == '/' ) z++;
    zEnd = z;
    while( *zEnd && *zEnd != '/' ) zEnd++;
    if( zEnd == z ) break;
    rc =
        globStep(&cur, z, (int)(zEnd - z), zEnd[strspn(zEnd, "/")] == 0, &next);
    globListFree(&cur);
    cur = next;
    z = zEnd;
  }
  if( rc != SQLITE_OK ) {
    globListFree(&cur);
    return rc;
  }
  if( cur.n > 1 ) qsort(cur.az, (size_t)cur.n, sizeof(char *), globCompare);
  *pOut = cur;
  return SQLITE_OK;
}

/************************************************************************
** Opening and closing.
*/

/*
** zlib allocates through these, so its state is SQLite's memory and is
** counted with the cursor that owns it.
*/
static voidpf sourceZalloc(voidpf pCtx, uInt nItem, uInt nSize) {
  FrugalSource *p = (FrugalSource *)pCtx;
  void *pNew = sqlite3_malloc64((u64)nItem * nSize);
  if( pNew ) sourceCount(p, sqlite3_msize(pNew));
  return pNew;
}
static void sourceZfree(voidpf pCtx, voidpf pOld) {
  FrugalSource *p = (FrugalSource *)pCtx;
  sourceCount(p, -(i64)sqlite3_msize(pOld));
  sqlite3_free(pOld);
}

/*
** Resolve zPath into the files to read and return a new FrugalSource in
** *ppSrc.  No file is opened yet; frugalSourceNextFile() does that.
*/
int frugalSourceOpen(FrugalDb *pState, const char *zFunc, const char *zPath,
                     FrugalSource **ppSrc, char **pzErr) {
  FrugalSource *p;
  GlobList files = { 0, 0, 0 };
  struct stat st;
  int rc = SQLITE_OK;

  *ppSrc = 0;
  if( strcmp(zPath, "-") != 0 ) {
    if( stat(zPath, &st) != 0 && globHasMeta(zPath, (int)strlen(zPath)) ) {
      rc = globExpand(zPath, &files);
      if( rc == SQLITE_OK && files.n == 0 ) {
        *pzErr = sqlite3_mprintf("%s: no file matches %s", zFunc, zPath);
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
      }
    } else {
      rc = globListAdd(&files, sqlite3_mprintf("%s", zPath));
    }
    if( rc != SQLITE_OK ) {
      globListFree(&files);
      return rc;
    }
  }
  p = sqlite3_malloc64(sizeof(*p));
  if( p ) p->aIn = sqlite3_malloc64(FRUGAL_READ_BLOCK);
  if( p == 0 || p->aIn == 0 ) {
    sqlite3_free(p);
    globListFree(&files);
    return SQLITE_NOMEM;
  }
  p->pState = pState;
  p->zFunc = zFunc;
  p->azFile = files.az;
  p->nFile = files.n;
  p->iFile = -1;
  p->bStdin = strcmp(zPath, "-") == 0;
  p->fd = -1;
  p->eKind = SOURCE_NONE;
  p->iIn = p->nIn = 0;
  p->bInEof = 0;
  p->bZInit = 0;
  p->zZErr = 0;
  p->nRawRead = 0;
  memset(&p->zs, 0, sizeof(p->zs));
  p->nHeld = 0;
  sourceCount(p, sqlite3_msize(p) + sqlite3_msize(p->aIn));
  if( pState ) pState->nOpenCursor++;
  *ppSrc = p;
  return SQLITE_OK;
}

/*
** Standard input, once read to its end, cannot be read again: a second
** scan of '-' (a self-join, or csv_file scanned twice) would silently see
** no rows.  This process-wide note makes it an error instead.
*/
static int sourceStdinDone = 0; /* Guarded by frugalGlobalMutex() */

/* Note that standard input has been read to its end. */
static void sourceNoteStdinEnd(FrugalSource *p) {
  sqlite3_mutex *pMutex;
  if( !p->bStdin ) return;
  pMutex = frugalGlobalMutex();
  sqlite3_mutex_enter(pMutex);
  sourceStdinDone = 1;
  sqlite3_mutex_leave(pMutex);
}

/* True if standard input has been read to its end already. */
static int sourceStdinIsDone(void) {
  sqlite3_mutex *pMutex = frugalGlobalMutex();
  int bDone;
  sqlite3_mutex_enter(pMutex);
  bDone = sourceStdinDone;
  sqlite3_mutex_leave(pMutex);
  return bDone;
}

/*
** Close the file being read, if any.
*/
static void sourceCloseFile(FrugalSource *p) {
  if( p->fd >= 0 && !p->bStdin ) close(p->fd);
  p->fd = -1;
  p->eKind = SOURCE_NONE;
  p->iIn = p->nIn = 0;
  p->bInEof = 0;
  p->zZErr = 0;
  p->nRawRead = 0;
}

/*
** read(2) into aBuf, retrying after a signal.  Returns the bytes read, 0 at
** end of file, or -1 with errno set.
*/
static ssize_t sourceReadFd(int fd, void *aBuf, size_t nBuf) {
  ssize_t n;
  do {
    n = read(fd, aBuf, nBuf);
  } while( n < 0 && errno == EINTR );
  return n;
}

/*
** Make aIn[iIn..nIn) hold at least nMin bytes, unless the file ends first.
** Unconsumed bytes are moved to the front of aIn[] first.
*/
static int sourceFillIn(FrugalSource *p, int nMin, char **pzErr) {
  if( p->iIn > 0 ) {
    memmove(p->aIn, p->aIn + p->iIn, (size_t)(p->nIn - p->iIn));
    p->nIn -= p->iIn;
    p->iIn = 0;
  }
  while( p->nIn < nMin && !p->bInEof ) {
    ssize_t n = sourceReadFd(p->fd, p->aIn + p->nIn,
                             (size_t)(FRUGAL_READ_BLOCK - p->nIn));
    if( n < 0 ) {
      return sourceErrno(p->zFunc, frugalSourceFilename(p), errno, pzErr);
    }
    if( n == 0 ) {
      p->bInEof = 1;
      sourceNoteStdinEnd(p);
    }
    p->nIn += (int)n;
    p->nRawRead += n;
  }
  return SQLITE_OK;
}

/* True if the unconsumed input starts with the gzip magic bytes. */
static int sourceAtGzipMagic(FrugalSource *p) {
  return p->nIn - p->iIn >= SOURCE_MAGIC_BYTES && p->aIn[p->iIn] == 0x1f
      && p->aIn[p->iIn + 1] == 0x8b;
}

/*
** Start the inflater on a gzip member, or reset it for the next one.
*/
static int sourceStartGzip(FrugalSource *p) {
  int rc;
  if( p->bZInit ) {
    rc = inflateReset(&p->zs);
  } else {
    p->zs.zalloc = sourceZalloc;
    p->zs.zfree = sourceZfree;
    p->zs.opaque = p;
    p->zs.next_in = 0;
    p->zs.avail_in = 0;
    rc = inflateInit2(&p->zs, 16 + MAX_WBITS);
    if( rc == Z_OK ) p->bZInit = 1;
  }
  if( rc == Z_MEM_ERROR ) return SQLITE_NOMEM;
  p->eKind = SOURCE_GZIP;
  return rc == Z_OK ? SQLITE_OK : SQLITE_ERROR;
}

/*
** Open file zName for reading; refuse directories.  A FIFO is opened
** without blocking (so that one without a writer reads as empty rather than
** hanging) and then switched back to blocking reads.
*/
static int sourceOpenFd(const char *zFunc, const char *zName, int *pFd,
                        char **pzErr) {
  struct stat st;
  int fd = open(zName, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if( fd < 0 ) return sourceErrno(zFunc, zName, errno, pzErr);
  errno = 0;
  memset(&st, 0, sizeof(st));
  if( fstat(fd, &st) != 0 || S_ISDIR(st.st_mode) ) {
    int iErr = S_ISDIR(st.st_mode) ? EISDIR : errno;
    close(fd);
    return sourceErrno(zFunc, zName, iErr, pzErr);
  }
  /* Cannot fail on a descriptor just opened */
  if( fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ) {
    int iErr = errno;                              /* defensive: see above */
    close(fd);                                     /* defensive: see above */
    return sourceErrno(zFunc, zName, iErr, pzErr); /* defensive */
  }
  if( S_ISREG(st.st_mode) ) {
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  *pFd = fd;
  return SQLITE_OK;
}

/*
** Close the current file and open the next.  SQLITE_OK if one is open,
** SQLITE_DONE if there are no more, or an error.
*/
int frugalSourceNextFile(FrugalSource *p, char **pzErr) {
  int rc;
  sourceCloseFile(p);
  p->iFile++;
  if( p->bStdin ) {
    if( p->iFile > 0 ) return SQLITE_DONE;
    if( sourceStdinIsDone() ) {
      *pzErr = sqlite3_mprintf("%s: %s: standard input has been read to its "
                               "end already",
                               p->zFunc, FRUGAL_STDIN_NAME);
      return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    p->fd = 0;
  } else {
    if( p->iFile >= p->nFile ) return SQLITE_DONE;
    rc = sourceOpenFd(p->zFunc, p->azFile[p->iFile], &p->fd, pzErr);
    if( rc != SQLITE_OK ) return rc;
  }
  rc = sourceFillIn(p, SOURCE_MAGIC_BYTES, pzErr);
  if( rc != SQLITE_OK ) return rc;
  if( sourceAtGzipMagic(p) ) return sourceStartGzip(p);
  p->eKind = SOURCE_PLAIN;
  return SQLITE_OK;
}

/*
** Free a FrugalSource and everything it holds.
*/
void frugalSourceClose(FrugalSource *p) {
  int i;
  if( p == 0 ) return;
  sourceCloseFile(p);
  if( p->bZInit ) inflateEnd(&p->zs);
  for( i = 0; i < p->nFile; i++ ) sqlite3_free(p->azFile[i]);
  sqlite3_free(p->azFile);
  sourceCount(p, -(sqlite3_msize(p) + sqlite3_msize(p->aIn)));
  if( p->pState ) p->pState->nOpenCursor--;
  sqlite3_free(p->aIn);
  sqlite3_free(p);
}

/************************************************************************
** Reading.
*/

/*
** The message for a gzip stream that cannot be inflated.  iLine is the
** number of complete lines the caller has delivered from this file.
*/
static int sourceGzipError(FrugalSource *p, const char *zWhat, i64 iLine,
                           char **pzErr) {
  *pzErr = sqlite3_mprintf("%s: %s: %s gzip stream after line %lld", p->zFunc,
                           frugalSourceFilename(p), zWhat, iLine);
  return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

/*
** Inflate into aBuf[0..nBuf).  Called in SOURCE_GZIP state; see
** frugalSourceRead().  An error found by a call that also produced bytes
** is reported by the next call, so that every byte before it is read.
*/
static int sourceInflate(FrugalSource *p, unsigned char *aBuf, int nBuf,
                         int *pnRead, i64 iLine, char **pzErr) {
  int rc;
  *pnRead = 0;
  if( p->zZErr ) return sourceGzipError(p, p->zZErr, iLine, pzErr);
  while( *pnRead == 0 && p->eKind == SOURCE_GZIP ) {
    int zrc;
    if( p->iIn >= p->nIn ) {
      rc = sourceFillIn(p, 1, pzErr);
      if( rc != SQLITE_OK ) return rc;
      if( p->nIn == 0 ) return sourceGzipError(p, "truncated", iLine, pzErr);
    }
    p->zs.next_in = p->aIn + p->iIn;
    p->zs.avail_in = (uInt)(p->nIn - p->iIn);
    p->zs.next_out = aBuf;
    p->zs.avail_out = (uInt)nBuf;
    zrc = inflate(&p->zs, Z_NO_FLUSH);
    p->iIn = (int)(p->zs.next_in - p->aIn);
    *pnRead = nBuf - (int)p->zs.avail_out;
    switch( zrc ) {
      case Z_OK:
      case Z_BUF_ERROR: /* No progress: more input is needed */ break;
      case Z_STREAM_END: /* End of a member: another may follow */
        rc = sourceFillIn(p, SOURCE_MAGIC_BYTES, pzErr);
        if( rc != SQLITE_OK ) return rc;
        if( p->nIn == 0 ) {
          p->eKind = SOURCE_END;
        } else if( sourceAtGzipMagic(p) ) {
          rc = sourceStartGzip(p);
          if( rc != SQLITE_OK ) return rc;
        } else {
          p->zZErr = "corrupt (trailing garbage)";
        }
        break;
      case Z_MEM_ERROR: return SQLITE_NOMEM;
      default: /* Z_DATA_ERROR, Z_NEED_DICT */ p->zZErr = "corrupt"; break;
    }
    if( p->zZErr && *pnRead == 0 ) {
      return sourceGzipError(p, p->zZErr, iLine, pzErr);
    }
    if( p->zZErr ) break;
  }
  return SQLITE_OK;
}

/*
** At the end of a plain file: if it is a regular file that is now shorter
** than what was read from it, it was truncated while being read, and the
** bytes after the last complete line may not be a line at all.  Say so
** rather than hand them out.
*/
static int sourceCheckShrink(FrugalSource *p, i64 iLine, char **pzErr) {
  struct stat st;
  if( fstat(p->fd, &st) == 0 && S_ISREG(st.st_mode)
      && st.st_size < p->nRawRead ) {
    *pzErr = sqlite3_mprintf("%s: %s: file shrank while being read, after "
                             "line %lld",
                             p->zFunc, frugalSourceFilename(p), iLine);
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

/*
** Read up to nBuf bytes of the current file, decompressed, into aBuf.
** *pnRead is 0 at the end of the file.  iLine is only for messages: the
** number of complete lines the caller has taken from this file.
*/
int frugalSourceRead(FrugalSource *p, unsigned char *aBuf, int nBuf,
                     int *pnRead, i64 iLine, char **pzErr) {
  ssize_t n;
  *pnRead = 0;
  switch( p->eKind ) {
    case SOURCE_GZIP: return sourceInflate(p, aBuf, nBuf, pnRead, iLine, pzErr);
    case SOURCE_PLAIN:
      if( p->iIn < p->nIn ) {
        int nCopy = p->nIn - p->iIn < nBuf ? p->nIn - p->iIn : nBuf;
        memcpy(aBuf, p->aIn + p->iIn, (size_t)nCopy);
        p->iIn += nCopy;
        *pnRead = nCopy;
        return SQLITE_OK;
      }
      if( p->bInEof ) return SQLITE_OK;
      n = sourceReadFd(p->fd, aBuf, (size_t)nBuf);
      if( n < 0 ) {       /* After a first read that worked: a failing disk */
        int iErr = errno; /* defensive: no test can make a disk fail */
        const char *zFile = frugalSourceFilename(p);      /* defensive */
        return sourceErrno(p->zFunc, zFile, iErr, pzErr); /* defensive */
      }
      p->nRawRead += n;
      if( n == 0 ) {
        p->bInEof = 1;
        sourceNoteStdinEnd(p);
        return sourceCheckShrink(p, iLine, pzErr);
      }
      *pnRead = (int)n;
      return SQLITE_OK;
    default: return SQLITE_OK;
  }
}

/************************************************************************
** Cutting the stream into records.
*/
struct FrugalLines {
  FrugalSource *pSrc; /* Where the bytes come from */
  const char *zFunc;  /* SQL function name, for messages */
  char *aBuf;         /* nAlloc bytes, then SOURCE_CHUNK of padding */
  i64 nAlloc;         /* Usable bytes in aBuf[] */
  i64 iStart;         /* First byte of the next record */
  i64 iScan;          /* No delimiter in aBuf[iStart..iScan) */
  i64 iChunk;         /* Start of the chunk mChunk describes, or -1 */
  u64 mChunk;         /* Delimiters in that chunk at or after iScan */
  i64 iEnd;           /* End of the data in aBuf[] */
  i64 iBase;          /* Offset of aBuf[0] in the stream */
  i64 iLine;          /* Records taken from the current file */
  i64 mxLen;          /* Longest record allowed, in bytes */
  i64 nHeld;          /* Bytes of this object counted in the source */
  int cDelim;         /* The delimiter byte */
  int bStripCr;       /* Remove a CR before the delimiter */
  int bEof;           /* The current file has no more bytes */
  int bOpen;          /* A file is open */
};

/*
** Start reading records delimited by cDelim from what zPath names.
** The longest record allowed is db's SQLITE_LIMIT_LENGTH.
*/
int frugalLinesOpen(FrugalDb *pState, sqlite3 *db, const char *zFunc,
                    const char *zPath, int cDelim, FrugalLines **ppLines,
                    char **pzErr) {
  FrugalLines *p;
  int rc;

  *ppLines = 0;
  p = sqlite3_malloc64(sizeof(*p));
  if( p == 0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  rc = frugalSourceOpen(pState, zFunc, zPath, &p->pSrc, pzErr);
  if( rc == SQLITE_OK ) {
    p->nAlloc = FRUGAL_READ_BLOCK;
    p->aBuf = sqlite3_malloc64((u64)p->nAlloc + SOURCE_CHUNK);
    if( p->aBuf == 0 ) rc = SQLITE_NOMEM;
  }
  if( rc != SQLITE_OK ) {
    frugalLinesClose(p);
    return rc;
  }
  p->nHeld = sqlite3_msize(p) + sqlite3_msize(p->aBuf);
  sourceCount(p->pSrc, p->nHeld);
  p->zFunc = zFunc;
  p->mxLen = sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1);
  p->iChunk = -1;
  /* The search reads whole chunks; let it never see uninitialised bytes. */
  memset(p->aBuf, 0, (size_t)p->nAlloc + SOURCE_CHUNK);
  p->cDelim = cDelim & 0xff;
  p->bStripCr = p->cDelim == '\n';
  *ppLines = p;
  return SQLITE_OK;
}

/*
** Free a FrugalLines and its source.
*/
void frugalLinesClose(FrugalLines *p) {
  if( p == 0 ) return;
  if( p->pSrc ) {
    sourceCount(p->pSrc, -p->nHeld);
    frugalSourceClose(p->pSrc);
  }
  sqlite3_free(p->aBuf);
  sqlite3_free(p);
}

/*
** The name of the file the last record came from.
*/
const char *frugalLinesFilename(FrugalLines *p) {
  return frugalSourceFilename(p->pSrc);
}

/*
** Stop reading the current file; the next record comes from the next one.
*/
void frugalLinesSkipFile(FrugalLines *p) {
  p->bOpen = 0;
}

/*
** The error for record iLine, which is longer than the length limit.
*/
static int linesTooLong(FrugalLines *p, i64 iLine, char **pzErr) {
  *pzErr = sqlite3_mprintf(
      "%s: %s:%lld: line longer than SQLITE_LIMIT_LENGTH (%lld bytes)",
      p->zFunc, frugalSourceFilename(p->pSrc), iLine, p->mxLen);
  return *pzErr ? SQLITE_TOOBIG : SQLITE_NOMEM;
}

#ifdef SOURCE_SSE2
/*
** A mask of the bytes equal to c in the SOURCE_CHUNK bytes at z.
*/
static u64 linesChunkMask(const char *z, int c) {
  __m128i d = _mm_set1_epi8((char)c);
  u64 m0 = (unsigned)_mm_movemask_epi8(
      _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)z), d));
  u64 m1 = (unsigned)_mm_movemask_epi8(
      _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(z + 16)), d));
  u64 m2 = (unsigned)_mm_movemask_epi8(
      _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(z + 32)), d));
  u64 m3 = (unsigned)_mm_movemask_epi8(
      _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(z + 48)), d));
  return m0 | (m1 << 16) | (m2 << 32) | (m3 << 48);
}
#endif

/*
** The index of the first delimiter in aBuf[iScan..iEnd), or -1.
**
** With SSE2 the search keeps the mask of the chunk it is in (iChunk,
** mChunk) between calls; anything that changes the data or moves it sets
** iChunk to -1, and the next search starts again at iScan.
*/
static i64 linesFind(FrugalLines *p) {
#ifdef SOURCE_SSE2
  for( ;; ) {
    i64 iNext;
    if( p->mChunk ) {
      i64 iHit = p->iChunk + __builtin_ctzll(p->mChunk);
      p->mChunk &= p->mChunk - 1;
      return iHit;
    }
    iNext = p->iChunk < 0 ? (p->iScan & ~(i64)(SOURCE_CHUNK - 1))
                          : p->iChunk + SOURCE_CHUNK;
    if( iNext >= p->iEnd ) return -1;
    p->iChunk = iNext;
    p->mChunk = linesChunkMask(p->aBuf + iNext, p->cDelim);
    if( p->iEnd - iNext < SOURCE_CHUNK ) {
      p->mChunk &= ((u64)1 << (p->iEnd - iNext)) - 1;
    }
    if( p->iScan > iNext ) p->mChunk &= ~(((u64)1 << (p->iScan - iNext)) - 1);
  }
#else
  char *zHit =
      memchr(p->aBuf + p->iScan, p->cDelim, (size_t)(p->iEnd - p->iScan));
  return zHit ? zHit - p->aBuf : -1;
#endif
}

/* Forget the chunk mask: the data under it changed. */
static void linesRescan(FrugalLines *p) {
  p->iChunk = -1;
  p->mChunk = 0;
}

/*
** Hand out aBuf[iStart..iStop) as the next record; aBuf[iStop] is the
** delimiter or the NUL slot after the data, and becomes a NUL.
*/
static int linesEmit(FrugalLines *p, i64 iStop, FrugalLine *pLine,
                     char **pzErr) {
  char *z = p->aBuf + p->iStart;
  i64 n = iStop - p->iStart;
  p->aBuf[iStop] = 0;
  if( p->bStripCr && n > 0 && z[n - 1] == '\r' ) z[--n] = 0;
  p->iLine++;
  if( n > p->mxLen ) return linesTooLong(p, p->iLine, pzErr);
  pLine->z = z;
  pLine->n = (int)n;
  pLine->iLine = p->iLine;
  pLine->iOffset = p->iBase + p->iStart;
  p->iStart = p->iScan = iStop + (iStop < p->iEnd);
  return SQLITE_ROW;
}

/*
** Make room for more data: move the partial record to the front, and if
** it fills the whole buffer, grow the buffer.
*/
static int linesMakeRoom(FrugalLines *p, char **pzErr) {
  linesRescan(p);
  if( p->iStart > 0 ) {
    i64 nKeep = p->iEnd - p->iStart;
    memmove(p->aBuf, p->aBuf + p->iStart, (size_t)nKeep);
    p->iBase += p->iStart;
    p->iScan -= p->iStart;
    p->iEnd = nKeep;
    p->iStart = 0;
  }
  /* A record that long cannot end in a short enough line, whatever follows:
  ** its content, a CR and the delimiter need at most mxLen+2 bytes. */
  if( p->iEnd > p->mxLen + 1 ) return linesTooLong(p, p->iLine + 1, pzErr);
  if( p->iEnd == p->nAlloc ) {
    i64 nNew = p->nAlloc * 2;
    i64 nOld = sqlite3_msize(p->aBuf);
    char *aNew;
    if( nNew > p->mxLen + 2 ) nNew = p->mxLen + 2;
    aNew = sqlite3_realloc64(p->aBuf, (u64)nNew + SOURCE_CHUNK);
    if( aNew == 0 ) return SQLITE_NOMEM;
    memset(aNew + p->nAlloc, 0, (size_t)(nNew - p->nAlloc) + SOURCE_CHUNK);
    sourceCount(p->pSrc, (i64)sqlite3_msize(aNew) - nOld);
    p->nHeld += (i64)sqlite3_msize(aNew) - nOld;
    p->aBuf = aNew;
    p->nAlloc = nNew;
  }
  return SQLITE_OK;
}

/*
** Find the next record.  SQLITE_ROW with *pLine set, SQLITE_DONE after the
** last record of the last file, or an error with *pzErr set.  The record
** stays valid until the next call.
*/
int frugalLinesNext(FrugalLines *p, FrugalLine *pLine, char **pzErr) {
  int rc;
  for( ;; ) {
    i64 iHit;
    int nRead;
    if( !p->bOpen ) {
      rc = frugalSourceNextFile(p->pSrc, pzErr);
      if( rc != SQLITE_OK ) return rc;
      p->bOpen = 1;
      p->bEof = 0;
      p->iStart = p->iScan = p->iEnd = p->iBase = p->iLine = 0;
      linesRescan(p);
    }
    iHit = linesFind(p);
    if( iHit >= 0 ) return linesEmit(p, iHit, pLine, pzErr);
    p->iScan = p->iEnd;
    if( p->bEof ) {
      if( p->iStart < p->iEnd ) return linesEmit(p, p->iEnd, pLine, pzErr);
      p->bOpen = 0;
      continue;
    }
    rc = linesMakeRoom(p, pzErr);
    if( rc != SQLITE_OK ) return rc;
    nRead = p->nAlloc - p->iEnd > SOURCE_READ_MAX ? SOURCE_READ_MAX
                                                  : (int)(p->nAlloc - p->iEnd);
    rc = frugalSourceRead(p->pSrc, (unsigned char *)p->aBuf + p->iEnd, nRead,
                          &nRead, p->iLine, pzErr);
    if( rc != SQLITE_OK ) return rc;
    if( nRead == 0 ) p->bEof = 1;
    p->iEnd += nRead;
  }
}
