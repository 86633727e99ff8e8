"""What a `tradertape` process imports: each command loads only what it uses, so `--help`
starts in a fraction of a second and a backtest loads no database or web code.

Each case runs the CLI in a fresh interpreter and lists the modules it ended with."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tradertape.ahead import Builds

LIST_MODULES = """
import json, os, sys
sys.argv = ["tradertape", *json.loads(sys.argv[1])]
from tradertape.launch import main
try:
    main()
except SystemExit as exit:
    assert not exit.code, exit.code
with open(os.environ["MODULES_TO"], "w") as out:
    json.dump(sorted(sys.modules), out)
"""

# the heaviest libraries behind the commands: numerics, the database, the web stack
NUMERIC = {"numba", "numpy", "pyarrow", "pandas"}
DATABASE = {"sqlalchemy", "alembic", "tradertape.db", "tradertape.runtime"}
WEB = {"fastapi", "starlette", "uvicorn", "httpx", "tradertape.api"}


def _imported(args: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> set[str]:
    listing = tmp_path / "modules.json"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TRADERTAPE_")}
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", LIST_MODULES, json.dumps(args)],
        # the console script's own path, with no CLI host (each run here is a fresh process)
        env={**environ, **(env or {}), "MODULES_TO": str(listing), "TRADERTAPE_CLI_HOST": "off"},
        cwd=tmp_path,  # no checkout's .env file read
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(listing.read_text()))


def _found(modules: set[str], wanted: set[str]) -> set[str]:
    return {w for w in wanted if w in modules}


@pytest.mark.parametrize(
    "args", [["--help"], ["backtest", "--help"], ["data", "--help"], ["version"]]
)
def test_help_and_version_import_no_heavy_library(args: list[str], tmp_path: Path):
    modules = _imported(args, tmp_path)
    assert _found(modules, NUMERIC | DATABASE | WEB) == set()


def test_a_backtest_of_a_built_in_loads_no_database_nor_web_code(
    tmp_path: Path, nifty50_candles: Path
):
    data = tmp_path / "data"
    shutil.copytree(nifty50_candles, data / "candles")
    args = ["backtest", "--strategy", "v1_momentum", "--universe", "nifty_50"]
    args += ["--from", "2024-01-01", "--to", "2024-06-28", "--json"]
    env = {"TRADERTAPE_DATA_DIR": str(data)}
    modules = _imported(args, tmp_path, env)
    assert "numpy" in modules  # it did run
    # on the kernels' ahead-of-time builds when they are current (`make install`), else on
    # numba's
    assert ("numba" in modules) == (Builds.load() is None)
    assert _found(modules, DATABASE | WEB) == set()
    assert not (data / "tradertape.db").exists()
    # nor what only its start would pay for: the settings (the folder is read without
    # pydantic-settings) and, with --json, the progress bar
    assert _found(modules, {"tradertape.settings", "pydantic_settings", "rich.progress"}) == set()
