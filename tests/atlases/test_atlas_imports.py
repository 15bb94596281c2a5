"""The atlases' modules import one another without cycles."""

import grimp


def test_no_import_cycle_inside_atlases():
    graph = grimp.build_graph("neurost", cache_dir=None)
    modules = sorted(m for m in graph.modules if m.startswith("neurost.atlases."))
    cycles = []
    for module in modules:
        for imported in graph.find_modules_directly_imported_by(module):
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if imported.startswith("neurost.atlases.") and chain:
                cycles.append(" -> ".join((module, *chain)))
    assert cycles == []


def test_factories_build_each_geometry():
    import numpy as np

    from neurost.atlases import Atlas, CoordinateAtlas, SurfaceAtlas, VolumeAtlas

    volume = Atlas.from_arrays(np.ones((2, 2, 2), int), ["a"], affine=np.eye(4))
    surface = Atlas.from_arrays(np.ones(2 * 10242, int), ["a"], space="fsaverage5")
    spheres = Atlas.from_coordinates([[0.0, 0.0, 0.0]], 5.0)
    assert type(volume) is VolumeAtlas
    assert type(surface) is SurfaceAtlas
    assert type(spheres) is CoordinateAtlas
