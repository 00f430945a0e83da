"""Fuzz test of scenario files: whatever a file holds (random bytes, any encoding, a byte-order
mark, chains of `extends` with cycles, traversal in every key that names a file or a
scenario), loading it gives a scenario or one `InputError` line, never another exception, and
nothing it names leads outside what a scenario may name.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import tomllib
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim import scenario
from sim.cli import main
from sim.errors import InputError

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
#: What a hostile or careless file puts where a name or a path goes.
HOSTILE = ("../../../escaped_run", "..", ".", "/", "/etc/passwd", "/etc/passwd.toml",
           "../outside/secret", "../outside/secret.toml", "..\\..\\windows", "~/x.toml",
           "%2e%2e/x", "a\x00b.toml", "x" * 300 + ".toml", "baseline/../baseline",
           "./baseline", "baseline.toml", "scenarios/baseline.toml", "", " ", "-rf", "\n",
           "CON", "é", "baseline")
KEYS = ("name", "compare_with", "than", "extends")


def _toml_string(text: str) -> str:
    """`text` as a TOML basic string: quotes, backslashes and control characters escaped."""
    def escape(c: str) -> str:
        if c in '"\\' or ord(c) < 0x20 or ord(c) == 0x7F:
            return f"\\u{ord(c):04x}"
        return c

    return '"' + "".join(escape(c) for c in text) + '"'


def _load(path: Path) -> scenario.Scenario | None:
    """Load a file: the scenario, or None after checking the error is one line naming it."""
    try:
        return scenario.load(path)
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message and path.name in message, message
        return None


@FUZZ
@given(data=st.binary(max_size=400),
       prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
                               b'name = "fuzz"\n']))
def test_random_bytes_load_or_fail_in_one_line(data, prefix):
    """Random bytes, with or without a byte-order mark, are a scenario or one line."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        path.write_bytes(prefix + data)
        spec = _load(path)
        if spec is not None:
            assert scenario.NAME_PATTERN.fullmatch(spec.name)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=200), prefix=st.sampled_from([b"", b'name = "fuzz"\n']))
def test_run_on_random_bytes_exits_0_or_2_with_one_line(data, prefix):
    """`aligned run` on such a file exits 0 (a one-week run of a tiny firm) or 2 with one
    line, and writes nothing when it fails."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        path.write_bytes(prefix + data)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["run", str(path), "--steps", "1", "--json", "--out",
                         str(Path(folder) / "out"), "--set", "n_employees=8",
                         "--set", "n_customers=10", "--set", "market_size=10"])
        assert code in (0, 2)
        if code == 2:
            assert err.getvalue().count("\n") == 1 and err.getvalue().startswith("aligned: ")
            assert not (Path(folder) / "out").exists()
        else:
            assert json.loads(out.getvalue())["steps"] == 1


@FUZZ
@given(title=st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
                                 "utf-32", "latin-1", "cp1252", "shift_jis", "koi8-r"]))
def test_any_encoding_loads_as_utf8_or_is_named(title, encoding):
    """A scenario saved in any encoding loads with its title when it is UTF-8 (with or
    without a byte-order mark); otherwise it loads only if its bytes happen to be UTF-8, or
    fails in one line, naming UTF-16 or UTF-32 when the file says so."""
    text = f'name = "enc"\ntitle = {_toml_string(title)}\n'
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "enc.toml"
        path.write_bytes(raw)
        if encoding.startswith("utf-8"):
            assert scenario.load(path).title == title
            return
        try:
            spec = scenario.load(path)
        except InputError as exc:
            assert "\n" not in str(exc) and "enc.toml" in str(exc)
            if encoding in ("utf-16", "utf-32"):
                assert f"the file is {encoding.upper()} text; expected UTF-8" in str(exc)
            return
        # bytes that happen to be UTF-8 too (ASCII, say) load as what they say in UTF-8
        assert spec.title == tomllib.loads(raw.decode("utf-8"))["title"]


@st.composite
def extends_graphs(draw):
    """Up to five files in two folders, each perhaps extending another by some path form."""
    n = draw(st.integers(1, 5))
    files = []
    for i in range(n):
        target = draw(st.none() | st.integers(0, n - 1))
        form = draw(st.sampled_from(["bare", "dot", "up", "absolute", "detour"]))
        name = draw(st.sampled_from([f"f{i}", "same", f"g{i}"]))
        files.append((target, form, name))
    return files


def _folder_of(i: int) -> str:
    return "a" if i % 2 == 0 else "b"


def _extends_text(root: Path, i: int, target: int, form: str) -> str:
    """The `extends` value by which file i names file `target`."""
    here, there = _folder_of(i), _folder_of(target)
    if form == "absolute":
        return str(root / there / f"f{target}.toml")
    if form == "detour":
        return f"../{there}/../{there}/f{target}.toml"
    if here != there or form == "up":
        return f"../{there}/f{target}.toml"
    return f"./f{target}.toml" if form == "dot" else f"f{target}.toml"


@FUZZ
@given(graph=extends_graphs())
def test_extends_chains_end_in_a_scenario_or_a_cycle_line(graph):
    """Any chain of `extends` between files, by any path form and whatever the names inside,
    loads when it ends and is refused as a cycle when it comes back: never a RecursionError."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for sub in ("a", "b"):
            (root / sub).mkdir()
        for i, (target, form, name) in enumerate(graph):
            lines = [f'name = "{name}"']
            if target is not None:
                lines.append(f"extends = {_toml_string(_extends_text(root, i, target, form))}")
            (root / _folder_of(i) / f"f{i}.toml").write_text("\n".join(lines) + "\n")
        seen, current = [], 0
        while current is not None and current not in seen:
            seen.append(current)
            current = graph[current][0]
        first = root / _folder_of(0) / "f0.toml"
        if current is None:
            assert scenario.load(first).name == graph[0][2]
        else:
            try:
                scenario.load(first)
            except InputError as exc:
                assert "makes a cycle" in str(exc) and "\n" not in str(exc)
            else:
                raise AssertionError("a cycle of extends was loaded")


@FUZZ
@given(key=st.sampled_from(KEYS),
       value=st.sampled_from(HOSTILE) | st.text(max_size=30))
def test_path_like_keys_never_lead_outside(key, value):
    """Traversal in name, compare_with, than and extends: refused in one line, or accepted
    only as what the key allows (a name is an identifier; compare_with and than name the
    library; extends names the library or an existing .toml file by path)."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "in").mkdir()
        (root / "outside").mkdir()
        (root / "outside" / "secret.toml").write_text('name = "secret"\n')
        (root / "outside" / "secret").write_text("not a scenario\n")
        lines = ['compare_with = "baseline"'] if key == "than" else []
        lines.append(f'name = {_toml_string(value)}' if key == "name" else 'name = "probe"')
        if key in ("compare_with", "extends"):
            lines.append(f"{key} = {_toml_string(value)}")
        if key == "than":
            lines += ["[[claims]]", 'measure = "profit"', 'relation = "lower"',
                      f"than = {_toml_string(value)}"]
        path = root / "in" / "probe.toml"
        path.write_text("\n".join(lines) + "\n")
        spec = _load(path)
        if spec is None:
            return
        library = scenario.available()
        assert scenario.NAME_PATTERN.fullmatch(spec.name)
        assert spec.compare_with is None or spec.compare_with in library
        assert all(claim.than in library for claim in spec.claims)
        if key == "extends":
            assert value in library or (value.endswith(".toml")
                                        and (path.parent / value).is_file())
