"""Resolve what a resident types to a municipality: names, aliases, old names, typos, postcodes.

Pure and in memory: build it once (from the database or the CSV files), then call
:meth:`Resolver.resolve` as often as needed. It never raises on any input.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

FOUND = "found"
AMBIGUOUS = "ambiguous"
UNKNOWN = "unknown"

# Names people use that differ from the CBS name (CBS code -> aliases).
COMMON_ALIASES: dict[str, tuple[str, ...]] = {
    "GM0518": ("Den Haag", "The Hague", "s-Gravenhage", "Haag"),
    "GM0796": ("Den Bosch", "s-Hertogenbosch", "Hertogenbosch"),
    "GM0363": ("Mokum",),
    "GM0080": ("Ljouwert",),
    "GM1900": ("Sudwest Fryslan", "Zuidwest Friesland"),
    "GM1970": ("Noardeast Fryslan", "Noordoost Friesland"),
}
PROVINCE_WORDS = {
    "groningen": "Groningen",
    "friesland": "Fryslân",
    "fryslan": "Fryslân",
    "drenthe": "Drenthe",
    "overijssel": "Overijssel",
    "flevoland": "Flevoland",
    "gelderland": "Gelderland",
    "utrecht": "Utrecht",
    "noord holland": "Noord-Holland",
    "nh": "Noord-Holland",
    "zuid holland": "Zuid-Holland",
    "zh": "Zuid-Holland",
    "zeeland": "Zeeland",
    "noord brabant": "Noord-Brabant",
    "brabant": "Noord-Brabant",
    "limburg": "Limburg",
    "l": "Limburg",
    "o": "Overijssel",
}
FILLER = re.compile(
    r"\b(?:ik|woon|wonen|in|de|het|gemeente|gem|mijn|woonplaats|is|postcode|uit|kom|zit|"
    r"provincie|prov|bij|te|regio|stad|dorp|buurt|van|en|heet|plaats)\b"
)
POSTCODE = re.compile(r"(?<!\d)([1-9]\d{3})\s?([a-z]{2})?(?![a-z0-9])")
MIN_FUZZY_RATIO = 0.84
MIN_FUZZY_MARGIN = 0.04


@dataclass(frozen=True)
class Place:
    """A current (2024) municipality."""

    code: str
    name: str
    province: str


@dataclass(frozen=True)
class Resolution:
    """The outcome: one place, a choice between places, or nothing."""

    status: str
    places: tuple[Place, ...] = ()
    via: str = ""  # name | alias | merger | postcode | fuzzy
    postcode: str | None = None

    @property
    def place(self) -> Place | None:
        """The place when exactly one was found."""
        return self.places[0] if self.status == FOUND else None


def normalise(text: str) -> str:
    """Lowercase, no accents, no punctuation; "'s-Gravenhage" -> "s gravenhage"."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("’", "'").replace("'s-", "s ").replace("'s ", "s ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _strip_suffix(name: str) -> str:
    return re.sub(r"\s*\([^)]*\)$", "", name)


@dataclass
class Resolver:
    """Name, alias, merger and postcode indexes over the municipalities."""

    places: dict[str, Place]
    names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    via_kind: dict[tuple[str, str], str] = field(default_factory=dict)
    postcodes: dict[int, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        municipalities: Iterable[tuple[str, str, str, Iterable[str], str | None]],
        postcodes: Iterable[tuple[int, str, Iterable[str]]],
    ) -> Resolver:
        """Build from ``(code, name, province, aliases, merged_into)`` rows and PC4 rows."""
        rows = list(municipalities)
        current = {
            code: Place(code, name, prov) for code, name, prov, _a, merged in rows if not merged
        }
        resolver = cls(places=current)
        for code, name, _prov, aliases, merged in rows:
            target = merged or code
            if target not in current:
                continue
            kind = "merger" if merged else "name"
            resolver._add(name, target, kind)
            resolver._add(_strip_suffix(name), target, kind)
            for alias in aliases or ():
                resolver._add(alias, target, "alias")
        for code, aliases in COMMON_ALIASES.items():
            if code in current:
                for alias in aliases:
                    resolver._add(alias, code, "alias")
        for pc4, main, others in postcodes:
            resolver.postcodes[int(pc4)] = (main, *[o for o in others if o != main])
        return resolver

    @classmethod
    def from_csv(cls, data_dir: Path) -> Resolver:
        """Build straight from the reference CSV files (no database needed)."""
        with (data_dir / "municipalities.csv").open(encoding="utf-8") as f:
            munis: list[tuple[str, str, str, tuple[str, ...], str | None]] = [
                (r["gm_code"], r["gemeentenaam"], r["provincienaam"], (), None)
                for r in csv.DictReader(f)
            ]
        with (data_dir / "municipality_changes_2021_2024.csv").open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if float(r["aandeel"]) >= 0.5:  # a boundary move of a few addresses is no merger
                    munis.append(
                        (
                            r["oude_gm_code"],
                            r["oude_gemeentenaam"],
                            r["oude_provincie"],
                            (),
                            r["nieuwe_gm_code"],
                        )
                    )
        with (data_dir / "pc4_municipality.csv").open(encoding="utf-8") as f:
            pcs = [
                (
                    int(r["pc4"]),
                    r["gm_code"],
                    [o.split(":")[0] for o in r["overige_gemeenten"].split(";") if o],
                )
                for r in csv.DictReader(f)
            ]
        return cls.build(munis, pcs)

    def _add(self, name: str, code: str, kind: str) -> None:
        key = normalise(name)
        if key:
            self.names[key].add(code)
            self.via_kind.setdefault((key, code), kind)

    def _result(self, codes: Iterable[str], via: str, postcode: str | None = None) -> Resolution:
        places = tuple(
            sorted((self.places[c] for c in set(codes) if c in self.places), key=lambda p: p.name)
        )
        if not places:
            return Resolution(UNKNOWN, postcode=postcode)
        return Resolution(FOUND if len(places) == 1 else AMBIGUOUS, places, via, postcode)

    def resolve(self, text: str | None) -> Resolution:
        """Resolve free text (a name, an old name, a typo, or a postcode) to municipalities."""
        norm = normalise(text or "")[:200]
        if not norm:
            return Resolution(UNKNOWN)
        if re.fullmatch(r"gm\d{4}", norm):  # a button payload carries the CBS code
            return self._result({norm.upper()}, "code")
        match = POSTCODE.search(norm)
        if match:
            pc4 = int(match.group(1))
            shown = (
                f"{match.group(1)} {match.group(2).upper()}" if match.group(2) else match.group(1)
            )
            if pc4 in self.postcodes:
                return self._result(self.postcodes[pc4], "postcode", shown)
            return Resolution(UNKNOWN, postcode=shown)
        all_words = norm.split()
        words = FILLER.sub(" ", norm).split() or all_words
        province = self._province_hint(all_words)
        # whole words first: "De Bilt", "Land van Cuijk" and "Aa en Hunze" contain filler words
        found = self._exact(all_words)
        if found is None and province:
            # "Emmen drenthe", "bergen limburg": the province narrows, it is not the place
            found = self._exact([w for w in all_words if w not in PROVINCE_WORDS] or all_words)
        if found is None:
            found = self._fuzzy(words)
        if found is None:
            return Resolution(UNKNOWN)
        codes, via = found
        if province and len(codes) > 1:
            narrowed = {c for c in codes if self.places[c].province == province}
            codes = narrowed or codes
        return self._result(codes, via)

    def _province_hint(self, words: list[str]) -> str | None:
        joined = " ".join(words)
        for key, province in sorted(PROVINCE_WORDS.items(), key=lambda kv: -len(kv[0])):
            if len(key) > 2 and re.search(rf"\b{key}\b", joined):
                return province
        if words and words[-1] in {"l", "nh", "zh", "o"} and len(words) > 1:
            return PROVINCE_WORDS[words[-1]]
        return None

    def _ngrams(self, words: list[str]) -> list[str]:
        grams = []
        for size in range(min(len(words), 5), 0, -1):
            for start in range(len(words) - size + 1):
                grams.append(" ".join(words[start : start + size]))
        return grams

    def _exact(self, words: list[str]) -> tuple[set[str], str] | None:
        for gram in self._ngrams(words):
            if gram in self.names:
                codes = self.names[gram]
                kinds = {self.via_kind[(gram, c)] for c in codes}
                via = next(k for k in ("name", "alias", "merger") if k in kinds)
                return set(codes), via
        return None

    def _fuzzy(self, words: list[str]) -> tuple[set[str], str] | None:
        best: dict[str, float] = {}
        for gram in self._ngrams(words)[:40]:
            if len(gram) < 5:  # short words ("weet", "best") are too easy to mistake
                continue
            for name, codes in self.names.items():
                if abs(len(name) - len(gram)) > 3 or name[0] != gram[0]:
                    continue
                ratio = SequenceMatcher(None, gram, name).ratio()
                for code in codes:
                    if ratio > best.get(code, 0.0):
                        best[code] = ratio
        if not best:
            return None
        ranked = sorted(best.items(), key=lambda kv: -kv[1])
        top_code, top = ranked[0]
        if top < MIN_FUZZY_RATIO:
            return None
        if len(ranked) > 1 and top - ranked[1][1] < MIN_FUZZY_MARGIN:
            close = {c for c, r in ranked if top - r < MIN_FUZZY_MARGIN}
            return close, "fuzzy"
        return {top_code}, "fuzzy"
