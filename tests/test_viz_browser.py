"""The visualizer in a real headless Chromium, driven with Playwright, fully offline.

The server is `aligned viz` in a subprocess on a free loopback port; every request the page
makes elsewhere is aborted, and any console error fails the test. Screenshots of each
state are saved in .scratch/screenshots/ (look at them). The numbers on the page are
checked against the same session run here, since a run is determined by its parameters
and seed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import scenario as scenarios
from sim.measures import REPORTERS
from sim.params import GROUPS, PARAMS
from sim.viz import charts, controls, network
from sim.viz.server import running
from sim.viz.session import Comparison, Session

pytestmark = [pytest.mark.browser,
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SHOTS = Path(__file__).resolve().parent.parent / ".scratch" / "screenshots"
LOAD_TIMEOUT_MS = 60_000  # first load on a busy 2-core machine
CHART_INDEX = {spec.key: i for i, spec in enumerate(charts.CHARTS)}


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = (f"browser tests need Chromium at {CHROMIUM}: `make test` installs it when run as "
              "root (apt-get install chromium)")
    if os.environ.get("CI"):
        pytest.fail(reason + "; CI must run them")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`aligned viz` on a free loopback port; yields (base URL, log file)."""
    _need_chromium()
    log = tmp_path_factory.mktemp("viz") / "server.log"
    with running(log) as base:
        yield base, log


@pytest.fixture(scope="module")
def browser(server):
    """Debian's Chromium, headless, through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def context(browser):
    """One browser profile for the module, so the page's scripts come from its cache."""
    profile = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    yield profile
    profile.close()


@pytest.fixture
def page(context, server, request):
    """A fresh tab (its own session) on the visualizer, offline; no console errors allowed,
    no server tracebacks either."""
    base, log = server
    with open_tab(context, base, log, request.node.name) as tab:
        yield tab


@contextlib.contextmanager
def open_tab(context, base: str, log: Path, test: str, query: str = ""):
    """A tab on the page at `base` (with a query), offline; on leaving, no console error,
    no request elsewhere and no server traceback may have happened."""
    logged = log.stat().st_size
    tab = context.new_page()
    errors: list[str] = []
    offsite: list[str] = []
    tab.on("console", lambda m: m.type == "error" and errors.append(m.text))
    tab.on("pageerror", lambda e: errors.append(str(e)))

    def block(route):
        offsite.append(route.request.url)
        route.abort()

    # only requests that do not go to our server reach Python (a regex is matched in the driver)
    tab.route(re.compile(f"^(?!{re.escape(base)}/)"), block)
    tab.goto(base + "/" + (f"?{query}" if query else ""))
    tab.wait_for_function(
        "() => [...document.querySelectorAll('.aligned-charts .js-plotly-plot')]"
        f".filter(plot => plot._fullLayout).length == {len(charts.CHARTS)}",
        timeout=LOAD_TIMEOUT_MS)
    tab.shot = lambda state: _shot(tab, test, state)
    yield tab
    tab.close()
    assert errors == [], errors
    assert offsite == [], offsite
    with log.open() as text:
        text.seek(logged)
        assert "Traceback" not in text.read()


def _shot(tab, test: str, state: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{test.removeprefix('test_')}-{state}.png"), full_page=True)


# --- helpers reading the page ---------------------------------------------------------------
def week(tab) -> int:
    return int(tab.inner_text(".aligned-week").split()[1])


def wait_week(tab, n: int, at_least: bool = False) -> None:
    op = ">=" if at_least else "=="
    tab.wait_for_function(f"() => +document.querySelector('.aligned-week').innerText"
                          f".split(' ')[1] {op} {n}", timeout=30_000)


def settled_week(tab, within: float = 8.0) -> int:
    """The week once it has stopped changing (the frame in flight when Pause was pressed has
    arrived); fails if it keeps changing."""
    deadline = time.monotonic() + within
    last = week(tab)
    while time.monotonic() < deadline:
        time.sleep(0.8)
        now = week(tab)
        if now == last:
            return now
        last = now
    raise AssertionError(f"the week kept changing after Pause (now {last})")


def chart_traces(tab, key: str) -> list[dict]:
    """The traces plotly.js holds for one chart of the Charts view."""
    return tab.evaluate(
        "(i) => document.querySelectorAll('.aligned-charts .js-plotly-plot')[i].data.map("
        "t => ({name: t.name, y: t.y, dash: t.line && t.line.dash, fill: t.fill}))",
        CHART_INDEX[key])


ACTIVE_OPTIONS = ".menuable__content__active [role=option]"


def open_select(tab, select_css: str) -> None:
    """Open a Vuetify select and scroll its menu to the end, as a person would: Vuetify
    renders a long list's options in chunks as the menu scrolls."""
    tab.click(select_css)
    tab.wait_for_selector(ACTIVE_OPTIONS)
    menu = tab.locator(".menuable__content__active")
    seen = -1
    while (count := tab.locator(ACTIVE_OPTIONS).count()) != seen:
        seen = count
        menu.evaluate("el => { el.scrollTop = el.scrollHeight; }")
        tab.wait_for_timeout(300)


def pick(tab, select_css: str, option: str) -> None:
    """Choose an option of a Vuetify select."""
    open_select(tab, select_css)
    tab.get_by_role("option", name=option, exact=True).click()


def options(tab, select_css: str) -> list[str]:
    """Every option of a Vuetify select, in menu order."""
    open_select(tab, select_css)
    names = tab.locator(ACTIVE_OPTIONS).all_inner_texts()
    tab.keyboard.press("Escape")
    return [n.strip() for n in names]


def control(tab, name: str):
    """The control block of one parameter."""
    return tab.locator(".aligned-control", has=tab.locator(
        ".aligned-param-name", has_text=re.compile(f"^{name}$")))


def value_shown(tab, name: str, expected: str, timeout_ms: int = 10_000) -> str:
    """The value shown beside a parameter's control, once its first word is `expected`.

    The page updates a control's name and its value in separate messages: just after a group
    or a scenario is picked, a name can stand for a moment beside the value of the control
    that stood there before. Waiting for the expected value (and failing if it does not come)
    reads the settled page."""
    from playwright.sync_api import expect

    shown = control(tab, name).locator(".aligned-param-value")
    expect(shown).to_have_text(re.compile(rf"^{re.escape(expected)}(\s|$)"), timeout=timeout_ms)
    return shown.inner_text()


def click_button(tab, label: str) -> None:
    tab.get_by_role("button", name=label, exact=True).click()


# --- the tests ---------------------------------------------------------------------------------
def test_page_loads_offline_with_charts_controls_and_tooltips(page):
    """Nine charts drawn, the picker lists every scenario file, a parameter's name shows its
    declaration on hover; nothing fetched from outside and no console error."""
    page.shot("loaded")
    assert week(page) == 0
    assert options(page, ".aligned-scenario-select") == scenarios.available()
    assert options(page, ".aligned-group") == [controls.group_title(g) for g in GROUPS]
    pick(page, ".aligned-group", controls.group_title("managers"))
    name = control(page, "meeting_hours").locator(".aligned-param-name")
    name.hover()
    tip = page.locator(".v-tooltip__content", has_text="meeting hours managers impose")
    tip.wait_for(timeout=10_000)
    assert "Allowed: a number in [0, 30]" in tip.inner_text()
    page.shot("tooltip")


def test_changing_a_control_and_stepping_ten_times_changes_the_charts(page):
    """Moving the throughput weight and stepping ten weeks gives the effort split of a firm
    run with that weight, and not the one of the unchanged firm."""
    slider = control(page, "emp_w_throughput").locator(".v-slider")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    page.mouse.click(box["x"] + 0.9 * box["width"], box["y"] + box["height"] / 2)
    value_text = control(page, "emp_w_throughput").locator(".aligned-param-value")
    page.wait_for_function("(el) => !el.innerText.startsWith('0.3 ')",
                           arg=value_text.element_handle())
    value = float(value_text.inner_text().split()[0])
    assert 0.8 < value <= 1.0
    assert not page.inner_text(".aligned-params-summary").startswith("0 changed")
    for i in range(10):
        click_button(page, "Step")
        wait_week(page, i + 1)
    page.wait_for_function("() => document.querySelectorAll('.aligned-charts .js-plotly-plot')"
                           f"[{CHART_INDEX['effort']}].data[0].y.length == 10")
    page.shot("after-10-steps")
    traces = chart_traces(page, "effort")  # shares of effort on speed, care, help, learn
    series = charts.CHARTS_BY_KEY["effort"].series

    expected, unchanged = Session("baseline"), Session("baseline")
    expected.set_param("emp_w_throughput", value)
    expected.step(10)
    unchanged.step(10)
    shown = np.array([trace["y"] for trace in traces[:len(series)]])
    assert np.allclose(shown, [charts.values(expected.runs[0], s) for s in series], rtol=1e-4)
    # effort is learned from what the scheme pays, so the split moves week by week rather
    # than jumping to the new weight: some share differs in some of the ten weeks
    before = np.array([charts.values(unchanged.runs[0], s) for s in series])
    assert np.abs(shown - before).max() > 0.01


def test_scenario_switch_loads_its_parameters_and_story(page):
    """Picking efficiency_kpi restarts at week 0 with its scheme, title and narrative; a new
    seed waits for Reset."""
    click_button(page, "Step")
    wait_week(page, 1)
    pick(page, ".aligned-scenario-select", "efficiency_kpi")
    spec = scenarios.load("efficiency_kpi")
    page.get_by_text(spec.title).first.wait_for()
    wait_week(page, 0)
    assert value_shown(page, "employee_scheme", "efficiency_kpi") == "efficiency_kpi"
    page.shot("switched")
    seed = page.locator(".aligned-seed input")
    seed.fill("7")
    seed.press("Enter")
    page.get_by_text("Seed (on Reset)").wait_for()
    click_button(page, "Reset")
    page.wait_for_function("() => document.querySelector('.aligned-status').innerText"
                           ".includes('seed 7')")
    click_button(page, "Story")
    story = page.locator(".aligned-story")
    story.locator("h3", has_text=dict(scenarios.NARRATIVE_SECTIONS)["things_to_notice"]).wait_for()
    assert " ".join(spec.narrative["things_to_try"].split()) in story.inner_text()
    page.shot("story")


def test_compare_mode_shows_both_runs_diverging(page):
    """efficiency_kpi against shared_value on the same seed: both runs on every chart (B
    dashed, the gap shaded), the two customer-trust lines apart, and the values those of the
    two runs made here."""
    pick(page, ".aligned-scenario-select", "efficiency_kpi")
    page.get_by_text(scenarios.load("efficiency_kpi").title).first.wait_for()
    page.click(".aligned-compare")
    page.wait_for_selector(".aligned-compare-target")
    pick(page, ".aligned-compare-target", "shared_value")
    page.wait_for_function("() => document.querySelector('.aligned-week').parentElement"
                           ".innerText.includes('B · shared_value')")
    pick(page, ".aligned-speed", "52")
    click_button(page, "Play")
    wait_week(page, 52, at_least=True)
    click_button(page, "Pause")
    page.get_by_role("button", name="Play", exact=True).wait_for()
    reached = settled_week(page)
    page.wait_for_function("(n) => document.querySelectorAll('.aligned-charts .js-plotly-plot')"
                           f"[{CHART_INDEX['trust']}].data[0].y.length == n", arg=reached)
    page.shot("compare-charts")
    table = page.inner_text(".aligned-compare-table")
    assert "A · efficiency_kpi" in table and "B · shared_value" in table

    traces = chart_traces(page, "trust")
    assert len(traces) == 2 * len(charts.CHARTS_BY_KEY["trust"].series)
    a, b = traces[0], traces[1]  # customer → firm, A then B
    assert (a["dash"], b["dash"], b["fill"]) == ("solid", "dash", "tonexty")
    assert abs(b["y"][-1] - a["y"][-1]) > 0.01

    session = Session("efficiency_kpi")
    session.set_comparison(Comparison("scenario", "shared_value"))
    session.step(reached)
    for run, trace in zip(session.runs, (a, b), strict=True):
        idx = charts.thinned(reached)
        assert np.allclose(trace["y"], run.series("trust_customer_firm")[idx], rtol=1e-4)

    click_button(page, "Firm")
    pictures = page.locator(".aligned-firm-view .js-plotly-plot")
    page.wait_for_function("() => [...document.querySelectorAll('.aligned-firm-view "
                           ".js-plotly-plot')].filter(e => e.offsetParent).length == 2")
    assert pictures.count() == 2
    page.shot("compare-firm")


def test_clicking_a_person_shows_their_state(page):
    """In the firm picture, a click on a person opens their state in the inspector."""
    for i in range(5):
        click_button(page, "Step")
        wait_week(page, i + 1)
    click_button(page, "Firm")
    people = page.locator(".aligned-firm-view .js-plotly-plot").first.locator(
        ".traceemployees .point")
    page.wait_for_function("() => document.querySelector('.aligned-firm-view .js-plotly-plot')"
                           ".data.length > 0")
    row = 10
    box = people.nth(row).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    title = page.locator(".aligned-inspector .aligned-table-title")
    title.wait_for()
    assert title.inner_text() == f"Employee {row} (baseline)"
    page.shot("inspector")

    session = Session("baseline")
    session.step(5)
    state = network.employee_state(session.runs[0], row)
    shown = dict(tuple(cell.strip() for cell in line.split("\t"))
                 for line in page.inner_text(".aligned-inspector table").splitlines())
    assert shown["role"] == state["role"]
    assert float(shown["engagement"]) == pytest.approx(state["engagement"], abs=5e-4)
    assert float(shown["trust in manager"]) == pytest.approx(state["trust in manager"],
                                                             abs=5e-4)


def test_export_downloads_csv_html_and_png(page, tmp_path):
    """Each export button gives a file: the run's data, standalone charts, PNG images."""
    for i in range(3):
        click_button(page, "Step")
        wait_week(page, i + 1)
    click_button(page, "Export")
    files = {}
    for label in ("Data (CSV)", "Charts (HTML)", "Charts (PNG, zip)"):
        with page.expect_download(timeout=60_000) as download:
            page.get_by_text(label).click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        files[label] = path
    page.shot("export")

    data = pd.read_csv(files["Data (CSV)"])
    assert files["Data (CSV)"].name == "aligned-baseline-seed1-data.csv"
    assert len(data) == 3 and set(REPORTERS) <= set(data.columns)
    session = Session("baseline")
    session.step(3)
    assert np.allclose(data["customers"], session.runs[0].series("customers"))

    html = files["Charts (HTML)"].read_text()
    assert all(spec.title in html for spec in charts.CHARTS)
    assert "plotly.js v" in html

    with zipfile.ZipFile(io.BytesIO(files["Charts (PNG, zip)"].read_bytes())) as archive:
        names = archive.namelist()
        assert len(names) == len(charts.CHARTS)
        assert all(archive.read(n).startswith(b"\x89PNG\r\n\x1a\n") for n in names)


def test_play_reaches_five_weeks_per_second_and_pauses_at_once(page):
    """Playing at 10 weeks per second, the page shows at least 5 new weeks a second; Pause
    answers at once, and the weeks stop after the frame in flight."""
    pick(page, ".aligned-speed", "10")
    click_button(page, "Play")
    wait_week(page, 3, at_least=True)
    start, t0 = week(page), time.monotonic()
    time.sleep(6)
    rate = (week(page) - start) / (time.monotonic() - t0)
    page.shot("playing")
    assert rate >= 5, rate
    t1 = time.monotonic()
    click_button(page, "Pause")
    page.get_by_role("button", name="Play", exact=True).wait_for(timeout=5_000)
    assert time.monotonic() - t1 < 3.0  # the page answers (a frozen page would not)
    stopped = settled_week(page)
    time.sleep(1.5)
    assert week(page) == stopped
    print(f"\nbrowser: {rate:.1f} weeks/s while playing at 10")


def test_uploaded_scenario_opens_and_joins_the_picker(page):
    """Choosing a scenario file on the page opens it (title, parameters, week 0) and adds it
    to the scenario picker; a bad file shows its one line and changes nothing."""
    text = ('name = "my_classroom"\ntitle = "Our own firm"\nextends = "efficiency_kpi"\n'
            "[params]\nmeeting_hours = 12\n")
    page.set_input_files(".aligned-upload-input", files=[
        {"name": "my_classroom.toml", "mimeType": "text/plain", "buffer": text.encode()}])
    page.get_by_text("Our own firm").first.wait_for(timeout=30_000)
    assert value_shown(page, "employee_scheme", "efficiency_kpi") == "efficiency_kpi"
    page.shot("uploaded")
    assert options(page, ".aligned-scenario-select")[-1] == "my_classroom"
    page.set_input_files(".aligned-upload-input", files=[
        {"name": "escape.toml", "mimeType": "text/plain",
         "buffer": b'name = "../../escaped_run"\n'}])
    message = page.locator(".aligned-message")
    message.wait_for(timeout=30_000)
    assert "uploaded file escape.toml: name = '../../escaped_run' is not allowed" in (
        message.inner_text())
    assert page.inner_text(".aligned-status").endswith("my_classroom")


def story_headings(tab) -> list[str]:
    """The section headings of the Story view, in page order."""
    return [h.strip() for h in tab.locator(".aligned-story h3").all_inner_texts()]


def test_story_shows_each_narrative_section_under_its_heading_in_order(page):
    """The Story view shows every section a scenario's narrative has, under the heading
    `sim.scenario.NARRATIVE_SECTIONS` gives it, in that order whatever the file's order,
    and no heading for a section it lacks; the library's scenario shows all of them."""
    click_button(page, "Story")
    baseline = scenarios.load("baseline")
    expected = [h for k, h in scenarios.NARRATIVE_SECTIONS if baseline.narrative.get(k)]
    page.locator(".aligned-story h3").first.wait_for()
    assert len(expected) == len(scenarios.NARRATIVE_SECTIONS)
    assert story_headings(page)[:-1] == expected
    texts = {"sources": "Someone (2024). A book about firms.",
             "what_it_is": "A firm of our own making.",
             "things_to_try": "Raise the meeting hours and watch trust."}
    narrative = "".join(f'{key} = "{text}"\n' for key, text in texts.items())
    file = ('name = "story_order"\ntitle = "A story in parts"\nextends = "baseline"\n'
            f"[narrative]\n{narrative}")
    page.set_input_files(".aligned-upload-input", files=[
        {"name": "story_order.toml", "mimeType": "text/plain", "buffer": file.encode()}])
    page.locator(".aligned-story h2", has_text="A story in parts").wait_for(timeout=30_000)
    page.shot("story-sections")
    headings = dict(scenarios.NARRATIVE_SECTIONS)
    assert story_headings(page) == [headings["what_it_is"], headings["things_to_try"],
                                    headings["sources"], "How to use this page"]
    story = page.inner_text(".aligned-story")
    at = [story.index(headings[key]) for key in ("what_it_is", "things_to_try", "sources")]
    assert at == sorted(at)
    for key, text in texts.items():  # each text sits under its own heading
        after = story.index(headings[key]) + len(headings[key])
        assert story[after:].lstrip().startswith(text)
    absent = " ".join(baseline.narrative["how_it_works"].split())[:40]
    assert headings["how_it_works"] not in story and absent not in story


TOKEN = "browser-token-0123456789"


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory, browser):
    """`aligned viz --token TOKEN`; yields its base URL."""
    log = tmp_path_factory.mktemp("viz") / "guarded.log"
    with running(log, options=("--token", TOKEN)) as base:
        yield base


def test_page_with_the_token_works_and_without_it_gets_nothing(browser, guarded_server):
    """With --token, the address with the token gives the whole page (its websocket passes
    on the cookie), a later visit without it works in that browser, and another browser
    without the token gets one sentence and no page."""
    profile = browser.new_context(viewport={"width": 1400, "height": 1000})
    stranger = browser.new_context()
    try:
        tab = profile.new_page()
        tab.goto(f"{guarded_server}/?token={TOKEN}")
        tab.wait_for_function(
            "() => [...document.querySelectorAll('.aligned-charts .js-plotly-plot')]"
            f".filter(plot => plot._fullLayout).length == {len(charts.CHARTS)}",
            timeout=LOAD_TIMEOUT_MS)
        click_button(tab, "Step")
        wait_week(tab, 1)
        again = profile.new_page()
        again.goto(guarded_server + "/")
        again.wait_for_selector(".aligned-week", timeout=LOAD_TIMEOUT_MS)
        outsider = stranger.new_page()
        response = outsider.goto(guarded_server + "/")
        assert response.status == 403
        assert outsider.inner_text("body").startswith("This visualizer needs its token")
        assert outsider.locator(".aligned-week").count() == 0
    finally:
        profile.close()
        stranger.close()


def _rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


CULL_SECONDS = 5  # the memory test's server frees pages left without goodbye after this
PAGES_AFTER_WARMUP = 16
MEMORY_BOUND_MB = 30


def test_closed_pages_give_their_memory_back(browser, tmp_path):
    """Pages opened, stepped and closed one after another do not pile up on the server.

    One page in four closes as a tab does (the browser says goodbye and Solara frees the
    page at once), the others as a crashed or disconnected browser would (no goodbye: Solara
    frees the page after its cull timeout, here shortened to CULL_SECONDS; `aligned viz`
    uses 60 s). With Solara's default of 24 hours each of those pages keeps about 4 MB, so
    the 12 of 16 grow the server by about 50 MB. The bound of 30 MB above the memory after
    three warm-up pages leaves room for the allocator's fragmentation and caches (about
    10 MB seen on this machine over 16 pages, not growing with their number) and fails on
    a leak of 2.5 MB per page left without goodbye.
    """
    _need_chromium()
    log = tmp_path / "server.log"
    with running(log, env={"SOLARA_KERNEL_CULL_TIMEOUT": f"{CULL_SECONDS}s"}) as base:
        pid = base.process.pid
        profile = browser.new_context(viewport={"width": 1400, "height": 1000})

        def visit(i: int) -> None:
            tab = profile.new_page()
            tab.goto(base + "/")
            tab.wait_for_function(
                "() => [...document.querySelectorAll('.aligned-charts .js-plotly-plot')]"
                f".filter(plot => plot._fullLayout).length == {len(charts.CHARTS)}",
                timeout=LOAD_TIMEOUT_MS)
            for week in (1, 2):
                click_button(tab, "Step")
                wait_week(tab, week)
            tab.close(run_before_unload=i % 4 == 0)

        try:
            for i in range(3):
                visit(i)
            time.sleep(CULL_SECONDS + 5)
            warm = _rss_mb(pid)
            for i in range(PAGES_AFTER_WARMUP):
                visit(i)
            time.sleep(CULL_SECONDS + 5)
            after = _rss_mb(pid)
        finally:
            profile.close()
    print(f"\nserver memory: {warm:.0f} MB after warm-up, {after:.0f} MB after "
          f"{PAGES_AFTER_WARMUP} more pages")
    assert after - warm < MEMORY_BOUND_MB, (warm, after)
    assert "Traceback" not in log.read_text()


# --- from one seed to a decision -----------------------------------------------------------------
TINY_SCENARIO = """name = "tiny_firm"
title = "A tiny firm on the efficiency KPI"
extends = "efficiency_kpi"
steps = 30
[narrative]
what_it_is = "The efficiency KPI in a firm small enough for a quick look."
[params]
n_employees = 16
n_customers = 160
market_size = 240
n_shareholders = 3
spinup_weeks = 0
[[events]]
week = 12
set = { employee_scheme = "balanced_scorecard", manager_scheme = "balanced_scorecard" }
label = "leave the KPI"
"""
BAND_VIEW = ".aligned-band-charts .js-plotly-plot"


@pytest.fixture(scope="module")
def tiny_server(tmp_path_factory, browser):
    """`aligned viz tiny.toml`: a 16-person firm, 30 weeks, one event; one batch worker."""
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "tiny.toml").write_text(TINY_SCENARIO)
    log = folder / "server.log"
    with running(log, scenario=str(folder / "tiny.toml"), env={"ALIGNED_WORKERS": "1"}) as base:
        yield base, log, folder / "tiny.toml"


def layout_of(tab, css: str, index: int = 0) -> dict:
    """The shapes and annotations plotly.js holds for one chart."""
    return tab.evaluate(
        "([css, i]) => { const l = document.querySelectorAll(css)[i].layout;"
        " return {shapes: (l.shapes || []).map(s => s.x0),"
        " notes: (l.annotations || []).map(a => a.text)}; }", [css, index])


def table_rows(tab, css: str) -> list[list[str]]:
    """The cells of a table, row by row."""
    return [[cell.strip() for cell in line.split("\t")]
            for line in tab.inner_text(f"{css} table").splitlines()]


def test_run_seeds_draws_bands_and_a_table_with_intervals(context, tiny_server, tmp_path):
    """Run seeds in compare mode: a progress bar while the live run still steps, then each
    run set's median with its 50% and 90% bands, and the B − A table with the median paired
    difference, its 90% interval and the share of seeds in which B does better, as computed
    here from the same set-up; the report for the board downloads as one page."""
    from sim import paired
    from sim.viz import setup

    base, log, path = tiny_server
    query = "compare_scheme=shared_value&seeds=6"
    with open_tab(context, base, log, "run_seeds", query) as tab:
        assert tab.input_value(".aligned-seed-count input") == "6"
        click_button(tab, "Run seeds")
        tab.wait_for_selector(".aligned-seed-progress", timeout=30_000)
        click_button(tab, "Step")  # the live run answers while the seeds run
        wait_week(tab, 1)
        tab.wait_for_selector(".aligned-seed-table table", timeout=180_000)
        tab.wait_for_function(f"() => [...document.querySelectorAll('{BAND_VIEW}')]"
                              ".filter(p => p.data && p.data.length).length == "
                              f"{len(charts.CHARTS)}", timeout=30_000)
        tab.shot("seeds")
        rows = table_rows(tab, ".aligned-seed-table")
        assert rows[0][3:6] == ["B − A (median)", "90% interval", "B better in"]
        trust = next(r for r in rows if r[0] == "trust customer → firm")
        assert " … " in trust[4] and trust[5].endswith("%")
        assert trust[6] in ("B better", "A better", "not robust")
        traces = tab.evaluate(f"() => document.querySelectorAll('{BAND_VIEW}')"
                              f"[{CHART_INDEX['trust']}].data.map(t => [t.fill || '', "
                              "t.line && t.line.dash])")
        series = len(charts.CHARTS_BY_KEY["trust"].series)
        assert len(traces) == series * 2 * 3  # per series and run set: two bands, a median
        assert traces[:6] == [["toself", None], ["toself", None], ["", "solid"],
                              ["toself", None], ["toself", None], ["", "dash"]]
        assert layout_of(tab, BAND_VIEW)["notes"] == ["leave the KPI"]
        with tab.expect_download(timeout=60_000) as download:
            tab.get_by_text("Report for the board (HTML)").click()
        report = tmp_path / download.value.suggested_filename
        download.value.save_as(report)

    session = Session(str(path))  # as the server opened it
    setup.open_link(session, query)
    plan = setup.run_sets(session, 6).plan()
    assert plan.seeds == tuple(range(1, 7)) and plan.steps == 30
    results = paired.run(plan, charts.CHART_MEASURES, workers=1)
    row = next(r for r in paired.paired_rows(results) if r.measure == "trust_customer_firm")
    low, high = trust[4].split(" … ")
    assert float(trust[3]) == pytest.approx(row.diff, abs=6e-4)
    assert float(low) == pytest.approx(row.low, abs=6e-4)
    assert float(high) == pytest.approx(row.high, abs=6e-4)
    assert trust[5] == f"{row.b_better:.0%}"
    text = report.read_text()
    assert "aligned compare tiny_firm_saved.toml" in text and "leave the KPI" in text
    assert "90% interval" in text and "The efficiency KPI in a firm small enough" in text


def test_cancel_stops_the_seeds(context, tiny_server):
    """Cancel ends a batch of seeds at once; nothing of it is shown."""
    base, log, _ = tiny_server
    with open_tab(context, base, log, "cancel_seeds", "seeds=100") as tab:
        click_button(tab, "Run seeds")
        tab.wait_for_selector(".aligned-seed-progress", timeout=30_000)
        click_button(tab, "Cancel")
        tab.wait_for_selector(".aligned-seed-progress[data-state=cancelled]", timeout=15_000)
        assert "cancelled after" in tab.inner_text(".aligned-seed-progress")
        tab.get_by_role("button", name="Run seeds", exact=True).wait_for()
        assert tab.locator(".aligned-seed-table table").count() == 0


def test_save_as_scenario_gives_a_file_aligned_run_runs_and_the_page_opens(page, tmp_path):
    """A changed parameter and an event saved as a scenario: `aligned run FILE` accepts the
    download unchanged, and opening it on the page brings the set-up back."""
    from sim.cli import main

    pick(page, ".aligned-scenario-select", "efficiency_kpi")
    page.get_by_text(scenarios.load("efficiency_kpi").title).first.wait_for()
    pick(page, ".aligned-group", controls.group_title("managers"))
    before = Session("efficiency_kpi").values()["meeting_hours"]
    value_shown(page, "meeting_hours", controls.format_value(PARAMS["meeting_hours"], before))
    slider = control(page, "meeting_hours").locator(".v-slider")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    page.mouse.click(box["x"] + 0.1 * box["width"], box["y"] + box["height"] / 2)
    page.wait_for_function("() => document.location.search.includes('meeting_hours=')")
    with page.expect_download(timeout=60_000) as download:
        click_button(page, "Save as scenario")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "efficiency_kpi_saved.toml"
    saved = scenarios.load(path)
    hours = saved.own_params["meeting_hours"]
    assert saved.extends == "efficiency_kpi" and list(saved.own_params) == ["meeting_hours"]
    out = tmp_path / "run"
    assert main(["run", str(path), "--steps", "2", "--out", str(out)]) == 0
    assert json.loads((out / "params.json").read_text())["params"]["meeting_hours"] == hours

    pick(page, ".aligned-scenario-select", "baseline")
    page.set_input_files(".aligned-upload-input", files=[str(path)])
    page.get_by_text(saved.title).first.wait_for(timeout=30_000)
    pick(page, ".aligned-group", controls.group_title("managers"))
    shown = value_shown(page, "meeting_hours",
                        controls.format_value(PARAMS["meeting_hours"], hours))
    assert float(shown.split()[0]) == pytest.approx(hours, rel=1e-3)
    page.shot("reopened")


def test_a_bad_scenario_file_shows_the_command_lines_error(page, tmp_path, capsys):
    """Opening a file with a value out of range shows on the page the line `aligned run`
    prints for the same file, and the page keeps its scenario."""
    from sim.cli import main

    text = 'name = "too_many_meetings"\nextends = "baseline"\n[params]\nmeeting_hours = 99\n'
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    assert main(["run", str(bad), "--out", str(tmp_path / "o")]) == 2
    cli = capsys.readouterr().err.strip()
    assert cli.startswith(f"aligned: error: {bad} [params]: ")
    page.set_input_files(".aligned-upload-input", files=[
        {"name": "bad.toml", "mimeType": "text/plain", "buffer": text.encode()}])
    message = page.locator(".aligned-message")
    message.wait_for(timeout=30_000)
    shown = message.inner_text().strip()
    assert shown == "uploaded file bad.toml" + cli.removeprefix(f"aligned: error: {bad}")
    assert page.inner_text(".aligned-status").endswith("baseline")
    page.shot("bad-file")


def test_a_link_opens_with_the_controls_showing_its_set_up(context, server):
    """A link with a scenario, a parameter, a seed, a comparison and a bad value: the
    controls show the link's values, the bad one is reported, and the address is the
    set-up's own."""
    base, log = server
    query = ("scenario=efficiency_kpi&meeting_hours=4&seed=3&compare_scheme=shared_value"
             "&autonomy=7")
    with open_tab(context, base, log, "link", query) as tab:
        assert tab.inner_text(".aligned-scenario-select .v-select__selection") == "efficiency_kpi"
        assert tab.input_value(".aligned-seed input") == "3"
        assert "B · shared_value scheme" in tab.inner_text(".aligned-status")
        pick(tab, ".aligned-group", controls.group_title("managers"))
        assert value_shown(tab, "meeting_hours", "4").split()[0] == "4"
        message = tab.inner_text(".aligned-message")
        assert "address: autonomy = 7.0 is not allowed" in message and "ignored" in message
        assert tab.evaluate("document.location.search") == (
            "?scenario=efficiency_kpi&seed=3&meeting_hours=4&compare_scheme=shared_value")
        assert tab.input_value(".aligned-link").endswith(
            "/?scenario=efficiency_kpi&seed=3&meeting_hours=4&compare_scheme=shared_value")
        tab.shot("link")


def test_events_are_edited_on_the_timeline_and_marked_on_the_charts(page):
    """Add an event in the sidebar: a dotted line with its label on every chart and the event
    in the address; edit its week and the line moves; remove it and the line goes."""
    click_button(page, "Add event")
    page.fill(".aligned-event-week input", "26")
    page.fill(".aligned-event-label input", "more meetings")
    page.click(".aligned-event-param-0 input")
    page.keyboard.type("meeting_hou")
    page.get_by_role("option", name="meeting_hours", exact=True).click()
    page.fill(".aligned-event-value-0 input", "20")
    click_button(page, "Save event")
    page.get_by_text("week 26: meeting_hours = 20 (more meetings)").wait_for(timeout=30_000)
    page.wait_for_function("() => document.querySelector('.aligned-charts .js-plotly-plot')"
                           ".layout.shapes && document.querySelector('.aligned-charts "
                           ".js-plotly-plot').layout.shapes.length == 1")
    for i in range(len(charts.CHARTS)):
        marks = layout_of(page, ".aligned-charts .js-plotly-plot", i)
        assert marks == {"shapes": [0.5], "notes": ["more meetings"]}
    assert "week26.meeting_hours=20" in page.evaluate("document.location.search")
    page.shot("event")
    page.locator(".aligned-event-edit").click()
    page.fill(".aligned-event-week input", "52")
    click_button(page, "Save event")
    page.get_by_text("week 52: meeting_hours = 20 (more meetings)").wait_for(timeout=30_000)
    page.wait_for_function("() => document.querySelector('.aligned-charts .js-plotly-plot')"
                           ".layout.shapes[0].x0 == 1")
    page.locator(".aligned-event-remove").click()
    page.get_by_text("No events: the parameters hold for the whole run.").wait_for()
    page.wait_for_function("() => (document.querySelector('.aligned-charts .js-plotly-plot')"
                           ".layout.shapes || []).length == 0")


def test_the_address_drops_the_access_token(browser, guarded_server):
    """Opened with its token, the page's address and its link to share hold the set-up and
    not the token; the page reloads from that address (the browser keeps the token)."""
    profile = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        tab = profile.new_page()
        tab.goto(f"{guarded_server}/?token={TOKEN}&scenario=efficiency_kpi&seed=4")
        tab.wait_for_selector(".aligned-link", timeout=LOAD_TIMEOUT_MS)
        tab.wait_for_function("() => !document.location.search.includes('token')")
        assert tab.evaluate("document.location.search") == "?scenario=efficiency_kpi&seed=4"
        assert TOKEN not in tab.input_value(".aligned-link")
        tab.reload()
        tab.wait_for_selector(".aligned-week", timeout=LOAD_TIMEOUT_MS)
        assert "seed 4 · efficiency_kpi" in tab.inner_text(".aligned-status")
    finally:
        profile.close()
