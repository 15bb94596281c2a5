"""The short animated clip that scikit-image ships."""

import numpy as np
from sklearn.utils import Bunch

from ._package_data import package_file, provenance

_CLIP = ("data", "no_time_for_that_tiny.gif")


def load_sample_video():
    """Load scikit-image's tiny animated GIF as a video (offline).

    A 24-frame colour clip of 25 x 14 pixels
    (``no_time_for_that_tiny.gif``), played at 70 ms per frame (about 14.3
    frames per second). Big enough to exercise video code (frame features,
    optical flow, motion energy); too small for real analyses.

    Returns
    -------
    sklearn.utils.Bunch
        ``frames``
            numpy.ndarray of shape (n_frames, height, width, 3), uint8 RGB
            (0-255): (24, 25, 14, 3).
        ``frame_rate``
            float, frames per second, from the GIF's frame durations.
        ``frame_times``
            numpy.ndarray of shape (n_frames,), float64, the onset of each
            frame in seconds from the first.
        ``description``, ``provenance``
            str and dict (``package``, ``version``, ``files``, ``source``).
    """
    from PIL import Image, ImageSequence

    path = package_file("skimage", *_CLIP)
    frames, durations = [], []
    with Image.open(path) as clip:
        for frame in ImageSequence.Iterator(clip):
            # Pillow composites each GIF frame onto the previous ones.
            frames.append(np.asarray(frame.convert("RGB"), dtype=np.uint8))
            durations.append(frame.info["duration"] / 1000.0)
    frames = np.stack(frames)
    durations = np.asarray(durations)
    frame_times = np.concatenate([[0.0], np.cumsum(durations[:-1])])
    frame_rate = float(1.0 / durations.mean())
    n_frames, height, width, _ = frames.shape
    description = (
        f"Animated GIF shipped with scikit-image ({path.name}): {n_frames} RGB "
        f"frames of {height} x {width} pixels (height x width), uint8, at "
        f"{frame_rate:.2f} frames per second ({durations.mean() * 1000:.0f} ms "
        "per frame, from the file)."
    )
    source = (
        "scikit-image sample data (skimage/data), used in its "
        "skimage.io.ImageCollection examples; scikit-image data repository "
        "https://gitlab.com/scikit-image/data."
    )
    return Bunch(
        frames=frames,
        frame_rate=frame_rate,
        frame_times=frame_times,
        description=description,
        provenance=provenance("skimage", [path], source),
    )
