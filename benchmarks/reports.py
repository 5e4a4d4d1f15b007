"""Markdown tables of the foundation benchmarks' results, and the README's latest-results block."""

from __future__ import annotations

import os
import statistics
import subprocess
from typing import Any

from benchmarks.generate import PROJECT_ROOT

from benchmarks.foundation import LATEST_END, LATEST_START, MIB, README_FILE


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def _fmt_n(x: float) -> str:
    return f"{x:,.0f}"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _p90(values: list[float]) -> float:
    values = sorted(values)
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def report_floor(floor: dict, gen: dict) -> str:
    rows = [
        ["input", f"{gen['source']}, {_fmt_n(gen['rows'])} rows, {gen['bytes'] / MIB:.1f} MiB, {gen['encoding']} (generated in {_fmt_s(gen['seconds'])} s)"],
        ["DuckDB read_csv → table (median of %d)" % len(floor["all_seconds"]), f"{_fmt_s(floor['seconds'])} s ({', '.join(_fmt_s(s) for s in floor['all_seconds'])}); {floor['threads']} threads; DuckDB {floor['duckdb']}"],
        ["floor rows/s", _fmt_n(floor["rows"] / floor["seconds"])],
        ["floor peak RSS (own process)", f"{floor['peak_rss_mib']:.0f} MiB"],
    ]
    text = "### floor\n\n" + _table(["what", "value"], rows)
    if floor["note"]:
        text += f"\n\nNote: {floor['note']}."
    return text


def report_one_delivery(r: dict, floor: dict) -> str:
    ratio = r["end_to_end_s"] / floor["seconds"]
    rows = [
        ["upload to S3 (not in end-to-end)", _fmt_s(r["upload_s"]), "", "", ""],
    ]
    for stage, stat in r["steps"].items():
        seconds = stat["seconds"]
        rows.append(
            [
                f"step `{stage}`",
                _fmt_s(seconds),
                _fmt_n(r["rows"] / seconds) if seconds else "–",
                f"{seconds / floor['seconds']:.1f}x" if seconds else "–",
                f"{stat['peak_rss_mib']:.0f}" if stat["peak_rss_mib"] else "–",
            ]
        )
    rows += [
        ["source chain run (materialize call)", _fmt_s(r["chain_s"]), _fmt_n(r["rows"] / r["chain_s"]), f"{r['chain_s'] / floor['seconds']:.1f}x", ""],
        ["warehouse/leads run (materialize call)", _fmt_s(r["leads_s"]), "", "", ""],
        [
            "**end-to-end** (chain + leads)",
            f"**{_fmt_s(r['end_to_end_s'])}**",
            f"**{_fmt_n(r['rows'] / r['end_to_end_s'])}**",
            f"**{ratio:.1f}x**",
            f"**{r['peak_rss_mib']:.0f}** (ru_maxrss)",
        ],
        ["floor: DuckDB read_csv", _fmt_s(floor["seconds"]), _fmt_n(floor["rows"] / floor["seconds"]), "1.0x", f"{floor['peak_rss_mib']:.0f}"],
    ]
    counts = r["counts"]
    summary = ", ".join(f"{k}={counts[k]}" for k in ("rows_read", "rows_quarantined", "rows_written", "inserted") if k in counts)
    verdict_t = "met" if ratio <= 10 else "NOT met"
    verdict_m = "met" if r["peak_rss_mib"] < 2048 else "NOT met"
    return (
        f"### one_delivery ({r['source']}, {_fmt_n(r['rows'])} rows, {r['bytes'] / MIB:.1f} MiB)\n\n"
        + _table(["stage", "seconds", "rows/s", "x floor", "peak RSS MiB"], rows)
        + f"\n\nWarehouse: {summary}; leads rows={r['leads_rows']}. Step peak RSS is sampled every 50 ms inside the step's window."
        + f"\nGoal end-to-end ≤ 10x floor: **{verdict_t}** ({ratio:.1f}x); peak RSS < 2 GiB: **{verdict_m}** ({r['peak_rss_mib']:.0f} MiB)."
    )


def report_normalize(r: dict, floor: dict) -> str:
    ratio = r["normalize_s"] / floor["seconds"]
    total = r["normalize_s"]
    rows = [[f"`{label}`", _fmt_s(s), f"{100 * s / total:.1f}%"] for label, s in r["per_field"]]
    parts = r["parts"]
    instrumented = sum(parts.values())
    rows += [
        ["all transforms (`apply_transform_distinct`)", _fmt_s(parts.get("apply_transform_distinct", 0)), f"{100 * parts.get('apply_transform_distinct', 0) / total:.1f}%"],
        ["type casts (`_cast`, every leads column)", _fmt_s(parts.get("_cast", 0)), f"{100 * parts.get('_cast', 0) / total:.1f}%"],
        ["pandera validation (`_validate`)", _fmt_s(parts.get("_validate", 0)), f"{100 * parts.get('_validate', 0) / total:.1f}%"],
        ["`_extras`/`_raw_record` JSON (`_json_records`)", _fmt_s(parts.get("_json_records", 0)), f"{100 * parts.get('_json_records', 0) / total:.1f}%"],
        ["rest (reasons, record key, concat)", _fmt_s(total - instrumented), f"{100 * (total - instrumented) / total:.1f}%"],
        [f"**normalize_file total** ({_fmt_n(r['rows'] / total)} rows/s, **{ratio:.1f}x floor**)", f"**{_fmt_s(total)}**", "100%"],
        ["(before: download + land_to_file, not in the ratio)", _fmt_s(r["read_s"]), ""],
    ]
    verdict = "met" if ratio <= 20 else "NOT met"
    verdict_m = "met" if r["peak_rss_mib"] < 2048 else "NOT met"
    return (
        f"### normalize_stage ({r['source']}, {_fmt_n(r['rows'])} rows)\n\n"
        + _table(["part", "seconds", "share"], rows)
        + f"\n\nQuarantined rows: {r['quarantined']}. RSS after landing the raw file: {r['rss_after_read_mib']:.0f} MiB; "
        + f"peak RSS (ru_maxrss): {r['peak_rss_mib']:.0f} MiB."
        + (f" Dagster events per delivery run: {statistics.median(events):.0f} (median)." if events else "")
        + f"\nGoal normalize ≤ 20x floor: **{verdict}** ({ratio:.1f}x); peak RSS < 2 GiB: **{verdict_m}**."
    )


def report_small(r: dict) -> str:
    ok = [d for d in r["deliveries"] if d["success"]]
    per = [d["seconds"] for d in ok]
    rows = [["whole delivery run (materialize call, 4 stages + checks)", _fmt_s(statistics.median(per)), _fmt_s(_p90(per)), _fmt_s(max(per))]] if per else []
    step_names: list[str] = []
    for d in ok:
        for name in d["steps"]:
            if name not in step_names:
                step_names.append(name)
    for name in step_names:
        values = [d["steps"][name]["seconds"] for d in ok if name in d["steps"] and d["steps"][name]["seconds"] is not None]
        if values:
            rows.append([f"step `{name}`", _fmt_s(statistics.median(values)), _fmt_s(_p90(values)), _fmt_s(max(values))])
    if r["leads"]:
        rows.append(["warehouse/leads run (once per cycle)", _fmt_s(r["leads"]["seconds"]), "", ""])
    for shape, label in (("separate", "floor: no-op chain, 7 steps (4 assets, 3 checks in steps of their own)"),
                         ("in_step", "floor: no-op chain, 4 steps (4 assets, 6 checks in their steps)")):
        floor = (r.get("floor") or {}).get(shape)
        if floor:
            rows.append([label, _fmt_s(statistics.median(floor)), _fmt_s(_p90(floor)), _fmt_s(max(floor))])
    med = statistics.median(per) if per else float("nan")
    verdict = "met" if per and med < 2 else "NOT met"
    failed = len(r["deliveries"]) - len(ok)
    events = [d["events"] for d in ok if "events" in d]
    return (
        f"### small_deliveries ({r['count']} deliveries × {r['rows']} rows, round-robin over {', '.join(r['sources'])}; headless `run_ingest_cycle`)\n\n"
        + _table(["seconds per delivery", "median", "p90", "max"], rows)
        + f"\n\nCycle: {_fmt_s(r['cycle_s'])} s for {len(r['deliveries'])} deliveries + leads (exit code {r['rc']}, failed runs: {failed}); "
        + f"peak RSS (ru_maxrss): {r['peak_rss_mib']:.0f} MiB."
        + (f" Dagster events per delivery run: {statistics.median(events):.0f} (median)." if events else "")
        + f"\nGoal median < 2 s per delivery: **{verdict}** ({_fmt_s(med)} s)."
    )


def _nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(os.cpu_count())


def _git_head() -> str:
    try:
        out = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--", "etl_assets", "mappings"], capture_output=True, text=True).stdout.strip()
        return out.stdout.strip() + (" (with uncommitted changes in etl_assets/ or mappings/)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def update_readme(results: str) -> None:
    """Copy the results (without their title) between the markers of benchmarks/README.md."""
    readme = README_FILE.read_text()
    if LATEST_START not in readme or LATEST_END not in readme:
        return
    body = results.split("\n", 1)[1].strip().replace("\n### ", "\n#### ")
    head, rest = readme.split(LATEST_START, 1)
    _, tail = rest.split(LATEST_END, 1)
    README_FILE.write_text(f"{head}{LATEST_START}\n{body}\n{LATEST_END}{tail}")

