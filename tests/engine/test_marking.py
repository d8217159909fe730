"""engine.marking: auto-mark by rule, only sure duplicates, protected folders, one state per member."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from engine.marking import (
    KEEP,
    MARKED,
    UNMARKED,
    MarkRefused,
    auto_mark,
    can_mark,
    choose_keeper,
    member_state,
    plan_marks,
    set_keeper,
    set_mark,
    settle,
)
from engine.results import Group, Member, PairScore, ScanResult
from engine.scan import regroup
from engine.settings import ScanSettings, sure_threshold_for


def m(path, size=100, w=10, h=10, mtime=0, capture=None, score=1.0, exact_of=None):
    return Member(path, size, mtime, w, h, score, capture_time=capture, exact_of=exact_of)


def all_pairs(members, score=0.99):
    return tuple(PairScore(a.path, b.path, score) for a, b in itertools.combinations(members, 2))


_MEMBERS = (m("/p/a.jpg", 100, 10, 10, 3), m("/p/b.jpg", 300, 5, 5, 1), m("/safe/c.jpg", 50, 20, 20, 2))
GROUP = Group(_MEMBERS, "/p/a.jpg", "/p/a.jpg", pair_scores=all_pairs(_MEMBERS), sure_threshold=0.95)


@pytest.mark.parametrize(
    "rule, keeper",
    [
        ("suggested", "/p/a.jpg"),
        ("resolution", "/safe/c.jpg"),
        ("size", "/p/b.jpg"),
        ("oldest", "/p/b.jpg"),
        ("newest", "/p/a.jpg"),
    ],
)
def test_rules(rule, keeper):
    assert choose_keeper(GROUP, rule) == keeper
    assert auto_mark([GROUP], rule) == {x.path for x in GROUP.members} - {keeper}


def test_preferred_and_capture_time():
    assert choose_keeper(GROUP, "preferred", ["/safe"]) == "/safe/c.jpg"
    g = Group(
        (m("/a", capture="2020-01-01T10:00:00", mtime=5), m("/b", capture="2019-05-01T10:00:00", mtime=9)), "/a", "/a"
    )
    assert choose_keeper(g, "oldest") == "/b" and choose_keeper(g, "newest") == "/a"


def test_protected_never_marked_and_never_whole_group():
    assert auto_mark([GROUP], "size", protected=["/safe"]) == {"/p/a.jpg"}
    marked = {"/p/b.jpg", "/safe/c.jpg"}
    assert can_mark(GROUP, marked, "/p/a.jpg") is not None
    assert can_mark(GROUP, set(), "/safe/c.jpg", ["/safe"]) == "it is in a protected folder"
    assert can_mark(GROUP, {"/p/b.jpg"}, "/p/a.jpg") is None


# ---------------------------------------------------------------------------------------------- the sure level


def test_a_member_below_the_sure_level_is_left_for_review():
    g = Group(
        (m("/r.jpg"), m("/copy.jpg", score=0.99), m("/lookalike.jpg", score=0.91)),
        "/r.jpg",
        "/r.jpg",
        pair_scores=(PairScore("/r.jpg", "/copy.jpg", 0.99), PairScore("/r.jpg", "/lookalike.jpg", 0.91)),
        sure_threshold=0.945,
    )
    plan = plan_marks([g], "suggested")
    assert plan.marked == {"/copy.jpg"}
    assert plan.uncertain == {"/r.jpg"} and g.uncertain and g.unsure_members() == ("/lookalike.jpg",)
    assert auto_mark([g], "suggested") == {"/copy.jpg"}
    sure = replace(g, sure_threshold=0.9)
    assert auto_mark([sure], "suggested") == {"/copy.jpg", "/lookalike.jpg"} and not sure.uncertain


def test_the_score_that_counts_is_against_the_keeper_not_the_reference():
    # both score 0.99 against the reference; the rule keeps big.jpg, which the scan measured only against far.jpg
    members = (m("/ref.jpg", w=10), m("/big.jpg", w=50, score=0.99), m("/far.jpg", w=10, score=0.99))
    pairs = (
        PairScore("/ref.jpg", "/big.jpg", 0.99),
        PairScore("/ref.jpg", "/far.jpg", 0.99),
        PairScore("/big.jpg", "/far.jpg", 0.80),
    )
    g = Group(members, "/ref.jpg", "/ref.jpg", pair_scores=pairs, sure_threshold=0.95)
    plan = plan_marks([g], "resolution")
    assert plan.groups[0].keeper == "/big.jpg"
    assert plan.marked == {"/ref.jpg"}  # far.jpg is only 0.80 like big.jpg: not sure
    unmeasured = replace(g, pair_scores=pairs[:2])
    assert plan_marks([unmeasured], "resolution").marked == {"/ref.jpg"}  # not measured is not sure
    assert plan_marks([unmeasured], "resolution").uncertain == {"/ref.jpg"}


def test_byte_copies_are_sure_without_any_pair():
    members = (m("/a.jpg"), m("/b.jpg", exact_of="/a.jpg"))
    assert auto_mark([Group(members, "/a.jpg", "/a.jpg", exact=True)], "suggested") == {"/b.jpg"}
    assert auto_mark([Group(members, "/a.jpg", "/a.jpg")], "suggested") == {"/b.jpg"}


def fake_scan(sure: float) -> ScanResult:
    catalog = {p: m(p) for p in ("/a", "/b", "/c", "/d")}
    pairs = (PairScore("/a", "/b", 0.97), PairScore("/a", "/c", 0.9), PairScore("/b", "/c", 0.96))
    return ScanResult((), pairs, (), 0.85, "fake", 4, catalog, sure_threshold=sure)


def test_regroup_gives_every_group_its_scores_and_the_scan_sure_level():
    result = regroup(fake_scan(0.95), 0.85)
    [g] = result.groups
    assert g.sure_threshold == 0.95 and {frozenset((p.a, p.b)) for p in g.pair_scores} == {
        frozenset(x) for x in (("/a", "/b"), ("/a", "/c"), ("/b", "/c"))
    }
    assert g.score_between("/b", "/c") == 0.96 and g.score_between("/c", "/d") is None
    # c scores 0.96 against the reference b, but only 0.9 against the keeper a
    assert (g.reference, g.keeper) == ("/b", "/a") and {x.path: x.score for x in g.members}["/c"] == 0.96
    assert g.uncertain and plan_marks([g], "suggested").marked == {"/b"}
    labelled = regroup(fake_scan(0.95), 0.85, duplicates=[frozenset(("/a", "/c"))])
    assert not labelled.groups[0].uncertain  # the user said a and c are duplicates: sure


def test_sure_level_setting_model_field_then_halfway_to_one():
    assert sure_threshold_for(0.89) == pytest.approx(0.945)
    assert sure_threshold_for(0.89, declared=0.97) == 0.97
    assert sure_threshold_for(0.89, declared=0.97, setting=0.99) == 0.99
    assert ScanSettings().sure_threshold is None


# ---------------------------------------------------------------------------------------------- one state


def test_auto_mark_never_marks_the_keeper_it_shows():
    g = replace(GROUP, keeper="/p/a.jpg")
    plan = plan_marks([g], "preferred", ["/safe"])
    [shown] = plan.groups
    assert shown.keeper == "/safe/c.jpg" and "/p/a.jpg" in plan.marked  # the old suggestion goes, visibly
    for group in plan.groups:
        assert group.keeper not in plan.marked
        states = [member_state(group, plan.marked, x.path) for x in group.members]
        assert states.count(KEEP) == 1 and all(s in (KEEP, MARKED, UNMARKED) for s in states)


def test_marking_the_keeper_hands_the_keeper_role_on():
    g, marks = set_mark(GROUP, set(), "/p/a.jpg", True)
    assert "/p/a.jpg" in marks and g.keeper != "/p/a.jpg" and g.keeper not in marks
    assert g.keeper == "/safe/c.jpg"  # the keep rules over the unmarked others: the highest resolution
    with pytest.raises(MarkRefused, match="one must stay"):
        set_mark(g, marks | {"/p/b.jpg"}, g.keeper, True)
    with pytest.raises(MarkRefused, match="protected"):
        set_mark(g, marks, "/safe/c.jpg", True, protected=["/safe"])
    g2, marks2 = set_keeper(g, marks, "/p/a.jpg")
    assert g2.keeper == "/p/a.jpg" and "/p/a.jpg" not in marks2
    assert set_mark(g2, marks2, "/p/b.jpg", False)[1] == marks2 - {"/p/b.jpg"}


def _one_state(groups, marked) -> None:
    for g in groups:
        assert g.keeper not in marked and sum(member_state(g, marked, x.path) == KEEP for x in g.members) == 1


def test_settle_keeps_one_state_per_member_after_groups_or_marks_change():
    """What the GUI calls after a regrouping or a new set of marks: no keeper marked, no protected mark."""
    groups, marked = settle([GROUP], {"/p/a.jpg", "/nowhere.jpg"})  # the keeper marked by a replaced mark set
    assert marked == {"/p/a.jpg"} and groups[0].keeper == "/safe/c.jpg"  # handed on by the keep rules
    _one_state(groups, marked)
    groups, marked = settle([GROUP], set(), kept={"/p/b.jpg"})  # chosen before (a rule, or by hand)
    assert groups[0].keeper == "/p/b.jpg" and not marked
    groups, marked = settle([GROUP], {x.path for x in _MEMBERS})  # everything marked: the keeper stays
    assert groups[0].keeper == "/p/a.jpg" and marked == {"/p/b.jpg", "/safe/c.jpg"}
    groups, marked = settle([GROUP], {"/p/b.jpg", "/safe/c.jpg"}, protected=["/safe"])
    assert marked == {"/p/b.jpg"}
    _one_state(groups, marked)
