"""One OCR engine per process, shared by threads: readings in parallel are the same readings."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bot.letters.read import read_letter
from tests.letters.conftest import letter_file, letters_with_truth


def test_two_threads_read_the_same_letters_as_one_would() -> None:
    ids = ["huur_particulier_herinnering", "aanmaning_telecom_pdf"] * 2
    files = [letter_file(i).read_bytes() for i in ids]
    with ThreadPoolExecutor(max_workers=2) as pool:
        readings = list(pool.map(lambda data: read_letter(data, None, threads=1), files))
    truth = {letter["id"]: letter["truth"] for letter in letters_with_truth()}
    for letter_id, reading in zip(ids, readings, strict=True):
        got = reading.to_json()
        assert got["kind"] == truth[letter_id]["kind"]
        assert got["amount_due"] == truth[letter_id]["amount_due"]
        assert got["deadline"] == truth[letter_id]["deadline"]
    assert readings[0].text == readings[2].text
    assert readings[1].text == readings[3].text
