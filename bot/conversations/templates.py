"""`geldhulp templates`: the approved WhatsApp template each municipality sends after 24 hours.

Meta approves a template (name, language, body with {{1}}, {{2}} …) for the municipality's
business account; this command records it so the outbox can send it first when a reply comes
after the customer-service window. A template without municipality is the default.

    geldhulp templates set --municipality GM0363 --name geldhulp_nieuw_bericht --language nl \\
        --parameter "Geldhulp Amsterdam" --text "Er is een nieuw bericht voor je van …"
    geldhulp templates list
"""

from __future__ import annotations

import argparse
import asyncio

from sqlalchemy import select

from bot.conversations.tables import WhatsAppTemplate
from bot.settings import load_settings
from bot.storage.db import open_database


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register `templates set` and `templates list`."""
    sub = parser.add_subparsers(dest="action", required=True)
    put = sub.add_parser("set", help="record (or replace) a municipality's approved template")
    put.add_argument("--municipality", default=None, help="CBS code, e.g. GM0363; none: default")
    put.add_argument("--name", required=True, help="the template's name as Meta approved it")
    put.add_argument("--language", default="nl", help="the approved language code (nl, en_US …)")
    put.add_argument(
        "--parameter", action="append", default=[], help="{{1}}, {{2}} … in order (repeat)"
    )
    put.add_argument("--text", required=True, help="the approved text, as residents see it")
    sub.add_parser("list", help="show the recorded templates")


async def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    async with open_database(settings.database_url) as (_engine, factory), factory() as session:
        if args.action == "list":
            for row in (await session.scalars(select(WhatsAppTemplate))).all():
                where = row.municipality_code or "(standaard)"
                print(f"{where}: {row.name} [{row.language}] {len(row.parameters)} parameter(s)")
            return 0
        code = args.municipality
        row = await session.scalar(
            select(WhatsAppTemplate).where(
                WhatsAppTemplate.municipality_code.is_(None)
                if code is None
                else WhatsAppTemplate.municipality_code == code
            )
        )
        if row is None:
            row = WhatsAppTemplate(municipality_code=code)
            session.add(row)
        row.name, row.language = args.name, args.language
        row.parameters, row.body_text = list(args.parameter), args.text
        await session.commit()
    print(f"template {args.name} recorded for {code or 'every municipality without its own'}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the chosen action."""
    return asyncio.run(_run(args))
