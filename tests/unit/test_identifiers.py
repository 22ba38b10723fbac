"""Unit tests of the identifier standards: exact check characters and validity verdicts."""
from datetime import date

import pytest

from suizhi.identifiers import (
    GUANGZHOU_BBOX,
    GUANGZHOU_DISTRICTS,
    RETIRED_DISTRICTS,
    citizen_id_birth_date,
    citizen_id_check_digit,
    credit_code_check_char,
    in_guangzhou,
    is_guangzhou_division,
    is_valid_citizen_id,
    is_valid_credit_code,
    is_valid_mobile,
)

STANDARD_EXAMPLE = "11010519491231002X"  # the example printed in GB 11643-1999
REAL_CREDIT_CODE = "91110000802100433B"
TODAY = date(2024, 6, 30)


def test_standard_example_check_digit_is_x():
    assert citizen_id_check_digit(STANDARD_EXAMPLE[:17]) == "X"


def test_standard_example_is_valid():
    assert is_valid_citizen_id(STANDARD_EXAMPLE)
    assert citizen_id_birth_date(STANDARD_EXAMPLE) == date(1949, 12, 31)


@pytest.mark.parametrize(
    "body, check",
    [
        ("44010619900101000", "5"),
        ("44010619900101001", "3"),
        ("44010619900101002", "1"),
        ("44010619900101003", "X"),
        ("44010619900101004", "8"),
        ("44010619900101005", "6"),
        ("44010619900101006", "4"),
        ("44010619900101007", "2"),
        ("44010619900101008", "0"),
        ("44010619900101009", "9"),
    ],
)
def test_citizen_id_check_digit_exact(body, check):
    assert citizen_id_check_digit(body) == check
    assert is_valid_citizen_id(body + check, today=TODAY)


@pytest.mark.parametrize("wrong", list("0123456789"))
def test_altered_check_character_is_invalid(wrong):
    assert not is_valid_citizen_id(STANDARD_EXAMPLE[:17] + wrong)


def test_altered_body_digit_is_invalid():
    assert not is_valid_citizen_id("11010519491231003X")


def test_lowercase_x_is_rejected_until_normalised():
    # Decision: GB 11643 prints an uppercase X; lowercase is a 规范性 defect to surface.
    lower = "11010519491231002x"
    assert not is_valid_citizen_id(lower)
    assert is_valid_citizen_id(lower.strip().upper())


def test_impossible_birth_date_is_invalid_even_with_correct_check():
    body = "11010519490231002"  # 1949-02-31
    assert citizen_id_check_digit(body) == "6"
    assert citizen_id_birth_date(body + "6") is None
    assert not is_valid_citizen_id(body + "6")


def test_birth_date_bounds():
    def with_check(body: str) -> str:
        return body + citizen_id_check_digit(body)

    assert is_valid_citizen_id(with_check("44010619000101001"), today=TODAY)
    assert not is_valid_citizen_id(with_check("44010618991231001"), today=TODAY)
    assert is_valid_citizen_id(with_check("44010620240630001"), today=TODAY)
    assert not is_valid_citizen_id(with_check("44010620240701001"), today=TODAY)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "11010519491231002",  # 17 characters
        "11010519491231002X1",  # 19 characters
        "110105194912310",  # old 15-digit form is not accepted
        " 11010519491231002X",
        "1101051949123100AX",
        "１１０１０５１９４９１２３１００２X",  # full-width digits
        None,
        110105194912310020,
    ],
)
def test_malformed_citizen_ids_are_invalid(value):
    assert not is_valid_citizen_id(value)


@pytest.mark.parametrize("bad", ["1101051949123100", "1101051949123100X", "١١٠١٠٥١٩٤٩١٢٣١٠٠٢", None])
def test_check_digit_rejects_malformed_body(bad):
    with pytest.raises(ValueError):
        citizen_id_check_digit(bad)


def test_real_credit_code_is_valid():
    assert credit_code_check_char(REAL_CREDIT_CODE[:17]) == "B"
    assert is_valid_credit_code(REAL_CREDIT_CODE)


@pytest.mark.parametrize(
    "altered",
    [
        "91110000802100433C",  # check character
        "91110000802100434B",  # a body digit
        "92110000802100433B",  # registration authority
        "91110000802100433b",  # lowercase
    ],
)
def test_altered_credit_code_is_invalid(altered):
    assert not is_valid_credit_code(altered)


def test_credit_code_check_wraps_to_zero():
    # (31 - 0) % 31 must give "0", not an out-of-range index.
    assert credit_code_check_char("91440101MA5C0000" + "4") == "0"
    assert is_valid_credit_code("91440101MA5C000040")


def test_constructed_guangzhou_credit_code():
    body = "91440101MA59UXXXX"
    assert credit_code_check_char(body) == "T"
    assert is_valid_credit_code(body + "T")


@pytest.mark.parametrize(
    "value",
    ["", "91110000802100433", "91110000802100433BB", "9111000080210043IB", "91A10000802100433B", None],
)
def test_malformed_credit_codes_are_invalid(value):
    assert not is_valid_credit_code(value)


@pytest.mark.parametrize("bad", ["9111000080210043", "9111000080210043O", "91110000802100433"[:16] + "Z"])
def test_credit_check_rejects_characters_outside_alphabet(bad):
    with pytest.raises(ValueError):
        credit_code_check_char(bad)


def test_district_tables():
    assert len(GUANGZHOU_DISTRICTS) == 11
    assert GUANGZHOU_DISTRICTS["440106"] == "天河区"
    assert set(RETIRED_DISTRICTS) == {"440116", "440183", "440184", "440102", "440107"}
    assert not set(GUANGZHOU_DISTRICTS) & set(RETIRED_DISTRICTS)


def test_guangzhou_division():
    assert all(is_guangzhou_division(code) for code in GUANGZHOU_DISTRICTS)
    assert all(is_guangzhou_division(code, allow_retired=False) for code in GUANGZHOU_DISTRICTS)
    assert is_guangzhou_division("440116")
    assert not is_guangzhou_division("440116", allow_retired=False)
    for code in ("440100", "440101", "110105", "", "4401060"):
        assert not is_guangzhou_division(code)


@pytest.mark.parametrize("value", ["13800138000", "19912345678", "16600000000"])
def test_valid_mobiles(value):
    assert is_valid_mobile(value)


@pytest.mark.parametrize(
    "value",
    ["12800138000", "1380013800", "138001380000", "+8613800138000", "138 0013 8000", "1380013800a", "", None],
)
def test_invalid_mobiles(value):
    assert not is_valid_mobile(value)


def test_bbox():
    assert GUANGZHOU_BBOX == (112.95, 22.55, 114.05, 23.95)
    assert in_guangzhou(113.361, 23.125)  # 天河
    assert in_guangzhou(112.95, 22.55) and in_guangzhou(114.05, 23.95)  # edges included
    assert not in_guangzhou(116.40, 39.90)  # 北京
    assert not in_guangzhou(113.361, 22.5)
    assert not in_guangzhou(float("nan"), 23.1)
