"""bench_memo.py - a Python function's cache hits: f_memo vs functools.lru_cache.

    /usr/bin/python3 test/bench/bench_memo.py FRUGAL_LIB ROWS REPS

Registers one Python function with create_function() three times: as f
(memoized with frugal's memoize('f'), so f_memo answers hits in C), as
f_lru (wrapped in functools.lru_cache, the Python user's alternative) and
as f_none, never called.  Runs

    SELECT sum(F(value % 100)) FROM t      -- t holds 1..ROWS

with F = f_memo and F = f_lru, after one warm-up run that fills both caches,
so every timed call is a hit, and the same scan without any function call.
Prints, on one line, the best of REPS runs in milliseconds of each: the
f_memo query, the f_lru query and the bare scan.
"""
import functools
import sqlite3
import sys
import time


def f(x):
    """The function being memoized: cheap, so that a hit is what is timed."""
    return x * 2 + 1


def best_ms(con, sql, reps):
    """The best wall-clock time of reps runs of sql, in milliseconds."""
    best = None
    for _ in range(reps):
        t0 = time.perf_counter()
        con.execute(sql).fetchall()
        t = (time.perf_counter() - t0) * 1000.0
        best = t if best is None or t < best else best
    return best


def main():
    lib, rows, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    con = sqlite3.connect(":memory:")
    con.enable_load_extension(True)
    con.load_extension(lib)
    con.enable_load_extension(False)
    con.create_function("f", 1, f, deterministic=True)
    con.create_function("f_lru", 1, functools.lru_cache(maxsize=None)(f),
                        deterministic=True)
    con.execute("SELECT memoize('f')")
    con.execute("CREATE TABLE t(value INTEGER)")
    con.execute("INSERT INTO t WITH RECURSIVE c(x) AS"
                " (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)"
                " SELECT x FROM c", (rows,))
    q = "SELECT sum(%s(value %% 100)) FROM t"
    memo, lru = q % "f_memo", q % "f_lru"
    if con.execute(memo).fetchall() != con.execute(lru).fetchall():
        sys.exit("bench_memo.py: f_memo and f_lru disagree")
    t_memo = best_ms(con, memo, reps)
    t_lru = best_ms(con, lru, reps)
    t_scan = best_ms(con, "SELECT sum(value % 100) FROM t", reps)
    print("%.1f %.1f %.1f" % (t_memo, t_lru, t_scan))


main()
