"""`geldhulp directory import|export`: the reference data, and a municipality's own file."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.directory import repository
from bot.directory.files import (
    DirectoryFileError,
    dump_csv,
    dump_yaml,
    kind_of,
    parse_directory_file,
)
from bot.settings import load_settings
from bot.storage.db import open_database


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the directory sub-commands."""
    parser.add_argument("action", choices=["import", "export"])
    parser.add_argument("--file", type=Path, help="a municipality's YAML or CSV file")
    parser.add_argument("--municipality", help="CBS code, e.g. GM0518")
    parser.add_argument("--format", choices=["yaml", "csv"], default="yaml")
    parser.add_argument("--out", type=Path, help="export to this file (default: stdout)")
    parser.add_argument("--if-empty", action="store_true", help="reference import only if empty")
    parser.add_argument("--url", default=None, help="database URL (default: GELDHULP_DATABASE_URL)")


async def _import(args: argparse.Namespace, url: str) -> int:
    async with open_database(url) as (_engine, factory), factory() as session:
        if args.file is None:
            if args.if_empty and not await repository.is_empty(session):
                print("directory: already imported")
                return 0
            summary = await repository.import_reference(session)
            await session.commit()
            print(
                f"directory: {summary.municipalities} municipalities, {summary.postcodes} "
                f"postcodes, {summary.services} services (reference data, not verified)"
            )
            return 0
        codes = await repository.known_codes(session)
        try:
            parsed = parse_directory_file(
                args.file.read_text(encoding="utf-8"),
                kind=kind_of(args.file),
                known_codes=codes,
                municipality=args.municipality,
            )
        except (DirectoryFileError, ValueError, UnicodeDecodeError) as exc:
            print(f"{args.file}: niet ingelezen, er is niets veranderd.\n{exc}", file=sys.stderr)
            return 2
        summary = await repository.apply_file(session, parsed)
        await session.commit()
        print(f"{args.file}: {summary.services} services imported, {summary.removed} removed")
        return 0


async def _export(args: argparse.Namespace, url: str) -> int:
    if not args.municipality:
        print("export needs --municipality GMxxxx", file=sys.stderr)
        return 2
    async with open_database(url) as (_engine, factory), factory() as session:
        services = await repository.services_of(session, args.municipality)
    text = dump_yaml(args.municipality, services) if args.format == "yaml" else dump_csv(services)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def run(args: argparse.Namespace) -> int:
    """Run a directory command."""
    url = args.url or load_settings().database_url
    if args.action == "import":
        return asyncio.run(_import(args, url))
    return asyncio.run(_export(args, url))
