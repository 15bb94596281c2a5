"""Natural photographs that scikit-image and scikit-learn ship."""

import numpy as np
from sklearn.utils import Bunch

from .._utils.validation import check_choice, describe
from ._package_data import package_file, provenance

#: name -> (package, path inside it, credit). Only files inside the wheels:
#: scikit-image downloads its other images, which would need the network.
NATURAL_IMAGES = {
    "astronaut": (
        "skimage",
        ("data", "astronaut.png"),
        "Astronaut Eileen Collins; NASA Great Images database, public domain "
        "(scikit-image: skimage.data.astronaut).",
    ),
    "camera": (
        "skimage",
        ("data", "camera.png"),
        "Man with a camera, grey-level photograph by Lav Varshney, CC0 "
        "(scikit-image: skimage.data.camera).",
    ),
    "chelsea": (
        "skimage",
        ("data", "chelsea.png"),
        "Chelsea the cat, photograph by Stefan van der Walt, CC0 "
        "(scikit-image: skimage.data.chelsea).",
    ),
    "coffee": (
        "skimage",
        ("data", "coffee.png"),
        "Coffee cup, photograph by Rachel Michetti courtesy of Pikolo Espresso "
        "Bar, CC0 (scikit-image: skimage.data.coffee).",
    ),
    "rocket": (
        "skimage",
        ("data", "rocket.jpg"),
        "Launch of DSCOVR on a Falcon 9, SpaceX, public domain "
        "(scikit-image: skimage.data.rocket).",
    ),
    "motorcycle": (
        "skimage",
        ("data", "motorcycle_left.png"),
        "Motorcycle, left image of a Middlebury 2014 stereo pair, down-sampled "
        "4 times; Scharstein D et al. (2014). High-resolution stereo datasets "
        "with subpixel-accurate ground truth. GCPR 2014 (scikit-image: "
        "skimage.data.stereo_motorcycle).",
    ),
    "china": (
        "sklearn",
        ("datasets", "images", "china.jpg"),
        "Chinese building, photograph by danielbuechele on Flickr, CC BY 2.0 "
        "(scikit-learn: sklearn.datasets.load_sample_image).",
    ),
    "flower": (
        "sklearn",
        ("datasets", "images", "flower.jpg"),
        "Flower, photograph by vultilion on Flickr, CC BY 2.0 (scikit-learn: "
        "sklearn.datasets.load_sample_image).",
    ),
}


def load_natural_images(names=None):
    """Load natural photographs shipped by scikit-image and scikit-learn (offline).

    Parameters
    ----------
    names : None or list of str, optional
        The images to load, in this order; ``None`` loads all of
        :data:`NATURAL_IMAGES`: ``"astronaut"``, ``"camera"``,
        ``"chelsea"``, ``"coffee"``, ``"rocket"``, ``"motorcycle"``
        (scikit-image), ``"china"``, ``"flower"`` (scikit-learn).

    Returns
    -------
    sklearn.utils.Bunch
        ``images``
            list of numpy.ndarray of shape (height, width, 3), uint8 RGB
            (0-255). Sizes differ: 300 to 512 pixels high, 451 to 741
            wide. The grey-level ``"camera"`` has its one channel repeated
            three times.
        ``names``
            list of str, one per image.
        ``description``
            str.
        ``provenance``
            dict of str to dict: for each name, ``package``, ``version``,
            ``files`` and ``source`` (the photograph's credit and licence).

    Raises
    ------
    TypeError
        If ``names`` is not a list of str.
    ValueError
        For an unknown image name (with close matches).
    """
    from PIL import Image

    if names is None:
        names = list(NATURAL_IMAGES)
    elif (
        isinstance(names, str)
        or not isinstance(names, (list, tuple))
        or not all(isinstance(n, str) for n in names)
    ):
        raise TypeError(
            f"names must be None or a list of image names; got {describe(names)}."
        )
    names = [check_choice(name, "names", NATURAL_IMAGES) for name in names]
    images, provenances = [], {}
    for name in names:
        package, parts, credit = NATURAL_IMAGES[name]
        path = package_file(package, *parts)
        with Image.open(path) as image:
            images.append(np.asarray(image.convert("RGB"), dtype=np.uint8))
        provenances[name] = provenance(package, [path], credit)
    sizes = ", ".join(f"{n} {i.shape[0]}x{i.shape[1]}" for n, i in zip(names, images))
    description = (
        f"{len(images)} natural photographs shipped with scikit-image and "
        "scikit-learn, as uint8 RGB arrays of shape (height, width, 3) "
        f"(pixels: {sizes}); grey-level images have their channel repeated. "
        "Free licences (public domain, CC0, CC BY 2.0): see provenance."
    )
    return Bunch(
        images=images, names=names, description=description, provenance=provenances
    )
