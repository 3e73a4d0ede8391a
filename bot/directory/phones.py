"""Dutch phone numbers of help services, checked with Google's libphonenumber (`phonenumbers`).

A number is accepted when libphonenumber calls it a valid Dutch number (0800, 0900, 14 0xx, 088,
mobile and area numbers), or when it is one of the national short lines a help entry may name
(112, 113: libphonenumber does not list 113). Only the gateway's environment has `phonenumbers`;
the chat's (Rasa) environment never validates files, so nothing here is imported there.
"""

from __future__ import annotations

import phonenumbers

SHORT_LINES = frozenset({"112", "113"})  # national lines libphonenumber does not (all) know


def problem(text: str) -> str | None:
    """Why ``text`` is not a Dutch phone number (in Dutch), or None when it is one."""
    digits = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    if digits in SHORT_LINES:
        return None
    try:
        number = phonenumbers.parse(text.replace("–", "-"), "NL")
    except phonenumbers.NumberParseException:
        return f"'{text}' is geen telefoonnummer; schrijf bijvoorbeeld 0800-8115 of 050 367 1122"
    if number.country_code != 31:
        return f"'{text}' is geen Nederlands telefoonnummer"
    if not phonenumbers.is_valid_number(number):
        return f"'{text}' is geen geldig Nederlands telefoonnummer (klopt het aantal cijfers?)"
    return None
