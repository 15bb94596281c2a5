"""Token sources, crops and windows of the TABLeT estimators."""

import numpy as np
import pytest
import torch

from neurost.tablet import TabletClassifier
from neurost.tablet._datasets import CenteredRun, CropDataset, WindowDataset, pad_frames
from neurost.tablet._runs import ArrayRun, as_runs, check_short_runs, check_token_shapes


def _run(n_frames, name="run"):
    tokens = np.arange(n_frames * 2 * 3, dtype=np.float32).reshape(n_frames, 2, 3)
    return ArrayRun(tokens, name)


def test_pad_frames_pads_at_the_end_and_masks():
    padded = pad_frames(np.ones((3, 2, 4)), 5)
    assert padded["tokens"].shape == (5, 2, 4) and padded["tokens"].dtype == torch.float32
    assert padded["tokens"][:3].eq(1).all() and padded["tokens"][3:].eq(0).all()
    assert padded["padding_mask"].tolist() == [False, False, False, True, True]


def test_crops_are_contiguous_random_and_reproducible():
    run = _run(20)
    data = CropDataset([run], np.array([1.0]), n_frames=6, seed=0)
    starts = set()
    for _ in range(30):
        inputs, target = data[0]
        first = int(inputs["tokens"][0, 0, 0]) // 6
        starts.add(first)
        np.testing.assert_array_equal(inputs["tokens"], run.tokens[first : first + 6])
        assert not inputs["padding_mask"].any() and float(target) == 1.0
    assert len(starts) > 5 and max(starts) <= 14
    fixed = CropDataset([run], None, n_frames=6, seed=0, fixed=True)
    first, again = fixed[0], fixed[0]
    np.testing.assert_array_equal(first[0]["tokens"], again[0]["tokens"])
    np.testing.assert_array_equal(first[1], first[0]["tokens"])  # its own target


def test_short_run_crop_is_the_whole_run_padded():
    inputs, _ = CropDataset([_run(4)], None, n_frames=6, seed=0)[0]
    assert inputs["padding_mask"].tolist() == [False] * 4 + [True] * 2


def test_windows_cover_runs_and_average_per_run():
    windows = WindowDataset([_run(10), _run(4), _run(6)], n_frames=4)
    assert windows.run_index.tolist() == [0, 0, 0, 1, 2, 2]
    inputs, run = windows[2]
    assert int(run) == 0 and inputs["padding_mask"].tolist() == [False, False, True, True]
    averaged = windows.average(np.array([[1.0], [2.0], [6.0], [5.0], [0.0], [1.0]]))
    np.testing.assert_allclose(averaged, [[3.0], [5.0], [0.5]])


def test_as_runs_forms_and_errors():
    tokens = np.zeros((5, 2, 3))
    runs = as_runs(np.stack([tokens, tokens]))
    assert [run.name for run in runs] == ["X[0]", "X[1]"]
    assert runs[0].read(1, 3).dtype == np.float32
    with pytest.raises(ValueError, match="holds no run"):
        as_runs([])
    with pytest.raises(ValueError, match=r"X\[0\] has no frame"):
        as_runs([np.zeros((0, 2, 3))])
    with pytest.raises(ValueError, match=r"X\[1\] must be a numeric token array"):
        as_runs([tokens, np.zeros((5, 6))])
    with pytest.raises(TypeError, match="X must be a list of runs"):
        as_runs("sub-01_bold.nii.gz")
    assert check_token_shapes(as_runs([tokens, tokens])) == (2, 3)
    with pytest.raises(ValueError, match="was fitted on \\(2, 4\\)"):
        check_token_shapes(as_runs([tokens]), (2, 4))
    check_short_runs(as_runs([tokens]), 8, pad=True)
    with pytest.raises(ValueError, match="X\\[0\\] \\(5 frames\\)"):
        check_short_runs(as_runs([tokens]), 8, pad=False)


def test_two_d_array_rows_are_one_frame_runs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 5))
    clf = TabletClassifier(preset="tiny", n_frames=2, max_epochs=1, validation_fraction=None,
                           device="cpu", random_state=0).fit(X, np.arange(6) % 2)
    assert (clf.n_tokens_, clf.token_dim_, clf.n_features_in_) == (1, 5, 5)
    np.testing.assert_allclose(
        clf.decision_function(X), clf.decision_function(list(X[:, None, None, :])), rtol=1e-6
    )
    with pytest.raises(ValueError, match="X has 4 features"):
        clf.predict(X[:, :4])
    clf.fit([x[None, None, :] for x in X], np.arange(6) % 2)
    assert not hasattr(clf, "n_features_in_")


def test_centered_run_subtracts_the_mean_frame_read_in_blocks():
    tokens = np.random.default_rng(0).normal(5, 1, size=(600, 2, 3)).astype(np.float32)
    centred = CenteredRun(ArrayRun(tokens, "run"))  # 600 frames: 3 blocks, the last partial
    assert (centred.name, centred.n_frames, centred.token_shape) == ("run", 600, (2, 3))
    np.testing.assert_allclose(centred.mean, tokens.mean(axis=0, dtype=np.float64), rtol=1e-12)
    frames = centred.read(10, 20)
    assert frames.dtype == np.float32
    np.testing.assert_allclose(frames, tokens[10:20] - tokens.mean(axis=0), atol=1e-5)
