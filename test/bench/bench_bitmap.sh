# bench_bitmap.sh - bitmap_agg() against count() over the same rows, and
# frugal's Roaring engine against CRoaring (libroaring-dev) in C.
#
# The SQL targets are the issue's: bitmap_agg() over 10,000,000 ascending
# values, and over 3,000,000 unordered, sparse ones (value*7919 % 2^31),
# at most 1.5 times count() of the same expression over the same rows; and,
# to inform, 3,000,000 values over random containers, and 3,000,000 rows of
# 1000 values repeated.
# The C targets: AND, OR, ANDNOT and their counts on large bitmaps of each
# shape within 2 times CRoaring, timed in the same process by
# dist/bench/roaring_bench, which also checks that both give the same set
# with serializations of the same size.
. test/bench/lib.sh

# Each pair is timed in alternation (bench_pair_ms), the best of
# BENCH_BITMAP_REPS runs (default 15: these runs are short, and the margin
# is thin enough for a slower run on either side to matter).
BENCH_REPS=${BENCH_BITMAP_REPS:-15}

q="FROM generate_series(1,10000000)"
set -- $(bench_pair_ms "sqlite_frugal 'SELECT length(bitmap_agg(value)) $q'" \
  "sqlite3 :memory: 'SELECT count(value) $q'")
bench_record "bitmap_agg, 10M ascending" "$1" "count(value)" "$2" 1.5

e="value*7919 % 2147483648"
q="FROM generate_series(1,3000000)"
set -- $(bench_pair_ms "sqlite_frugal 'SELECT length(bitmap_agg($e)) $q'" \
  "sqlite3 :memory: 'SELECT count($e) $q'")
bench_record "bitmap_agg, 3M unordered sparse" "$1" "count(same expression)" \
  "$2" 1.5

# Random keys: a multiplicative hash spreads the values over all 65536
# containers below 2^32 in no order, so each value starts at another
# container, none of them in cache.  There is no target: it is there to
# show the cost (once quadratic in the number of keys, now O(log n) each).
e2="(value*2654435761) % 4294967296"
BENCH_REPS=5
set -- $(bench_pair_ms "sqlite_frugal 'SELECT length(bitmap_agg($e2)) $q'" \
  "sqlite3 :memory: 'SELECT count($e2) $q'")
bench_record "bitmap_agg, 3M random keys" "$1" "count(same expression)" \
  "$2" -

# Repeats: a column of 1000 values, each 3000 times (as user ids in an
# event log); the repeats are counted (for the window function's inverse)
# through a table that adds up each value's first.  No target.
e3="value % 1000"
set -- $(bench_pair_ms "sqlite_frugal 'SELECT length(bitmap_agg($e3)) $q'" \
  "sqlite3 :memory: 'SELECT count($e3) $q'")
bench_record "bitmap_agg, 3M rows of 1000 values" "$1" \
  "count(same expression)" "$2" -

# Memory: the aggregate holds the compressed set (6.2 MB of result here),
# not the rows.
m1=$(bench_rss_kb sqlite_frugal "SELECT length(bitmap_agg($e)) $q")
m0=$(bench_rss_kb sqlite3 :memory: "SELECT count($e) $q")
bench_record "bitmap_agg peak RSS, 3M unordered" "$m1" "count(same expression)" \
  "$m0" - KiB

out=$BENCH_OUT/roaring_bench.txt
if ! dist/bench/roaring_bench > "$out"; then
  cat "$out"
  exit 1
fi
while read -r shape op ours ref; do
  bench_record "engine $op, $shape" "$ours" "CRoaring" "$ref" 2
done < "$out"
