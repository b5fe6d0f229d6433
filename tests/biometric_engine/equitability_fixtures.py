"""Reports built by the core's own functions from synthetic scores (no images needed), and a
small real LFW subset for the commands. Group labels are arbitrary letters assigned here: they
stand for no demographic claim about anyone."""

import numpy as np

from biometric_engine.core.identification import IdentificationSearches, equitability_report
from biometric_engine.engine import default_model_version

# People with two or more images that the core's stable split enrols, people it does not, and
# people with one image: a watchlist of six with mated and non-mated searches in both groups.
ENROLLED = [
    "Abel_Pacheco",
    "Akhmed_Zakayev",
    "Angela_Lansbury",
    "Anthony_Fauci",
    "Antony_Leung",
    "Augusto_Pinochet",
]
NOT_ENROLLED = ["Amber_Tamblyn", "Anwar_Ibrahim"]
SINGLE = ["Abdel_Madi_Shabneh", "Abdul_Rahman", "Afton_Smith", "Ahmad_Jbarah"]
SUBSET = ENROLLED + NOT_ENROLLED + SINGLE


def arbitrary_groups(identities: list[str]) -> dict[str, str]:
    """Alternate A and B down the list: arbitrary labels for the per-group machinery."""
    return {identity: "AB"[n % 2] for n, identity in enumerate(identities)}


def link_subset(lfw_dir, folder):
    """The subset as a Name/*.jpg folder of links to the sample (nothing copied)."""
    folder.mkdir()
    for identity in SUBSET:
        (folder / identity).symlink_to(lfw_dir / identity, target_is_directory=True)
    return folder


def write_groups_csv(path, groups: dict[str, str]):
    path.write_text("identity,group\n" + "".join(f"{i},{g}\n" for i, g in groups.items()))
    return path


def synthetic_report(
    thresholds=(0.3, 0.5, 0.75),
    *,
    groups: bool = True,
    model: str | None = None,
    b_highest: float = 0.70,
    non_mated: int = 1000,
) -> dict:
    """A report from the core's equitability_report on scores chosen so that group B's FPIR is
    far higher than A's below ``b_highest`` (0.7) and both are zero above it: with the default
    rule (|FPIR difference| shown within 0.02 at 95 %) and ``non_mated`` (1,000) searches a
    group, the minimum is the first threshold above it. One grouping, ``letters``."""
    a_non_mated = np.linspace(0.10, 0.50, non_mated)
    b_non_mated = np.linspace(0.30, b_highest, non_mated)
    mated = np.full(200, 0.80)
    searches = IdentificationSearches(
        watchlist_size=200,
        mated_identities=[f"a{n}" for n in range(100)] + [f"b{n}" for n in range(100)],
        mated_scores=mated,
        mated_ranks=np.ones(200, dtype=int),
        non_mated_identities=[f"x{n}" for n in range(non_mated)]
        + [f"y{n}" for n in range(non_mated)],
        non_mated_top_scores=np.concatenate([a_non_mated, b_non_mated]),
    )
    groupings = None
    if groups:
        labels = {f"a{n}": "A" for n in range(100)} | {f"b{n}": "B" for n in range(100)}
        labels |= {f"x{n}": "A" for n in range(non_mated)}
        labels |= {f"y{n}": "B" for n in range(non_mated)}
        groupings = {"letters": labels}
    return equitability_report(
        searches, list(thresholds), model=model or default_model_version(), groupings=groupings
    )
