"""``edutorch.datasets``: small real or generated data sets for chapter 5, each offline and
deterministic (no download ever), each returning ``utils.data.Dataset`` objects.

| loader | what | source, licence |
| --- | --- | --- |
| ``load_digits`` | 1,797 8x8 handwritten digits | UCI, inside scikit-learn's wheel (BSD-3) |
| ``surnames`` | surnames labelled by language | per-locale lists inside Faker's wheel (MIT) |
| ``number_words`` | "four thousand and twelve" -> "4012" | generated here |
| ``spoken_digits`` | spoken digit clips by several voices | your synthesiser (e.g. eSpeak NG) |
| ``dna_motifs`` | DNA with a planted motif, and the motif | generated here |
"""
from .base import ListDataset, split
from .digits import load_digits
from .dna import BASES, dna_motifs, one_hot_dna
from .number_words import number_to_words, number_words
from .spoken_digits import DIGIT_WORDS, spoken_digits
from .surnames import LANGUAGES, surnames

__all__ = ["ListDataset", "split", "load_digits", "surnames", "LANGUAGES", "number_words",
           "number_to_words", "spoken_digits", "DIGIT_WORDS", "dna_motifs", "one_hot_dna",
           "BASES"]
