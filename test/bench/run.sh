#!/bin/sh
# run.sh - "make bench": every test/bench/bench_*.sh, then one table.
#
#   make bench                   all of them
#   make bench BENCH="read csv"  only bench_read.sh and bench_csv.sh
set -eu
cd "$(dirname "$0")/../.."
. test/bench/lib.sh
: > "$BENCH_OUT/results.tsv"
for script in test/bench/bench_*.sh; do
  name=$(basename "$script" .sh)
  name=${name#bench_}
  case " ${BENCH:-$name} " in *" $name "*) ;; *) continue ;; esac
  echo "== $name"
  sh "$script"
done

# The table, in Markdown, on stdout and in $BENCH_OUT/results.md.
awk -F '\t' '
  BEGIN {
    print "| benchmark | frugal | baseline | baseline time | ratio | target | met |"
    print "|---|---:|---|---:|---:|---:|:---:|"
  }
  { printf "| %s | %s %s | %s | %s %s | %s | %s | %s |\n", $1, $2, $8, $3, $4, $8, $5,
           ($6 == "-" ? "-" : "<= " $6), $7 }
' "$BENCH_OUT/results.tsv" | tee "$BENCH_OUT/results.md"
if grep -q '	NO	' "$BENCH_OUT/results.tsv"; then
  echo "some targets were not met"
fi
