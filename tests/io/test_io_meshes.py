"""load_surface_mesh: the shipped spaces and the subjects of a local FreeSurfer folder."""

import numpy as np
import pytest
from nibabel.freesurfer import write_geometry

from neurost.io.meshes import MESH_KINDS, check_hemispheres, load_surface_mesh, mesh_kinds

TETRAHEDRON = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [0.0, 10.0, 0.0], [0.0, 0.0, 10.0]])
FACES = np.array([[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]])


@pytest.fixture
def subjects_dir(tmp_path):
    surf = tmp_path / "bert" / "surf"
    surf.mkdir(parents=True)
    for prefix, shift in (("lh", -40.0), ("rh", 40.0)):
        write_geometry(str(surf / f"{prefix}.white"), TETRAHEDRON + [shift, 0, 0], FACES)
    return tmp_path


def test_a_subject_is_read_from_its_surf_folder(subjects_dir):
    mesh = load_surface_mesh("bert", "white", subjects_dir=subjects_dir)
    assert set(mesh.parts) == {"left", "right"}
    np.testing.assert_array_equal(mesh.parts["left"].coordinates, TETRAHEDRON - [40, 0, 0])
    np.testing.assert_array_equal(mesh.parts["right"].coordinates, TETRAHEDRON + [40, 0, 0])
    np.testing.assert_array_equal(mesh.parts["right"].faces, FACES)


def test_subjects_dir_defaults_to_the_environment(subjects_dir, monkeypatch):
    monkeypatch.setenv("SUBJECTS_DIR", str(subjects_dir))
    assert load_surface_mesh("bert", "white").parts["left"].n_vertices == 4
    monkeypatch.delenv("SUBJECTS_DIR")
    with pytest.raises(FileNotFoundError, match=r"space='bert'.*\$SUBJECTS_DIR is not set"):
        load_surface_mesh("bert", "white")


def test_a_typo_of_a_shipped_space_is_pointed_out(subjects_dir):
    with pytest.raises(FileNotFoundError, match="did you mean 'fsaverage5'"):
        load_surface_mesh("fsaverag5", subjects_dir=subjects_dir)
    with pytest.raises(ValueError, match="subjects_dir applies only to a FreeSurfer subject"):
        load_surface_mesh("fsaverage5", subjects_dir=subjects_dir)


def test_kinds_of_each_source():
    assert mesh_kinds("fsLR32k") == MESH_KINDS["fsLR32k"]
    assert "smoothwm" in mesh_kinds("bert") and "flat" not in mesh_kinds("bert")
    assert load_surface_mesh("fsaverage5", "sphere").parts["left"].n_vertices == 10242


def test_hemispheres_come_back_left_first():
    assert check_hemispheres("right") == ("right",)
    assert check_hemispheres(["right", "left"]) == ("left", "right")
    with pytest.raises(TypeError, match="hemispheres must be 'left', 'right' or a list"):
        check_hemispheres(None)
    with pytest.raises(ValueError, match="once each"):
        check_hemispheres(("left", "left"))
