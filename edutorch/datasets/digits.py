"""The 8x8 handwritten digits that ship inside scikit-learn.

Source: the UCI "Optical Recognition of Handwritten Digits" test set (Alpaydin and Kaynak,
1998): 1,797 images of 43 writers' digits, 32x32 bitmaps counted in 4x4 blocks, so each pixel
is 0..16. The file is bundled in scikit-learn's wheel (``sklearn/datasets/data/digits.csv.gz``;
scikit-learn is BSD-3-Clause, the data CC BY 4.0), so loading it needs no network.
"""
from __future__ import annotations

from .. import _ops
from ..utils.data import TensorDataset
from .base import permutation


def load_digits(test_fraction: float = 0.25, seed: int = 0):
    """(train, test) TensorDatasets of (image (1, 8, 8) float32 in [0, 1], label int64).

    The split is a seeded shuffle (``seed``), ``test_fraction`` of the 1,797 images held out.
    Needs scikit-learn (``pip install scikit-learn``, part of edutorch's ``book`` extra).
    """
    try:
        from sklearn.datasets import load_digits as sk_load_digits
    except ImportError:
        raise ImportError("edutorch.datasets.load_digits reads the digits bundled with "
                          "scikit-learn, which is not installed: pip install scikit-learn "
                          "(or pip install -e '.[book]')") from None
    bunch = sk_load_digits()
    images = (_ops.creation.tensor(bunch.images).float() / 16.0).unsqueeze(1)
    labels = _ops.creation.tensor(bunch.target).long()
    order = _ops.creation.tensor(permutation(len(labels), seed))
    n_test = int(round(len(labels) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return TensorDataset(images[train], labels[train]), TensorDataset(images[test], labels[test])
