# bench_read.sh - read_lines against SQLite's per-row floor, a table of the
# same lines, wc -l and zcat, and its memory against the file size.
#
# The file is the 2,000,001-line, 89 MB sales-2000000.csv; the table is a
# SQLite database file holding its lines in t(line TEXT), read warm.
. test/bench/lib.sh

F=$(sh test/bench/gendata.sh sales 2000000)
F1=$(sh test/bench/gendata.sh sales 22500)        # about 1 MB
DB=$(sh test/bench/gendata.sh linesdb 2000000)
GZ=$BENCH_DATA/sales-2000000.csv.gz
[ -s "$GZ" ] || gzip -c "$F" > "$GZ"
cat "$F" "$DB" > /dev/null                        # warm the page cache

t1=$(bench_ms sqlite_frugal "SELECT count(*) FROM read_lines('$F')")
t0=$(bench_ms sqlite3 :memory: "SELECT count(*) FROM generate_series(1,2000001)")
bench_record "read_lines count(*)" "$t1" "generate_series count(*)" "$t0" 1.5

q="SELECT sum(length(line)) FROM"
t1=$(bench_ms sqlite_frugal "$q read_lines('$F')")
t0=$(bench_ms sqlite3 "$DB" "$q t")
bench_record "read_lines sum(length(line))" "$t1" "table t(line)" "$t0" 0.8

q="SELECT count(*) FROM %s WHERE line LIKE '%%comma 99%%'"
t1=$(bench_ms sqlite_frugal "$(printf "$q" "read_lines('$F')")")
t0=$(bench_ms sqlite3 "$DB" "$(printf "$q" t)")
bench_record "read_lines LIKE '%comma 99%'" "$t1" "table t(line)" "$t0" 0.8

t1=$(bench_ms sqlite_frugal "SELECT count(*) FROM read_lines('$F')")
t0=$(bench_ms wc -l "$F")
bench_record "read_lines count(*)" "$t1" "wc -l" "$t0" -

t1=$(bench_ms sqlite_frugal "SELECT count(*) FROM read_lines('$GZ')")
t0=$(bench_ms sh -c "zcat '$GZ' | wc -l")
bench_record "read_lines count(*), gzip" "$t1" "zcat piped to wc -l" "$t0" -

# Peak RSS does not grow with the file: 89 MB against 1 MB plus 1 MiB.
r89=$(bench_rss_kb sqlite_frugal "SELECT sum(length(line)) FROM read_lines('$F')")
r1=$(bench_rss_kb sqlite_frugal "SELECT sum(length(line)) FROM read_lines('$F1')")
bench_record "peak RSS, read_lines 89 MB" "$r89" "1 MB file + 1 MiB" \
  "$((r1 + 1024))" 1.0 KiB
