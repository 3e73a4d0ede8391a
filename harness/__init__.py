"""What the tests and the benchmarks (scripts/) share to run the real thing on loopback.

The Rasa stack (trained model and action server), gateway processes, fresh migrated databases on
both backends and the fake Telegram Bot API. Tests import it and so do `make bench`, `make soak`
and `make bench-nlu`, which must not import `tests` (issue 22). Production code (`bot`,
`actions`, `rasa_addons`) never imports it (a contract in pyproject.toml).
"""
