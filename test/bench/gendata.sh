#!/bin/sh
# gendata.sh - the data sets the benchmarks share, made once and kept in
# $BENCH_DATA (dist/bench/data).
#
#   sh test/bench/gendata.sh sales ROWS   print the path of sales-ROWS.csv
#
# sales-ROWS.csv is a header and ROWS lines like
#   17,hana,46.23,"text, with comma 17"
# (id, name, score, comment).  With ROWS=2000000 it has 2,000,001 lines
# and 89 MB, the file the issues' performance targets are stated on.
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
    echo "$out"
    ;;
  *)
    echo "gendata.sh: unknown data set $kind" >&2
    exit 1
    ;;
esac
