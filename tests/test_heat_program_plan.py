"""The plan on its own: every request, however odd, gives a program inside the Timers API's limits."""
from hypothesis import given, strategies as st

from back_spasm_coach import heat_program as flow
from back_spasm_coach.content import load

durations = st.one_of(st.none(), st.just("?"), st.text(max_size=12),
                      st.integers(min_value=1, max_value=10 * 3600).map(flow.iso_duration))
rounds = st.one_of(st.none(), st.text(max_size=4), st.integers(min_value=-3, max_value=50).map(str))


@given(kind=st.sampled_from(["heat", "cold", "alternate", None, "nonsense"]), length=durations, count=rounds)
def test_any_request_makes_a_plan_within_the_limits(kind, length, count):
    plan = flow.make_plan(kind, length, count)
    phases = plan.phases()
    assert 1 <= len(phases) <= flow.MAX_TIMERS
    assert sum(p.seconds for p in phases) <= flow.MAX_PROGRAM_SECONDS
    assert all(flow.MIN_SECONDS <= p.seconds <= flow.MAX_SECONDS for p in phases)
    assert phases[-1].kind != "rest" and phases[0].kind != "rest"
    assert flow.Plan.from_token(plan.token()).to_dict() == plan.to_dict()


@given(st.integers(min_value=1, max_value=2 * 3600))
def test_iso_durations_read_back(seconds):
    assert flow.parse_duration(flow.iso_duration(seconds)) == seconds


def test_spoken_lengths_are_clamped_with_a_reason():
    assert flow.make_plan("heat", "PT45M").seconds == 20 * 60
    assert flow.make_plan("heat", "PT45M").notes[0].key == "heat_program.notes.capped"
    assert flow.make_plan("heat", "PT1M").seconds == 5 * 60
    assert flow.make_plan("heat", "PT12M").seconds == 12 * 60 and flow.make_plan("heat", "PT12M").chosen
    assert flow.make_plan("heat", None, remembered={"heat": 18 * 60}).seconds == 18 * 60


def test_kinds_from_resolution_or_words():
    assert flow.parse_kind("cold", "whatever") == "cold"
    assert flow.parse_kind(None, "hot and cold") == "alternate"
    assert flow.parse_kind(None, "ice pack") == "cold"
    assert flow.parse_kind(None, "heating pad") == "heat"
    assert flow.parse_kind(None, "banana") is None


def test_every_announcement_is_plain_text_and_only_the_last_says_see_someone():
    content = load("en-AU")
    phases = flow.make_plan("heat", "PT10M", "3").phases()
    said = [flow.announcement(content, phases, i) for i in range(len(phases))]
    assert all("<" not in text and "&" not in text for text in said)
    assert [("physio" in text) for text in said] == [False] * (len(said) - 1) + [True]


def test_a_program_cut_short_never_ends_on_a_rest():
    phases = flow.phases_for("heat", 600, 3)  # heat rest heat rest heat
    kept, note = flow.fit_to_free_timers(phases, 2)
    assert [p.kind for p in kept] == ["heat"] and note is not None
