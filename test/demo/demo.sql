-- demo.sql - frugal's main job, run by "make demo" in the sqlite3 shell.
.load dist/frugal
.mode box
.print
.print '1. Stream a compressed log lazily: nothing is loaded or imported first.'
SELECT count(*) AS requests, sum(value->>'status' >= 500) AS errors
FROM read_jsonl('dist/demo/access.jsonl.gz');
.print
.print '2. The slowest endpoints, straight from the .gz file.'
SELECT value->>'path' AS endpoint, count(*) AS hits,
       round(avg(value->>'ms'), 1) AS avg_ms, max(value->>'ms') AS max_ms
FROM read_jsonl('dist/demo/access.jsonl.gz')
GROUP BY endpoint ORDER BY avg_ms DESC LIMIT 3;
.print
.print '3. grep, with SQL: the first server errors, with their line numbers.'
SELECT lineno, line ->> 'ts' AS ts, line ->> 'path' AS endpoint
FROM read_lines('dist/demo/access.jsonl.gz')
WHERE line LIKE '%"status":500%' LIMIT 3;
