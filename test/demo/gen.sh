#!/bin/sh
# gen.sh - the demo's sample data, made once under dist/demo/:
#   access.jsonl.gz  300,000 requests of a web service, gzip-compressed
# Deterministic: the same bytes on every machine.
set -eu
out=dist/demo
mkdir -p "$out"
if [ ! -s "$out/access.jsonl.gz" ]; then
  awk 'BEGIN {
    split("/api/orders /api/users /api/search /api/cart /health /api/pay", p, " ")
    split("ann bob cy dee eve fay gus hal", u, " ")
    seed = 7
    for (i = 0; i < 300000; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648
      r = int(seed / 65536) % 1000
      path = p[r % 6 + 1]
      status = (r < 7) ? 500 : (r < 40 ? 404 : 200)
      ms = (path == "/api/search") ? 80 + r % 400 : 5 + r % 60
      printf "{\"ts\":\"2026-11-01T%02d:%02d:%02d\",\"user\":\"%s\",\"path\":\"%s\",\"status\":%d,\"ms\":%d}\n",
             int(i / 12500), int(i / 208) % 60, i % 60, u[r % 8 + 1], path, status, ms
    }
  }' | gzip -n -6 > "$out/access.jsonl.gz.tmp"
  mv "$out/access.jsonl.gz.tmp" "$out/access.jsonl.gz"
fi
