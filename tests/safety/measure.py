"""Moved to rasa_addons/safety/measure.py (benchmarks must not import tests); kept for callers."""

from rasa_addons.safety.measure import (
    CrisisSet,
    Report,
    format_report,
    load_set,
    measure,
    measure_parse,
    verdict_of_parse,
)

__all__ = [
    "CrisisSet",
    "Report",
    "format_report",
    "load_set",
    "measure",
    "measure_parse",
    "verdict_of_parse",
]
