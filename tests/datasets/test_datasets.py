"""edutorch.datasets: sizes, types, determinism (same seed, same data), held-out splits."""
from __future__ import annotations

import pytest

import edutorch
from edutorch import datasets as D


def test_digits_split_is_deterministic_and_complete():
    pytest.importorskip("sklearn")
    train, test = D.load_digits()
    assert len(train) + len(test) == 1797 and len(test) == 449
    x, y = train[0]
    assert x.shape == (1, 8, 8) and x.dtype == edutorch.float32 and 0 <= x.min() <= x.max() <= 1
    again, _ = D.load_digits()
    assert edutorch.equal(train.tensors[0], again.tensors[0])


def test_surnames_labels_and_no_overlap():
    pytest.importorskip("faker")
    train, test = D.surnames()
    assert train.classes == ["English", "German", "Italian", "Spanish", "Czech"]
    names = [n for n, _ in train] + [n for n, _ in test]
    assert len(names) == len(set(names)) > 2000
    assert {y for _, y in train} == set(range(5))
    assert all(c in train.alphabet for n in names for c in n)
    with pytest.raises(ValueError, match="unknown languages"):
        D.surnames(["Klingon"])


@pytest.mark.parametrize("n, words", [(0, "zero"), (15, "fifteen"), (40, "forty"),
                                      (101, "one hundred and one"),
                                      (4012, "four thousand and twelve"),
                                      (7300, "seven thousand three hundred"),
                                      (12345, "twelve thousand three hundred and forty five")])
def test_number_to_words(n, words):
    assert D.number_to_words(n) == words


def test_number_words_hold_out_numbers():
    train, test = D.number_words(n_train=500, n_test=100)
    assert len(train) == 500 and len(test) == 100
    assert not {d for _, d in train} & {d for _, d in test}
    assert all(D.number_to_words(int(d)) == w for w, d in test)


def test_dna_motifs_plant_the_motif():
    train, test, motif = D.dna_motifs(n=200, length=40)
    assert motif.shape == (4, 8)
    assert edutorch.allclose(motif.sum(0), edutorch.ones(8))
    for (x, y), seq, site in zip(train, train.sequences, train.sites):
        assert x.shape == (4, 40) and edutorch.equal(x.sum(0), edutorch.ones(40))
        assert edutorch.equal(x, D.one_hot_dna(seq))  # the sample is its sequence, one-hot
        assert (site >= 0) == bool(y)
    again = D.dna_motifs(n=200, length=40)[0]
    assert again.sequences == train.sequences


def test_spoken_digits_with_a_toy_synthesiser():
    def tone(text, voice, rate, pitch):  # a stand-in: a pure tone per word and voice
        t = edutorch.arange(800) / 8000
        f = 100 * (1 + D.DIGIT_WORDS.index(text)) + 10 * len(voice)
        return edutorch.sin(2 * 3.14159 * f * t) * 3, 8000
    data = D.spoken_digits(tone, ["a", "bb"], takes=2, seconds=0.2)
    assert len(data) == 2 * 2 * 10 and data.sample_rate == 8000
    wave, digit, voice = data[13]
    assert wave.shape == (1600,) and wave.abs().max().item() == pytest.approx(1.0)
    assert (digit, voice) == (3, 0)
