"""The knobs of lead resolution, apart from the stage so every resolve module can name them."""

from __future__ import annotations

from dataclasses import dataclass

from etl_assets.records import INGESTED_AT


@dataclass
class ResolveConfig:
    """Knobs of lead resolution; every field has a default (the platform may load them from YAML)."""

    name_threshold: float = 90.0  # token_set_ratio (0-100) for the deterministic name rules
    address_similarity: float = 90.0  # rapidfuzz ratio of address lines (same house number) = "close"
    related_name_threshold: float = 80.0  # below this (name core, token_set_ratio) two names are unrelated (chosen on train: the largest value without a recall loss)
    evidence_name_threshold: float = 80.0  # name agreement counted as evidence for the Splink guard
    site_name_threshold: float = 90.0  # name (token_set_ratio, full name or core) that makes two licenses at one site one provider (resolve_sites)
    # rules that link without Splink (the others only estimate the prior). None: the self-linking
    # rules (resolve_model.SELF_LINKING_RULES) once Splink can learn m by EM (>= splink_em_min_records
    # records), every rule below that
    deterministic_rules: tuple[str, ...] | None = None
    splink_match_probability: float = 0.9  # accept a Splink pair at or above this probability
    review_min_probability: float = 0.5  # Splink pairs from here up to splink_match_probability go to lead_review
    review_name_floor: float = 40.0  # co-located pairs (phone + address, vetoed names) this similar go to review
    use_splink: bool = True
    splink_em: bool = True  # m by EM on the data (blocked on phone, then zip + name core)
    splink_em_min_records: int = 1_000  # below this many records the starting m values stand
    u_max_pairs: float = 2e6  # estimate_u_using_random_sampling sample size
    splink_em_max_pairs: float = 1e6  # an EM session blocking more pairs than this is sampled down to about this many
    det_recall_assumption: float = 0.7  # prior = deterministic pairs / recall / all pairs
    max_block_size: int = 100  # candidate blocks larger than this are skipped and reported (license blocks: below)
    max_license_block: int = 1_000  # a license number on more records of one source than this is not a key
    max_identifier_share: int = 5  # an email on more records than this is not evidence
    license_cannot_link: bool = True  # two licenses of one registry are two providers
    seed: int = 42
    # a refresh retrains the model (resolve_model) once the live records outgrow this many times the
    # records it was trained on (so a model learnt on a first sample does not serve a million records)
    retrain_growth: float = 2.0
    # survivorship: per column, first non-null value in (source priority, most recent, most complete)
    source_priority: tuple[str, ...] = ("nevada", "oklahoma", "texas", "salesforce")
    recency_column: str | None = INGESTED_AT  # newer wins among equal priority; ignored if absent
    crm_source: str = "salesforce"
    lead_columns: tuple[str, ...] | None = None  # None = every non-underscore column of the input
