"""Bad-input battery of neurost.features: wrong calls a careful user might make."""

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from torch import nn

from neurost.features import (
    BackboneFeatures,
    Delayer,
    GaborPyramid,
    MotionEnergy,
    OpticalFlow,
    compute_flow,
)
from neurost.io import Video


class _Payload:
    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _cnn():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 4, stride=4), nn.ReLU())


@functools.cache
def _folder():
    folder = Path(tempfile.mkdtemp(prefix="neurost-bad-features-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@functools.cache
def _file(name):
    """Build the file ``name`` once, in a folder shared by the battery."""
    path = _folder() / name
    if name == "model.pt":
        torch.save(_cnn(), path)
    elif name == "truncated.pt":
        whole = _file("model.pt").read_bytes()
        path.write_bytes(whole[: len(whole) // 2])
    elif name == "garbage.pt":
        path.write_bytes(b"not a torch file" * 8)
    elif name == "payload.pt":
        torch.save({"payload": _Payload(_folder() / "payload-ran")}, path)
    elif name == "weights.pt":
        torch.save(_cnn().state_dict(), path)
    elif name == "folder":
        path.mkdir()
    elif name == "garbage.png":
        path.write_bytes(b"not a png")
    elif name == "cache.h5":
        BackboneFeatures(_cnn(), cache=path, device="cpu").fit_transform(_images())
        path.write_bytes(path.read_bytes()[:300])
    elif name.startswith("hf-"):
        _save_transformers_model(name, path)
    return path


def _save_transformers_model(name, path):
    """Write the tiny Hugging Face model folder ``name`` (no download)."""
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    small = dict(hidden_size=8, num_hidden_layers=2, num_attention_heads=2, intermediate_size=8)
    if name == "hf-dinov2":
        transformers.Dinov2Model(
            transformers.Dinov2Config(**small, image_size=16, patch_size=4)
        ).save_pretrained(path)
    elif name == "hf-bert":
        transformers.BertModel(transformers.BertConfig(**small, vocab_size=10)).save_pretrained(path)
    elif name == "hf-resnet":
        transformers.ResNetModel(
            transformers.ResNetConfig(embedding_size=4, hidden_sizes=[4], depths=[1])
        ).save_pretrained(path)
    elif name == "hf-config-only":
        path.mkdir()
        (path / "config.json").write_bytes((_file("hf-dinov2") / "config.json").read_bytes())
    elif name == "hf-bad-json":
        path.mkdir()
        (path / "config.json").write_text("{not json")


def _images(n=2, size=16):
    return np.random.default_rng(0).random((n, size, size, 3))


def _backbone(**params):
    return BackboneFeatures(**{"model": _cnn(), "device": "cpu", **params})


def _fit(**params):
    return _backbone(**params).fit(_images())


def _fitted():
    return _fit()


def _video(n=4, size=8):
    return np.random.default_rng(0).uniform(0, 100, (n, size, size))


def _energy(**params):
    return MotionEnergy(
        **{"device": "cpu", "spatial_frequencies": (0, 2), "temporal_frequencies": (0,),
           "directions": 2, **params}
    )


def _camera_clip(n=8, size=48):
    from skimage import data

    camera = data.camera()
    return np.stack([camera[100 : 100 + size, x : x + size] for x in range(n)])


def _flow(**params):
    return OpticalFlow(**{"frames_per_tr": 1, "grid": (2, 2), "t_r": 1.0, "frame_rate": 4.0, **params})


def _frame(shape=(32, 32)):
    return np.random.default_rng(0).integers(0, 255, shape).astype(np.uint8)


CASES = [
    # BackboneFeatures: parameters
    pytest.param(lambda: _fit(model=3), ValueError, "model", id="backbone-model-int"),
    pytest.param(lambda: _fit(model=_folder() / "missing.pt"), FileNotFoundError, "model", id="backbone-model-missing"),
    pytest.param(lambda: _fit(model=_file("folder")), ValueError, "model", id="backbone-model-directory"),
    pytest.param(lambda: _fit(model=_file("garbage.pt")), ValueError, "garbage.pt", id="backbone-model-garbage"),
    pytest.param(lambda: _fit(model=_file("truncated.pt")), ValueError, "truncated.pt", id="backbone-model-truncated"),
    pytest.param(lambda: _fit(model=_file("truncated.pt"), allow_pickle=True), ValueError, "truncated.pt", id="backbone-model-truncated-pickle"),
    pytest.param(lambda: _fit(model=_file("payload.pt")), ValueError, "allow_pickle", id="backbone-model-payload"),
    pytest.param(lambda: _fit(model=_file("model.pt")), ValueError, "allow_pickle", id="backbone-model-pickled-module"),
    pytest.param(lambda: _fit(model=_file("weights.pt")), TypeError, "state dict", id="backbone-model-state-dict"),
    pytest.param(lambda: _fit(allow_pickle="yes"), ValueError, "allow_pickle", id="backbone-allow-pickle-text"),
    pytest.param(lambda: _fit(layer=3), ValueError, "layer", id="backbone-layer-int"),
    pytest.param(lambda: _fit(layer="blocks.1"), ValueError, "layer", id="backbone-layer-unknown"),
    pytest.param(lambda: _fit(kind="keys"), ValueError, "kind", id="backbone-kind"),
    pytest.param(lambda: _fit(kind="attention_query"), ValueError, "layer", id="backbone-query-without-layer"),
    pytest.param(lambda: _fit(kind="attention_query", layer="0"), ValueError, "layer", id="backbone-query-not-attention"),
    pytest.param(lambda: _fit(image_size=0), ValueError, "image_size", id="backbone-size-zero"),
    pytest.param(lambda: _fit(image_size=(16, 0)), ValueError, "image_size", id="backbone-size-pair-zero"),
    pytest.param(lambda: _fit(image_size="big"), ValueError, "image_size", id="backbone-size-text"),
    pytest.param(lambda: _fit(image_size=16.0), ValueError, "image_size", id="backbone-size-float"),
    pytest.param(lambda: _fit(mean=(1, 2)), ValueError, "mean", id="backbone-mean-two"),
    pytest.param(lambda: _fit(mean=(0.5, np.nan, 0.5)), ValueError, "mean", id="backbone-mean-nan"),
    pytest.param(lambda: _fit(mean="rgb"), ValueError, "mean", id="backbone-mean-text"),
    pytest.param(lambda: _fit(std=(1, 0, 1)), ValueError, "std", id="backbone-std-zero"),
    pytest.param(lambda: _fit(batch_size=0), ValueError, "batch_size", id="backbone-batch-zero"),
    pytest.param(lambda: _fit(batch_size=2.5), ValueError, "batch_size", id="backbone-batch-float"),
    pytest.param(lambda: _fit(device="tpu"), ValueError, "device", id="backbone-device-unknown"),
    pytest.param(lambda: _fit(device=0), ValueError, "device", id="backbone-device-int"),
    pytest.param(lambda: _fit(cache=3), ValueError, "cache", id="backbone-cache-int"),
    pytest.param(lambda: _fit(cache=_file("folder")), ValueError, "cache", id="backbone-cache-directory"),
    pytest.param(lambda: _fit(cache=_folder() / "nope" / "c.h5"), FileNotFoundError, "cache", id="backbone-cache-no-folder"),
    pytest.param(lambda: _backbone(cache=_file("cache.h5")).fit_transform(_images()), ValueError, "cache", id="backbone-cache-damaged"),
    pytest.param(lambda: _fit(verbose=-1), ValueError, "verbose", id="backbone-verbose-negative"),
    pytest.param(lambda: _fit(layer=[]), ValueError, "layer", id="backbone-layers-empty"),
    pytest.param(lambda: _fit(layer=["0", 1]), ValueError, "layer", id="backbone-layers-int"),
    pytest.param(lambda: _fit(layer=["0", "0"]), ValueError, "layer", id="backbone-layers-repeated"),
    pytest.param(lambda: _fit(layer="2"), ValueError, "2 layers", id="backbone-layer-out-of-range"),
    pytest.param(lambda: _backbone(model=nn.Sequential(nn.Conv2d(3, 4, 4, stride=4), nn.MaxPool2d(2)), layer=["0", "1"]).fit_transform(_images()), ValueError, "layer", id="backbone-layers-other-shapes"),
    # BackboneFeatures: Hugging Face transformers models
    pytest.param(lambda: _fit(model=_file("folder")), ValueError, "config.json", id="backbone-hf-folder-no-config"),
    pytest.param(lambda: _fit(model=_file("hf-bad-json")), ValueError, "config.json", id="backbone-hf-config-not-json"),
    pytest.param(lambda: _fit(model=_file("hf-config-only")), ValueError, "model", id="backbone-hf-no-weights"),
    pytest.param(lambda: _fit(model=_file("hf-bert")), ValueError, "model", id="backbone-hf-not-vision"),
    pytest.param(lambda: _fit(model=_file("hf-dinov2"), layer="encoder.layer.2"), ValueError, "2 layers", id="backbone-hf-layer-out-of-range"),
    pytest.param(lambda: _fit(model=_file("hf-dinov2"), layer="encoder.layer.0", kind="attention_query"), ValueError, "layer", id="backbone-hf-query-on-block"),
    pytest.param(lambda: _fit(model=_file("hf-resnet"), layer="encoder", kind="attention_query"), ValueError, "layer", id="backbone-hf-query-no-layout"),
    # BackboneFeatures: images
    pytest.param(lambda: _backbone().fit("image.png"), TypeError, "X", id="backbone-X-path"),
    pytest.param(lambda: _backbone().fit(3), TypeError, "X", id="backbone-X-int"),
    pytest.param(lambda: _backbone().fit([]), ValueError, "X", id="backbone-X-empty"),
    pytest.param(lambda: _backbone().fit(np.zeros((2, 3))), ValueError, "X", id="backbone-X-2d"),
    pytest.param(lambda: _backbone().fit([_folder() / "missing.png"]), FileNotFoundError, "X[0]", id="backbone-X-missing-file"),
    pytest.param(lambda: _fitted().transform([_file("garbage.png")]), ValueError, "X[0]", id="backbone-X-garbage-file"),
    pytest.param(lambda: _fitted().transform([np.full((16, 16), np.nan)]), ValueError, "X[0]", id="backbone-X-nan"),
    pytest.param(lambda: _fitted().transform([np.full((16, 16), 2.0)]), ValueError, "X[0]", id="backbone-X-above-1"),
    pytest.param(lambda: _fitted().transform([np.full((16, 16), 300)]), ValueError, "X[0]", id="backbone-X-above-255"),
    pytest.param(lambda: _backbone().fit([np.array([["a"]])]), TypeError, "X[0]", id="backbone-X-text"),
    pytest.param(lambda: _backbone().fit([np.zeros((16, 16, 2))]), ValueError, "X[0]", id="backbone-X-two-channels"),
    pytest.param(lambda: _backbone().fit([np.zeros((0, 16))]), ValueError, "X[0]", id="backbone-X-empty-image"),
    pytest.param(lambda: _fitted().transform([np.zeros((16, 16)), np.zeros((8, 8))]), ValueError, "image_size", id="backbone-X-mixed-sizes"),
    pytest.param(lambda: _backbone().transform(_images()), NotFittedError, "fit", id="backbone-not-fitted"),
    # GaborPyramid
    pytest.param(lambda: GaborPyramid(n_orientations=0), ValueError, "n_orientations", id="gabor-orientations"),
    pytest.param(lambda: GaborPyramid(spatial_frequencies=[0.5]), ValueError, "spatial_frequencies", id="gabor-frequency"),
    pytest.param(lambda: GaborPyramid(grid=(0, 2)), ValueError, "grid", id="gabor-grid"),
    # Delayer
    pytest.param(lambda: Delayer(delays=()).fit(np.ones((4, 2))), ValueError, "delays", id="delayer-empty"),
    pytest.param(lambda: Delayer(delays=(1.5, 2)).fit(np.ones((4, 2))), ValueError, "delays", id="delayer-float"),
    pytest.param(lambda: Delayer(delays=(1, 1)).fit(np.ones((4, 2))), ValueError, "delays", id="delayer-repeated"),
    pytest.param(lambda: Delayer(delays="12").fit(np.ones((4, 2))), ValueError, "delays", id="delayer-text"),
    pytest.param(lambda: Delayer(delays=(True,)).fit(np.ones((4, 2))), ValueError, "delays", id="delayer-bool"),
    pytest.param(lambda: Delayer().fit(np.full((4, 2), np.nan)), ValueError, "NaN", id="delayer-X-nan"),
    pytest.param(lambda: Delayer().fit(np.ones((4, 2, 2))), ValueError, "dim <= 2", id="delayer-X-3d"),
    pytest.param(lambda: Delayer().fit(np.ones((4, 2))).transform(np.ones((4, 3))), ValueError, "features", id="delayer-feature-count"),
    pytest.param(lambda: Delayer().fit(np.ones((4, 2))).get_feature_names_out(["a"]), ValueError, "input_features", id="delayer-names"),
    pytest.param(lambda: Delayer().transform(np.ones((4, 2))), NotFittedError, "fit", id="delayer-not-fitted"),
    # MotionEnergy
    pytest.param(lambda: _energy(frame_rate=0).fit(_video()), ValueError, "frame_rate", id="energy-rate-zero"),
    pytest.param(lambda: _energy(frame_rate="15").fit(_video()), ValueError, "frame_rate", id="energy-rate-text"),
    pytest.param(lambda: _energy(frame_rate=1).fit(_video()), ValueError, "filter_temporal_width", id="energy-rate-too-low"),
    pytest.param(lambda: _energy(temporal_frequencies="fast").fit(_video()), ValueError, "temporal_frequencies", id="energy-tf-text"),
    pytest.param(lambda: _energy(temporal_frequencies=[np.inf]).fit(_video()), ValueError, "temporal_frequencies", id="energy-tf-inf"),
    pytest.param(lambda: _energy(spatial_frequencies=[-2]).fit(_video()), ValueError, "spatial_frequencies", id="energy-sf-negative"),
    pytest.param(lambda: _energy(spatial_frequencies=[]).fit(_video()), ValueError, "spatial_frequencies", id="energy-sf-empty"),
    pytest.param(lambda: _energy(directions=0).fit(_video()), ValueError, "directions", id="energy-directions-zero"),
    pytest.param(lambda: _energy(directions="up").fit(_video()), ValueError, "directions", id="energy-directions-text"),
    pytest.param(lambda: _energy(sf_gauss_ratio=-1).fit(_video()), ValueError, "sf_gauss_ratio", id="energy-sf-ratio"),
    pytest.param(lambda: _energy(filter_spacing=np.nan).fit(_video()), ValueError, "filter_spacing", id="energy-spacing-nan"),
    pytest.param(lambda: _energy(max_temporal_env=0).fit(_video()), ValueError, "max_temporal_env", id="energy-temporal-env"),
    pytest.param(lambda: _energy(include_edges="no").fit(_video()), ValueError, "include_edges", id="energy-edges-text"),
    pytest.param(lambda: _energy(filter_temporal_width=0).fit(_video()), ValueError, "filter_temporal_width", id="energy-width-zero"),
    pytest.param(lambda: _energy(filter_temporal_width="wide").fit(_video()), ValueError, "filter_temporal_width", id="energy-width-text"),
    pytest.param(lambda: _energy(log_compress=2).fit(_video()), ValueError, "log_compress", id="energy-log-int"),
    pytest.param(lambda: _energy(t_r=-1).fit(_video()), ValueError, "t_r", id="energy-t_r-negative"),
    pytest.param(lambda: _energy(t_r=0.01).fit(_video()), ValueError, "t_r", id="energy-t_r-too-short"),
    pytest.param(lambda: _energy(frame_shape=(6, 0)).fit(np.ones((4, 36))), ValueError, "frame_shape", id="energy-shape-zero"),
    pytest.param(lambda: _energy(frame_shape=(7, 7)).fit(np.ones((4, 36))), ValueError, "frame_shape", id="energy-shape-mismatch"),
    pytest.param(lambda: _energy(batch_size=0).fit(_video()), ValueError, "batch_size", id="energy-batch-zero"),
    pytest.param(lambda: _energy(device="tpu").fit(_video()), ValueError, "device", id="energy-device"),
    pytest.param(lambda: _energy(dtype="float16").fit(_video()), ValueError, "dtype", id="energy-dtype"),
    pytest.param(lambda: _energy(verbose="loud").fit(_video()), ValueError, "verbose", id="energy-verbose"),
    pytest.param(lambda: _energy().fit(_video(1)), ValueError, "sample", id="energy-one-frame"),
    pytest.param(lambda: _energy().fit(np.full((4, 8, 8), np.nan)), ValueError, "NaN", id="energy-nan"),
    pytest.param(lambda: _energy().fit(np.full((4, 8, 8, 3), 2.0)), ValueError, "RGB", id="energy-rgb-range"),
    pytest.param(lambda: _energy().fit(np.zeros((4, 2, 8, 8, 3))), ValueError, "X", id="energy-5d"),
    pytest.param(lambda: _energy().fit(_video()).transform(_video(size=9)), ValueError, "X", id="energy-other-size"),
    pytest.param(lambda: _energy().transform(_video()), NotFittedError, "fit", id="energy-not-fitted"),
    # compute_flow
    pytest.param(lambda: compute_flow(_frame(), _frame((32, 31))), ValueError, "same shape", id="flow-shapes-differ"),
    pytest.param(lambda: compute_flow(np.ones(32), np.ones(32)), ValueError, "frame_a", id="flow-1d"),
    pytest.param(lambda: compute_flow(_frame((32, 32, 4)), _frame((32, 32, 4))), ValueError, "frame_a", id="flow-four-channels"),
    pytest.param(lambda: compute_flow(np.full((32, 32), np.nan), _frame()), ValueError, "frame_a", id="flow-nan"),
    pytest.param(lambda: compute_flow(_frame(), np.full((32, 32), np.inf)), ValueError, "frame_b", id="flow-inf"),
    pytest.param(lambda: compute_flow(np.array([["a"]]), np.array([["a"]])), TypeError, "frame_a", id="flow-text"),
    pytest.param(lambda: compute_flow(_frame(), _frame(), method="lk"), ValueError, "method", id="flow-method"),
    pytest.param(lambda: compute_flow(_frame(), _frame(), preset="slow"), ValueError, "preset", id="flow-preset"),
    pytest.param(lambda: compute_flow(_frame(), _frame(), method="raft"), ValueError, "raft", id="flow-raft"),
    pytest.param(lambda: compute_flow(_frame((0, 10)), _frame((0, 10))), ValueError, "empty", id="flow-empty"),
    pytest.param(lambda: compute_flow(_frame((0, 10)), _frame((0, 10)), method="farneback"), ValueError, "empty", id="flow-empty-farneback"),
    pytest.param(lambda: compute_flow(_frame((8, 8)), _frame((8, 8))), ValueError, "method='farneback'", id="flow-too-small"),
    pytest.param(lambda: compute_flow(_frame((12, 200)), _frame((12, 200))), ValueError, "too small", id="flow-thin-strip"),
    # OpticalFlow
    pytest.param(lambda: _flow(frames_per_tr=0).fit(), ValueError, "frames_per_tr", id="optical-pairs-zero"),
    pytest.param(lambda: _flow(frames_per_tr=1.5).fit(), ValueError, "frames_per_tr", id="optical-pairs-float"),
    pytest.param(lambda: _flow(grid=(0, 4)).fit(), ValueError, "grid", id="optical-grid-zero"),
    pytest.param(lambda: _flow(grid="big").fit(), ValueError, "grid", id="optical-grid-text"),
    pytest.param(lambda: _flow(grid=(2, 2, 2)).fit(), ValueError, "grid", id="optical-grid-three"),
    pytest.param(lambda: _flow(method="lk").fit(), ValueError, "method", id="optical-method"),
    pytest.param(lambda: _flow(preset="slow").fit(), ValueError, "preset", id="optical-preset"),
    pytest.param(lambda: _flow(frame_rate=-1).fit(), ValueError, "frame_rate", id="optical-rate-negative"),
    pytest.param(lambda: _flow(t_r=None).fit(), ValueError, "t_r", id="optical-t_r-missing"),
    pytest.param(lambda: _flow(t_r=np.nan).transform(_camera_clip()), ValueError, "t_r", id="optical-t_r-nan"),
    pytest.param(lambda: _flow(verbose=-1).transform(_camera_clip()), ValueError, "verbose", id="optical-verbose"),
    pytest.param(lambda: _flow(frame_rate=None).transform(_camera_clip()), ValueError, "frame_rate", id="optical-array-no-rate"),
    pytest.param(lambda: _flow().transform("clip.mp4"), TypeError, "X", id="optical-X-text"),
    pytest.param(lambda: _flow().transform([_camera_clip(), 3]), TypeError, "X[1]", id="optical-X-list-item"),
    pytest.param(lambda: _flow(grid=(100, 2)).transform(_camera_clip()), ValueError, "grid", id="optical-grid-finer"),
    pytest.param(lambda: _flow().transform(_camera_clip(size=10)), ValueError, "too small", id="optical-frames-too-small"),
    pytest.param(lambda: _flow(t_r=10.0).transform(_camera_clip()), ValueError, "TR", id="optical-video-too-short"),
    pytest.param(lambda: _flow(frames_per_tr=5).transform(_camera_clip()), ValueError, "frames_per_tr", id="optical-too-many-pairs"),
    pytest.param(lambda: _flow().transform(Video(np.full((8, 48, 48), np.nan), 4.0)), ValueError, "X: source contains", id="optical-video-nan"),
]


@pytest.mark.parametrize("call, expected, fragment", CASES)
def test_bad_input(call, expected, fragment, check_row):
    check_row(call, expected, fragment)


def test_payload_never_ran():
    # The payload rows above would have created this file had they unpickled it.
    assert not (_folder() / "payload-ran").exists()
