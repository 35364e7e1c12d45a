#!/bin/sh
# run.sh - "make demo": make the sample data, run demo.sql in the shell.
set -eu
cd "$(dirname "$0")/../.."
sh test/demo/gen.sh
echo "frugal $(sqlite3 -cmd '.load dist/frugal' :memory: 'SELECT frugal_version()')" \
     "on SQLite $(sqlite3 :memory: 'SELECT sqlite_version()'):" \
     "$(ls -l dist/demo/access.jsonl.gz | awk '{ printf "%.1f MB", $5 / 1e6 }')" \
     "of gzip-compressed JSON lines"
sqlite3 -bail :memory: < test/demo/demo.sql
