"""File drops are read as raw strings; a bad file is named with its line, and stays where it is."""
from __future__ import annotations

import pytest

from suizhi.catalog import load_catalog
from suizhi.connectors.file_drop import FileDrop
from suizhi.errors import SourceError
from tests.conftest import MINI

CATALOG = load_catalog(MINI)
HOTLINE = CATALOG.systems["zsj_hotline_12345"]
COVID = CATALOG.systems["wjw_covid_test_tianhe"]
HEADER = "ticket_id,caller_name,caller_mobile,district_code,content,status,satisfaction,created_at,updated_at\n"


def _drop(tmp_path, system, text, period="2021-03"):
    folder = tmp_path / system.id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{system.id}_{period}.{system.connector.format}"
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_rows_arrive_as_strings_with_file_and_line(tmp_path):
    _drop(tmp_path, HOTLINE, HEADER + "RX1,王芳,13800138000,440106,噪音,受理,5,2021-03-01 08:00:00,2021-03-01 09:00:00\n"
                                      "RX2,,,440104,,已办结,,2021-03-02 08:00:00,2021-03-02 09:00:00\n")
    table = FileDrop(str(tmp_path)).read(HOTLINE, CATALOG.contracts["hotline_ticket"], "2021-03")
    rows = table.to_pylist()
    assert [r["ticket_id"] for r in rows] == ["RX1", "RX2"]
    assert rows[0]["satisfaction"] == "5" and rows[1]["satisfaction"] is None
    assert [(r["_source_file"], r["_source_line"]) for r in rows] == [
        ("zsj_hotline_12345_2021-03.csv", 2), ("zsj_hotline_12345_2021-03.csv", 3)]


def test_values_that_look_null_are_kept_as_written(tmp_path):
    _drop(tmp_path, HOTLINE, HEADER + "RX1,N/A,NULL,440106,NA,受理,#N/A,2021-03-01 08:00:00,2021-03-01 09:00:00\n")
    row = FileDrop(str(tmp_path)).read(HOTLINE, CATALOG.contracts["hotline_ticket"], "2021-03").to_pylist()[0]
    assert (row["caller_name"], row["caller_mobile"], row["content"], row["satisfaction"]) == ("N/A", "NULL", "NA", "#N/A")


def test_a_missing_drop_names_the_system_and_period(tmp_path):
    with pytest.raises(SourceError, match=r"system zsj_hotline_12345: no csv drop for 2021-05 in "):
        FileDrop(str(tmp_path)).read(HOTLINE, CATALOG.contracts["hotline_ticket"], "2021-05")


def test_a_renamed_column_names_the_file_and_both_columns(tmp_path):
    path = _drop(tmp_path, HOTLINE, HEADER.replace("caller_mobile", "phone") + "RX1,,,,,,,,\n")
    with pytest.raises(SourceError) as err:
        FileDrop(str(tmp_path)).read(HOTLINE, CATALOG.contracts["hotline_ticket"], "2021-03")
    assert str(err.value) == (f"system zsj_hotline_12345: file {path} header: columns differ from "
                              "schemas/hotline_ticket.yaml (missing ['caller_mobile'], unexpected ['phone'])")
    assert path.exists()


def test_a_row_with_too_many_fields_names_the_file(tmp_path):
    path = _drop(tmp_path, HOTLINE, HEADER + "RX1,a,b,c,d,e,f,g,h,EXTRA\n")
    with pytest.raises(SourceError, match=f"system zsj_hotline_12345: file {path}: cannot be parsed as CSV"):
        FileDrop(str(tmp_path)).read(HOTLINE, CATALOG.contracts["hotline_ticket"], "2021-03")


def test_broken_json_names_the_line(tmp_path):
    good = ('{"sample_id": "HS1", "citizen_id": "11010519491231002X", "person_name": "李雷", "district_code": "440106",'
            ' "lng": 113.3, "lat": 23.1, "result": "阴性", "sampled_at": "2021-03-01 08:00:00",'
            ' "updated_at": "2021-03-01 09:00:00"}\n')
    path = _drop(tmp_path, COVID, good + '{"sample_id": "HS2", \n')
    with pytest.raises(SourceError, match=f"system wjw_covid_test_tianhe: file {path} line 2: invalid JSON"):
        FileDrop(str(tmp_path)).read(COVID, CATALOG.contracts["covid_test"], "2021-03")
    _drop(tmp_path, COVID, good)
    rows = FileDrop(str(tmp_path)).read(COVID, CATALOG.contracts["covid_test"], "2021-03").to_pylist()
    assert (rows[0]["lng"], rows[0]["_source_line"]) == ("113.3", 1)
