"""The command line: import hygiene, exit codes, no tracebacks, new/schema/import."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import REPO, run_env, write_deck

HEAVY = ("textual", "sqlmodel", "sqlalchemy", "rich")


def quizzer(*args: str, home: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "quizzer", *args],
        capture_output=True,
        text=True,
        env=run_env(home),
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["--version"], ["check", str(REPO / "examples")], ["check", "--help"]],
    ids=["help", "version", "check", "check-help"],
)
def test_light_commands_do_not_import_heavy_modules(argv: list[str], tmp_path: Path) -> None:
    code = textwrap.dedent(f"""
        import sys
        from quizzer.cli import main
        try:
            main({argv!r})
        except SystemExit:
            pass
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r})
        print("HEAVY:", heavy)
    """)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=run_env(tmp_path)
    )
    assert "HEAVY: []" in out.stdout, out.stdout + out.stderr


def test_core_never_imports_textual(tmp_path: Path) -> None:
    code = textwrap.dedent("""
        import sys
        import quizzer, quizzer.collection, quizzer.importer, quizzer.deck, quizzer.config
        import quizzer.store.db, quizzer.store.models, quizzer.store.schema
        from quizzer.collection import Collection
        col = Collection.open(sys.argv[1])
        col.import_decks([sys.argv[2]])
        col.decks()
        assert "textual" not in sys.modules, "core imported textual"
        print("ok")
    """)
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "c.db"), str(REPO / "examples")],
        capture_output=True,
        text=True,
        env=run_env(tmp_path),
    )
    assert out.stdout.strip() == "ok", out.stderr


def test_help_lists_every_command(tmp_path: Path) -> None:
    out = quizzer("--help", home=tmp_path)
    assert out.returncode == 0
    for command in ("check", "import", "relink", "decks", "schema", "new"):
        assert f"  {command}" in out.stdout


def test_bad_flag_is_a_usage_error_without_traceback(tmp_path: Path) -> None:
    out = quizzer("check", "--no-such-flag", ".", home=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and "no-such-flag" in out.stderr
    out = quizzer("check", home=tmp_path)
    assert out.returncode == 2
    out = quizzer("check", str(tmp_path / "missing.yaml"), home=tmp_path)
    assert out.returncode == 2 and "does not exist" in out.stderr


def test_new_writes_a_deck_that_passes_strict_check(tmp_path: Path) -> None:
    path = tmp_path / "my-first_deck.yaml"
    out = quizzer("new", str(path), home=tmp_path)
    assert out.returncode == 0, out.stderr
    check = quizzer("check", "--strict", str(path), home=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "0 errors, 0 warnings" in check.stdout
    again = quizzer("new", str(path), home=tmp_path)
    assert again.returncode == 1 and "already exists" in again.stderr
    assert quizzer("new", "--force", str(path), home=tmp_path).returncode == 0
    imported = quizzer("--db", str(tmp_path / "c.db"), "import", str(path), home=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "6 added" in imported.stdout  # 5 notes, one with a reverse sibling


def test_schema_is_shipped_and_printed(tmp_path: Path) -> None:
    from quizzer.deck.spec import json_schema

    shipped = json.loads((REPO / "quizzer" / "deck" / "deck.schema.json").read_text())
    assert shipped == json_schema()
    out = quizzer("schema", home=tmp_path)
    assert json.loads(out.stdout) == shipped


def test_schema_accepts_the_example_deck() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    from quizzer.deck.spec import json_schema

    for path in sorted((REPO / "examples").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        jsonschema.validate(data, json_schema())


def test_import_prints_a_summary_and_json(tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    write_deck(folder, "d.yaml", "deck: d\ncards:\n  - id: a\n    front: A?\n    back: B\n")
    db = str(tmp_path / "c.db")
    out = quizzer("--db", db, "import", str(folder), home=tmp_path)
    assert out.returncode == 0
    assert "1 added" in out.stdout
    out = quizzer("--db", db, "import", "--json", str(folder), home=tmp_path)
    data = json.loads(out.stdout)
    assert data["summary"]["unchanged"] == 1 and data["summary"]["added"] == 0


def test_import_of_a_broken_deck_reports_file_line_col(tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    write_deck(folder, "bad.yaml", "deck: d\ncards:\n  - id: a\n    frnt: A?\n    back: B\n")
    out = quizzer("--db", str(tmp_path / "c.db"), "import", str(folder), home=tmp_path)
    assert out.returncode == 1
    assert "bad.yaml:4:5: error: unknown field 'frnt'" in out.stderr
    assert "did you mean 'front'?" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing-folder", "does not exist"),
        ("not-a-database", "is damaged or is not a quizzer database"),
    ],
)
def test_database_problems_are_one_line_errors(tmp_path: Path, setup: str, message: str) -> None:
    if setup == "missing-folder":
        db = tmp_path / "nope" / "c.db"
    else:
        db = tmp_path / "c.db"
        db.write_bytes(b"garbage" * 1000)
    out = quizzer("--db", str(db), "decks", home=tmp_path)
    assert out.returncode == 1
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_quizzer_db_env_and_home(tmp_path: Path) -> None:
    home = tmp_path / "fresh-home"
    out = quizzer(home=home)  # no command: imports the bundled decks
    assert out.returncode == 0, out.stderr
    assert (home / "quizzer.db").exists()
    assert "pretraining-objectives" in out.stdout
    env = run_env(home) | {"QUIZZER_DB": str(tmp_path / "other.db")}
    subprocess.run(
        [sys.executable, "-m", "quizzer", "decks"], env=env, check=True, capture_output=True
    )
    assert (tmp_path / "other.db").exists()


def test_control_characters_in_deck_text_are_neutralized(tmp_path: Path) -> None:
    """Escapes that would make terminal control sequences are refused, and the error
    that quotes the line shows them as typed, never as live sequences."""
    folder = tmp_path / "decks"
    write_deck(
        folder,
        "d.yaml",
        'deck: d\ntitle: "Evil \\e]52;c;SGVsbG8=\\a \\e[2J title"\n'
        "cards:\n  - id: a\n    front: A?\n    back: B\n",
    )
    db = str(tmp_path / "c.db")
    out = quizzer("--db", db, "import", str(folder), home=tmp_path)
    assert out.returncode != 0
    assert "d.yaml:2:8" in out.stderr and "[control-char]" in out.stderr
    assert "\x1b" not in out.stderr + out.stdout and "\x07" not in out.stderr + out.stdout
    listing = quizzer("--db", db, "decks", home=tmp_path)
    assert "Evil" not in listing.stdout  # nothing of the deck was imported


def test_check_command_imports_only_what_it_needs(tmp_path: Path) -> None:
    """The editor-hook path (`quizzer check`, through the console script's entry point)
    stays clear of modules that cost a tenth of its time or more (docs/performance.md)."""
    code = textwrap.dedent(f"""
        import sys
        from quizzer.entry import main
        sys.argv = ["quizzer", "check", {str(REPO / "decks")!r}]
        try:
            main()
        except SystemExit as stop:
            code = stop.code
        slow = sorted(m for m in ("click", "typing", "dataclasses", "inspect",
                                  "sqlalchemy", "json") if m in sys.modules)
        print("EXIT:", code, "SLOW:", slow)
    """)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=run_env(tmp_path)
    )
    assert "EXIT: 0 SLOW: []" in out.stdout, out.stdout + out.stderr


@pytest.mark.parametrize("argv", [["decks"], []], ids=["a-command", "the-app-without-a-terminal"])
def test_commands_run_with_garbage_collection_resumed(argv: list[str], tmp_path: Path) -> None:
    """`quizzer` holds the collector off while it starts (quizzer.startup); anything but
    the app itself, which resumes it once painted, gets it back before doing its work."""
    code = textwrap.dedent(f"""
        import gc, sys
        import quizzer.cli
        seen = []
        original = quizzer.cli._open
        def spying_open(ctx):
            seen.append(gc.isenabled())
            return original(ctx)
        quizzer.cli._open = spying_open
        quizzer.cli._print_decks = lambda decks: seen.append(gc.isenabled())
        from quizzer.entry import main
        sys.argv = ["quizzer", *{argv!r}]
        try:
            main()
        except SystemExit:
            pass
        print("ENABLED:", seen[-1], gc.isenabled())
    """)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=run_env(tmp_path)
    )
    assert "ENABLED: True True" in out.stdout, out.stdout + out.stderr
