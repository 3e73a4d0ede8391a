"""The review loop end to end, all real: a resident's question through the gateway and Rasa,
labelled by an analyst clicking in Chromium, exported by `geldhulp nlu export`, and read by
Rasa's own validator and training-data loader as part of the next training data.

The resident writes in the web chat (websocket) of the running gateway; Rasa (trained model)
answers; the router stores the unanswered question after redaction. The analyst's pages also
pass axe-core (WCAG 2.1 AA) on the way.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.analytics.tables import UnansweredQuestion
from bot.storage.db import open_database
from bot.supervise import RASA_COMMAND
from tests.dashboard.conftest import ANALYST_A
from tests.support.browser import launch

pytestmark = [pytest.mark.rasa, pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
ARTIFACTS = ROOT / "test-artifacts"
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
# everything a redaction must remove, in one message the assistant cannot answer
QUESTION = (
    "ik ben Johan de Vries, bsn 111222333, 0612345678, johan@example.nl, NL91ABNA0417164300. "
    "wat vind jij van ajax"
)
PERSONAL = ["johan", "vries", "111222333", "0612345678", "@", "nl91abna", "0417164300"]
# Rasa's importer as our Rasa reads data (with the fast YAML reader, rasa_addons/rasa_main.py)
LOADER = """
import json, sys
from rasa_addons import fast_yaml
fast_yaml.install()
from rasa.shared.importers.importer import TrainingDataImporter
importer = TrainingDataImporter.load_from_config(
    config_path="config.yml", domain_path="domain", training_data_paths=[sys.argv[1]]
)
data = importer.get_nlu_data()
print(json.dumps([[m.get("text"), m.get("intent")] for m in data.intent_examples]))
"""


async def receive_until(ws: Any, predicate: Any, timeout: float = 90) -> list[dict[str, Any]]:
    """Collect web chat messages until one matches (bounded)."""
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while True:
            msg = await ws.receive()
            assert msg.type == aiohttp.WSMsgType.TEXT, msg
            seen.append(json.loads(msg.data))
            if predicate(seen[-1]):
                return seen


async def wait_for_question(url: str, timeout: float = 60) -> UnansweredQuestion:
    """The stored unanswered question, once the router has committed it."""
    async with asyncio.timeout(timeout):
        while True:
            async with open_database(url) as (_e, factory), factory() as s:
                found = await s.scalar(select(UnansweredQuestion))
            if found is not None:
                return found
            await asyncio.sleep(0.2)


async def run(*cmd: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """A command in the worktree; its exit code, output and error output."""
    proc = await asyncio.create_subprocess_exec(
        *cmd,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=600)
    return int(proc.returncode or 0), out.decode(errors="replace"), err.decode(errors="replace")


async def axe_clean(page: Any, name: str) -> None:
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page, options=WCAG)
    await page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"), full_page=True)
    assert results.response["violations"] == [], results.generate_report()


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_question_to_label_to_export_to_training_data(live_gateway, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from playwright.async_api import async_playwright

    base = f"http://{live_gateway.host}:{live_gateway.port}"
    # 1. a resident of Groningen asks something the assistant cannot answer
    ws = await live_gateway.ws_connect("/chat/ws", headers={"Origin": base})
    await ws.send_json({"type": "hello"})
    await receive_until(ws, lambda d: d["type"] == "welcome")
    await ws.send_json(
        {
            "type": "message",
            "id": "m1",
            "text": "Waar kan ik terecht?",
            "payload": "/find_local_help",
        }
    )
    await receive_until(ws, lambda d: "postcode" in d.get("text", ""))
    await ws.send_json({"type": "message", "id": "m2", "text": "Groningen"})
    await receive_until(ws, lambda d: "Groningen" in d.get("text", ""))
    await ws.send_json({"type": "message", "id": "m3", "text": QUESTION})
    await receive_until(ws, lambda d: d.get("type") != "welcome" and bool(d.get("text")))
    await ws.close()
    stored = await wait_for_question(db_url)
    assert stored.municipality_code == "GM0014"
    assert stored.intent_guess in ("out_of_scope", "nlu_fallback") or (stored.confidence or 1) < 0.5
    for secret in PERSONAL:  # redacted before it was stored
        assert secret not in stored.text_redacted.lower(), secret
    assert "ajax" in stored.text_redacted

    # 2. the analyst labels it in Chromium: one click on the topic
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(f"{base}/console/login")
        await page.fill("#email", ANALYST_A)
        await page.fill("#password", "demo-geldhulp")
        await page.click("button[type=submit]")
        await page.goto(f"{base}/dashboard/beoordelen")
        article = page.locator(f"#vraag-{stored.id}")
        assert "ajax" in await article.inner_text()
        assert "Johan" not in await page.content()
        await axe_clean(page, "review")
        await article.get_by_role("button", name="Buiten ons onderwerp").click()
        await page.wait_for_selector("#melding .notice")
        assert "gaat over Buiten ons onderwerp" in await page.inner_text("#melding")
        await axe_clean(page, "review-saved")
        await page.goto(f"{base}/dashboard/beoordelen/vraag/{stored.id}")
        await axe_clean(page, "question")
        await page.goto(f"{base}/dashboard/")
        await page.wait_for_selector("#learning")
        await axe_clean(page, "overview")
        await browser.close()
    async with open_database(db_url) as (_e, factory), factory() as s:
        labelled = await s.get(UnansweredQuestion, stored.id)
    assert labelled is not None and labelled.review_label == "out_of_scope"

    # 3. exported into a copy of the training data, as `geldhulp nlu export` does for nlu_data/
    data = tmp_path / "nlu_data"
    shutil.copytree(ROOT / "nlu_data", data, ignore=shutil.ignore_patterns("reviewed"))
    code, output, errors = await run(
        sys.executable,
        *("-m", "bot", "nlu", "export", "--out", str(data / "reviewed"), "--data", str(data)),
        env={"GELDHULP_DATABASE_URL": db_url},
    )
    assert code == 0, errors
    assert "out_of_scope: 1" in output
    (exported,) = (data / "reviewed").glob("reviewed-*.yml")
    text = exported.read_text(encoding="utf-8")
    for secret in PERSONAL:
        assert secret not in text.lower(), secret
    example = next(line[6:] for line in text.splitlines() if line.startswith("    - "))
    assert "wat vind jij van ajax" in example and "<naam>" in example

    # 4. Rasa's own loader reads it as part of the training data, and rasa data validate agrees
    loader = tmp_path / "load.py"
    loader.write_text(LOADER)
    code, output, errors = await run(
        str(RASA_PYTHON), str(loader), str(data), env={"PYTHONPATH": str(ROOT)}
    )
    assert code == 0, errors[-4000:]
    examples = json.loads(output.strip().splitlines()[-1])
    assert [example, "out_of_scope"] in examples
    code, output, errors = await run(
        *RASA_COMMAND,
        *("data", "validate", "--domain", "domain", "--data", str(data), "stories"),
        *("--config", "config.yml"),
        env={"PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore::DeprecationWarning"},
    )
    output += errors
    assert code == 0, output[-4000:]
    about_ours = [line for line in output.splitlines() if "ajax" in line or "reviewed" in line]
    assert about_ours == [], about_ours
