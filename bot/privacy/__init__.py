"""Privacy helpers: pseudonyms for analytics and logs, redaction of personal data."""
