"""Splink, configured as its documentation suggests, on the bulk-linkage columns.

Used by ``bench/linkage_public.py`` only (Splink is a ``bench`` extra, never a runtime
dependency). Unsupervised like ours: λ from a deterministic rule (recall 0.7), u by
random sampling, m by EM on two blocking rules, term-frequency adjustments on names.
A pair is a ``match`` from match probability 0.5 (the Bayes decision: more likely a
match than not), ``review`` from 0.01.
"""

import logging
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.identity.records import PersonRecord

__all__ = ["MATCH_PROBABILITY", "REVIEW_PROBABILITY", "splink_link"]

MATCH_PROBABILITY = 0.5
REVIEW_PROBABILITY = 0.01
_COLUMNS = ("given_name", "family_name", "date_of_birth", "sex", "postcode", "nhs_number", "upn")
Pair = tuple[str, str]


def _frame(records: list[PersonRecord]) -> Any:
    import pandas as pd  # the bench extra: only when Splink runs

    rows = []
    for r in records:
        row: dict[str, object] = {"unique_id": r.record_id}
        for col in _COLUMNS:
            value = getattr(r, col)
            row[col] = None if value is None else str(value).strip().lower() or None
        address = (r.address or "").lower()
        row["address_tokens"] = sorted(set(re.findall(r"[a-z0-9]+", address))) or None
        rows.append(row)
    return pd.DataFrame(rows)


def _present(frames: list[Any], column: str) -> bool:
    return any(f[column].notna().sum() > 10 for f in frames)


def _settings(frames: list[Any], dedupe: bool) -> object:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y-%m-%d"),
        cl.DamerauLevenshteinAtThresholds("postcode", [1]),
        cl.ArrayIntersectAtSizes("address_tokens", [4, 3, 2, 1]),
    ]
    rules = [block_on("given_name"), block_on("family_name"), block_on("date_of_birth"),
             block_on("postcode")]  # fmt: skip
    for col in ("sex", "nhs_number", "upn"):
        if _present(frames, col):
            comparisons.append(cl.ExactMatch(col))
            if col != "sex":
                rules.append(block_on(col))
    return SettingsCreator(
        link_type="dedupe_only" if dedupe else "link_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=rules,
        retain_intermediate_calculation_columns=False,
    )


def splink_link(
    files: list[list[PersonRecord]], dedupe: bool
) -> tuple[list[Pair], list[Pair], list[Pair]]:
    """Match pairs, review pairs and every candidate pair, after unsupervised training."""
    from splink import DuckDBAPI, Linker, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    frames = [_frame(f) for f in files]
    db = DuckDBAPI()
    tables = [db.register(f) for f in frames]
    linker = Linker(tables if len(tables) > 1 else tables[0], _settings(frames, dedupe))
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "date_of_birth")], recall=0.7
    )
    training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "family_name")
    )
    training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    scored = linker.inference.predict().as_pandas_dataframe()
    pairs = list(zip(scored["unique_id_l"], scored["unique_id_r"], strict=True))
    p = scored["match_probability"].tolist()
    matches = [pair for pair, prob in zip(pairs, p, strict=True) if prob >= MATCH_PROBABILITY]
    reviews = [
        pair for pair, prob in zip(pairs, p, strict=True)
        if REVIEW_PROBABILITY <= prob < MATCH_PROBABILITY
    ]  # fmt: skip
    return matches, reviews, pairs


if __name__ == "__main__":
    print("used by bench/linkage_public.py (Splink beside the project's matcher)")
