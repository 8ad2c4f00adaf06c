"""The one text toolkit: sentences, stems, folding (issue 12 item 3)."""
from rag.text import fold, sentences, stem, stems, words


def test_sentences_keep_abbreviations_initials_and_decimals_together():
    text = ("The law was adopted in Jan. 2019 after a review (approx. 10%) of U.S. policy. It cites No. 9 of the "
            "list. Growth was 18.5 per cent. Dr. Smith disagreed.")
    assert sentences(text) == [
        "The law was adopted in Jan. 2019 after a review (approx. 10%) of U.S. policy.",
        "It cites No. 9 of the list.", "Growth was 18.5 per cent.", "Dr. Smith disagreed."]


def test_sentences_split_after_quotes_and_brackets():
    assert sentences('He said "enough." Then he left. (See above.) Next.') == [
        'He said "enough."', "Then he left.", "(See above.)", "Next."]


def test_stems_join_plural_and_inflected_forms():
    for a, b in [("policy", "policies"), ("activity", "activities"), ("study", "studies"),
                 ("authority", "authorities"), ("detained", "detaining"), ("recommendation", "recommendations")]:
        assert stem(a) == stem(b), (a, b)


def test_accents_ligatures_and_quotes_fold_for_matching():
    assert fold("São Tomé café ﬁnal “quoted” – dash") == 'Sao Tome cafe final "quoted" - dash'
    assert stems("the Sao Tome resolution") == stems("the São Tomé resolution")
    assert stem("café") == stem("cafe")


def test_possessives_are_not_part_of_the_word():
    assert words("Bachelet's visit and the Ombudsman’s report") == ["bachelet", "visit", "and", "the", "ombudsman",
                                                                      "report"]


def test_dotted_initials_are_one_word_as_typed_without_dots():
    # "What UN secretary went to Harvard?" must find "U.N. Secretary General" (a SQuAD dev question was refused)
    assert words("the U.N. Secretary General, Washington D.C.") == ["the", "un", "secretary", "general",
                                                                     "washington", "dc"]
    assert words("UN") == words("U.N.")
    assert words("A. Smith, 3.5 per cent") == ["a", "smith", "3.5", "per", "cent"]  # one initial, a decimal


def test_any_case_splits_a_model_line_whose_next_sentence_is_lower_case():
    line = "Detention rose in 2019. it fell again, e.g. in Jan. 2020 [2]. The U.S. policy changed."
    assert sentences(line) == ["Detention rose in 2019. it fell again, e.g. in Jan. 2020 [2].", "The U.S. policy changed."]
    assert sentences(line, any_case=True) == ["Detention rose in 2019.", "it fell again, e.g. in Jan. 2020 [2].",
                                              "The U.S. policy changed."]
