#!/usr/bin/env bash
# Print the path of a working Python 3.10 (Rasa 3.6 runs only on 3.10), or nothing.
# pyenv shims are on PATH on some machines without 3.10 selected, so every candidate is run once.
candidates=()
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for p in "$root"/versions/3.10.*/bin/python3.10; do [ -x "$p" ] && candidates+=("$p"); done
for p in /usr/bin/python3.10 /usr/local/bin/python3.10 "$(command -v python3.10 2>/dev/null)"; do
  [ -n "$p" ] && [ -x "$p" ] && candidates+=("$p")
done
for p in "${candidates[@]}"; do
  if "$p" -c 'import sys, venv; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then
    echo "$p"; exit 0
  fi
done
exit 1
