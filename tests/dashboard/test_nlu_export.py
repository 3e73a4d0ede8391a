"""`geldhulp nlu export`: only reviewed, redacted examples; never personal data; one municipality.

The personal data is stored here as if redaction had missed it when the question was recorded,
so the test proves the export's own second redaction and checks (and via record_unanswered, the
path the router uses). Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import select

from bot.analytics import record_unanswered
from bot.analytics.nlu_export import build, export, looks_personal, training_text
from bot.analytics.review import label_question, mark_missed_crisis
from bot.analytics.tables import UnansweredQuestion
from bot.storage.db import open_database
from bot.yamlfile import parse_yaml
from tests.dashboard.conftest import add_question

ROOT = Path(__file__).resolve().parents[2]
# (text as stored, label) — names, BSN (valid 11-check), IBAN (valid), phone, e-mail inside
PERSONAL = [
    (
        "Hallo, mijn naam is Johan de Vries en mijn BSN is 111222333. Kan ik uitstel krijgen "
        "bij het energiebedrijf?",
        "energy_water",
    ),
    (
        "bel me terug op 06-12345678 of mail naar johan.devries@example.nl over mijn "
        "huurachterstand",
        "rent_housing",
    ),
    ("mijn rekening NL91ABNA0417164300 staat steeds rood wat kan ik doen", "debt_help"),
    ("mijn buurman zet zijn auto steeds voor mijn oprit, ik ben Fatima Yilmaz", "out_of_scope"),
]
CRISIS_TEXT = "ik wil niet meer leven met al die schulden. Groet, Fatima"
NEVER = [
    "111222333",
    "johan",
    "vries",
    "12345678",
    "devries",
    "@",
    "nl91",
    "0417164300",
    "fatima",
    "yilmaz",
]


async def _label(url: str, qid: int, label: str, code: str = "GM0014") -> None:
    async with open_database(url) as (_e, factory), factory() as s:
        if label == "crisis":
            await mark_missed_crisis(s, question_id=qid, codes=[code], actor_id=1)
        else:
            await label_question(s, question_id=qid, label=label, codes=[code], actor_id=1)
        await s.commit()


async def test_export_has_reviewed_examples_only_and_no_personal_data(db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ids = []
    for text, label in PERSONAL:
        qid = await add_question(db_url, text, "GM0014")
        await _label(db_url, qid, label)
        ids.append(qid)
    async with open_database(db_url) as (_e, factory), factory() as s:  # the router's path
        row = await record_unanswered(
            s,
            CRISIS_TEXT,
            municipality_code="GM0014",
            channel="web",
            intent_guess="debt_help",
            confidence=0.4,
        )
        await s.commit()
        crisis_id = row.id
    await _label(db_url, crisis_id, "crisis")
    unreviewed = await add_question(db_url, "ongelezen vraag over de kinderopvangtoeslag", "GM0014")
    duplicate = await add_question(db_url, "ik heb schulden", "GM0014")  # in nlu_data already
    await _label(db_url, duplicate, "debt_help")

    out = tmp_path / "reviewed"
    async with open_database(db_url) as (_e, factory), factory() as s:
        result = await export(s, out_dir=out, day=date(2026, 5, 4))
    assert result.path is not None and result.path == out / "reviewed-2026-05-04.yml"
    text = result.path.read_text(encoding="utf-8")
    lowered = text.lower()
    for secret in NEVER:
        assert secret not in lowered, secret
    assert "kinderopvangtoeslag" not in lowered  # not reviewed: never exported
    assert "2026-05-04" in text
    assert "# Examples per intent: crisis 1, debt_help 1, energy_water 1, out_of_scope 1" in text
    assert "rent_housing 1 (total 5)" in text
    assert "already in the training data 1" in text

    data = parse_yaml(text)
    examples = {item["intent"]: item["examples"] for item in data["nlu"]}
    assert set(examples) == {"energy_water", "rent_housing", "debt_help", "out_of_scope", "crisis"}
    assert "uitstel krijgen bij het energiebedrijf" in examples["energy_water"]
    assert "<naam>" in examples["energy_water"] and "<bsn>" in examples["energy_water"]
    assert "<telefoon>" in examples["rent_housing"] and "<e-mail>" in examples["rent_housing"]
    assert "<iban>" in examples["debt_help"]
    assert "niet meer leven met al die schulden" in examples["crisis"]
    assert "[" not in text.split("nlu:", 1)[1]  # nothing Rasa could read as entity markup

    async with open_database(db_url) as (_e, factory), factory() as s:
        stamped = {q.id: q.exported_at for q in (await s.scalars(select(UnansweredQuestion)))}
    assert all(stamped[i] is not None for i in [*ids, crisis_id, duplicate])
    assert stamped[unreviewed] is None

    # nothing new: no second file; a relabel is exported again
    async with open_database(db_url) as (_e, factory), factory() as s:
        again = await export(s, out_dir=out, day=date(2026, 5, 4))
    assert again.path is None and again.total == 0
    await _label(db_url, ids[2], "payment_arrears")
    async with open_database(db_url) as (_e, factory), factory() as s:
        relabel = await export(s, out_dir=out, day=date(2026, 5, 4))
    assert relabel.path == out / "reviewed-2026-05-04-2.yml"
    assert list(relabel.examples) == ["payment_arrears"]


async def test_cli_exports_one_municipality_only(db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    mine = await add_question(db_url, "hoe vraag ik de bijzondere bijstand aan groningen", "GM0014")
    other = await add_question(db_url, "almere wil weten hoe de toeslag werkt", "GM0034")
    await _label(db_url, mine, "income_support")
    await _label(db_url, other, "benefits_toeslagen", code="GM0034")
    out = tmp_path / "reviewed"
    env = {**os.environ, "GELDHULP_DATABASE_URL": db_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot", "nlu", "export", "--out", str(out), "--gemeente", "GM0014"),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    raw_out, raw_err = await asyncio.wait_for(proc.communicate(), timeout=300)
    stdout, stderr = raw_out.decode(), raw_err.decode()
    assert proc.returncode == 0, stderr
    assert "wrote 1 examples" in stdout and "income_support: 1" in stdout
    assert "bijstand" not in stdout + stderr  # the terminal gets counts, not text
    (path,) = out.glob("*.yml")
    body = path.read_text(encoding="utf-8")
    assert "bijzondere bijstand" in body and "almere" not in body
    async with open_database(db_url) as (_e, factory), factory() as s:
        left = await s.get(UnansweredQuestion, other)
    assert left is not None and left.exported_at is None


def test_examples_that_still_look_personal_or_conflict_are_left_out(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The export's own checks, with redaction switched off (as if it had missed everything)."""
    import bot.privacy.redact

    monkeypatch.setattr(bot.privacy.redact, "redact", lambda text: text)

    def q(i: int, text: str, label: str) -> UnansweredQuestion:
        return UnansweredQuestion(id=i, text_redacted=text, review_label=label)

    result = build(
        [
            q(1, "mijn dossiernummer is 12-34-56-78", "debt_collector"),
            q(8, "mail me op iemand@voorbeeld.nl", "debt_help"),
            q(9, "rekening nl91 abna 0417 1643 00", "debt_help"),
            q(10, "ik heb schulden", "debt_help"),
            q(11, "ik heb schulden!", "rent_housing"),
            q(2, "[naam] [telefoon]", "debt_help"),
            q(3, "kan ik de huur later betalen", "rent_housing"),
            q(4, "Kan ik de huur later betalen?", "payment_arrears"),
            q(5, "wat is een [beslagvrije voet](entity)", "debt_collector"),
            q(6, "wat doet een bewindvoerder", "budgeting_admin"),
            q(7, "wat doet een bewindvoerder", "budgeting_admin"),
        ],
        known={"ik heb schulden": {"debt_help"}},
        intents={
            "debt_collector",
            "debt_help",
            "rent_housing",
            "payment_arrears",
            "budgeting_admin",
        },
    )
    assert result.skipped == {
        "still looks personal": 3,
        "already in the training data": 1,
        "in the training data with another intent": 1,
        "nothing left after redaction": 1,
        "reviews disagree": 2,
        "same example again": 1,
    }
    assert result.examples == {
        "budgeting_admin": ["wat doet een bewindvoerder"],
        "debt_collector": ["wat is een (beslagvrije voet)(entity)"],
    }
    assert 10 in result.exported_ids and 11 not in result.exported_ids
    assert training_text("a\nb\tc\x00d [naam]") == "a b c d <naam>"
    assert looks_personal("mail jan@x.nl") and not looks_personal("postcode 9711 en 3 kinderen")
