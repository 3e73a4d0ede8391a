"""Custom actions for the Geldhulp assistant (served by rasa-sdk, one module per feature).

Actions never hold resident texts: they name domain responses and fill in values.
"""
