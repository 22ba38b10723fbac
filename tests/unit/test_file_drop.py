"""File drops are read as raw strings; a bad file is named with its line and moved to _rejected/."""
from __future__ import annotations

import pytest

from suizhi.catalog import load_catalog
from suizhi.connectors.file_drop import FileDrop
from suizhi.errors import RejectedFile, SchemaDrift, SourceError
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
    _drop(tmp_path, HOTLINE, HEADER
          + "RX1,王芳,13800138000,440106,噪音,受理,5,2021-03-01 08:00:00,2021-03-01 09:00:00\n"
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
    assert ((row["caller_name"], row["caller_mobile"], row["content"], row["satisfaction"])
            == ("N/A", "NULL", "NA", "#N/A"))


def test_a_missing_drop_names_the_system_and_period(tmp_path):
    with pytest.raises(SourceError, match=r"system zsj_hotline_12345: no csv drop for 2021-05 in "):
        FileDrop(str(tmp_path)).read(HOTLINE, CATALOG.contracts["hotline_ticket"], "2021-05")


def test_a_renamed_column_names_the_file_and_both_columns(tmp_path):
    path = _drop(tmp_path, HOTLINE, HEADER.replace("caller_mobile", "phone") + "RX1,,,,,,,,\n")
    with pytest.raises(SourceError) as err:
        FileDrop(str(tmp_path)).read(HOTLINE, CATALOG.contracts["hotline_ticket"], "2021-03")
    rejected = path.parent / "_rejected" / path.name
    reason = ("system zsj_hotline_12345: file zsj_hotline_12345_2021-03.csv header: columns differ from "
              "schemas/hotline_ticket.yaml (missing ['caller_mobile'], unexpected ['phone']; new_columns: refuse, "
              "missing_columns: refuse)")
    assert str(err.value) == f"{reason} (moved to {rejected}, beside its .error.txt)"
    assert not path.exists() and rejected.exists()
    assert (path.parent / "_rejected" / (path.name + ".error.txt")).read_text(encoding="utf-8") == reason + "\n"


def test_a_row_with_too_many_fields_names_the_file(tmp_path):
    path = _drop(tmp_path, HOTLINE, HEADER + "RX1,a,b,c,d,e,f,g,h,EXTRA\n")
    with pytest.raises(RejectedFile, match=f"system zsj_hotline_12345: file {path.name} line 2: 10 fields, "
                                           "the header has 9"):
        FileDrop(str(tmp_path)).read(HOTLINE, CATALOG.contracts["hotline_ticket"], "2021-03")


def test_broken_json_names_the_line(tmp_path):
    good = ('{"sample_id": "HS1", "citizen_id": "11010519491231002X", "person_name": "李雷", "district_code": "440106",'
            ' "lng": 113.3, "lat": 23.1, "result": "阴性", "sampled_at": "2021-03-01 08:00:00",'
            ' "updated_at": "2021-03-01 09:00:00"}\n')
    path = _drop(tmp_path, COVID, good + '{"sample_id": "HS2", \n')
    with pytest.raises(SourceError, match=f"system wjw_covid_test_tianhe: file {path.name} line 2: invalid JSON"):
        FileDrop(str(tmp_path)).read(COVID, CATALOG.contracts["covid_test"], "2021-03")
    with pytest.raises(SourceError, match="was rejected .* sends a corrected file of the same name"):
        FileDrop(str(tmp_path)).read(COVID, CATALOG.contracts["covid_test"], "2021-03")
    _drop(tmp_path, COVID, good)  # the department sends the file again, corrected
    rows = FileDrop(str(tmp_path)).read(COVID, CATALOG.contracts["covid_test"], "2021-03").to_pylist()
    assert (rows[0]["lng"], rows[0]["_source_line"]) == ("113.3", 1)


ROW = ["RX1", "王芳", "13800138000", "440106", "噪音扰民", "受理", "5", "2021-03-01 08:00:00", "2021-03-01 09:00:00"]


def _gbk(system, encoding):
    data = system.model_dump()
    data["connector"] = {"kind": "file_drop", "format": "csv", "encoding": encoding}
    return type(system).model_validate(data)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_csv_in_chinese_encodings_is_decoded(tmp_path, encoding):
    system = _gbk(HOTLINE, encoding)
    folder = tmp_path / system.id
    folder.mkdir()
    (folder / f"{system.id}_2021-03.csv").write_bytes((HEADER + ",".join(ROW) + "\n").encode(encoding))
    rows = FileDrop(str(tmp_path)).read(system, CATALOG.contracts["hotline_ticket"], "2021-03").to_pylist()
    assert (rows[0]["caller_name"], rows[0]["content"], rows[0]["_source_line"]) == ("王芳", "噪音扰民", 2)


def test_a_file_in_the_wrong_encoding_names_the_line_and_blocks_its_period(tmp_path):
    folder = tmp_path / HOTLINE.id
    folder.mkdir()
    path = folder / f"{HOTLINE.id}_2021-03.csv"
    path.write_bytes((HEADER + "RX0,a,b,c,d,e,f,g,h\n" + ",".join(ROW) + "\n").encode("gbk"))
    with pytest.raises(RejectedFile, match=f"file {path.name} line 3: not valid utf-8"):
        FileDrop(str(tmp_path)).read(HOTLINE, CATALOG.contracts["hotline_ticket"], "2021-03")
    assert (folder / "_rejected" / path.name).read_bytes().startswith(HEADER.encode())


def _xlsx(path, rows):
    from openpyxl import Workbook
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)


def test_xlsx_rows_arrive_as_strings_with_their_sheet_row(tmp_path):
    system = _gbk(HOTLINE, "utf-8").model_copy(
        update={"connector": HOTLINE.connector.model_copy(update={"format": "xlsx"})})
    (tmp_path / system.id).mkdir()
    _xlsx(tmp_path / system.id / f"{system.id}_2021-03.xlsx", [HEADER.strip().split(","), ROW, ROW[:1] + [None] * 8])
    rows = FileDrop(str(tmp_path)).read(system, CATALOG.contracts["hotline_ticket"], "2021-03").to_pylist()
    assert [(r["ticket_id"], r["caller_name"], r["_source_line"]) for r in rows] == [
        ("RX1", "王芳", 2), ("RX1", None, 3)]


def test_a_truncated_xlsx_is_rejected_whole(tmp_path):
    system = HOTLINE.model_copy(update={"connector": HOTLINE.connector.model_copy(update={"format": "xlsx"})})
    (tmp_path / system.id).mkdir()
    path = tmp_path / system.id / f"{system.id}_2021-03.xlsx"
    _xlsx(path, [HEADER.strip().split(","), ROW])
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(RejectedFile, match=f"file {path.name} line 1: not a readable xlsx workbook"):
        FileDrop(str(tmp_path)).read(system, CATALOG.contracts["hotline_ticket"], "2021-03")


def test_a_landed_file_is_archived_with_its_checksum_and_never_read_again(tmp_path):
    path = _drop(tmp_path, HOTLINE, HEADER + ",".join(ROW) + "\n")
    drop = FileDrop(str(tmp_path))
    first = drop.extract(HOTLINE, CATALOG.contracts["hotline_ticket"], "2021-03")
    [record] = first.source["files"]
    assert (record["name"], record["rows"], len(record["sha256"])) == (path.name, 1, 64)
    drop.archive_landed(HOTLINE, first.source)
    assert (path.parent / "_archive" / path.name).exists() and not path.exists()
    _drop(tmp_path, HOTLINE, HEADER + ",".join(ROW) + "\n")  # the same bytes sent again
    again = drop.extract(HOTLINE, CATALOG.contracts["hotline_ticket"], "2021-03")
    assert (again.table, again.rows, again.source) == (None, 1, {"files": [record], "archived": True})
    assert not path.exists()


def test_a_new_column_is_kept_in_extra_when_the_contract_adds_and_refused_otherwise(tmp_path):
    contract = CATALOG.contracts["hotline_ticket"]
    path = _drop(tmp_path, HOTLINE, HEADER.strip() + ",channel\n" + ",".join(ROW) + ",微信\n")
    with pytest.raises(SchemaDrift, match=r"header: columns differ .* \(missing \[\], unexpected \['channel'\]; "
                                          r"new_columns: refuse, missing_columns: refuse\)"):
        FileDrop(str(tmp_path)).read(HOTLINE, contract, "2021-03")
    path.write_bytes((path.parent / "_rejected" / path.name).read_bytes())  # sent again, once the contract adds
    rows = FileDrop(str(tmp_path)).read(HOTLINE, contract.model_copy(update={"new_columns": "add"}), "2021-03")
    assert [(r["ticket_id"], r["_extra"]) for r in rows.to_pylist()] == [("RX1", '{"channel": "微信"}')]


def test_a_file_arriving_after_its_month_landed_is_refused_not_lost(tmp_path):
    _drop(tmp_path, HOTLINE, HEADER + ",".join(ROW) + "\n")
    drop = FileDrop(str(tmp_path))
    drop.archive_landed(HOTLINE, drop.extract(HOTLINE, CATALOG.contracts["hotline_ticket"], "2021-03").source)
    late = _drop(tmp_path, HOTLINE, HEADER + ",".join(["RX2"] + ROW[1:]) + "\n", period="2021-03_2")
    with pytest.raises(SourceError, match=f"file {late.name} arrived after 2021-03 landed"):
        drop.extract(HOTLINE, CATALOG.contracts["hotline_ticket"], "2021-03")
    assert late.exists()
