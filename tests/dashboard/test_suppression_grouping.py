"""Suppression rules and grouping of unanswered questions."""

from __future__ import annotations

from bot.dashboard.grouping import group_questions, jaccard, shingles
from bot.dashboard.suppression import cell, column, share


def test_cells() -> None:
    assert [cell(n) for n in range(7)] == [0, "<5", "<5", "<5", "<5", 5, 6]


def test_share_hides_a_small_part_or_a_small_rest() -> None:
    assert share(10, 40) == "25%"
    assert share(3, 40) == "onderdrukt (<5)"
    assert share(38, 40) == "onderdrukt (<5)"  # 40 - 38 = 2 people would be revealed
    assert share(0, 0) == "-"


def test_similar_questions_group_together() -> None:
    questions = [
        (1, "kan ik kwijtschelding krijgen voor de gemeentebelasting"),
        (2, "Kan ik kwijtschelding krijgen voor gemeentebelasting?"),
        (3, "wat is een wsnp traject"),
        (4, "wat is een WSNP-traject precies"),
        (5, "mijn fiets is gestolen"),
    ]
    groups = group_questions(questions)
    as_sets = sorted(sorted(g.ids) for g in groups)
    assert as_sets == [[1, 2], [3, 4], [5]]
    assert jaccard(shingles("abc"), shingles("abc")) == 1.0


def test_complementary_suppression_when_the_total_is_shown_elsewhere() -> None:
    assert column([3, 9, 20, 0]) == ["<5", 9, 20, 0]
    assert column([3, 9, 20, 0], total_published=True) == ["<5", "onderdrukt", 20, 0]
    assert column([3, 2, 20], total_published=True) == [
        "<5",
        "<5",
        20,
    ]  # two unknowns: no single answer
