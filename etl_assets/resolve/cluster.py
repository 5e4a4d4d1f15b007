"""Constrained clustering of accepted pairs (union-find with cannot-link checks on whole clusters)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from etl_assets.resolve import keys
from etl_assets.resolve.columns import objects
from etl_assets.resolve.pairs import RULE_RANK
from etl_assets.resolve.sites import SITE_RULE


if TYPE_CHECKING:
    from etl_assets.resolve.config import ResolveConfig


def cluster(prep: pd.DataFrame, edges: pd.DataFrame, cfg: ResolveConfig,
            cannot_link: list[tuple[int, int]] = ()) -> tuple[np.ndarray, pd.DataFrame]:
    """Constrained union-find over edges (strongest first). Returns root per uid and accepted edges.

    A reviewer's accepts (rule ``review:accept``) come first and skip the address and license
    constraints (a person looked); a reviewer's rejects (``cannot_link`` uid pairs) hold for whole
    clusters: two clusters holding the two records of a rejected pair never merge. A site edge
    (``resolve_sites``) may join two licenses of one registry, no other edge may; the address
    constraint holds for every edge but a reviewer's."""
    n = len(prep)
    parent = np.arange(n)
    rejected: dict[int, set[int]] = {}
    for a, b in cannot_link:
        rejected.setdefault(a, set()).add(b)
        rejected.setdefault(b, set()).add(a)
    members: dict[int, set[int]] = {u: {u} for u in rejected}  # root -> its records that have rejects
    addr = {}  # root -> list of address tuples
    lic = {}  # root -> {source: its licenses}
    lines, houses, zips, streets, states = (objects(prep[c]) for c in ("addr_line", "house", "zip", "street", "state"))
    sources, licenses = objects(prep["source"]), objects(prep["license"])

    def find(x):
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def addrs(root):
        if root not in addr:
            t = (lines[root], houses[root], zips[root], streets[root], states[root])
            addr[root] = [t] if any(t) else []
        return addr[root]

    def lics(root):
        if root not in lic:
            lic[root] = {sources[root]: {licenses[root]}} if licenses[root] is not None else {}
        return lic[root]

    order = edges.assign(_rank=edges["rule"].map(RULE_RANK)).sort_values(
        ["_rank", "strength", "l", "r"], ascending=[True, False, True, True], kind="stable")
    accepted = np.zeros(len(order), dtype=bool)
    order_rules = order["rule"].to_numpy()
    for i, (l, r) in enumerate(zip(order["l"].to_numpy(), order["r"].to_numpy())):
        a, b = find(l), find(r)
        if a == b:
            accepted[i] = True
            continue
        ma, mb = members.get(a, set()), members.get(b, set())
        if any(find(p) == b for u in ma for p in rejected[u]) or any(find(p) == a for u in mb for p in rejected[u]):
            continue
        la, lb = lics(a), lics(b)
        reviewed = order_rules[i] == "review:accept"
        one_site = reviewed or order_rules[i] == SITE_RULE
        if not one_site and cfg.license_cannot_link and any(s in lb and lb[s] != v for s, v in la.items()):
            continue
        aa, ab = addrs(a), addrs(b)
        if not reviewed and not all(keys.address_compatible(x, y) for x in aa for y in ab):
            continue
        if len(aa) < len(ab):
            a, b = b, a
            aa, ab, la, lb = ab, aa, lb, la
        parent[b] = a
        aa.extend(t for t in ab if t not in aa)
        for s, v in lb.items():
            la[s] = la.get(s, set()) | v
        accepted[i] = True
        addr.pop(b, None)
        lic.pop(b, None)
        if ma or mb:
            members[a] = ma | mb
            members.pop(b, None)
    roots = np.array([find(x) for x in range(n)])
    return roots, order[accepted].drop(columns="_rank")
