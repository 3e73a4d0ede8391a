"""The fast YAML reader (rasa_addons/fast_yaml.py) gives Rasa exactly what Rasa's own reader gives.

One run in Rasa's environment compares Rasa's reader (ruamel, YAML 1.2) with the fast one
(libyaml) on every YAML file Rasa reads from this repository, on the domain as Rasa writes it
into a trained model, on Rasa's own schema files and on the awkward scalars of YAML 1.2 (``no``
stays a string, ``017`` is 17); and checks that errors stay Rasa's: a duplicate key, broken
YAML, and a schema error that names its line.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

# one worker runs the module: its fixture reads every YAML file with both readers (~25 s of CPU,
# ruamel's Python reader is the slow one), which every worker with a test of it would do again
pytestmark = [
    pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs .venv-rasa (make env)"),
    pytest.mark.xdist_group("fast_yaml"),
]

CHECK = textwrap.dedent(
    r'''
    import json, sys
    from pathlib import Path

    import rasa.shared.utils.io as rasa_io
    import rasa.shared.utils.validation as rasa_validation
    from rasa.shared.constants import DOMAIN_SCHEMA_FILE
    from rasa.shared.core.domain import Domain
    from rasa_addons import fast_yaml

    root = Path(sys.argv[1])
    own_read, own_check = rasa_io.read_yaml, rasa_validation.validate_yaml_schema

    def schema_error(check):
        bad_domain = 'version: "3.1"\nintents:\n  - greet\nresponses:\n  utter_x:\n    - texts: oops\n'
        try:
            check(bad_domain, DOMAIN_SCHEMA_FILE)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    messages = [schema_error(own_check)]  # Rasa's own, before the install (it reads with lines)
    fast_yaml.install()
    fast_yaml.install()  # a second install wraps nothing twice
    fast_read, fast_check = rasa_io.read_yaml, rasa_validation.validate_yaml_schema
    import yaml

    result = {
        "wrapped_once": fast_read.__closure__[0].cell_contents is own_read,
        "libyaml": yaml.__with_libyaml__,
    }

    from ruamel.yaml.comments import TaggedScalar

    def plain(data):
        """ruamel's line-numbered reader keeps ${NAME} as a tagged scalar of the same text"""
        if isinstance(data, dict):
            return {k: plain(v) for k, v in data.items()}
        if isinstance(data, list):
            return [plain(v) for v in data]
        return data.value if isinstance(data, TaggedScalar) else data

    def outcome(read, text, reader):
        try:
            return plain(read(text, reader))
        except Exception as exc:  # the same error from both counts as the same outcome
            return f"error {type(exc).__name__}: {exc}"

    def same(text, reader="safe"):
        return outcome(own_read, text, reader) == outcome(fast_read, text, reader)

    files = [root / "config.yml", root / "endpoints.yml"]
    files += sorted(root.glob("credentials*.yml"))
    for folder in ("domain", "nlu_data", "stories", "tests/stories", "tests/nlu/data"):
        files += sorted(p for p in (root / folder).rglob("*.y*ml"))
    schemas = Path(rasa_validation.__file__).parents[2] / "shared" / "utils" / "schemas"
    files += sorted(schemas.glob("*.yml"))
    result["files"] = len(files)
    result["different"] = [str(p) for p in files if not same(p.read_text(encoding="utf-8"))]
    small = [p for p in files if p.stat().st_size < 60_000]
    result["different_with_lines"] = [
        str(p) for p in small if not same(p.read_text(encoding="utf-8"), ["safe", "rt"])
    ]
    # the domain as Rasa writes it into a trained model (read at every start)
    written = Domain.load(str(root / "domain")).as_yaml()
    result["written_domain_bytes"] = len(written)
    result["written_domain_same"] = same(written)

    scalars = (
        "a: no\nb: yes\nc: on\nd: 017\ne: 0o17\nf: 0x1F\ng: 1_000\nh: 1e3\ni: .inf\nj: -.INF\n"
        "k: ~\nl:\nm: True\nn: FALSE\no: 2026-12-06\np: 12:30\nq: '0612'\nr: 0.5\ns: -3\n"
        "t: 3.\nu: +12\nv: [1, two, {x: null}]\nw: \\U0001F600 ok\n"
        "x: ${GELDHULP_FAST_YAML_CHECK}\ny: http://${GELDHULP_FAST_YAML_CHECK}:5005\nz: '${NOT_READ}'\n"
    )
    result["scalars"] = same(scalars)
    result["scalar_types"] = {k: type(v).__name__ for k, v in fast_read(scalars).items()}
    result["environment"] = [fast_read(scalars)[k] for k in "xyz"]

    def error(read, text):
        try:
            read(text)
        except Exception as exc:
            return type(exc).__name__
        return None

    result["duplicate"] = [error(own_read, "a: 1\na: 2\n"), error(fast_read, "a: 1\na: 2\n")]
    result["broken"] = [error(own_read, "a: [1, 2\n"), error(fast_read, "a: [1, 2\n")]

    messages.append(schema_error(fast_check))
    result["schema_error"] = messages
    print(json.dumps(result))
    '''
)


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    script = tmp_path_factory.mktemp("fast_yaml") / "check.py"
    script.write_text(CHECK, encoding="utf-8")
    done = subprocess.run(  # noqa: S603 - our own check in Rasa's interpreter
        [str(RASA_PYTHON), str(script), str(ROOT)],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PYTHONWARNINGS": "ignore",
            "GELDHULP_FAST_YAML_CHECK": "from-the-environment",
            # endpoints.yml names these; Rasa's reader expands them
            "ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook",
            "RASA_TRACKER_URL": "sqlite:///rasa.db",
            "GELDHULP_RASA_CHANNEL_TOKEN": "a-token",
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_every_yaml_file_rasa_reads_here_reads_the_same(compared: dict[str, Any]) -> None:
    assert compared["libyaml"]  # the pinned PyYAML wheel brings its C loader
    assert compared["files"] > 100
    assert compared["different"] == []
    assert compared["different_with_lines"] == []


def test_the_domain_as_a_model_stores_it_reads_the_same(compared: dict[str, Any]) -> None:
    assert compared["written_domain_bytes"] > 500_000  # every answer in every language
    assert compared["written_domain_same"]


def test_yaml_1_2_scalars_as_rasa_reads_them(compared: dict[str, Any]) -> None:
    assert compared["scalars"]
    types = compared["scalar_types"]
    assert types["a"] == types["b"] == types["c"] == "str"  # YAML 1.1's booleans are words
    assert types["d"] == types["e"] == types["g"] == "int"
    assert types["h"] == types["i"] == types["t"] == "float"
    assert types["k"] == types["l"] == "NoneType"
    assert types["o"] == "date"
    assert types["p"] == types["q"] == "str"  # no sexagesimal numbers in 1.2
    # Rasa reads ${NAME} in a plain scalar as the environment variable, quoted it stays text
    assert compared["environment"] == [
        "from-the-environment",
        "http://from-the-environment:5005",
        "${NOT_READ}",
    ]


def test_errors_stay_rasas_own(compared: dict[str, Any]) -> None:
    assert compared["wrapped_once"]
    own, fast = compared["duplicate"]
    assert own is not None and own == fast
    own, fast = compared["broken"]
    assert own is not None and own == fast
    own, fast = compared["schema_error"]
    assert own is not None and own == fast
    assert "line" in fast.lower()  # the message points to the line, as Rasa's does
