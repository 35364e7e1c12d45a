#!/bin/sh
# memchart.sh - profile a batch job with memprof and chart its memory.
#
#   sh test/memchart.sh JOB.sql [DOC.md [CHART.png]]
#   make memchart          the demo job, into doc/memory.md and
#                          doc/memprof-demo.png
#
# Runs JOB.sql, as it is, through SELECT * FROM memprof(readfile(...)) in
# the sqlite3 shell on an in-memory database, from the top of the checkout
# (where the job's relative paths start).  The shell's own commands in the
# job (.load, .mode, .print, and # comments) are not SQL, so they are left
# out, and frugal is loaded with -cmd instead.  They are the lines the
# shell itself takes as commands: those that start with "." or "#" where
# a statement may start, which the shell knows with sqlite3_complete();
# undot() below follows it, so that a line of a multi-line string or of a
# trigger's body that starts with a dot stays.
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

# undot: the job without the shell's commands.  The state machine is
# sqlite3_complete()'s (SQLite's complete.c): state 0 or 1 is where a
# statement may start.
undot() {
  LC_ALL=C awk '
    BEGIN {
      # Tokens: SEMI WS OTHER EXPLAIN CREATE TEMP TRIGGER END (0 to 7).
      n = split("1 0 2 3 4 2 2 2  1 1 2 3 4 2 2 2  1 2 2 2 2 2 2 2" \
                " 1 3 3 2 4 2 2 2  1 4 2 2 2 4 5 2  6 5 5 5 5 5 5 5" \
                " 6 6 5 5 5 5 5 7  1 7 5 5 5 5 5 5", t, " +")
      for (i = 1; i <= n; i++) trans[int((i - 1) / 8), (i - 1) % 8] = t[i]
      kw["explain"] = 3; kw["create"] = 4; kw["temp"] = 5
      kw["temporary"] = 5; kw["trigger"] = 6; kw["end"] = 7
      state = 0; close_ = ""
    }
    function tok(k) { state = trans[state, k] }
    {
      if (close_ == "" && state <= 1 && $0 ~ /^[.#]/) next
      print
      s = $0 "\n"; len = length(s); i = 1
      while (i <= len) {
        if (close_ != "") {             # in a string, name or comment
          j = index(substr(s, i), close_)
          if (j == 0) break
          i += j - 1 + length(close_)
          tok(close_ == "*/" ? 1 : 2); close_ = ""
          continue
        }
        c = substr(s, i, 1)
        if (c == ";") { tok(0); i++ }
        else if (c ~ /[ \t\n\r\f]/) { tok(1); i++ }
        else if (substr(s, i, 2) == "/*") { close_ = "*/"; i += 2 }
        else if (substr(s, i, 2) == "--") { tok(1); break }
        else if (c == "[") { close_ = "]"; i++ }
        else if (c == "\"" || c == "'\''" || c == "`") { close_ = c; i++ }
        else if (c ~ /[A-Za-z0-9_$]/ || c >= "\200") {
          j = i
          while (j <= len && (substr(s, j, 1) ~ /[A-Za-z0-9_$]/ \
                              || substr(s, j, 1) >= "\200")) j++
          w = tolower(substr(s, i, j - i))
          tok(w in kw ? kw[w] : 2); i = j
        }
        else { tok(2); i++ }
      }
    }' "$1"
}
undot "$job" > "$out/job.sql"

# One run; the statement's text on one line, for the table.
sqlite3 -batch -bail -cmd ".load dist/frugal" -cmd ".mode tabs" :memory: "
  SELECT stmt,
         replace(replace(replace(sql, char(13), ' '), char(10), ' '),
                 char(9), ' '),
         rows, printf('%.1f', ms), mem_before, mem_after, mem_peak, delta,
         peak_over, vm_steps, sorts, fullscan_steps, autoindex
  FROM memprof(readfile('$out/job.sql'))" > "$out/memprof.tsv"
[ -s "$out/memprof.tsv" ] || { echo "memchart: $job has no statement"; exit 1; }

# The chart, in MiB.  The paths go to gnuplot as arguments (ARG1...), never
# into its script, where quotes and backquotes would mean something.
awk -F '\t' -v OFS='\t' '{
  print $1, $5 / 1048576, $6 / 1048576, $7 / 1048576
}' "$out/memprof.tsv" > "$out/chart.tsv"
cat > "$out/chart.gp" <<'EOF'
set terminal pngcairo size 800,420 font "sans,10" noenhanced
set output ARG2
set title sprintf("memprof of %s: SQLite's memory per statement", ARG1)
set xlabel "statement"
set ylabel "MiB (sqlite3_memory_used)"
set yrange [0:*]
set grid ytics
set key top left
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
plot ARG3 using 2:xtic(1) title "mem_before", \
     "" using 3 title "mem_after", \
     "" using 4 title "mem_peak"
EOF
gnuplot -c "$out/chart.gp" "$job" "$chart" "$out/chart.tsv"

# The report, as a Markdown table; bytes with thousands separators.  Text
# goes in code spans fenced by more backquotes than it holds; the job's
# name and the version come through the environment, which awk -v would
# read backslash escapes in.
version=$(sqlite3 -cmd ".load dist/frugal" :memory: \
  "SELECT 'frugal ' || frugal_version() || ', SQLite ' || sqlite_version()")
MEMCHART_JOB=$job MEMCHART_VERSION=$version awk -F '\t' '
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
  function code(s,   rest, run, fence, pad) {
    run = ""
    rest = s
    while (match(rest, /`+/)) {
      if (RLENGTH > length(run)) run = substr(rest, RSTART, RLENGTH)
      rest = substr(rest, RSTART + RLENGTH)
    }
    fence = run "`"
    pad = (s ~ /^`/ || s ~ /`$/) ? " " : ""
    gsub(/\|/, "\\|", s)
    return fence pad s pad fence
  }
  BEGIN {
    job = ENVIRON["MEMCHART_JOB"]
    gsub("\047", "\047\047", job)
    print code("SELECT * FROM memprof(readfile(\047" job "\047))") ", " \
          ENVIRON["MEMCHART_VERSION"] ", memory in bytes:"
    print ""
    print "| stmt | sql | rows | ms | mem_before | mem_after | mem_peak |" \
          " delta | peak_over | vm_steps | sorts | fullscan_steps | autoindex |"
    print "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  }
  {
    sql = $2
    gsub(/  +/, " ", sql)
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
      $1, code(sql), sep($3), $4, sep($5), sep($6), sep($7), sep($8), sep($9),
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
