"""The worker SDK's quick start works with every default: the scope its README writes, the
SDK's default, the web token form's default and the CLI's are one (seed 002: kite:paper-a)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from tradertape.cli.keys import tokens_create
from tradertape_worker._config import DEFAULT_ACCOUNT_SCOPE

ROOT = Path(__file__).parents[2]


def test_readme_sdk_form_and_cli_name_one_scope():
    readme = (ROOT / "sdk/python/README.md").read_text(encoding="utf-8")
    examples = (ROOT / "sdk/python/examples/README.md").read_text(encoding="utf-8")
    form = (ROOT / "web/src/workers/workerApi.ts").read_text(encoding="utf-8")
    cli = inspect.signature(tokens_create).parameters["account_scope"].default.default

    assert DEFAULT_ACCOUNT_SCOPE == "kite:paper-a"
    assert re.findall(r'account_scope="([^"]+)"', readme) == [DEFAULT_ACCOUNT_SCOPE]
    assert re.findall(r"KITE_ALGO_ACCOUNT_SCOPE=(\S+)", examples) == [DEFAULT_ACCOUNT_SCOPE]
    assert f'SDK_ACCOUNT_SCOPE = "{DEFAULT_ACCOUNT_SCOPE}"' in form
    assert cli == DEFAULT_ACCOUNT_SCOPE
