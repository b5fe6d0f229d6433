"""Near-identical justification text, as an inspector would flag a copied necessity statement.

Texts are normalised (case, punctuation, whitespace) and compared as sets of word 5-grams
(Jaccard). Short texts use word 3-grams so a copied two-line statement is still caught.
"""

import re

NEAR_DUPLICATE = 0.8
_WORD = re.compile(r"[a-z0-9]+")


def shingles(text: str) -> frozenset[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    size = 5 if len(words) >= 40 else 3
    if len(words) < size:
        return frozenset({tuple(words)}) if words else frozenset()
    return frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of two texts' shingles, 0.0 (nothing shared) to 1.0 (same words)."""
    left, right = shingles(a), shingles(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)
