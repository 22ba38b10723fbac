"""The rule columns judge identifiers as the standards do, and as `suizhi.identifiers` does."""
from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from suizhi.identifiers import citizen_id_check_digit, is_valid_citizen_id, is_valid_credit_code
from suizhi.quality.rules import (
    LANDLINE,
    MOBILE,
    address_in_district_sql,
    citizen_id_sql,
    credit_code_sql,
    in_guangzhou_sql,
    passes_sql,
)
from suizhi.quality.suite import Expectation

pytestmark = pytest.mark.spark

BODY = "44010619850301123"            # a Tianhe body with a real birth date
CITIZEN_IDS = {
    "11010519491231002X": True,       # GB 11643's own example
    "110105194912310021": False,      # its check character altered
    "11010519491231002x": False,      # lowercase x is a 规范性 defect
    BODY + citizen_id_check_digit(BODY): True,
    "440116198503011234"[:17] + citizen_id_check_digit("44011619850301123"): True,   # retired 萝岗区
    "440199198503011234"[:17] + citizen_id_check_digit("44019919850301123"): False,  # no such district
    "990106198503011234"[:17] + citizen_id_check_digit("99010619850301123"): False,  # no such province
    "44010619850230123" + citizen_id_check_digit("44010619850230123"): False,        # 30 February
    "44010621990301123" + citizen_id_check_digit("44010621990301123"): False,        # born in the future
    "4401061985030112": False,
}
CREDIT_CODES = {
    "91350100M000100Y43": True,       # the example printed with GB 32100
    "91110000600037341L": True,
    "911100007109324410": False,
    "91350100M000100Y44": False,
    "91350100M000I00Y43": False,      # I is outside the alphabet
    "9135010OM000100Y43": False,      # letter among the division digits
}


def _judge(spark, values, rule):
    df = spark.createDataFrame([(v,) for v in values], "v string")
    return {r.v: r.ok for r in df.select("v", F.expr(rule("`v`")).alias("ok")).collect()}


def test_citizen_ids_as_gb11643_and_the_python_form(spark):
    judged = _judge(spark, CITIZEN_IDS, citizen_id_sql)
    assert judged == CITIZEN_IDS
    python = {v: is_valid_citizen_id(v) and v[:2] != "99" and v[:6] != "440199" for v in CITIZEN_IDS}
    assert judged == python


def test_credit_codes_as_gb32100_and_the_python_form(spark):
    judged = _judge(spark, CREDIT_CODES, credit_code_sql)
    assert judged == CREDIT_CODES == {v: is_valid_credit_code(v) for v in CREDIT_CODES}


def test_mobile_and_landline_numbers(spark):
    phones = {"13800138000": (True, False), "12800138000": (False, False), "1380013800": (False, False),
              "020-83541234": (False, True), "02083541234": (False, True), "0757-2281234": (False, True),
              "020-1234567": (False, False), "+8613800138000": (False, False)}
    mobile = _judge(spark, phones, lambda c: f"{c} RLIKE '{MOBILE}'")
    landline = _judge(spark, phones, lambda c: f"{c} RLIKE '{LANDLINE}'")
    assert {v: (mobile[v], landline[v]) for v in phones} == phones


def test_coordinates_and_address_district_consistency(spark):
    df = spark.createDataFrame([(113.32, 23.13, "广州市天河区体育西路1号", "440106"),
                                (116.40, 39.90, "广州市天河区体育西路1号", "440199"),
                                (113.26, 23.12, "广州市越秀区中山五路2号", "440106"),
                                (113.46, 23.17, "广州市萝岗区开创大道3号", "440116")],
                               "lng double, lat double, address string, district string")
    got = [(r.inside, r.same) for r in df.select(F.expr(in_guangzhou_sql("lng", "lat")).alias("inside"),
                                                  F.expr(address_in_district_sql("address", "district"))
                                                  .alias("same")).collect()]
    assert got == [(True, True), (False, False), (True, False), (True, True)]


def test_rule_text_keeps_quotes_and_backslashes_of_code_values(spark):
    values = ["a'b", "c\\d", "%", "天河", "e\\'f"]
    rule = Expectation(rule="kind_in_set", type="in_set", column="kind", values=values, dimension="规范性",
                       action="warn", description="取值在代码表内")
    df = spark.createDataFrame([(v,) for v in [*values, "ab", "c\\\\d", "'", None]], "kind string")
    got = {r.kind: r.ok for r in df.select("kind", F.expr(passes_sql(rule)).alias("ok")).collect()}
    assert got == {**dict.fromkeys(values, True), "ab": False, "c\\\\d": False, "'": False, None: True}
