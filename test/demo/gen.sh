#!/bin/sh
# gen.sh - the demo's sample data, made once under dist/demo/:
#   access.jsonl.gz  300,000 requests to a web service, gzip-compressed
#                    JSON lines: {"ts", "user", "path", "status", "ms"}
#   users.csv        its 5,000 users: id, plan, country, signup
# Deterministic: the same bytes on every machine (two fixed LCGs, their
# high bits; gzip -n leaves out the time).
set -eu
out=dist/demo
mkdir -p "$out"
if [ ! -s "$out/access.jsonl.gz" ] || [ ! -s "$out/users.csv" ]; then
  awk -v out="$out" 'BEGIN {
    split("/api/orders /api/users /api/search /api/cart /health /api/pay", p, " ")
    split("free free free pro pro team", plan, " ")
    split("de fr us us jp br", cc, " ")
    seed = 7
    useed = 11
    for (i = 0; i < 300000; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648
      r = int(seed / 65536) % 1000
      useed = (useed * 22695477 + 1) % 4294967296
      user = int(useed / 65536) % 5000 + 1
      path = p[r % 6 + 1]
      status = (r < 7 || (user % 97 == 0 && r < 300)) ? 500 : (r < 40 ? 404 : 200)
      ms = (path == "/api/search") ? 80 + r % 400 : 5 + r % 60
      printf "{\"ts\":\"2026-11-01T%02d:%02d:%02d\",\"user\":%d,\"path\":\"%s\",\"status\":%d,\"ms\":%d}\n",
             int(i / 12500), int(i / 208) % 60, i % 60, user, path, status, ms
    }
    print "id,plan,country,signup" > (out "/users.csv")
    for (u = 1; u <= 5000; u++)
      printf "%d,%s,%s,2026-%02d-%02d\n", u, plan[u % 6 + 1], cc[int(u / 7) % 6 + 1],
             u % 10 + 1, u % 28 + 1 > (out "/users.csv")
  }' | gzip -n -6 > "$out/access.jsonl.gz.tmp"
  mv "$out/access.jsonl.gz.tmp" "$out/access.jsonl.gz"
fi
