"""The TIME_ORDER of an EAF file we write: which time slots it keeps, adds and in what order.

Why not renumber everything: the tiers we carry untouched (ELAN's dependent and symbolic
tiers) name time slots by id, and Time_Subdivision children share their parent's boundary
slots. So a slot of the file we read keeps its id; a boundary moved in the editor changes the
value of the slot it had (as ELAN itself does, so children sharing it follow), unless another
lane boundary kept the old value there, in which case the moved one gets a slot of its own.
New boundaries get new slots (two per annotation, as ELAN makes them), numbered after the
highest ``ts<n>`` of the file, in time order. Slots nothing refers to any more are dropped,
as ELAN drops them when it saves.

Order: aligned slots by time (ties keep the file's order); a slot without a time value (an
unaligned boundary inside a subdivision) stays right after the aligned slot it followed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: A slot handle: the id of a slot of the file read, or the number of a new slot.
SlotKey = str | int


class TimeOrder:
    """Collects the slots a document needs, then lays them out (`finish`)."""

    def __init__(self, original: Sequence[tuple[str, int | None]] = ()) -> None:
        self._original = [(str(sid), value) for sid, value in original]
        self._original_value = dict(self._original)
        self._used: dict[str, int | None] = {}
        self._new: list[int] = []  # values of new slots, by creation
        self._ids: dict[SlotKey, str] = {}

    def claim(self, wanted: str | None, value: int) -> SlotKey:
        """A slot at ``value`` for a lane boundary, reusing the slot ``wanted`` when it can."""
        if wanted is not None and wanted in self._original_value:
            if wanted not in self._used:
                self._used[wanted] = value
                return wanted
            if self._used[wanted] == value:
                return wanted
        self._new.append(value)
        return len(self._new) - 1

    def keep(self, slot: str) -> None:
        """A slot a carried tier refers to: kept, at the value a lane gave it or its own."""
        if slot in self._original_value:
            self._used.setdefault(slot, self._original_value[slot])

    def finish(self) -> list[tuple[str, int | None]]:
        """The slots in file order, as (id, value); `slot_id` works from now on."""
        highest = max((_number(sid) for sid, _ in self._original), default=0)
        aligned: list[tuple[int, int, SlotKey]] = []  # (value, tie-break, key)
        trailing: dict[SlotKey | None, list[str]] = {}  # unaligned slots after an anchor
        anchor: SlotKey | None = None
        for position, (sid, _) in enumerate(self._original):
            if sid not in self._used:
                continue
            value = self._used[sid]
            if value is None:
                trailing.setdefault(anchor, []).append(sid)
            else:
                aligned.append((value, position, sid))
                anchor = sid
        offset = len(self._original)
        aligned += [(value, offset + k, k) for k, value in enumerate(self._new)]
        aligned.sort(key=lambda item: (item[0], item[1]))
        laid: list[tuple[str, int | None]] = [(sid, None) for sid in trailing.get(None, [])]
        for value, _, key in aligned:
            if isinstance(key, int):
                highest += 1
                self._ids[key] = f"ts{highest}"
            else:
                self._ids[key] = key
            laid.append((self._ids[key], value))
            laid += [(sid, None) for sid in trailing.get(key, [])]
        for sid, _ in laid:
            self._ids.setdefault(sid, sid)
        return laid

    def slot_id(self, key: SlotKey) -> str:
        return self._ids[key]


def _number(identifier: str) -> int:
    """The number ELAN puts at the end of its ids (``ts12``, ``a7``), 0 when there is none."""
    found = re.search(r"(\d+)$", identifier)
    return int(found.group(1)) if found and len(found.group(1)) < 16 else 0


def highest_number(identifiers: Sequence[str] | set[str]) -> int:
    return max((_number(i) for i in identifiers), default=0)
