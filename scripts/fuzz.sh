#!/bin/sh
# scripts/fuzz.sh FUZZTIME PACKAGE...: fuzz every Fuzz target of each package for FUZZTIME
# (`make test` a few seconds each, `make fuzz` longer).
#
# Each package's test binary is built once with the fuzzing instrumentation
# (go test -c -fuzz) and run once per target: `go test -fuzz` would link it again for
# every target. The corpus cache is go test's own ($GOCACHE/fuzz/<import path>), so
# `make fuzz` starts from what earlier runs found; a failing input is written to the
# package's testdata/fuzz/<FuzzName>/ (commit it: it becomes a seed).
set -eu
fuzztime=$1
shift
go=${GO:-go}
cache="$($go env GOCACHE)/fuzz"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

for pkg in "$@"; do
	for dir in $($go list -f '{{.Dir}}' "$pkg"); do
		grep -qs '^func Fuzz' "$dir"/*_test.go || continue
		ip=$(cd "$dir" && $go list -f '{{.ImportPath}}' .)
		bin="$tmp/$(echo "$ip" | tr / _).test"
		first=$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | head -n 1 | sed 's/^func //')
		(cd "$dir" && $go test -c -o "$bin" -fuzz "^$first\$" .)
		for target in $("$bin" -test.list '^Fuzz'); do
			echo "fuzz: $ip $target for $fuzztime"
			if ! (cd "$dir" && "$bin" -test.run '^$' -test.fuzz "^$target\$" -test.fuzztime "$fuzztime" \
				-test.fuzzcachedir "$cache/$ip") >"$tmp/out" 2>&1; then
				cat "$tmp/out"
				echo "fuzz: $ip $target FAILED; the failing input is in $dir/testdata/fuzz/$target/" >&2
				exit 1
			fi
		done
	done
done
