#!/bin/sh
# memchart.sh - profile a batch job with memprof and chart its memory.
#
#   sh test/memchart.sh JOB.sql [DOC.md [CHART.png]]
#   make memchart          the demo job, into doc/memory.md and
#                          doc/memprof-demo.png
#
# Runs JOB.sql, as it is, through SELECT * FROM memprof(readfile(...)) in
# the sqlite3 shell on an in-memory database, from the top of the checkout
# (where the job's relative paths start).  Lines of the job that start with
# a dot are the shell's own commands (.load, .mode, .print): they are not
# SQL, so they are left out, and frugal is loaded with -cmd instead.
#
# Writes:
#   CHART.png  SQLite's memory before, after and at the peak of each
#              statement, drawn by gnuplot (Debian's gnuplot-nox)
#   DOC.md     the report, a Markdown table, replaces what is between the
#              lines "<!-- memprof-report:begin -->" and
#              "<!-- memprof-report:end -->"
# and keeps the raw rows in dist/memchart/memprof.tsv.
set -eu
cd "$(dirname "$0")/.."

job=${1:?usage: sh test/memchart.sh JOB.sql [DOC.md [CHART.png]]}
doc=${2:-doc/memory.md}
chart=${3:-doc/memprof-demo.png}
out=dist/memchart
mkdir -p "$out"

sed '/^\./d' "$job" > "$out/job.sql"

# One run; the statement's text on one line, for the table.
sqlite3 -batch -bail -cmd ".load dist/frugal" -cmd ".mode tabs" :memory: "
  SELECT stmt,
         replace(replace(replace(sql, char(13), ' '), char(10), ' '),
                 char(9), ' '),
         rows, printf('%.1f', ms), mem_before, mem_after, mem_peak, delta,
         peak_over, vm_steps, sorts, fullscan_steps, autoindex
  FROM memprof(readfile('$out/job.sql'))" > "$out/memprof.tsv"
[ -s "$out/memprof.tsv" ] || { echo "memchart: $job has no statement"; exit 1; }

# The chart, in MiB.
awk -F '\t' -v OFS='\t' '{
  print $1, $5 / 1048576, $6 / 1048576, $7 / 1048576
}' "$out/memprof.tsv" > "$out/chart.tsv"
gnuplot <<EOF
set terminal pngcairo size 800,420 font "sans,10" noenhanced
set output "$chart"
set title "memprof of $job: SQLite's memory per statement"
set xlabel "statement"
set ylabel "MiB (sqlite3_memory_used)"
set yrange [0:*]
set grid ytics
set key top left
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
plot "$out/chart.tsv" using 2:xtic(1) title "mem_before", \
     "" using 3 title "mem_after", \
     "" using 4 title "mem_peak"
EOF

# The report, as a Markdown table; bytes with thousands separators.
version=$(sqlite3 -cmd ".load dist/frugal" :memory: \
  "SELECT 'frugal ' || frugal_version() || ', SQLite ' || sqlite_version()")
awk -F '\t' -v job="$job" -v version="$version" '
  function sep(n,   s, r, neg) {
    s = n ""
    neg = ""
    if (substr(s, 1, 1) == "-") { neg = "-"; s = substr(s, 2) }
    r = ""
    while (length(s) > 3) {
      r = "," substr(s, length(s) - 2) r
      s = substr(s, 1, length(s) - 3)
    }
    return neg s r
  }
  BEGIN {
    print "`SELECT * FROM memprof(readfile(\x27" job "\x27))`, " version \
          ", memory in bytes:"
    print ""
    print "| stmt | sql | rows | ms | mem_before | mem_after | mem_peak |" \
          " delta | peak_over | vm_steps | sorts | fullscan_steps | autoindex |"
    print "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  }
  {
    sql = $2
    gsub(/  +/, " ", sql)
    gsub(/\|/, "\\|", sql)
    printf "| %s | `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
      $1, sql, sep($3), $4, sep($5), sep($6), sep($7), sep($8), sep($9),
      sep($10), $11, sep($12), $13
  }' "$out/memprof.tsv" > "$out/report.md"

# Put the report in its place in the doc.
awk -v report="$out/report.md" '
  /^<!-- memprof-report:end -->$/ { skip = 0 }
  !skip { print }
  /^<!-- memprof-report:begin -->$/ {
    print ""
    while ((getline line < report) > 0) print line
    print ""
    skip = 1; found = 1
  }
  END { if (!found) exit 1 }
' "$doc" > "$out/doc.md" || {
  echo "memchart: $doc has no <!-- memprof-report:begin --> line"; exit 1; }
cp "$out/doc.md" "$doc"
echo "memchart: $chart and the report in $doc"
