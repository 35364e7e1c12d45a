#!/bin/sh
# run.sh - "make demo": make the sample data, run the demo job in the
# sqlite3 shell, then profile the same job with memprof.
set -eu
cd "$(dirname "$0")/../.."
sh test/demo/gen.sh
mkdir -p dist/demo
sed '/^\./d' test/demo/demo.sql > dist/demo/job.sql
echo "frugal $(sqlite3 -cmd '.load dist/frugal' :memory: 'SELECT frugal_version()')" \
     "on SQLite $(sqlite3 :memory: 'SELECT sqlite_version()'):" \
     "$(ls -l dist/demo/access.jsonl.gz | awk '{ printf "%.1f MB", $5 / 1e6 }')" \
     "log, gzip-compressed JSON lines, and a CSV file of users"
sqlite3 -bail :memory: < test/demo/demo.sql
echo "5. memprof: the same job again, a row per statement. Streaming keeps SQLite's"
echo "   memory flat; importing the log first (the last statement) is what it avoids."
sqlite3 -bail -cmd ".load dist/frugal" -cmd ".mode box" :memory: "
  SELECT stmt, rows, printf('%.0f', ms) AS ms,
         printf('%,d', mem_peak / 1024) AS peak_kib,
         substr(replace(replace(sql, char(10), ' '), '  ', ' '), 1, 44) AS statement
  FROM memprof(readfile('dist/demo/job.sql'))"
