"""load_events: BIDS events.tsv files, validated."""

import numpy as np
import pandas as pd
import pytest

from neurost.io import load_events


def _tsv(tmp_path, text, name="sub-01_task-faces_events.tsv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_reads_sorts_and_keeps_extra_columns(tmp_path):
    path = _tsv(
        tmp_path,
        "onset\tduration\ttrial_type\tresponse_time\n"
        "10.5\t2\tface\t0.61\n"
        "-2\t0\tfixation\tn/a\n"
        "3.25\tn/a\thouse\t0.7\n",
    )
    events = load_events(path, require=("trial_type",))
    assert list(events.columns) == ["onset", "duration", "trial_type", "response_time"]
    assert events["onset"].tolist() == [-2.0, 3.25, 10.5]
    assert events["trial_type"].tolist() == ["fixation", "house", "face"]
    assert (
        events["onset"].dtype == np.float64 and events["duration"].dtype == np.float64
    )
    assert np.isnan(events["duration"][1]) and np.isnan(events["response_time"][0])
    assert list(events.index) == [0, 1, 2]


def test_accepts_a_dataframe_without_modifying_it():
    table = pd.DataFrame(
        {"onset": [5, 1], "duration": [1, 1], "trial_type": ["a", "b"]}
    )
    events = load_events(table)
    assert events["onset"].tolist() == [1.0, 5.0]
    assert table["onset"].tolist() == [5, 1]
    # In a DataFrame, NaN plays the part of n/a.
    table["duration"] = [np.nan, 1.0]
    assert np.isnan(load_events(table)["duration"][1])
    table["onset"] = [np.nan, 1.0]
    with pytest.raises(
        ValueError,
        match=r"every 'onset' in the events table must be a number \(n/a is not allowed\)",
    ):
        load_events(table)


def test_missing_columns_are_named_with_suggestions(tmp_path):
    path = _tsv(tmp_path, "Onset\tduration\ttrial type\n1\t2\ta\n")
    with pytest.raises(
        ValueError,
        match=r"lacks column\(s\) \['onset', 'trial_type'\]; .*found \['Onset', 'duration', 'trial type'\]. Did you mean 'Onset' or 'trial type'",
    ):
        load_events(path, require="trial_type")
    comma = _tsv(tmp_path, "onset,duration\n1,2\n", name="comma_events.tsv")
    with pytest.raises(ValueError, match="must be separated by tabs"):
        load_events(comma)


def test_negative_durations_are_refused(tmp_path):
    path = _tsv(tmp_path, "onset\tduration\n1\t2\n4\t-0.5\n")
    with pytest.raises(
        ValueError,
        match=r"every 'duration' in .* must be zero or positive; 1 row\(s\) are not \(first: row 1 .* value -0.5\)",
    ):
        load_events(path)


@pytest.mark.parametrize(
    ("onsets", "message"),
    [
        (
            "1\nabc",
            r"column 'onset' of .* must hold numbers \(seconds\) or n/a; row 1 .* holds .*'abc'",
        ),
        ("1\nNaN", r"column 'onset' .* row 1 .* 'NaN'"),
        ("n/a\n1", r"every 'onset' in .* must be a number \(n/a is not allowed\)"),
        ("1\ninf", r"every 'onset' in .* must be a finite number"),
    ],
)
def test_onsets_must_be_finite_numbers(tmp_path, onsets, message):
    path = _tsv(
        tmp_path,
        "onset\tduration\n" + "\n".join(f"{o}\t1" for o in onsets.split("\n")) + "\n",
    )
    with pytest.raises(ValueError, match=message):
        load_events(path)


def test_infinite_duration_is_refused(tmp_path):
    with pytest.raises(
        ValueError, match="every 'duration' in .* must be a finite number or n/a"
    ):
        load_events(_tsv(tmp_path, "onset\tduration\n1\tinf\n"))


def test_missing_empty_or_wrong_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="events: no such file"):
        load_events(tmp_path / "absent_events.tsv")
    with pytest.raises(ValueError, match=r"events: unsupported file type 'events.csv'"):
        load_events(_tsv(tmp_path, "onset,duration\n", name="events.csv"))
    with pytest.raises(
        ValueError,
        match="events: expected a tab-separated table with a header row; cannot parse",
    ):
        load_events(_tsv(tmp_path, "", name="empty_events.tsv"))
    assert load_events(
        _tsv(tmp_path, "onset\tduration\n", name="none_events.tsv")
    ).empty


def test_row_with_extra_field_is_refused(tmp_path):
    path = tmp_path / "events.tsv"
    path.write_text("onset\tduration\n1\t2\t3\n4\t5\n")
    with pytest.raises(ValueError, match="events: expected a tab-separated table"):
        load_events(path)


def test_require_must_name_columns(tmp_path):
    path = tmp_path / "events.tsv"
    path.write_text("onset\tduration\n1\t2\n")
    with pytest.raises(TypeError, match="require must be a column name"):
        load_events(path, require=None)


def test_hints_are_not_repeated(tmp_path):
    path = tmp_path / "events.tsv"
    path.write_text("onset,duration\n1,2\n")
    with pytest.raises(ValueError) as excinfo:
        load_events(path)
    assert str(excinfo.value).count("'onset,duration' or 'onset,duration'") == 0
