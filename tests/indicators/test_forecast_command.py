"""The `forecast` management command: JSON on stdout, CommandError naming the line on bad input. No database."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kechuang.indicators.management.commands.forecast import Command

GOOD = "year,value\n" + "".join(f"{2015 + i},{1000 + 60 * i + (-1) ** i * 8}\n" for i in range(9))
BAD = "year,value\n2020,1\n2021,一千\n"


@pytest.fixture
def good_csv(tmp_path: Path) -> Path:
    path = tmp_path / "high_tech_enterprises.csv"
    path.write_text(GOOD, encoding="utf-8")
    return path


@pytest.fixture
def bad_csv(tmp_path: Path) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    return path


def run(command, *args: str) -> dict:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return json.loads(out.getvalue())


# These pass a Command instance, so they run without settings or the app registry.


def test_command_object_prints_json(good_csv: Path):
    data = run(Command(), "--series", str(good_csv), "--target", "2000", "--deadline", "2027")
    assert data["n_observations"] == 9
    assert data["method"] in {"linear", "log_linear", "damped_trend"}
    assert [row["year"] for row in data["forecast"]] == [2024, 2025, 2026, 2027]
    assert 0.0 <= data["probability_of_meeting_target"] <= 1.0


def test_command_object_output_is_indented_and_not_ascii_escaped(tmp_path: Path):
    path = tmp_path / "short.csv"
    path.write_text("year,value\n2022,5\n", encoding="utf-8")
    out = StringIO()
    call_command(Command(), "--series", str(path), "--target", "10", "--deadline", "2027", stdout=out)
    text = out.getvalue()
    assert text.startswith("{\n  ")
    assert json.loads(text)["method"] == "insufficient_data"


def test_command_object_comparator_and_level(good_csv: Path):
    ge = run(Command(), "--series", str(good_csv), "--target", "1400", "--deadline", "2026")
    le = run(Command(), "--series", str(good_csv), "--target", "1400", "--deadline", "2026", "--comparator", "le")
    assert ge["probability_of_meeting_target"] + le["probability_of_meeting_target"] == pytest.approx(1.0)
    wide = run(Command(), "--series", str(good_csv), "--target", "1400", "--deadline", "2026", "--level", "0.95")
    assert wide["forecast"][-1]["upper"] > ge["forecast"][-1]["upper"]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (BAD, (), "line 3"),
        ("year,value\n2020,1\n2020,2\n", (), "line 3"),
        (GOOD, ("--target", "nan"), "target"),
    ],
)
def test_command_object_bad_input_raises_command_error(tmp_path: Path, content, args, message):
    path = tmp_path / "series.csv"
    path.write_text(content, encoding="utf-8")
    base = ["--series", str(path), "--target", "10", "--deadline", "2027"]
    with pytest.raises(CommandError, match=message):
        call_command(Command(), *base, *args, stdout=StringIO())


def test_command_object_missing_file(tmp_path: Path):
    with pytest.raises(CommandError, match="not found"):
        call_command(Command(), "--series", str(tmp_path / "none.csv"), "--target", "1", "--deadline", "2027")


# These go through Django's command discovery and need kechuang.settings (with kechuang.indicators installed).


def test_forecast_command_by_name(good_csv: Path):
    data = run("forecast", "--series", str(good_csv), "--target", "2000", "--deadline", "2027", "--comparator", "ge")
    assert data["n_observations"] == 9
    assert len(data["forecast"]) == 4


def test_forecast_command_by_name_bad_input(bad_csv: Path):
    with pytest.raises(CommandError, match="line 3"):
        call_command("forecast", "--series", str(bad_csv), "--target", "10", "--deadline", "2027")


def test_forecast_command_line_exits_non_zero_with_the_line_on_stderr(bad_csv: Path, capsys):
    with pytest.raises(SystemExit) as info:
        Command().run_from_argv(
            ["manage.py", "forecast", "--series", str(bad_csv), "--target", "10", "--deadline", "2027"]
        )
    assert info.value.code != 0
    captured = capsys.readouterr()
    assert "line 3" in captured.err
    assert captured.out == ""
