"""The model in the tools researchers already use: Mesa's `rng`, SolaraViz controls built
from the parameter declaration, `mesa.batch_run`, and EMA Workbench (a spec as an EMA model,
PRIM scenario discovery on a saved sweep)."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from sim import sweep
from sim.errors import InputError
from sim.model import WorkplaceModel
from sim.params import PARAMS

TINY = {"n_employees": 16, "n_customers": 100, "spinup_weeks": 0}
ROOT = Path(__file__).resolve().parent.parent


def series(model: WorkplaceModel, weeks: int) -> pd.DataFrame:
    """Step a model and return its recorded weeks."""
    for _ in range(weeks):
        model.step()
    return model.datacollector.get_model_vars_dataframe()


def test_rng_seeds_the_model_as_seed_does():
    """WorkplaceModel(rng=5) runs exactly as WorkplaceModel(seed=5); another rng differs."""
    by_rng = series(WorkplaceModel(rng=5, **TINY), 6)
    by_seed = series(WorkplaceModel(seed=5, **TINY), 6)
    other = series(WorkplaceModel(rng=6, **TINY), 6)
    pd.testing.assert_frame_equal(by_rng, by_seed)
    assert not by_rng.equals(other)


def test_seed_and_rng_together_are_refused_naming_both():
    """Giving both seed and rng is an error that names both."""
    with pytest.raises(InputError, match=r"seed = 1 and rng = 2 are both given"):
        WorkplaceModel(seed=1, rng=2, **TINY)


# --- Mesa's SolaraViz ----------------------------------------------------------------------
def test_solara_model_params_follow_the_declaration():
    """Each parameter becomes the control of its type, with its declared default and range."""
    from sim.interop.mesa import solara_model_params

    controls = solara_model_params()
    assert list(controls) == list(PARAMS)
    meetings = controls["meeting_hours"]
    declared = PARAMS["meeting_hours"]
    assert meetings["type"] == "SliderFloat"
    assert (meetings["value"], meetings["min"], meetings["max"]) == (
        declared.default, declared.low, declared.high)
    assert 0 < meetings["step"] <= (declared.high - declared.low) / 50
    assert controls["n_employees"]["type"] == "SliderInt"
    assert controls["employee_scheme"]["type"] == "Select"
    assert controls["employee_scheme"]["values"] == list(PARAMS["employee_scheme"].choices)
    assert controls["staffing"] == {"type": "Checkbox", "value": True, "label": "staffing"}
    picked = solara_model_params(names=["autonomy"], groups=["finance"])
    assert "autonomy" in picked and "wage" in picked and "meeting_hours" not in picked
    with pytest.raises(InputError, match="unknown parameter 'autonomyy'"):
        solara_model_params(names=["autonomyy"])


def test_mesa_solaraviz_page_builds_steps_and_resets_the_model():
    """Mesa's own SolaraViz page, given our controls, renders them, steps the model, and on
    Reset builds a new model from the controls' values."""
    import ipyvuetify as vw
    import solara
    from mesa.visualization import SolaraViz, make_plot_component

    from sim.interop.mesa import solara_model_params

    controls = {**solara_model_params(names=["meeting_hours", "employee_scheme", "staffing"]),
                **TINY}
    current = solara.reactive(WorkplaceModel(rng=1, **TINY))
    first = current.value

    @solara.component
    def Page():
        with solara.AppLayout():
            SolaraViz(current, components=[make_plot_component("engagement_mean")],
                      model_params=controls, name="Aligned")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # solara: no source for a test's component
        _, rc = solara.render(Page(), handle_error=False)
    sliders = {s.label: s for s in rc.find(vw.Slider).widgets}
    meetings = sliders["meeting_hours (h/week)"]
    assert (meetings.v_model, meetings.min, meetings.max) == (
        PARAMS["meeting_hours"].default, PARAMS["meeting_hours"].low,
        PARAMS["meeting_hours"].high)
    assert [s.v_model for s in rc.find(vw.Select).widgets] == ["balanced_scorecard"]
    buttons = {str(b.children[0]): b for b in rc.find(vw.Btn).widgets}
    buttons["Step"].click()
    buttons["Step"].click()
    assert current.value is first and first.week == 2
    meetings.v_model = 4.0
    buttons["Reset"].click()
    assert current.value is not first and current.value.week == 0
    assert current.value.p["meeting_hours"] == 4.0 and current.value.p["n_employees"] == 16


# --- mesa.batch_run --------------------------------------------------------------------------
def test_mesa_batch_run_on_the_model():
    """The README's example: mesa.batch_run over two meeting loads and two seeds gives one
    row per run and recorded week, each with the measures, and seeds that repeat."""
    import mesa

    from sim.interop.mesa import batch_model

    start_method = multiprocessing.get_start_method(allow_none=True)
    try:
        rows = mesa.batch_run(batch_model, {"meeting_hours": [2.0, 8.0], **TINY},
                              rng=[1, 2], max_steps=10, data_collection_period=1,
                              number_processes=1, display_progress=False)
    finally:  # batch_run sets the process start method for everyone; put it back
        multiprocessing.set_start_method(start_method, force=True)
    results = pd.DataFrame(rows)
    assert len(results) == 2 * 2 * 10
    assert sorted(results["Step"].unique()) == list(range(1, 11))
    assert {"engagement_mean", "trust_customer_firm", "profit"} <= set(results.columns)
    run = results[(results["rng"] == 1) & (results["meeting_hours"] == 2.0)]
    again = series(WorkplaceModel(rng=1, meeting_hours=2.0, **TINY), 10)
    assert run["engagement_mean"].tolist() == again["engagement_mean"].tolist()


# --- EMA Workbench ---------------------------------------------------------------------------
SPEC = {
    "name": "tiny_ema", "steps": 12, "seed": 3, "replications": 1,
    "design": {"kind": "lhs", "n": 4},
    "constants": TINY,
    "uncertainties": {"price": {"low": 250.0, "high": 450.0}},
    "levers": {"manager_reliability": [0.3, 0.9], "meeting_hours": 4.0},
    "policies": ["efficiency_kpi", "shared_value"],
    "outcomes": {"trust_customer_firm": ["last_year", "timeseries"], "profit": "final"},
}


def test_ema_model_has_the_specs_roles():
    """The EMA model's uncertainties, levers, constants and outcomes are the spec's."""
    pytest.importorskip("ema_workbench")
    from ema_workbench import CategoricalParameter, RealParameter, ScalarOutcome

    from sim.interop.ema import ema_model

    model = ema_model(SPEC)
    uncertainties = {u.name: u for u in model.uncertainties}
    levers = {lever.name: lever for lever in model.levers}
    assert isinstance(uncertainties["price"], RealParameter)
    assert (uncertainties["price"].lower_bound, uncertainties["price"].upper_bound) == (
        250.0, 450.0)
    assert isinstance(levers["named_policy"], CategoricalParameter)
    assert isinstance(levers["manager_reliability"], CategoricalParameter)
    assert {c.name: c.value for c in model.constants} == {
        **TINY, "meeting_hours": 4.0, "seed": sweep.run_seeds(3, 1)[0]}
    outcomes = {o.name: o for o in model.outcomes}
    assert set(outcomes) == {"last_year__trust_customer_firm", "final__profit",
                             "trust_customer_firm"}
    assert isinstance(outcomes["final__profit"], ScalarOutcome)


def test_ema_experiments_equal_the_sweeps_runs():
    """EMA runs the same experiment as the sweep: a design point evaluated through EMA's
    model gives the outcomes the sweep recorded for it."""
    pytest.importorskip("ema_workbench")
    from ema_workbench import Sample, perform_experiments

    from sim.interop.ema import ema_model

    spec = {**SPEC, "design": "grid", "uncertainties": {"price": [300.0, 400.0]}}
    runs = sweep.run(spec, workers=1)
    model = ema_model(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        experiments, outcomes = perform_experiments(
            model, scenarios=[Sample("p300", price=300.0)],
            policies=[Sample("kpi", named_policy="efficiency_kpi", manager_reliability=0.9)])
    row = runs[(runs["policy"] == "efficiency_kpi") & (runs["manager_reliability"] == 0.9)
                & (runs["price"] == 300.0)]
    assert len(row) == 1 and len(experiments) == 1
    for column in ("last_year__trust_customer_firm", "final__profit"):
        assert outcomes[column][0] == pytest.approx(float(row[column].iloc[0]), rel=1e-12)
    assert outcomes["trust_customer_firm"].shape == (1, 12)


@pytest.fixture(scope="module")
def trust_sweep(tmp_path_factory):
    """A small saved sweep for scenario discovery: a tiny firm, short runs, an LHS over a
    condition and two levers; manager reliability decides much of customer trust."""
    out = tmp_path_factory.mktemp("discovery") / "results"
    spec = {"name": "tiny_trust", "steps": 26, "seed": 7, "replications": 1,
            "design": {"kind": "lhs", "n": 40},
            "constants": {**TINY, "manager_scheme": "efficiency_kpi"},
            "uncertainties": {"case_rate": {"low": 0.12, "high": 0.3}},
            "levers": {"manager_reliability": {"low": 0.05, "high": 1.0},
                       "meeting_hours": {"low": 2.0, "high": 16.0}},
            "outcomes": {"trust_customer_firm": "last_year", "customers": "last_year"}}
    sweep.run(spec, out=out, workers=1)
    return out


def test_prim_finds_a_box_where_customers_lose_trust(trust_sweep):
    """PRIM on the saved sweep finds a box of inputs whose runs mostly end with customers
    trusting the firm least, denser in those runs than the sweep as a whole."""
    pytest.importorskip("ema_workbench")
    from sim.interop.ema import box_limits, discover

    runs = sweep.load(trust_sweep).runs
    outcome = "last_year__trust_customer_firm"
    threshold = float(runs[outcome].quantile(0.25))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = discover(trust_sweep, outcome, threshold)
    base_rate = float((runs[outcome] < threshold).mean())
    assert box.density > base_rate and box.coverage > 0
    limits = box_limits(box)
    assert len(limits) and set(limits.index) <= {"case_rate", "manager_reliability",
                                                 "meeting_hours"}
    assert (limits["min"] <= limits["max"]).all()
    with pytest.raises(InputError, match="not a column"):
        discover(trust_sweep, "last_year__nope", 0.5)


def test_trust_discovery_example_runs_on_a_saved_sweep(trust_sweep):
    """experiments/trust_discovery.py prints the PRIM box of a saved sweep."""
    pytest.importorskip("ema_workbench")
    done = subprocess.run([sys.executable, str(ROOT / "experiments" / "trust_discovery.py"),
                           str(trust_sweep)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "40 runs; of interest: last_year__trust_customer_firm <" in done.stdout
    assert "PRIM box" in done.stdout and "coverage" in done.stdout
