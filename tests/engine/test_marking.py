"""engine.marking: auto-mark by rule, protected folders, never a whole group."""

from __future__ import annotations

import pytest

from engine.marking import auto_mark, can_mark, choose_keeper
from engine.results import Group, Member


def m(path, size=100, w=10, h=10, mtime=0, capture=None):
    return Member(path, size, mtime, w, h, 1.0, capture_time=capture)


GROUP = Group(
    (m("/p/a.jpg", 100, 10, 10, 3), m("/p/b.jpg", 300, 5, 5, 1), m("/safe/c.jpg", 50, 20, 20, 2)),
    reference="/p/a.jpg",
    keeper="/p/a.jpg",
)


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
