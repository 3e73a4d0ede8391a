#!/usr/bin/env bash
# `make run` set-up steps: one line of progress per step, the step's own output in a log file.
#   scripts/step.sh "What the step does" var/log/setup-NAME.log command args…
# Prints "✓ What the step does (12 s)" or, when the command fails, the end of its log and exits
# with the command's status.
set -uo pipefail
title=$1 log=$2
shift 2
mkdir -p "$(dirname "$log")"
started=$SECONDS
printf '  %s …' "$title"
if "$@" >"$log" 2>&1; then
  printf '\r  ✓ %s (%d s)\n' "$title" $((SECONDS - started))
else
  status=$?
  printf '\r  ✗ %s failed; the end of %s:\n' "$title" "$log"
  tail -n 30 "$log" | sed 's/^/      /'
  exit "$status"
fi
