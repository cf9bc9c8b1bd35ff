#!/usr/bin/env bash
# Sync the fake GitLab's demo world (the Acme organisation) with the real connector
# binary, then print what the sync found. Usage: make demo, or scripts/demo.sh after
# make build. DEMO_MODE=gitlab.com pretends to be GitLab.com instead of self-managed.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE="${DEMO_MODE:-self-managed}"
OUT="${DEMO_C1Z:-sync.c1z}"
# The fake accepts this token only; it is not a secret (no real GitLab is involved).
DEMO_TOKEN="glpat-demo-0000000000000000"

for b in bin/baton-gitlab bin/gitlab-fake bin/c1z-summary; do
  [ -x "$b" ] || { echo "demo: $b is missing: run make build (or make demo)" >&2; exit 1; }
done

workdir="$(mktemp -d)"
fake_pid=""
cleanup() {
  if [ -n "$fake_pid" ]; then
    kill "$fake_pid" 2>/dev/null || true
    wait "$fake_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

bin/gitlab-fake --addr 127.0.0.1:0 --token "$DEMO_TOKEN" --mode "$MODE" --world demo >"$workdir/fake.log" 2>&1 &
fake_pid=$!

# The fake prints "gitlab-fake: listening on http://127.0.0.1:PORT" once it serves.
url=""
for _ in $(seq 1 200); do
  url="$(sed -n 's/^gitlab-fake: listening on \(http[^ ]*\).*$/\1/p' "$workdir/fake.log" | head -n 1)"
  [ -n "$url" ] && break
  if ! kill -0 "$fake_pid" 2>/dev/null; then
    echo "demo: gitlab-fake exited:" >&2
    cat "$workdir/fake.log" >&2
    exit 1
  fi
  sleep 0.05
done
[ -n "$url" ] || { echo "demo: gitlab-fake did not print its URL" >&2; cat "$workdir/fake.log" >&2; exit 1; }

echo "demo: fake GitLab ($MODE) at $url; syncing into $OUT"
rm -f "$OUT"
# The token goes through the environment rather than the command line (not in ps).
BATON_ACCESS_TOKEN="$DEMO_TOKEN" bin/baton-gitlab \
  --base-url "$url" --deployment "$MODE" -f "$OUT" \
  --log-level warn --log-format console

cleanup
fake_pid=""
trap - EXIT

echo
bin/c1z-summary "$OUT"

echo
bin/c1z-summary credentials "$OUT"
