-- nightly.sql - a small nightly job, for the cookbook's profiling recipe.
CREATE TABLE IF NOT EXISTS daily(day TEXT PRIMARY KEY, requests INTEGER, errors INTEGER);
INSERT OR REPLACE INTO daily
  SELECT substr(line, 1, 10), count(*), sum(line LIKE '% ERROR %')
  FROM read_lines('test/data/logs/*.log.gz') GROUP BY 1;
INSERT OR REPLACE INTO daily
  SELECT substr(line, 1, 10), count(*), sum(line LIKE '% ERROR %')
  FROM read_lines('test/data/app.log') GROUP BY 1;
SELECT day, requests, errors FROM daily ORDER BY day;
