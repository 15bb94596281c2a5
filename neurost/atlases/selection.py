"""Turn a user's ROI selection into atlas label indices.

A selection names the *output* ROIs of a masker: each entry of ``rois`` is
one output ROI, made of one or several atlas ROIs (see
:meth:`neurost.atlases.Atlas.resolve_rois` for the accepted forms).
"""

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._utils.validation import close_matches, describe


def check_groupings(groupings, names):
    """Validate ROI groupings against the atlas's ROI names.

    Parameters
    ----------
    groupings : mapping
        ``{grouping name: {group name: [ROI names]}}``.
    names : sequence of str
        The ROI names of the atlas.

    Returns
    -------
    dict
        A copy with plain dicts and lists.

    Raises
    ------
    ValueError
        Naming any ROI that the atlas does not have, with close matches.
    """
    if not isinstance(groupings, Mapping):
        raise TypeError(
            "groupings must be a dict {grouping: {group: [ROI names]}}; got "
            f"{describe(groupings)}."
        )
    known = set(names)
    checked = {}
    for grouping, groups in groupings.items():
        if not isinstance(groups, Mapping):
            raise TypeError(
                f"groupings[{grouping!r}] must be a dict {{group: [ROI names]}}; "
                f"got {describe(groups)}."
            )
        checked[str(grouping)] = {}
        for group, members in groups.items():
            members = [members] if isinstance(members, str) else list(members)
            if not members:
                raise ValueError(f"groupings[{grouping!r}][{group!r}] is empty.")
            for member in members:
                if member not in known:
                    raise ValueError(
                        f"groupings[{grouping!r}][{group!r}] names {member!r}, "
                        f"which is not an ROI of the atlas.{_suggest(member, names)}"
                    )
            checked[str(grouping)][str(group)] = members
    return checked


class RoiResolver:
    """Resolve ROI selections against one atlas's label table and groupings.

    Parameters
    ----------
    table : pandas.DataFrame
        The atlas's label table (``index``, ``name`` columns).
    groupings : dict
        ``{grouping name: {group name: [ROI names]}}``, already validated.
    """

    def __init__(self, table, groupings):
        self._index_of = dict(zip(table["name"], table["index"].tolist()))
        self._name_of = {index: name for name, index in self._index_of.items()}
        self._groupings = groupings
        self._groups = {}
        for grouping, groups in groupings.items():
            for group, members in groups.items():
                self._groups.setdefault(group, []).append((grouping, members))

    def resolve(self, rois):
        """Return ``{output ROI name: label indices}`` for a selection.

        Parameters
        ----------
        rois : None, str, int, sequence or mapping
            See :meth:`neurost.atlases.Atlas.resolve_rois`.

        Returns
        -------
        dict of str to numpy.ndarray of int64
            In output order; each array is sorted.
        """
        if rois is None:
            entries = [(name, [index]) for index, name in self._name_of.items()]
        elif isinstance(rois, Mapping):
            entries = [(str(key), self._members(value)) for key, value in rois.items()]
        elif isinstance(rois, (str, int, np.integer)):
            entries = self._entries(rois)
        elif isinstance(rois, (list, tuple, np.ndarray, pd.Index, pd.Series)):
            entries = [entry for item in list(rois) for entry in self._entries(item)]
        else:
            raise TypeError(
                "rois must be None, an ROI/group/grouping name, an ROI index, a "
                f"list of those, or a dict {{name: selection}}; got {describe(rois)}."
            )
        return self._checked(entries)

    def _entries(self, item):
        """``(output name, label indices)`` pairs of one top-level entry."""
        if isinstance(item, str) and item not in self._index_of:
            if item in self._groupings and item not in self._groups:
                return [
                    (group, self._members(members))
                    for group, members in self._groupings[item].items()
                ]
            if item not in self._groups and ":" in item:
                return [(item.partition(":")[2], self._members(item))]
        if not isinstance(item, (str, int, np.integer)) or isinstance(item, bool):
            raise TypeError(
                "rois: expected an ROI name or index, a group or a grouping "
                f"name; got {describe(item)}. To merge ROIs into one output "
                "ROI, pass a dict {name: [ROIs]}."
            )
        members = self._members(item)
        return [(item if isinstance(item, str) else self._name_of[members[0]], members)]

    def _members(self, entry):
        """Label indices of one entry (an ROI, group, grouping or list)."""
        if isinstance(entry, (bool, np.bool_)):
            raise TypeError(f"rois: expected ROI names or indices; got {entry!r}.")
        if isinstance(entry, (int, np.integer)):
            if int(entry) not in self._name_of:
                raise ValueError(
                    f"rois: {int(entry)} is not an ROI index of the atlas; "
                    f"valid indices: {_index_ranges(self._name_of)}."
                )
            return [int(entry)]
        if isinstance(entry, str):
            return self._members_of_name(entry)
        if isinstance(entry, (list, tuple, np.ndarray, pd.Index, pd.Series)):
            if len(entry) == 0:
                raise ValueError("rois: an ROI made of an empty list selects nothing.")
            return [index for item in list(entry) for index in self._members(item)]
        raise TypeError(
            f"rois: expected ROI names, indices, group or grouping names; got "
            f"{describe(entry)}."
        )

    def _members_of_name(self, name):
        if name in self._index_of:
            return [self._index_of[name]]
        if name in self._groups:
            candidates = self._groups[name]
            if len({tuple(members) for _, members in candidates}) > 1:
                qualified = [f"{grouping}:{name}" for grouping, _ in candidates]
                raise ValueError(
                    f"rois: {name!r} is a group of several groupings; name one "
                    f"of {qualified}."
                )
            return [self._index_of[member] for member in candidates[0][1]]
        if name in self._groupings:
            return [
                self._index_of[member]
                for members in self._groupings[name].values()
                for member in members
            ]
        grouping, _, group = name.partition(":")
        if group and group in self._groupings.get(grouping, {}):
            return [self._index_of[m] for m in self._groupings[grouping][group]]
        choices = [*self._index_of, *self._groups, *self._groupings]
        raise ValueError(
            f"rois: {name!r} is not an ROI, group or grouping of the atlas."
            f"{_suggest(name, choices)} See atlas.table for the ROI names and "
            "atlas.groupings for the groups."
        )

    def _checked(self, entries):
        if not entries:
            raise ValueError("rois selects no ROI; pass None to select them all.")
        selection = {}
        owner = {}
        for name, members in entries:
            if name in selection:
                raise ValueError(
                    f"rois: the output ROI {name!r} is selected twice; each "
                    "output ROI must be unique."
                )
            members = np.unique(np.asarray(members, dtype=np.int64))
            shared = [int(m) for m in members if int(m) in owner]
            if shared:
                raise ValueError(
                    f"rois: the output ROIs {owner[shared[0]]!r} and {name!r} "
                    f"share {[self._name_of[m] for m in shared][:10]}; the "
                    "output ROIs must not overlap."
                )
            owner.update({int(m): name for m in members})
            selection[name] = members
        return selection


def _suggest(value, choices):
    matches = close_matches(value, choices)
    return f" Did you mean {' or '.join(map(repr, matches))}?" if matches else ""


def _index_ranges(indices):
    indices = sorted(indices)
    if indices == list(range(indices[0], indices[-1] + 1)):
        return f"{indices[0]} to {indices[-1]}"
    return ", ".join(map(str, indices[:10])) + (", ..." if len(indices) > 10 else "")
