"""Near-duplicate groups and grouped folds: templated copies never straddle two folds."""

from __future__ import annotations

import numpy as np
import pytest

from nlp.classifier.folds import grouped_folds, near_duplicate_groups, summarise_groups

TEMPLATE = (
    "Empresa internacional contrata señoritas de 18 a 25 años para trabajar en {city}, pasaje "
    "pagado y alojamiento incluido, sin experiencia; escribir al WhatsApp {phone} hoy mismo"
)
OTHERS = [
    "Hospital regional busca enfermera con licencia vigente y tres años de experiencia en UCI",
    "Se vende bicicleta de montaña en buen estado, poco uso, precio conversable en Lima centro",
    "Police dismantled a trafficking ring that lured women with fake jobs in the hotel sector",
    "Restaurante familiar solicita ayudante de cocina para turno de noche con contrato formal",
]


def test_templated_copies_share_a_group_and_others_stand_alone() -> None:
    copies = [
        TEMPLATE.format(city=city, phone=f"+58 412 000 00{i}")
        for i, city in enumerate(["Aruba", "Aruba", "Aruba"])
    ]
    groups = near_duplicate_groups([*copies, *OTHERS, ""])
    assert len(set(groups[:3])) == 1
    assert len(set(groups[3:])) == len(OTHERS) + 1
    summary = summarise_groups(groups)
    assert summary.rows_in_multi_member_groups == 3
    assert summary.largest_group == 3


def test_grouped_folds_keep_groups_whole_balanced_and_repeatable() -> None:
    groups = [0, 0, 0, 1, 1, *range(2, 22)]
    strata = ["pos" if i % 3 == 0 else "neg" for i in range(len(groups))]
    folds = grouped_folds(groups, strata, n_folds=5, seed=3)
    assert len(set(folds[:3])) == 1 and len(set(folds[3:5])) == 1
    sizes = np.bincount(folds, minlength=5)
    assert sizes.min() >= 4 and sizes.max() <= 6
    assert np.array_equal(folds, grouped_folds(groups, strata, n_folds=5, seed=3))


def test_one_fold_is_refused() -> None:
    with pytest.raises(ValueError, match="at least two folds"):
        grouped_folds([0, 1], n_folds=1)
