"""English number words and their digits, "four thousand and twelve" -> "4012": a small
translation task (generated here; no source, no licence needed)."""
from __future__ import annotations

from .base import ListDataset, permutation

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_to_words(n: int) -> str:
    """British-style words for 0 <= n < 1,000,000: 4012 -> 'four thousand and twelve'."""
    if not 0 <= n < 1_000_000:
        raise ValueError(f"number_to_words: expected 0 <= n < 1000000, got {n}")
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " and "
                                               + number_to_words(rest))
    rest = n % 1000
    head = number_to_words(n // 1000) + " thousand"
    if rest == 0:
        return head
    return head + (" and " if rest < 100 else " ") + number_to_words(rest)


def number_words(high: int = 10000, n_train: int = 4000, n_test: int = 1000, seed: int = 0):
    """(train, test) datasets of (words: str, digits: str) for distinct numbers drawn from
    [0, high); no number appears in both, so the test numbers are never seen in training."""
    if n_train + n_test > high:
        raise ValueError(f"number_words: {n_train} + {n_test} distinct numbers need high >= "
                         f"{n_train + n_test}, got {high}")
    order = permutation(high, seed)
    pairs = [(number_to_words(n), str(n)) for n in order[:n_train + n_test]]
    return ListDataset(pairs[:n_train]), ListDataset(pairs[n_train:])
