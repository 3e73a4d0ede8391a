"""Look for given strings in every column of every table of a database (reflected, so tables of
every feature, Alembic's own and Rasa's are all included)."""

from __future__ import annotations

import sqlalchemy as sa

from bot.storage.db import open_database


async def find_everywhere(url: str, needles: list[str]) -> list[str]:
    """Every ``table.column = value`` whose value (as text, lower case) contains a needle."""
    wanted = [n.lower() for n in needles]
    found: list[str] = []
    async with open_database(url) as (engine, _factory), engine.connect() as conn:
        meta = sa.MetaData()
        await conn.run_sync(meta.reflect)
        assert meta.tables, f"no tables in {url}"
        for table in meta.sorted_tables:
            rows = (await conn.execute(sa.select(table))).mappings().all()
            for row in rows:
                for column, value in row.items():
                    if value is None:
                        continue
                    text = str(value).lower()
                    for needle in wanted:
                        if needle in text:
                            found.append(f"{table.name}.{column} = {str(value)[:120]!r}")
    return found


async def count_rows(url: str, table: str) -> int:
    """Rows in one table."""
    async with open_database(url) as (engine, _factory), engine.connect() as conn:
        return int(
            (await conn.execute(sa.text(f'SELECT COUNT(*) FROM "{table}"'))).scalar_one()  # noqa: S608
        )
