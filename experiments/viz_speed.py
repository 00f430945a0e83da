"""How fast the visualizer is: server time per step on the default firm, and weeks per second
while playing in a real browser.

    .venv/bin/python experiments/viz_speed.py [--seconds 10]

1. In-process: model step, and model step + update of every chart (and of the firm picture),
   for one run and for a comparison of two, on the default firm (the baseline scenario).
2. In Chromium, against `aligned viz`: the server's own timing of the Step button (model +
   view update, as the page reports it), the Step round trip seen by the browser, and Play at
   10 and 52 weeks per second: weeks per second counted on the page and the server's model
   and view times per frame. Needs /usr/bin/chromium.
3. With --seeds N: in Chromium, Run seeds on efficiency_kpi against balanced_scorecard (ten
   years each, the page's batch: every core but one): how long Step and Pause take to answer
   while the seeds run, and how long the N seeds × 2 scenarios take. The load average is
   printed with it: the machine should be quiet.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

from sim.viz import charts, network
from sim.viz.session import Comparison, Session

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def in_process(steps: int = 150) -> None:
    print("in-process, default firm (baseline), ms per step")
    for label, compare in (("one run", None), ("compare (2 runs)",
                                               Comparison("scenario", "shared_value"))):
        session = Session("baseline")
        session.set_comparison(compare)
        board = charts.ChartBoard()
        pictures = [network.FirmPicture() for _ in session.runs]
        model, chart, firm = [], [], []
        for _ in range(steps):
            t0 = time.perf_counter()
            session.step(1)
            t1 = time.perf_counter()
            board.update(session.runs)
            t2 = time.perf_counter()
            for picture, run in zip(pictures, session.runs, strict=True):
                picture.show(run)
            t3 = time.perf_counter()
            model.append(t1 - t0)
            chart.append(t2 - t1)
            firm.append(t3 - t2)
        print(f"  {label:<17} model {_ms(model)}   + charts {_ms(chart)}   "
              f"(firm picture {_ms(firm)}), {steps} steps")


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[int(0.95 * (len(values) - 1))]
    return (f"{1000 * statistics.mean(values):5.1f} (p95 {1000 * p95:5.1f}, "
            f"max {1000 * values[-1]:5.1f})")


def in_browser(seconds: float) -> None:
    from playwright.sync_api import sync_playwright

    from sim.viz.server import running

    log = Path(tempfile.mkdtemp()) / "server.log"
    with running(log) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(base + "/")
        page.wait_for_function("() => [...document.querySelectorAll('.aligned-charts "
                               ".js-plotly-plot')].filter(p => p._fullLayout).length == 9",
                               timeout=60_000)
        print(f"\nbrowser (Chromium, {base}), default firm")
        server, trips = [], []
        for i in range(1, 21):
            t0 = time.perf_counter()
            page.get_by_role("button", name="Step", exact=True).click()
            page.wait_for_function(f"() => document.querySelector('.aligned-week').innerText"
                                   f" == 'week {i}'")
            trips.append(time.perf_counter() - t0)
            text = page.inner_text(".aligned-step-timing")
            model, view = (float(v) for v in re.findall(r"(\d+) ms", text))
            server.append((model + view) / 1000)
        print(f"  Step, server (model + view update) ms: {_ms(server)}")
        print(f"  Step, click to new week on the page ms: {_ms(trips)}")
        for compare in (False, True):
            if compare:
                page.click(".aligned-compare")
                page.wait_for_selector(".aligned-compare-target")
                time.sleep(1)
            for speed in ("10", "52"):
                page.click(".aligned-speed")
                page.get_by_role("option", name=speed, exact=True).click()
                page.get_by_role("button", name="Reset", exact=True).click()
                time.sleep(1)
                page.get_by_role("button", name="Play", exact=True).click()
                time.sleep(2)
                start, t0 = _week(page), time.perf_counter()
                time.sleep(min(seconds, 400 / int(speed)))  # stay short of the 520-week end
                rate = (_week(page) - start) / (time.perf_counter() - t0)
                stats = page.inner_text(".aligned-speed-stats")
                t1 = time.perf_counter()
                page.get_by_role("button", name="Pause", exact=True).click()
                page.get_by_role("button", name="Play", exact=True).wait_for()
                answer = time.perf_counter() - t1
                mode = "compare" if compare else "one run"
                print(f"  Play {mode:<7} at {speed:>2} wk/s: page shows {rate:5.1f} weeks/s; "
                      f"server: {stats}; Pause answered in {answer:.2f} s")
        browser.close()


def _week(page) -> int:
    return int(page.inner_text(".aligned-week").split()[1])


def while_seeds(seeds: int) -> None:
    """Step and Pause while a batch of seeds runs, and the batch's own time."""
    from playwright.sync_api import sync_playwright

    from sim.study.workers import background_workers
    from sim.viz.server import running

    log = Path(tempfile.mkdtemp()) / "server.log"
    query = f"?scenario=efficiency_kpi&compare=balanced_scorecard&seeds={seeds}"
    with running(log) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(base + "/" + query)
        page.wait_for_function("() => [...document.querySelectorAll('.aligned-charts "
                               ".js-plotly-plot')].filter(p => p._fullLayout).length == 9",
                               timeout=60_000)
        print(f"\nwhile {seeds} seeds × 2 scenarios × 520 weeks run (efficiency_kpi vs "
              f"balanced_scorecard, {background_workers()} batch worker(s)); load average "
              f"before: {_load()}")
        for when in ("before the seeds", "while the seeds run"):
            if when != "before the seeds":
                t0 = time.perf_counter()
                page.get_by_role("button", name="Run seeds", exact=True).click()
                page.wait_for_selector(".aligned-seed-progress[data-state=running]",
                                       timeout=60_000)
                started = time.perf_counter() - t0
            server, trips, pauses = _step_and_pause(page)
            print(f"  {when}:")
            print(f"    Step, server (model + view update) ms: {_ms(server)}")
            print(f"    Step, click to new week on the page ms: {_ms(trips)}")
            print(f"    Pause, click to Play again on the page ms: {_ms(pauses)}")
        during = page.inner_text(".aligned-seed-progress-text")
        page.wait_for_selector(".aligned-seed-progress[data-state=done]", timeout=1_800_000)
        total = time.perf_counter() - t0
        print(f"  progress when the steps were done: {during}")
        print(f"  batch: {page.inner_text('.aligned-seed-progress-text')} (page's own count); "
              f"click to results {total:.0f} s, of which {started:.1f} s to start the workers; "
              f"load average after: {_load()}")
        browser.close()


def _step_and_pause(page, steps: int = 10, pauses: int = 5
                    ) -> tuple[list[float], list[float], list[float]]:
    """Step `steps` times and Play then Pause `pauses` times: the server's time per Step,
    the click-to-new-week times and the click-to-Play-again times, in seconds."""
    server, trips, answers = [], [], []
    for _ in range(steps):
        week = _week(page)
        t1 = time.perf_counter()
        page.get_by_role("button", name="Step", exact=True).click()
        page.wait_for_function(f"() => document.querySelector('.aligned-week').innerText"
                               f" == 'week {week + 1}'")
        trips.append(time.perf_counter() - t1)
        text = page.inner_text(".aligned-step-timing")
        model, view = (float(v) for v in re.findall(r"(\d+) ms", text))
        server.append((model + view) / 1000)
    for _ in range(pauses):
        page.get_by_role("button", name="Play", exact=True).click()
        time.sleep(1.5)
        t1 = time.perf_counter()
        page.get_by_role("button", name="Pause", exact=True).click()
        page.get_by_role("button", name="Play", exact=True).wait_for()
        answers.append(time.perf_counter() - t1)
    return server, trips, answers


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="play time per measure")
    parser.add_argument("--no-browser", action="store_true", help="in-process timings only")
    parser.add_argument("--seeds", type=int, metavar="N",
                        help="only: Step and Pause while N seeds × 2 scenarios run, and their time")
    args = parser.parse_args()
    if args.seeds:
        while_seeds(args.seeds)
        return
    in_process()
    if not args.no_browser:
        in_browser(args.seconds)


if __name__ == "__main__":
    main()
