"""Values on the meshes of a local FreeSurfer subjects folder (full fsaverage, any subject)."""

import numpy as np
import pytest
from nibabel.freesurfer import write_geometry, write_morph_data

import neurost.plotting.cortex as cortex
from neurost.plotting import plot_on_cortex, vertex_values

OCTAHEDRON = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]) * 30.0
FACES = np.array([[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4], [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]])


def write_subject(subjects_dir, subject, coordinates, faces, sulc=True):
    surf = subjects_dir / subject / "surf"
    surf.mkdir(parents=True)
    for prefix, shift in (("lh", -40.0), ("rh", 40.0)):
        write_geometry(str(surf / f"{prefix}.inflated"), coordinates + [shift, 0, 0], faces)
        if sulc:
            write_morph_data(str(surf / f"{prefix}.sulc"), np.linspace(-1, 1, len(coordinates)))


@pytest.fixture
def subjects_dir(tmp_path):
    write_subject(tmp_path, "bert", OCTAHEDRON, FACES)
    return tmp_path


def test_subject_is_drawn_on_its_own_mesh(subjects_dir, monkeypatch):
    drawn = []
    render = cortex.render_3d

    def spy(mesh, values, background, *args):
        drawn.append((mesh.n_vertices, len(values), len(background)))
        return render(mesh, values, background, *args)

    monkeypatch.setattr(cortex, "render_3d", spy)
    figure, axes = plot_on_cortex(
        {"left": np.arange(6.0), "right": -np.arange(6.0)}, "bert",
        subjects_dir=subjects_dir, views="lateral", dpi=30,
    )
    assert axes.shape == (1, 2)
    assert drawn == [(6, 6, 6), (6, 6, 6)]


def test_subjects_dir_defaults_to_the_environment(subjects_dir, monkeypatch):
    monkeypatch.setenv("SUBJECTS_DIR", str(subjects_dir))
    values = vertex_values(np.arange(12.0), "bert")
    np.testing.assert_array_equal(values["right"], np.arange(6.0, 12.0))


def test_mismatch_and_missing_files_are_explained(subjects_dir, monkeypatch):
    with pytest.raises(ValueError, match=r"values\['left'\] has 5 vertices but the left hemisphere of the mesh has 6"):
        plot_on_cortex({"left": np.zeros(5)}, "bert", subjects_dir=subjects_dir)
    with pytest.raises(FileNotFoundError, match="lh.pial"):
        plot_on_cortex(np.zeros(12), "bert", subjects_dir=subjects_dir, surface="pial")
    with pytest.raises(FileNotFoundError, match="Did you mean 'bert'"):
        plot_on_cortex(np.zeros(12), "bart", subjects_dir=subjects_dir)
    monkeypatch.delenv("SUBJECTS_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match=r"\$SUBJECTS_DIR is not set. Nothing is downloaded"):
        plot_on_cortex(np.zeros(12), "fsaverage")


def test_full_fsaverage_is_recognised_by_its_vertex_count(tmp_path, monkeypatch):
    n = 163842
    coordinates = np.random.default_rng(0).normal(size=(n, 3)) * 50
    write_subject(tmp_path, "fsaverage", coordinates, FACES, sulc=False)
    monkeypatch.setenv("SUBJECTS_DIR", str(tmp_path))
    values = {"left": np.full(n, np.nan), "right": np.zeros(n)}
    per_vertex = vertex_values(values)  # no mesh given: 163,842 per hemisphere
    assert per_vertex["right"].shape == (n,)
    with pytest.raises(ValueError, match="has 10 vertices but the right hemisphere of the mesh has 163842"):
        vertex_values({"left": np.zeros(n), "right": np.zeros(10)}, "fsaverage")
