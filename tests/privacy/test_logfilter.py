"""A failing database write (a real one, on both backends) leaves no phone number, chat id or
message text in the log. Two layers, each proven on its own: our engines hide a failing
statement's parameters (``hide_parameters=True`` in `bot.storage.db.create_engine`), and the
log filter removes them from an error of an engine that does show them (and masks what a
message could carry)."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.conversations.tables import ChannelIdentity, Message
from bot.privacy.logfilter import PersonalDataFilter, clean, install
from bot.storage.db import create_engine, session_factory

PHONE = "31612345678"
TEXT = "ik ben Jolanda en ik schaam me voor mijn schulden"


async def failing_write(engine: AsyncEngine) -> IntegrityError:
    """Store an address twice (refused by the unique key) with a message text in the same
    transaction; return the real error."""
    factory = session_factory(engine)
    async with factory() as s:
        s.add(ChannelIdentity(channel="whatsapp", external_hash="h1", address=PHONE))
        await s.commit()
    with pytest.raises(IntegrityError) as failed:
        async with factory() as s:
            s.add(ChannelIdentity(channel="whatsapp", external_hash="h1", address=PHONE))
            s.add(
                Message(conversation_id="missing", direction="in", sender_type="contact", text=TEXT)
            )
            await s.commit()
    return failed.value


async def test_our_engines_hide_a_failing_statements_parameters(db_url: str) -> None:
    engine = create_engine(db_url)  # as the gateway creates every engine
    try:
        error = await failing_write(engine)
    finally:
        await engine.dispose()
    assert "hide_parameters=True" in str(error)
    assert PHONE not in str(error) and "Jolanda" not in str(error), str(error)


async def test_a_failing_write_leaves_no_personal_data_in_the_log(db_url: str) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("test.privacy.logfilter")
    logger.addHandler(handler)
    logger.propagate = False
    install(logger)
    # parameters shown here on purpose (as any engine made without our create_engine would):
    # the filter alone must keep them out of the log
    engine = create_engine(db_url, hide_parameters=False)
    try:
        error = await failing_write(engine)
        assert PHONE in str(error)  # SQLAlchemy really puts it in the message
        try:
            raise error
        except IntegrityError:
            logger.exception("storing a message for %s failed", PHONE)
    finally:
        await engine.dispose()
        logger.removeHandler(handler)
    out = stream.getvalue()
    # the error stays recognisable (class, the statement's first words), without its data
    assert "ScrubbedDatabaseError: " in out and "INSERT INTO channel_identities" in out, out
    assert PHONE not in out and "Jolanda" not in out and "schaam" not in out, out


def test_ordinary_lines_pass_unchanged() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "retention: %s deleted", (3,), None)
    assert PersonalDataFilter().filter(record) and record.getMessage() == "retention: 3 deleted"
    assert (
        clean("Key (address)=(31612345678) already exists.") == "Key (address)=(…) already exists."
    )
    said = "[SQL: INSERT INTO messages (text) VALUES (?)]\n[parameters: ('ik schaam me',)]"
    assert clean(said).endswith("[parameters: removed]")
    row = 'violates check constraint "c"\nDETAIL:  Failing row contains (1, ik schaam me).'
    assert "schaam" not in clean(row) and clean(row).endswith("[details hidden]")


def test_the_filter_cleans_records_of_every_logger_once_installed() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # a handler added after install, without a filter
    logger = logging.getLogger("test.privacy.logfilter.any")
    install()
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("mail %s or call %s", "jan@voorbeeld.nl", "0612345678")
    finally:
        logger.removeHandler(handler)
    assert "voorbeeld" not in stream.getvalue() and "12345678" not in stream.getvalue()
