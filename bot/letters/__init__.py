"""Letters: read a photographed or scanned letter and explain it in plain Dutch.

``read_letter(data, content_type) -> LetterReading`` (bot.letters.read) does OCR and
extraction; ``explain(reading, texts)`` (bot.letters.explain) turns a reading into the chat's
messages. This package uses only the Foundation (settings, texts): never Storage or
Conversations. Nothing happens at import: the OCR models load on first use.
"""
