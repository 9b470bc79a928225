"""Header and value matching, generated from the standard.

Be liberal in what we accept (case, spacing, punctuation, Welsh or English labels, synonyms,
UK dates, "£" amounts), exact in what we store (the standard's codes and types).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import TypeVar

from rapidfuzz import fuzz, process

from . import sep_return as std

_T = TypeVar("_T")

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_WORDS = re.compile(r"[0-9a-z]+")


def _fold(text: object) -> str:
    """Lower case without accents (ŵ -> w), so Welsh typed on an English keyboard matches."""
    s = str(text)
    if s.isascii():  # NFKD leaves ASCII alone and casefold is lower: the common case, cheaply
        return s.lower()
    s = unicodedata.normalize("NFKD", s).casefold()
    return "".join(ch for ch in s if not unicodedata.combining(ch))


def key(text: object) -> str:
    """The matching key: case, spaces, underscores, punctuation and accents ignored."""
    return _NOT_ALNUM.sub("", _fold(text))


# --- Sheets and headers ----------------------------------------------------------------------


@cache
def _sheet_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for s in std.SHEETS:
        for name in (s.name, s.cy, s.table, *s.synonyms):
            index[key(name)] = s.name
    return index


@cache
def _template_sheet_keys() -> frozenset[str]:
    return frozenset(key(n) for names in std.TEMPLATE_SHEETS.values() for n in names)


def match_sheet(name: str) -> str | None:
    """Standard sheet name for a sheet name as written, or None."""
    return _sheet_index().get(key(name))


def is_template_sheet(name: str) -> bool:
    """The sheets the template adds (Guidance, Checks, Lists); never read as data."""
    return key(name) in _template_sheet_keys()


@cache
def header_index(sheet_name: str) -> dict[str, str]:
    """Matching key -> field name, for one sheet."""
    index: dict[str, str] = {}
    for f in std.sheet(sheet_name).fields:
        for label in (f.name, f.en, f.cy, *f.synonyms):
            index[key(label)] = f.name
    return index


# The key of a text cell, remembered: the header search reads the same labels (and the first
# rows' values) in every file. Text only, as equal numbers can print differently (1 and 1.0).
_text_key = lru_cache(maxsize=4096)(key)


def match_header(sheet_name: str, header: object) -> str | None:
    if header is None:
        return None
    k = _text_key(header) if header.__class__ is str else key(header)
    return header_index(sheet_name).get(k)


# How alike (0-100, rapidfuzz) a header or value must be to a label or synonym to be offered as
# what the partner meant. Only offered, never taken: a header or code is read only when it
# matches exactly (up to case, spaces, punctuation and accents).
SUGGEST_HEADER = 75
SUGGEST_CODE = 80


def _words(text: object) -> str:
    """Folded words separated by one space: what header suggestions compare."""
    return " ".join(_WORDS.findall(_fold(text)))


@cache
def _header_choices(sheet_name: str) -> tuple[list[str], list[str]]:
    """Each label and synonym (English and Welsh) of a sheet's fields, folded, and its field."""
    labels, owners = [], []
    for f in std.sheet(sheet_name).fields:
        for label in dict.fromkeys((f.en, f.cy, *f.synonyms)):
            labels.append(_words(label))
            owners.append(f.name)
    return labels, owners


def suggest_fields(sheet_name: str, header: object, limit: int = 3) -> list[str]:
    """The sheet's fields whose label or synonym, in either language, is closest to a header
    that is not recognised, best first (none when nothing is close)."""
    text = _words(as_text(header))
    if not text:
        return []
    labels, owners = _header_choices(sheet_name)
    found = process.extract(text, labels, scorer=_header_likeness, score_cutoff=SUGGEST_HEADER,
                            limit=None)
    if not found:
        return []
    best = max(score for _, score, _ in found)
    ranked = sorted((hit for hit in found if hit[1] >= best - 5), key=lambda h: (-h[1], h[2]))
    return list(dict.fromkeys(owners[i] for _, _, i in ranked))[:limit]


def _header_likeness(a: str, b: str, **_: object) -> float:
    # WRatio alone rates a shared short word ("pay") as high as the field meant; the words in
    # common (token_set_ratio) tell them apart
    return (fuzz.WRatio(a, b) + fuzz.token_set_ratio(a, b)) / 2


def looks_like_identifier(header: object) -> bool:
    """A header that names a direct identifier of a person (name, DOB, NI number, ...)."""
    k = key(header)
    if any(p in k for p in std.IDENTIFIER_PHRASES):
        return True
    words = [w for w in _WORDS.findall(_fold(header)) if w != "r"]  # Welsh "enw'r" = "enw"
    for i, w in enumerate(words):
        if w not in std.IDENTIFIER_WORDS:
            continue
        before = words[i - 1] if i > 0 else None
        after = words[i + 1] if i + 1 < len(words) else None
        if w in ("name", "names") and before in std.THING_WORDS:
            continue  # "grade name"
        if w == "enw" and after in std.THING_WORDS:
            continue  # "enw'r corff"
        return True
    return False


# --- Values ----------------------------------------------------------------------------------


def _per_code_list(build: Callable[[std.CodeList], _T]) -> Callable[[std.CodeList], _T]:
    """Cache `build` per code list by the list's identity: hashing a frozen CodeList hashes every
    Code in it, which cost more than the lookup itself on every cell. The list is kept in the
    cache, so its id cannot be reused while the entry exists."""
    built: dict[int, tuple[std.CodeList, _T]] = {}

    def get(codes: std.CodeList) -> _T:
        hit = built.get(id(codes))
        if hit is not None and hit[0] is codes:
            return hit[1]
        value = build(codes)
        built[id(codes)] = (codes, value)
        return value

    return get


@_per_code_list
def code_index(codes: std.CodeList) -> dict[str, str]:
    """Matching key -> code for one code list (code, English, Welsh and synonyms)."""
    index: dict[str, str] = {}
    for c in codes.codes:
        for label in (c.code, c.en, c.cy, *c.synonyms):
            index.setdefault(key(label), c.code)
    return index


@_per_code_list
def _expansion_index(codes: std.CodeList) -> dict[str, tuple[str, ...]]:
    return {key(k): v for k, v in codes.expansions}


@_per_code_list
def _code_choices(codes: std.CodeList) -> tuple[list[str], list[str]]:
    keys, owners = [], []
    for c in codes.codes:
        for label in (c.en, c.cy, *c.synonyms):
            keys.append(key(label))
            owners.append(c.code)
    return keys, owners


def suggest_code(value: object, codes: std.CodeList) -> std.Code | None:
    """The code a value not in the list most likely meant: a near miss of one code's label or
    synonym in either language ("Femal", "Whte: Irish"), or None when none is near or two
    codes are as near."""
    text = key(as_text(value))
    if len(text) < 3:  # "N", "F": too short to tell a slip from another answer
        return None
    keys, owners = _code_choices(codes)
    found = process.extract(text, keys, scorer=fuzz.ratio, score_cutoff=SUGGEST_CODE, limit=None)
    if not found:
        return None
    best = max(score for _, score, _ in found)
    meant = {owners[i] for _, score, i in found if score == best}
    return codes.get(meant.pop()) if len(meant) == 1 else None


class ValueError_(ValueError):
    """A cell that cannot be read as its field's type; `code` is the issue code."""

    def __init__(self, code: str, expected_en: str, expected_cy: str):
        super().__init__(code)
        self.code = code
        self.expected_en = expected_en
        self.expected_cy = expected_cy


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def as_text(value: object) -> str:
    """A cell shown as text the way the partner sees it (1001.0 -> "1001")."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    return str(value).strip()


def parse_code(value: object, codes: std.CodeList) -> str:
    if isinstance(value, bool) and codes.name in ("yes_no", "yes_no_not_known"):
        return "yes" if value else "no"
    code = code_index(codes).get(key(as_text(value)))
    if code is None:
        raise ValueError_("value.code", "one of the listed values", "un o'r gwerthoedd a restrir")
    return code


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    code = code_index(std.YES_NO_CODES).get(key(as_text(value)))
    if code is None:
        raise ValueError_("value.yes_no", "Yes or No", "Ie neu Na")
    return code == "yes"


_EXCEL_EPOCH = date(1899, 12, 30)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_UK = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")


def parse_date(value: object) -> date:
    """Real Excel dates, ISO text, or UK day-first text (never month first)."""
    if isinstance(value, datetime):
        return _in_range(value.date())
    if isinstance(value, date):
        return _in_range(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date cell whose number format the reader did not recognise: an Excel serial.
        if 1 <= value < 2958466 and float(value).is_integer():
            return _in_range(_EXCEL_EPOCH + timedelta(days=int(value)))
    text = as_text(value)
    parsed = None
    try:
        if m := _ISO.match(text):
            parsed = date(int(m[1]), int(m[2]), int(m[3]))
        elif m := _UK.match(text):
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            parsed = date(year, int(m[2]), int(m[1]))
    except ValueError:
        pass  # e.g. 31/02/2025: the same message as any other text
    if parsed is None:
        raise ValueError_("value.date", "a date such as 30/06/2025", "dyddiad fel 30/06/2025")
    return _in_range(parsed)


FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2199, 12, 31)  # any real HR date; storable


def _in_range(d: date) -> date:
    if not FIRST_DATE <= d <= LAST_DATE:
        raise ValueError_("value.date_range", "a date from 1900 to 2199", "dyddiad o 1900 i 2199")
    return d


_MAX_INTEGER = 2**63 - 1
_MONEY = re.compile(r"^[£]?\s*(-?[0-9][0-9,]*(?:\.[0-9]+)?|-?\.[0-9]+)$")


def parse_number(value: object, kind: str = "number") -> float | int:
    if isinstance(value, bool):
        raise ValueError_("value.number", "a number", "rhif")
    if isinstance(value, int | float):
        number: float | int = value
    else:
        text = as_text(value).replace(" ", "").replace("\u00a0", "")
        m = _MONEY.match(text)
        # "1,2" is not a number in UK usage: thousands separators must group by three.
        if not m or ("," in m[1] and not re.fullmatch(r"-?\d{1,3}(,\d{3})*(\.\d+)?", m[1])):
            en, cy = (("an amount in pounds such as 12.34", "swm mewn punnoedd fel 12.34")
                      if kind == "money" else ("a number", "rhif"))
            raise ValueError_("value.number", en, cy)
        number = float(m[1].replace(",", ""))
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError_("value.number", "a number", "rhif")
    if kind == "integer":
        if not float(number).is_integer():
            raise ValueError_("value.integer", "a whole number", "rhif cyfan")
        if abs(number) > _MAX_INTEGER:  # the warehouse stores 64-bit integers
            raise ValueError_("value.too_large", "a whole number", "rhif cyfan")
        return int(number)
    return float(number)


def band_age(age: int) -> str:
    for lo, hi in std.AGE_BANDS:
        if age >= lo and (hi is None or age <= hi):
            return f"{lo}-{hi}" if hi else f"{lo}+"
    raise ValueError_("value.age", "an age band, or an age of 16 or over",
                      "band oedran, neu oedran 16 neu'n hŷn")


def parse_age_band(value: object, codes: std.CodeList) -> str:
    try:
        return parse_code(value, codes)
    except ValueError_:
        pass
    try:
        age = parse_number(value, "integer")
    except ValueError_:
        raise ValueError_("value.code", "an age band such as 30-39, or an age",
                          "band oedran fel 30-39, neu oedran") from None
    if not 0 <= age < 130:
        raise ValueError_("value.age", "an age band, or an age of 16 or over",
                          "band oedran, neu oedran 16 neu'n hŷn")
    return band_age(int(age))


_LIST_SPLIT = re.compile(r"[;,]")
_AND_SPLIT = re.compile(r"\s+(?:and|&|a|ac)\s+|\s*&\s*|\s*\+\s+", re.IGNORECASE)


@dataclass(frozen=True)
class CodesValue:
    codes: tuple[str, ...]
    note: str | None  # free text that was not a standard code, kept as a note


def parse_codes(value: object, codes: std.CodeList) -> CodesValue:
    """A list such as "Intersectionality; Race focus 24/25" or "Sex, Disability and Race."."""
    index, expansions = code_index(codes), _expansion_index(codes)
    found: list[str] = []
    notes: list[str] = []

    def one(part: str) -> tuple[str, ...] | None:
        k = key(part)
        if k in index:
            return (index[k],)
        return expansions.get(k)

    for part in _LIST_SPLIT.split(as_text(value)):
        part = part.strip().rstrip(".").strip()
        if not part:
            continue
        got = one(part)
        if got is None:
            pieces = [p for p in _AND_SPLIT.split(part) if p.strip()]
            each = [one(p) for p in pieces]
            if len(pieces) > 1 and all(each):
                got = tuple(c for cs in each for c in cs)  # type: ignore[union-attr]
        if got is None:
            # A free-text focus ("Race focus 24/25"): keep the text, take the leading code.
            words = part.split()
            lead = next((one(" ".join(words[:n])) for n in range(len(words) - 1, 0, -1)
                         if one(" ".join(words[:n]))), None)
            notes.append(part)
            got = lead or ()
        found.extend(c for c in got if c not in found)
    order = {c: i for i, c in enumerate(codes.values)}
    return CodesValue(tuple(sorted(found, key=order.__getitem__)), "; ".join(notes) or None)
