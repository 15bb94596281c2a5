import os
import stat
import subprocess
import sys

import pytest

from neurost._utils.files import _HOST, atomic_write, remove_stale_temporaries


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


def _dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _temporary_of(target, pid):
    return target.with_name(f".{target.name}.{_HOST}.{pid}.{'0' * 12}.tmp")


def test_next_write_removes_debris_of_dead_writers_only(tmp_path):
    target = tmp_path / "a.txt"
    dead = _temporary_of(target, _dead_pid())
    live = _temporary_of(target, os.getpid())
    other_file = _temporary_of(tmp_path / "b.txt", _dead_pid())
    for path in (dead, live, other_file):
        path.write_text("half")
    with atomic_write(target) as temporary:
        assert temporary.name.startswith(f".a.txt.{_HOST}.{os.getpid()}.")
        temporary.write_text("new")
    assert target.read_text() == "new"
    assert not dead.exists()
    assert live.exists() and other_file.exists()


def test_temporaries_of_other_hosts_are_left_alone(tmp_path):
    target = tmp_path / "a.txt"
    remote = target.with_name(f".a.txt.elsewhere.{_dead_pid()}.{'0' * 12}.tmp")
    remote.write_text("half")
    assert remove_stale_temporaries(target) == []
    assert remote.exists()
