#!/bin/sh
# gendata.sh - the data sets the benchmarks share, made once and kept in
# $BENCH_DATA (dist/bench/data).
#
#   sh test/bench/gendata.sh sales ROWS    print the path of sales-ROWS.csv
#   sh test/bench/gendata.sh salesdb ROWS  print the path of sales-ROWS.db
#   sh test/bench/gendata.sh linesdb ROWS  print the path of lines-ROWS.db
#
# sales-ROWS.csv is a header and ROWS lines like
#   17,hana,46.23,"text, with comma 17"
# (id, name, score, comment).  With ROWS=2000000 it has 2,000,001 lines
# and 89 MB, the file the issues' performance targets are stated on.
#
# sales-ROWS.db is a database file holding that CSV imported by the shell's
# .import into a typed table t(id INTEGER, name TEXT, score REAL, comment
# TEXT); lines-ROWS.db holds the file's lines, header included, as they are
# in a table t(line TEXT).  They are the baselines "the same data in a
# SQLite table".
set -eu
. test/bench/lib.sh
kind=$1
rows=$2
case "$kind" in
  sales)
    out="$BENCH_DATA/sales-$rows.csv"
    if [ ! -s "$out" ]; then
      awk -v n="$rows" 'BEGIN {
        split("anna bert cleo dave emma finn gus hana ivan jo", names, " ")
        print "id,name,score,comment"
        for (i = 1; i <= n; i++)
          printf "%d,%s,%.2f,\"text, with comma %d\"\n",
                 i, names[i % 10 + 1], (i * 7919 % 10000) / 100.0, i
      }' > "$out.tmp"
      mv "$out.tmp" "$out"
    fi
    ;;
  salesdb)
    csv=$(sh test/bench/gendata.sh sales "$rows")
    out="$BENCH_DATA/sales-$rows.db"
    if [ ! -s "$out" ]; then
      rm -f "$out.tmp"
      sqlite3 "$out.tmp" \
        "CREATE TABLE t(id INTEGER, name TEXT, score REAL, comment TEXT)" \
        ".import --csv --skip 1 $csv t"
      mv "$out.tmp" "$out"
    fi
    ;;
  linesdb)
    csv=$(sh test/bench/gendata.sh sales "$rows")
    out="$BENCH_DATA/lines-$rows.db"
    if [ ! -s "$out" ]; then
      rm -f "$out.tmp"
      sqlite_frugal "ATTACH '$out.tmp' AS d; CREATE TABLE d.t(line TEXT);
                     INSERT INTO d.t SELECT line FROM read_lines('$csv');"
      mv "$out.tmp" "$out"
    fi
    ;;
  *)
    echo "gendata.sh: unknown data set $kind" >&2
    exit 1
    ;;
esac
echo "$out"
