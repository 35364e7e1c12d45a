#!/bin/sh
# covcheck.sh - every line of ext/ that the suite leaves uncovered must say
# why: its source line carries a comment with the word "defensive".
#
#   sh test/covcheck.sh INFO [FILE...]
#
# INFO is the lcov tracefile (dist/cov/ext.info); the FILEs, base names
# such as bitmap.c, are not checked.
# Prints "ext/FILE:LINE: uncovered and not marked defensive" for each
# other line that has a count of 0, and exits 1 if there is any.
#
# "defensive" marks code that no test can reach: a check that an earlier
# check already makes, an allocation failure the out-of-memory driver
# cannot provoke, a return code SQLite never gives there.  The comment says
# which.  Code a test can reach gets a test instead.
info=$1
shift
awk -v skip=" $* " '
  /^SF:/ {
    file = substr($0, 4)
    base = file
    sub(/.*\//, "", base)
    rel = file
    sub(/.*\/ext\//, "ext/", rel)
    checked = index(skip, " " base " ") == 0
    n = 0
    delete text
    if( checked ) {
      while( (getline line < file) > 0 ) text[++n] = line
      close(file)
    }
    next
  }
  /^DA:/ && checked {
    split(substr($0, 4), f, ",")
    if( f[2] == 0 && text[f[1]] !~ /defensive/ ) {
      printf "%s:%d: uncovered and not marked defensive\n", rel, f[1]
      bad++
    }
  }
  END { exit bad > 0 }
' "$info"
