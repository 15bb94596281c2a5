"""Bad-input battery of the torch estimators (the TorchEstimator shell and each estimator)."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from neurost.decoding import FlowDecoder
from neurost.encoding import RoutingEncoder
from neurost.tablet import MaskedTokenPretrainer, TabletClassifier, TabletRegressor

_RNG = np.random.default_rng(0)
TABLE = _RNG.normal(size=(12, 8)).astype(np.float32)
LABELS = np.array([0, 1] * 6)
GRIDS = _RNG.normal(size=(12, 2, 2, 4)).astype(np.float32)
RESPONSES = _RNG.normal(size=(12, 3))
BOLD = _RNG.normal(size=(30, 6))
FLOWS = _RNG.normal(size=(30, 2, 3, 3, 2))
RUNS = [_RNG.normal(size=(10, 4, 8)).astype(np.float32) for _ in range(4)]

TINY = dict(max_epochs=1, device="cpu")

# Each estimator with data it fits on; the shared training parameters are
# checked on all of them.
ESTIMATORS = {
    "TabletClassifier": (TabletClassifier, dict(preset="tiny", n_frames=4), TABLE, LABELS),
    "TabletRegressor": (TabletRegressor, dict(preset="tiny", n_frames=4), TABLE, LABELS * 1.0),
    "MaskedTokenPretrainer": (MaskedTokenPretrainer, dict(preset="tiny", n_frames=4), RUNS, None),
    "RoutingEncoder": (RoutingEncoder, dict(n_heads=1, ffn_dim=4), GRIDS, RESPONSES),
    "FlowDecoder": (FlowDecoder, dict(hidden=4, n_blocks=1, n_codes=2), BOLD, FLOWS),
}

SHARED = [
    ("lr", -1.0, ValueError),
    ("lr", 0.0, ValueError),
    ("lr", float("nan"), ValueError),
    ("lr", float("inf"), ValueError),
    ("lr", "fast", TypeError),
    ("weight_decay", -0.1, ValueError),
    ("grad_clip", -1.0, ValueError),
    ("grad_clip", 0.0, ValueError),
    ("accumulation_steps", 0, ValueError),
    ("accumulation_steps", 1.5, TypeError),
    ("max_epochs", 0, ValueError),
    ("max_epochs", 2.5, TypeError),
    ("batch_size", 0, ValueError),
    ("patience", 0, ValueError),
    ("validation_fraction", 1.0, ValueError),
    ("validation_fraction", -0.1, ValueError),
    ("validation_split", "middle", ValueError),
    ("random_state", "seed", ValueError),
    ("device", 3, TypeError),
    ("device", "tpu", ValueError),
    ("device", "cuda:0", ValueError),
    ("checkpoint_dir", 3, TypeError),
    ("warm_start", "yes", TypeError),
    ("verbose", -1, ValueError),
]


def _fit(name, **params):
    cls, own, X, y = ESTIMATORS[name]
    estimator = cls(**{**own, **TINY, **params})
    return lambda: estimator.fit(X, y)


def _fitted(name):
    cls, own, X, y = ESTIMATORS[name]
    return cls(**{**own, **TINY, "validation_fraction": None}).fit(X, y)


CASES = [
    pytest.param(_fit(name, **{param: value}), error, param, id=f"{name}-{param}={value!r}")
    for name in ESTIMATORS
    for param, value, error in SHARED
    # without a GPU "cuda:0" is refused; with one it is a valid device
    if not (param == "device" and value == "cuda:0" and __import__("torch").cuda.is_available())
]

CASES += [
    pytest.param(_fit("TabletRegressor", validation_split="stratified"), ValueError,
                 "validation_split", id="regressor-stratified"),
    pytest.param(_fit("RoutingEncoder", validation_split="stratified"), ValueError,
                 "validation_split", id="routing-stratified"),
    pytest.param(_fit("TabletClassifier", preset="huge"), ValueError, "preset", id="preset"),
    pytest.param(_fit("TabletClassifier", n_frames=0), ValueError, "n_frames", id="n_frames"),
    pytest.param(_fit("TabletClassifier", class_weight="even"), ValueError, "class_weight",
                 id="class_weight-str"),
    pytest.param(_fit("TabletClassifier", class_weight={5: 1.0}), ValueError, "class_weight",
                 id="class_weight-unknown-class"),
    pytest.param(_fit("TabletClassifier", class_weight={0: -1.0}), ValueError, "class_weight",
                 id="class_weight-negative"),
    pytest.param(_fit("TabletClassifier", init_from="weights.pt"), TypeError, "init_from",
                 id="init_from-str"),
    pytest.param(_fit("TabletClassifier", init_from=MaskedTokenPretrainer()), ValueError,
                 "init_from", id="init_from-unfitted"),
    pytest.param(_fit("TabletClassifier", model_params=[1]), TypeError, "model_params",
                 id="model_params-list"),
    pytest.param(_fit("TabletClassifier", model_params={"wings": 2}), TypeError,
                 "model_params", id="model_params-unknown"),
    pytest.param(_fit("TabletClassifier", tokenizer="dcae"), TypeError, "tokenizer",
                 id="tokenizer-str"),
    pytest.param(_fit("TabletClassifier", pad_short_runs="no"), TypeError, "pad_short_runs",
                 id="pad_short_runs"),
    pytest.param(_fit("TabletClassifier", center_tokens=1.5), TypeError, "center_tokens",
                 id="center_tokens"),
    pytest.param(_fit("MaskedTokenPretrainer", mask_ratio=1.0), ValueError, "mask_ratio",
                 id="mask_ratio-1"),
    pytest.param(_fit("MaskedTokenPretrainer", mask_ratio=0), ValueError, "mask_ratio",
                 id="mask_ratio-0"),
    pytest.param(_fit("RoutingEncoder", n_heads=0), ValueError, "n_heads", id="n_heads-0"),
    pytest.param(_fit("RoutingEncoder", n_heads=3), ValueError, "n_heads", id="n_heads-3"),
    pytest.param(_fit("RoutingEncoder", dropout=1.0), ValueError, "dropout", id="dropout"),
    pytest.param(_fit("RoutingEncoder", beta=-1.0), ValueError, "beta", id="beta-negative"),
    pytest.param(_fit("RoutingEncoder", beta=float("inf")), ValueError, "beta", id="beta-inf"),
    pytest.param(_fit("RoutingEncoder", n_seeds=0), ValueError, "n_seeds", id="n_seeds"),
    pytest.param(_fit("RoutingEncoder", grid_shape="2x2"), TypeError, "grid_shape",
                 id="grid_shape-str"),
    pytest.param(_fit("RoutingEncoder", backbone="dinov2"), TypeError, "backbone",
                 id="backbone-str"),
    pytest.param(_fit("RoutingEncoder", roi_labels=["a"] * 2), ValueError, "roi_labels",
                 id="roi_labels-length"),
    pytest.param(_fit("FlowDecoder", mode="classify"), ValueError, "mode", id="mode"),
    pytest.param(_fit("FlowDecoder", edges="wrap"), ValueError, "edges", id="edges"),
    pytest.param(_fit("FlowDecoder", n_codes=0), ValueError, "n_codes", id="n_codes"),
    pytest.param(_fit("FlowDecoder", n_codes=10_000), ValueError, "n_codes", id="n_codes-many"),
    pytest.param(_fit("FlowDecoder", window=(2, -2)), ValueError, "window", id="window"),
    pytest.param(_fit("FlowDecoder", cv="five"), ValueError, "cv", id="cv-str"),
    pytest.param(_fit("FlowDecoder", mode="regression", alphas=[-1.0]), ValueError, "alphas",
                 id="alphas-negative"),
    pytest.param(_fit("FlowDecoder", mode="regression", alphas=[np.nan]), ValueError, "alphas",
                 id="alphas-nan"),
    pytest.param(_fit("FlowDecoder", mode="regression", cv=1), ValueError, "cv", id="cv-1"),
    pytest.param(_fit("FlowDecoder", mode="regression", cv=500), ValueError, "cv",
                 id="cv-too-many"),
    # data
    pytest.param(lambda: TabletClassifier(**TINY).fit(TABLE, LABELS[:5]), ValueError, "y",
                 id="classifier-y-length"),
    pytest.param(lambda: TabletClassifier(**TINY).fit(TABLE, np.zeros(12)), ValueError,
                 "class", id="classifier-one-class"),
    pytest.param(lambda: TabletClassifier(**TINY).fit(TABLE, None), ValueError, "y",
                 id="classifier-y-none"),
    pytest.param(lambda: TabletRegressor(**TINY).fit(TABLE, np.full(12, np.nan)), ValueError,
                 "y", id="regressor-y-nan"),
    pytest.param(lambda: TabletClassifier(preset="tiny", **TINY).fit(
        TABLE, LABELS, groups=np.arange(5)), ValueError, "groups", id="groups-length"),
    pytest.param(lambda: TabletClassifier(preset="tiny", **TINY).fit(
        TABLE, LABELS, groups=np.zeros(12)), ValueError, "groups", id="groups-one-group"),
    pytest.param(lambda: RoutingEncoder(**TINY).fit(GRIDS, RESPONSES, groups=[[1, 2]] * 12),
                 ValueError, "groups", id="routing-groups-2d"),
    pytest.param(lambda: FlowDecoder(**TINY).fit(BOLD, FLOWS, groups=np.full(30, np.nan)),
                 ValueError, "groups", id="flow-groups-nan"),
    pytest.param(lambda: RoutingEncoder(**TINY).fit(np.where(GRIDS > 1, np.inf, GRIDS),
                                                     RESPONSES), ValueError, "infinity",
                 id="routing-X-inf"),
    pytest.param(lambda: FlowDecoder(**TINY).fit(BOLD, FLOWS[..., :0]), ValueError, "y",
                 id="flow-y-no-component"),
    pytest.param(lambda: FlowDecoder(flow_shape=(2, 3, 3, 3), **TINY).fit(
        BOLD, FLOWS.reshape(30, -1)), ValueError, "flow_shape", id="flow_shape-mismatch"),
    pytest.param(lambda: FlowDecoder(flow_shape=(2, 3, 6), **TINY).fit(
        BOLD, FLOWS.reshape(30, -1)), ValueError, "flow_shape", id="flow_shape-three"),
    pytest.param(lambda: FlowDecoder(flow_shape="2x3", **TINY).fit(
        BOLD, FLOWS.reshape(30, -1)), TypeError, "flow_shape", id="flow_shape-str"),
    pytest.param(lambda: FlowDecoder(**TINY).fit(BOLD[:, :, None, None], FLOWS), ValueError,
                 "X", id="flow-X-4d"),
    # prediction
    pytest.param(lambda: TabletClassifier().predict(TABLE), NotFittedError, "fit",
                 id="classifier-unfitted"),
    pytest.param(lambda: RoutingEncoder().predict(GRIDS), NotFittedError, "fit",
                 id="routing-unfitted"),
    pytest.param(lambda: FlowDecoder().predict(BOLD), NotFittedError, "fit",
                 id="flow-unfitted"),
    pytest.param(lambda: _fitted("TabletRegressor").predict(TABLE[:, :3]), ValueError,
                 "features", id="regressor-predict-features"),
    pytest.param(lambda: _fitted("RoutingEncoder").predict(GRIDS[..., :2]), ValueError,
                 "features", id="routing-predict-channels"),
    pytest.param(lambda: _fitted("FlowDecoder").predict(BOLD[:, :4]), ValueError, "voxels",
                 id="flow-predict-voxels"),
    pytest.param(lambda: _fitted("MaskedTokenPretrainer").transform([r[:, :2] for r in RUNS]),
                 ValueError, "n_tokens", id="pretrainer-transform-tokens"),
]


@pytest.mark.parametrize("call, expected, fragment", CASES)
def test_bad_input(call, expected, fragment, check_row):
    check_row(call, expected, fragment)


def test_checkpoint_dir_that_holds_a_checkpoint_is_not_overwritten(tmp_path, check_row):
    (tmp_path / "model.pt").write_bytes(b"an earlier fit")
    check_row(_fit("TabletRegressor", checkpoint_dir=tmp_path), ValueError, "checkpoint_dir")
    assert (tmp_path / "model.pt").read_bytes() == b"an earlier fit"


def test_checkpoint_dir_that_is_a_file(tmp_path, check_row):
    path = tmp_path / "file.txt"
    path.write_text("mine")
    check_row(_fit("RoutingEncoder", checkpoint_dir=path), ValueError, "checkpoint_dir")
    assert path.read_text() == "mine"


def test_diverging_training_names_the_settings(check_row):
    X = TABLE * 1e25
    regressor = TabletRegressor(preset="tiny", n_frames=4, max_epochs=3, lr=1e3,
                                grad_clip=None, device="cpu", validation_fraction=None)
    check_row(lambda: regressor.fit(X, LABELS * 1e25), ValueError, "lr=1000.0")
