"""Rasa's command line with the fast YAML reader: ``python -m rasa_addons.rasa_main <arguments>``.

Every Rasa we start goes through this (make train, validate and test, `geldhulp run`, the test
stack, the benchmarks' Geldhulp Rasa): the same ``rasa`` command, with ``fast_yaml.install()``
first, so reading the domain no longer takes most of a start (rasa_addons/fast_yaml.py). The
benchmarks' stock Rasa bot keeps Rasa's own ``rasa`` command. It also sets the OpenMP spinning
the sentence model needs and one BLAS thread before any library is loaded, and turns Rasa's
telemetry off.
"""

from __future__ import annotations

from collections.abc import MutableMapping

TELEMETRY_VARIABLE = "RASA_TELEMETRY_ENABLED"
BLAS_THREADS_VARIABLE = "OPENBLAS_NUM_THREADS"


def prepare(environ: MutableMapping[str, str]) -> None:
    """Put the settings every Rasa we start needs into ``environ``, before any library loads."""
    # numpy's OpenBLAS would start a thread per core for the small products of a parse (the
    # linear models, the neighbours' vote) and leave each spinning after the product: twice a
    # parse's CPU for no shorter wait (docs/nlu.md, "Parse time"). OpenBLAS reads it once,
    # when numpy loads, so before the import of sentence_model (which imports numpy).
    environ.setdefault(BLAS_THREADS_VARIABLE, "1")
    from rasa_addons import sentence_model

    # before anything loads an OpenMP runtime: e5 then encodes a message on two threads that
    # do not spin the machine's cores away (rasa_addons/sentence_model.py, SPIN_COUNT)
    sentence_model.spin_little(environ)
    # Rasa's telemetry (usage events to Segment, error reports to Sentry) would be on by default
    # once Rasa wrote ~/.config/rasa/global.yml: nothing about residents' conversations leaves
    # the municipality's machine, so it is off unless an operator turns it on explicitly
    environ.setdefault(TELEMETRY_VARIABLE, "false")


def main() -> None:
    import os

    prepare(os.environ)
    from rasa_addons import fast_yaml

    fast_yaml.install()
    from rasa.__main__ import main as rasa_command_line

    rasa_command_line()


if __name__ == "__main__":
    main()
