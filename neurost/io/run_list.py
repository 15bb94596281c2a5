"""Reading the list of a cohort's runs: one key and one path per run."""

from .._utils.validation import check_path, describe
from ._reading import read_tsv

#: The columns a run list must have.
COLUMNS = ("key", "path")


def load_run_list(runs):
    """Read a table of runs into a dict ``key -> path``.

    Parameters
    ----------
    runs : str, os.PathLike or pandas.DataFrame
        A tab-separated file (``.tsv``) with a header row and the columns
        ``key`` (the run's name in a token store) and ``path`` (its 4D
        image), or a table already loaded; other columns are ignored.
        Relative paths of a file are relative to the file's folder, so that
        a table travels with the runs it lists.

    Returns
    -------
    dict of str to str
        In the table's order.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file cannot be parsed, a column is missing, or a key is
        empty or given to several runs, or a path is empty (the message
        names the row).

    Examples
    --------
    >>> import pandas as pd
    >>> load_run_list(pd.DataFrame({"key": ["sub-01"], "path": ["/data/sub-01_bold.nii.gz"]}))
    {'sub-01': '/data/sub-01_bold.nii.gz'}
    """
    import pandas as pd

    if isinstance(runs, pd.DataFrame):
        table, label, folder = runs, "the run list", None
    else:
        path = check_path(runs, "runs", suffixes=(".tsv",))
        label, folder = f"'{path}'", path.parent
        table = read_tsv(path, "runs", dtype=str)
    missing = [column for column in COLUMNS if column not in table.columns]
    if missing:
        raise ValueError(
            f"runs: {label} has no column {missing}; it needs {list(COLUMNS)} and has "
            f"{list(table.columns)}."
        )
    keys, paths = table["key"].astype(str), table["path"].astype(str)
    empty = (table[list(COLUMNS)].isna().any(axis=1) | (keys == "") | (paths == "")).to_numpy()
    if empty.any():
        raise ValueError(
            f"runs: row {int(empty.argmax()) + 1} of {label} has an empty key or path."
        )
    repeated = keys[keys.duplicated()].tolist()
    if repeated:
        raise ValueError(f"runs: {label} gives the key {describe(repeated[0])} to several runs.")
    return {
        key: str(folder / path) if folder is not None else path
        for key, path in zip(keys, paths)
    }
