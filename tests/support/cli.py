"""`python -m bot …` without a process: the entry point (`bot.cli.main`) in a thread of this one.

A process per command cost about 1 s of CPU (the imports); the tests that are about the command
as an operator runs it keep a real process. Here the command sees the given ``GELDHULP_*``
variables (and none of the caller's), its stdout and stderr are captured, and what it changes in
the process (the environment, the logging set-up of ``bot.cli.configure_logging``) is put back.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from bot.cli import QUIET_LOGGERS, main

# one command at a time: they change the process's environment and sys.stdout
_ONE_AT_A_TIME = threading.Lock()


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def run_here(argv: list[str], env: Mapping[str, str] | None = None) -> Ran:
    """Run ``bot.cli.main(argv)`` in a new thread (it starts its own event loop, so this works
    from a coroutine too) with ``env`` as its ``GELDHULP_*`` variables (by default this
    process's own, as a child process would inherit them); wait for it."""
    if env is None:
        env = {k: v for k, v in os.environ.items() if k.startswith("GELDHULP_")}
    done: list[Ran] = []
    failed: list[BaseException] = []

    def work() -> None:
        try:
            done.append(_run(argv, env))
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            failed.append(error)

    with _ONE_AT_A_TIME:
        thread = threading.Thread(target=work, name="geldhulp-cli")
        thread.start()
        thread.join()
    if failed:
        raise failed[0]
    return done[0]


def _run(argv: list[str], env: Mapping[str, str]) -> Ran:
    saved = {k: v for k, v in os.environ.items() if k.startswith("GELDHULP_")}
    root = logging.getLogger()
    factory, handlers = logging.getLogRecordFactory(), list(root.handlers)
    filters = {h: list(h.filters) for h in [*handlers, logging.lastResort] if h is not None}
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    out, err = io.StringIO(), io.StringIO()
    for key in saved:
        del os.environ[key]
    os.environ.update(env)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as stop:  # argparse's refusals
                code = stop.code if isinstance(stop.code, int) else 1
    finally:
        for key in env:
            os.environ.pop(key, None)
        os.environ.update(saved)
        logging.setLogRecordFactory(factory)
        root.handlers[:] = handlers
        for handler, kept in filters.items():
            handler.filters[:] = kept
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    return Ran(code, out.getvalue(), err.getvalue())
