#!/bin/sh
# run.sh - "make bench": every test/bench/bench_*.sh, then one table.
#
#   make bench                   all of them, then charts.sh; the table,
#                                the charts and their figures go into
#                                doc/performance.md and doc/perf-*.png
#   make bench BENCH="read csv"  only bench_read.sh and bench_csv.sh
#   make bench BENCH=charts      only charts.sh
set -eu
cd "$(dirname "$0")/../.."
. test/bench/lib.sh
if [ "${BENCH:-}" = charts ]; then
  exec sh test/bench/charts.sh
fi
start=$(date +%s)
machine=$(bench_machine)
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

# A full run also writes the table into the doc and redraws the charts.
if [ -z "${BENCH:-}" ]; then
  { echo "Measured by \`make bench\` on $machine"
    echo ""
    cat "$BENCH_OUT/results.md"; } > "$BENCH_OUT/results-doc.md"
  bench_doc_section doc/performance.md bench-results "$BENCH_OUT/results-doc.md"
  sh test/bench/charts.sh
fi
echo "bench: $(($(date +%s) - start)) s"
