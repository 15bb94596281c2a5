import os
import stat

import pytest

from neurost._utils.files import atomic_write


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_follows_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "a.txt") as temporary:
            temporary.write_text("new")
    finally:
        os.umask(previous)
    assert (tmp_path / "a.txt").read_text() == "new"
    assert _mode(tmp_path / "a.txt") == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_replacement_keeps_mode_of_replaced_file(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    target.chmod(0o640)
    with atomic_write(target, overwrite=True) as temporary:
        temporary.write_text("new")
    assert target.read_text() == "new"
    assert _mode(target) == 0o640


def test_refuses_to_overwrite_by_default(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        with atomic_write(target):
            pass
    assert target.read_text() == "old"


def test_failure_leaves_destination_untouched(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(target, overwrite=True) as temporary:
            temporary.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_missing_folder_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        with atomic_write(tmp_path / "nope" / "a.txt"):
            pass
