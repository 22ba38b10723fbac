"""Check digits and validity rules of the Chinese identifier standards the data carries.

Pure functions over strings and numbers: the quality rules (规范性, 准确性) and the
simulator both call them, so a fake identifier and a real one are judged the same way.
"""
from __future__ import annotations

import re
from datetime import date

# --- GB 11643-1999 citizen identity number ---------------------------------------

CITIZEN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# ISO 7064 MOD 11-2: the remainder 0..10 of the weighted sum selects the check character.
CITIZEN_ID_CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

_FIRST17_DIGITS = re.compile(r"[0-9]{17}")
_CITIZEN_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def citizen_id_check_digit(first17: str) -> str:
    """Return the GB 11643 check character ('0'-'9' or 'X') for the first 17 digits.

    Raises ValueError unless `first17` is exactly 17 ASCII digits.
    """
    if not isinstance(first17, str) or not _FIRST17_DIGITS.fullmatch(first17):
        raise ValueError(f"a citizen ID body must be 17 ASCII digits, got {first17!r}")
    total = sum(w * int(d) for w, d in zip(CITIZEN_ID_WEIGHTS, first17))
    return CITIZEN_ID_CHECK_CHARS[total % 11]


def citizen_id_birth_date(value: str) -> date | None:
    """Return the birth date in positions 7-14 of a citizen ID, or None if those are not a calendar date."""
    digits = value[6:14] if isinstance(value, str) else ""
    if len(digits) != 8 or not digits.isascii() or not digits.isdigit():
        return None
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def is_valid_citizen_id(value: str, *, today: date | None = None) -> bool:
    """Tell whether `value` is a well-formed 18-character citizen ID with a correct check digit.

    The check character must be an uppercase 'X' as GB 11643 prints it: a lowercase 'x'
    is a 规范性 defect the quality rules should see, so callers that want leniency
    normalise with `value.strip().upper()` first. The birth date must be a real date from
    1900-01-01 to `today` (default: the current date). Whether the 6-digit division
    prefix is a known code is a separate rule (see `is_guangzhou_division`).
    """
    if not isinstance(value, str) or not _CITIZEN_ID_SHAPE.fullmatch(value):
        return False
    born = citizen_id_birth_date(value)
    if born is None or not EARLIEST_BIRTH_DATE <= born <= (today or date.today()):
        return False
    return citizen_id_check_digit(value[:17]) == value[17]


# --- GB 32100-2015 unified social credit code -------------------------------------

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I O S V Z
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_VALUE = {ch: i for i, ch in enumerate(CREDIT_CODE_ALPHABET)}


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100 check character (mod 31) for the first 17 characters of a credit code.

    Raises ValueError unless `first17` is 17 characters of the code's 31-character alphabet.
    """
    if not isinstance(first17, str) or len(first17) != 17 or not set(first17) <= _CREDIT_VALUE.keys():
        raise ValueError(
            f"a credit code body must be 17 characters of {CREDIT_CODE_ALPHABET!r}, got {first17!r}"
        )
    total = sum(w * _CREDIT_VALUE[c] for w, c in zip(CREDIT_CODE_WEIGHTS, first17))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(value: str) -> bool:
    """Tell whether `value` is an 18-character credit code with a correct check character.

    Positions 3-8 (the division code) must be digits; uppercase only, as for citizen IDs.
    Some real codes fail the check, so a quality rule built on this should quarantine, never drop.
    """
    if not isinstance(value, str) or len(value) != 18 or any(c not in _CREDIT_VALUE for c in value):
        return False
    if not value[2:8].isdigit():
        return False
    return credit_code_check_char(value[:17]) == value[17]


# --- GB/T 2260 administrative divisions of Guangzhou ------------------------------

GUANGZHOU_DISTRICTS: dict[str, str] = {
    "440103": "荔湾区",
    "440104": "越秀区",
    "440105": "海珠区",
    "440106": "天河区",
    "440111": "白云区",
    "440112": "黄埔区",
    "440113": "番禺区",
    "440114": "花都区",
    "440115": "南沙区",
    "440117": "从化区",
    "440118": "增城区",
}

# Codes withdrawn by the 2005 and 2014 reorganisations; older records still carry them.
RETIRED_DISTRICTS: dict[str, str] = {
    "440116": "萝岗区",
    "440183": "增城市",
    "440184": "从化市",
    "440102": "东山区",
    "440107": "芳村区",
}


def is_guangzhou_division(code: str, allow_retired: bool = True) -> bool:
    """Tell whether `code` is a Guangzhou district; retired codes count unless `allow_retired` is False."""
    if code in GUANGZHOU_DISTRICTS:
        return True
    return allow_retired and code in RETIRED_DISTRICTS


# --- Mainland mobile numbers ------------------------------------------------------

_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def is_valid_mobile(value: str) -> bool:
    """Tell whether `value` is a mainland mobile number: 1[3-9] and 9 more digits, no +86 or separators."""
    return isinstance(value, str) and _MOBILE.fullmatch(value) is not None


# --- Geography -------------------------------------------------------------------

# (lng_min, lat_min, lng_max, lat_max) in WGS-84 degrees; a box around the city's land area.
GUANGZHOU_BBOX: tuple[float, float, float, float] = (112.95, 22.55, 114.05, 23.95)


def in_guangzhou(lng: float, lat: float) -> bool:
    """Tell whether the point lies in `GUANGZHOU_BBOX`, edges included: plausibility, not a boundary test."""
    lng_min, lat_min, lng_max, lat_max = GUANGZHOU_BBOX
    return lng_min <= lng <= lng_max and lat_min <= lat <= lat_max
