"""Onboarding as a user does it: propose-mapping, then check-mapping, with no edit between."""

from __future__ import annotations

from etl_assets.cli import main as cli


def propose_and_check(registries, mappings_dir, capsys) -> tuple[dict[str, str], dict[str, str]]:
    """``propose-mapping`` then ``check-mapping`` for each registry, with no edit between: the proposals
    (as written into ``mappings_dir``) and the check reports, by source."""
    proposals, reports = {}, {}
    for source, r in registries.items():
        assert cli(["propose-mapping", str(r.path), "--source", source]) == 0, capsys.readouterr().err
        proposals[source] = (mappings_dir / f"{source}.yaml").read_text()
        capsys.readouterr()
        assert cli(["check-mapping", source, str(r.path)]) == 0, capsys.readouterr().out
        reports[source] = capsys.readouterr().out
    return proposals, reports
