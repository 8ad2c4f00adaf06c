"""Stance from general English (rag/stance.py): valences composed over the parse."""
import pytest

from rag.stance import leaning, polarity


@pytest.mark.parametrize("favourable, critical", [
    ("The new law has contributed to many life-saving cures and treatments.", "The practice is cruel and inhumane."),
    ("Keeping the rural clinics open avoids hurting farming families.",
     "The scheme takes money from the poor, increasing poverty and depriving the poor of support."),
    ("The act enacted the explicit prohibition of corporal punishment and degrading treatment.",
     "The committee noted the lack of an explicit prohibition of corporal punishment."),
    ("The rules protect free expression.", "The rules restrict students' freedom of expression."),
    # VADER's rule for "no": it negates the rated word after it and is not rated itself
    ("The old stamp still has real value for collectors.", "The old stamp has practically no value for collectors."),
])
def test_opposite_stances_lean_opposite_ways(favourable, critical):
    assert polarity(favourable) > 0 > polarity(critical)


def test_neutral_text_has_no_lean():
    assert leaning(["The committee met on 4 May in Geneva."]) == 0.0
    assert leaning([]) == 0.0
