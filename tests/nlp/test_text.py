"""The one text toolkit: sentences, stems, folding."""
from rag.nlp.text import content_words, fold, in_view, sentences, stem, stems, unprefixed, words


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
    assert words("the U.N. Secretary General, Washington D.C.") == ["the", "UN", "secretary", "general",
                                                                     "washington", "DC"]
    assert words("What UN secretary went to Harvard?")[1] == "UN" and words("UN") == words("U.N.")
    assert words("A. Smith, 3.5 per cent") == ["a", "smith", "3.5", "per", "cent"]  # one initial, a decimal


def test_an_acronym_keeps_its_capitals_and_is_its_own_stem():
    # the Convention against Torture's optional protocol is not about cats; WHO is not "who", US not "us"
    assert words("Ratify the OP-CAT, as WHO and the US urged.") == ["ratify", "the", "OP", "CAT", "as", "WHO",
                                                                    "and", "the", "US", "urged"]
    assert stems("Ratify OP-CAT") == {"ratifi", "OP", "CAT"} and stems("cats") == {"cat"}
    assert "WHO" in stems("What did WHO say?") and "US" in content_words("Did the US object?")
    # a text written in capitals (a heading) has no acronyms to tell apart; one capital is not an acronym
    assert words("II. METHODOLOGY AND CONSULTATION") == ["ii", "methodology", "and", "consultation"]
    assert words("A storm. I left.") == ["a", "storm", "i", "left"]


def test_derivations_share_a_stem():
    assert stem("prohibition") == stem("prohibit") == stem("prohibited")
    assert stem("elections") == stem("elected") and stem("policies") == stem("policy")
    assert stem("Ombudsman's") == "ombudsman" and stem("café") == "cafe"


def test_any_case_splits_a_model_line_whose_next_sentence_is_lower_case():
    line = "Detention rose in 2019. it fell again, e.g. in Jan. 2020 [2]. The U.S. policy changed."
    assert sentences(line) == ["Detention rose in 2019. it fell again, e.g. in Jan. 2020 [2].", "The U.S. policy changed."]
    assert sentences(line, any_case=True) == ["Detention rose in 2019.", "it fell again, e.g. in Jan. 2020 [2].",
                                              "The U.S. policy changed."]


def test_a_sentence_is_shown_with_the_one_its_referring_word_points_to_and_the_next_that_refers_back():
    text = ["The Tarn bridge is a stone arch.", "It opened in 1931.", "Trams crossed it until 1960.",
            "They were replaced by buses."]
    assert in_view(1, text) == [0, 1]   # "It" is the bridge
    assert in_view(0, text) == [0, 1]   # the next sentence goes on about it
    assert in_view(2, text) == [2, 3]
    assert in_view(3, text) == [2, 3]
    assert in_view(0, text[:1]) == [0]


def test_a_negative_prefix_is_taken_off_where_an_english_word_is_left():
    assert [unprefixed(w) for w in ("underfunded", "insufficient", "non-binding", "unfair", "illegal")] == \
        ["funded", "sufficient", "binding", "fair", "legal"]
    assert [unprefixed(w) for w in ("interest", "industry", "under", "unit", "funded")] == [None] * 5
