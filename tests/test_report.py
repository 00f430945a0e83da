"""`aligned report DIR`: a self-contained HTML file with its figures, from saved results."""

from __future__ import annotations

import re

import pytest

from sim import sweep
from sim.cli import main

GRID = """
name = "grid"
title = "Tiny grid"
question = "Does the tiny grid draw?"
steps = 20
seed = 4
replications = 2
record_every = 5
[constants]
n_employees = 16
n_customers = 100
[levers]
manager_reliability = [0.3, 0.9]
autonomy = { low = 0.2, high = 0.8, levels = 3 }
[outcomes]
trust_customer_firm = ["last_year", "timeseries"]
engagement_mean = ["final", "last_year"]
"""

SOBOL = """
name = "sobol"
title = "Tiny Sobol"
steps = 12
seed = 4
policies = ["efficiency_kpi", "shared_value"]
design = { kind = "sobol", n = 4 }
[constants]
n_employees = 16
n_customers = 100
[levers]
meeting_hours = { low = 2.0, high = 16.0 }
manager_reliability = { low = 0.3, high = 1.0 }
[outcomes]
engagement_mean = "last_year"
"""


def figures(text: str) -> list[tuple[str, str]]:
    """The (kind, title) of every figure block in a report."""
    return re.findall(r'<figure class="plot" data-kind="(\w+)" data-title="([^"]*)"', text)


@pytest.fixture(scope="module")
def grid_results(tmp_path_factory):
    """A tiny grid sweep saved to a results folder, with one run failed on purpose."""
    folder = tmp_path_factory.mktemp("grid")
    spec = folder / "grid.toml"
    spec.write_text(GRID)
    out = folder / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(sweep.FAIL_ENV, "5")
        sweep.execute(spec, out=out, workers=2)
    return out


def test_report_is_self_contained_with_every_figure(grid_results, capsys):
    """The report embeds plotly.js, loads nothing from the network and holds a distribution
    and a phase diagram per outcome, and the time-series bands."""
    assert main(["report", str(grid_results)]) == 0
    assert "report.html" in capsys.readouterr().out
    text = (grid_results / "report.html").read_text()
    from plotly.offline import get_plotlyjs

    library = get_plotlyjs()
    assert text.count(library) == 1  # the whole library, inline, once
    page = text.replace(library, "")
    assert "<script src" not in page and "https://" not in page  # nothing to fetch
    assert "Plotly.newPlot" in page
    found = figures(text)
    outcomes = ["trust_customer_firm (last year)", "engagement_mean (final)",
                "engagement_mean (last year)"]
    kinds = [kind for kind, _ in found]
    assert kinds.count("distribution") == 3 and kinds.count("phase") == 3
    assert kinds.count("timeseries") == 1 and "sensitivity" not in kinds
    titles = [title for _, title in found]
    assert all(any(title.startswith(o) for title in titles) for o in outcomes)
    assert page.count("Plotly.newPlot") == len(found)
    assert "Does the tiny grid draw?" in text
    # the failed run is listed and left out
    assert "Failed runs" in text and "run 5 (seed" in text and "11 ok, 1 failed, of 12" in text


def test_phase_diagram_holds_the_grid_means(grid_results):
    """The phase diagram's cells are the means over seeds of the saved runs."""
    import json

    import pandas as pd

    text = (grid_results / "report.html").read_text()
    runs = pd.read_parquet(grid_results / "runs.parquet")
    ok = runs[runs["status"] == "ok"]
    means = ok.pivot_table(index="autonomy", columns="manager_reliability",
                           values="last_year__engagement_mean", aggfunc="mean")
    blocks = text.split('<figure class="plot" data-kind="phase" '
                        'data-title="engagement_mean (last year)"')[1]
    payload = blocks.split("Plotly.newPlot(")[1]
    data = json.JSONDecoder().raw_decode(payload[payload.index("["):])[0]
    z = data[0]["z"]
    if isinstance(z, dict):  # plotly ≥ 6 may encode arrays as typed binary
        import base64

        import numpy as np

        z = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(
            [int(s) for s in str(z["shape"]).split(",")])
    assert pd.DataFrame(z).to_numpy() == pytest.approx(means.to_numpy())


def test_sobol_report_has_indices_per_policy(tmp_path):
    """A Sobol sweep's report draws S1/ST bars for each policy."""
    spec = tmp_path / "sobol.toml"
    spec.write_text(SOBOL)
    out = tmp_path / "out"
    sweep.execute(spec, out=out, workers=2)
    assert main(["report", str(out), "--out", str(tmp_path / "r.html")]) == 0
    text = (tmp_path / "r.html").read_text()
    found = figures(text)
    assert [k for k, _ in found].count("sensitivity") == 2
    assert {t for k, t in found if k == "sensitivity"} == {
        "engagement_mean (last year) — policy = efficiency_kpi",
        "engagement_mean (last year) — policy = shared_value"}
    assert "Sobol indices" in text and '"name":"ST"' in text.replace(" ", "")


def test_report_of_a_folder_without_results_is_an_input_error(tmp_path, capsys):
    """`aligned report` on a folder with no results says so in one line, exit 2."""
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "no sweep results here" in err and len(err.splitlines()) == 1


FAILING = """
name = "failing"
title = "Tiny firms at two prices"
steps = 40
seed = 4
replications = 3
[constants]
n_employees = 16
n_customers = 100
market_size = 200
spinup_weeks = 0
[levers]
price = [120.0, 2000.0]
[outcomes]
customers = "last_year"
"""


def test_report_draws_survival_when_firms_fail(tmp_path):
    """Where some firms fail, the report has a survival curve over the swept lever, and each
    run's failure and week are in the results."""
    spec = tmp_path / "failing.toml"
    spec.write_text(FAILING)
    out = tmp_path / "res"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    runs = sweep.load(out).runs
    by_price = runs.groupby("price")["failed"].mean()
    assert by_price[120.0] == 1.0 and by_price[2000.0] == 0.0
    assert (runs.loc[runs["failed"], "failed_week"] >= 1).all()
    assert (runs.loc[~runs["failed"], "failed_week"] == -1).all()
    assert main(["report", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<h2>Survival</h2>" in html and 'data-title="Survival against price"' in html
