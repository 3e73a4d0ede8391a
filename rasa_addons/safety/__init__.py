"""The safety layer: crisis rules as data (``rules/``), their engine, and the semantic layer."""
