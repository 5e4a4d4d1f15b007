"""Asset checks: visible in the UI, blocking where data would be harmed, alerting when they fail.

Per delivery (``source.py``, partitioned like the source's chain):

| asset | check | severity | blocks |
|---|---|---|---|
| ``<source>/raw`` | ``schema_drift``: a required mapped column missing | ERROR | yes |
| ``<source>/raw`` | ``schema_drift``: renamed / missing optional columns | WARN | no |
| ``<source>/raw`` | ``row_count_vs_previous``: rows dropped more than ``max_row_drop_share`` | ERROR | yes (override ``allow_row_drop``) |
| ``<source>/normalized`` | ``quarantine_share``: any quarantined record | WARN | no |
| ``<source>/normalized`` | ``null_rates``: a column's null rate up by more than ``max_null_rate_increase`` | WARN | no |
| ``<source>/deduped`` | ``record_key_unique``: null or repeated ``_record_key`` | ERROR | yes |
| ``<source>/deduped`` | ``delete_guard``: would soft-delete more than ``max_delete_share`` | ERROR | yes (override ``allow_mass_delete``) |

Each is evaluated in its asset's own step (``InStepChecks``: ``check_specs`` on the asset); the two
overridable guards read their override from the asset's run config (``<source>__raw`` /
``<source>__deduped``).

Warehouse-wide (``warehouse.py``): ``warehouse/leads`` ``lead_ids_unique`` and
``records_resolved_once`` (ERROR, non-blocking) and ``<source>/warehouse`` ``freshness`` (WARN,
nightly). The rules themselves are plain functions in ``rules.py``.
"""

from etl_assets.orchestration.checks.source import DeleteGuardConfig, InStepChecks, RowDropConfig
from etl_assets.orchestration.checks.warehouse import (
    FRESHNESS_JOB,
    build_freshness_checks,
    build_freshness_job,
    build_leads_checks,
)

__all__ = ["FRESHNESS_JOB", "DeleteGuardConfig", "InStepChecks", "RowDropConfig", "build_freshness_checks", "build_freshness_job",
           "build_leads_checks"]
