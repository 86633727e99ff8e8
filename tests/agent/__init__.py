"""The local agent's tests. A venv made before the agent joined `make install` lacks it:
its source folder is put on the path then, as `make install` would."""

import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("tradertape_agent") is None:  # pragma: no cover
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "agent" / "src"))
