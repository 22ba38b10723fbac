"""Unit tests of the fake-value generators: valid by the same rules the pipeline checks, and reproducible."""
import random
import re

import pytest

from suizhi.identifiers import (
    GUANGZHOU_DISTRICTS,
    RETIRED_DISTRICTS,
    in_guangzhou,
    is_valid_citizen_id,
    is_valid_credit_code,
    is_valid_mobile,
)
from suizhi.simulate import fakes

SAMPLES = 1000


def rng() -> random.Random:
    return random.Random(7)


def test_citizen_ids_all_valid():
    r = rng()
    ids = [fakes.citizen_id(r) for _ in range(SAMPLES)]
    assert sum(map(is_valid_citizen_id, ids)) == SAMPLES
    prefixes = {i[:6] for i in ids}
    assert prefixes <= set(GUANGZHOU_DISTRICTS) | set(RETIRED_DISTRICTS)
    assert prefixes & set(RETIRED_DISTRICTS)  # older records carry retired codes
    assert all(1940 <= int(i[6:10]) <= 2015 for i in ids)


def test_invalid_citizen_ids_all_fail_only_on_check_digit():
    r = rng()
    ids = [fakes.citizen_id(r, valid=False) for _ in range(SAMPLES)]
    assert sum(map(is_valid_citizen_id, ids)) == 0
    assert all(re.fullmatch(r"[0-9]{17}[0-9X]", i) for i in ids)


def test_citizen_id_year_range():
    r = rng()
    ids = [fakes.citizen_id(r, year_range=(2000, 2000)) for _ in range(200)]
    assert {i[6:10] for i in ids} == {"2000"}
    with pytest.raises(ValueError):
        fakes.citizen_id(r, year_range=(1800, 1900))


def test_citizen_ids_golden_for_seed_7():
    r = rng()
    assert [fakes.citizen_id(r) for _ in range(3)] == [
        "44010519980525050X",
        "440111197210215973",
        "440111194305130899",
    ]


def test_same_seed_same_values():
    def draw(r: random.Random) -> list:
        return [
            (
                fakes.citizen_id(r),
                fakes.person_name(r),
                fakes.mobile(r),
                fakes.district_code(r),
                fakes.coordinate(r),
                fakes.plate(r),
                fakes.address(r, "440106"),
                fakes.credit_code(r),
                fakes.device_id(r, "GZ-IOT"),
                fakes.free_text(r),
            )
            for _ in range(50)
        ]

    assert draw(random.Random(7)) == draw(random.Random(7))
    assert draw(random.Random(7)) != draw(random.Random(8))


def test_global_random_untouched():
    random.seed(1)
    expected = random.random()
    random.seed(1)
    fakes.citizen_id(rng())
    fakes.free_text(rng())
    assert random.random() == expected


def test_credit_codes():
    r = rng()
    good = [fakes.credit_code(r) for _ in range(SAMPLES)]
    bad = [fakes.credit_code(r, valid=False) for _ in range(SAMPLES)]
    assert sum(map(is_valid_credit_code, good)) == SAMPLES
    assert sum(map(is_valid_credit_code, bad)) == 0
    assert all(c.startswith("914401") and len(c) == 18 for c in good + bad)


def test_mobiles_valid():
    r = rng()
    assert sum(is_valid_mobile(fakes.mobile(r)) for _ in range(SAMPLES)) == SAMPLES


def test_districts_current_and_weighted():
    r = rng()
    codes = [fakes.district_code(r) for _ in range(SAMPLES)]
    assert set(codes) == set(GUANGZHOU_DISTRICTS)
    # 白云 (3.7M residents) outnumbers 从化 (0.7M).
    assert codes.count("440111") > 3 * codes.count("440117")


def test_coordinates_in_bbox_and_near_district():
    r = rng()
    assert all(in_guangzhou(*fakes.coordinate(r)) for _ in range(SAMPLES))
    for code in GUANGZHOU_DISTRICTS:
        lng0, lat0 = fakes.DISTRICT_CENTRES[code]
        for _ in range(50):
            lng, lat = fakes.coordinate(r, code)
            assert in_guangzhou(lng, lat)
            assert abs(lng - lng0) <= 0.05 + 1e-6 and abs(lat - lat0) <= 0.05 + 1e-6
    with pytest.raises(ValueError):
        fakes.coordinate(r, "110105")


def test_person_names():
    r = rng()
    names = [fakes.person_name(r) for _ in range(SAMPLES)]
    assert all(2 <= len(n) <= 4 for n in names)
    assert all(n[0] in fakes.SURNAMES or n[:2] in fakes.COMPOUND_SURNAMES for n in names)


def test_plates():
    r = rng()
    plates = [fakes.plate(r) for _ in range(SAMPLES)]
    regular = re.compile(r"粤A[0-9A-HJ-NP-Z]{5}")
    new_energy = re.compile(r"粤A[DF][0-9A-HJ-NP-Z][0-9]{4}")
    assert all(regular.fullmatch(p) or new_energy.fullmatch(p) for p in plates)
    assert any(len(p) == 8 for p in plates) and any(len(p) == 7 for p in plates)
    assert all(sum(c.isalpha() and c.isascii() for c in p[2:]) <= 2 for p in plates if len(p) == 7)


def test_addresses():
    r = rng()
    for code, name in GUANGZHOU_DISTRICTS.items():
        a = fakes.address(r, code)
        assert re.fullmatch(rf"广州市{name}\w+路?\w*[0-9]{{1,3}}号", a), a
    with pytest.raises(ValueError):
        fakes.address(r, "440116")


def test_device_ids():
    r = rng()
    assert re.fullmatch(r"GZ-WATER-[0-9A-F]{8}", fakes.device_id(r, "GZ-WATER"))
    with pytest.raises(ValueError):
        fakes.device_id(r, "")


def test_free_text():
    r = rng()
    texts = [fakes.free_text(r) for _ in range(SAMPLES)]
    assert all(10 <= len(t) <= 60 and t.endswith("。") for t in texts)
    hinted = fakes.free_text(r, topic_hint="噪音")
    assert any(issue in hinted for issue in fakes.FREE_TEXT_ISSUES["噪音"])
    with pytest.raises(ValueError):
        fakes.free_text(r, topic_hint="不存在")
