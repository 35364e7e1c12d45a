/*
** json.c - the little JSON that frugal's readers need.
**
** read_jsonl checks that every line is one JSON value, and read_jsonl and
** read_csv take their options as a JSON object:
**
**   SELECT * FROM read_jsonl('events.jsonl', '{"skip_invalid": true}');
**   SELECT * FROM read_csv('x.tsv', json_object('delimiter', char(9)));
**
** HOW IT WORKS
**
** frugalJsonValid() is a validator for RFC 8259 JSON that allocates
** nothing and does not recurse: it walks the text once and remembers, for
** each open bracket, one bit (object or array) in a fixed array, so memory
** is constant and nesting is bounded by FRUGAL_JSON_MAX_DEPTH, the same
** bound SQLite's own JSON functions use.  Byte sequences inside strings are
** not checked for UTF-8 validity, as in SQLite.
**
** frugalJsonOptions() first validates, then walks the top-level members of
** an object and hands each key and value, strings decoded, to a callback.
*/
#include "frugal_int.h"

#include <string.h>

/* The deepest nesting of arrays and objects accepted. */
#define FRUGAL_JSON_MAX_DEPTH 2000

/* What the validator expects next. */
#define JSON_VALUE 0 /* A value */
#define JSON_KEY   1 /* An object key, then ':' and a value */
#define JSON_AFTER 2 /* ',' or a closing bracket, or the end */

/* Skip JSON whitespace in z[i..n); return the index of the next byte. */
static int jsonSkipSpace(const unsigned char *z, int n, int i) {
  while( i < n
         && (z[i] == ' ' || z[i] == '\t' || z[i] == '\n' || z[i] == '\r') )
    i++;
  return i;
}

/* True if c is a hexadecimal digit. */
static int jsonIsHex(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
      || (c >= 'A' && c <= 'F');
}

/*
** z[i] is the opening quote of a string.  Return the index just after the
** closing quote, or -1 if the string is malformed.
*/
static int jsonScanString(const unsigned char *z, int n, int i) {
  for( i++; i < n; i++ ) {
    unsigned char c = z[i];
    if( c == '"' ) return i + 1;
    if( c < 0x20 ) return -1;
    if( c == '\\' ) {
      if( ++i >= n ) return -1;
      c = z[i];
      if( c == 'u' ) {
        if( i + 4 >= n || !jsonIsHex(z[i + 1]) || !jsonIsHex(z[i + 2])
            || !jsonIsHex(z[i + 3]) || !jsonIsHex(z[i + 4]) )
          return -1;
        i += 4;
      } else if( strchr("\"\\/bfnrt", c) == 0 || c == 0 ) {
        return -1;
      }
    }
  }
  return -1;
}

/* Skip the digits at z[i..]; return the index after them. */
static int jsonSkipDigits(const unsigned char *z, int n, int i) {
  while( i < n && z[i] >= '0' && z[i] <= '9' ) i++;
  return i;
}

/*
** z[i] starts a number.  Return the index just after it, or -1.
*/
static int jsonScanNumber(const unsigned char *z, int n, int i) {
  int j;
  if( i < n && z[i] == '-' ) i++;
  if( i >= n ) return -1;
  if( z[i] == '0' ) {
    i++;
  } else if( z[i] >= '1' && z[i] <= '9' ) {
    i = jsonSkipDigits(z, n, i);
  } else {
    return -1;
  }
  if( i < n && z[i] == '.' ) {
    j = jsonSkipDigits(z, n, i + 1);
    if( j == i + 1 ) return -1;
    i = j;
  }
  if( i < n && (z[i] == 'e' || z[i] == 'E') ) {
    i++;
    if( i < n && (z[i] == '+' || z[i] == '-') ) i++;
    j = jsonSkipDigits(z, n, i);
    if( j == i ) return -1;
    i = j;
  }
  return i;
}

/*
** z[i] starts a scalar value (string, number, true, false, null).  Return
** the index just after it, or -1.
*/
static int jsonScanScalar(const unsigned char *z, int n, int i) {
  switch( z[i] ) {
    case '"': return jsonScanString(z, n, i);
    case 't': return (n - i >= 4 && memcmp(z + i, "true", 4) == 0) ? i + 4 : -1;
    case 'f':
      return (n - i >= 5 && memcmp(z + i, "false", 5) == 0) ? i + 5 : -1;
    case 'n': return (n - i >= 4 && memcmp(z + i, "null", 4) == 0) ? i + 4 : -1;
    default: return jsonScanNumber(z, n, i);
  }
}

/*
** Return the index just after the one JSON value that starts at z[i]
** (whitespace before it skipped), or -1 if there is no well-formed value
** there.  Whatever follows the value is not looked at.
*/
static int jsonScanValue(const unsigned char *z, int n, int i) {
  unsigned char aObj[FRUGAL_JSON_MAX_DEPTH / 8 + 1]; /* 1 bit per level */
  int nDepth = 0;
  int eState = JSON_VALUE;

  for( ;; ) {
    i = jsonSkipSpace(z, n, i);
    if( eState == JSON_AFTER ) {
      int bObj;
      if( nDepth == 0 ) return i;
      if( i >= n ) return -1;
      bObj = (aObj[(nDepth - 1) / 8] >> ((nDepth - 1) % 8)) & 1;
      if( z[i] == ',' ) {
        eState = bObj ? JSON_KEY : JSON_VALUE;
        i++;
      } else if( z[i] == (bObj ? '}' : ']') ) {
        nDepth--;
        i++;
      } else {
        return -1;
      }
      continue;
    }
    if( i >= n ) return -1;
    if( eState == JSON_KEY ) {
      if( z[i] != '"' ) return -1;
      i = jsonScanString(z, n, i);
      if( i < 0 ) return -1;
      i = jsonSkipSpace(z, n, i);
      if( i >= n || z[i] != ':' ) return -1;
      i++;
      eState = JSON_VALUE;
      continue;
    }
    /* eState==JSON_VALUE */
    if( z[i] == '{' || z[i] == '[' ) {
      int bObj = z[i] == '{';
      if( nDepth >= FRUGAL_JSON_MAX_DEPTH ) return -1;
      if( bObj ) {
        aObj[nDepth / 8] |= (unsigned char)(1 << (nDepth % 8));
      } else {
        aObj[nDepth / 8] &= (unsigned char)~(1 << (nDepth % 8));
      }
      nDepth++;
      i = jsonSkipSpace(z, n, i + 1);
      if( i < n && z[i] == (bObj ? '}' : ']') ) {
        nDepth--;
        i++;
        eState = JSON_AFTER;
      } else {
        eState = bObj ? JSON_KEY : JSON_VALUE;
      }
      continue;
    }
    i = jsonScanScalar(z, n, i);
    if( i < 0 ) return -1;
    eState = JSON_AFTER;
  }
}

/*
** True if z[0..n) is exactly one JSON value, with optional whitespace
** around it.
*/
int frugalJsonValid(const char *z, int n) {
  const unsigned char *zu = (const unsigned char *)z;
  int i = jsonScanValue(zu, n, 0);
  return i >= 0 && jsonSkipSpace(zu, n, i) == n;
}

/************************************************************************
** Options.
*/

/* The value of hexadecimal digit c. */
static unsigned jsonHexValue(unsigned char c) {
  if( c <= '9' ) return c - '0';
  return (c | 0x20) - 'a' + 10;
}

/* Append code point c to zOut as UTF-8; return the bytes written. */
static int jsonPutUtf8(unsigned c, char *zOut) {
  if( c < 0x80 ) {
    zOut[0] = (char)c;
    return 1;
  }
  if( c < 0x800 ) {
    zOut[0] = (char)(0xc0 | (c >> 6));
    zOut[1] = (char)(0x80 | (c & 0x3f));
    return 2;
  }
  if( c < 0x10000 ) {
    zOut[0] = (char)(0xe0 | (c >> 12));
    zOut[1] = (char)(0x80 | ((c >> 6) & 0x3f));
    zOut[2] = (char)(0x80 | (c & 0x3f));
    return 3;
  }
  zOut[0] = (char)(0xf0 | (c >> 18));
  zOut[1] = (char)(0x80 | ((c >> 12) & 0x3f));
  zOut[2] = (char)(0x80 | ((c >> 6) & 0x3f));
  zOut[3] = (char)(0x80 | (c & 0x3f));
  return 4;
}

/*
** Decode the well-formed string literal z[0..n), quotes included, into a
** new NUL-terminated buffer; *pnOut is its length.  NULL on OOM.  A lone
** surrogate decodes to U+FFFD.
*/
static char *jsonDecodeString(const unsigned char *z, int n, int *pnOut) {
  char *zOut = sqlite3_malloc64((u64)n + 1);
  int i, j = 0;
  if( zOut == 0 ) return 0;
  for( i = 1; i < n - 1; i++ ) {
    unsigned c = z[i];
    if( c != '\\' ) {
      zOut[j++] = (char)c;
      continue;
    }
    c = z[++i];
    switch( c ) {
      case 'b': zOut[j++] = '\b'; break;
      case 'f': zOut[j++] = '\f'; break;
      case 'n': zOut[j++] = '\n'; break;
      case 'r': zOut[j++] = '\r'; break;
      case 't': zOut[j++] = '\t'; break;
      case 'u': {
        unsigned u = 0;
        int k;
        for( k = 1; k <= 4; k++ ) u = (u << 4) | jsonHexValue(z[i + k]);
        i += 4;
        if( u >= 0xd800 && u < 0xdc00 && i + 6 < n && z[i + 1] == '\\'
            && z[i + 2] == 'u' ) {
          unsigned lo = 0;
          for( k = 3; k <= 6; k++ ) lo = (lo << 4) | jsonHexValue(z[i + k]);
          if( lo >= 0xdc00 && lo < 0xe000 ) {
            u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
            i += 6;
          }
        }
        if( u >= 0xd800 && u < 0xe000 ) u = 0xfffd;
        j += jsonPutUtf8(u, zOut + j);
        break;
      }
      default: /* '"', '\\' and '/' stand for themselves */
        zOut[j++] = (char)c;
        break;
    }
  }
  zOut[j] = 0;
  *pnOut = j;
  return zOut;
}

/*
** The error for options that are not a JSON object.
*/
static int jsonOptionsError(const char *zFunc, char **pzErr) {
  *pzErr = sqlite3_mprintf("%s: options must be a JSON object", zFunc);
  return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

/*
** Describe the value at z[i..j) in *pVal, decoding it into *pzFree if it
** is a string.
*/
static int jsonOptionValue(const unsigned char *z, int i, int j,
                           FrugalJsonValue *pVal, char **pzFree) {
  pVal->z = (const char *)z + i;
  pVal->n = j - i;
  switch( z[i] ) {
    case '"':
      pVal->eType = FRUGAL_JSON_STRING;
      *pzFree = jsonDecodeString(z + i, j - i, &pVal->n);
      if( *pzFree == 0 ) return SQLITE_NOMEM;
      pVal->z = *pzFree;
      break;
    case '{': pVal->eType = FRUGAL_JSON_OBJECT; break;
    case '[': pVal->eType = FRUGAL_JSON_ARRAY; break;
    case 't': pVal->eType = FRUGAL_JSON_TRUE; break;
    case 'f': pVal->eType = FRUGAL_JSON_FALSE; break;
    case 'n': pVal->eType = FRUGAL_JSON_NULL; break;
    default: pVal->eType = FRUGAL_JSON_NUMBER; break;
  }
  return SQLITE_OK;
}

/*
** Call xOption(pCtx, zKey, pValue, pzErr) for each member of the JSON
** object zJson (nJson bytes), in order.  zFunc names the SQL function in
** messages.  Stops at the first error the callback returns.
*/
int frugalJsonOptions(const char *zFunc, const char *zJson, int nJson,
                      FrugalJsonOptionFunc xOption, void *pCtx, char **pzErr) {
  const unsigned char *z = (const unsigned char *)zJson;
  int i = jsonSkipSpace(z, nJson, 0);
  int rc = SQLITE_OK;

  if( !frugalJsonValid(zJson, nJson) || i >= nJson || z[i] != '{' ) {
    return jsonOptionsError(zFunc, pzErr);
  }
  i = jsonSkipSpace(z, nJson, i + 1);
  while( rc == SQLITE_OK && z[i] == '"' ) {
    int iKeyEnd = jsonScanString(z, nJson, i);
    int nKey, iVal, iValEnd;
    char *zKey = jsonDecodeString(z + i, iKeyEnd - i, &nKey);
    char *zStr = 0;
    FrugalJsonValue val;
    if( zKey == 0 ) return SQLITE_NOMEM;
    iVal = jsonSkipSpace(z, nJson, jsonSkipSpace(z, nJson, iKeyEnd) + 1);
    iValEnd = jsonScanValue(z, nJson, iVal);
    rc = jsonOptionValue(z, iVal, iValEnd, &val, &zStr);
    if( rc == SQLITE_OK ) rc = xOption(pCtx, zKey, &val, pzErr);
    sqlite3_free(zStr);
    sqlite3_free(zKey);
    i = jsonSkipSpace(z, nJson, iValEnd);
    if( z[i] == ',' ) i = jsonSkipSpace(z, nJson, i + 1);
  }
  return rc;
}

/*
** Read a yes/no setting: true, false, 1 or 0 as JSON or text, or the words
** yes, no, on, off, true, false in any case.  Returns 1 for yes, 0 for no,
** -1 for anything else.
*/
int frugalParseBool(const char *z, int n) {
  static const char *const azYes[] = { "1", "true", "yes", "on" };
  static const char *const azNo[] = { "0", "false", "no", "off" };
  size_t k;
  for( k = 0; k < sizeof(azYes) / sizeof(azYes[0]); k++ ) {
    if( (int)strlen(azYes[k]) == n && sqlite3_strnicmp(z, azYes[k], n) == 0 ) {
      return 1;
    }
    if( (int)strlen(azNo[k]) == n && sqlite3_strnicmp(z, azNo[k], n) == 0 ) {
      return 0;
    }
  }
  return -1;
}

/*
** A yes/no option value: JSON true or false, the numbers 1 or 0, or a
** string frugalParseBool() accepts.  1 for yes, 0 for no, -1 otherwise.
*/
int frugalJsonBool(const FrugalJsonValue *pVal) {
  switch( pVal->eType ) {
    case FRUGAL_JSON_TRUE: return 1;
    case FRUGAL_JSON_FALSE: return 0;
    case FRUGAL_JSON_NUMBER:
    case FRUGAL_JSON_STRING: return frugalParseBool(pVal->z, pVal->n);
    default: return -1;
  }
}
