"""Rasa's YAML reading through libyaml's C parser: the same data, a fraction of the time.

Rasa 3.6 reads every YAML file with ruamel's Python resolver, and reads a file several times
(a domain file four times: "is it a domain", the schema check with line numbers, the domain, the
merge). Our domain is 1.3 MB (every answer in nine languages), so a Rasa start spent 38 of its
58 s of CPU reading it, and training, `rasa data validate` and `rasa test core` paid the same
(docs/DEVELOPERS.md, "Rasa starts"). PyYAML's C loader reads that domain in 0.34 s instead of 7.1 s.

`install()` (called by `rasa_addons.rasa_main` before Rasa's command line) replaces two functions
of Rasa, both looked up as module attributes on every call:

- ``rasa.shared.utils.io.read_yaml``: the C parser with YAML 1.2's implicit types exactly as ruamel
  resolves them for Rasa (``Yaml12Loader``), for the "safe" reader and for the schema check's
  ("safe", "rt") reader, which keeps line numbers only for error messages. Anything the fast path
  does not read the same way (a duplicate key, a syntax error, another reader type) goes to
  Rasa's own reader, so errors and their messages stay Rasa's.
- ``rasa.shared.utils.validation.validate_yaml_schema``: Rasa's schema check on the fast parse;
  when it fails it runs again on Rasa's own line-numbered parse, so the error names the line.

tests/models/test_fast_yaml.py proves both give what Rasa's own reader gives, on every YAML file of
the repository and on the domain inside the trained model.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Callable
from typing import Any

import yaml

# YAML 1.2's implicit scalar types as ruamel.yaml 0.17 resolves them (ruamel/yaml/resolver.py,
# the entries for version (1, 2)); everything else is a string
_IMPLICIT_1_2: list[tuple[str, str, list[str]]] = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    (
        "tag:yaml.org,2002:float",
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        list("-+0123456789."),
    ),
    (
        "tag:yaml.org,2002:int",
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""",
        list("-+0123456789"),
    ),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", ["<"]),
    # "" is the empty value (`key:` with nothing after it)
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (
        "tag:yaml.org,2002:timestamp",
        r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
        (?:[Tt]|[\ \t]+)[0-9][0-9]?
        :[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
        (?:[\ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
        list("0123456789"),
    ),
]


class DuplicateKey(yaml.YAMLError):  # type: ignore[misc]
    """A mapping with a key twice: Rasa's reader (ruamel) refuses it, so the fast path does too."""


class Yaml12Loader(yaml.CSafeLoader):  # type: ignore[misc]
    """libyaml's parser with YAML 1.2's implicit types and ruamel's constructors for them."""

    yaml_implicit_resolvers: dict[Any, Any] = {}

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        keys = [self.construct_object(key, deep=True) for key, _ in node.value]
        hashable = [k for k in keys if isinstance(k, str | int | float | bool) or k is None]
        if len(set(hashable)) != len(hashable):
            raise DuplicateKey(f"duplicate key in a mapping at {node.start_mark}")
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_bool(self, node: Any) -> bool:
        return str(self.construct_scalar(node)).lower() == "true"

    def construct_yaml_int(self, node: Any) -> int:
        text = str(self.construct_scalar(node)).replace("_", "")
        sign = -1 if text[0] == "-" else 1
        text = text[1:] if text[0] in "+-" else text
        for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
            if text.startswith(prefix):
                return sign * int(text[2:], base)
        return sign * int(text)

    def construct_yaml_float(self, node: Any) -> float:
        text = str(self.construct_scalar(node)).replace("_", "").lower()
        sign = -1 if text[0] == "-" else 1
        text = text[1:] if text[0] in "+-" else text
        if text == ".inf":
            return sign * float("inf")
        if text == ".nan":
            return float("nan")
        return sign * float(text)


for _tag, _pattern, _first in _IMPLICIT_1_2:
    Yaml12Loader.add_implicit_resolver(_tag, re.compile(_pattern, re.X), _first)
Yaml12Loader.add_constructor("tag:yaml.org,2002:bool", Yaml12Loader.construct_yaml_bool)
Yaml12Loader.add_constructor("tag:yaml.org,2002:int", Yaml12Loader.construct_yaml_int)
Yaml12Loader.add_constructor("tag:yaml.org,2002:float", Yaml12Loader.construct_yaml_float)


class RasaYamlLoader(Yaml12Loader):
    """``Yaml12Loader`` with the types Rasa adds to its "safe" reader (``install`` adds them; the
    line-numbered reader of the schema check has none of them, as in Rasa)."""


FAST_READERS = ("safe", ["safe", "rt"])
# set while the schema check runs again for its error message: line numbers need Rasa's reader
_line_numbers: contextvars.ContextVar[bool] = contextvars.ContextVar("line_numbers", default=False)


def _as_rasa_reads_it(content: str) -> str:
    """Rasa's own first step (rasa.shared.utils.io.read_yaml): escapes in ASCII text, e.g.
    emoji written as \\U0001F600, become the characters."""
    if all(ord(character) < 128 for character in content):
        return (
            content.encode("utf-8")
            .decode("raw_unicode_escape")
            .encode("utf-16", "surrogatepass")
            .decode("utf-16")
        )
    return content


def fast_reader(original: Callable[..., Any]) -> Callable[..., Any]:
    """``read_yaml`` on the C parser, with Rasa's ``original`` for everything it does not read
    the same way."""

    def read_yaml(content: str, reader_type: str | list[str] = "safe") -> Any:
        if reader_type not in FAST_READERS or (reader_type != "safe" and _line_numbers.get()):
            return original(content, reader_type)
        try:
            loader = RasaYamlLoader if reader_type == "safe" else Yaml12Loader
            return yaml.load(_as_rasa_reads_it(content), Loader=loader) or {}  # noqa: S506 - safe loaders
        except (yaml.YAMLError, ValueError, TypeError):
            return original(content, reader_type)  # Rasa's reader raises its own error

    read_yaml.fast = True  # type: ignore[attr-defined]
    return read_yaml


def fast_schema_check(original: Callable[..., None]) -> Callable[..., None]:
    """Rasa's schema check on the fast parse; failing, again with line numbers for the message."""

    def validate_yaml_schema(content: str, schema_path: str, *args: Any, **kwargs: Any) -> None:
        with contextlib.suppress(Exception):  # failing, the check again gives Rasa's own error
            original(content, schema_path, *args, **kwargs)
            return
        token = _line_numbers.set(True)
        try:
            original(content, schema_path, *args, **kwargs)
        finally:
            _line_numbers.reset(token)

    validate_yaml_schema.fast = True  # type: ignore[attr-defined]
    return validate_yaml_schema


def _take_rasas_own_tags() -> None:
    """The implicit types Rasa adds to ruamel for every plain scalar (``${NAME}`` is read as the
    environment variable, rasa.shared.utils.io.replace_environment_variables), with Rasa's own
    constructor for each."""
    from ruamel.yaml import constructor, resolver

    known = {tag for tags in RasaYamlLoader.yaml_implicit_resolvers.values() for tag, _ in tags}
    for tag, regexp in resolver.Resolver.yaml_implicit_resolvers.get(None, []):
        if tag not in known:
            RasaYamlLoader.add_implicit_resolver(tag, regexp, None)
            RasaYamlLoader.add_constructor(tag, constructor.SafeConstructor.yaml_constructors[tag])


def install() -> None:
    """Put the fast reader and schema check into Rasa (once; a second call changes nothing)."""
    import rasa.shared.utils.io as rasa_io
    import rasa.shared.utils.validation as rasa_validation

    _take_rasas_own_tags()
    if not getattr(rasa_io.read_yaml, "fast", False):
        rasa_io.read_yaml = fast_reader(rasa_io.read_yaml)
    if not getattr(rasa_validation.validate_yaml_schema, "fast", False):
        rasa_validation.validate_yaml_schema = fast_schema_check(
            rasa_validation.validate_yaml_schema
        )
