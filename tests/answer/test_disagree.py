"""What each source says and whether they disagree (rag/answer/disagree.py through the Assistant, read by the reader
model): small reports written here, each case on its own subject, all in one store (so every question also has
unrelated documents around it)."""
from __future__ import annotations

import pytest

from rag.answer.chain import Assistant
from rag.answer.cite import markers
from rag.answer.disagree import as_claim, read_as_contradicting, same_value, speaker, voices
from rag.ingest.pipeline import ADDED, ingest_paths
from rag.store import Store

from conftest import settings_for

REPORTS = {
    # a conflict in numbers
    "freedonia-statistics-office-2022.txt": [
        "The Freedonia Statistics Office publishes its labour market survey every spring.",
        "Unemployment in Freedonia fell to 4% in 2021. Employment grew fastest in construction and retail."],
    "freedonia-workers-union-2022.txt": [
        "The Freedonia Workers Union surveyed its members in every province.",
        "Unemployment in Freedonia rose to 9% in 2021. Many factories in the north closed during the year."],
    # a denial
    "osterlich-housing-rights-report.txt": [
        "The housing rights monitors visited the Riverside district of Osterlich in 2020.",
        "Police carried out forced evictions of hundreds of families in the Riverside district, demolishing "
        "their homes without notice or compensation."],
    "osterlich-ministry-statement.txt": [
        "The Osterlich Ministry of Housing issued a statement on the Riverside district redevelopment.",
        "The ministry rejects reports of forced evictions as fabricated. All families in the Riverside district "
        "moved voluntarily to new housing."],
    # opposite evaluations
    "sylvania-transport-authority-review.txt": [
        "The Sylvania Transport Authority reviewed the first year of the new metro line.",
        "The new metro line in Sylvania has been a remarkable success, improving commutes for millions and "
        "bringing welcome growth to the suburbs."],
    "sylvania-taxpayers-alliance-review.txt": [
        "The Sylvania Taxpayers Alliance examined the accounts of the new metro line.",
        "The new metro line in Sylvania has been a costly failure that worsened congestion and harmed local "
        "businesses."],
    # no conflict: two reports on different aspects
    "fenwick-tourism-board-2021.txt": [
        "The Grand Fenwick Tourism Board reports on visitor numbers each year.",
        "Tourism in Grand Fenwick grew in 2021 as new hotels opened in the capital and visitors returned to the "
        "mountain resorts."],
    "fenwick-fisheries-agency-2021.txt": [
        "The Grand Fenwick Fisheries Agency monitors the lake fleet.",
        "The fishing fleet of Grand Fenwick landed record catches of trout in 2021, and the agency renewed all "
        "fishing licences."],
    # one report quoting both sides of a dispute
    "gondal-river-accord-report.txt": [
        "The Gondal river accord on water pollution was signed by the three towns upstream in March.",
        "The Gondal Farmers Association said the river accord was a welcome and fair step that would protect "
        "harvests. However, the Gondal Anglers Club described the river accord as a weak and disappointing deal "
        "that fails the fish."],
    # three holders: two agree, one differs
    "ruritania-central-bank-2023.txt": [
        "The Central Bank of Ruritania sets interest rates every quarter.",
        "Inflation in Ruritania reached 3% in 2022, within the bank's target range."],
    "ruritania-finance-ministry-2023.txt": [
        "The Ruritania Finance Ministry presented the budget to parliament.",
        "Inflation in Ruritania reached 3% in 2022, and wages kept pace with prices."],
    "ruritania-consumer-council-2023.txt": [
        "The Ruritania Consumer Council tracks the price of a basket of household goods.",
        "Inflation in Ruritania reached 11% in 2022, as food and fuel prices soared."],
    # a conflict in figures, told in different words: one document never says "deputies"
    "westmarch-electoral-commission-2020.txt": [
        "The Westmarch Electoral Commission reported on the parliamentary elections of 2019.",
        "After the 2019 elections, 31% of the elected deputies in the Westmarch parliament were women."],
    "westmarch-gender-observatory-2020.txt": [
        "The Westmarch Gender Observatory follows the political participation of women.",
        "Women held only 27 per cent of the places in the newly elected Westmarch parliament in 2019."],
    # two documents each naming a different state that made the same recommendation: a list, not a dispute
    "zembla-review-summary.txt": [
        "The periodic review of Zembla was held in the spring.",
        "Norway recommended that Zembla ratify the Convention on Clean Rivers."],
    "zembla-review-addendum.txt": [
        "The addendum to the review of Zembla lists the remaining recommendations.",
        "Chile recommended that Zembla ratify the Convention on Clean Rivers."],
    # opposite evaluations, one of them next to a louder sentence on something else
    "brennmark-water-agency-2022.txt": [
        "The Brennmark Water Agency reviewed the clean water programme.",
        "The clean water programme in Brennmark has been a clear success, reaching every village on time."],
    "brennmark-audit-office-2022.txt": [
        "The Brennmark Audit Office examined the clean water programme.",
        "The clean water programme in Brennmark has been a partial failure, reaching only half of the villages. "
        "Its consultants' bills were a terrible, shameful and disastrous waste of the programme's money."],
    # a recommendation says what should be done, not how things are
    "valdoria-press-monitor-2021.txt": [
        "The Valdoria Press Monitor follows media freedom.",
        "The Valdoria press law is still in force, and journalists face harsh fines under it."],
    "valdoria-review-recommendations-2021.txt": [
        "The review of Valdoria listed what other states recommended.",
        "Amend the Valdoria press law so that journalists enjoy real freedom and safety."],
    # two reports dating two different events in the life of one thing
    "kestrel-dam-history.txt": [
        "The Kestrel dam history project collected old records.",
        "The Kestrel dam was completed in 1962 after a long dispute over the valley."],
    "kestrel-dam-safety-review.txt": [
        "Engineers published the Kestrel dam safety review.",
        "The Kestrel dam was inspected in 2015 and its spillway was repaired."],
    "kestrel-valley-archive-note.txt": [
        "The Kestrel valley archive keeps the county's papers.",
        "According to the county papers, the Kestrel dam was completed in 1964."],
    # a year given with another verb: not when the act was amended
    "brackwater-harbour-law-review.txt": [
        "The Brackwater harbour law review describes the port's legislation.",
        "Parliament amended the Brackwater Harbour Act in 2015, giving the harbour authority new powers over "
        "pilotage."],
    "brackwater-pilots-guild-note.txt": [
        "The Brackwater pilots guild keeps notes on the port.",
        "The guild follows the Brackwater Harbour Act and its amendments closely. Since 2016, Brackwater harbour "
        "pilots have been part of the harbour authority."],
    # figures of different things about one place: not rival answers
    "dunmere-town-office.txt": [
        "The Dunmere town office publishes local statistics.",
        "Dunmere has 2,364 residents, most of them farmers."],
    "dunmere-school-board.txt": [
        "The Dunmere school board reports every year.",
        "The Dunmere school had 300 pupils in 2020, and the Dunmere water agency spent EUR 4 million."],
    # names of different roles: not rival answers; two names for one role are
    "marlow-trust-history.txt": [
        "The Marlow Trust supports libraries.",
        "The Marlow Trust was founded by Ada Pell in 1950."],
    "marlow-trust-annual-report.txt": [
        "The Marlow Trust annual report lists its officers.",
        "The Marlow Trust is chaired by Tom Reyes."],
    "marlow-library-newsletter.txt": [
        "The Marlow library newsletter covers local charities.",
        "This year the Marlow Trust is chaired by Rosa Vidal."],
    # a yes/no question of fact, answered by a holder in other words
    "selm-ministry-of-justice.txt": [
        "The Selm ministry of justice statement.",
        "The Selm prison reform improved conditions for inmates."],
    "selm-prisoners-rights-group.txt": [
        "The Selm prisoners rights group report.",
        "Despite the Selm prison reform, conditions for inmates remain harsh and overcrowding persists."],
    # figures counting different units of the same thing: rival answers
    "oren-relief-agency.txt": [
        "The Oren relief agency reported on the spring floods.",
        "The Oren floods displaced 8,000 people in March."],
    "oren-county-council.txt": [
        "The Oren county council met after the floods.",
        "In March, 2,100 households were displaced by the Oren floods."],
    # a value shown in the sentence after the one the reader picks ("It" refers back to what that one names)
    "tarn-heritage-register.txt": [
        "The Tarn heritage register lists the old buildings of the valley.",
        "The Tarn footbridge is a listed iron structure over the river. It was opened in 1931 by the mayor."],
    "tarn-visitor-guide.txt": [
        "The Tarn visitor guide describes walks in the valley.",
        "The Tarn footbridge was opened in 1936, after years of delay."],
    # one passage, edited: a span changed that answers one question and not another
    "lark-film-festival-notes.txt": [
        "The Lark festival notes describe the films shown.",
        "The Lark film is a Canadian documentary, directed by Tom Lee and released in 2005."],
    "lark-film-catalogue.txt": [
        "The Lark catalogue lists films for schools.",
        "The Lark film is a Canadian short drama, directed by Tom Lee and released in 2005."],
    "wren-anthology-review.txt": [
        "The Wren review covers poetry books.",
        "The Wren anthology is a collection of poems by Ann Ross, edited by Paul Hart in 1990."],
    "wren-anthology-listing.txt": [
        "The Wren listing names books of the decade.",
        "The Wren anthology is a collection of poems by Mary Chen, edited by Paul Hart in 1990."],
    # one verb, two acts: the plan adopted, and a budget adopted for its studies
    "hollin-council-minutes.txt": [
        "The Hollin council minutes record its decisions.",
        "The council adopted the Hollin plan on 3 May 2018 after a public hearing."],
    "hollin-planning-digest.txt": [
        "The Hollin planning digest follows the council.",
        "In June 2016, the council adopted a budget for the first studies of the Hollin plan."],
    # one date, written more fully by one holder
    "ashby-gazette.txt": [
        "The Ashby gazette prints the new laws.",
        "The Ashby water act was amended on 14 October 2017 to protect the river."],
    "ashby-river-trust.txt": [
        "The Ashby river trust follows the water act.",
        "In 2017 the Ashby water act was amended, and the trust welcomed the change."],
    # one holder lists several places, among them the one the other answers with
    "pell-mill-heritage-note.txt": [
        "The Pell heritage note records old mills.",
        "The Pell mill is a stone building located at Dunford."],
    "pell-mill-register-entry.txt": [
        "The Pell register entry was copied from a listing page.",
        "Mill Contributing property Show map of Essex Show map of the United Kingdom Location Front St., Dunford, "
        "Essex Built about 1820 The Pell mill is a stone building located at Dunford, Essex."],
    # what a thing is, told by two holders who each give a year of something else
    "brenna-housing-ministry.txt": [
        "The Brenna ministry of housing reports on its programmes.",
        "The Brenna housing programme, adopted in 2017, builds social flats for young families."],
    "brenna-tenants-network.txt": [
        "The Brenna tenants network reviewed housing policy.",
        "The Brenna housing programme helps young families, but tenants who applied in 2013 waited years for a "
        "flat."],
    # a yes/no question on a word no sentiment lexicon rates; one holder is a summary of named speakers
    "lorvan-government-report.txt": [
        "The Lorvan government report describes the national institutions.",
        "In 2021 the Lorvan ombudsman office received sufficient staff to carry out all of its tasks."],
    "lorvan-stakeholders-summary.txt": [
        "The summary of stakeholders' submissions on Lorvan covers the national institutions.",
        "The Bar Council noted that the Lorvan ombudsman office was strengthened by the 2020 act. The Civic Forum "
        "noted, however, that the office remained understaffed."],
}


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    """All the reports in one store, read by the fitted reader."""
    folder = tmp_path_factory.mktemp("disagree")
    files = folder / "files"
    files.mkdir()
    for name, paragraphs in REPORTS.items():
        (files / name).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    store = Store(settings_for(folder / "store"), write=True)
    reports = ingest_paths(store, [files])
    assert all(r.status == ADDED for r in reports) and len(reports) == len(REPORTS)
    yield Assistant(store.settings, store)
    store.close()


def doc_of(assistant: Assistant, name: str) -> str:
    (doc,) = [d for d in assistant.store.list_documents() if any(s.endswith(name) for s in d.sources)]
    return doc.doc_id


def side_docs(answer) -> list[set[str]]:
    """For each position: the documents its citations point to."""
    by_n = {c.n: c for c in answer.citations}
    return [{by_n[n].doc for n in p.citations} for p in answer.positions]


def check(answer) -> None:
    used = markers(answer.answer)
    assert set(used) == {c.n for c in answer.citations}
    for p in answer.positions:
        assert p.citations and set(p.citations) <= {c.n for c in answer.citations}
        assert set(markers(p.summary)) <= set(p.citations)


def test_conflicting_figures(assistant):
    answer = assistant.ask("What was unemployment in Freedonia in 2021?")
    check(answer)
    assert answer.found and answer.disagreement
    assert len(answer.positions) >= 2
    stats, union = doc_of(assistant, "freedonia-statistics-office-2022.txt"), doc_of(assistant, "freedonia-workers-union-2022.txt")
    sides = side_docs(answer)
    assert {stats} in sides and {union} in sides  # each side cites its own report only
    by_doc = {next(iter(s)): p for s, p in zip(sides, answer.positions) if len(s) == 1}
    assert "4%" in by_doc[stats].summary and "9%" not in by_doc[stats].summary
    assert "9%" in by_doc[union].summary and "4%" not in by_doc[union].summary
    assert "Statistics Office" in by_doc[stats].holder and "Workers Union" in by_doc[union].holder
    assert "disagree" in answer.answer.lower()


def test_conflicting_figures_in_different_words(assistant):
    """A document is not asked for a word it never uses: the observatory says "places in the parliament" where
    the commission says "deputies", and is still heard on the question."""
    answer = assistant.ask("What share of the deputies elected to the Westmarch parliament in 2019 were women?")
    check(answer)
    assert answer.found and answer.disagreement
    commission = doc_of(assistant, "westmarch-electoral-commission-2020.txt")
    observatory = doc_of(assistant, "westmarch-gender-observatory-2020.txt")
    by_doc = {next(iter(s)): p for s, p in zip(side_docs(answer), answer.positions) if len(s) == 1}
    assert "31%" in by_doc[commission].summary and "27 per cent" in by_doc[observatory].summary


DENIAL_QUESTIONS = [
    "Were there forced evictions in the Riverside district?",
    "Were there forced evictions in the Riverside district of Osterlich?",  # the denial holds 2 of 5 topic words
]


@pytest.mark.parametrize("question", DENIAL_QUESTIONS)
def test_denial(assistant, question):
    answer = assistant.ask(question)
    check(answer)
    assert answer.found and answer.disagreement
    rights, ministry = (doc_of(assistant, "osterlich-housing-rights-report.txt"),
                        doc_of(assistant, "osterlich-ministry-statement.txt"))
    sides = side_docs(answer)
    assert {rights} in sides and {ministry} in sides
    denial = answer.positions[sides.index({ministry})]
    assert "rejects reports of forced evictions as fabricated" in denial.summary
    assert "Police carried out forced evictions" in answer.positions[sides.index({rights})].summary


SYLVANIA = ("sylvania-transport-authority-review.txt", "remarkable success",
            "sylvania-taxpayers-alliance-review.txt", "costly failure")


@pytest.mark.parametrize("question, favourable, praise, critical, blame", [
    ("How has the new metro line in Sylvania performed?", *SYLVANIA),
    ("Has the new metro line in Sylvania been a success?", *SYLVANIA),
    # "clean" in "the clean water programme" is the programme's name, not praise: the audit's "partial failure"
    # leans critical although its sentence names a clean thing
    ("Has the clean water programme in Brennmark been a success?", "brennmark-water-agency-2022.txt",
     "clear success", "brennmark-audit-office-2022.txt", "partial failure"),
])
def test_opposite_evaluations(assistant, question, favourable, praise, critical, blame):
    answer = assistant.ask(question)
    check(answer)
    assert answer.found and answer.disagreement
    favourable, critical = doc_of(assistant, favourable), doc_of(assistant, critical)
    sides = side_docs(answer)
    assert {favourable} in sides and {critical} in sides
    assert praise in answer.positions[sides.index({favourable})].summary
    assert blame in answer.positions[sides.index({critical})].summary


def test_what_happened_asks_for_no_value_so_two_dates_of_two_events_do_not_conflict(assistant):
    answer = assistant.ask("What happened to the Kestrel dam?")
    check(answer)
    assert answer.found and answer.disagreement is False
    assert {doc_of(assistant, "kestrel-dam-history.txt"), doc_of(assistant, "kestrel-dam-safety-review.txt")} <= \
        {c.doc for c in answer.citations}  # both are heard, side by side


@pytest.mark.parametrize("question, disputed", [
    pytest.param("What is the genre of the Lark film?", True, marks=pytest.mark.xfail(strict=True, reason=(
        "known failure: the reader ranks 'The Lark catalogue lists films for schools' above the sentence that "
        "names the genre (no word of 'genre' in either), so the festival notes' sentence does not answer alone "
        "and is not heard; conflict-dev's 'What is the genre of \"Big Girl\"?' fails the same way"))),
    ("Who directed the Lark film?", False),             # both say Tom Lee; the genres are no names
    ("Whose poems are in the Wren anthology?", True),   # the changed span: Ann Ross / Mary Chen
    ("Who edited the Wren anthology?", False),          # both say Paul Hart; the poets are not its editors
])
def test_an_edited_passage_disputes_only_the_question_its_changed_span_answers(assistant, question, disputed):
    answer = assistant.ask(question)
    check(answer)
    assert answer.found and answer.disagreement is disputed


def test_a_date_of_another_act_of_the_asked_verb_is_no_rival_answer(assistant):
    """The digest's council "adopted a budget" in June 2016: not when it adopted the plan."""
    answer = assistant.ask("When did the council adopt the Hollin plan?")
    check(answer)
    assert answer.found and answer.disagreement is False and "3 May 2018" in answer.answer


def test_two_answer_sentences_contradict_where_they_give_two_values_of_one_thing_not_of_two_events(assistant):
    """A value conflict stands only where the NLI head reads the two answer sentences as contradicting: two
    figures for one year's unemployment do, a year an act was amended and a year something else began do not."""
    assert read_as_contradicting(assistant.sides, "Unemployment in Freedonia fell to 4% in 2021.",
                                 "Unemployment in Freedonia rose to 9% in 2021.")
    assert not read_as_contradicting(assistant.sides, "Parliament amended the Harbour Act in 2015, giving the "
                                     "authority new powers.", "Since 2016, harbour pilots have been part of the "
                                     "port authority.")
    assert not read_as_contradicting(assistant.sides, "The museum was founded in 1902 by a group of teachers.",
                                     "The museum's new wing was completed in 1998.")


def test_a_year_given_with_another_verb_is_no_rival_answer_unless_the_sentences_contradict(assistant):
    """The guild's note dates when pilots joined the authority, not when the act was amended: it does not state
    the asked verb, and the NLI head does not read its sentence as contradicting the review's."""
    answer = assistant.ask("When was the Brackwater Harbour Act amended?")
    check(answer)
    assert answer.found and answer.disagreement is False
    assert "2015" in answer.answer


def test_a_date_written_more_fully_is_the_same_date(assistant):
    answer = assistant.ask("When was the Ashby water act amended?")
    check(answer)
    assert answer.found and answer.disagreement is False


def test_a_holder_whose_sentence_also_gives_the_others_value_does_not_contradict_it(assistant):
    answer = assistant.ask("Where is the Pell mill located?")
    check(answer)
    assert answer.found and answer.disagreement is False


def test_a_question_of_what_a_thing_is_asks_for_no_year_of_something_else(assistant):
    """"What is X?" asks for a value only of what it names: the programme's year of adoption and the year some
    tenants applied are not rival answers (policy reports give a year in nearly every sentence)."""
    answer = assistant.ask("What is the Brenna housing programme?")
    check(answer)
    assert answer.found and answer.disagreement is False


def test_a_date_of_another_event_is_no_answer_to_when_this_one_happened(assistant):
    """The safety review never says "completed", but it is not excused for that: what it dates is an inspection.
    The two that date the completion disagree."""
    answer = assistant.ask("When was the Kestrel dam completed?")
    check(answer)
    assert answer.found and answer.disagreement
    sides = side_docs(answer)
    assert {doc_of(assistant, "kestrel-dam-history.txt")} in sides
    assert {doc_of(assistant, "kestrel-valley-archive-note.txt")} in sides
    assert "2015" not in " ".join(p.summary for p in answer.positions)


@pytest.mark.parametrize("question", ["How many people live in Dunmere?", "What is the population of Dunmere?"])
def test_a_count_of_other_things_or_a_sum_of_money_is_no_rival_answer(assistant, question):
    answer = assistant.ask(question)
    check(answer)
    assert answer.found and answer.disagreement is False
    assert "2,364" in answer.answer


def test_names_in_different_roles_are_not_rival_answers_but_two_names_in_one_role_are(assistant):
    answer = assistant.ask("Who runs the Marlow Trust?")
    check(answer)
    assert answer.found
    assert not any("Ada Pell" in p.summary for p in answer.positions)  # the founder is not a rival chair
    answer = assistant.ask("Who chairs the Marlow Trust?")
    assert answer.found and answer.disagreement
    assert {p.value for p in answer.positions} == {"Tom Reyes", "Rosa Vidal"}


def test_counts_of_different_units_of_the_same_thing_are_rival_answers(assistant):
    answer = assistant.ask("How many people were displaced by the Oren floods?")
    check(answer)
    assert answer.found and answer.disagreement
    assert {p.value for p in answer.positions} == {"8,000", "2,100"}


def test_a_yes_no_question_hears_a_holder_that_answers_in_other_words(assistant):
    """The rights group never says "improved": it is heard all the same (the verb is required only where it says
    of which event a value is asked, "When was the dam completed?")."""
    question = "Has the Selm prison reform improved conditions?"
    heard = {v.best.evidence.document.doc_id for v in voices(assistant.reading(question,
                                                                              assistant.retriever.retrieve(question)))}
    assert {doc_of(assistant, "selm-ministry-of-justice.txt"), doc_of(assistant, "selm-prisoners-rights-group.txt")} <= heard


def test_a_proposal_is_a_stance_on_what_should_be_done_not_on_how_things_are(assistant):
    answer = assistant.ask("Is the Valdoria press law still in force?")
    check(answer)
    assert answer.found and answer.disagreement is False
    answer = assistant.ask("Should the Valdoria press law be amended?")
    assert answer.found and answer.disagreement  # the proposal for, the monitor's harsh fines against
    sides = side_docs(answer)
    assert {doc_of(assistant, "valdoria-review-recommendations-2021.txt")} in sides


@pytest.mark.parametrize("question", ["What happened to tourism in Grand Fenwick in 2021?",
                                      "What happened in Grand Fenwick in 2021?"])
def test_no_conflict_between_reports_on_different_aspects(assistant, question):
    answer = assistant.ask(question)
    check(answer)
    assert answer.found
    assert answer.disagreement is False
    cited = {c.doc for c in answer.citations}
    assert doc_of(assistant, "fenwick-tourism-board-2021.txt") in cited
    assert "disagree" not in answer.answer.lower()


def test_a_dispute_reported_in_one_document_has_two_sides(assistant):
    answer = assistant.ask("How was the Gondal river accord received?")
    check(answer)
    assert answer.found and answer.disagreement
    holders = " | ".join(p.holder for p in answer.positions)
    assert "Farmers Association" in holders and "Anglers Club" in holders


def test_the_speakers_a_summary_reports_are_holders_on_their_own_sides(assistant):
    # "staffed" is rated by no lexicon: the question's word is its "yes", "understaffed" its "no"
    answer = assistant.ask("Is the Lorvan ombudsman office adequately staffed?")
    check(answer)
    assert answer.found and answer.disagreement
    by_stance = {p.stance: p for p in answer.positions if p.stance}
    assert set(by_stance) == {"supports", "undermines"}
    assert "Civic Forum" in by_stance["undermines"].holder and "understaffed" in by_stance["undermines"].summary
    favourable = by_stance["supports"]
    assert "sufficient staff" in favourable.summary and "Civic Forum" not in favourable.holder
    cited = {c.n: c.doc for c in answer.citations}
    assert doc_of(assistant, "lorvan-government-report.txt") in {cited[n] for n in favourable.citations}


def test_a_question_naming_one_speaker_of_a_reported_dispute_asks_for_that_voice(assistant):
    answer = assistant.ask("How did the Gondal Anglers Club react to the river accord?")
    check(answer)
    assert answer.found and answer.disagreement is False
    assert "weak and disappointing deal" in answer.answer


def test_a_question_asking_for_several_is_answered_by_all_not_set_against_each_other(assistant):
    answer = assistant.ask("Which states recommended that Zembla ratify the Convention on Clean Rivers?")
    check(answer)
    assert answer.found and answer.disagreement is False
    assert "Norway" in answer.answer or "Chile" in answer.answer


def test_sources_that_agree_are_not_a_disagreement(assistant):
    docs = [doc_of(assistant, "ruritania-central-bank-2023.txt"), doc_of(assistant, "ruritania-finance-ministry-2023.txt")]
    answer = assistant.ask("What was inflation in Ruritania in 2022?", doc_ids=docs)
    check(answer)
    assert answer.found and answer.disagreement is False
    assert "3%" in answer.answer and "11%" not in answer.answer
    assert {c.doc for c in answer.citations} <= set(docs)


def test_three_holders_the_odd_one_out_faces_the_others(assistant):
    answer = assistant.ask("What was inflation in Ruritania in 2022?")
    check(answer)
    assert answer.found and answer.disagreement
    council = doc_of(assistant, "ruritania-consumer-council-2023.txt")
    agreeing = {doc_of(assistant, "ruritania-central-bank-2023.txt"), doc_of(assistant, "ruritania-finance-ministry-2023.txt")}
    sides = side_docs(answer)
    assert {council} in sides
    others = [s for s in sides if s != {council}]
    assert others and all(s <= agreeing for s in others)  # the two that agree are never set against each other
    assert all("3%" in p.summary for p, s in zip(answer.positions, sides) if s != {council})


def test_three_holders_every_holder_is_heard(assistant):
    answer = assistant.ask("What was inflation in Ruritania in 2022?")
    assert answer.disagreement
    cited = set().union(*side_docs(answer)) if answer.positions else set()
    everyone = {doc_of(assistant, name) for name in REPORTS if name.startswith("ruritania-")}
    assert cited == everyone


# ------------------------------------------------------------------------------------------- the bundled corpus

ARTICLE_TWO = {"The Ongoing Disputes on China’s Human Rights", "China’s Conception of Human Rights",
               "China’s Human Rights in the Digital Era"}


@pytest.mark.xfail(strict=True, reason=(
    "known failure: both articles are critical in tone (one of the West's 'politicising', one of China's 'crimes'); "
    "telling which side of the proposition a critical sentence takes needs its target: the valence rules do not "
    "read it, and the reader's stance head (Perspectrum test claims 0.667) does not reach the fitted gap"))
def test_corpus_both_sides(corpus_assistant):
    answer = corpus_assistant.ask("Is Western criticism of China's human rights record fair?")
    check(answer)
    assert answer.found and answer.disagreement
    assert len(answer.positions) >= 2
    assert len({p.holder for p in answer.positions}) == len(answer.positions)
    by_n = {c.n: c for c in answer.citations}
    sections = [{by_n[n].section for n in p.citations} for p in answer.positions]
    # one side is the article that defends China's record, another is the criticism (UPR, the first article)
    assert any(s and s <= ARTICLE_TWO for s in sections)
    assert any(s and not (s & ARTICLE_TWO) for s in sections)
    assert answer.answer.startswith("**The sources disagree")


def test_a_value_in_a_sentence_shown_with_a_holders_answer_is_its_answer(assistant):
    answer = assistant.ask("When was the Tarn footbridge opened?")
    check(answer)
    assert answer.found and answer.disagreement
    register, guide = doc_of(assistant, "tarn-heritage-register.txt"), doc_of(assistant, "tarn-visitor-guide.txt")
    by_doc = {next(iter(s)): p for s, p in zip(side_docs(answer), answer.positions) if len(s) == 1}
    assert by_doc[register].value == "1931" and by_doc[guide].value == "1936"




# ------------------------------------------------------------------------------------------- the parts

@pytest.mark.parametrize("question, yes, no", [
    ("Should the old harbour stay open?", "the old harbour should stay open",
     "the old harbour should not stay open"),
    ("Was the minister's visit to Ruritania a success?", "the minister's visit to Ruritania was a success",
     "the minister's visit to Ruritania was not a success"),
    ("Does Ruritanian law explicitly prohibit child labour?",
     "Ruritanian law does explicitly prohibit child labour",
     "Ruritanian law does not explicitly prohibit child labour"),
    ("Can animal testing be justified?", "animal testing can be justified", "animal testing cannot be justified"),
    ("How has the reform fared?", "How has the reform fared?", "How has the reform fared?"),  # no auxiliary first
])
def test_a_yes_no_question_is_read_as_the_claim_it_asks_about(question, yes, no):
    assert as_claim(question) == yes and as_claim(question, negated=True) == no


@pytest.mark.parametrize("sentence, who", [
    ("The Bar Council noted, however, that the office remained understaffed.", "The Bar Council"),
    ("The Gondal Farmers Association said the accord was fair.", "The Gondal Farmers Association"),
    ("It said that the law was fair.", None),  # a pronoun names no one
    ("The law was amended in 2016.", None),  # no verb of speech
])
def test_a_sentence_names_its_speaker_by_a_verb_of_speech(sentence, who):
    assert speaker(sentence) == who


@pytest.mark.parametrize("a, b, same", [
    ("2017", "14 October 2017", True), ("1,791", "1791", True), ("50 per cent", "50%", True),
    ("Lyon", "Lyon, France", True), ("1931", "1936", False), ("Tom Reyes", "Rosa Vidal", False),
    ("December 2015", "December 2016", False)])
def test_two_values_are_the_same_when_equal_or_one_written_more_fully(a, b, same):
    assert same_value(a, b) is same


# ------------------------------------------------------------------------------ questions of judgement, answered
def judged(question: str, sentences: list[str]):
    """A Reading of a question of judgement over invented sentences, each read (the reader's own answerability left
    below any line), as rag/answer/reading.py makes one."""
    import numpy as np

    from rag.answer.reader import PairReading
    from rag.answer.reading import Candidate, Reading
    from rag.model import Document, Evidence, Paragraph
    from rag.nlp.question import read

    doc = Document("d", "Debate notes", "0" * 64, "txt", len(sentences))
    out = []
    for i, s in enumerate(sentences):
        e = Evidence(i + 1, Paragraph(f"d-{i}", "d", i, str(i + 1), "paragraph", s), doc, 0.5)
        out.append(Candidate(e, 0, s, np.zeros(1), logit=-3.0, read=PairReading(-3.0, None, -8.0, None, None)))
    return Reading(read(question), out, 0.01, 0.5)


def test_a_question_of_judgement_is_answered_by_a_sentence_that_takes_a_side_on_it(assistant):
    """The reader's answerability is fitted on SQuAD, which asks no "Should ...?" questions: an argument answers one
    where the stance head reads it as taking a side on the question's claim (the fitted `on_topic` line)."""
    question = "Should the old harbour stay open?"
    assert assistant.speaks_to_claim(judged(question, ["Closing the old harbour would ruin the fishing families."]))
    assert not assistant.speaks_to_claim(judged(question, ["School uniforms restrict students' freedom of expression.",
                                                           "The committee met on 4 May in Geneva."]))
    # a question that is no question of judgement is left to the reader's answerability
    assert not assistant.speaks_to_claim(judged("When was the old harbour built?",
                                                ["Closing the old harbour would ruin the fishing families."]))


def test_a_position_is_labelled_by_the_claim_or_by_how_it_speaks_of_the_matter():
    from rag.answer.disagree import says

    assert says(judged("Should the old harbour stay open?", ["x"]), 0.6) == "says the old harbour should stay open"
    assert says(judged("Should the old harbour stay open?", ["x"]), -0.6) == \
        "says the old harbour should not stay open"
    # no claim to read from a question that is not yes/no: how the source speaks of the matter
    assert says(judged("What does the briefing say about the visit?", ["x"]), 0.6) == "speaks favourably"
    assert says(judged("How has the new metro line fared?", ["x"]), -0.6) == "speaks critically"
    assert says(judged("When was the harbour built?", ["x"]), value="1931") == "says 1931"
