"""The record key of a registry without a license number or id: a composite natural key.

Why its own module: choosing a key is a question about the *normalized* sample (how often would
this combination be missing, how often would two different records share it), not about one
column's header or values. ``propose.py`` asks ``choose_natural_key`` after matching the columns;
``check.py`` reports ``key_stats`` for any record key. Pure: frames in, numbers out.

A candidate is ``company_std`` plus one or two of the most identifying other normalized fields
present (``address_std``, ``zip``, ``phone``, ``email``, ``city``). On the sample, a record
without every part has no key (it would be quarantined) and two *different* records with one key
would be collapsed into one at dedup; whole-row repeats are harmless (dedup collapses them, as
it should). The candidate with the smallest share of keyless + colliding records wins; ties go
to fewer parts (a key field's change reads as a delete plus an insert, so fewer is stabler).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import pandas as pd

from etl_assets.records import KEY_SEPARATOR, STRING

NAME_PART = "company_std"
OTHER_PARTS = ("address_std", "zip", "phone", "email", "city")  # most identifying first (tie order)


@dataclass(frozen=True)
class KeyStats:
    key: tuple[str, ...]
    records: int
    null: int  # records without a key (a part missing)
    duplicates: int  # records whose key an earlier record already has
    repeats: int  # ... of which exact repeats of that earlier record (dedup collapses them rightly)

    @property
    def null_share(self) -> float:
        return self.null / self.records if self.records else 0.0

    @property
    def duplicate_share(self) -> float:
        return self.duplicates / self.records if self.records else 0.0

    @property
    def collisions(self) -> int:
        """Different records sharing a key: dedup would keep one of them."""
        return self.duplicates - self.repeats

    def describe(self) -> str:
        return (
            f"{' + '.join(self.key)}: {self.null_share:.1%} of {self.records} records without it, "
            f"{self.duplicate_share:.1%} duplicates ({self.repeats} whole-row repeats, {self.collisions} different "
            "records sharing a key)"
        )


def composite_key(rows: pd.DataFrame, key: tuple[str, ...]) -> pd.Series:
    """The key as normalize builds it: parts joined by ``|``, null when any part is null."""
    parts = [rows[k].astype(STRING) for k in key]
    return parts[0].str.cat(parts[1:], sep=KEY_SEPARATOR) if len(parts) > 1 else parts[0]


def key_stats(keys: pd.Series, content: pd.Series, key: tuple[str, ...]) -> KeyStats:
    """Null and duplicate counts of ``keys``; ``content`` is one text per record (its raw cells),
    telling a whole-row repeat from two different records."""
    keyed = keys.notna()
    frame = pd.DataFrame({"k": keys[keyed].astype(object), "c": content[keyed].astype(object)})
    duplicates = int(frame.duplicated("k").sum())
    distinct_records = len(frame.drop_duplicates())
    repeats = len(frame) - distinct_records
    return KeyStats(key, len(keys), int((~keyed).sum()), duplicates, repeats)


def record_content(raw: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One value per record from its source cells (for telling repeats from collisions)."""
    return pd.util.hash_pandas_object(raw[columns], index=False)  # one 64-bit hash per record, vectorized


def candidate_keys(produced: set[str]) -> list[tuple[str, ...]]:
    others = [p for p in OTHER_PARTS if p in produced]
    if NAME_PART not in produced:
        return [c for n in (2, 3) for c in combinations(others, n)] or [(o,) for o in others]
    return [(NAME_PART, *c) for n in (1, 2) for c in combinations(others, n)] or [(NAME_PART,)]


def choose_natural_key(rows: pd.DataFrame, content: pd.Series) -> tuple[KeyStats, list[KeyStats]]:
    """The best candidate on the normalized sample ``rows`` and every candidate's stats, best first."""
    produced = {c for c in rows.columns if rows[c].notna().any()}
    candidates = candidate_keys(produced)
    if not candidates:
        raise ValueError("no normalized field to build a record key from (no name, address, phone or email)")
    order = {c: i for i, c in enumerate(candidates)}
    stats = [key_stats(composite_key(rows, c), content, c) for c in candidates]
    stats.sort(key=lambda s: (s.null + s.collisions, len(s.key), order[s.key]))
    return stats[0], stats
