"""Suppression rules and grouping of unanswered questions."""

from __future__ import annotations

from bot.analytics.tables import UnansweredQuestion
from bot.dashboard import charts
from bot.dashboard.grouping import group_questions, jaccard, shingles
from bot.dashboard.queries import unanswered_table
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


def _questions(refs: list[str | None]) -> list[UnansweredQuestion]:
    return [
        UnansweredQuestion(
            id=i + 1, text_redacted="hoe werkt loonbeslag bij mijn werkgever", conversation_ref=ref
        )
        for i, ref in enumerate(refs)
    ]


def test_a_group_of_twelve_questions_is_labelled_by_its_residents_not_its_size() -> None:
    """Issue 18: a review group counted 12 was labelled "less than 5 residents"."""
    one_resident = charts.display_rows(unanswered_table(_questions(["r1"] * 12)))
    assert one_resident[0][1:4] == [
        "Alleen trefwoorden (minder dan 5 verschillende inwoners)",
        12,
        "<5",
    ]
    unknown = charts.display_rows(unanswered_table(_questions([None] * 12)))
    assert unknown[0][1:4] == [
        "Alleen trefwoorden (niet bekend hoeveel verschillende inwoners)",
        12,
        "onbekend",
    ]
    six = charts.display_rows(unanswered_table(_questions([f"r{i}" for i in range(6)] * 2)))
    assert six[0][1:4] == ["hoe werkt loonbeslag bij mijn werkgever", 12, 6]


def test_one_small_cell_in_a_period_whose_total_is_shown_hides_a_second_one() -> None:
    """The headline shows conversations per period; per period and channel, a single "<5" next
    to that total could be computed, so the smallest other cell of that period is hidden too."""
    from bot.dashboard.queries import Table

    table = Table(
        "conversations",
        "Gesprekken",
        ["periode", "kanaal", "gesprekken"],
        [
            ["2026-W40", "telegram", 9],
            ["2026-W40", "web", 3],
            ["2026-W40", "whatsapp", 20],
            ["2026-W41", "telegram", 7],
            ["2026-W41", "whatsapp", 8],
            ["2026-W42", "telegram", 2],
            ["2026-W42", "web", 1],
            ["2026-W42", "whatsapp", 30],
        ],
        (2,),
        name_columns={1: "channel"},
        group_totals_by=0,
    )
    shown = [row[2] for row in charts.display_rows(table)]
    assert shown == ["onderdrukt", "<5", 20, 7, 8, "<5", "<5", 30]
    svg = charts.stacked_columns(table)
    assert svg.count('fill="url(#hatch)" class="small-cap"') == 1 + 4  # legend + 4, never a size
