"""Reading the Algonauts 2023 release: a tiny tree with the release's file names."""

import pickle

import numpy as np
import pytest

from neurost.io.algonauts import AlgonautsSubject, _load_mapping

N_FSAVERAGE = 163842
# Challenge vertices: the fsaverage vertices flagged in the all-vertices files.
LEFT = np.array([3, 10, 11, 500, 9000, 163841])
RIGHT = np.array([0, 7, 42, 1000, 2000])
N_TRAIN, N_TEST = 4, 2
PRF = {0: "Unknown", 1: "V1v", 2: "V1d", 3: "hV4"}
FACES = {0: "Unknown", 1: "OFA", 2: "FFA-1"}


def write_release(root, subject="subj01"):
    """Write a release folder of one subject; return the training responses."""
    folder = root / subject
    fmri = folder / "training_split" / "training_fmri"
    train = folder / "training_split" / "training_images"
    test = folder / "test_split" / "test_images"
    masks = folder / "roi_masks"
    for path in (fmri, train, test, masks):
        path.mkdir(parents=True)
    rng = np.random.default_rng(0)
    responses = {}
    for prefix, vertices in (("lh", LEFT), ("rh", RIGHT)):
        flags = np.zeros(N_FSAVERAGE)
        flags[vertices] = 1
        np.save(masks / f"{prefix}.all-vertices_fsaverage_space.npy", flags)
        responses[prefix] = rng.normal(size=(N_TRAIN, len(vertices))).astype(np.float32)
        np.save(fmri / f"{prefix}_training_fmri.npy", responses[prefix])
    # left: V1v V1d . hV4 . V1v / faces on vertices 2 and 3 (3 overlaps hV4)
    np.save(masks / "lh.prf-visualrois_challenge_space.npy", np.array([1, 2, 0, 3, 0, 1]))
    np.save(masks / "rh.prf-visualrois_challenge_space.npy", np.array([0, 0, 2, 2, 0]))
    np.save(masks / "lh.floc-faces_challenge_space.npy", np.array([0, 0, 1, 2, 0, 0]))
    np.save(masks / "rh.floc-faces_challenge_space.npy", np.array([2, 0, 0, 0, 1]))
    np.save(masks / "mapping_prf-visualrois.npy", PRF)  # a pickled dict, as released
    np.save(masks / "mapping_floc-faces.npy", FACES)
    for name in ("floc-bodies", "floc-places", "floc-words"):  # no vertex in them
        np.save(masks / f"mapping_{name}.npy", {0: "Unknown", 1: name.upper()})
        for prefix, vertices in (("lh", LEFT), ("rh", RIGHT)):
            np.save(masks / f"{prefix}.{name}_challenge_space.npy", np.zeros(len(vertices)))
    for number, nsd in zip(range(1, N_TRAIN + 1), (13, 2950, 40, 72999)):
        (train / f"train-{number:04d}_nsd-{nsd:05d}.png").write_bytes(b"png")
    for number, nsd in zip(range(1, N_TEST + 1), (845, 3)):
        (test / f"test-{number:04d}_nsd-{nsd:05d}.png").write_bytes(b"png")
    return np.concatenate([responses["lh"], responses["rh"]], axis=1)


@pytest.fixture
def release(tmp_path):
    return tmp_path, write_release(tmp_path)


def test_sizes_and_responses(release):
    root, expected = release
    subject = AlgonautsSubject(root, 1)
    assert subject.n_vertices == {"left": 6, "right": 5}
    assert subject.n_targets == 11
    np.testing.assert_array_equal(np.flatnonzero(subject.fsaverage_masks["left"]), LEFT)
    responses = subject.responses()
    assert responses.dtype == np.float32 and responses.shape == (N_TRAIN, 11)
    np.testing.assert_array_equal(responses, expected)
    np.testing.assert_array_equal(subject.responses(images=[2, 0]), expected[[2, 0]])


def test_one_hemisphere(release):
    root, expected = release
    subject = AlgonautsSubject(root, "subj01", hemispheres="right")
    np.testing.assert_array_equal(subject.responses(), expected[:, 6:])
    assert subject.roi_labels().tolist() == [  # the five visual sets
        "rh.FFA-1", "rh.Unknown", "rh.V1d", "rh.V1d", "rh.OFA"
    ]


def test_images_in_row_order(release):
    root, _ = release
    subject = AlgonautsSubject(root, 1)
    names = [path.name for path in subject.images()]
    assert names == [
        "train-0001_nsd-00013.png", "train-0002_nsd-02950.png",
        "train-0003_nsd-00040.png", "train-0004_nsd-72999.png",
    ]
    assert subject.nsd_ids().tolist() == [13, 2950, 40, 72999]
    assert subject.nsd_ids("test").tolist() == [845, 3]
    assert all(path.is_file() for path in subject.images("test"))


def test_roi_labels_first_set_wins_and_names_map(release):
    root, _ = release
    labels = AlgonautsSubject(root, 1).roi_labels(["prf-visualrois", "floc-faces"])
    assert labels.dtype.kind == "U" and labels.shape == (11,)
    assert labels.tolist() == [
        "lh.V1v", "lh.V1d", "lh.OFA", "lh.hV4", "lh.Unknown", "lh.V1v",
        "rh.FFA-1", "rh.Unknown", "rh.V1d", "rh.V1d", "rh.OFA",
    ]
    faces_first = AlgonautsSubject(root, 1).roi_labels(
        ["floc-faces", "prf-visualrois"], by_hemisphere=False, unknown="none"
    )
    assert faces_first[3] == "FFA-1" and faces_first[4] == "none"
    with pytest.raises(ValueError, match="overlap='error': 1 left vertices"):
        AlgonautsSubject(root, 1).roi_labels(
            ["prf-visualrois", "floc-faces"], overlap="error"
        )


def test_roi_labels_feed_the_routing_encoder(release):
    from neurost.encoding import RoutingEncoder

    root, _ = release
    labels = AlgonautsSubject(root, 1).roi_labels(["prf-visualrois", "floc-faces"])
    rois, target_query = RoutingEncoder(labels)._queries(len(labels))
    assert len(rois) == 9  # (V1v V1d OFA hV4 Unknown) left + (FFA-1 Unknown V1d OFA) right
    np.testing.assert_array_equal(rois[target_query], labels)


def test_to_fsaverage_scatters_with_nan_elsewhere(release):
    root, _ = release
    subject = AlgonautsSubject(root, 1)
    values = np.arange(11.0)
    maps = subject.to_fsaverage(values)
    assert set(maps) == {"left", "right"}
    assert maps["left"].shape == (N_FSAVERAGE,)
    np.testing.assert_array_equal(maps["left"][LEFT], values[:6])
    np.testing.assert_array_equal(maps["right"][RIGHT], values[6:])
    assert np.isnan(maps["left"]).sum() == N_FSAVERAGE - len(LEFT)
    rows = subject.to_fsaverage({"left": np.ones((6, 2)), "right": np.zeros((5, 2))})
    assert rows["right"].shape == (N_FSAVERAGE, 2)
    with pytest.raises(ValueError, match="one value per target, 11"):
        subject.to_fsaverage(np.arange(10.0))


def test_mapping_as_released_is_read_without_pickle(tmp_path):
    np.save(tmp_path / "mapping.npy", {np.int64(0): "Unknown", 1: np.str_("V1v")})
    assert _load_mapping(tmp_path / "mapping.npy") == {0: "Unknown", 1: "V1v"}


class _Payload:
    def __reduce__(self):
        import pathlib

        return (pathlib.Path.touch, (pathlib.Path(self.target),))


def test_mapping_that_would_run_code_is_refused(tmp_path):
    payload = _Payload()
    payload.target = str(tmp_path / "ran")
    np.save(tmp_path / "mapping.npy", np.array({0: payload}, dtype=object))
    with pytest.raises(ValueError, match="refused to load the global pathlib"):
        _load_mapping(tmp_path / "mapping.npy")
    assert not (tmp_path / "ran").exists()


def test_mapping_with_a_version_2_header_is_read(tmp_path):
    from numpy.lib import format as npy_format

    with open(tmp_path / "mapping.npy", "wb") as handle:
        npy_format.write_array(handle, np.array({0: "Unknown", 3: "FFA-1"}), version=(2, 0))
    assert _load_mapping(tmp_path / "mapping.npy") == {0: "Unknown", 3: "FFA-1"}


def test_mapping_pickled_with_codecs_is_refused(tmp_path):
    from numpy.lib import format as npy_format

    # np.save pickles with protocol 3 or 4; protocol 2 stores bytes through
    # _codecs.encode, which can call any codec
    mapping = np.array({0: "Unknown"})
    with open(tmp_path / "mapping.npy", "wb") as handle:
        npy_format.write_array_header_1_0(handle, npy_format.header_data_from_array_1_0(mapping))
        pickle.dump(mapping, handle, protocol=2)
    with pytest.raises(ValueError, match="refused to load the global _codecs.encode"):
        _load_mapping(tmp_path / "mapping.npy")


def test_errors_name_the_file(release):
    root, _ = release
    masks = root / "subj01" / "roi_masks"
    np.save(masks / "lh.prf-visualrois_challenge_space.npy", np.array([1, 9, 0, 0, 0, 0]))
    with pytest.raises(ValueError, match=r"lh.prf-visualrois_challenge_space.npy holds code\(s\) \[9\]"):
        AlgonautsSubject(root, 1).roi_labels("prf-visualrois")
    np.save(root / "subj01/training_split/training_fmri/rh_training_fmri.npy", np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"rh_training_fmri.npy: expected shape \(4, 5\)"):
        AlgonautsSubject(root, 1).responses()
    (root / "subj01/training_split/training_images/train-0002_nsd-02950.png").unlink()
    with pytest.raises(ValueError, match="image 2 is missing"):
        AlgonautsSubject(root, 1).images()
    with pytest.raises(FileNotFoundError, match="no folder .*subj02"):
        AlgonautsSubject(root, 2)
