"""iter_frames: blocks of frames, read lazily, from volumes and surfaces."""

import tracemalloc

import nibabel as nib
import numpy as np
import pytest
from nibabel.arrayproxy import ArrayProxy

from neurost.io import iter_frames, load_bold


def test_blocks_of_a_real_run_concatenate_to_the_run(nitime_run):
    blocks = list(iter_frames(nitime_run, chunk_size=15))
    assert [frames for frames, _ in blocks] == [
        range(0, 15),
        range(15, 30),
        range(30, 40),
    ]
    assert [block.shape for _, block in blocks] == [
        (10, 10, 18, 15),
        (10, 10, 18, 15),
        (10, 10, 18, 10),
    ]
    np.testing.assert_array_equal(
        np.concatenate([b for _, b in blocks], axis=-1),
        np.asarray(nib.load(nitime_run).dataobj),
    )


def test_the_proxy_is_never_read_whole(nitime_run, monkeypatch):
    read_frames = []
    original = ArrayProxy.__getitem__

    def spy(self, slicer):
        read_frames.append(len(range(*slicer[-1].indices(self.shape[-1]))))
        return original(self, slicer)

    def refuse(self, *args, **kwargs):
        raise AssertionError("the whole run was read")

    monkeypatch.setattr(ArrayProxy, "__getitem__", spy)
    monkeypatch.setattr(ArrayProxy, "__array__", refuse)
    run = load_bold(nitime_run)
    total = sum(block.sum(axis=-1) for _, block in iter_frames(run, chunk_size=8))
    assert read_frames == [8] * 5
    assert not run.in_memory
    np.testing.assert_allclose(
        total, np.asarray(original(nib.load(nitime_run).dataobj, ...)).sum(axis=-1)
    )


def test_memory_stays_at_one_block(tmp_path):
    shape = (48, 48, 40, 120)  # 42 MB of float32
    data = np.broadcast_to(np.arange(shape[-1], dtype=np.float32), shape)
    nib.save(
        nib.Nifti1Image(np.ascontiguousarray(data), np.eye(4)),
        tmp_path / "long_bold.nii.gz",
    )
    del data
    tracemalloc.start()
    try:
        for frames, block in iter_frames(tmp_path / "long_bold.nii.gz", chunk_size=6):
            assert block[0, 0, 0, 0] == frames[0]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 42e6 / 4, f"peak {peak / 1e6:.1f} MB"


def test_a_gzip_file_is_opened_once_for_all_blocks(tmp_path, monkeypatch):
    import nibabel.openers

    path = tmp_path / "run.nii.gz"
    nib.save(nib.Nifti1Image(np.zeros((4, 4, 4, 30), np.float32), np.eye(4)), path)
    opened = []
    original = nibabel.openers.ImageOpener.__init__

    def count(self, *args, **kwargs):
        opened.append(args[0])
        original(self, *args, **kwargs)

    monkeypatch.setattr(nibabel.openers.ImageOpener, "__init__", count)
    run = load_bold(path, t_r=1.0)
    opened.clear()
    assert len(list(iter_frames(run, chunk_size=3))) == 10
    assert len(opened) == 1


def test_surface_blocks_put_left_before_right(tmp_path):
    rng = np.random.default_rng(0)
    left, right = rng.random((40, 9), np.float32), rng.random((30, 9), np.float32)
    for hemi, data in (("L", left), ("R", right)):
        img = nib.MGHImage(data[:, None, None, :], np.eye(4))
        nib.save(img, tmp_path / f"sub-01_hemi-{hemi}_bold.mgz")
    pair = {
        "left": tmp_path / "sub-01_hemi-L_bold.mgz",
        "right": tmp_path / "sub-01_hemi-R_bold.mgz",
    }
    blocks = list(iter_frames(pair, chunk_size=4))
    assert [block.shape for _, block in blocks] == [(70, 4), (70, 4), (70, 1)]
    np.testing.assert_array_equal(
        np.concatenate([b for _, b in blocks], axis=1), np.concatenate([left, right])
    )
    in_memory = load_bold(pair)
    np.testing.assert_array_equal(
        next(iter_frames(in_memory, chunk_size=2))[1],
        np.concatenate([left, right])[:, :2],
    )


def test_a_3d_volume_is_not_a_run(tmp_path):
    nib.save(
        nib.Nifti1Image(np.zeros((3, 4, 5), np.float32), np.eye(4)),
        tmp_path / "mask.nii.gz",
    )
    with pytest.raises(
        ValueError,
        match=r"img: expected a 4D run \(x, y, z, t\); .*mask.nii.gz' is a 3D image of shape \(3, 4, 5\)",
    ):
        iter_frames(tmp_path / "mask.nii.gz")


@pytest.mark.parametrize("chunk_size", [0, -2, 2.5, True, "10"])
def test_chunk_size_must_be_a_positive_integer(nitime_run, chunk_size):
    with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
        iter_frames(nitime_run, chunk_size=chunk_size)


def test_truncated_run_is_reported_before_any_block(tmp_path, nitime_run):
    raw = nitime_run.read_bytes()
    path = tmp_path / "cut_bold.nii.gz"
    path.write_bytes(raw[: len(raw) * 3 // 4])
    with pytest.raises(
        ValueError,
        match="img: cannot read .*cut_bold.nii.gz'; expected a valid NIfTI file, but it is truncated or corrupt",
    ):
        iter_frames(path)


def test_damage_found_while_reading_is_reported(tmp_path):
    # An MGZ file is not checked up front: the error comes with the block.
    data = np.random.default_rng(1).random((3000, 1, 1, 20)).astype(np.float32)
    path = tmp_path / "lh.run.mgz"
    nib.save(nib.MGHImage(data, np.eye(4)), path)
    path.write_bytes(path.read_bytes()[:-3000])
    with pytest.raises(
        ValueError,
        match="img: cannot read .*lh.run.mgz'; expected a valid MGH file, but it is truncated or corrupt",
    ):
        list(iter_frames(path, chunk_size=5))
