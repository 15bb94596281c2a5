"""load_run_list: the table of a cohort's runs."""

import pandas as pd
import pytest

from neurost.io import load_run_list


def test_relative_paths_are_relative_to_the_table(tmp_path):
    table = tmp_path / "lists" / "runs.tsv"
    table.parent.mkdir()
    table.write_text("key\tpath\tsex\nsub-02\t../sub-02.nii.gz\tF\nsub-01\t/data/sub-01.nii\tM\n")
    runs = load_run_list(table)
    assert list(runs) == ["sub-02", "sub-01"]  # the table's order
    assert runs["sub-02"] == str(tmp_path / "lists" / ".." / "sub-02.nii.gz")
    assert runs["sub-01"] == "/data/sub-01.nii"


def test_a_loaded_table_is_taken_as_it_is():
    frame = pd.DataFrame({"key": ["a", "b"], "path": ["x.nii", "y.nii"], "age": [30, 40]})
    assert load_run_list(frame) == {"a": "x.nii", "b": "y.nii"}


@pytest.mark.parametrize("text, message", [
    ("name\tpath\na\tb.nii\n", r"has no column \['key'\]"),
    ("key\tpath\na\tb.nii\na\tc.nii\n", "gives the key 'a' to several runs"),
    ("key\tpath\na\tb.nii\n\tc.nii\n", "row 2 of .* has an empty key or path"),
    ("", "cannot parse"),
])
def test_bad_tables_name_what_is_wrong(tmp_path, text, message):
    table = tmp_path / "runs.tsv"
    table.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_run_list(table)


def test_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="runs: no such file"):
        load_run_list(tmp_path / "missing.tsv")
    with pytest.raises(TypeError, match="runs must be a path"):
        load_run_list({"a": "b"})
    with pytest.raises(ValueError, match="empty key or path"):
        load_run_list(pd.DataFrame({"key": ["a", None], "path": ["x", "y"]}))
