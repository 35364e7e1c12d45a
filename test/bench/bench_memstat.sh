#!/bin/sh
# bench_memstat.sh - memprof(): what profiling a batch job costs.
#
#   make bench BENCH=memstat
#
# A 20-statement job (tables of 400,000 and 5,000 rows made with
# generate_series, indexes, joins, GROUP BY, a window function, UPDATE,
# DELETE, CREATE TABLE AS, ANALYZE) on an in-memory database, run by the
# sqlite3 shell two ways, frugal loaded in both:
#   .read job.sql                                     the baseline
#   SELECT * FROM memprof(readfile('job.sql'))        profiled
# Target: at most 1.05x the time of .read.  A second job of 20,001
# one-row INSERTs measures the cost per statement, with the same target.
set -eu
. test/bench/lib.sh

job=$BENCH_DATA/memstat_job.sql
cat > "$job" <<'SQL'
CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INT, amount REAL, day INT);
INSERT INTO orders SELECT value, value % 5000, (value * 7919) % 1000 / 10.0,
  value % 365 FROM generate_series(1, 400000);
CREATE TABLE customers(id INTEGER PRIMARY KEY, region TEXT);
INSERT INTO customers SELECT value, 'r' || (value % 20)
  FROM generate_series(0, 4999);
CREATE INDEX orders_customer ON orders(customer);
SELECT count(*), sum(amount) FROM orders;
SELECT region, sum(amount) FROM orders JOIN customers
  ON customers.id = orders.customer GROUP BY region ORDER BY 2 DESC LIMIT 5;
SELECT day, count(*) FROM orders GROUP BY day ORDER BY 2 DESC LIMIT 3;
UPDATE orders SET amount = amount * 1.1 WHERE day % 7 = 0;
DELETE FROM orders WHERE amount < 1;
CREATE TABLE daily AS SELECT day, sum(amount) AS total FROM orders GROUP BY day;
SELECT max(total), min(total) FROM daily;
SELECT customer, count(DISTINCT day) FROM orders GROUP BY customer
  ORDER BY 2 DESC LIMIT 3;
CREATE INDEX orders_day ON orders(day, amount);
SELECT sum(amount) FROM orders WHERE day BETWEEN 100 AND 200;
WITH ranked AS (SELECT customer, amount, row_number() OVER
  (PARTITION BY customer ORDER BY amount DESC) AS rn FROM orders)
SELECT count(*) FROM ranked WHERE rn = 1;
INSERT INTO daily SELECT day + 365, total FROM daily;
SELECT count(*) FROM orders WHERE customer IN
  (SELECT id FROM customers WHERE region = 'r7');
SELECT group_concat(region) FROM
  (SELECT DISTINCT region FROM customers ORDER BY region);
ANALYZE;
SQL

n=$(sqlite_frugal "SELECT count(*) FROM memprof(readfile('$job'))")
[ "$n" = 20 ] || { echo "the job has $n statements, not 20"; exit 1; }

t_read=$(bench_ms sqlite_frugal ".read $job")
t_prof=$(bench_ms sqlite_frugal "SELECT * FROM memprof(readfile('$job'))")
bench_record "memprof, 20-statement job" "$t_prof" ".read" "$t_read" 1.05

# Many small statements: memprof's cost per statement, and none that grows
# with the script (each statement is prepared from the script in place,
# not from a copy of the rest of it).
small=$BENCH_DATA/memstat_small.sql
awk 'BEGIN {
  print "CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT);"
  for (i = 1; i <= 20000; i++)
    printf "INSERT INTO kv VALUES (%d, \x27value %d\x27);\n", i, i
}' > "$small"
n=$(sqlite_frugal "SELECT count(*) FROM memprof(readfile('$small'))")
[ "$n" = 20001 ] || { echo "the small job has $n statements, not 20001"; exit 1; }
t_read=$(bench_ms sqlite_frugal ".read $small")
t_prof=$(bench_ms sqlite_frugal "SELECT count(*) FROM memprof(readfile('$small'))")
bench_record "memprof, 20,001 one-row INSERTs" "$t_prof" ".read" "$t_read" 1.05
