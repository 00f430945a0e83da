"""Calibration as inference (sim.calibrate) and runs over its posterior (sim.posterior): the
ABC machinery on a problem with a known answer, resuming, the posterior file, and the
commands that read it."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest

from sim import calibrate, posterior
from sim import scenario as scenarios
from sim.cli import main
from sim.study.executors import LocalExecutor

#: A point inside the prior that the toy problem's moments are centred on.
TRUTH = np.array([0.5 * (lo + hi) + 0.2 * (hi - lo) for lo, hi in
                  (p.bounds for p in calibrate.PRIORS)])
WIDTH = np.array([hi - lo for lo, hi in (p.bounds for p in calibrate.PRIORS)])


def toy(job: tuple[dict[str, float], int, int]) -> dict[str, float]:
    """Moments that reach every target exactly at TRUTH: target + tolerance × the scaled
    distance of parameter i from the truth (parameters past the targets' count
    unidentified), plus noise."""
    theta, seed, _ = job
    x = np.array([p.to_unit(np.array(theta[p.name])) for p in calibrate.PRIORS], dtype=float)
    noise = np.random.default_rng(seed).normal(0.0, 0.02, len(calibrate.TARGETS))
    out = {t.name: t.value + t.tolerance * (4 * (x[i] - TRUTH[i]) / WIDTH[i] + noise[i])
           for i, t in enumerate(calibrate.TARGETS)}
    out.update({t.name: 0.0 for t in calibrate.HELD_OUT})
    return out


def unit_mean(frame: pd.DataFrame) -> np.ndarray:
    w = frame["weight"].to_numpy(float)
    return np.average(calibrate._unit(frame), axis=0, weights=w)


def test_prior_draws_and_proposals_stay_inside_the_prior():
    """Every prior draw and every kernel move lies inside the prior's support; weights of
    new particles are finite and positive; equal weights have ESS = their count."""
    rng = np.random.default_rng(0)
    x = calibrate.prior_draws(rng, 500)
    assert calibrate._inside(x).all()
    kept, w = x[:50], np.ones(50)
    moved = calibrate.propose(rng, kept, w, 400)
    assert calibrate._inside(moved).all()
    weights = calibrate.new_weights(moved, kept, w)
    assert np.all(np.isfinite(weights)) and np.all(weights > 0)
    assert calibrate.effective_sample_size(np.ones(37)) == pytest.approx(37)
    assert calibrate.effective_sample_size(np.array([1.0, 0.0, 0.0])) == pytest.approx(1)


def test_the_fit_narrows_onto_a_known_answer_and_resumes(tmp_path):
    """On moments generated at a known point, APMC's tolerance falls generation by
    generation and the weighted posterior mean of the identified parameters ends, on
    average, less than half as far from the truth as the prior's mean (0.2 of each prior's
    width away); stopped after two generations, the same fit resumes without redoing them
    and ends with the same posterior as one run straight through."""
    settings = calibrate.Settings(particles=100, alpha=0.5, p_acc_min=0.0, max_generations=8,
                                  seed=7)
    executor = LocalExecutor(1)
    whole = calibrate.fit(tmp_path / "whole", settings, executor, simulate=toy)
    eps = [g.epsilon for g in whole.generations]
    assert len(eps) == 8 and all(b <= a for a, b in itertools.pairwise(eps))
    assert eps[-1] < 0.6 * eps[0]
    identified = slice(0, len(calibrate.TARGETS))
    prior_miss = 0.2 * WIDTH[identified]
    post_miss = np.abs(unit_mean(whole.posterior)[identified] - TRUTH[identified])
    assert np.mean(post_miss / prior_miss) < 0.5, post_miss / prior_miss

    folder = tmp_path / "stopped"
    first = calibrate.fit(folder, settings, executor, simulate=toy, max_runs=100 + 50)
    assert first.runs == 150 and len(first.generations) == 2
    lines_before = len((folder / "gen_001.jsonl").read_text().splitlines())
    resumed = calibrate.fit(folder, settings, executor, simulate=toy)
    assert len((folder / "gen_001.jsonl").read_text().splitlines()) == lines_before
    pd.testing.assert_frame_equal(resumed.posterior, whole.posterior)


def test_a_fit_with_other_settings_is_refused(tmp_path):
    """A folder holding a fit made with other settings is not mixed with a new one."""
    executor = LocalExecutor(1)
    calibrate.fit(tmp_path, calibrate.Settings(particles=8, max_generations=1), executor,
                  simulate=toy)
    with pytest.raises(calibrate.InputError, match="other settings"):
        calibrate.fit(tmp_path, calibrate.Settings(particles=10, max_generations=1),
                      executor, simulate=toy)


def test_a_fit_of_other_priors_is_refused(tmp_path, monkeypatch):
    """Runs drawn from other priors (or for another baseline) are not resumed as this
    problem's: the folder names what differs."""
    executor = LocalExecutor(1)
    settings = calibrate.Settings(particles=8, max_generations=1)
    calibrate.fit(tmp_path, settings, executor, simulate=toy)
    narrower = (calibrate.Prior(*[*dataclasses.astuple(calibrate.PRIORS[0])[:2], 0.5,
                                  *dataclasses.astuple(calibrate.PRIORS[0])[3:]]),
                *calibrate.PRIORS[1:])
    monkeypatch.setattr(calibrate, "PRIORS", narrower)
    with pytest.raises(calibrate.InputError, match=r"another problem.*priors"):
        calibrate.fit(tmp_path, settings, executor, simulate=toy)


@pytest.fixture
def small_posterior(tmp_path, monkeypatch):
    """A posterior file of three particles of unequal weight, used by the commands."""
    executor = LocalExecutor(1)
    result = calibrate.fit(tmp_path / "fit", calibrate.Settings(particles=8, max_generations=1),
                           executor, simulate=toy)
    result.posterior["weight"] = [0.0, 1.0, 3.0, 0.0]
    path = calibrate.write_posterior(result, calibrate.metadata(result, 1.0, "local", 1),
                                     tmp_path / "posterior.parquet")
    monkeypatch.setenv("ALIGNED_POSTERIOR", str(path))
    return result.posterior


def test_the_posterior_file_keeps_particles_weights_and_metadata(small_posterior):
    """The file reads back with every fitted parameter, normalized weights and the fit's
    metadata; draws follow the weights (a particle of weight 0 is never drawn) and are the
    same on every call."""
    frame, meta = calibrate.read_posterior()
    assert frame["weight"].sum() == pytest.approx(1.0)
    assert meta["method"].startswith("APMC") and meta["runs"] == 8
    assert [p["name"] for p in meta["priors"]] == [p.name for p in calibrate.PRIORS]
    draws = calibrate.draws(40)
    assert draws == calibrate.draws(40)
    biases = [d["engagement_bias"] for d in draws]
    heavy, light = small_posterior["engagement_bias"].iloc[2], small_posterior[
        "engagement_bias"].iloc[1]
    assert set(biases) == {heavy, light}
    assert biases.count(heavy) == 30 and biases.count(light) == 10


def test_a_scenarios_own_values_override_the_draws():
    """A draw replaces the baseline's fitted values, not what a scenario sets itself:
    march1991's quit_base = 0 stays 0, the baseline's quit_base takes the draw."""
    draw = {"quit_base": 0.0123, "engagement_bias": -0.4}
    march = posterior.with_draw(scenarios.load("march1991"), draw)
    base = posterior.with_draw(scenarios.load("baseline"), draw)
    assert march["quit_base"] == 0.0 and march["engagement_bias"] == -0.4
    assert base["quit_base"] == 0.0123 and base["engagement_bias"] == -0.4


def test_run_posterior_reports_medians_and_intervals(small_posterior, capsys):
    """`aligned run SCENARIO --posterior N --json` gives every last-year measure as median,
    p05 and p95 (in that order of size) over N draws with seeds from the scenario's up."""
    assert main(["run", "baseline", "--posterior", "3", "--steps", "12", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["posterior"] == 3 and data["seeds"] == [1, 2, 3]
    for name, row in data["last_year"].items():
        assert set(row) == {"median", "p05", "p95"}, name
        assert row["p05"] <= row["median"] <= row["p95"], name
    assert data["last_year"]["headcount"]["p95"] > data["last_year"]["headcount"]["p05"]


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "baseline", "--posterior", "0"], "--posterior 0: expected an integer ≥ 1"),
    (["run", "baseline", "--posterior", "2", "--teams"], "--teams: not with --posterior"),
    (["claims", "fixed_ladder", "--posterior", "5"], "expected at least 7 draws"),
    (["calibrate", "--particles", "3"], "--particles 3: expected an integer ≥ 8"),
    (["calibrate", "--alpha", "1.5"], "--alpha 1.5: expected a number in (0, 1)"),
])
def test_bad_posterior_input_is_one_line_and_exit_2(argv, message, small_posterior, capsys):
    """Wrong numbers are refused before any run, on one line naming the option."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_a_missing_posterior_file_is_one_line(tmp_path, monkeypatch, capsys):
    """Without a posterior file, --posterior says how to make one."""
    monkeypatch.setenv("ALIGNED_POSTERIOR", str(tmp_path / "none.parquet"))
    assert main(["run", "baseline", "--posterior", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no posterior file; make it with `aligned calibrate`" in err
    assert len(err.splitlines()) == 1


def test_claims_over_the_posterior_pair_scenarios_on_each_draw(small_posterior, tmp_path):
    """A claim over draws pairs both scenarios on each draw and seed; its verdict is one of
    the four labels and the share of draws is the share whose effect reaches the minimum."""
    from dataclasses import replace

    claim = replace(scenarios.load("efficiency_kpi").claims[0], steps=16)
    [pv] = posterior.check([claim], 7, workers=2, results=tmp_path / "runs")
    assert len(pv.effects) == 7
    assert pv.share == pytest.approx(np.mean(pv.effects >= claim.min_effect))
    assert pv.label in ("supported", "contradicted", "weaker than claimed",
                        "inconclusive") or pv.label.startswith("depends on ")
    data = pv.as_json()
    assert data["draws"] == 7 and math.isfinite(data["share_of_draws"])


def test_a_claim_depends_on_a_parameter_only_past_holms_correction():
    """An effect that follows one parameter closely is found to depend on it; an effect of
    pure noise over the same draws seems to depend on something in at most one try in ten
    (Holm's correction over the fitted parameters aims at 5%; without it, |rho| ≥ 0.5
    alone would flag about one in five)."""
    rng = np.random.default_rng(3)
    draws = calibrate._frame(calibrate.prior_draws(rng, 20)).to_dict("records")
    temperature = np.array([d["effort_temperature"] for d in draws])
    found = posterior.depends(np.log(temperature) + rng.normal(0, 0.1, 20), draws)
    assert found and found[0][0] == "effort_temperature" and found[0][1] > 0.8
    spurious = sum(bool(posterior.depends(rng.normal(size=20), draws)) for _ in range(200))
    assert spurious <= 20, spurious
