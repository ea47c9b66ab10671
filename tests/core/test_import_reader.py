"""The shared workbook reader (core.imports.read_workbook) as users' files meet it: a file no parser can open is
told in a plain sentence of the reader's language with what to do (the parser's English stayed in the message:
"无法读取该 Excel 文件（File not found '_rels/.rels'）"), and a value merged over several rows (区县 merged over
three firms, as Excel and WPS users do) counts for every row (the rows under the merge were "required")."""

from __future__ import annotations

import io
import logging
import zipfile

import openpyxl
import pytest
from django.utils import translation

from kechuang.core.imports import ImportRejected, import_now, read_workbook
from kechuang.core.models import ImportJob
from kechuang.enterprises.population import credit_code

pytestmark = pytest.mark.django_db
HEADER = ["统一社会信用代码 *", "企业名称 *", "所属区县 *", "成立日期"]


def _zip_but_no_workbook() -> bytes:
    """A zip archive (it passes the upload checks) that is no .xlsx: a Word file renamed, a zipped folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _book(rows: list[list], merges: list[str], title: str = "企业") -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for cells in merges:
        ws.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "language, sentence",
    [
        (
            "zh-hans",
            "无法将该文件作为 Excel 工作簿（.xlsx）读取。"
            "请用 Excel 或 WPS 打开，另存为“Excel 工作簿（*.xlsx）”后重新上传。",
        ),
        (
            "en",
            "The file cannot be read as an Excel workbook (.xlsx). Open it in Excel or WPS, save it as an Excel "
            "workbook (*.xlsx) and upload it again.",
        ),
    ],
)
def test_an_unreadable_workbook_is_told_plainly_with_what_to_do(tmp_path, caplog, language, sentence):
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(_zip_but_no_workbook())
    with (
        translation.override(language),
        caplog.at_level(logging.INFO, logger="kechuang.core.imports"),
        pytest.raises(ImportRejected) as refused,
    ):
        read_workbook(path, {"企业": "enterprises"}, max_rows=10)
    assert str(refused.value) == sentence
    assert "_rels" in caplog.text  # the parser's words are kept for us, in the log


def test_an_unreadable_workbook_is_the_jobs_one_error(persona):
    job = import_now("enterprises", actor=persona("bureau_staff"), filename="renamed.xlsx", data=_zip_but_no_workbook())
    assert job.status == ImportJob.Status.FAILED
    [error] = job.errors
    assert error["reason"].startswith("无法将该文件作为 Excel 工作簿") and "_rels" not in error["reason"], error


def test_a_district_merged_over_three_rows_counts_for_each(persona):
    from kechuang.enterprises.models import Enterprise

    rows = [
        [credit_code("370302", 940_000 + n), f"合并单元格企业{n}", "张店区" if n == 0 else None, None] for n in range(3)
    ]
    data = _book([HEADER, *rows], ["C2:C4"])
    job = import_now("enterprises", actor=persona("bureau_staff"), filename="merged.xlsx", data=data)
    assert job.status == ImportJob.Status.DONE, job.errors
    regions = Enterprise.objects.filter(name__startswith="合并单元格企业").values_list("region__name", flat=True)
    assert sorted(regions) == ["张店区"] * 3


def test_a_merge_fills_its_own_column_below_the_header_only(tmp_path):
    """Across would put the value into another field; a header merged down is no data; a merge drawn past the last
    row makes no row."""
    rows = [["名称", "区县", "备注"], ["甲", "张店区", None], ["乙", None, None], ["丙", "淄川区", None], [None] * 3]
    path = tmp_path / "merges.xlsx"
    path.write_bytes(_book(rows, ["C1:C2", "B2:B3", "B4:C4", "A4:A7"], title="S"))
    [sheet] = read_workbook(path, {"S": "s"}, max_rows=10)
    cells = [list(row) for _n, row in sheet.rows]
    assert cells[:4] == [["名称", "区县", "备注"], ["甲", "张店区", ""], ["乙", "张店区", ""], ["丙", "淄川区", ""]]
    assert all(c == "" for row in cells[4:] for c in row)
