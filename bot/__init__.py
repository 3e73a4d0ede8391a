"""Geldhulp: gateway, directory, console and dashboard around the Rasa assistant."""

__version__ = "0.1.0"
