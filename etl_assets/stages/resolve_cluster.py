"""Constrained clustering of accepted pairs (union-find with cannot-link checks on whole clusters)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from etl_assets.stages import resolve_keys as keys
from etl_assets.stages.resolve_pairs import RULE_RANK


if TYPE_CHECKING:
    from etl_assets.stages.resolve_config import ResolveConfig


def cluster(prep: pd.DataFrame, edges: pd.DataFrame, cfg: ResolveConfig) -> tuple[np.ndarray, pd.DataFrame]:
    """Constrained union-find over edges (strongest first). Returns root per uid and accepted edges."""
    n = len(prep)
    parent = np.arange(n)
    addr = {}  # root -> list of address tuples
    lic = {}  # root -> {source: license}
    lines, houses, zips, streets = (prep[c].to_numpy() for c in ("addr_line", "house", "zip", "street"))
    sources, licenses = prep["source"].to_numpy(), prep["license"].to_numpy()

    def find(x):
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def addrs(root):
        if root not in addr:
            t = (lines[root], houses[root], zips[root], streets[root])
            addr[root] = [t] if any(t) else []
        return addr[root]

    def lics(root):
        if root not in lic:
            lic[root] = {sources[root]: licenses[root]} if licenses[root] is not None else {}
        return lic[root]

    order = edges.assign(_rank=edges["rule"].map(RULE_RANK)).sort_values(
        ["_rank", "strength", "l", "r"], ascending=[True, False, True, True], kind="stable")
    accepted = np.zeros(len(order), dtype=bool)
    for i, (l, r) in enumerate(zip(order["l"].to_numpy(), order["r"].to_numpy())):
        a, b = find(l), find(r)
        if a == b:
            accepted[i] = True
            continue
        la, lb = lics(a), lics(b)
        if cfg.license_cannot_link and any(s in lb and lb[s] != v for s, v in la.items()):
            continue
        aa, ab = addrs(a), addrs(b)
        if not all(keys.address_compatible(x, y) for x in aa for y in ab):
            continue
        if len(aa) < len(ab):
            a, b = b, a
            aa, ab, la, lb = ab, aa, lb, la
        parent[b] = a
        aa.extend(t for t in ab if t not in aa)
        la.update(lb)
        accepted[i] = True
        addr.pop(b, None)
        lic.pop(b, None)
    roots = np.array([find(x) for x in range(n)])
    return roots, order[accepted].drop(columns="_rank")
