# lib.sh - what every benchmark script in test/bench/ shares.
#
# A benchmark script (test/bench/bench_<area>.sh) sources this file, makes
# its data under $BENCH_DATA (kept between runs), times frugal and a
# baseline side by side in the same run, and records the ratio:
#
#   . test/bench/lib.sh
#   t1=$(bench_ms sqlite_frugal "SELECT count(*) FROM read_lines('$F')")
#   t0=$(bench_ms sqlite3 :memory: "SELECT count(*) FROM generate_series(1,2000001)")
#   bench_record "read_lines count(*)" "$t1" "generate_series" "$t0" 1.5
#
# Times are the best of $BENCH_REPS runs (default 5) of the whole command,
# in milliseconds of wall-clock time.  A ratio is frugal / baseline, and the
# target is the largest ratio the issue allows (0.5 means "twice as fast").
# Results go to $BENCH_OUT/results.tsv; run.sh prints them as one table.

BENCH_REPS=${BENCH_REPS:-5}
BENCH_OUT=${BENCH_OUT:-dist/bench}
BENCH_DATA=${BENCH_DATA:-$BENCH_OUT/data}
FRUGAL_LIB=${FRUGAL_LIB:-dist/frugal}
mkdir -p "$BENCH_OUT" "$BENCH_DATA"

# bench_ms CMD ARGS...: the best time of $BENCH_REPS runs, in ms with one
# decimal.  (Shell arithmetic is 64-bit; awk's may not be.)
bench_ms() {
  best=""
  i=0
  while [ "$i" -lt "$BENCH_REPS" ]; do
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    t=$(((t1 - t0) / 1000))
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
    i=$((i + 1))
  done
  awk -v us="$best" 'BEGIN { printf "%.1f\n", us / 1000 }'
}

# bench_pair_ms CMD1 CMD0: the best times of $BENCH_REPS runs of each of
# two shell commands (strings, run with eval), in ms, as "T1 T0".  The runs
# alternate, CMD1 then CMD0, so that a machine that gets busier or quieter
# during the measurement weighs on both alike.
bench_pair_ms() {
  best1=""
  best0=""
  i=0
  while [ "$i" -lt "$BENCH_REPS" ]; do
    t0=$(date +%s%N)
    eval "$1" >/dev/null
    t1=$(date +%s%N)
    eval "$2" >/dev/null
    t2=$(date +%s%N)
    a=$(((t1 - t0) / 1000))
    b=$(((t2 - t1) / 1000))
    if [ -z "$best1" ] || [ "$a" -lt "$best1" ]; then best1=$a; fi
    if [ -z "$best0" ] || [ "$b" -lt "$best0" ]; then best0=$b; fi
    i=$((i + 1))
  done
  awk -v a="$best1" -v b="$best0" 'BEGIN { printf "%.1f %.1f\n", a / 1000, b / 1000 }'
}

# bench_rss_kb CMD ARGS...: the peak resident set size of one run, in KiB.
# CMD may be sqlite_frugal.
bench_rss_kb() {
  if [ "$1" = sqlite_frugal ]; then
    shift
    set -- sqlite3 -batch -cmd ".load $FRUGAL_LIB" :memory: "$@"
  fi
  /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1
}

# sqlite_frugal SQL...: the sqlite3 shell on an in-memory database, with
# frugal loaded.
sqlite_frugal() {
  sqlite3 -batch -cmd ".load $FRUGAL_LIB" :memory: "$@"
}

# bench_record NAME FRUGAL_MS BASELINE_NAME BASELINE_MS TARGET [UNIT]
# Record one comparison and print it.  TARGET "-" means there is none: the
# comparison is there to inform.
bench_record() {
  unit=${6:-ms}
  ratio=$(awk -v a="$2" -v b="$4" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  ok=$(awk -v r="$ratio" -v t="$5" \
    'BEGIN { print (t == "-" ? "n/a" : (r <= t ? "yes" : "NO")) }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$ratio" \
    "$5" "$ok" "$unit" >> "$BENCH_OUT/results.tsv"
  printf '  %-44s %8s %s  vs %-26s %8s %s  ratio %5s (target <= %s) %s\n' \
    "$1" "$2" "$unit" "$3" "$4" "$unit" "$ratio" "$5" "$ok"
}

# bench_machine: one line saying where and when the figures were measured.
bench_machine() {
  cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2>/dev/null |
    head -n 1)
  ver=$(sqlite_frugal "SELECT 'SQLite ' || sqlite_version() ||
                              ', frugal ' || frugal_version()")
  load=$(cut -d ' ' -f 1 /proc/loadavg 2>/dev/null || echo '?')
  printf '%s, %s cores, %s; %s, %s UTC, load average %s at the start.\n' \
    "${cpu:-unknown CPU}" "$(nproc)" "$(uname -sm)" "$ver" \
    "$(date -u '+%Y-%m-%d %H:%M')" "$load"
}

# bench_doc_section DOC NAME FILE: replace what DOC holds between the lines
# "<!-- NAME:begin -->" and "<!-- NAME:end -->" with the text of FILE.
bench_doc_section() {
  awk -v name="$2" -v file="$3" '
    $0 == "<!-- " name ":end -->" { skip = 0 }
    !skip { print }
    $0 == "<!-- " name ":begin -->" {
      print ""
      while ((getline line < file) > 0) print line
      print ""
      skip = 1; found = 1
    }
    END { exit !found }
  ' "$1" > "$BENCH_OUT/doc.tmp" || {
    echo "bench: $1 has no <!-- $2:begin --> line" >&2
    return 1
  }
  cp "$BENCH_OUT/doc.tmp" "$1"
  rm -f "$BENCH_OUT/doc.tmp"
}
