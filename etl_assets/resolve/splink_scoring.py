"""Probabilistic pass of lead resolution: Splink 5 on its DuckDB backend.

Splink scores exactly the candidate pairs the deterministic pass left open (we register them with
``linker.table_management.register_blocked_pairs_for_predict``), so the model never re-scores a
pair that a rule already settled and never sees pairs outside the blocks (phone, address line,
zip + name token, city + name token, email; see ``resolve.candidate_pairs``).

Model (``_comparisons``): name and name core (term-frequency adjusted exact, Jaro-Winkler,
Jaccard), house number and street separately, zip, city (soft, term frequencies), phone, email.
``u`` probabilities are estimated with ``estimate_u_using_random_sampling`` over all records; ``m``
probabilities start from the values below and, with ``ResolveConfig.splink_em`` (default) and at
least ``splink_em_min_records`` records, are estimated by EM on the data itself (blocked on phone,
then on zip + name core; ``resolve_training`` chooses, bounds and guards the sessions). Below that,
EM on a handful of records is unstable and the starting values stand. Comparisons on a column no
record fills are left out.
The prior (probability that two random records match) comes from the deterministic pass.
Every connection is ``spill.connect``'s: a memory limit, spill files under the storage directory.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field

import pandas as pd

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from etl_assets.resolve import training
from etl_assets.warehouse import spill

log = logging.getLogger(__name__)

SPLINK_COLUMNS = ["unique_id", "name_sorted", "name_core", "addr_line", "house", "street", "phone", "email", "zip",
                  "city"]


def _comparisons() -> list:
    """Name (token-sorted full name and its core: exact with term frequencies, Jaro-Winkler, Jaccard),
    street (house number, the whole token of ``resolve_keys.house_token`` that blocks and the cluster
    constraint read too, and street separately), zip, city (soft: exact with term frequencies, so
    a common city weighs little), phone, email. The m values are starting points for EM."""
    name = cl.CustomComparison(
        output_column_name="name_sorted",
        comparison_levels=[
            cll.NullLevel("name_sorted"),
            cll.ExactMatchLevel("name_sorted", term_frequency_adjustments=True),
            cll.JaroWinklerLevel("name_sorted", 0.95),
            cll.JaroWinklerLevel("name_sorted", 0.88),
            cll.JaccardLevel("name_sorted", 0.6),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.55, 0.25, 0.1, 0.05, 0.05])
    core = cl.CustomComparison(
        output_column_name="name_core",
        comparison_levels=[
            cll.NullLevel("name_core"),
            cll.ExactMatchLevel("name_core", term_frequency_adjustments=True),
            cll.JaroWinklerLevel("name_core", 0.9),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.8, 0.1, 0.1])
    house = cl.ExactMatch("house").configure(m_probabilities=[0.9, 0.1])
    street = cl.CustomComparison(
        output_column_name="street",
        comparison_levels=[
            cll.NullLevel("street"),
            cll.ExactMatchLevel("street"),
            cll.JaroWinklerLevel("street", 0.9),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.8, 0.15, 0.05])
    phone = cl.ExactMatch("phone").configure(m_probabilities=[0.9, 0.1])
    email = cl.ExactMatch("email").configure(m_probabilities=[0.8, 0.2])
    zip_ = cl.ExactMatch("zip").configure(m_probabilities=[0.95, 0.05])
    city = cl.CustomComparison(
        output_column_name="city",
        comparison_levels=[cll.NullLevel("city"), cll.ExactMatchLevel("city", term_frequency_adjustments=True),
                           cll.ElseLevel()],
    ).configure(m_probabilities=[0.85, 0.15])
    return [name, core, house, street, phone, email, zip_, city]


COMPARED = ("name_sorted", "name_core", "house", "street", "phone", "email", "zip", "city")  # _comparisons' columns


TF_COLUMNS = ("name_sorted", "name_core", "city")  # the comparisons with term-frequency adjustments


@dataclass(frozen=True)
class SplinkModel:
    """A trained model: Splink's settings with the estimated m and u (and the prior), and the term
    frequency tables of the records it was trained on. Kept with the leads so that a refresh scores
    pairs with the same model whichever records it resolves (``resolve_model``): a value the
    tables lack is scored without a term-frequency adjustment."""

    settings: dict
    tf_tables: dict[str, pd.DataFrame]  # column -> DataFrame(<column>, tf_<column>)
    report: dict = field(default_factory=dict, compare=False)  # how it was trained (resolve_training), not stored


def _settings(prior: float, columns: set[str] | None = None) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[c for c, name in zip(_comparisons(), COMPARED) if columns is None or name in columns],
        # documentation of the blocks; the candidate pairs themselves are registered for predict
        blocking_rules_to_generate_predictions=[block_on("phone"), block_on("addr_line"), block_on("zip")],
        probability_two_random_records_match=min(max(prior, 1e-9), 0.5),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def train_splink(records: pd.DataFrame, *, prior: float, u_max_pairs: float, seed: int, use_em: bool = False,
                 em_min_records: int = 1_000, em_max_pairs: float = 1e6,
                 previous: dict | None = None) -> SplinkModel | None:
    """u by random sampling over ``records`` (SPLINK_COLUMNS), m by EM when there are enough records.

    ``previous``: the stored model's settings, whose m values serve a comparison no EM session can
    estimate. None when no record fills any compared column."""
    report = training.TrainingReport()
    with spill.connect() as con:
        db_api = DuckDBAPI(connection=con)
        sdf = db_api.register(records[SPLINK_COLUMNS], dataset_display_name="leads_records")
        filled = training.filled_columns(con, sdf.physical_name, list(COMPARED))
        report.left_out = [c for c in COMPARED if c not in filled]
        if not filled:
            return None
        linker = Linker(sdf, _settings(prior, filled), log_level=logging.WARNING)
        n = len(records)
        # every pair fits in the sample: one pass over them (Splink's chunked probing would make
        # ~90 passes over a few dozen records before giving up on its minimum counts per level)
        chunks = 1 if n * (n - 1) / 2 <= u_max_pairs else 10
        linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed, num_chunks=chunks)
        settings = training.clamp(_without_uid(linker.misc.save_model_to_json()), report.clamped)
        if use_em and len(records) >= em_min_records:
            settings = training.em_train(lambda s: Linker(sdf, copy.deepcopy(s), log_level=logging.WARNING),
                                         con, sdf.physical_name, settings, max_pairs=em_max_pairs,
                                         previous=previous, report=report)
        else:
            report.warnings.append(f"{n:,} records: fewer than {em_min_records:,}, or EM off; starting m values")
            report.m_from = {c["output_column_name"]: "default" for c in settings["comparisons"]}
        linker = Linker(sdf, copy.deepcopy(settings), log_level=logging.WARNING)
        tf = {c: linker.table_management.compute_tf_table(c).as_pandas_dataframe() for c in TF_COLUMNS if c in filled}
        return SplinkModel(settings=settings, tf_tables=tf, report=report.as_dict())


def _without_uid(settings: dict) -> dict:
    settings.pop("linker_uid", None)  # a random name per linker: the same training stores the same model
    return settings


def splink_score(records: pd.DataFrame, pairs: pd.DataFrame, model: SplinkModel) -> pd.DataFrame:
    """Score ``pairs`` (columns ``l``, ``r``: unique ids, l < r) of ``records`` (SPLINK_COLUMNS) with ``model``.

    Returns ``l``, ``r``, ``match_probability``, ``match_weight`` for every pair given.
    """
    if pairs.empty:
        return pd.DataFrame({"l": [], "r": [], "match_probability": [], "match_weight": []})
    with spill.connect() as con:
        db_api = DuckDBAPI(connection=con)
        sdf = db_api.register(records[SPLINK_COLUMNS], dataset_display_name="leads_records")
        linker = Linker(sdf, training.clamp(model.settings), log_level=logging.WARNING)  # a model stored before the clamp
        compared = {c["output_column_name"] for c in model.settings["comparisons"]}
        for column, table in model.tf_tables.items():
            if column not in compared:
                continue
            tf_sdf = db_api.register(table, dataset_display_name=f"tf_lookup_{column}")
            linker.table_management.register_term_frequency_lookup(tf_sdf, column)
        blocked = pd.DataFrame({
            "match_key": "0",
            "join_key_l": pairs["l"].astype("int64").to_numpy(),
            "join_key_r": pairs["r"].astype("int64").to_numpy(),
        })
        blocked_sdf = db_api.register(blocked, dataset_display_name="resolve_open_pairs")
        linker.table_management.register_blocked_pairs_for_predict(blocked_sdf)
        pred = linker.inference.predict(warning_mode="never")
        return pred.as_duckdbpyrelation().select(
            "unique_id_l AS l, unique_id_r AS r, match_probability, match_weight"
        ).df()
