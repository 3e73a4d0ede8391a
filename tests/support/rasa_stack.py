"""Moved to harness/rasa_stack.py (the benchmarks share it and must not import tests, issue 22).

This name stays only while docs/architecture.md and docs/privacy.md still point here (outside
this change's room); delete it when they name harness/rasa_stack.py.
"""

from harness.rasa_stack import (
    MODEL,
    RASA_BIN,
    RASA_CHANNEL_TOKEN,
    ROOT,
    SHARED_DIR_ENV,
    RasaStack,
    free_port,
    shared_stack,
    start_stack,
    stop_shared,
    wait_http,
)

__all__ = [
    "MODEL",
    "RASA_BIN",
    "RASA_CHANNEL_TOKEN",
    "ROOT",
    "SHARED_DIR_ENV",
    "RasaStack",
    "free_port",
    "shared_stack",
    "start_stack",
    "stop_shared",
    "wait_http",
]
