"""Simulated image-evoked responses whose attention routing is known.

Each region of interest (ROI) reads its input from the patch-feature grid
through a routing map: a fixed receptive field (location-routed ROIs, like
early visual areas) or the cells an object category covers in that image
(content-routed ROIs, like face- or body-selective areas). An encoder that
learns one query per ROI should recover these maps.
"""

import numbers

import numpy as np
from sklearn.utils import Bunch

from .._utils.validation import (
    check_image_grid,
    check_positive_int,
    check_random_state,
    describe,
)
from ._package_data import package_file, provenance
from .images import load_natural_images

#: category -> (photograph in NATURAL_IMAGES, crop rows, crop columns) in
#: the photograph's pixels. An ellipse inscribed in the crop is the object.
OBJECT_CROPS = {
    "face": ("astronaut", (15, 195), (155, 295)),
    "cat": ("chelsea", (20, 290), (100, 400)),
    "cup": ("coffee", (10, 385), (70, 470)),
    "motorcycle": ("motorcycle", (70, 445), (80, 670)),
}

#: Grey-level textures that scikit-image ships in its wheel (offline).
_TEXTURES = ("brick", "grass", "gravel")
_TEXTURE_CREDIT = (
    "Texture photographs by Stefan van der Walt, CC0 (scikit-image: "
    "skimage.data.brick, grass, gravel)."
)
#: Background photograph cropped at random (besides the textures).
_BACKGROUND_PHOTO = "china"

#: Location-routed ROIs: name -> (centre row, centre column, sd), as
#: fractions of the grid height (rows, sd) and width (columns).
LOCATION_FIELDS = {
    "location-center": (0.5, 0.5, 0.18),
    "location-upper-left": (0.25, 0.25, 0.11),
    "location-upper-right": (0.25, 0.75, 0.11),
    "location-lower-left": (0.75, 0.25, 0.11),
    "location-lower-right": (0.75, 0.75, 0.11),
}

#: Simulated ROI -> HCP multi-modal parcellation (MMP 1.0) areas on which
#: examples and the demo draw it; the placement is illustrative. Location
#: ROIs go to early visual areas, each hemisphere taking the opposite half
#: of the visual field as in real retinotopy (the upper / lower split over
#: V2 and V3 is arbitrary: each maps a quadrant in dorsal and ventral halves
#: that MMP does not separate); content ROIs go to category-selective
#: regions.
MMP_AREAS = {
    "location-center": ["L_V1", "R_V1"],
    "location-upper-left": ["R_V2"],
    "location-lower-left": ["R_V3"],
    "location-upper-right": ["L_V2"],
    "location-lower-right": ["L_V3"],
    "content-face": ["L_FFC", "R_FFC"],
    "content-cat": ["L_LO2", "R_LO2", "L_LO3", "R_LO3"],
    "content-cup": ["L_PIT", "R_PIT"],
    "content-motorcycle": ["L_PHA1", "R_PHA1", "L_PHA2", "R_PHA2", "L_PHA3", "R_PHA3"],
}

_OBJECTS_PER_IMAGE = 2
_OBJECT_SIZE = (0.3, 0.5)  # sqrt(height * width) as a fraction of the image side
_MAX_OVERLAP = 0.1  # largest fraction of an object's box another may cover
_STATISTICS_SCALE = 2.0  # sd of P's entries times sqrt(n_channels)
_BACKGROUND_SCALE = 0.5  # norm of a background embedding
_FEATURE_NOISE = 0.05  # sd of the noise added to every feature


def make_routing_dataset(
    n_images=600,
    image_size=112,
    grid=(14, 14),
    n_channels=32,
    n_vertices_per_roi=20,
    n_repeats=3,
    noise=0.5,
    random_state=None,
):
    """Simulate responses of ROIs that route image features by location or content.

    **Images.** Each image is a background (a random crop of one of the
    scikit-image textures ``brick``, ``grass``, ``gravel`` or of
    scikit-learn's ``china`` photograph, randomly tinted) onto which
    2 objects of different categories (:data:`OBJECT_CROPS`: the
    astronaut's face, Chelsea the cat, the coffee cup, the motorcycle;
    each present in half of the images) are pasted as ellipses at random
    positions, with sizes ``sqrt(height * width)`` from 30 % to 50 % of
    the image side, random horizontal flips and colour gains (0.5 to
    1.5 per channel), overlapping each other's box by at most 10 % (the
    first of 50 draws that does). The second object occludes the first.

    **Features** (what a backbone's patch grid stands for, so that
    recovering the routing tests the encoder and not a backbone). For
    cell ``c`` of the ``grid`` (``image_size / grid`` pixels a side)::

        features[c] = sum_k cover_k[c] * e_k
                      + (1 - sum_k cover_k[c]) * b_background
                      + P @ s[c] + eps[c]

    where ``cover_k[c]`` in [0, 1] is the fraction of the cell's pixels
    showing category ``k``, ``e_k`` a fixed random unit vector per
    category, ``b`` a fixed random vector of norm 0.5 per background,
    ``s[c]`` the cell's mean red, green and blue minus 0.5 and the
    standard deviation of its luminance (pixel values in [0, 1]), ``P``
    a fixed random (n_channels, 4) matrix with N(0, 4 / n_channels)
    entries and ``eps`` N(0, 0.05²) noise.

    **ROIs.** Location-routed ROIs (:data:`LOCATION_FIELDS`: a central
    one and one per quadrant) each have a Gaussian receptive field on the
    grid, normalised to sum 1 and the same for every image.
    Content-routed ROIs (``"content-<category>"``) route, in each image,
    through the cells their category covers: ``cover_k / sum(cover_k)``;
    in an image where no pixel shows that category the map is uniform (the ROI then
    sees the mean feature of the whole image).

    **Responses.** ROI ``r``'s token for an image is ``sum_c
    routing[r, c] * features[c]``. Vertex ``v`` of ROI ``r`` has a random
    readout ``w_v`` ~ N(0, I); its noise-free ``signal`` is ``w_v @
    token``, centred and scaled to unit variance over the images. Each
    of ``n_repeats`` trials adds independent N(0, ``noise``²) noise, so
    the noise-ceiling SNR is ``1 / noise`` and the noise ceiling of the
    averaged ``responses`` is ``1 / (1 + noise² / n_repeats)``.

    Parameters
    ----------
    n_images : int, default=600
        Number of images.
    image_size : int, default=112
        Side of the square images in pixels, at least 16; a multiple of
        both grid dimensions.
    grid : tuple of (int, int), default=(14, 14)
        Feature grid (height, width), in cells.
    n_channels : int, default=32
        Feature channels per cell.
    n_vertices_per_roi : int, default=20
        Vertices in each ROI.
    n_repeats : int, default=3
        Trials per image.
    noise : float, default=0.5
        Standard deviation of the trial noise, in units of the signal's
        standard deviation; >= 0.
    random_state : int, RandomState instance or None, default=None
        Seed for the images, the embeddings, the readouts and the noise.

    Returns
    -------
    sklearn.utils.Bunch
        ``images``
            uint8 array of shape (n_images, image_size, image_size, 3), RGB.
        ``features``
            float32 array of shape (n_images, grid[0], grid[1], n_channels).
        ``responses``
            float32 array of shape (n_images, n_vertices): the mean over
            trials; ``n_vertices = n_rois * n_vertices_per_roi``.
        ``repeats``
            float32 array of shape (n_repeats, n_images, n_vertices): the
            single trials.
        ``signal``
            float32 array of shape (n_images, n_vertices): noise-free.
        ``routing``
            float32 array of shape (n_images, n_rois, grid[0], grid[1]):
            the true routing maps, each summing to 1.
        ``coverage``
            float32 array of shape (n_images, n_categories, grid[0],
            grid[1]): fraction of each cell showing each category.
        ``positions``
            float array of shape (n_images, n_categories, 4): the centre
            row and column and the height and width, in pixels, of each
            pasted object; NaN where the category is absent.
        ``backgrounds``
            array of str of shape (n_images,): the background of each image.
        ``roi_labels``
            array of str of shape (n_vertices,): each vertex's ROI.
        ``roi_names``
            list of str, the ROIs in ``routing`` order (location ROIs first).
        ``roi_kinds``
            dict of str to str: ROI name -> ``"location"`` or ``"content"``.
        ``categories``
            list of str, the object categories (``coverage`` order).
        ``noise``, ``n_repeats``
            The arguments.
        ``description``, ``provenance``
            str and dict (the photographs and textures used).

    Raises
    ------
    ValueError
        If an argument is out of range, or ``image_size`` is not a
        multiple of the grid dimensions.

    Examples
    --------
    >>> data = make_routing_dataset(n_images=20, random_state=0)
    >>> data.features.shape, data.routing.shape
    ((20, 14, 14, 32), (20, 9, 14, 14))
    """
    n_images = check_positive_int(n_images, "n_images", "images")
    image_size = check_positive_int(image_size, "image_size", "pixels")
    if image_size < 16:
        raise ValueError(
            "image_size must be at least 16 pixels, so that objects fit; "
            f"got {image_size}."
        )
    grid = check_image_grid(grid, image_size)
    n_channels = check_positive_int(n_channels, "n_channels", "feature channels")
    n_vertices_per_roi = check_positive_int(
        n_vertices_per_roi, "n_vertices_per_roi", "vertices per ROI"
    )
    n_repeats = check_positive_int(n_repeats, "n_repeats", "trials per image")
    if (
        isinstance(noise, bool)
        or not isinstance(noise, numbers.Real)
        or not np.isfinite(noise)
        or noise < 0
    ):
        raise ValueError(
            "noise must be a finite number >= 0 (trial noise sd); "
            f"got {describe(noise)}."
        )
    rng = check_random_state(random_state, "make_routing_dataset")
    categories = list(OBJECT_CROPS)
    sources = _load_sources(image_size)

    images, coverage, positions, backgrounds = _compose_images(
        sources, n_images, image_size, grid, rng
    )
    features = _patch_features(
        images, coverage, backgrounds, len(sources.backgrounds), grid, n_channels, rng
    )

    content_names = [f"content-{category}" for category in categories]
    roi_names = list(LOCATION_FIELDS) + content_names
    fields = _receptive_fields(grid)
    routing = np.concatenate(
        [
            np.broadcast_to(fields, (n_images,) + fields.shape),
            _content_routing(coverage),
        ],
        axis=1,
    ).astype(np.float32)

    tokens = np.einsum("nrhw,nhwc->nrc", routing, features, optimize=True)
    readouts = rng.standard_normal((len(roi_names), n_vertices_per_roi, n_channels))
    signal = np.einsum("nrc,rvc->nrv", tokens, readouts).reshape(n_images, -1)
    signal = signal - signal.mean(axis=0)
    scale = signal.std(axis=0)
    signal = signal / np.where(scale > 0, scale, 1.0)
    repeats = signal + noise * rng.standard_normal((n_repeats,) + signal.shape)

    description = (
        f"Simulated responses of {len(roi_names) * n_vertices_per_roi} vertices in "
        f"{len(roi_names)} ROIs ({n_vertices_per_roi} each) to {n_images} "
        f"{image_size}x{image_size} RGB images made of object crops "
        f"({', '.join(categories)}) pasted on texture or photograph backgrounds. "
        f"Patch features on a {grid[0]}x{grid[1]} grid with {n_channels} channels: "
        "category embeddings weighted by cell coverage, a background embedding, "
        "projected patch colour and contrast, and a little noise. "
        f"{len(LOCATION_FIELDS)} location-routed ROIs (fixed Gaussian receptive "
        f"fields) and {len(content_names)} content-routed ROIs (one per category: "
        "the cells it covers, uniform when absent); the true routing maps are "
        "in 'routing'. Vertex signal is a random linear readout of its ROI's "
        f"routed feature, scaled to unit variance; {n_repeats} trials with "
        f"Gaussian noise of sd {noise} (noise-ceiling SNR {_snr_text(noise)})."
    )
    return Bunch(
        images=images,
        features=features,
        responses=repeats.mean(axis=0).astype(np.float32),
        repeats=repeats.astype(np.float32),
        signal=signal.astype(np.float32),
        routing=routing,
        coverage=coverage,
        positions=positions,
        backgrounds=np.asarray(sources.backgrounds)[backgrounds],
        roi_labels=np.repeat(np.asarray(roi_names), n_vertices_per_roi),
        roi_names=roi_names,
        roi_kinds={
            name: "location" if name in LOCATION_FIELDS else "content"
            for name in roi_names
        },
        categories=categories,
        noise=float(noise),
        n_repeats=n_repeats,
        description=description,
        provenance=sources.provenance,
    )


def _snr_text(noise):
    return "infinite" if noise == 0 else f"{1 / noise:.3g}"


def _load_sources(image_size):
    """Load the object sprites and background images, scaled for ``image_size``.

    Returns
    -------
    Bunch
        ``sprites``: list of (rgb float array in [0, 1], aspect width/height);
        ``backgrounds``: names; ``background_images``: float arrays (h, w, 3)
        at least ``image_size`` a side; ``provenance``.
    """
    from PIL import Image

    names = {photo for photo, _, _ in OBJECT_CROPS.values()}
    names = sorted(names | {_BACKGROUND_PHOTO})
    photos = load_natural_images(names)
    by_name = dict(zip(photos.names, photos.images))
    largest = int(np.ceil(_OBJECT_SIZE[1] * image_size * 2))
    sprites = []
    for photo, rows, columns in OBJECT_CROPS.values():
        crop = Image.fromarray(by_name[photo][slice(*rows), slice(*columns)])
        ratio = largest / max(crop.size)
        if ratio < 1:
            crop = crop.resize(
                (round(crop.width * ratio), round(crop.height * ratio)),
                Image.Resampling.LANCZOS,
            )
        sprites.append((crop, (columns[1] - columns[0]) / (rows[1] - rows[0])))

    # Backgrounds are shown at half their resolution so that a crop of
    # image_size pixels holds a useful amount of texture.
    backgrounds, background_images, texture_paths = [], [], []
    for texture in _TEXTURES:
        path = package_file("skimage", "data", f"{texture}.png")
        texture_paths.append(path)
        with Image.open(path) as image:
            background_images.append(_half_scale(image.convert("RGB"), image_size))
        backgrounds.append(texture)
    background_images.append(
        _half_scale(Image.fromarray(by_name[_BACKGROUND_PHOTO]), image_size)
    )
    backgrounds.append(_BACKGROUND_PHOTO)

    record = dict(photos.provenance)
    record["textures"] = provenance("skimage", texture_paths, _TEXTURE_CREDIT)
    return Bunch(
        sprites=sprites,
        backgrounds=backgrounds,
        background_images=background_images,
        provenance=record,
    )


def _half_scale(image, image_size):
    """Return ``image`` at half size, at least ``image_size``, as floats in [0, 1]."""
    from PIL import Image

    factor = max(0.5, image_size / min(image.size))
    size = (int(np.ceil(image.width * factor)), int(np.ceil(image.height * factor)))
    resized = image.resize(size, Image.Resampling.BILINEAR)
    return np.asarray(resized, dtype=np.float32) / 255


def _compose_images(sources, n_images, image_size, grid, rng):
    """Paste objects onto backgrounds; return images and per-category ground truth."""
    from PIL import Image

    n_categories = len(sources.sprites)
    images = np.empty((n_images, image_size, image_size, 3), dtype=np.uint8)
    coverage = np.zeros((n_images, n_categories) + grid, dtype=np.float32)
    positions = np.full((n_images, n_categories, 4), np.nan)
    backgrounds = rng.randint(len(sources.backgrounds), size=n_images)
    labels = np.empty(images.shape[:3], dtype=np.int8)
    rows, columns = np.mgrid[0:image_size, 0:image_size]
    for index in range(n_images):
        source = sources.background_images[backgrounds[index]]
        top = rng.randint(source.shape[0] - image_size + 1)
        left = rng.randint(source.shape[1] - image_size + 1)
        canvas = source[top : top + image_size, left : left + image_size].copy()
        canvas *= rng.uniform(0.6, 1.2, size=3)  # tint (textures are grey)
        label = np.full((image_size, image_size), -1, dtype=np.int8)
        chosen = rng.choice(n_categories, size=_OBJECTS_PER_IMAGE, replace=False)
        boxes = []
        for category in chosen:
            sprite, aspect = sources.sprites[category]
            box = _place(aspect, image_size, boxes, rng)
            boxes.append(box)
            top, left, height, width = box
            patch = sprite.resize((width, height), Image.Resampling.BILINEAR)
            gains = rng.uniform(0.5, 1.5, size=3)
            patch = np.asarray(patch, dtype=np.float32) / 255 * gains
            if rng.rand() < 0.5:
                patch = patch[:, ::-1]
            inside = (
                ((rows[:height, :width] + 0.5 - height / 2) / (height / 2)) ** 2
                + ((columns[:height, :width] + 0.5 - width / 2) / (width / 2)) ** 2
            ) <= 1
            region = (slice(top, top + height), slice(left, left + width))
            canvas[region][inside] = patch[inside]
            label[region][inside] = category
            centre = (top + height / 2, left + width / 2)
            positions[index, category] = centre + (height, width)
        images[index] = np.round(np.clip(canvas, 0, 1) * 255)
        labels[index] = label
    for category in range(n_categories):
        coverage[:, category] = _pool(labels == category, grid)
    return images, coverage, positions, backgrounds


def _place(aspect, image_size, boxes, rng, attempts=50):
    """Draw a box (top, left, height, width) that overlaps earlier ``boxes`` little."""
    for _ in range(attempts):
        side = rng.uniform(*_OBJECT_SIZE) * image_size
        height = int(round(min(side / np.sqrt(aspect), image_size)))
        width = int(round(min(side * np.sqrt(aspect), image_size)))
        top = rng.randint(image_size - height + 1)
        left = rng.randint(image_size - width + 1)
        box = (top, left, height, width)
        if all(_overlap(box, other) <= _MAX_OVERLAP for other in boxes):
            return box
    return box


def _overlap(box, other):
    """Largest fraction of either box's area that the two boxes share."""
    rows = min(box[0] + box[2], other[0] + other[2]) - max(box[0], other[0])
    columns = min(box[1] + box[3], other[1] + other[3]) - max(box[1], other[1])
    shared = max(rows, 0) * max(columns, 0)
    return shared / min(box[2] * box[3], other[2] * other[3])


def _pool(array, grid):
    """Average an array of shape (n, S, S, ...) over the cells of ``grid``."""
    n, size = array.shape[:2]
    cell_h, cell_w = size // grid[0], size // grid[1]
    shaped = array.reshape((n, grid[0], cell_h, grid[1], cell_w) + array.shape[3:])
    return shaped.mean(axis=(2, 4), dtype=np.float32)


def _patch_features(
    images, coverage, backgrounds, n_backgrounds, grid, n_channels, rng
):
    """The simulated patch-feature grid (see :func:`make_routing_dataset`)."""
    n_categories = coverage.shape[1]
    embeddings = rng.standard_normal((n_categories, n_channels))
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    background_embeddings = rng.standard_normal((n_backgrounds, n_channels))
    background_embeddings *= _BACKGROUND_SCALE / np.linalg.norm(
        background_embeddings, axis=1, keepdims=True
    )
    projection = rng.standard_normal((n_channels, 4))
    projection *= _STATISTICS_SCALE / np.sqrt(n_channels)

    pixels = images.astype(np.float32) / 255
    luminance = pixels @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    statistics = np.empty(images.shape[:1] + grid + (4,), dtype=np.float32)
    statistics[..., :3] = _pool(pixels, grid) - 0.5
    means = _pool(luminance, grid)
    statistics[..., 3] = np.sqrt(np.clip(_pool(luminance**2, grid) - means**2, 0, None))

    objects = np.einsum("nkhw,kc->nhwc", coverage, embeddings, optimize=True)
    empty = 1.0 - coverage.sum(axis=1)
    features = (
        objects
        + empty[..., None] * background_embeddings[backgrounds][:, None, None, :]
        + statistics @ projection.T
        + _FEATURE_NOISE * rng.standard_normal(objects.shape)
    )
    return features.astype(np.float32)


def _receptive_fields(grid):
    """Gaussian receptive fields of the location-routed ROIs, each summing to 1."""
    rows = (np.arange(grid[0]) + 0.5) / grid[0]
    columns = (np.arange(grid[1]) + 0.5) / grid[1]
    fields = []
    for row, column, sd in LOCATION_FIELDS.values():
        squared = (rows[:, None] - row) ** 2 + (columns[None, :] - column) ** 2
        field = np.exp(-squared / (2 * sd**2))
        fields.append(field / field.sum())
    return np.stack(fields)


def _content_routing(coverage):
    """Coverage normalised to sum 1 per image and category; uniform where absent."""
    totals = coverage.sum(axis=(2, 3), keepdims=True)
    uniform = np.full_like(coverage, 1.0 / np.prod(coverage.shape[2:]))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, coverage / totals, uniform)

