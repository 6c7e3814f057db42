"""The wheel: bundled decks, the schema and the migrations ship inside it, and an
installed copy (not the source tree) finds its decks."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import REPO, run_env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        if "No matching distribution" in result.stderr or "Could not fetch" in result.stderr:
            pytest.skip("cannot fetch the build backend (offline)")
        raise AssertionError(result.stderr)
    (built,) = out.glob("quizzer-*.whl")
    return built


def test_wheel_contains_decks_schema_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = sorted(p.name for p in (REPO / "decks").glob("*.yaml"))
    assert bundled, "the repository has no bundled decks"
    for name in bundled:
        assert f"quizzer/decks/{name}" in names
    assert "quizzer/deck/deck.schema.json" in names
    assert "quizzer/store/migrations/env.py" in names
    assert "quizzer/store/migrations/script.py.mako" in names
    assert any(n.startswith("quizzer/store/migrations/versions/0001") for n in names)


def test_installed_copy_finds_its_bundled_decks(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = run_env(tmp_path / "home") | {"PYTHONPATH": str(site)}
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    code = (
        "import quizzer.paths as p, sys; d = p.bundled_decks_dir(); "
        "print(d); sys.exit(0 if str(d).startswith(sys.argv[1]) else 3)"
    )
    where = subprocess.run(
        [sys.executable, "-c", code, str(site)],
        env=env,
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert where.returncode == 0, where.stdout + where.stderr
    out = subprocess.run(
        [sys.executable, "-m", "quizzer"],
        env=env,
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    for deck in (
        "genai-project-lifecycle",
        "model-hubs-and-model-cards",
        "pretraining-llms",
        "pretraining-objectives",
    ):
        assert deck in out.stdout
