"""Lessons: the HTML handout holds the narrative, the charts and the claims' verdicts, works
offline, and the CLI writes it; `aligned scenarios` lists the whole library."""

import re

import pytest
from plotly.offline import get_plotlyjs

from sim import lesson
from sim import scenario as scenarios
from sim.cli import main

SMALL_BASE = """name = "baseline"
title = "A small firm"
steps = 30
[params]
n_employees = 16
team_size = 8
n_customers = 160
market_size = 240
n_shareholders = 3
"""

LOUD = """name = "loud"
title = "Meetings all day"
description = "Managers fill the week with meetings."
extends = "baseline"
compare_with = "quiet"
charts = ["effort_total", "annual_quit_rate"]

[narrative]
what_it_is = "A firm drowning in meetings."
how_it_works = "Meetings take hours from the week and weigh on engagement."
things_to_notice = \"\"\"
- Effort falls.
- Engagement falls.\"\"\"
things_to_try = "Run `aligned run loud --set meeting_hours=2`."
sources = "Rogelberg (2019)."

[params]
# half the week in meetings, to make the point
meeting_hours = 20  # the overload

[[claims]]
measure = "effort_total"
relation = "lower"
why = "Meetings eat the week."

[[claims]]
measure = "effort_total"
relation = "higher"
"""

QUIET = """name = "quiet"
title = "Few meetings"
extends = "baseline"
compare_with = "loud"
[params]
meeting_hours = 1
"""


@pytest.fixture
def library(tmp_path, monkeypatch):
    """A scenario folder with a small baseline and two scenarios compared with each other."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "baseline.toml").write_text(SMALL_BASE)
    (folder / "loud.toml").write_text(LOUD)
    (folder / "quiet.toml").write_text(QUIET)
    monkeypatch.setattr(scenarios, "SCENARIO_DIR", folder)
    return folder


def test_handout_has_narrative_charts_claims_and_plotly_inline(library, tmp_path):
    """The handout holds every narrative section, one plotly div per key measure, each claim
    with its verdict, what the scenario changes and why, and plotly.js itself (offline)."""
    out = tmp_path / "loud.html"
    path = lesson.write("loud", out, seeds=3, workers=1)
    assert path == out
    text = out.read_text(encoding="utf-8")
    for words in ("Meetings all day", "A firm drowning in meetings.",
                  "Meetings take hours from the week", "<li>Effort falls.</li>",
                  "<code>aligned run loud --set meeting_hours=2</code>", "Rogelberg (2019).",
                  "half the week in meetings, to make the point the overload"):
        assert words in text, words
    assert 'id="chart-0"' in text and 'id="chart-1"' in text and 'id="chart-2"' not in text
    assert text.count("Plotly.newPlot(") >= 2
    assert get_plotlyjs() in text  # plotly.js is embedded, not linked
    rest = text.replace(get_plotlyjs(), "")
    assert "<script src=" not in rest and "cdn.plot.ly" not in rest
    rows = re.findall(r"<tr><td><strong>effort_total</strong>.*?</tr>", text, re.S)
    assert len(rows) == 2
    # three seeds cannot reach p < 0.01 (the least one-sided p is 1/8): neither claim can hold
    assert all('class="open">inconclusive' in r for r in rows)
    assert "Meetings eat the week." in rows[0]
    assert "p &lt; 0.01" in text


def test_opposite_claims_cannot_both_hold(library):
    """Of two opposite claims on the same runs at most one holds, and with 3 seeds neither can
    reach p < 0.01 (the smallest one-sided Wilcoxon p with 3 pairs is 1/8)."""
    data = lesson.gather("loud", seeds=3, workers=1)
    lower, higher = data.verdicts
    assert not (lower.held and higher.held)
    assert lower.pvalue >= 0.125 and higher.pvalue >= 0.125
    assert lower.absolute == pytest.approx(-higher.absolute)


def test_lesson_command_writes_the_file(library, tmp_path, capsys):
    """`aligned lesson NAME --out FILE --seeds N` writes the handout and says where."""
    out = tmp_path / "handout.html"
    assert main(["lesson", "quiet", "--out", str(out), "--seeds", "2", "--workers", "1",
                 "--results", str(tmp_path / "runs")]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert "Few meetings" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["lesson", "nope"], "unknown scenario 'nope'"),
        (["lesson", "quiet", "--seeds", "0"], "--seeds 0"),
        (["lesson", "quiet", "--out", "x.pdf"], "--out x.pdf: expected a file name ending"),
    ],
)
def test_lesson_bad_input(library, argv, message, capsys):
    """Bad lesson input is one line with exit code 2."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_scenarios_lists_every_file_with_its_title(capsys):
    """`aligned scenarios` prints every scenario of the library with its title."""
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = scenarios.available()
    assert len(lines) == len(names)
    for name, line in zip(names, lines, strict=True):
        spec = scenarios.load(name)
        assert line.split()[0] == name and spec.title in line


def test_scenario_index_names_every_lesson():
    """scenarios/README.md indexes every scenario with its lesson command."""
    index = (scenarios.SCENARIO_DIR / "README.md").read_text(encoding="utf-8")
    for name in scenarios.available():
        assert f"aligned lesson {name}`" in index, name


@pytest.mark.slow
def test_support_centre_lesson_is_a_complete_handout(tmp_path):
    """The library's flagship lesson: narrative, one chart per key measure, every claim."""
    spec = scenarios.load("support_centre_speed_metric")
    out = tmp_path / "support.html"
    assert main(["lesson", spec.name, "--out", str(out), "--seeds", "2",
                 "--results", str(tmp_path / "runs")]) == 0
    text = out.read_text(encoding="utf-8")
    assert spec.title in text and "Rewarding A while hoping for B." in text
    for i in range(len(spec.charts)):
        assert f'id="chart-{i}"' in text
    assert text.count("<tr><td><strong>") == len(spec.claims)
    assert "support_centre_balanced" in text and "Things to try" in text


def test_lesson_without_comparison_or_claims(library, tmp_path):
    """A scenario compared with nothing gets default charts of itself alone, no claims
    section, and its settings read against the declared defaults."""
    out = tmp_path / "base.html"
    lesson.write("baseline", out, seeds=2, workers=1)
    text = out.read_text(encoding="utf-8")
    assert text.count('class="chart"') == len(lesson.DEFAULT_CHARTS)
    assert "What the model claims" not in text
    assert "Everything else is as in the declared defaults" in text
    assert "<code>n_employees</code>" in text
