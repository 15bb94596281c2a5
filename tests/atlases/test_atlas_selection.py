"""ROI selection by name, index, group and grouping; the shipped groupings."""

import functools

import numpy as np
import pytest

from neurost.atlases import Atlas, load_atlas
from neurost.atlases.registry import read_groupings

load = functools.lru_cache(maxsize=None)(load_atlas)

# The visual areas of Glasser et al. (2016) in each stream, without hemisphere.
STREAMS = {
    "early": {"V1", "V2", "V3", "V4"},
    "ventral": {"V8", "VVC", "PIT", "FFC", "VMV1", "VMV2", "VMV3", "PHA1", "PHA2", "PHA3"},
    "lateral": {"V3CD", "LO1", "LO2", "LO3", "V4t", "MT", "MST", "FST", "PH"},
    "dorsal": {"V3A", "V3B", "V6", "V6A", "V7", "IPS1"},
}


def _toy_atlas():
    labels = np.array([0, 1, 1, 2, 3, 3, 4, 5])
    names = ["L_a", "L_b", "R_a", "R_b", "mid"]
    groupings = {
        "streams": {"first": ["L_a", "R_a"], "second": ["L_b", "R_b"]},
        "sides": {"first": ["L_a", "L_b"], "right": ["R_a", "R_b"]},
    }
    return Atlas.from_arrays(
        labels.reshape(2, 2, 2), names, affine=np.eye(4), groupings=groupings
    )


def _names(selection):
    return {name: members.tolist() for name, members in selection.items()}


def test_every_mmp_grouping_names_existing_areas():
    mmp = load("mmp1")
    names = set(mmp.roi_names)
    groupings = read_groupings("mmp1_groupings.tsv")
    assert set(groupings) == {"visual_streams", "visual_streams_lr"}
    for grouping in groupings.values():
        for members in grouping.values():
            assert members and set(members) <= names
    for stream, areas in STREAMS.items():
        bilateral = {f"{hemi}_{area}" for hemi in "LR" for area in areas}
        assert set(groupings["visual_streams"][stream]) == bilateral
        assert set(groupings["visual_streams_lr"][f"L_{stream}"]) == {f"L_{a}" for a in areas}
    assert mmp.groupings["visual_streams"] == groupings["visual_streams"]


def test_streams_are_disjoint_and_ordered():
    selection = load("mmp1").resolve_rois("visual_streams")
    assert list(selection) == ["early", "ventral", "lateral", "dorsal"]
    assert [len(m) for m in selection.values()] == [8, 20, 18, 12]


def test_none_selects_every_roi_in_table_order():
    atlas = _toy_atlas()
    assert _names(atlas.resolve_rois()) == {
        "L_a": [1], "L_b": [2], "R_a": [3], "R_b": [4], "mid": [5]
    }


def test_selection_by_name_index_group_and_grouping():
    atlas = _toy_atlas()
    assert _names(atlas.resolve_rois("R_a")) == {"R_a": [3]}
    assert _names(atlas.resolve_rois([5, np.int64(1)])) == {"mid": [5], "L_a": [1]}
    assert _names(atlas.resolve_rois("second")) == {"second": [2, 4]}
    assert _names(atlas.resolve_rois("streams")) == {"first": [1, 3], "second": [2, 4]}
    assert _names(atlas.resolve_rois(["sides:first", "mid"])) == {"first": [1, 2], "mid": [5]}
    merged = atlas.resolve_rois({"a": ["L_a", 3], "rest": "second", "all": ["mid"]})
    assert _names(merged) == {"a": [1, 3], "rest": [2, 4], "all": [5]}


def test_hemisphere_column_gives_a_grouping():
    mmp = load("mmp1")
    left = mmp.resolve_rois("left")["left"]
    assert len(left) == 180 and left.max() == 180


def test_unknown_roi_name_suggests_close_matches():
    with pytest.raises(ValueError, match=r"'L_V11' is not an ROI.*Did you mean 'L_V1'"):
        load("mmp1").roi_labels(["L_V11"])
    with pytest.raises(ValueError, match="Did you mean 'ventral'"):
        load("mmp1").resolve_rois("ventrall")
    with pytest.raises(ValueError, match="Did you mean 'Visual'"):
        load("seitzman300").masker(rois="visual")


def test_group_in_several_groupings_must_be_qualified():
    with pytest.raises(ValueError, match=r"\['streams:first', 'sides:first'\]"):
        _toy_atlas().resolve_rois("first")


@pytest.mark.parametrize(
    ("rois", "error", "message"),
    [
        (9, ValueError, "9 is not an ROI index.*1 to 5"),
        (True, TypeError, "expected an ROI name or index"),
        (1.5, TypeError, "rois must be None"),
        ([["L_a", "R_a"]], TypeError, "pass a dict"),
        ({"x": []}, ValueError, "empty list"),
        ([], ValueError, "selects no ROI"),
        (["L_a", "L_a"], ValueError, "selected twice"),
        (["streams", "L_a"], ValueError, "'first' and 'L_a' share"),
    ],
)
def test_bad_selections_are_refused(rois, error, message):
    with pytest.raises(error, match=message):
        _toy_atlas().resolve_rois(rois)


def test_groupings_naming_unknown_rois_are_refused():
    with pytest.raises(ValueError, match=r"groupings\['g'\]\['x'\] names 'L_c'.*'L_a'"):
        Atlas.from_arrays(
            np.ones((2, 2, 2)), ["L_a"], affine=np.eye(4),
            groupings={"g": {"x": ["L_c"]}},
        )
