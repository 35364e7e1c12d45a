#!/bin/sh
# charts.sh - the two charts of doc/performance.md, measured and drawn.
#
#   sh test/bench/charts.sh      on its own
#   make bench BENCH=charts      the same
#   make bench                   every benchmark, then this
#
# 1. Peak memory against file size (doc/perf-memory.png).  For the sales
#    CSV of gendata.sh at each size in $CHART_SIZES (rows), the peak RSS
#    (/usr/bin/time -f %M) and the wall time of one run of each way of
#    summing a column of it in the sqlite3 shell:
#      read_lines   SELECT sum(length(line)) FROM read_lines(F)
#      read_csv     SELECT sum(record->>'score') FROM read_csv(F)
#      csv_file     SELECT sum(score) FROM t, t a csv_file table of F
#      .import      the shell's .import --csv of F into a typed table
#                   t(id INTEGER, name TEXT, score REAL, comment TEXT) of
#                   an in-memory database, then the same sum (what a user
#                   does without frugal), and the same into a database
#                   file (deleted after each size)
#    csv_file and both imports must agree on the sum.
#
# 2. Throughput against SQLite's per-row floor (doc/perf-throughput.png).
#    Nanoseconds per row of frugal's per-row paths and of SQLite's own
#    baselines, each the best of $BENCH_REPS runs of the sqlite3 shell over
#    2,000,000 rows (2,000,001 lines for read_lines), less the best time of
#    the same shell running "SELECT 1" (starting, loading frugal, opening
#    the database), so that what remains is the scan.  Two references show
#    where the floor under a line reader lies: dd copying the file out of
#    the page cache (what read() costs before any line is found), and
#    dist/bench/const_lines (test/bench/const_lines.c), a virtual table
#    that returns the same line on every row and reads nothing (what SQLite
#    costs per line returned, before any reading).
#
# Raw figures go to dist/bench/memory.tsv and dist/bench/throughput.tsv;
# their tables, with the machine, go into doc/performance.md between the
# lines <!-- bench-memory:begin/end --> and <!-- bench-throughput:begin/end
# -->.  gnuplot is Debian's gnuplot-nox.
set -eu
cd "$(dirname "$0")/../.."
. test/bench/lib.sh

CHART_SIZES=${CHART_SIZES:-125000 250000 500000 1000000 2000000 4000000}
doc=doc/performance.md
png_mem=doc/perf-memory.png
png_tp=doc/perf-throughput.png
mem_tsv=$BENCH_OUT/memory.tsv
tp_tsv=$BENCH_OUT/throughput.tsv
schema="CREATE TABLE t(id INTEGER, name TEXT, score REAL, comment TEXT)"

# run_once OUT CMD ARGS...: run CMD once, its output in OUT; print its peak
# RSS in KiB and its wall time in ms.  CMD may be sqlite_frugal.
run_once() {
  out=$1
  shift
  if [ "$1" = sqlite_frugal ]; then
    shift
    set -- sqlite3 -batch -cmd ".load $FRUGAL_LIB" :memory: "$@"
  fi
  t0=$(date +%s%N)
  /usr/bin/time -f %M -o "$out.rss" "$@" > "$out"
  t1=$(date +%s%N)
  printf '%s\t%s\n' "$(tail -n 1 "$out.rss")" "$(((t1 - t0) / 1000000))"
}

# --- 1. memory against file size -------------------------------------
echo "== charts: peak memory against file size ($CHART_SIZES rows)"
printf 'rows\tmb\treader\trss_kb\tms\n' > "$mem_tsv"
o=$BENCH_OUT/chart.out

# rec READER "RSS_KB<tab>MS": one row of $mem_tsv, for $rows and $mb.
rec() {
  printf '%s\t%s\t%s\t%s\n' "$rows" "$mb" "$1" "$2" >> "$mem_tsv"
  printf '  %8s rows %6s MB  %-14s %s\n' "$rows" "$mb" "$1" \
    "$(echo "$2" | awk '{ printf "%7.1f MiB %7d ms", $1 / 1024, $2 }')"
}
set -- $(run_once "$o" sqlite_frugal "SELECT 1")
floor_kb=$1
for rows in $CHART_SIZES; do
  csv=$(sh test/bench/gendata.sh sales "$rows")
  mb=$(awk -v b="$(wc -c < "$csv")" 'BEGIN { printf "%.1f", b / 1e6 }')
  cat "$csv" > /dev/null                   # warm, as the imports find it
  rec read_lines "$(run_once "$o" sqlite_frugal \
    "SELECT sum(length(line)) FROM read_lines('$csv')")"
  rec read_csv "$(run_once "$o" sqlite_frugal \
    "SELECT sum(record->>'score') FROM read_csv('$csv')")"
  rec csv_file "$(run_once "$o" sqlite_frugal \
    "CREATE VIRTUAL TABLE temp.t USING csv_file(filename='$csv', header=yes);
     SELECT sum(score) FROM t")"
  sum_csv=$(cat "$o")
  rec import_memory "$(run_once "$o" sqlite3 -batch :memory: "$schema" \
    ".import --csv --skip 1 $csv t" "SELECT sum(score) FROM t")"
  sum_mem=$(cat "$o")
  db=$BENCH_DATA/chart-import.db
  rm -f "$db"
  rec import_file "$(run_once "$o" sqlite3 -batch "$db" "$schema" \
    ".import --csv --skip 1 $csv t" "SELECT sum(score) FROM t")"
  sum_file=$(cat "$o")
  rm -f "$db"
  if [ "$sum_csv" != "$sum_mem" ] || [ "$sum_csv" != "$sum_file" ]; then
    echo "charts: sums differ: csv_file $sum_csv, .import $sum_mem," \
      "into a file $sum_file" >&2
    exit 1
  fi
done
rm -f "$o" "$o.rss"

# The chart: one line per reader, MiB against MB, both axes logarithmic.
awk -F '\t' 'NR > 1 { print > (dir "/mem-" $3 ".dat") }' \
  dir="$BENCH_OUT" "$mem_tsv"
gnuplot <<EOF
set terminal pngcairo size 800,480 font "sans,10" noenhanced
set output "$png_mem"
set title "Peak memory of summing a column of a CSV file, sqlite3 shell"
set xlabel "CSV file size (MB)"
set ylabel "peak RSS (MiB)"
set logscale xy
set grid xtics ytics mxtics mytics
set key top left
set style data linespoints
f(kb) = kb / 1024.0
plot "$BENCH_OUT/mem-import_memory.dat" using 2:(f(\$4)) pt 7 lw 2 lc rgb "#5b7fa6" \
       title ".import into :memory:, then sum", \
     "$BENCH_OUT/mem-import_file.dat" using 2:(f(\$4)) pt 5 lw 2 lc rgb "#8fb3d9" \
       title ".import into a database file, then sum", \
     "$BENCH_OUT/mem-read_csv.dat" using 2:(f(\$4)) pt 9 lw 2 lc rgb "#c0392b" \
       title "read_csv: sum(record->>'score')", \
     "$BENCH_OUT/mem-csv_file.dat" using 2:(f(\$4)) pt 11 lw 2 lc rgb "#e08a2c" \
       title "csv_file: sum(score)", \
     "$BENCH_OUT/mem-read_lines.dat" using 2:(f(\$4)) pt 13 lw 2 lc rgb "#2e8b57" \
       title "read_lines: sum(length(line))", \
     f($floor_kb) with lines dt 2 lc "gray40" \
       title "the shell with frugal loaded, SELECT 1"
EOF
rm -f "$BENCH_OUT"/mem-*.dat

# --- 2. throughput against SQLite's per-row floor --------------------
echo "== charts: throughput against SQLite's per-row floor"
if [ ! -x dist/bench/const_lines ]; then
  echo "charts: dist/bench/const_lines is missing: make bench BENCH=charts" >&2
  exit 1
fi
F=$(sh test/bench/gendata.sh sales 2000000)
LDB=$(sh test/bench/gendata.sh linesdb 2000000)
SDB=$(sh test/bench/gendata.sh salesdb 2000000)
cat "$F" "$LDB" "$SDB" > /dev/null         # warm the page cache
rows=2000000
s_mem=$(bench_ms sqlite3 -batch :memory: "SELECT 1")
s_fru=$(bench_ms sqlite_frugal "SELECT 1")
s_ldb=$(bench_ms sqlite3 -batch "$LDB" "SELECT 1")
s_sdb=$(bench_ms sqlite3 -batch "$SDB" "SELECT 1")
s_dd=$(bench_ms dd if=/dev/null of=/dev/null status=none)
s_const=$(bench_ms dist/bench/const_lines :memory: "SELECT 1")
printf 'query\tby\trows\tms\tstartup_ms\tns_per_row\tgroup\n' > "$tp_tsv"
group=0

# tp LABEL BY ROWS STARTUP_MS CMD ARGS...: time CMD, record ns per row;
# the rows of one comparison share a $group number, for the chart.
tp() {
  label=$1 by=$2 n=$3 s=$4
  shift 4
  ms=$(bench_ms "$@")
  ns=$(awk -v t="$ms" -v s="$s" -v n="$n" \
    'BEGIN { printf "%.1f", (t - s) * 1e6 / n }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$by" "$n" "$ms" "$s" "$ns" \
    "$group" >> "$tp_tsv"
  printf '  %-44s %-9s %8s ms %7s ns/row\n' "$label" "$by" "$ms" "$ns"
}
gs="generate_series(1,$rows)"
group=$((group + 1))
tp "generate_series count(*)" SQLite $((rows + 1)) "$s_mem" \
  sqlite3 -batch :memory: "SELECT count(*) FROM generate_series(1,$((rows + 1)))"
tp "dd: the file's bytes out of the page cache" reference $((rows + 1)) "$s_dd" \
  dd if="$F" of=/dev/null bs=128K status=none
tp "read_lines count(*)" frugal $((rows + 1)) "$s_fru" \
  sqlite_frugal "SELECT count(*) FROM read_lines('$F')"
group=$((group + 1))
tp "table t(line): sum(length(line))" SQLite $((rows + 1)) "$s_ldb" \
  sqlite3 -batch "$LDB" "SELECT sum(length(line)) FROM t"
tp "const_lines: one line, no I/O, sum(length)" reference $((rows + 1)) \
  "$s_const" dist/bench/const_lines :memory: \
  "SELECT sum(length(line)) FROM const_lines($((rows + 1)))"
tp "read_lines sum(length(line))" frugal $((rows + 1)) "$s_fru" \
  sqlite_frugal "SELECT sum(length(line)) FROM read_lines('$F')"
group=$((group + 1))
tp "typed table: sum(score)" SQLite "$rows" "$s_sdb" \
  sqlite3 -batch "$SDB" "SELECT sum(score) FROM t"
tp "csv_file sum(score)" frugal "$rows" "$s_fru" \
  sqlite_frugal "CREATE VIRTUAL TABLE temp.t USING csv_file(filename='$F',
    header=yes); SELECT sum(score) FROM t"
tp "read_csv sum(record->>'score')" frugal "$rows" "$s_fru" \
  sqlite_frugal "SELECT sum(record->>'score') FROM read_csv('$F')"
tp ".import into :memory:, then sum(score)" SQLite "$rows" "$s_mem" \
  sqlite3 -batch :memory: "$schema" ".import --csv --skip 1 $F t" \
  "SELECT sum(score) FROM t"
group=$((group + 1))
tp "count(value) over generate_series" SQLite "$rows" "$s_mem" \
  sqlite3 -batch :memory: "SELECT count(value) FROM $gs"
tp "bitmap_agg(value), ascending" frugal "$rows" "$s_fru" \
  sqlite_frugal "SELECT length(bitmap_agg(value)) FROM $gs"
e="value*7919 % 2147483648"
group=$((group + 1))
tp "count(value*7919 % 2^31)" SQLite "$rows" "$s_mem" \
  sqlite3 -batch :memory: "SELECT count($e) FROM $gs"
tp "bitmap_agg(value*7919 % 2^31)" frugal "$rows" "$s_fru" \
  sqlite_frugal "SELECT length(bitmap_agg($e)) FROM $gs"
group=$((group + 1))
tp "sum(abs(value % 100))" SQLite "$rows" "$s_fru" \
  sqlite_frugal "SELECT sum(abs(value % 100)) FROM $gs"
tp "sum(abs_memo(value % 100)), hits" frugal "$rows" "$s_fru" \
  sqlite_frugal "SELECT memoize('abs'); SELECT sum(abs_memo(value % 100))
    FROM $gs"

# The chart: horizontal bars, top to bottom in the order measured, a gap
# between comparisons.  A bar longer than 1.3 times the longest of the
# others (those within 4 times the median) is cut there, and says so, lest
# it flatten the rest.  tp.dat: label, length, colour, y, text.
awk -F '\t' -v OFS='\t' -v dir="$BENCH_OUT" '
  NR > 1 {
    n++; q[n] = $1; v[n] = $6
    c[n] = ($2 == "SQLite" ? 1 : $2 == "frugal" ? 2 : 3)
    y[n] = n - 1 + 0.6 * ($7 - 1)
  }
  END {
    for (i = 1; i <= n; i++) s[i] = v[i]
    for (i = 2; i <= n; i++)                 # insertion sort, n is small
      for (j = i; j > 1 && s[j - 1] > s[j]; j--) {
        t = s[j]; s[j] = s[j - 1]; s[j - 1] = t
      }
    med = s[int((n + 1) / 2)]
    for (i = 1; i <= n; i++) if (s[i] <= 4 * med) top = s[i]
    cap = 1.3 * top
    for (i = 1; i <= n; i++)
      print q[i], (v[i] > cap ? cap : v[i]), c[i], y[i],
            sprintf("%.0f%s", v[i], v[i] > cap ? " (cut)" : "")
    print cap * 1.25, y[n] > (dir "/tp.range")
  }' "$tp_tsv" > "$BENCH_OUT/tp.dat"
set -- $(cat "$BENCH_OUT/tp.range")
gnuplot <<EOF
set terminal pngcairo size 820,560 font "sans,10" noenhanced
set output "$png_tp"
set title "Time per row over 2,000,000 rows in the sqlite3 shell (shorter is faster)"
set xlabel "nanoseconds per row, start-up subtracted"
set yrange [$2 + 0.6:-0.6]
set xrange [0:$1]
set grid xtics
set key bottom right box opaque
set style fill solid 0.85 border -1
set datafile separator "\t"
plot "$BENCH_OUT/tp.dat" using (\$3 == 1 ? \$2 / 2 : 1/0):4:(\$2 / 2):(0.4):ytic(1) \
       with boxxyerror lc rgb "#5b7fa6" title "SQLite alone", \
     "" using (\$3 == 2 ? \$2 / 2 : 1/0):4:(\$2 / 2):(0.4) \
       with boxxyerror lc rgb "#e08a2c" title "frugal", \
     "" using (\$3 == 3 ? \$2 / 2 : 1/0):4:(\$2 / 2):(0.4) \
       with boxxyerror lc rgb "#b0b0b0" title "for reference", \
     "" using 2:4:5 with labels left offset 0.6,0 notitle
EOF
rm -f "$BENCH_OUT/tp.dat" "$BENCH_OUT/tp.range"

# --- the tables, into the doc ----------------------------------------
# sep(N): N with thousands separators, for awk.
awk_sep='function sep(n,   r) {
  r = ""
  while (length(n) > 3) {
    r = "," substr(n, length(n) - 2) r
    n = substr(n, 1, length(n) - 3)
  }
  return n r
}'
machine=$(bench_machine)
awk -F '\t' -v machine="$machine" -v floor="$floor_kb" "$awk_sep"'
  NR == 1 { next }
  {
    if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1; mb[$1] = $2 }
    rss[$1, $3] = sprintf("%.1f", $4 / 1024)
    ms[$1, $3] = $5
  }
  END {
    print "Measured by `sh test/bench/charts.sh` on " machine
    print ""
    print "Peak RSS in MiB (and wall time in ms) of one run; the sqlite3 shell" \
          " with frugal loaded running `SELECT 1` peaks at " \
          sprintf("%.1f", floor / 1024) " MiB."
    print ""
    print "| rows | CSV MB | read_lines | read_csv | csv_file |" \
          " .import, :memory: | .import, file |"
    print "|---:|---:|---:|---:|---:|---:|---:|"
    split("read_lines read_csv csv_file import_memory import_file", r, " ")
    for (i = 1; i <= n; i++) {
      k = order[i]
      line = "| " sep(k) " | " mb[k] " |"
      for (j = 1; j <= 5; j++)
        line = line " " rss[k, r[j]] " (" ms[k, r[j]] ") |"
      print line
    }
  }' "$mem_tsv" > "$BENCH_OUT/memory.md"
awk -F '\t' -v machine="$machine" "$awk_sep"'
  BEGIN {
    print "Measured by `sh test/bench/charts.sh` on " machine
    print ""
    print "| query | by | rows | ms | start-up ms | ns per row |" \
          " million rows/s | x floor | x first of its group |"
    print "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  }
  NR == 1 { next }
  NR == 2 { floor = $6 }
  $7 != group { group = $7; base = $6 }
  {
    q = $1
    gsub(/\|/, "\\|", q)
    printf "| %s | %s | %s | %s | %s | %s | %.1f | %.2f | %.2f |\n", q, $2,
      sep($3), $4, $5, $6, ($6 > 0 ? 1000 / $6 : 0), (floor > 0 ? $6 / floor : 0),
      (base > 0 ? $6 / base : 0)
  }' "$tp_tsv" > "$BENCH_OUT/throughput.md"
bench_doc_section "$doc" bench-memory "$BENCH_OUT/memory.md"
bench_doc_section "$doc" bench-throughput "$BENCH_OUT/throughput.md"
echo "charts: $png_mem, $png_tp and their tables in $doc"
