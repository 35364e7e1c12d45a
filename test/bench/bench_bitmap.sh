# bench_bitmap.sh - bitmap_agg() against count() over the same rows, and
# frugal's Roaring engine against CRoaring (libroaring-dev) in C.
#
# The SQL targets are the issue's: bitmap_agg() over 10,000,000 ascending
# values, and over 3,000,000 unordered, sparse ones (value*7919 % 2^31),
# at most 1.5 times count() of the same expression over the same rows; and,
# to inform, 3,000,000 values over random containers.
# The C targets: AND, OR, ANDNOT and their counts on large bitmaps of each
# shape within 2 times CRoaring, timed in the same process by
# dist/bench/roaring_bench, which also checks that both give the same set
# with serializations of the same size.
. test/bench/lib.sh

q="FROM generate_series(1,10000000)"
t1=$(bench_ms sqlite_frugal "SELECT length(bitmap_agg(value)) $q")
t0=$(bench_ms sqlite3 :memory: "SELECT count(value) $q")
bench_record "bitmap_agg, 10M ascending" "$t1" "count(value)" "$t0" 1.5

e="value*7919 % 2147483648"
q="FROM generate_series(1,3000000)"
t1=$(bench_ms sqlite_frugal "SELECT length(bitmap_agg($e)) $q")
t0=$(bench_ms sqlite3 :memory: "SELECT count($e) $q")
bench_record "bitmap_agg, 3M unordered sparse" "$t1" "count(same expression)" \
  "$t0" 1.5

# Random keys: a multiplicative hash spreads the values over all 65536
# containers below 2^32 in no order, so each value starts at another
# container, none of them in cache.  There is no target: it is there to
# show the cost (once quadratic in the number of keys, now O(log n) each).
e2="(value*2654435761) % 4294967296"
t1=$(bench_ms sqlite_frugal "SELECT length(bitmap_agg($e2)) $q")
t0=$(bench_ms sqlite3 :memory: "SELECT count($e2) $q")
bench_record "bitmap_agg, 3M random keys" "$t1" "count(same expression)" \
  "$t0" -

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
