"""What a question asks for (rag/nlp/question.py)."""
import pytest

from rag.nlp.question import DATE, NUMBER, PERSON, PLACE, REC, THING, YESNO, as_read, normal_value, read, values
from rag.nlp.text import is_english, spelling_variants, stem


@pytest.mark.parametrize("question, kind", [
    ("When was the bridge opened?", DATE), ("In what year did the war end?", DATE),
    ("How many people were displaced?", NUMBER), ("What is the population of the town?", NUMBER),
    ("What share of the judges were women?", NUMBER), ("Who wrote the report?", PERSON),
    ("Which states recommended ratifying the convention?", PERSON), ("Where is the office?", PLACE),
    ("Which country hosted the summit?", PLACE), ("What did the committee recommend about prisons?", REC),
    ("Should the old coin stay in use?", YESNO), ("What is the style of the church?", THING),
])
def test_answer_types(question, kind):
    assert read(question).answer_type == kind


def test_values_of_the_asked_type_that_the_question_does_not_name():
    q = read("When was the Harlow Mill built in Ohio?")
    assert values("The Harlow Mill was built in about 1842 in Ohio.", DATE, q) == ["1842"]
    q = read("What is the population of Dunmere?")
    assert values("In 2010, the population of Dunmere was 2,364 people.", NUMBER, q) == ["2,364"]
    q = read("Who is the artist of the album?")
    assert "Tam the Wanderer" in values("The album was recorded by Tam the Wanderer in 2013.", PERSON, q)


def test_a_year_is_four_digits_not_the_start_of_a_longer_figure():
    q = read("When did the office open?")
    assert values("Close to 12000 persons had not regularised their status.", DATE, q) == []
    assert values("It cost 1500.5 euros.", DATE, q) == []
    assert values("The act of 2010 was amended in 2015.", DATE, q) == ["2010", "2015"]
    assert values("In the 1990s about 15000 people left.", DATE, q) == ["1990s"]
    assert values("Close to 12000 persons had not regularised their status.", NUMBER, read("How many?")) == ["12000"]


def test_a_date_is_one_value_however_much_of_it_is_written():
    q = read("When was the plan adopted?")
    assert values("The plan was adopted on 14 November 2019 at the 17th meeting.", DATE, q) == ["14 November 2019"]
    assert values("In December 2015, the council met.", DATE, q) == ["December 2015"]  # not 20 December
    assert values("It opened on March 3, 1990 and closed in May.", DATE, q) == ["March 3, 1990"]


def test_a_list_marker_is_not_a_quantity_nor_is_the_question_s_own_name():
    q = read("How many seats does the Harbour Council have?")
    assert values("The act (1) widens the council's remit and (2) adds 12 seats.", NUMBER, q) == ["12"]
    q = read("Who does the Water Charter apply to?")
    assert values("The Water Charter applies to every district.", PERSON, q) == []
    q = read("Who was consulted on the draft plan?")  # a word of the question, capitalised, is not its answer
    assert values("During the drafting of the Plan, the Ombudsman was consulted.", PERSON, q) == ["Ombudsman"]


def test_values_compare_as_values():
    assert normal_value("1,791") == normal_value("1791")
    assert normal_value("50 per cent") == normal_value("50%")
    assert normal_value("about 1835") == normal_value("1835")


def test_evaluative_questions():
    assert read("Should abortion be legal?").evaluative
    assert read("Is the institution adequately funded?").evaluative
    assert not read("When was the institution founded?").evaluative


def test_a_slip_is_read_as_the_collection_spells_the_word():
    from rag.nlp.question import respelled, spelling_index

    vocabulary = {stem(w) for w in "astronaut experience weightless orbit employment rate reservoir resolve "
                                   "resolution".split()}
    index = spelling_index(vocabulary)
    known = vocabulary.__contains__
    slip = respelled(read("What do astronaughts experience in orbit?"), index, known)
    assert "astronaut" in slip.topics and "astronaught" not in slip.topics
    # another first letter is another word, not a slip: "unemployment" is not "employment"
    assert "unemploy" in respelled(read("What is the unemployment rate?"), index, known).topics
    # a known word is never changed; a word with two equally near neighbours is left alone
    assert respelled(read("What is the employment rate?"), index, known).topics == ["employ", "rate"]
    ambiguous = respelled(read("What did the resolt say?"), index, known)
    assert "resolt" in ambiguous.topics


def test_a_word_of_the_language_is_no_slip_but_may_be_spelt_the_other_way():
    from rag.nlp.question import respelled, spelling_index

    vocabulary = {stem(w) for w in "sent rent plan organization color defense travel harbour".split()}
    index = spelling_index(vocabulary)
    known = vocabulary.__contains__
    # "seats" is one edit from "sent", but it is an English word: it stays unknown
    assert "seat" in respelled(read("How many seats were reserved?"), index, known).topics
    # British and American spellings meet, either way round
    read_as = respelled(read("Which organisation chose the colour of the harbor, and who travelled?"), index, known)
    assert {stem("organization"), stem("color"), stem("harbour"), stem("travel")} <= set(read_as.topics)
    assert "astronaut" not in vocabulary and not is_english("astronaughts") and is_english("judgements")


@pytest.mark.parametrize("word, other", [("colour", "color"), ("organisation", "organization"), ("defence", "defense"),
                                         ("travelled", "traveled"), ("catalogue", "catalog"), ("centre", "center"),
                                         ("judgement", "judgment"), ("color", "colour"), ("analyzed", "analysed")])
def test_spelling_variants(word, other):
    assert other in spelling_variants(word)


def test_an_acronym_typed_in_lower_case_is_read_as_the_collections_acronym():
    from rag.nlp.question import respelled, spelling_index

    vocabulary = {"OHCHR", "CAT", "recommend", "ratifi"}
    index, known = spelling_index(vocabulary), vocabulary.__contains__
    assert "OHCHR" in respelled(read("What does ohchr recommend?"), index, known).topics
    assert "OHCHR" in respelled(read("What does OHCHR recommend?"), index, known).topics
    # an inflected English word is not an acronym: "cats" stays unknown, never the convention CAT
    assert respelled(read("Write me a limerick about cats."), index, known).topics == ["limerick", "cat"]


@pytest.mark.parametrize("question, labels", [
    ("What does recommendation 98.4 ask of the State?", ["98.4"]),
    ("What do para. 12 and ¶9(8) say?", ["12", "9(8)"]),
    ("What is item (a)?", ["(a)"]),
    ("What do paragraphs 40 and 41 say?", ["40", "41"]),
    ("Summarise recommendations 98.1 to 98.3 and 99.5.", ["98.1", "98.2", "98.3", "99.5"]),
    ("What share was 18.5 per cent in 2018?", []),  # a figure or a year is not a paragraph's number
])
def test_a_question_names_paragraphs_by_their_numbers(question, labels):
    from rag.nlp.question import named_labels

    assert named_labels(question) == labels


def test_a_range_of_paragraphs_is_bounded():
    from rag.nlp.question import MAX_NAMED, named_labels

    assert len(named_labels("What do paragraphs 1 to 100000 say?")) == MAX_NAMED


def test_names_are_stemmed_as_the_topics_are():
    """An acronym among the names is the question's acronym, as in its topics ("GDP", not "gdp")."""
    q = read("What is the GDP of Ruritania in 2021?")
    assert q.proper == ["GDP", stem("Ruritania"), "2021"] and set(q.proper) <= set(q.topics)


def test_what_how_many_counts_and_whether_a_sentence_counts_it():
    from rag.nlp.question import counts

    q = read("How many clinics did the ministry open in 2020?")
    assert q.counted == stem("clinics") and read("What did the ministry open?").counted is None
    assert counts("The ministry opened 14 new rural clinics in 2020.", q.counted)
    assert counts("It opened two hundred clinics.", q.counted)
    assert not counts("The ministry opened clinics in 14 provinces.", q.counted)
    assert not counts("Clinics opened in 2020 across the country.", q.counted)


@pytest.mark.parametrize("question, subject", [
    ("What must tenants do before they leave?", "tenants"), ("When was the bridge opened?", "bridge"),
    ("Why did Ruritania leave the union?", "Ruritania"), ("What ruined the harvest?", None),
    ("Who wrote the report?", None),
])
def test_the_subject_of_a_question_is_the_noun_its_verb_is_said_of(question, subject):
    """The noun the question's verb is said of, stemmed as topics are; none where the subject is the question word."""
    assert read(question).subject == (stem(subject) if subject else None)


@pytest.mark.parametrize("question, read_as", [
    ("What does the city council report say about the pier?", "What does the report say about the pier?"),
    ("What does the harbour authority submission recommend on dredging?",
     "What does the submission recommend on dredging?"),
    ("What do the 2018 reports recommend on water?", "What do the reports recommend on water?"),
    ("What does the council's latest report say about housing?", "What does the report say about housing?"),
    ("What does the briefing say about Hong Kong?", "What does the briefing say about Hong Kong?"),  # nothing to cut
    ("What does Amnesty International say about torture?", "What does Amnesty International say about torture?"),
    ("When was the old bridge opened?", "When was the old bridge opened?"),  # no source is asked about
    ("What does the second law of thermodynamics state?", "What does the second law of thermodynamics state?"),
])
def test_the_reader_reads_the_question_without_the_words_that_pick_out_its_source(question, read_as):
    assert as_read(question) == read_as
