#!/usr/bin/env bash
# `make test` steps: run a command, then print its wall time ("⏱ what: 123 s").
#   scripts/timed.sh "what" command args…
set -uo pipefail
what=$1
shift
started=$SECONDS
"$@"
status=$?
printf '⏱ %s: %d s%s\n' "$what" $((SECONDS - started)) "$([ $status = 0 ] || echo " (failed, exit $status)")"
exit "$status"
