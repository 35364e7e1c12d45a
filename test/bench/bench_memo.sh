#!/bin/sh
# bench_memo.sh - memoize(): what a cache hit costs.
#
#   make bench BENCH=memo
#
# 1. abs_memo against abs itself, on 2,000,000 rows with 100 distinct
#    arguments (all but 100 calls are hits):
#      SELECT sum(abs_memo(value % 100)) FROM generate_series(1,2000000)
#    Target: at most 2x the time with abs.
# 2. A Python function registered with create_function(), memoized with
#    memoize() against the same function wrapped in functools.lru_cache, in
#    Debian's /usr/bin/python3 (bench_memo.py).  Every timed call is a hit;
#    the time of the same scan without a function call is subtracted, so
#    the figures are nanoseconds per hit.  Target: at most 0.5x.
# 3. For information (no target): what a miss costs, with max_entries 0 so
#    that every call is a miss: the arguments bound to the statement the
#    wrapper keeps, which is stepped and reset (it was prepared, and f
#    checked with PRAGMA function_list, on the first miss).
set -eu
. test/bench/lib.sh

rows=2000000
series="generate_series(1,$rows)"

t_abs=$(bench_ms sqlite_frugal "SELECT sum(abs(value % 100)) FROM $series")
t_memo=$(bench_ms sqlite_frugal "SELECT memoize('abs');
  SELECT sum(abs_memo(value % 100)) FROM $series")
bench_record "abs_memo, hits (2M rows)" "$t_memo" "abs" "$t_abs" 2

set -- $(/usr/bin/python3 test/bench/bench_memo.py "$FRUGAL_LIB" "$rows" \
  "$BENCH_REPS")
ns_memo=$(awk -v t="$1" -v s="$3" -v n="$rows" \
  'BEGIN { printf "%.1f", (t - s) * 1e6 / n }')
ns_lru=$(awk -v t="$2" -v s="$3" -v n="$rows" \
  'BEGIN { printf "%.1f", (t - s) * 1e6 / n }')
echo "  (python: f_memo query $1 ms, lru_cache query $2 ms, bare scan $3 ms)"
bench_record "f_memo hit, Python function" "$ns_memo" "functools.lru_cache hit" \
  "$ns_lru" 0.5 ns

misses=200000
t_miss=$(bench_ms sqlite_frugal "SELECT memoize('abs', 0);
  SELECT sum(abs_memo(value)) FROM generate_series(1,$misses)")
t_base=$(bench_ms sqlite_frugal \
  "SELECT sum(abs(value)) FROM generate_series(1,$misses)")
bench_record "abs_memo, misses (200k rows)" "$t_miss" "abs" "$t_base" -
awk -v a="$t_miss" -v b="$t_base" -v n="$misses" 'BEGIN {
  printf "  (a miss costs %.2f us more than a call of abs)\n", (a - b) * 1000 / n }'
