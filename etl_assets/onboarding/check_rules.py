"""``check-mapping``'s judgements of what a mapping does with a sample's values, beyond parsing.

Why apart from ``check.py`` (which runs the sample through the stages and reports): these rules
catch a proposal that parses everything and is still wrong, the worst kind (it is accepted
silently):

- a name or key column with very few distinct values for its size (``Child Care Center`` over
  1,500 records) is a type, kind or status, not a provider's name or an identifier;
- a record key under which dedup would collapse more than a few percent of the sample's records
  as duplicates although they differ (distinct providers sharing a phone) loses providers;
- coverage: the leads columns the sample's columns could fill, by their headers and values (the
  proposer's own matching), against those the mapping fills, so a reviewer sees what is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from etl_assets.onboarding.headerless import guess_city_and_type
from etl_assets.onboarding.kinds import KIND_BY_NAME
from etl_assets.onboarding.matching import candidates_for
from etl_assets.onboarding.multi_column import age_flag_field, age_label_field, schedule_field, street_fields, week_field
from etl_assets.onboarding.natural_key import KeyStats
from etl_assets.onboarding.sniff import FEW_DISTINCT, sniff

MAX_KEY_COLLISION_SHARE = 0.03  # different records sharing a key: dedup would keep one of each group
NAME_TARGETS = ("company", "first_name", "last_name", "licensee_name")


def cardinality_errors(spec, raw: pd.DataFrame, column_map: dict[str, str]) -> list[str]:
    """A name column, or the one column of a single-column record key, with a handful of values."""
    errors = []
    key = spec.record_key if len(spec.record_key) == 1 else ()
    for f in spec.fields:
        roles = [t for t in f.to if t in NAME_TARGETS] + [f"record key {t}" for t in f.to if t in key]
        if len(f.from_) != 1 or not roles:
            continue
        header = column_map.get(f.from_[0], f.from_[0])
        if header not in raw:
            continue
        present = raw[header].dropna().astype(str).str.strip()
        present = present[present != ""]
        n, distinct = len(present), present.nunique()
        if n >= 5 and distinct <= max(2, FEW_DISTINCT * n):
            what = "an identifier" if roles[0].startswith("record key") else "a name"
            errors.append(
                f"column {header!r} (mapped to {', '.join(roles)}) has {distinct} distinct values over {n} records "
                f"({distinct / n:.1%}, at most {FEW_DISTINCT:.0%} is a type, kind or status, not {what}): "
                f"e.g. {', '.join(map(repr, present.drop_duplicates().head(3)))}; map the column holding it instead"
            )
    return errors


def collision_errors(key: KeyStats, limit: float = MAX_KEY_COLLISION_SHARE) -> list[str]:
    """Dedup would collapse more than ``limit`` of the records although they differ."""
    share = key.collisions / key.records if key.records else 0.0
    if share <= limit:
        return []
    return [f"dedup on record key {list(key.key)} would collapse {key.collisions} of {key.records} records as "
            f"duplicates although they differ ({share:.1%}, limit {limit:.0%}): distinct providers would be lost; "
            "check the name column and add a field to the key"]  # fmt: skip


@dataclass
class Coverage:
    could: dict[str, str] = field(default_factory=dict)  # leads column -> the sample column that could fill it
    mapped: list[str] = field(default_factory=list)  # leads columns the mapping fills

    @property
    def left_out(self) -> dict[str, str]:
        return {t: c for t, c in self.could.items() if t not in self.mapped}

    def describe(self) -> str:
        held = len(self.could)
        filled = sum(1 for t in self.could if t in self.mapped)
        left = ", ".join(f"{t} ({c!r})" for t, c in self.left_out.items()) or "none"
        return (f"the sample's columns could fill {held} leads columns, the mapping fills {filled} of them; "
                f"left out: {left}")


def coverage(spec, raw: pd.DataFrame, header: bool) -> Coverage:
    """Leads columns the sample could fill, by sniffing its columns as the proposer does."""
    columns = [c for c in raw.columns if not c.startswith("_")]
    values = {c: raw[c].tolist() for c in columns}
    sniffed = {c: sniff(values[c]) for c in columns}
    could: dict[str, str] = {}
    if header:
        multi = [f for f in [age_flag_field(columns, sniffed)] if f] + street_fields(columns, sniffed, values, set())
        multi += [f for f in [week_field(columns, sniffed, set()), age_label_field(columns, sniffed, set()),
                              schedule_field(columns, sniffed, None, set())] if f]  # fmt: skip
        for f in multi:
            for t in f.to:
                could.setdefault(t, " + ".join(f.from_))
    best_kind: dict[str, str] = {}  # kind name -> column
    for c in columns:
        best = max(candidates_for(c, sniffed[c], header), key=lambda cand: cand.confidence, default=None)
        if best:
            best_kind.setdefault(best.kind.name, c)
            for t in best.kind.to:
                could.setdefault(t, c)
    if not header:
        for name, (c, _why) in guess_city_and_type(columns, sniffed, best_kind, set(best_kind.values())).items():
            for t in KIND_BY_NAME[name].to:
                could.setdefault(t, c)
    produced = set(spec.target_columns)
    return Coverage(could=dict(sorted(could.items())), mapped=sorted(produced & set(could)))
