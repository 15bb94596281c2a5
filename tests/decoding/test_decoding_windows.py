import numpy as np
import pytest

from neurost.decoding.windows import check_window, make_windows


def _run(n_trs, n_voxels=3, start=0):
    """TR t, voxel v holds 10 * (start + t) + v, so every value names its TR."""
    return 10.0 * (start + np.arange(n_trs))[:, None] + np.arange(n_voxels)[None, :]


def test_drop_keeps_centres_whose_window_fits():
    X = _run(8)
    windows, indices = make_windows(X, window=(-2, 2), edges="drop")
    np.testing.assert_array_equal(indices, [2, 3, 4, 5])
    assert windows.shape == (4, 5, 3)
    for j, centre in enumerate(indices):
        np.testing.assert_array_equal(windows[j], X[centre - 2 : centre + 3])


def test_pad_keeps_every_tr_and_fills_outside_with_zeros():
    X = _run(4) + 1.0
    windows, indices = make_windows(X, window=(-2, 2), edges="pad")
    np.testing.assert_array_equal(indices, np.arange(4))
    assert windows.shape == (4, 5, 3)
    np.testing.assert_array_equal(windows[0, :2], 0)
    np.testing.assert_array_equal(windows[0, 2:], X[0:3])
    np.testing.assert_array_equal(windows[3, :3], X[1:4])
    np.testing.assert_array_equal(windows[3, 3:], 0)
    np.testing.assert_array_equal(windows[1, 0], 0)
    np.testing.assert_array_equal(windows[1, 1:], X[0:4])


def test_asymmetric_window_values_at_exact_indices():
    X = _run(6)
    windows, indices = make_windows(X, window=(-3, 1))
    np.testing.assert_array_equal(indices, [3, 4])
    np.testing.assert_array_equal(windows[:, :, 0], [[0, 10, 20, 30, 40], [10, 20, 30, 40, 50]])
    windows, indices = make_windows(X, window=(1, 2))
    np.testing.assert_array_equal(indices, [0, 1, 2, 3])
    np.testing.assert_array_equal(windows[0, :, 0], [10, 20])


def test_runs_never_cross_boundaries_and_index_the_concatenation():
    runs = [_run(6, start=0), _run(7, start=100)]
    windows, indices = make_windows(runs, window=(-1, 1), edges="drop")
    np.testing.assert_array_equal(indices, [1, 2, 3, 4, 7, 8, 9, 10, 11])
    stacked = np.concatenate(runs)
    for j, centre in enumerate(indices):
        np.testing.assert_array_equal(windows[j], stacked[centre - 1 : centre + 2])
    # every TR of a window comes from its centre's run
    run_of = (windows[..., 0] >= 1000).astype(int)
    assert (run_of == run_of[:, :1]).all()

    padded, indices = make_windows(runs, window=(-1, 1), edges="pad")
    np.testing.assert_array_equal(indices, np.arange(13))
    # last TR of run 0 and first TR of run 1: padded, not taken from the other run
    np.testing.assert_array_equal(padded[5, 2], 0)
    np.testing.assert_array_equal(padded[6, 0], 0)
    np.testing.assert_array_equal(padded[6, 1:], runs[1][:2])


def test_run_too_short_for_the_window_contributes_nothing():
    runs = [_run(3), _run(6, start=100)]
    windows, indices = make_windows(runs, window=(-2, 2))
    np.testing.assert_array_equal(indices, [5, 6])
    np.testing.assert_array_equal(windows[0], runs[1][0:5])


def test_float32_is_kept_and_integers_become_float64():
    windows, _ = make_windows(_run(5).astype(np.float32), window=(0, 0))
    assert windows.dtype == np.float32
    windows, _ = make_windows(np.arange(10).reshape(5, 2), window=(0, 1))
    assert windows.dtype == np.float64


def test_window_that_leaves_no_sample_is_refused():
    with pytest.raises(ValueError, match="leaves no sample"):
        make_windows(_run(4), window=(-2, 2), edges="drop")
    with pytest.raises(ValueError, match="leaves no sample"):
        make_windows([_run(2), _run(3)], window=(-2, 2))


@pytest.mark.parametrize(
    "window, match",
    [((2, -2), "start > stop"), ((0,), "pair of integer"), ((0.5, 1), "pair of integer"),
     ((True, 2), "pair of integer"), ("(-2, 2)", "pair of integer")],
)
def test_invalid_window_is_refused(window, match):
    with pytest.raises(ValueError, match=match):
        check_window(window)


def test_invalid_inputs_are_refused():
    with pytest.raises(ValueError, match="edges"):
        make_windows(_run(8), edges="wrap")
    with pytest.raises(ValueError, match=r"shape \(n_trs, n_voxels\)"):
        make_windows(np.zeros((4, 3, 2)))
    with pytest.raises(ValueError, match="same number of voxels"):
        make_windows([_run(6, 3), _run(6, 4)])
    with pytest.raises(ValueError, match="at least one run"):
        make_windows([])
    with pytest.raises(TypeError, match="real numbers"):
        make_windows(np.array([["a", "b"]] * 6))
