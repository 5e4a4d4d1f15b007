"""Splink's training made safe for any records: EM sessions chosen from what the records fill,
bounded in pairs, and no probability of 0 or 1 ever reaching Splink's SQL.

Why each guard (all seen on real-looking deliveries):
- a training rule on a column no two records share (a registry without ZIP codes: ``zip`` and
  ``name_core``) makes Splink raise "Training rule ... resulted in no record pairs" and stop the
  refresh of every source: each session's pairs are counted first and a session without pairs is
  skipped (its alternative tried), with a warning in the report;
- thousands of records sharing one phone (copies of one listing) give billions of pairs in the
  phone session: a session above ``max_pairs`` pairs is sampled by Splink down to about that many;
- pairs that all agree on everything drive EM's own lambda (or an m or u) to exactly 1 or 0, whose
  log2 weight is infinite and is written into the SQL ("Referenced column "inf" not found"): every
  probability is clamped into [EPS, 1 - EPS] after u sampling and after each session, and a session
  whose free lambda still runs away is run again with lambda fixed.
A comparison no session could estimate keeps the stored model's m values, else the defaults; the
report says which (``m_from``), for the leads materialization's metadata.
"""

from __future__ import annotations

import copy
import logging
import math
from dataclasses import dataclass, field

import duckdb
from splink import block_on
from splink.internals.exceptions import SplinkException

log = logging.getLogger(__name__)

EPS = 1e-6  # Splink's own stand-in for a level never observed
PRIOR_MIN = 1e-12  # the prior of a million records is ~1e-7: it only must not be 0
# two EM sessions, each blind to the columns it blocks on (Splink fixes those); per session its
# blocking columns in order of preference: the first alternative that yields pairs runs
EM_SESSIONS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("phone",), ("addr_line",)),
    (("zip", "name_core"), ("city", "name_core")),
)


@dataclass
class TrainingReport:
    """What the training did, for the materialization's metadata."""

    sessions: list[dict] = field(default_factory=list)  # blocked_on, pairs, sampled_to, outcome
    warnings: list[str] = field(default_factory=list)
    m_from: dict[str, str] = field(default_factory=dict)  # comparison -> "em" | "stored model" | "default"
    clamped: list[str] = field(default_factory=list)  # probabilities moved off 0 or 1
    left_out: list[str] = field(default_factory=list)  # comparisons on columns no record fills

    def as_dict(self) -> dict:
        return {"sessions": self.sessions, "warnings": self.warnings, "m_from": self.m_from,
                "clamped": self.clamped[:20], "comparisons_left_out": self.left_out}


def filled_columns(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> set[str]:
    """The columns at least one record of ``table`` fills."""
    counts = con.execute("SELECT " + ", ".join(f'count("{c}")' for c in columns) + f" FROM {table}").fetchall()[0]
    return {c for c, n in zip(columns, counts) if n}


def rule_pairs(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...]) -> int:
    """Pairs of records agreeing on every one of ``columns`` (none null): what block_on would make."""
    cols = ", ".join(f'"{c}"' for c in columns)
    nonnull = " AND ".join(f'"{c}" IS NOT NULL' for c in columns)
    sql = f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n FROM {table} WHERE {nonnull} GROUP BY {cols})"
    return int(con.execute(sql).fetchall()[0][0])


def _bounded(value, where: str, clamped: list[str], low: float = EPS):
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return value  # None, or Splink's "level not observed" text (read by Splink as EPS)
    fixed = low if math.isnan(value) else min(max(float(value), low), 1 - EPS)
    if fixed != value:
        clamped.append(f"{where}: {value:g} -> {fixed:g}")
    return fixed


def clamp(settings: dict, clamped: list[str] | None = None) -> dict:
    """A copy of Splink settings with every m and u in [EPS, 1 - EPS] and the prior in [PRIOR_MIN, 1 - EPS]."""
    clamped = [] if clamped is None else clamped
    out = copy.deepcopy(settings)
    if "probability_two_random_records_match" in out:
        out["probability_two_random_records_match"] = _bounded(out["probability_two_random_records_match"], "prior",
                                                               clamped, low=PRIOR_MIN)
    for comparison in out.get("comparisons", []):
        for i, level in enumerate(comparison.get("comparison_levels", [])):
            for key in ("m_probability", "u_probability"):
                if key in level:
                    level[key] = _bounded(level[key], f"{comparison.get('output_column_name')} level {i} {key[0]}", clamped)
    return out


def plan_sessions(con: duckdb.DuckDBPyConnection, table: str, report: TrainingReport) -> list[tuple[tuple[str, ...], int]]:
    """Per EM session the first blocking alternative with pairs (and their count); the others reported."""
    plan = []
    for alternatives in EM_SESSIONS:
        for columns in alternatives:
            n = rule_pairs(con, table, columns)
            if n:
                plan.append((columns, n))
                break
            report.warnings.append(f"EM blocked on {' + '.join(columns)}: no two records agree, session skipped")
    return plan


def run_session(linker_factory, settings: dict, columns: tuple[str, ...], pairs: int, max_pairs: float):
    """One EM session from ``settings``: (outcome, the trained linker or None). Lambda runs free
    (Splink's default) unless that fails; each attempt on a fresh linker (a failed session leaves
    its linker's comparisons cut down to the ones it estimates)."""
    sample = {"max_pairs": max_pairs} if pairs > max_pairs else {}
    error = None
    for fixed in (False, True):
        linker = linker_factory(settings)
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*columns), fix_probability_two_random_records_match=fixed, **sample)
            return ("trained with the prior fixed" if fixed else "trained"), linker
        except (SplinkException, ValueError, duckdb.Error) as exc:  # no pairs, a runaway lambda, an m of 0
            error = exc
            log.warning("Splink EM blocked on %s%s failed: %s", columns, " (prior fixed)" if fixed else "",
                        str(exc).splitlines()[0][:200])
    return f"skipped: {type(error).__name__}: {str(error).splitlines()[0][:160]}", None


def fill_untrained(settings: dict, estimated: set[str], previous: dict | None, report: TrainingReport) -> dict:
    """m values of the comparisons no session estimated: the stored model's (same levels), else the defaults."""
    stored = {c["output_column_name"]: c for c in (previous or {}).get("comparisons", [])}
    for comparison in settings["comparisons"]:
        name = comparison["output_column_name"]
        if name in estimated:
            report.m_from[name] = "em"
            continue
        old = stored.get(name)
        labels = [lv.get("label_for_charts") for lv in comparison["comparison_levels"]]
        if old is not None and [lv.get("label_for_charts") for lv in old["comparison_levels"]] == labels:
            for level, old_level in zip(comparison["comparison_levels"], old["comparison_levels"]):
                if "m_probability" in old_level:
                    level["m_probability"] = old_level["m_probability"]
            report.m_from[name] = "stored model"
        else:
            report.m_from[name] = "default"
    return settings


def em_train(linker_factory, con: duckdb.DuckDBPyConnection, table: str, settings: dict, *, max_pairs: float,
             previous: dict | None, report: TrainingReport) -> dict:
    """EM sessions over the records in ``table``; ``linker_factory(settings)`` builds a linker on them.
    Returns the trained, clamped settings."""
    estimated: set[str] = set()
    names = [c["output_column_name"] for c in settings["comparisons"]]
    for columns, pairs in plan_sessions(con, table, report):
        outcome, linker = run_session(linker_factory, settings, columns, pairs, max_pairs)
        report.sessions.append({"blocked_on": " + ".join(columns), "pairs": pairs,
                                "sampled_to": int(max_pairs) if pairs > max_pairs else None, "outcome": outcome})
        if linker is not None:
            settings = clamp(_without_uid(linker.misc.save_model_to_json()), report.clamped)
            estimated |= {n for n in names if n not in columns}
        else:
            report.warnings.append(f"EM blocked on {' + '.join(columns)} {outcome}")
    return fill_untrained(settings, estimated, previous, report)


def _without_uid(settings: dict) -> dict:
    settings.pop("linker_uid", None)  # a random name per linker: the same training stores the same model
    return settings

