"""Ctrl-C stops every process `geldhulp run` started, also when its output is piped and the
reader is gone (`make run | tee x`: Ctrl-C ends `tee` first, so the run cannot print)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path

import pytest

from tests.support.run_process import alive, start_run


@pytest.mark.rasa
async def test_ctrl_c_with_the_output_piped_leaves_no_process(
    sqlite_url: str, tmp_path: Path
) -> None:
    run = start_run(tmp_path, sqlite_url)
    children: dict[int, int] = {}
    try:
        await asyncio.to_thread(run.wait_until_running)
        children = run.children()
        # Rasa, the action server (and its Sanic worker) and the gateway
        assert len({group for group in children.values()}) >= 3, children
        assert run.proc.stdout is not None
        run.proc.stdout.close()  # `tee` is gone: every print of the run now fails
        run.interrupt()
        async with asyncio.timeout(120):
            while run.proc.poll() is None or any(alive(pid) for pid in children):
                await asyncio.sleep(0.1)
    finally:
        for group in {run.proc.pid, *children.values()}:  # whatever is left, so no test leaks it
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
    assert [pid for pid in children if alive(pid)] == []
