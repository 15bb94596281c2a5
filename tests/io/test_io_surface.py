"""load_bold on surface runs: GIfTI (single and pairs), MGH/MGZ, meshes."""

import subprocess
import sys

import nibabel as nib
import numpy as np
import pytest
from nilearn.surface import InMemoryMesh, PolyMesh, SurfaceImage

from neurost.io import SurfaceData, SurfaceRun, get_t_r, iter_frames, load_bold

N5 = 10242  # fsaverage5 vertices per hemisphere


def _data(n_vertices, n_frames, seed):
    return (
        np.random.default_rng(seed)
        .standard_normal((n_vertices, n_frames))
        .astype(np.float32)
    )


def _gifti(
    path, data, time_step_ms=None, structure=None, one_array=False, file_meta=False
):
    arrays = [data] if one_array else list(data.T)
    darrays = [
        nib.gifti.GiftiDataArray(
            a, intent="NIFTI_INTENT_TIME_SERIES", datatype="NIFTI_TYPE_FLOAT32"
        )
        for a in arrays
    ]
    img = nib.gifti.GiftiImage(darrays=darrays)
    if time_step_ms is not None:
        (img.meta if file_meta else darrays[0].meta)["TimeStep"] = str(time_step_ms)
    if structure is not None:
        img.meta["AnatomicalStructurePrimary"] = structure
    nib.save(img, path)
    return path


def _mgh(path, data, tr_ms=None):
    img = nib.MGHImage(data.reshape(data.shape[0], 1, 1, *data.shape[1:]), np.eye(4))
    if tr_ms is not None:
        img.header["tr"] = tr_ms
    nib.save(img, path)
    return path


def _small_mesh(n_vertices):
    coordinates = np.random.default_rng(0).random((n_vertices, 3))
    faces = np.array([[i, i + 1, i + 2] for i in range(n_vertices - 2)])
    return InMemoryMesh(coordinates, faces)


def test_single_gifti_hemisphere_with_time_step(tmp_path, fsaverage5_mesh):
    data = _data(N5, 6, 0)
    path = _gifti(tmp_path / "sub-01_hemi-L_space-fsaverage5_bold.func.gii", data, 2000)
    run = load_bold(path, mesh=fsaverage5_mesh)
    assert isinstance(run, SurfaceRun) and isinstance(run, SurfaceImage)
    assert set(run.mesh.parts) == {"left"} and run.shape == (N5, 6)
    assert run.t_r == 2.0 and get_t_r(run) == 2.0 and get_t_r(path) == 2.0
    np.testing.assert_array_equal(run.data.parts["left"], data)
    assert repr(run) == "<SurfaceRun (10242, 6), t_r=2 s>"


@pytest.mark.parametrize("as_dict", [False, True])
def test_gifti_pair_gets_the_standard_mesh_by_vertex_count(tmp_path, as_dict):
    left, right = _data(N5, 5, 1), _data(N5, 5, 2)
    left_path = _gifti(tmp_path / "lh.run.func.gii", left, 1500)
    right_path = _gifti(tmp_path / "rh.run.func.gii", right, 1500)
    pair = (
        {"left": left_path, "right": right_path} if as_dict else (left_path, right_path)
    )
    run = load_bold(pair)
    assert run.shape == (2 * N5, 5) and run.t_r == 1.5 and get_t_r(pair) == 1.5
    np.testing.assert_array_equal(run.data.parts["left"], left)
    np.testing.assert_array_equal(run.data.parts["right"], right)
    from neurost.io.meshes import load_surface_mesh

    expected = load_surface_mesh("fsaverage5", "pial")
    np.testing.assert_array_equal(
        run.mesh.parts["right"].coordinates, expected.parts["right"].coordinates
    )


def test_gifti_file_metadata_and_single_array(tmp_path):
    data = _data(300, 4, 3)
    path = _gifti(
        tmp_path / "x.func.gii",
        data,
        720,
        structure="CortexRight",
        one_array=True,
        file_meta=True,
    )
    out = load_bold(path)
    assert isinstance(out, SurfaceData) and set(out.parts) == {"right"}
    assert out.t_r == 0.72
    np.testing.assert_array_equal(out.parts["right"], data)


def test_unknown_mesh_gives_surface_data_that_accepts_a_mesh_later(tmp_path):
    data = _data(50, 3, 4)
    out = load_bold(_gifti(tmp_path / "hemi-R.func.gii", data), t_r=1.0)
    assert isinstance(out, SurfaceData) and out.t_r == 1.0 and out.shape == (50, 3)
    run = out.with_mesh(PolyMesh(right=_small_mesh(50)))
    assert isinstance(run, SurfaceRun) and run.t_r == 1.0
    np.testing.assert_array_equal(run.data.parts["right"], data)
    with pytest.raises(
        ValueError, match="mesh: the right hemisphere has 40 vertices; expected 50"
    ):
        out.with_mesh(PolyMesh(right=_small_mesh(40)))


def test_mgh_and_mgz_surface_runs(tmp_path, fsaverage5_mesh):
    data = _data(N5, 7, 5)
    for suffix in ("mgh", "mgz"):
        path = _mgh(tmp_path / f"lh.bold.{suffix}", data, tr_ms=1500.0)
        run = load_bold(path, mesh=fsaverage5_mesh, require_4d=True)
        assert isinstance(run, SurfaceRun) and run.t_r == 1.5
        np.testing.assert_array_equal(run.data.parts["left"], data)


def test_surface_map_is_one_dimensional_and_not_a_run(tmp_path):
    values = _data(60, 1, 6)[:, 0]
    path = _mgh(tmp_path / "rh.thickness.mgz", values)
    out = load_bold(path)
    assert out.shape == (60,) and out.t_r is None
    np.testing.assert_array_equal(out.parts["right"], values)
    with pytest.raises(
        ValueError,
        match=r"img: expected a run with a time axis, .* is a single surface map of shape \(60,\)",
    ):
        load_bold(path, require_4d=True)
    with pytest.raises(ValueError, match="img: expected a run with a time axis"):
        iter_frames(path)


def test_surface_run_works_in_nilearn(tmp_path, fsaverage5_mesh):
    from nilearn.image import mean_img
    from nilearn.maskers import SurfaceMasker

    left, right = _data(N5, 8, 7), _data(N5, 8, 8)
    run = load_bold(
        (
            _gifti(tmp_path / "a_hemi-L.func.gii", left, 2000),
            _gifti(tmp_path / "a_hemi-R.func.gii", right, 2000),
        ),
        mesh=fsaverage5_mesh,
    )
    signals = SurfaceMasker(standardize=None).fit_transform(run)
    np.testing.assert_allclose(signals, np.concatenate([left, right]).T, rtol=1e-6)
    average = mean_img(run)
    np.testing.assert_allclose(
        average.data.parts["left"].ravel(), left.mean(axis=1), rtol=1e-5
    )


def test_in_memory_surface_image_keeps_its_mesh(fsaverage5_mesh):
    data = {"left": _data(N5, 3, 9), "right": _data(N5, 3, 10)}
    image = SurfaceImage(mesh=fsaverage5_mesh, data=data)
    run = load_bold(image, t_r=0.8)
    assert (
        isinstance(run, SurfaceRun)
        and run.mesh.parts["left"] is fsaverage5_mesh.parts["left"]
    )
    assert run.t_r == 0.8 and get_t_r(image) is None
    assert run.data.parts["left"] is data["left"] or np.shares_memory(
        run.data.parts["left"], data["left"]
    )


def test_hemisphere_must_be_known_and_consistent(tmp_path):
    data = _data(30, 2, 11)
    anonymous = _gifti(tmp_path / "run.func.gii", data)
    with pytest.raises(
        ValueError,
        match="img: cannot tell which hemisphere .*run.func.gii' holds; pass hemi=",
    ):
        load_bold(anonymous)
    assert set(load_bold(anonymous, hemi="right").parts) == {"right"}
    with pytest.raises(
        ValueError,
        match=r"hemi='middle' is not valid; expected one of \['left', 'right'\]",
    ):
        load_bold(anonymous, hemi="middle")
    left = _gifti(tmp_path / "lh.run.func.gii", data)
    right = _gifti(tmp_path / "rh.run.func.gii", data)
    with pytest.raises(
        ValueError,
        match=r"img\[0\]: '.*rh.run.func.gii' is given as the left hemisphere, but .* says right",
    ):
        load_bold((right, left))
    with pytest.raises(
        ValueError, match="img: a sequence must hold exactly two surface files"
    ):
        load_bold([left])


def test_pair_must_agree_on_frames_and_tr(tmp_path):
    left = _gifti(tmp_path / "lh.a.func.gii", _data(30, 4, 12), 2000)
    right = _gifti(tmp_path / "rh.a.func.gii", _data(30, 5, 13), 2000)
    with pytest.raises(
        ValueError,
        match=r"img: expected the two hemispheres of one run, with as many frames .*'left': 4, 'right': 5",
    ):
        load_bold((left, right))
    right = _gifti(tmp_path / "rh.b.func.gii", _data(30, 4, 13), 1000)
    with pytest.raises(ValueError, match="record different repetition times"):
        load_bold((left, right))


def test_mesh_that_does_not_fit_is_refused(tmp_path):
    path = _gifti(tmp_path / "lh.fs5.func.gii", _data(N5, 2, 14))
    with pytest.raises(
        ValueError, match="mesh: the left hemisphere has 32492 vertices; expected 10242"
    ):
        load_bold(path, mesh="fsLR32k")
    with pytest.raises(
        ValueError, match="mesh='fsaverage' is not valid.* Did you mean 'fsaverage5'"
    ):
        load_bold(path, mesh="fsaverage")
    with pytest.raises(TypeError, match="mesh must be a nilearn PolyMesh"):
        load_bold(path, mesh=3)


def test_gifti_mesh_file_is_not_data(tmp_path):
    mesh = _small_mesh(10)
    gii = nib.gifti.GiftiImage(
        darrays=[
            nib.gifti.GiftiDataArray(
                mesh.coordinates.astype(np.float32), intent="NIFTI_INTENT_POINTSET"
            ),
            nib.gifti.GiftiDataArray(
                mesh.faces.astype(np.int32), intent="NIFTI_INTENT_TRIANGLE"
            ),
        ]
    )
    nib.save(gii, tmp_path / "lh.pial.surf.gii")
    with pytest.raises(
        ValueError, match="img: expected surface data; .* is a surface mesh"
    ):
        load_bold(tmp_path / "lh.pial.surf.gii")


def test_truncated_gifti_and_mgz(tmp_path):
    gifti = _gifti(tmp_path / "lh.cut.func.gii", _data(200, 3, 15))
    gifti.write_bytes(gifti.read_bytes()[:1500])
    with pytest.raises(
        ValueError,
        match="img: cannot read .*lh.cut.func.gii'; expected a valid GIfTI file, but it is truncated or corrupt",
    ):
        load_bold(gifti)
    mgz = _mgh(tmp_path / "lh.cut.mgz", _data(5000, 4, 16))
    mgz.write_bytes(mgz.read_bytes()[:20000])
    with pytest.raises(
        ValueError,
        match="img: cannot read .*lh.cut.mgz'; expected a valid MGH file, but it is truncated or corrupt",
    ):
        load_bold(mgz)


def test_surface_map_with_a_tr_in_its_header_has_no_t_r(tmp_path):
    path = _mgh(tmp_path / "rh.thickness.mgz", _data(60, 1, 6)[:, 0], tr_ms=2000.0)
    assert get_t_r(path) is None
    assert load_bold(path).t_r is None


def test_io_does_not_import_datasets():
    # neurost.datasets reads its runs with neurost.io: io must not need it back.
    code = (
        "import sys, pkgutil, importlib, neurost.io\n"
        "for m in pkgutil.iter_modules(neurost.io.__path__):\n"
        "    importlib.import_module('neurost.io.' + m.name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('neurost.datasets')))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert output == "[]"
