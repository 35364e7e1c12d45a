-- demo.sql - frugal's main job, run by "make demo" in the sqlite3 shell.
-- The lines that start with a dot are the shell's; the rest is the job
-- that run.sh then profiles with memprof.
.load dist/frugal
.mode box
.print '1. A gzip log of 300,000 requests, queried where it lies: nothing is imported.'
SELECT count(*) AS requests, sum(value->>'status' >= 500) AS errors,
       round(avg(value->>'ms'), 1) AS avg_ms
FROM read_jsonl('dist/demo/access.jsonl.gz');
.print '2. Joined with a CSV file of 5,000 users, read with typed columns.'
CREATE VIRTUAL TABLE temp.users USING csv_file(filename='dist/demo/users.csv', header=yes);
WITH u AS MATERIALIZED (SELECT id, plan FROM users)
SELECT u.plan, count(*) AS requests, sum(l.value->>'status' >= 500) AS errors
FROM read_jsonl('dist/demo/access.jsonl.gz') AS l JOIN u ON u.id = l.value->>'user'
GROUP BY u.plan ORDER BY errors DESC;
.print '3. Yes/no columns as Roaring bitmaps of user ids, combined without expanding them.'
CREATE TEMP TABLE segments AS
  SELECT 'saw an error' AS segment,
         bitmap_agg(value->>'user') FILTER (WHERE value->>'status' >= 500) AS users
  FROM read_jsonl('dist/demo/access.jsonl.gz')
  UNION ALL
  SELECT 'team plan', bitmap_agg(id) FILTER (WHERE plan = 'team') FROM users;
SELECT segment, bitmap_count(users) AS users, length(users) AS bytes FROM segments
UNION ALL
SELECT 'team plan AND saw an error', bitmap_and_count(a.users, b.users),
       length(bitmap_and(a.users, b.users))
FROM segments a, segments b
WHERE a.segment = 'team plan' AND b.segment = 'saw an error';
.print '4. memoize: a function called 300,000 times on 6 distinct values runs 6 times.'
.output /dev/null
SELECT memoize('upper', 1000);
.output stdout
CREATE TEMP TABLE endpoints AS
  SELECT DISTINCT upper_memo(value->>'path') AS endpoint
  FROM read_jsonl('dist/demo/access.jsonl.gz');
SELECT name, hits, misses, entries, bytes, max_bytes FROM memo_stats;
-- For contrast: importing the log into the (in-memory) database first.
CREATE TABLE imported AS SELECT value FROM read_jsonl('dist/demo/access.jsonl.gz');
