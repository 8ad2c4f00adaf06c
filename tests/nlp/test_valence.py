"""Stance from general English (rag/nlp/valence.py, the rule reader of rag/answer/disagree_rules.py): valences composed over the parse."""
import pytest

from rag.nlp.valence import asked, leaning, naming, polarity


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


@pytest.mark.parametrize("question, name", [
    ("Has the clean water programme been a success?", ("clean", "water")),
    ("Is the Fair Trade Act working?", ("fair", "trade")),
])
def test_the_rated_words_of_the_judged_thing_s_name_are_not_its_judgement(question, name):
    assert name in naming(question)
    sentence = f"The {' '.join(name)} scheme was reviewed by the ministry."
    assert polarity(sentence) > 0 and polarity(sentence, naming(question)) == 0  # named, not praised
    # the judgement in the same sentence still counts, and a rated word used otherwise is rated
    assert polarity(f"The {' '.join(name)} scheme was a failure.", naming(question)) < 0
    assert polarity("The river is clean and the deal fair again.", naming(question)) > 0


def test_the_judgement_asked_for_is_not_part_of_the_name():
    for question in ("Is Western criticism of the record fair?", "Is Western criticism of the treaty fair?"):
        assert naming(question) == {("western", "criticism")}  # the parser reads these two differently
    assert naming("Should the penny stay in circulation?") == frozenset()


@pytest.mark.parametrize("question, word", [
    ("Is the ombudsman office adequately funded?", "fund"),   # "be" + its complement
    ("Should the state abolish the tax?", "abolish"),         # the main verb
    ("Has the programme been a success?", "success"),
])
def test_a_yes_no_question_asks_about_one_word(question, word):
    assert word in asked(question)


def test_other_questions_ask_about_no_word():
    assert asked("When was the dam completed?") == frozenset()
    assert asked("How did the commission react to the plan?") == frozenset()


def test_the_asked_word_is_the_question_s_yes_and_its_negative_form_its_no():
    yes = asked("Is the ombudsman office adequately staffed?")
    # VADER rates none of these words: without the question there is no lean at all
    said = ["In 2021 the ombudsman office received sufficient staff for all of its tasks.",
            "The bar council noted that the office remained understaffed.",
            "The office is not adequately staffed.",
            "The office lost half of its staff in 2021."]
    assert [polarity(s) for s in said] == [0.0] * 4
    favourable, prefixed, negated, reduced = (polarity(s, frozenset(), yes) for s in said)
    assert favourable > 0 and prefixed < 0 and negated < 0 and reduced < 0
    # another question's word is not this question's answer
    assert polarity(said[0], frozenset(), asked("Is the office independent?")) == 0.0
