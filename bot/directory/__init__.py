"""The local-help directory: municipalities, postcodes, help services, and the resolver.

Municipalities maintain their own entries with `geldhulp directory export/import`.
"""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
