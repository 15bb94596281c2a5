"""neurost.save / neurost.load: exact round trips without pickle, safe loading."""

import json
import math
import pickle
from pathlib import Path

import joblib
import nibabel
import numpy as np
import pandas as pd
import pytest
import sklearn
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from sklearn.base import BaseEstimator
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

import neurost
from neurost.datasets import load_sample_video, make_routing_dataset
from neurost.decoding import FlowDecoder
from neurost.encoding import RidgeEncoder, RoutingEncoder, VideoEncoder
from neurost.features import BackboneFeatures, Delayer, MotionEnergy, OpticalFlow
from neurost.io.video import Video, load_video
from neurost.saving import NEUROST_ESTIMATORS, _digest
from neurost.tablet import MaskedTokenPretrainer, TabletClassifier, TabletRegressor
from neurost.tokenize import ImageAutoencoder, SliceTokenizer

TABLET = dict(preset="tiny", n_frames=8, max_epochs=2, batch_size=4,
              validation_fraction=None, device="cpu", random_state=0)
ROUTING = dict(n_heads=1, ffn_dim=16, max_epochs=2, batch_size=16, device="cpu",
               random_state=0)
FLOW = dict(hidden=8, n_blocks=1, max_epochs=2, n_codes=4, device="cpu", random_state=0)


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run fastest, and steadiest on a busy machine, on one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(1):
        yield
    torch.set_num_threads(threads)


def round_trip(estimator, tmp_path):
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.safetensors"
    neurost.save(estimator, path)
    loaded = neurost.load(path)
    assert_same(loaded, estimator, type(estimator).__name__)
    return loaded


def assert_same(loaded, saved, where):
    """Recursively: same types, values, dtypes, weights and attributes."""
    assert type(loaded) is type(saved), where
    if isinstance(saved, np.ndarray):
        assert loaded.dtype == saved.dtype and loaded.shape == saved.shape, where
        if saved.dtype.kind == "O":
            for index, item in enumerate(saved.ravel()):
                assert_same(loaded.ravel()[index], item, f"{where}[{index}]")
        else:
            assert np.array_equal(loaded, saved, equal_nan=saved.dtype.kind == "f"), where
    elif isinstance(saved, torch.Tensor):
        assert loaded.dtype == saved.dtype and torch.equal(loaded, saved.cpu()), where
    elif isinstance(saved, torch.nn.Module):
        assert loaded.training == saved.training, where
        state = saved.state_dict()
        assert list(loaded.state_dict()) == list(state), where
        for key, value in loaded.state_dict().items():
            assert torch.equal(value, state[key].cpu()), f"{where}.{key}"
    elif isinstance(saved, ImageAutoencoder):
        assert loaded.fingerprint == saved.fingerprint, where
        assert (loaded.name, loaded.downsampling) == (saved.name, saved.downsampling), where
    elif isinstance(saved, (BaseEstimator, KFold)):
        assert sorted(vars(loaded)) == sorted(vars(saved)), where
        for key, value in vars(saved).items():
            assert_same(vars(loaded)[key], value, f"{where}.{key}")
    elif isinstance(saved, (list, tuple)):
        assert len(loaded) == len(saved), where
        for index, (a, b) in enumerate(zip(loaded, saved)):
            assert_same(a, b, f"{where}[{index}]")
    elif isinstance(saved, dict):
        assert list(loaded) == list(saved), where
        for key, value in saved.items():
            assert_same(loaded[key], value, f"{where}[{key!r}]")
    elif isinstance(saved, np.random.RandomState):
        assert_same(loaded.get_state(), saved.get_state(), where)
    elif isinstance(saved, pd.DataFrame):
        pd.testing.assert_frame_equal(loaded, saved)
    elif type(saved).__name__ == "MetadataRequest":
        assert str(loaded) == str(saved), where
    elif isinstance(saved, float) and math.isnan(saved):
        assert math.isnan(loaded), where
    else:
        assert loaded == saved, where


def assert_same_outputs(loaded, saved, X, methods=("predict",)):
    for method in methods:
        expected = getattr(saved, method)(X)
        got = getattr(loaded, method)(X)
        if isinstance(expected, list):
            assert all(np.array_equal(a, b) for a, b in zip(got, expected)), method
        else:
            assert np.array_equal(got, expected), method


# -- data ---------------------------------------------------------------------------


def _table(n=40, n_features=5, n_targets=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    return X, X @ rng.normal(size=(n_features, n_targets)) + rng.normal(size=(n, n_targets))


def _token_runs(n_runs=4, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(12, 4, 6)).astype(np.float32) for _ in range(n_runs)]


def _grids(n=48, seed=0):
    rng = np.random.default_rng(seed)
    grid = rng.normal(size=(n, 4, 4, 8)).astype(np.float32)
    Y = np.hstack([grid[:, 0, 0, :3], grid[:, 3, 3, :3]]) + 0.1 * rng.normal(size=(n, 6))
    return grid, Y.astype(np.float32), np.array(["a"] * 3 + ["b"] * 3)


def _flows(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((30, 6)).astype(np.float32)
    return X, rng.standard_normal((30, 2, 3, 3, 2)).astype(np.float32)


def _bold_run(n_frames=8, seed=0):
    rng = np.random.default_rng(seed)
    data = (100 + rng.normal(size=(8, 8, 8, n_frames))).astype(np.float32)
    return nibabel.Nifti1Image(data, np.diag([2.0, 2.0, 2.0, 1.0]))


@pytest.fixture(scope="module")
def video_runs():
    frames = load_video(load_sample_video()).frames
    rng = np.random.default_rng(0)
    clip = np.concatenate([frames, frames[::-1]] * 2)[:60]
    return [Video(clip[rng.permutation(60)], 20.0) for _ in range(3)]


# -- round trips of every estimator ----------------------------------------------------


@pytest.mark.parametrize(
    "params, y_shape",
    [
        ({}, (3,)),
        ({"feature_spaces": (2, 3), "n_iter": 2, "random_state": 0}, (3,)),
        ({"cv": KFold(3, shuffle=True, random_state=np.random.RandomState(1))}, ()),
    ],
    ids=["one-space", "banded", "splitter-1d"],
)
def test_ridge_encoder(tmp_path, params, y_shape):
    X, Y = _table()
    y = Y if y_shape else Y[:, 0]
    encoder = RidgeEncoder(backend="numpy", **params).fit(X, y)
    loaded = round_trip(encoder, tmp_path)
    assert_same_outputs(loaded, encoder, X)
    assert loaded.score(X, y) == encoder.score(X, y)


def test_ridge_encoder_unfitted(tmp_path):
    encoder = RidgeEncoder(alphas=(0.5, 2.0), backend="numpy")
    loaded = round_trip(encoder, tmp_path)
    assert loaded.get_params() == encoder.get_params()
    X, Y = _table()
    assert np.array_equal(loaded.fit(X, Y).predict(X), encoder.fit(X, Y).predict(X))


def test_video_encoder_on_precomputed_features(tmp_path):
    rng = np.random.default_rng(0)
    X = {"a": rng.normal(size=(60, 4)), "b": rng.normal(size=(60, 3))}
    Y = rng.normal(size=(60, 2))
    encoder = VideoEncoder(delays=(0, 1), alphas=(1.0, 10.0), cv=2, n_iter=2,
                           backend="numpy", random_state=0).fit(X, Y)
    loaded = round_trip(encoder, tmp_path)
    assert_same_outputs(loaded, encoder, X)
    assert np.array_equal(loaded.split_scores(X, Y), encoder.split_scores(X, Y))


def test_video_encoder_on_videos_keeps_its_feature_transformers(tmp_path, video_runs):
    encoder = VideoEncoder(
        features=("motion_energy", "optical_flow", "backbone"), t_r=0.5, delays=(0, 1),
        feature_params={"motion_energy": {"spatial_frequencies": (0, 2), "device": "cpu"},
                        "optical_flow": {"grid": (3, 2), "frames_per_tr": 2},
                        "backbone": {"device": "cpu"}},
        alphas=(1.0, 100.0), cv=2, n_iter=2, backend="numpy", random_state=0,
    )
    Y = [np.random.default_rng(i).normal(size=(6, 3)) for i in range(3)]
    encoder.fit(video_runs, Y)
    loaded = round_trip(encoder, tmp_path)
    assert isinstance(loaded.transformers_["motion_energy"], MotionEnergy)
    assert_same_outputs(loaded, encoder, video_runs)


@pytest.mark.parametrize("n_seeds", [1, 2])
def test_routing_encoder(tmp_path, n_seeds):
    grid, Y, rois = _grids()
    encoder = RoutingEncoder(rois, n_seeds=n_seeds, **ROUTING).fit(grid, Y)
    loaded = round_trip(encoder, tmp_path)
    assert len(loaded.models_) == n_seeds
    assert_same_outputs(loaded, encoder, grid, ("predict", "attention_maps"))
    assert loaded.score(grid, Y) == encoder.score(grid, Y)


def test_routing_encoder_with_a_backbone(tmp_path):
    data = make_routing_dataset(n_images=24, n_vertices_per_roi=2, random_state=0)
    images = (np.random.default_rng(0).random((24, 32, 32, 3)) * 255).astype(np.uint8)
    encoder = RoutingEncoder(
        data.roi_labels, backbone=BackboneFeatures(device="cpu"), **ROUTING
    ).fit(images, data.responses)
    loaded = round_trip(encoder, tmp_path)
    assert_same_outputs(loaded, encoder, images)


@pytest.mark.parametrize("mode", ["codebook", "regression"])
def test_flow_decoder(tmp_path, mode):
    X, Y = _flows()
    decoder = FlowDecoder(mode=mode, validation_fraction=0.2, **FLOW).fit(X, Y)
    loaded = round_trip(decoder, tmp_path)
    assert_same_outputs(loaded, decoder, X)
    assert loaded.score(X, Y) == decoder.score(X, Y)


def test_tablet_classifier_with_string_labels(tmp_path):
    runs = _token_runs(6)
    labels = np.array(["control", "patient", "other"] * 2)
    classifier = TabletClassifier(class_weight={"other": 2.0}, **TABLET).fit(runs, labels)
    loaded = round_trip(classifier, tmp_path)
    assert loaded.classes_.dtype == classifier.classes_.dtype
    assert_same_outputs(loaded, classifier, runs, ("predict", "predict_proba"))
    assert loaded.score(runs, labels) == classifier.score(runs, labels)


def test_tablet_regressor_on_a_table(tmp_path):
    X = np.random.default_rng(0).normal(size=(8, 5)).astype(np.float32)
    y = np.arange(8.0)
    regressor = TabletRegressor(**TABLET).fit(X, y)
    loaded = round_trip(regressor, tmp_path)
    assert_same_outputs(loaded, regressor, X)


def test_pretrainer_and_classifier_initialised_from_it(tmp_path):
    runs = _token_runs()
    pretrainer = MaskedTokenPretrainer(**TABLET).fit(runs)
    loaded = round_trip(pretrainer, tmp_path)
    assert loaded.backbone_ is loaded.model_.backbone
    assert_same_outputs(loaded, pretrainer, runs, ("transform",))
    assert loaded.score(runs) == pretrainer.score(runs)

    classifier = TabletClassifier(init_from=pretrainer, **TABLET).fit(runs, [0, 1, 0, 1])
    loaded = round_trip(classifier, tmp_path)
    assert loaded.init_from.backbone_ is loaded.init_from.model_.backbone
    assert_same_outputs(loaded, classifier, runs, ("predict_proba",))


def test_tablet_classifier_on_images_keeps_the_autoencoder_weights(tmp_path):
    runs = [_bold_run(seed=seed) for seed in range(4)]
    tokenizer = SliceTokenizer(grid_size=32, token_size=32, device="cpu")
    classifier = TabletClassifier(tokenizer=tokenizer, **TABLET).fit(runs, [0, 1, 0, 1])
    path = tmp_path / "classifier.safetensors"
    neurost.save(classifier, path)
    with safe_open(path, "pt") as file:
        n_stored = sum(file.get_tensor(k).numel() for k in file.keys())
    module = classifier.tokenizer_.autoencoder_.module
    assert n_stored > sum(p.numel() for p in module.parameters())
    loaded = neurost.load(path)
    assert_same(loaded, classifier, "TabletClassifier")
    assert not any(p.requires_grad for p in loaded.tokenizer_.autoencoder_.module.parameters())
    assert_same_outputs(loaded, classifier, runs, ("predict_proba",))


def test_slice_tokenizer_builtin(tmp_path):
    tokenizer = SliceTokenizer(grid_size=32, token_size=32, device="cpu").fit()
    loaded = round_trip(tokenizer, tmp_path)
    assert_same_outputs(loaded, tokenizer, _bold_run(3), ("transform",))


def test_slice_tokenizer_with_a_diffusers_autoencoder(tmp_path):
    diffusers = pytest.importorskip("diffusers")
    torch.manual_seed(0)
    diffusers.AutoencoderTiny(
        encoder_block_out_channels=(4, 4), decoder_block_out_channels=(4, 4),
        num_encoder_blocks=(1, 1), num_decoder_blocks=(1, 1), latent_channels=3,
    ).save_pretrained(tmp_path / "tiny")
    tokenizer = SliceTokenizer(
        str(tmp_path / "tiny"), grid_size=8, token_size=4, device="cpu"
    ).fit()
    loaded = round_trip(tokenizer, tmp_path)
    assert type(loaded.autoencoder_.module) is diffusers.AutoencoderTiny
    assert_same_outputs(loaded, tokenizer, _bold_run(2), ("transform",))


def test_feature_transformers(tmp_path, video_runs):
    frames = video_runs[0].frames
    luminance = frames.mean(axis=-1) / 2.55
    X = np.random.default_rng(0).normal(size=(20, 3))
    for transformer, data in [
        (Delayer((0, 2)).fit(X), X),
        (MotionEnergy(frame_rate=20.0, spatial_frequencies=(0, 2), device="cpu").fit(
            luminance), luminance),
        (OpticalFlow(frames_per_tr=2, grid=(3, 2), frame_rate=20.0, t_r=0.5).fit(), frames),
        (BackboneFeatures(device="cpu").fit(frames[:4]), frames[:4]),
    ]:
        loaded = round_trip(transformer, tmp_path)
        assert_same_outputs(loaded, transformer, data, ("transform",))


def test_values_are_restored_exactly(tmp_path):
    shared = np.arange(6, dtype=np.int16).reshape(2, 3)
    delayer = Delayer((0, 1)).fit(np.zeros((3, 2)))
    delayer.zoo_ = {
        "tuple and list": ((1, 2.5), [None, True, "text"]),
        0: {(1, "a"): float("nan"), 2: float("-inf"), 3: 2**70},
        "numpy scalars": [np.float32(0.1), np.int64(-3), np.bool_(True), np.str_("roi")],
        "slices": [slice(None, 5, 2), range(1, 9, 3)],
        "arrays": [np.array(["ab", "c"]), np.array([None, "x", 2], dtype=object),
                   np.array([True, False]), np.arange(3, dtype=np.uint16),
                   np.arange(3, dtype=">f8"), np.array(1.5), np.empty((0, 4)),
                   np.asfortranarray(np.ones((2, 3))), shared, shared],
        "torch": [torch.arange(4, dtype=torch.bfloat16), torch.nn.Parameter(torch.ones(2)),
                  torch.device("cpu"), torch.float16, np.dtype("int32")],
        "frame": pd.DataFrame({"name": ["a", "b"], "value": [1.0, 2.0]},
                              index=pd.Index([10, 20], name="id")),
    }
    loaded = round_trip(delayer, tmp_path)
    arrays = loaded.zoo_["arrays"]
    assert arrays[-1] is arrays[-2]
    assert isinstance(loaded.zoo_["torch"][1], torch.nn.Parameter)


def test_metadata_requests_are_kept(tmp_path):
    with sklearn.config_context(enable_metadata_routing=True):
        encoder = RoutingEncoder(**ROUTING).set_fit_request(groups=True)
        loaded = round_trip(encoder, tmp_path)
        assert loaded.get_metadata_routing().fit.requests == {"groups": True}


def test_every_public_estimator_is_saved():
    tested = {RidgeEncoder, VideoEncoder, RoutingEncoder, FlowDecoder, TabletClassifier,
              TabletRegressor, MaskedTokenPretrainer, Delayer, MotionEnergy, OpticalFlow,
              BackboneFeatures, SliceTokenizer}
    assert {f"{cls.__module__.rsplit('.', 1)[0]}.{cls.__name__}" for cls in tested} == set(
        NEUROST_ESTIMATORS
    )


def test_pickle_and_joblib_still_work(tmp_path):
    runs = _token_runs()
    pretrainer = MaskedTokenPretrainer(**TABLET).fit(runs)
    path = tmp_path / "pretrainer.safetensors"
    neurost.save(pretrainer, path)
    loaded = neurost.load(path)
    for copy in (pickle.loads(pickle.dumps(loaded)), pickle.loads(pickle.dumps(pretrainer))):
        assert np.array_equal(copy.transform(runs), pretrainer.transform(runs))
    joblib.dump(loaded, tmp_path / "pretrainer.joblib")
    copy = joblib.load(tmp_path / "pretrainer.joblib")
    assert copy.backbone_ is copy.model_.backbone
    assert np.array_equal(copy.transform(runs), pretrainer.transform(runs))


def test_loading_keeps_the_callers_random_state(tmp_path):
    pretrainer = MaskedTokenPretrainer(**TABLET).fit(_token_runs())
    neurost.save(pretrainer, tmp_path / "model.safetensors")
    torch.manual_seed(0)
    neurost.load(tmp_path / "model.safetensors")
    after = torch.rand(3)
    torch.manual_seed(0)
    assert torch.equal(torch.rand(3), after)


# -- refusals ------------------------------------------------------------------------------


def _first_channel(module, images):
    return images[:, :1]


def test_objects_that_need_pickle_are_refused(tmp_path):
    frames = np.zeros((2, 16, 16, 3))
    custom = BackboneFeatures(torch.nn.Conv2d(3, 4, 4, stride=4), device="cpu").fit(frames)
    with pytest.raises(TypeError, match=r"BackboneFeatures\.model is Conv2d.*pickle or joblib"):
        neurost.save(custom, tmp_path / "custom.safetensors")
    from neurost.models import BrainLatentTransformer

    weird = ImageAutoencoder(BrainLatentTransformer.from_preset("tiny", 4, 1, 1),
                             _first_channel, _first_channel, 1, 1, "weird", "cpu")
    with pytest.raises(TypeError, match=r"SliceTokenizer\.autoencoder\.encode_fn .*pickle"):
        neurost.save(SliceTokenizer(weird), tmp_path / "tokenizer.safetensors")
    assert not list(tmp_path.iterdir())


def test_save_arguments(tmp_path):
    with pytest.raises(TypeError, match="estimator must be a neurost estimator"):
        neurost.save(Ridge(), tmp_path / "ridge.safetensors")
    with pytest.raises(TypeError, match="path must be a file path"):
        neurost.save(Delayer(), 3)
    path = tmp_path / "delayer.safetensors"
    neurost.save(Delayer((0,)), path)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        neurost.save(Delayer((1,)), path)
    neurost.save(Delayer((1,)), path, overwrite=True)
    assert neurost.load(path).delays == (1,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["delayer.safetensors"]
    assert {"save", "load"} <= set(dir(neurost))


def _saved(tmp_path):
    path = tmp_path / "encoder.safetensors"
    X, Y = _table()
    neurost.save(RidgeEncoder(backend="numpy").fit(X, Y), path)
    return path


def _rewrite(path, edit_content=None, **metadata_changes):
    """Rewrite a file's metadata as a tamperer would, with a valid digest."""
    with safe_open(path, "pt") as file:
        metadata = file.metadata()
        tensors = {key: file.get_tensor(key) for key in file.keys()}
    if edit_content is not None:
        content = json.loads(metadata["content"])
        edit_content(content)
        metadata["content"] = json.dumps(content)
    metadata.update(metadata_changes)
    metadata["sha256"] = _digest(tensors, metadata["content"])
    save_file(tensors, path, metadata=metadata)


@pytest.mark.parametrize(
    "edit",
    [
        lambda tree, command: tree.update(
            {"class": "os.system", "params": {"command": command}, "attributes": {}}
        ),
        lambda tree, command: tree.update(
            {"class": "builtins.eval", "params": {"source": command}, "attributes": {}}
        ),
        lambda tree, command: tree["attributes"].update(
            {"hook_": {"kind": "function", "name": "os.system"}}
        ),
        lambda tree, command: tree["attributes"].update(
            {"model_": {"kind": "module", "id": 99, "class": "subprocess.Popen",
                        "config": {"args": ["sh", "-c", command]}, "state": {},
                        "training": False, "frozen": []}}
        ),
        lambda tree, command: tree["attributes"].update(
            {"payload_": {"kind": "pickle", "data": pickle.dumps(command).hex()}}
        ),
    ],
    ids=["estimator-os.system", "estimator-eval", "function", "module-popen", "pickle"],
)
def test_tampered_file_runs_no_code(tmp_path, edit):
    path = _saved(tmp_path)
    marker = tmp_path / "marker"
    _rewrite(path, lambda tree: edit(tree, f"touch {marker}"))
    with pytest.raises(ValueError, match="encoder.safetensors"):
        neurost.load(path)
    assert not marker.exists()


class _CreatesMarker:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_pickled_file_is_not_unpickled(tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "model.safetensors"
    path.write_bytes(pickle.dumps(_CreatesMarker(marker)))
    with pytest.raises(ValueError, match="model.safetensors.*not a readable neurost file"):
        neurost.load(path)
    assert not marker.exists()


def test_other_format_version_is_refused(tmp_path):
    path = _saved(tmp_path)
    _rewrite(path, format_version="2", neurost_version="9.0")
    with pytest.raises(ValueError, match=r"neurost 9\.0 in file format version 2.*reads format"):
        neurost.load(path)


def test_damaged_files_name_the_path(tmp_path):
    path = _saved(tmp_path)
    data = bytearray(path.read_bytes())
    path.write_bytes(data[:-50])
    with pytest.raises(ValueError, match="encoder.safetensors.*damaged or truncated"):
        neurost.load(path)
    data[-5] ^= 0xFF
    path.write_bytes(data)
    with pytest.raises(ValueError, match="encoder.safetensors.* is damaged"):
        neurost.load(path)
    path.write_bytes(b"not a model at all")
    with pytest.raises(ValueError, match="encoder.safetensors"):
        neurost.load(path)
    save_file({"weight": torch.zeros(2)}, path)
    with pytest.raises(ValueError, match="not written by neurost.save"):
        neurost.load(path)
    with pytest.raises(FileNotFoundError, match="missing.safetensors"):
        neurost.load(tmp_path / "missing.safetensors")


def test_malformed_description_is_refused(tmp_path):
    path = _saved(tmp_path)
    _rewrite(path, lambda tree: tree["params"].update({"alphas": {"kind": "tuple"}}))
    with pytest.raises(ValueError, match="encoder.safetensors.*malformed"):
        neurost.load(path)


@pytest.mark.skipif(torch.cuda.is_available(), reason="maps a missing GPU to the CPU")
def test_missing_gpu_becomes_the_cpu(tmp_path):
    path = tmp_path / "backbone.safetensors"
    neurost.save(BackboneFeatures(device="cpu").fit(np.zeros((1, 8, 8, 3))), path)

    def to_cuda(tree):
        tree["attributes"]["device_"]["value"] = "cuda:0"

    _rewrite(path, to_cuda)
    assert neurost.load(path).device_ == torch.device("cpu")


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda tree: tree["attributes"].update({"predict": 0}), "'predict'"),
        (lambda tree: tree["attributes"].update({"__class__": None}), "'__class__'"),
        (lambda tree: tree.update({"requests": {"fit": {"groups": True, "evil": True}}}),
         "requests"),
        (lambda tree: tree.update({"requests": {"__init__": {}}}), "requests"),
    ],
    ids=["method-shadowed", "dunder", "unknown-request", "request-method"],
)
def test_tampered_allowlisted_names_are_refused(tmp_path, edit, match):
    path = _saved(tmp_path)
    _rewrite(path, edit)
    with pytest.raises(ValueError, match=f"encoder.safetensors.*tampered.*{match}"):
        neurost.load(path)


def test_a_file_asking_to_unpickle_on_fit_is_refused(tmp_path):
    path = tmp_path / "backbone.safetensors"
    neurost.save(BackboneFeatures(), path)
    _rewrite(path, lambda tree: tree["params"].update({"allow_pickle": True}))
    with pytest.raises(ValueError, match="backbone.safetensors.*allow_pickle=True"):
        neurost.load(path)


def test_paths_are_stored(tmp_path):
    classifier = TabletClassifier(checkpoint_dir=tmp_path / "checkpoints")
    path = tmp_path / "classifier.safetensors"
    neurost.save(classifier, path)
    loaded = neurost.load(path).checkpoint_dir
    assert loaded == tmp_path / "checkpoints" and isinstance(loaded, Path)


def test_only_rank_0_of_a_launch_writes(tmp_path, monkeypatch):
    from neurost.encoding import RidgeEncoder

    rng = np.random.default_rng(0)
    encoder = RidgeEncoder(backend="numpy").fit(rng.normal(size=(20, 3)), rng.normal(size=(20, 2)))
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    neurost.save(encoder, tmp_path / "model.safetensors")
    assert not any(tmp_path.iterdir())
    monkeypatch.setenv("RANK", "0")
    neurost.save(encoder, tmp_path / "model.safetensors")
    assert (tmp_path / "model.safetensors").is_file()
