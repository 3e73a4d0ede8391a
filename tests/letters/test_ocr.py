"""The RapidOCR reader: a second reading of one line leaves the engine as it was."""

from __future__ import annotations

from bot.letters import images, ocr
from bot.letters.limits import DEFAULT_LIMITS
from tests.letters.conftest import letter_file


def test_a_line_read_again_does_not_switch_detection_off() -> None:
    page = images.prepare(
        images.decode(letter_file("ontruiming_particulier").read_bytes(), DEFAULT_LIMITS),
        DEFAULT_LIMITS,
    )
    reader = ocr.RapidReader(threads=2)
    first = reader.read(page, 0)
    assert len(first) > 10
    row = [p for p in first if "huurachterstand" in p.text][:1]
    assert reader._reread_row(page, row, row[0].height) is not None  # recognition only
    again = reader.read(page, 0)
    assert [p.text for p in again] == [p.text for p in first]
