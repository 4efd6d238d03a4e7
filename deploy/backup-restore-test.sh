#!/usr/bin/env bash
# backup-restore-test.sh NOTESD: proves that a live backup restores.
#
# It runs a notesd server on a fresh SQLite database, writes a user and a
# note through the API, takes "notesd backup" while the server runs (and
# writes a second note during the backup's window), stops the server,
# restores the copy into a new data directory, starts a server on it and
# reads the first note back with the user's password. It talks only to
# 127.0.0.1 and removes what it made. Exit status 0 means it held.
set -euo pipefail

notesd=${1:?usage: backup-restore-test.sh /path/to/notesd}
work=$(mktemp -d)
pid=
cleanup() {
	if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

export NOTESD_SECRET_KEY=backup-restore-test-secret-0123456789abcdef

# start DIR: runs notesd serve on DIR/notesd.db on a free port; sets $pid
# and $url.
start() {
	"$notesd" serve --addr 127.0.0.1:0 --database-url "sqlite:$1/notesd.db" >"$1/stdout" 2>"$1/stderr" &
	pid=$!
	for _ in $(seq 1 600); do
		url=$(sed -n 's#^notesd listening on \(http://[^ ]*\)$#\1#p' "$1/stdout")
		[[ -n $url ]] && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$1/stderr" >&2; echo "notesd exited" >&2; exit 1; }
		sleep 0.1
	done
	echo "notesd did not start" >&2
	exit 1
}

stop() {
	kill -TERM "$pid"
	wait "$pid" || { echo "notesd did not stop cleanly" >&2; exit 1; }
	pid=
}

# token: logs alice in and prints her access token.
token() {
	curl -fsS -X POST "$url/auth/login" --data-urlencode username=alice@example.com \
		--data-urlencode "password=alice's password" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'
}

note() { # note TOKEN TITLE
	curl -fsS -X POST "$url/notes" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
		-d "{\"title\":\"$2\",\"body\":\"kept by the backup\"}" >/dev/null
}

mkdir "$work/live" "$work/restored"
start "$work/live"
curl -fsS -X POST "$url/auth/register" -H 'Content-Type: application/json' \
	-d "{\"email\":\"alice@example.com\",\"password\":\"alice's password\",\"name\":\"Alice\"}" >/dev/null
tok=$(token)
note "$tok" "before the backup"

"$notesd" backup --database-url "sqlite:$work/live/notesd.db" --to "$work/backup.db"
note "$tok" "after the backup" # the server kept writing
stop

[[ $(stat -c %a "$work/backup.db") == 600 ]] || { echo "backup is not mode 600" >&2; exit 1; }

# Restore: the copy becomes the database of a new data directory.
install -m 0600 "$work/backup.db" "$work/restored/notesd.db"
start "$work/restored"
tok=$(token)
notes=$(curl -fsS "$url/notes" -H "Authorization: Bearer $tok")
stop
grep -q '"before the backup"' <<<"$notes" || { echo "restored server lacks the note: $notes" >&2; exit 1; }
if grep -q '"after the backup"' <<<"$notes"; then
	echo "restored server has a note written after the backup: $notes" >&2
	exit 1
fi
echo "backup and restore: ok"
