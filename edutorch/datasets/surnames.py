"""Surnames labelled by language, from the per-locale name lists that ship inside Faker.

PyTorch's tutorial "NLP from scratch: classifying names with a character-level RNN" downloads
surname lists of 18 languages; these come instead from Faker's wheel
(``faker/providers/person/<locale>/__init__.py``, ``Provider.last_names``; Faker is MIT
licensed), so nothing is downloaded. Names are lowercased; duplicates within a language and
names listed for several languages are dropped.
"""
from __future__ import annotations

import importlib

from .base import split

# language -> Faker locale
LANGUAGES = {"English": "en_US", "German": "de_DE", "French": "fr_FR", "Italian": "it_IT",
             "Spanish": "es_ES", "Dutch": "nl_NL", "Czech": "cs_CZ", "Irish": "ga_IE"}
DEFAULT = ("English", "German", "Italian", "Spanish", "Czech")


def _last_names(locale: str) -> list[str]:
    try:
        module = importlib.import_module(f"faker.providers.person.{locale}")
    except ImportError:
        raise ImportError("edutorch.datasets.surnames reads the name lists bundled with "
                          "Faker, which is not installed: pip install Faker (or pip install "
                          "-e '.[book]')") from None
    return list(module.Provider.last_names)


def surnames(languages=DEFAULT, test_fraction: float = 0.2, seed: int = 0):
    """(train, test) datasets of (surname: str, language index: int).

    Each dataset has ``classes`` (the language names, in index order) and ``alphabet`` (every
    character used, sorted). Languages: any keys of ``LANGUAGES``.
    """
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if unknown:
        raise ValueError(f"surnames: unknown languages {unknown}; choose from "
                         f"{sorted(LANGUAGES)}")
    per_lang = {lang: sorted({n.lower() for n in _last_names(LANGUAGES[lang])})
                for lang in languages}
    seen: dict[str, int] = {}
    for names in per_lang.values():
        for n in names:
            seen[n] = seen.get(n, 0) + 1
    samples = [(n, i) for i, lang in enumerate(languages) for n in per_lang[lang]
               if seen[n] == 1]
    alphabet = "".join(sorted({c for n, _ in samples for c in n}))
    return split(samples, test_fraction, seed, classes=list(languages), alphabet=alphabet)
