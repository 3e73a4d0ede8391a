"""Keeping and opening residents' files (in the caller's transaction; bytes are sealed)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.media.crypto import MediaCipher
from bot.media.sniff import Sniffed
from bot.media.tables import MediaFile


@dataclass(frozen=True)
class MediaStore:
    """Adds sealed files and opens them again."""

    cipher: MediaCipher

    def add(
        self,
        session: AsyncSession,
        data: bytes,
        sniffed: Sniffed,
        *,
        channel: str,
        conversation_id: str | None = None,
        message_id: int | None = None,
        owner_hash: str | None = None,
        reading: dict[str, Any] | None = None,
    ) -> MediaFile:
        """Seal ``data`` and add its row (committed with the caller's transaction)."""
        row_id = str(uuid.uuid4())
        row = MediaFile(
            id=row_id,
            conversation_id=conversation_id,
            message_id=message_id,
            owner_hash=owner_hash,
            channel=channel,
            kind=sniffed.kind,
            content_type=sniffed.content_type,
            size=len(data),
            key_id=self.cipher.key_id,
            sealed=self.cipher.seal(data, row_id),
            reading=reading,
        )
        session.add(row)
        return row

    def open(self, row: MediaFile) -> bytes:
        """The plain bytes of a row. Raises MediaError when it cannot be opened."""
        return self.cipher.open(row.sealed, row.id)

    async def upload(
        self, session: AsyncSession, upload_id: str, owner_hash: str
    ) -> MediaFile | None:
        """A web upload not taken yet, only for the one who uploaded it."""
        row = await session.get(MediaFile, upload_id)
        if row is None or row.conversation_id is not None or row.owner_hash != owner_hash:
            return None
        return row


async def files_of(session: AsyncSession, conversation_id: str) -> list[MediaFile]:
    """The files of one conversation, oldest first (the bytes stay sealed)."""
    return list(
        (
            await session.scalars(
                select(MediaFile)
                .where(MediaFile.conversation_id == conversation_id)
                .order_by(MediaFile.created_at, MediaFile.id)
            )
        ).all()
    )


async def delete_untaken(session: AsyncSession, before: datetime) -> int:
    """Delete web uploads that no conversation took before ``before``; return how many."""
    result = await session.execute(
        delete(MediaFile).where(MediaFile.conversation_id.is_(None), MediaFile.created_at < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)
