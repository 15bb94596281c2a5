"""HDF5 response matrices: partial reads, safe writes, bad files."""

import os
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc

import h5py
import numpy as np
import pytest

from neurost.io import load_responses, save_responses


def _value(rows, columns):
    """Reproducible float32 value of each (row, column), exact below 2**24."""
    rows = np.asarray(rows, np.int64)[:, None]
    columns = np.asarray(columns, np.int64)[None, :]
    return ((rows * 7919 + columns * 104729) % 1000003).astype(np.float32)


class _Formula:
    """A matrix computed band by band: never held whole in memory."""

    def __init__(self, shape):
        self.shape, self.dtype = shape, np.dtype(np.float32)

    def __getitem__(self, rows):
        return _value(np.arange(self.shape[0])[rows], np.arange(self.shape[1]))


@pytest.fixture
def small(tmp_path):
    path = save_responses(
        tmp_path / "betas.h5",
        _value(range(300), range(70)),
        key="betas",
        chunks=(32, 16),
    )
    return path


def test_round_trip_with_attributes(tmp_path):
    data = np.random.default_rng(0).standard_normal((50, 20))
    path = save_responses(
        tmp_path / "r.hdf5", data, attrs={"units": "% signal", "t_r": 1.5}
    )
    np.testing.assert_array_equal(load_responses(path), data)
    with h5py.File(path) as handle:
        dataset = handle["responses"]
        assert dataset.compression == "gzip" and dataset.chunks == (50, 20)
        assert dataset.attrs["units"] == "% signal" and dataset.attrs["t_r"] == 1.5


def test_rows_and_columns_in_any_order_with_repeats(small):
    rows = [299, 3, 3, -1, 150, 0]
    columns = [69, 0, 5, 5, 33]
    out = load_responses(small, rows=rows, columns=columns, chunk_rows=40)
    np.testing.assert_array_equal(out, _value(np.array(rows) % 300, columns))
    mask = np.zeros(70, bool)
    mask[[2, 60]] = True
    np.testing.assert_array_equal(
        load_responses(small, rows=slice(10, 20), columns=mask),
        _value(range(10, 20), [2, 60]),
    )
    assert load_responses(small, rows=[], columns=[1]).shape == (0, 1)


@pytest.mark.parametrize("chunk_rows", [None, 1, 7, 1000])
def test_band_size_does_not_change_the_result(small, chunk_rows):
    rows = np.random.default_rng(1).integers(0, 300, 120)
    out = load_responses(
        small, rows=rows, columns=range(3, 50, 4), chunk_rows=chunk_rows
    )
    np.testing.assert_array_equal(out, _value(rows, range(3, 50, 4)))


def test_key_is_found_or_explained(tmp_path, small):
    assert load_responses(small, key="betas").shape == (300, 70)
    with pytest.raises(
        ValueError,
        match=r"key='beta' is not valid; expected one of \['betas'\]. Did you mean 'betas'",
    ):
        load_responses(small, key="beta")
    path = tmp_path / "two.h5"
    with h5py.File(path, "w") as handle:
        handle["a"] = np.zeros((3, 2))
        handle["group/b"] = np.zeros((4, 2))
        handle["labels"] = np.arange(3)
    with pytest.raises(
        ValueError,
        match=r"key: '.*two.h5' holds 2 2-D datasets; expected exactly one .*'a' \(3, 2\), 'group/b' \(4, 2\), 'labels' \(3,\)",
    ):
        load_responses(path)
    assert load_responses(path, key="group/b").shape == (4, 2)
    with pytest.raises(
        ValueError, match=r"key: dataset 'labels' has shape \(3,\); expected a 2-D"
    ):
        load_responses(path, key="labels")


def test_out_of_range_rows_and_columns(small):
    with pytest.raises(
        IndexError,
        match=r"rows: index 300 is out of range for 300 rows \(valid: -300 to 299\)",
    ):
        load_responses(small, rows=[0, 300])
    with pytest.raises(
        IndexError, match="columns: index -71 is out of range for 70 columns"
    ):
        load_responses(small, columns=[-71])
    with pytest.raises(
        TypeError, match="rows must be None, a slice, or a 1-D sequence of integers"
    ):
        load_responses(small, rows=[0.5])


def test_non_finite_values_are_reported_where_read(tmp_path):
    data = np.ones((100, 10), np.float32)
    data[57, 4] = np.nan
    path = save_responses(tmp_path / "nan.h5", data, check_finite=False)
    assert load_responses(path, rows=range(50)).shape == (50, 10)
    with pytest.raises(
        ValueError,
        match=r"dataset '/responses' of '.*nan.h5' holds NaN or infinite values \(first at row 57, column 4\); expected finite",
    ):
        load_responses(path, rows=[3, 57])
    assert np.isnan(load_responses(path, rows=[57], check_finite=False)[0, 4])
    data[57, 4] = np.inf
    with pytest.raises(
        ValueError,
        match=r"array holds NaN or infinite values \(first at row 57, column 4\).*check_finite=False to write",
    ):
        save_responses(tmp_path / "inf.h5", data)
    assert not (tmp_path / "inf.h5").exists()


def test_existing_file_is_never_replaced_silently_or_corrupted(tmp_path, small):
    before = small.read_bytes()
    with pytest.raises(FileExistsError, match="already exists; pass overwrite=True"):
        save_responses(small, np.zeros((2, 2)))
    bad = np.ones((1000, 4))
    bad[900] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        save_responses(small, bad, overwrite=True)
    assert small.read_bytes() == before
    assert [p.name for p in small.parent.iterdir()] == ["betas.h5"]
    save_responses(small, np.zeros((2, 2)), overwrite=True)
    assert load_responses(small).shape == (2, 2)


def test_invalid_arguments_to_save(tmp_path):
    with pytest.raises(
        ValueError, match=r"array must be a non-empty 2-D matrix .* got shape \(3,\)"
    ):
        save_responses(tmp_path / "a.h5", np.zeros(3))
    with pytest.raises(TypeError, match="array must hold numbers; got dtype"):
        save_responses(tmp_path / "a.h5", np.array([["a", "b"]]))
    with pytest.raises(
        ValueError,
        match=r"path: expected a file name ending in one of \['.h5', '.hdf5'\]; got 'a.npy'",
    ):
        save_responses(tmp_path / "a.npy", np.zeros((2, 2)))
    with pytest.raises(
        ValueError, match="compression='zip' is not valid.* Did you mean 'gzip'"
    ):
        save_responses(tmp_path / "a.h5", np.zeros((2, 2)), compression="zip")
    with pytest.raises(
        ValueError,
        match=r"chunks must be None, True, or two positive integers .* matrix \(2, 2\); got tuple \(4, 1\)",
    ):
        save_responses(tmp_path / "a.h5", np.zeros((2, 2)), chunks=(4, 1))
    with pytest.raises(
        TypeError,
        match=r"attrs\['bad'\]: expected a number, string or array that HDF5 can store; got NoneType",
    ):
        save_responses(tmp_path / "a.h5", np.zeros((2, 2)), attrs={"bad": None})
    assert list(tmp_path.iterdir()) == []


def test_missing_wrong_truncated_and_corrupt_files(tmp_path, small):
    with pytest.raises(FileNotFoundError, match="path: no such file"):
        load_responses(tmp_path / "absent.h5")
    with pytest.raises(ValueError, match=r"path: unsupported file type 'betas.npy'"):
        (tmp_path / "betas.npy").write_bytes(b"x")
        load_responses(tmp_path / "betas.npy")
    raw = small.read_bytes()
    cut = tmp_path / "cut.h5"
    cut.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(
        ValueError,
        match="path: cannot read .*cut.h5'; expected a valid HDF5 file, but it is truncated or corrupt .*truncated file",
    ):
        load_responses(cut)
    # Damage inside the compressed chunks surfaces only when they are read.
    damaged = tmp_path / "damaged.h5"
    with h5py.File(small) as handle:
        offset = handle["betas"].id.get_chunk_info(0).byte_offset
    raw = bytearray(raw)
    raw[offset : offset + 64] = b"\xff" * 64
    damaged.write_bytes(bytes(raw))
    with pytest.raises(
        ValueError,
        match="path: cannot read .*damaged.h5'; expected a valid HDF5 file, but it is truncated or corrupt",
    ):
        load_responses(damaged, key="betas", rows=[0])


def test_large_matrix_is_read_in_parts_with_little_memory(tmp_path):
    shape = (20_000, 5_000)  # 400 MB of float32
    full_bytes = shape[0] * shape[1] * 4
    path = save_responses(tmp_path / "large.h5", _Formula(shape), compression="lzf")
    rng = np.random.default_rng(0)
    cases = [
        (np.sort(rng.choice(shape[0], 1_000, replace=False)), None),
        (None, rng.choice(shape[1], 100, replace=False)),
        (rng.integers(0, shape[0], 500), np.arange(1_000, 1_500)),
    ]
    for rows, columns in cases:
        tracemalloc.start()
        try:
            out = load_responses(path, rows=rows, columns=columns)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        expected_rows = np.arange(shape[0]) if rows is None else rows
        expected_columns = np.arange(shape[1]) if columns is None else columns
        np.testing.assert_array_equal(out, _value(expected_rows, expected_columns))
        # The result itself is traced (the measure works); the rest is bands.
        assert out.nbytes <= peak < out.nbytes + 64e6, f"peak {peak / 1e6:.0f} MB"
        assert peak < full_bytes / 5


@pytest.mark.parametrize("chunk_rows", [0, -5, 2.0, True])
def test_chunk_rows_must_be_a_positive_integer(small, chunk_rows):
    with pytest.raises(ValueError, match="chunk_rows must be a positive integer"):
        load_responses(small, chunk_rows=chunk_rows)


def test_key_must_be_a_name(tmp_path):
    path = save_responses(tmp_path / "betas.h5", np.ones((3, 2)))
    with pytest.raises(TypeError, match="key must be the name of a dataset"):
        load_responses(path, key=3)


def test_directory_as_destination_is_refused_before_writing(tmp_path):
    folder = tmp_path / "betas.h5"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="is a directory"):
        save_responses(folder, np.ones((3, 2)), overwrite=True)
    assert list(folder.iterdir()) == [] and list(tmp_path.iterdir()) == [folder]


_KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import numpy as np
    from neurost.io import save_responses

    class Stalling:
        shape, dtype = (4, 3), np.dtype(np.float32)

        def __getitem__(self, rows):
            Path(sys.argv[2]).touch()  # the temporary file is open: kill me now
            time.sleep(60)

    save_responses(sys.argv[1], Stalling())
    """
)


def test_write_killed_by_sigkill_leaves_no_debris_after_next_write(tmp_path):
    target, started = tmp_path / "betas.h5", tmp_path / "started"
    writer = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(target), str(started)]
    )
    try:
        for _ in range(600):
            if started.exists() or writer.poll() is not None:
                break
            time.sleep(0.05)
        assert started.exists(), "the writer did not start writing"
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait()
    debris = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(debris) == 1 and str(writer.pid) in debris[0]
    assert not target.exists()
    save_responses(target, _value(range(4), range(3)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["betas.h5", "started"]
    np.testing.assert_array_equal(load_responses(target), _value(range(4), range(3)))
