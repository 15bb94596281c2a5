"""load_bold and get_t_r on volumes: real runs, TR handling, bad files."""

import gzip
import warnings

import nibabel as nib
import numpy as np
import pytest

from neurost.io import get_t_r, load_bold


def _volume(
    tmp_path, name="run.nii.gz", shape=(4, 5, 6, 7), zooms=(2, 2, 2, 2.0), unit="sec"
):
    data = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    img = nib.Nifti1Image(data, np.diag([2, 2, 2, 1]))
    img.header.set_zooms(zooms[: len(shape)])
    img.header.set_xyzt_units("mm", unit)
    path = tmp_path / name
    nib.save(img, path)
    return path, data


def test_nitime_run_is_loaded_lazily_with_its_tr(nitime_run):
    run = load_bold(nitime_run, require_4d=True)
    assert isinstance(run, nib.Nifti1Image)
    assert run.shape == (10, 10, 18, 40)
    assert get_t_r(run) == 1.35
    assert get_t_r(nitime_run) == 1.35
    assert nib.is_proxy(run.dataobj) and not run.in_memory
    np.testing.assert_array_equal(run.get_fdata(), nib.load(nitime_run).get_fdata())


def test_t_r_argument_overrides_header_with_warning(nitime_run):
    with pytest.warns(UserWarning, match=r"t_r=2 s overrides .* 1\.35 s"):
        run = load_bold(nitime_run, t_r=2.0)
    assert get_t_r(run) == 2.0
    assert run.header.get_xyzt_units() == ("mm", "sec")
    assert not run.in_memory


def test_t_r_within_one_percent_does_not_warn(nitime_run):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = load_bold(nitime_run, t_r=1.351)
    assert get_t_r(run) == 1.351


def test_in_memory_image_is_never_modified(nitime_run):
    original = nib.load(nitime_run)
    header_before = original.header.copy()
    with pytest.warns(UserWarning):
        run = load_bold(original, t_r=3.0)
    assert get_t_r(run) == 3.0
    assert get_t_r(original) == 1.35
    assert original.header == header_before
    assert run.header is not original.header


@pytest.mark.parametrize(
    ("unit", "step", "seconds"), [("msec", 1500.0, 1.5), ("usec", 2e6, 2.0)]
)
def test_time_units_are_converted_to_seconds(tmp_path, unit, step, seconds):
    path, _ = _volume(tmp_path, zooms=(2, 2, 2, step), unit=unit)
    assert get_t_r(load_bold(path)) == pytest.approx(seconds)


def test_time_step_without_unit_is_read_as_seconds_with_a_warning(tmp_path):
    path, _ = _volume(tmp_path, zooms=(2, 2, 2, 0.8), unit="unknown")
    with pytest.warns(
        UserWarning, match="time step of 0.8 without a time unit; it is read as seconds"
    ):
        run = load_bold(path)
    # The returned header states the unit.
    assert run.header.get_xyzt_units()[1] == "sec" and get_t_r(run) == 0.8
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert get_t_r(load_bold(path, t_r=0.8)) == 0.8


def test_header_without_time_step_gives_none_or_argument(tmp_path):
    path, _ = _volume(tmp_path, zooms=(2, 2, 2, 0.0))
    assert get_t_r(load_bold(path)) is None
    assert get_t_r(load_bold(path, t_r=0.72)) == 0.72


def test_3d_volume_loads_but_is_refused_when_a_run_is_required(tmp_path):
    path, data = _volume(tmp_path, shape=(4, 5, 6))
    volume = load_bold(path)
    assert volume.shape == (4, 5, 6) and get_t_r(volume) is None
    with pytest.raises(
        ValueError, match=r"img: expected a 4D run .* 3D image of shape \(4, 5, 6\)"
    ):
        load_bold(path, require_4d=True)


def test_uncompressed_nifti2_and_mgh_volumes(tmp_path):
    data = np.random.default_rng(0).random((3, 4, 5, 6)).astype(np.float32)
    nifti2 = nib.Nifti2Image(data, np.eye(4))
    nifti2.header.set_zooms((1, 1, 1, 2.5))
    nifti2.header.set_xyzt_units("mm", "sec")
    nib.save(nifti2, tmp_path / "run.nii")
    run = load_bold(tmp_path / "run.nii")
    assert isinstance(run, nib.Nifti2Image) and get_t_r(run) == 2.5
    np.testing.assert_array_equal(np.asarray(run.dataobj), data)
    mgh = nib.MGHImage(data, np.eye(4))
    mgh.header["tr"] = 800.0
    nib.save(mgh, tmp_path / "run.mgz")
    run = load_bold(tmp_path / "run.mgz", t_r=0.8)
    assert isinstance(run, nib.MGHImage) and get_t_r(run) == 0.8


@pytest.mark.parametrize("t_r", [0, -1.0, float("nan"), "2", True])
def test_invalid_t_r_is_refused(nitime_run, t_r):
    with pytest.raises(
        ValueError, match="t_r must be a positive, finite number of seconds"
    ):
        load_bold(nitime_run, t_r=t_r)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="img: no such file"):
        load_bold(tmp_path / "absent_bold.nii.gz")


def test_unsupported_extension(tmp_path):
    path = tmp_path / "run.img"
    path.write_bytes(b"\0" * 400)
    with pytest.raises(
        ValueError, match=r"img: unsupported file type 'run.img'; expected .*'.nii.gz'"
    ):
        load_bold(path)


def test_truncated_gzip_is_reported_on_load(tmp_path, nitime_run):
    raw = nitime_run.read_bytes()
    path = tmp_path / "truncated_bold.nii.gz"
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(
        ValueError,
        match=r"img: cannot read .*truncated_bold.nii.gz.* truncated or corrupt \(EOFError",
    ):
        load_bold(path)


def test_gzip_cut_inside_the_header_is_reported(tmp_path, nitime_run):
    path = tmp_path / "cut_bold.nii.gz"
    path.write_bytes(nitime_run.read_bytes()[:60])
    with pytest.raises(
        ValueError,
        match="img: cannot read .* valid NIfTI file, but it is truncated or corrupt",
    ):
        load_bold(path)


def test_truncated_uncompressed_nifti_is_reported_on_load(tmp_path, nitime_run):
    path = tmp_path / "run.nii"
    nib.save(nib.load(nitime_run), path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - 1000])
    with pytest.raises(
        ValueError,
        match=r"img: .*run.nii' is truncated; expected 144352 bytes .* holds 143352",
    ):
        load_bold(path)


def test_truncated_mgh_is_reported_on_load(tmp_path):
    path = tmp_path / "run.mgh"
    nib.save(nib.MGHImage(np.ones((4, 4, 4, 10), np.float32), np.eye(4)), path)
    raw = path.read_bytes()
    path.write_bytes(raw[: 284 + 4 * 4 * 4 * 10 * 4 - 1000])  # header, part of the data
    with pytest.raises(ValueError, match=r"img: .*run.mgh' is truncated; expected 2844 bytes"):
        load_bold(path)


def test_not_a_nifti_file(tmp_path):
    path = tmp_path / "notes.nii"
    path.write_text("this is not an image" * 40)
    with pytest.raises(
        ValueError, match="img: cannot read .*notes.nii.* truncated or corrupt"
    ):
        load_bold(path)


def test_multi_member_gzip_is_accepted(tmp_path, nitime_run):
    # The gzip trailer of a multi-member stream holds the last member's size
    # only; the full check must then accept the file.
    raw = gzip.decompress(nitime_run.read_bytes())
    path = tmp_path / "members_bold.nii.gz"
    path.write_bytes(gzip.compress(raw[:50000]) + gzip.compress(raw[50000:]))
    run = load_bold(path)
    np.testing.assert_array_equal(
        np.asarray(run.dataobj), np.asarray(nib.load(nitime_run).dataobj)
    )


def test_mesh_is_refused_for_a_volume(nitime_run):
    with pytest.raises(ValueError, match="mesh applies to surface data"):
        load_bold(nitime_run, mesh="fsaverage5")


def test_wrong_type_is_refused():
    with pytest.raises(
        TypeError, match=r"img must be a path .* got array of shape \(2, 2, 2, 2\)"
    ):
        load_bold(np.zeros((2, 2, 2, 2)))
    with pytest.raises(TypeError, match="img must be a neuroimaging image"):
        get_t_r(3.0)


def test_in_memory_array_is_shared_not_copied():
    data = np.zeros((3, 3, 3, 4), np.float32)
    img = nib.Nifti1Image(data, np.eye(4))
    run = load_bold(img, t_r=1.0)
    assert np.shares_memory(np.asarray(run.dataobj), data)
    assert get_t_r(run) == 1.0


def test_five_dimensional_image_is_refused(tmp_path):
    nib.save(
        nib.Nifti1Image(np.zeros((2, 2, 2, 1, 3), np.float32), np.eye(4)),
        tmp_path / "x.nii",
    )
    with pytest.raises(
        ValueError,
        match=r"img: expected a 3D volume or a 4D run .* has shape \(2, 2, 2, 1, 3\)",
    ):
        load_bold(tmp_path / "x.nii")
