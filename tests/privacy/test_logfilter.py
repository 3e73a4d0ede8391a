"""A failing database write (a real one, on both backends, with the engine's parameters shown)
leaves no phone number, chat id or message text in the log once the filter is on the handler."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy.exc import IntegrityError

from bot.conversations.tables import ChannelIdentity, Message
from bot.privacy.logfilter import PersonalDataFilter, clean, install
from bot.storage.db import create_engine, session_factory

PHONE = "31612345678"
TEXT = "ik ben Jolanda en ik schaam me voor mijn schulden"


async def test_a_failing_write_leaves_no_personal_data_in_the_log(db_url: str) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("test.privacy.logfilter")
    logger.addHandler(handler)
    logger.propagate = False
    install(logger)
    engine = create_engine(db_url)  # parameters NOT hidden here: the filter alone must do it
    factory = session_factory(engine)
    try:
        async with factory() as s:
            s.add(ChannelIdentity(channel="whatsapp", external_hash="h1", address=PHONE))
            await s.commit()
        with pytest.raises(IntegrityError) as failed:
            async with factory() as s:
                s.add(ChannelIdentity(channel="whatsapp", external_hash="h1", address=PHONE))
                s.add(
                    Message(
                        conversation_id="missing", direction="in", sender_type="contact", text=TEXT
                    )
                )
                await s.commit()
        assert PHONE in str(failed.value)  # SQLAlchemy really puts it in the message
        try:
            raise failed.value
        except IntegrityError:
            logger.exception("storing a message for %s failed", PHONE)
    finally:
        await engine.dispose()
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "IntegrityError" in out and "[parameters: removed]" in out
    assert PHONE not in out and "Jolanda" not in out and "schaam" not in out, out


def test_ordinary_lines_pass_unchanged() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "retention: %s deleted", (3,), None)
    assert PersonalDataFilter().filter(record) and record.getMessage() == "retention: 3 deleted"
    assert (
        clean("Key (address)=(31612345678) already exists.") == "Key (address)=(…) already exists."
    )
