"""Label tables: one row per ROI of an atlas.

A label table is a :class:`pandas.DataFrame` with the columns ``index`` (the
positive integer a voxel or vertex carries in the atlas) and ``name`` (a
unique string), sorted by ``index``, and optionally ``hemisphere``
(``"left"``/``"right"``), ``network``, ``color`` (``"#rrggbb"``) or any other
per-ROI column. The background (label 0) has no row.
"""

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._utils.validation import describe

#: Table columns from which groupings are derived automatically.
GROUPING_COLUMNS = ("hemisphere", "network", "region")


def rgba_to_hex(rgba):
    """Convert colours to ``"#rrggbb"`` strings.

    Parameters
    ----------
    rgba : array-like of shape (n_colors, 3) or (n_colors, 4)
        Colours with components in [0, 1]; alpha is ignored.

    Returns
    -------
    list of str
    """
    rgb = np.clip(np.rint(np.asarray(rgba, dtype=float)[:, :3] * 255), 0, 255)
    return ["#{:02x}{:02x}{:02x}".format(*row) for row in rgb.astype(int)]


def make_label_table(spec, values, argument):
    """Build and validate the label table of an atlas.

    Parameters
    ----------
    spec : None, pandas.DataFrame, sequence of str or mapping
        ``None``: the ROIs are named ``"roi_<value>"``. A DataFrame with
        ``index`` and ``name`` columns (nilearn's look-up-table format; extra
        columns are kept). A mapping ``{value: name}``. A sequence of names
        for the sorted ``values``; one extra leading entry is taken as the
        background's name and dropped (nilearn's atlases list
        ``"Background"`` first). A :class:`pandas.Series` of names is read
        as ``{index: name}``, like a mapping. Rows with an index <= 0 are
        background and dropped.
    values : array-like of int
        The distinct positive labels present in the atlas.
    argument : str
        The argument name used in error messages.

    Returns
    -------
    pandas.DataFrame
        The label table, sorted by ``index``, with a fresh RangeIndex.

    Raises
    ------
    ValueError
        If names are missing or duplicated, indices repeat, the atlas
        holds labels that the table does not name, or the table names
        labels that the atlas does not hold.
    """
    values = np.unique(np.asarray(values, dtype=np.int64))
    if spec is None:
        table = pd.DataFrame({"index": values, "name": [f"roi_{v}" for v in values]})
    elif isinstance(spec, pd.DataFrame):
        missing = [column for column in ("index", "name") if column not in spec]
        if missing:
            raise ValueError(
                f"{argument}: the label table needs the columns 'index' and "
                f"'name'; missing {missing} (columns: {list(spec.columns)})."
            )
        table = spec.reset_index(drop=True)
    elif isinstance(spec, (Mapping, pd.Series)):
        # A Series of names is keyed by its index, like a dict, never by position.
        items = list(spec.items())
        table = pd.DataFrame(
            {"index": [key for key, _ in items], "name": [name for _, name in items]}
        )
    elif isinstance(spec, (list, tuple, np.ndarray)):
        names = list(spec)
        if len(names) == len(values) + 1:
            names = names[1:]
        if len(names) != len(values):
            raise ValueError(
                f"{argument}: got {len(names)} names for the {len(values)} "
                f"labels of the atlas ({_preview(values)}); give one name per "
                "label, optionally preceded by the background's name."
            )
        table = pd.DataFrame({"index": values, "name": names})
    else:
        raise TypeError(
            f"{argument} must be None, a DataFrame with 'index' and 'name' "
            f"columns, a list of names or a dict {{value: name}}; got "
            f"{describe(spec)}."
        )
    return _validated(table, values, argument)


def _validated(table, values, argument):
    index = pd.to_numeric(table["index"], errors="coerce").to_numpy(dtype=float)
    if np.isnan(index).any() or (index != np.round(index)).any():
        raise ValueError(
            f"{argument}: the 'index' column must hold integers; got "
            f"{describe(table['index'].tolist())}."
        )
    table = table.assign(index=index.astype(np.int64))
    table = table[table["index"] > 0].sort_values("index", kind="stable")
    table = table.reset_index(drop=True)
    repeated = table["index"][table["index"].duplicated()].unique()
    if len(repeated):
        raise ValueError(f"{argument}: label index repeated: {_preview(repeated)}.")
    names = table["name"]
    if names.isna().any() or not all(isinstance(n, str) and n for n in names):
        raise ValueError(
            f"{argument}: every ROI needs a non-empty string name; got "
            f"{describe(names.tolist())}."
        )
    repeated = names[names.duplicated()].unique()
    if len(repeated):
        raise ValueError(
            f"{argument}: ROI names must be unique; repeated: {list(repeated)[:10]}."
        )
    unnamed = np.setdiff1d(values, table["index"].to_numpy())
    if len(unnamed):
        raise ValueError(
            f"{argument}: the atlas holds labels that the table does not name: "
            f"{_preview(unnamed)}. Add them to the table, or set those voxels "
            "or vertices to 0 (background)."
        )
    absent = np.setdiff1d(table["index"].to_numpy(), values)
    if len(absent):
        raise ValueError(
            f"{argument}: the table names labels that the atlas does not hold: "
            f"{_preview(absent)}. Remove those rows, or check that the table "
            "belongs to this label image."
        )
    return table.astype({"name": str})


def drop_absent_rows(table, values, argument):
    """Drop, with a warning, the rows of a look-up table absent from the atlas.

    nilearn's atlas fetchers return a look-up table that can list more
    labels than their image holds (e.g. regions lost in resampling); those
    rows are dropped rather than refused.

    Parameters
    ----------
    table : pandas.DataFrame
        A table with an ``index`` column (other specifications are returned
        unchanged).
    values : array-like of int
        The labels present in the atlas image.
    argument : str
        The name used in the warning.

    Returns
    -------
    pandas.DataFrame
        The rows whose index is background (<= 0) or present in ``values``.
    """
    if not isinstance(table, pd.DataFrame) or "index" not in table:
        return table
    index = pd.to_numeric(table["index"], errors="coerce")
    absent = (index > 0) & ~index.isin(np.asarray(values))
    if absent.any():
        dropped = table.loc[absent]
        names = dropped["name"] if "name" in dropped else dropped["index"]
        described = ", ".join(
            f"{int(i)} ({n})" for i, n in zip(dropped["index"][:10], names[:10])
        )
        more = f" and {int(absent.sum()) - 10} more" if absent.sum() > 10 else ""
        warnings.warn(
            f"{argument}: dropped {int(absent.sum())} look-up-table rows whose "
            f"labels the image does not hold: {described}{more}.",
            UserWarning,
            stacklevel=3,
        )
        table = table.loc[~absent]
    return table


def groupings_from_table(table):
    """Group the ROIs by each of the table's :data:`GROUPING_COLUMNS`.

    Parameters
    ----------
    table : pandas.DataFrame
        A label table.

    Returns
    -------
    dict
        ``{column: {value: [ROI names]}}`` for each grouping column present,
        in table order; ROIs with a missing value are left out.
    """
    groupings = {}
    for column in GROUPING_COLUMNS:
        if column not in table:
            continue
        groups = {}
        for value, name in zip(table[column], table["name"]):
            if not pd.isna(value):
                groups.setdefault(str(value), []).append(name)
        groupings[column] = groups
    return groupings


def _preview(values, n=10):
    values = [int(v) for v in values]
    text = ", ".join(map(str, values[:n]))
    return text + (f", ... ({len(values)} in all)" if len(values) > n else "")
