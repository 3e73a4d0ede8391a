"""The audit log is a hash chain: concurrent writers keep it intact; an edited, deleted or cut-off
entry is found by `geldhulp audit verify` (the real command, exit code 1; as a process in one
test, its entry point in this process in the others: tests/support/cli.py)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import select

from bot.staff import StaffUser, audit
from bot.staff.audit import verify_chain
from bot.staff.tables import AuditEntry
from bot.storage import migrate
from bot.storage.db import open_database
from harness.databases import fresh_database
from tests.support.cli import run_here

ROOT = Path(__file__).resolve().parents[2]


def cli_verify(url: str, *extra: str, own_process: bool = False) -> tuple[int, str]:
    """`geldhulp audit verify`: in a process of its own, or its entry point in this one."""
    argv = ["audit", "verify", "--url", url, *extra]
    if not own_process:
        ran = run_here(argv)
        return ran.code, ran.out + ran.err
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


async def _staff(factory) -> int:  # type: ignore[no-untyped-def]
    async with factory() as s:
        user = StaffUser(email="kim@test.nl", name="Kim", role="counsellor", password_hash="x")
        s.add(user)
        await s.commit()
        return user.id


async def _write_entries(factory, staff_id: int, n: int) -> None:  # type: ignore[no-untyped-def]
    """``n`` transactions at the same time, each with an action and its audit entry."""

    async def one(i: int) -> None:
        async with factory() as s:
            audit(
                s,
                actor_id=staff_id,
                action="opened" if i % 2 else "reply",
                conversation_id=f"conv-{i}",
                origin="127.0.0.1",
            )
            if i % 3 == 0:  # some transactions record two entries
                audit(s, actor_id=staff_id, action="note", object_ref=f"note:{i}", result="ok")
            await s.commit()

    await asyncio.gather(*(one(i) for i in range(n)))


async def test_concurrent_writers_keep_one_intact_chain(db_url: str) -> None:
    async with open_database(db_url) as (_e, factory):
        staff_id = await _staff(factory)
        await _write_entries(factory, staff_id, 24)
        async with factory() as s:
            report = await verify_chain(s)
            rows = (await s.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert report.ok, report
    assert report.entries == 24 + 8 == len(rows)
    assert all(r.hash and r.prev_hash for r in rows)
    assert {r.origin for r in rows} == {"127.0.0.1", None}
    code, out = cli_verify(db_url)
    assert code == 0 and f"{report.entries} entries, head {report.head}" in out, out


async def test_an_edited_entry_is_detected(db_url: str) -> None:
    async with open_database(db_url) as (engine, factory):
        staff_id = await _staff(factory)
        await _write_entries(factory, staff_id, 6)
        async with factory() as s:
            third = (await s.scalars(select(AuditEntry.id).order_by(AuditEntry.id))).all()[2]
        async with engine.begin() as conn:  # someone with database access hides what they did
            await conn.execute(
                sa.text(
                    "UPDATE audit_log SET action = 'opened', conversation_id = 'x' WHERE id = :i"
                ),
                {"i": third},
            )
        async with factory() as s:
            report = await verify_chain(s)
    assert not report.ok and report.first_bad_id == third
    code, out = cli_verify(db_url, own_process=True)  # as an operator runs it
    assert code == 1 and f"entry {third} was changed" in out, out


async def test_a_deleted_entry_is_detected(db_url: str) -> None:
    async with open_database(db_url) as (engine, factory):
        staff_id = await _staff(factory)
        await _write_entries(factory, staff_id, 6)
        async with factory() as s:
            ids = (await s.scalars(select(AuditEntry.id).order_by(AuditEntry.id))).all()
        async with engine.begin() as conn:
            await conn.execute(sa.text("DELETE FROM audit_log WHERE id = :i"), {"i": ids[3]})
    code, out = cli_verify(db_url)
    assert code == 1 and f"an entry before {ids[4]} was deleted or changed" in out, out


async def test_cutting_off_the_end_is_detected_with_a_noted_head(db_url: str) -> None:
    async with open_database(db_url) as (engine, factory):
        staff_id = await _staff(factory)
        await _write_entries(factory, staff_id, 4)
        async with factory() as s:
            noted = (await verify_chain(s)).head
            last = max((await s.scalars(select(AuditEntry.id))).all())
        async with engine.begin() as conn:
            await conn.execute(sa.text("DELETE FROM audit_log WHERE id = :i"), {"i": last})
    code, out = cli_verify(db_url)
    assert code == 0  # without a noted head, a cut-off end looks like a shorter log
    code, out = cli_verify(db_url, "--head", noted)
    assert code == 1 and "noted head is not in the chain" in out, out


def test_the_migration_chains_entries_written_before_it(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path, migrated=False) as url:
        migrate.upgrade(url, "staff_0001")
        sync_url = url.replace("+aiosqlite", "")
        engine = sa.create_engine(sync_url)
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO staff_users (email, name, role, password_hash, failed_logins,"
                    " presence, max_chats, demo) VALUES ('a@b.nl', 'A', 'admin', 'x', 0,"
                    " 'offline', 3, 0)"
                )
            )
            for i in range(3):
                conn.execute(
                    sa.text(
                        "INSERT INTO audit_log (staff_id, conversation_id, action, at)"
                        " VALUES (1, :c, 'opened', :at)"
                    ),
                    {"c": f"conv-{i}", "at": f"2026-11-0{i + 1} 10:00:00.000000"},
                )
        engine.dispose()
        migrate.upgrade(url)
        code, out = cli_verify(url)
        assert code == 0 and "3 entries" in out, out
