"""Grade lead resolution on the labelled evaluation set (scripts/make_er_eval.py): P / R / F1 per class.

    .venv/bin/python -m benchmarks.er_eval [--seed 13] [--cases 120] [--errors] [--out benchmarks/results/er_eval.md]
    .venv/bin/python -m benchmarks.er_eval --held-back [--out ...]   # last, once per change

``--seed`` takes a tuning seed (``TUNING_SEEDS``: look at their errors as much as you like). The
held-back seed (``HELD_BACK_SEED``) is graded only with ``--held-back``, which shows no errors: it
is looked at by nobody while the rules change, and reported once, after the last change.

Each world of the set (``WORLDS``: the registries, two scrapes of a city registry, an API export
against a directory; train and test cases and the background together) is resolved in one
``resolve_leads`` call, as the platform resolves one warehouse; pairs are then graded per split
and per variation class. A predicted pair
counts for a class when either record belongs to one of its cases (so a false merge across cases
costs both classes); a true pair is two records of one provider. Thresholds are chosen on
``train`` (``--sweep``) and the report's figures are the ``test`` split's.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent

from etl_assets.resolve.resolver import ResolveConfig, resolve_leads
from scripts.make_er_eval import ALL_CLASSES, HELD_BACK_SEED, LABELS, TUNING_SEEDS, make_eval


def _pairs(keys: pd.Series, groups: pd.Series) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for _, members in keys.groupby(groups.to_numpy()):
        if len(members) > 1:
            out.update(itertools.combinations(sorted(members), 2))
    return out


def grade(labelled: pd.DataFrame, lead_ids: pd.Series) -> pd.DataFrame:
    """Rows (split, class): true pairs, predicted pairs, TP, precision, recall, F1 (and 'overall')."""
    keys = labelled["_source"].astype(str) + ":" + labelled["_record_key"].astype(str)
    predicted = _pairs(keys, lead_ids)
    truth = _pairs(keys, labelled["true_id"])
    cls = dict(zip(keys, labelled["er_class"]))
    split = dict(zip(keys, labelled["split"]))
    rows = []
    for sp in ("train", "test"):
        for c in (*ALL_CLASSES, "background", "overall"):
            def mine(pair):
                in_split = split[pair[0]] == sp or split[pair[1]] == sp
                return in_split and (c == "overall" or cls[pair[0]] == c or cls[pair[1]] == c)
            p = {x for x in predicted if mine(x)}
            t = {x for x in truth if mine(x)}
            tp = len(p & t)
            prec = tp / len(p) if p else 1.0
            rec = tp / len(t) if t else 1.0
            f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
            rows.append({"split": sp, "class": c, "true_pairs": len(t), "predicted_pairs": len(p), "tp": tp,
                         "precision": prec, "recall": rec, "f1": f1})
    return pd.DataFrame(rows)


def errors(labelled: pd.DataFrame, lead_ids: pd.Series, limit: int = 20) -> tuple[list, list]:
    """A few false merges and missed pairs, as (class, name l, name r, address l, address r)."""
    keys = labelled["_source"].astype(str) + ":" + labelled["_record_key"].astype(str)
    by_key = labelled.assign(_k=keys.to_numpy()).set_index("_k")
    predicted, truth = _pairs(keys, lead_ids), _pairs(keys, labelled["true_id"])
    def show(pair):
        a, b = by_key.loc[pair[0]], by_key.loc[pair[1]]
        return (a["er_class"], a["company"], b["company"], a["address_std"], b["address_std"], a["city"], b["city"])
    return [show(p) for p in sorted(predicted - truth)[:limit]], [show(p) for p in sorted(truth - predicted)[:limit]]


def evaluate(labelled: pd.DataFrame, config: ResolveConfig | None = None):
    """(graded table, lead id per row of ``labelled``, per world: records, seconds, pairs linked by Splink)."""
    labelled = labelled.reset_index(drop=True)
    lead = pd.Series(index=labelled.index, dtype=object)
    worlds = {}
    for world, rows in labelled.groupby("er_world", sort=False):
        t0 = time.perf_counter()
        result = resolve_leads(rows.drop(columns=LABELS).reset_index(drop=True), None, config or ResolveConfig())
        lead[rows.index] = (world + ":" + result.crosswalk["lead_id"].astype(str)).to_numpy()
        worlds[world] = {"records": len(rows), "seconds": time.perf_counter() - t0,
                         "splink_pairs": result.stats["splink_accepted_pairs"]}
    return grade(labelled, lead), lead, worlds


def to_markdown(table: pd.DataFrame) -> str:
    lines = ["| split | class | true pairs | predicted | TP | precision | recall | F1 |", "|" + "---|" * 8]
    for r in table.itertuples():
        lines.append(f"| {r.split} | {r._2} | {r.true_pairs} | {r.predicted_pairs} | {r.tp} | "
                     f"{r.precision:.3f} | {r.recall:.3f} | {r.f1:.3f} |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The options; the held-back seed only through ``--held-back`` and never with ``--errors``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=TUNING_SEEDS[0], help=f"a tuning seed {TUNING_SEEDS} (or another)")
    ap.add_argument("--held-back", action="store_true",
                    help="grade the held-back seed: last, once per change, after the tuning seeds")
    ap.add_argument("--cases", type=int, default=120)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--errors", action="store_true", help="print false merges and missed pairs")
    args = ap.parse_args(argv)
    if args.held_back:
        if args.errors:
            ap.error("--errors shows no held-back pairs: they are not looked at while tuning")
        args.seed = HELD_BACK_SEED
    elif args.seed == HELD_BACK_SEED:
        ap.error(f"seed {HELD_BACK_SEED} is the held-back seed: grade it with --held-back, once per change")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    labelled = make_eval(args.seed, args.cases)
    table, lead, worlds = evaluate(labelled)
    which = "held-back seed" if args.held_back else "seed"
    resolved = "; ".join(f"{w} {x['records']:,} records, {x['seconds']:.1f} s, {x['splink_pairs']:,} Splink pairs"
                         for w, x in worlds.items())
    text = (f"ER evaluation set: {which} {args.seed}, {args.cases} cases per class, {len(labelled):,} records "
            f"(resolve_leads per world: {resolved})\n\n{to_markdown(table)}\n")
    print(text)
    if args.errors:
        fp, fn = errors(labelled, lead)
        print("false merges:", *fp, sep="\n  ")
        print("missed pairs:", *fn, sep="\n  ")
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
