"""``neurost tokenize`` over a cohort: serially, as a job array of shards, under torchrun."""

import signal
import subprocess
import sys
from pathlib import Path

import h5py
import nibabel
import numpy as np
import pytest

from neurost.tokenize import TokenStore

KILLED = Path(__file__).parent / "tokenize_killed.py"
#: A small conformed grid, so that one token covers the cube (3072 dims).
SETTINGS = ["--grid-size", "32", "--token-size", "32", "--quiet"]
N_RUNS = 5


def neurost(*arguments):
    return [sys.executable, "-m", "neurost", *map(str, arguments)]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """Five short runs on a 2 mm grid and the table that lists them."""
    folder = tmp_path_factory.mktemp("cohort")
    rng = np.random.default_rng(0)
    rows = ["key\tpath"]
    for index in range(N_RUNS):
        data = rng.normal(size=(12, 14, 12, 3 + index)).astype(np.float32) + 100
        image = nibabel.Nifti1Image(data, np.diag([2.0, 2.0, 2.0, 1.0]))
        name = f"sub-{index:02d}_bold.nii.gz"
        image.to_filename(folder / name)
        rows.append(f"sub-{index:02d}\t{name}")
    (folder / "runs.tsv").write_text("\n".join(rows) + "\n")
    return folder


@pytest.fixture(scope="module")
def serial(cohort, launch):
    out = cohort / "serial.h5"
    launch.run(neurost("tokenize", "--list", cohort / "runs.tsv", "--out", out, *SETTINGS))
    return TokenStore(out)


def assert_same_tokens(store, reference):
    assert store.keys() == reference.keys() == [f"sub-{i:02d}" for i in range(N_RUNS)]
    for key in reference.keys():
        np.testing.assert_array_equal(store.read(key), reference.read(key))


def test_run_arguments_are_keyed_by_file_name(cohort, serial, launch, tmp_path):
    runs = sorted(cohort.glob("sub-*_bold.nii.gz"))
    launch.run(neurost("tokenize", *runs, "--out", tmp_path / "t.h5", *SETTINGS))
    store = TokenStore(tmp_path / "t.h5")
    assert store.keys() == [f"sub-{i:02d}_bold" for i in range(N_RUNS)]
    np.testing.assert_array_equal(store.read("sub-03_bold"), serial.read("sub-03"))
    assert store.read("sub-03_bold").shape == (6, 1, 3072)


def test_two_shards_at_once_make_the_serial_store(cohort, serial, tmp_path):
    out = tmp_path / "sharded.h5"
    shards = [
        subprocess.Popen(
            neurost("tokenize", "--list", cohort / "runs.tsv", "--out", out,
                    "--shard", f"{index}/2", *SETTINGS),
            stderr=subprocess.PIPE, text=True,
        )
        for index in range(2)
    ]
    for shard in shards:
        _, stderr = shard.communicate(timeout=600)
        assert shard.returncode == 0, stderr
    assert_same_tokens(TokenStore(out), serial)


def test_torchrun_gives_each_rank_a_shard(cohort, serial, launch, tmp_path):
    out = tmp_path / "ranks.h5"
    launch.run(launch.torchrun(
        "--standalone", "--nproc_per_node=2", "-m", "neurost", "tokenize",
        "--list", cohort / "runs.tsv", "--out", out, *SETTINGS,
    ))
    assert_same_tokens(TokenStore(out), serial)


def test_killed_shard_resumes(tmp_path, launch):
    rng = np.random.default_rng(1)
    data = rng.normal(size=(12, 14, 12, 64)).astype(np.float32) + 100
    nibabel.Nifti1Image(data, np.diag([2.0, 2.0, 2.0, 1.0])).to_filename(tmp_path / "long.nii")
    arguments = ["tokenize", tmp_path / "long.nii", "--out", tmp_path / "t.h5", *SETTINGS]
    killed = launch.run([sys.executable, KILLED, *arguments], check=False)
    assert killed.returncode == -signal.SIGKILL
    with h5py.File(tmp_path / "t.h5.runs" / "long.h5.partial") as partial:
        assert partial.attrs["frames_written"] == 32  # two blocks of 16 frames
    assert TokenStore(tmp_path / "t.h5").keys() == []  # the partial run is not listed
    launch.run(neurost(*arguments))
    launch.run(neurost("tokenize", tmp_path / "long.nii", "--out", tmp_path / "ref.h5", *SETTINGS))
    np.testing.assert_array_equal(
        TokenStore(tmp_path / "t.h5").read("long"), TokenStore(tmp_path / "ref.h5").read("long")
    )


@pytest.mark.parametrize("arguments, message", [
    ([], "either as RUN arguments or with --list"),
    (["--shard", "2/2"], "expected I/N with 0 <= I < N"),
    (["--shard", "a/2"], "expected I/N with 0 <= I < N"),
])
def test_bad_arguments_are_named(cohort, launch, tmp_path, arguments, message):
    process = launch.run(
        neurost("tokenize", "--out", tmp_path / "t.h5", *arguments), check=False
    )
    assert process.returncode == 2 and message in process.stderr


def test_bad_tables_are_named(launch, tmp_path):
    table = tmp_path / "runs.tsv"
    table.write_text("name\tpath\na\tb.nii\n")
    process = launch.run(neurost("tokenize", "--list", table, "--out", tmp_path / "t.h5"),
                         check=False)
    assert process.returncode == 2 and "has no column ['key']" in process.stderr
    table.write_text("key\tpath\na\tb.nii\na\tc.nii\n")
    process = launch.run(neurost("tokenize", "--list", table, "--out", tmp_path / "t.h5"),
                         check=False)
    assert process.returncode == 2 and "gives the key 'a' to several runs" in process.stderr
    table.write_text("key\tpath\na\tmissing.nii\n")
    process = launch.run(neurost("tokenize", "--list", table, "--out", tmp_path / "t.h5"),
                         check=False)
    assert process.returncode == 1 and "missing.nii" in process.stderr
    assert "Traceback" not in process.stderr
