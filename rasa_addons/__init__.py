"""Code that runs inside the Rasa process (Python 3.10): custom NLU components and channels.

Modules here import only `rasa` and the standard library.
"""
