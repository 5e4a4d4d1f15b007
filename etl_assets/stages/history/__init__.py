"""SCD type 2 history of each source (tables declared in ``etl_assets.warehouse.tables``).

Every delivery of a registry is a *full refresh*: it holds every record the registry still lists.
A delivery is compared with its source's state as of the previous delivery, deliveries of a source
ordered by ``(delivery_date, delivery_key)`` (``diff.py``: insert / update / delete / revive).

``source_history`` holds one row per version: ``valid_from`` is the delivery date of the delivery
that produced it, ``valid_to`` the next version's ``valid_from`` (NULL while current); a delete is a
new version with ``is_deleted`` that copies the last values (dbt snapshots' ``hard_deletes:
new_record``). Versions carry the producing delivery's lineage; no wall-clock time is stored there.
``source_snapshots`` + ``source_values`` keep every applied delivery's records (each delivery as its
change against the previous one, ``snapshots.py``; values content-addressed by row hash), which is
what makes late and replayed deliveries exact: the history
is a function of the *set* of deliveries, whatever order they arrive in (``apply.py``). Each
applied delivery's counts are its row of the load log ``deliveries``.

Modules: ``schema.py`` (business columns, growing the tables, row hash), ``diff.py`` (the change
rule, counts, preview), ``versions.py`` (writing one delivery's versions), ``snapshots.py`` (the
stored deliveries), ``apply.py`` (in order, or rewind + replay). The SQL is portable: it runs on
DuckDB and in the PostgreSQL server alike. Identifiers are quoted, values are bound parameters.
"""

from etl_assets.records import RECORD_KEY, business_columns
from etl_assets.stages.history.apply import AppliedDelivery, apply_delivery
from etl_assets.stages.history.diff import CHANGE_TYPES, ChangeCounts, preview_delivery
from etl_assets.warehouse.tables import CURRENT, DELIVERIES, HISTORY, SCHEMA, SNAPSHOTS, VALUES

__all__ = [
    "CHANGE_TYPES", "CURRENT", "DELIVERIES", "HISTORY", "RECORD_KEY", "SCHEMA", "SNAPSHOTS", "VALUES",
    "AppliedDelivery", "ChangeCounts", "apply_delivery", "business_columns", "preview_delivery",
]
