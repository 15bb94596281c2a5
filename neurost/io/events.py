"""BIDS ``events.tsv`` files: stimulus onsets and durations of a run."""

import numpy as np

from .._utils.validation import close_matches, describe
from ._reading import read_tsv

#: Columns every BIDS events file must have.
REQUIRED_COLUMNS = ("onset", "duration")


def load_events(events, require=()):
    """Read and validate a BIDS events file.

    Parameters
    ----------
    events : str, os.PathLike or pandas.DataFrame
        A tab-separated ``*_events.tsv`` file, or a table already loaded.
    require : sequence of str, default=()
        Columns needed besides ``onset`` and ``duration``, e.g.
        ``("trial_type",)``.

    Returns
    -------
    pandas.DataFrame
        One row per event, sorted by onset (ties keep the file's order),
        with a fresh index. ``onset`` and ``duration`` are float64 seconds;
        ``onset`` may be negative (events before the first volume). Every
        other column (``trial_type``, ``response_time``...) is kept. As
        BIDS prescribes, ``n/a`` marks a missing value and becomes NaN; it
        is allowed in ``duration`` (unknown duration) and in any column
        other than ``onset``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If a required column is missing, or an onset or duration is not a
        number, is infinite, or (duration) is negative.

    Examples
    --------
    >>> events = load_events(
    ...     "sub-01_task-faces_events.tsv", require=("trial_type",)
    ... )  # doctest: +SKIP
    >>> events[["onset", "duration", "trial_type"]].head()  # doctest: +SKIP
    """
    import pandas as pd

    if isinstance(events, pd.DataFrame):
        table, label = events.copy(), "the events table"
    else:
        table = read_tsv(events, "events", na_values=["n/a"])
        label = f"'{events}'"
    if isinstance(require, str):
        require = (require,)
    if not isinstance(require, (tuple, list)) or not all(
        isinstance(column, str) for column in require
    ):
        raise TypeError(
            f"require must be a column name or a sequence of column names; "
            f"got {describe(require)}."
        )
    missing = [c for c in (*REQUIRED_COLUMNS, *require) if c not in table.columns]
    if missing:
        raise ValueError(_missing_message(missing, list(table.columns), label))
    for column in REQUIRED_COLUMNS:
        table[column] = _numeric(table[column], column, label)
    onset, duration = table["onset"], table["duration"]
    _refuse(onset.isna(), table, "onset", "a number (n/a is not allowed)", label)
    _refuse(np.isinf(onset), table, "onset", "a finite number", label)
    _refuse(np.isinf(duration), table, "duration", "a finite number or n/a", label)
    _refuse(duration < 0, table, "duration", "zero or positive", label)
    return table.sort_values("onset", kind="stable").reset_index(drop=True)


def _numeric(values, column, label):
    import pandas as pd

    # Files are read with only "n/a" as missing, so a "NaN" text stays text
    # and is refused here; in a DataFrame, NaN is the missing value.
    converted = pd.to_numeric(values, errors="coerce").astype("float64")
    bad = converted.isna() & values.notna()
    if bad.any():
        line = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"events: column '{column}' of {label} must hold numbers (seconds) "
            f"or n/a; row {line} (counting from 0 after the header) holds "
            f"{describe(values.iloc[line])}."
        )
    return converted


def _refuse(bad, table, column, expected, label):
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())
        raise ValueError(
            f"events: every '{column}' in {label} must be {expected}; "
            f"{rows.size} row(s) are not (first: row {int(rows[0])} counting from 0 "
            f"after the header, value {table[column].iloc[rows[0]]:g})."
        )


def _missing_message(missing, columns, label):
    message = (
        f"events: {label} lacks column(s) {missing}; expected at least "
        f"{[*REQUIRED_COLUMNS]} (BIDS) and any required ones; found {columns}."
    )
    hints = list(dict.fromkeys(m for c in missing for m in close_matches(c, columns)))
    if hints:
        message += f" Did you mean {' or '.join(map(repr, hints))}?"
    if len(columns) == 1 and ("," in columns[0] or " " in columns[0]):
        message += " The columns of an events file must be separated by tabs."
    return message
