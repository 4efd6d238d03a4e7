#!/usr/bin/env bash
# Measures the lesson's FastAPI app (app.py) the way notesbench measures
# notesd: the server pinned to CPU 0, wrk -t1 -c32 pinned to CPU 1, on
# 127.0.0.1, ROUNDS alternating rounds of DURATION for GET /notes/{id}
# and GET /me (bearer) and GET /data (X-API-Key), 64 users; prints each
# round and the medians. Fails on any non-2xx answer or socket error.
#
# Needs wrk, taskset and Debian's python3-fastapi, python3-uvicorn,
# python3-jose and python3-sqlalchemy. Stops the server it started.
#
#   ROUNDS=3 DURATION=10s cmd/notesbench/fastapi/bench.sh
set -euo pipefail

rounds=${ROUNDS:-3}
duration=${DURATION:-10s}
port=${PORT:-18090}
python=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
server=
cleanup() {
	if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

export LESSON_SECRET_KEY=$("$python" -c 'import secrets; print(secrets.token_urlsafe(32))')
export LESSON_DB=$work/app.db PYTHONDONTWRITEBYTECODE=1
cd "$here"
"$python" app.py seed 64 > "$work/seed.txt"

# One Lua script per route: each request in turn, one per seeded user.
lua() { # route, then lines of "path header value"
	{
		echo 'local list = {'
		while read -r path header value; do echo "  {\"$path\", \"$header\", \"$value\"},"; done
		echo '}'
		echo 'local i = 0'
		echo 'request = function()'
		echo '  i = i % #list + 1'
		echo '  local r = list[i]'
		echo '  return wrk.format("GET", r[1], {[r[2]] = r[3]})'
		echo 'end'
	} > "$work/$1.lua"
}
awk '{print "/notes/" $2, "Authorization", "Bearer " $1}' "$work/seed.txt" | lua notes
awk '{print "/me", "Authorization", "Bearer " $1}' "$work/seed.txt" | lua me
awk '{print "/data", "X-API-Key", $3}' "$work/seed.txt" | lua data

nice -n -10 taskset -c 0 "$python" -m uvicorn app:app --host 127.0.0.1 --port "$port" --workers 1 --no-access-log \
	> "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
	curl -fs -o /dev/null "http://127.0.0.1:$port/docs" && break
	sleep 0.1
done

load() { # route, duration: prints "req/s p99"
	out=$(nice -n -10 taskset -c 1 wrk -t1 -c32 -d"$2" --latency -s "$work/$1.lua" "http://127.0.0.1:$port" 2>&1)
	if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
		echo "$1: errors:" >&2
		echo "$out" >&2
		exit 1
	fi
	rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	echo "$rps $p99"
}

for route in notes me data; do load "$route" 1s > /dev/null; done # warm-up
for r in $(seq "$rounds"); do
	for route in notes me data; do
		res=$(load "$route" "$duration")
		echo "round $r/$rounds $route $res"
		echo "$route $res" >> "$work/results.txt"
	done
done
echo "medians (req/s, p99 of that round):"
for route in notes me data; do
	grep "^$route " "$work/results.txt" | sort -k2 -n | awk -v n="$rounds" '{a[NR]=$0} END {print a[int((n+1)/2)]}'
done
