"""Atlases: ROIs on volumes, surfaces or coordinates, and their maskers.

Load a shipped atlas (offline) or wrap your own, select ROIs by name, index
or group, and get a configured nilearn masker plus the per-target ROI index
that encoders need::

    from neurost.atlases import list_atlases, load_atlas

    list_atlases()
    mmp = load_atlas("mmp1")
    masker = mmp.masker("visual_streams", kind="voxels", t_r=2.0)
    roi_of_vertex = mmp.roi_labels("visual_streams")   # 0 = early, 1 = ventral...
    signals = mmp.extract(surface_img, rois="visual_streams", kind="parcels")
"""

from .atlas import Atlas
from .coordinates import CoordinateAtlas
from .registry import list_atlases, load_atlas
from .surface import SurfaceAtlas
from .volume import VolumeAtlas

__all__ = [
    "Atlas",
    "CoordinateAtlas",
    "SurfaceAtlas",
    "VolumeAtlas",
    "list_atlases",
    "load_atlas",
]
