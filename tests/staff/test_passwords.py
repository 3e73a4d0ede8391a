"""Password hashes keep their work factor: today's N for production, old hashes still check,
and a smaller N only where GELDHULP_ENV is development or test (the suite's speed)."""

from __future__ import annotations

import hashlib

import pytest

from bot.staff import passwords
from bot.staff.passwords import COST, TEST_COST_ENV, dummy_hash, hash_password, verify_password


def test_production_hashes_at_full_cost_whatever_the_variable_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GELDHULP_ENV", "production")
    monkeypatch.setenv(TEST_COST_ENV, "16")
    stored = hash_password("lang-genoeg-wachtwoord")
    assert stored.split("$")[1] == str(COST) == "16384"
    assert dummy_hash().split("$")[1] == "16384"
    assert verify_password("lang-genoeg-wachtwoord", stored)
    assert not verify_password("lang-genoeg-wachtwoord!", stored)


def test_a_test_machine_may_ask_for_a_smaller_factor_and_the_hash_keeps_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GELDHULP_ENV", "test")
    monkeypatch.setenv(TEST_COST_ENV, "16")
    stored = hash_password("geheim")
    assert stored.split("$")[1] == "16"
    monkeypatch.setenv(TEST_COST_ENV, "")  # checked with its own factor, not today's
    assert passwords.cost() == COST
    assert verify_password("geheim", stored)
    assert not verify_password("geheim2", stored)


def test_a_hash_from_before_the_factor_was_stored_still_checks() -> None:
    salt = bytes(range(16))
    digest = hashlib.scrypt(b"oud-wachtwoord", salt=salt, n=2**14, r=8, p=1, dklen=32)
    legacy = f"scrypt${salt.hex()}${digest.hex()}"
    assert verify_password("oud-wachtwoord", legacy)
    assert not verify_password("ander-wachtwoord", legacy)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "scrypt$00$00",
        "scrypt$zz$00$00",
        "scrypt$1000$00$00",  # not a power of two
        f"scrypt${2**20}$00$00",  # above today's factor: refused, not computed
        "disabled$" + "ab" * 16 + "$" + "0" * 64,
    ],
)
def test_a_malformed_or_disabled_hash_never_matches(stored: str) -> None:
    assert not verify_password("", stored)
    assert not verify_password("wachtwoord", stored)


def test_a_hash_below_todays_factor_needs_a_new_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GELDHULP_ENV", "test")
    monkeypatch.setenv(TEST_COST_ENV, "16")
    weak = hash_password("geheim")
    assert not passwords.needs_rehash(weak)  # today's factor on this machine
    monkeypatch.setenv("GELDHULP_ENV", "production")
    assert passwords.needs_rehash(weak)
    assert not passwords.needs_rehash(hash_password("geheim"))
    assert passwords.needs_rehash("scrypt$" + "ab" * 16 + "$" + "cd" * 32)  # before the factor
    assert not passwords.needs_rehash("disabled$" + "ab" * 16 + "$" + "0" * 64)


@pytest.mark.parametrize("asked", ["1000", "0", "1", "65536", "abc", "-16"])
def test_an_unusable_test_factor_falls_back_to_the_full_one(
    monkeypatch: pytest.MonkeyPatch, asked: str
) -> None:
    monkeypatch.setenv("GELDHULP_ENV", "test")
    monkeypatch.setenv(TEST_COST_ENV, asked)
    assert passwords.cost() == COST
    assert verify_password("x", hash_password("x"))
