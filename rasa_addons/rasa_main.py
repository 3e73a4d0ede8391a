"""Rasa's command line with the fast YAML reader: ``python -m rasa_addons.rasa_main <arguments>``.

Every Rasa we start goes through this (make train, validate and test, `geldhulp run`, the test
stack, the benchmarks' Geldhulp Rasa): the same ``rasa`` command, with ``fast_yaml.install()``
first, so reading the domain no longer takes most of a start (rasa_addons/fast_yaml.py). The
benchmarks' stock Rasa bot keeps Rasa's own ``rasa`` command.
"""

from __future__ import annotations


def main() -> None:
    from rasa_addons import fast_yaml

    fast_yaml.install()
    from rasa.__main__ import main as rasa_command_line

    rasa_command_line()


if __name__ == "__main__":
    main()
