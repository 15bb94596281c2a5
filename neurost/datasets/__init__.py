"""Real data shipped by installed packages, and simulators with ground truth.

Nothing here touches the network.
"""

from .meshes import MESH_KINDS, N_VERTICES, load_surface_mesh

__all__ = ["MESH_KINDS", "N_VERTICES", "load_surface_mesh"]
