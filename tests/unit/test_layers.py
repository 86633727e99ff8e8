"""Import contract: dependencies point down only (domain ← oms ← services ← api/cli/jobs).

`serving/` (the HTTP machinery around routes) sits beside `api/`, below it: routes and the
app use it, it imports nothing of `api/` (what both need, such as the free-form JSON check a
request body and a schema field share, lives in `serving/`). `jobs/` (background work, its
isolation, the trading loop) wires the OMS's venues as the composition root does.
`services/protection/` watches worker runs and calls the worker contract's exits; the worker
services know nothing of it.

Besides the per-package rules: routes build no queries (they call use-cases); services,
routes, the CLI and the demo reach the OMS only through its door, the `tradertape.oms`
package, and take from it its names, never one of its modules (``from tradertape.oms import
slicing`` is a reach past the door as much as ``from tradertape.oms.slicing import …``);
routes take no venue off the runtime (`ROUTE_VENUES`, the ratchet of those that did, is
empty: they call the OMS door or a service). The composition root (`runtime.py` and its
builders per context in `wiring/`) and `jobs/` wire the OMS's venues and are its own; the
deliveries (`api/`, `cli/`, `mcp/`, `telegram/`) and the services reach it by its door, and
the services import no delivery and no wiring. The runtime imports no job (`jobs/` is built
from it; what both need is in `services/background/`). Outside the OMS, `domain/owners.py`
and the migrations no module reads an order's owner from its tags (``run_pk``,
``attribution["portfolio_id"]``): it reads the typed owner. The door's verbs on orders
and triggers each take one command (`oms.commands`), never keywords.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SRC = ROOT / "src" / "tradertape"


def _imports(package: str, *, root: Path = SRC) -> set[tuple[str, str]]:
    found = set()
    for path in (root / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add((path.name, node.module))
            elif isinstance(node, ast.Import):
                found.update((path.name, alias.name) for alias in node.names)
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        pytest.param(
            "domain",
            (
                "sqlalchemy",
                "fastapi",
                "starlette",
                "httpx",
                "tradertape.db",
                "tradertape.api",
                "tradertape.services",
                "tradertape.ports",
                "tradertape.oms",
                "tradertape.feed",
                "tradertape.bus",
                "tradertape.testkit",
                "tradertape_brokers",
            ),
            id="domain-is-pure",
        ),
        pytest.param(
            "oms",
            (
                "fastapi",
                "starlette",
                "tradertape.api",
                "tradertape.cli",
                "tradertape.jobs",
                "tradertape.runtime",
                "tradertape.services",
                "tradertape.fakebrokers",
                "tradertape_brokers.kite",
                "tradertape_brokers.upstox",
                "tradertape_brokers.groww",
            ),
            id="oms-knows-no-services-nor-adapters",
        ),
        pytest.param(
            "services",
            (
                "fastapi",
                "starlette",
                "tradertape.api",
                "tradertape.cli",
                "tradertape.jobs",
                "tradertape.runtime",
                "tradertape.serving",
                "tradertape.telegram",
                "tradertape.wiring",
                "tradertape.mcp",
            ),
            id="services-know-no-http-nor-wiring-nor-deliveries",
        ),
        pytest.param(
            "serving",
            (
                "tradertape.api",
                "tradertape.cli",
                "tradertape.jobs",
                "tradertape.oms",
                "tradertape.runtime",
            ),
            id="serving-knows-no-route-nor-engine",
        ),
        pytest.param(
            "mcp",
            (
                "fastapi",
                "tradertape.api.routes",
                "tradertape.api.deps",
                "tradertape.cli",
                "tradertape.jobs",
                "tradertape.db.models",
            ),
            id="mcp-tools-call-services-not-routes",
        ),
        pytest.param(
            "jobs",
            ("fastapi", "starlette", "tradertape.api", "tradertape.cli", "tradertape.serving"),
            id="jobs-know-no-http",
        ),
        pytest.param(
            "telegram",
            (
                "fastapi",
                "starlette",
                "tradertape.api",
                "tradertape.cli",
                "tradertape.mcp",
                "tradertape.serving",
                "tradertape.jobs",
            ),
            id="the-telegram-bot-is-a-delivery-beside-the-api",
        ),
        pytest.param(
            "wiring",
            (
                "fastapi",
                "starlette",
                "tradertape.api",
                "tradertape.cli",
                "tradertape.jobs",
                "tradertape.mcp",
                "tradertape.runtime",
                "tradertape.serving",
                "tradertape.telegram",
            ),
            id="the-contexts-builders-know-no-delivery",
        ),
        pytest.param(
            "services/workers",
            ("tradertape.services.protection",),
            id="workers-know-not-their-protection",
        ),
        pytest.param(
            "db", ("tradertape.api", "tradertape.services", "fastapi"), id="db-below-services"
        ),
        pytest.param(
            "candles",
            (
                "fastapi",
                "starlette",
                "sqlalchemy",
                "tradertape.api",
                "tradertape.cli",
                "tradertape.db",
                "tradertape.services",
            ),
            id="candles-is-an-engine",
        ),
        *(
            pytest.param(
                package,
                (
                    "fastapi",
                    "starlette",
                    "sqlalchemy",
                    "tradertape.api",
                    "tradertape.cli",
                    "tradertape.db",
                    "tradertape.services",
                    "tradertape.oms",
                    "tradertape.testkit",
                ),
                id=f"{package}-is-an-engine",
            )
            for package in ("strategies", "backtest", "journal")
        ),
        pytest.param(
            "indicators",
            (
                "fastapi",
                "starlette",
                "sqlalchemy",
                "tradertape.api",
                "tradertape.cli",
                "tradertape.db",
                "tradertape.services",
                "tradertape.oms",
            ),
            id="indicators-are-an-engine",
        ),
        pytest.param(
            "fakebrokers",
            (
                "tradertape.api",
                "tradertape.cli",
                "tradertape.db",
                "tradertape.jobs",
                "tradertape.oms",
                "tradertape.runtime",
                "tradertape.services",
            ),
            id="fake-brokers-are-brokers-not-the-server",
        ),
        pytest.param(
            "bus",
            ("fastapi", "starlette", "tradertape.api", "tradertape.db", "tradertape.feed"),
            id="bus-is-transport-only",
        ),
        pytest.param(
            "feed",
            ("fastapi", "starlette", "tradertape.api", "tradertape.db", "tradertape.cli"),
            id="feed-knows-no-http",
        ),
    ],
)
def test_layering(package: str, forbidden: tuple[str, ...]):
    bad = sorted(
        f"{name} imports {module}"
        for name, module in _imports(package)
        if any(module == f or module.startswith(f + ".") for f in forbidden)
    )
    assert bad == []


@pytest.mark.parametrize(
    "folder",
    [
        pytest.param("brokers/python/src", id="broker-adapters"),
        pytest.param("sdk/python/src", id="worker-sdk"),
        pytest.param("agent", id="local-agent"),
    ],
)
def test_distributions_never_import_the_server(folder: str):
    """The adapters, the SDK and the agent install without the server (ARCHITECTURE.md)."""
    if not (ROOT / folder).exists():
        pytest.skip(f"{folder} does not exist yet")
    bad = sorted(
        f"{name} imports {module}"
        for name, module in _imports(folder, root=ROOT)
        if module == "tradertape" or module.startswith("tradertape.")
    )
    assert bad == []


def _route_modules_importing(prefix: str, *, allowed: tuple[str, ...] = ()) -> set[str]:
    routes = SRC / "api" / "routes"
    found = set()
    for path in routes.glob("*.py"):
        for _name, module in _imports_of(path):
            if (module == prefix or module.startswith(prefix + ".")) and module not in allowed:
                found.add(path.stem)
    return found


def _imports_of(path: Path) -> set[tuple[str, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add((path.name, node.module))
        elif isinstance(node, ast.Import):
            found.update((path.name, alias.name) for alias in node.names)
    return found


# What a route may not do to the session: query, write, commit. Use-cases do that.
SESSION_WORK = {
    "get",
    "scalar",
    "scalars",
    "execute",
    "add",
    "delete",
    "flush",
    "commit",
    "rollback",
}


def test_routes_build_no_queries():
    """Routes call use-cases: no SQL of their own, no writes or commits on the session."""
    bad = []
    for path in sorted((SRC / "api" / "routes").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("sqlalchemy", "sqlalchemy.sql"):
                bad.append(f"{path.stem} imports {node.module}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "db"
                and node.func.attr in SESSION_WORK
            ):
                bad.append(f"{path.stem}:{node.lineno} db.{node.func.attr}")
    assert bad == []


def _oms_reaches(package: str) -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    for path in (SRC / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "tradertape.oms."
            ):
                module = (node.module or "").removeprefix("tradertape.oms.")
                where = str(path.relative_to(SRC))
                found.update((where, module, alias.name) for alias in node.names)
    return found


def _oms_modules() -> set[str]:
    """The OMS's modules and subpackages: names the door has, that are not its surface."""
    oms = SRC / "oms"
    return {path.stem for path in oms.glob("*.py") if path.stem != "__init__"} | {
        path.name for path in oms.iterdir() if (path / "__init__.py").exists()
    }


def _past_the_door(path: Path) -> set[str]:
    """How `path` reaches past the OMS's door: a module of it imported by name (``from
    tradertape.oms.x import …``, ``import tradertape.oms.x``, ``from tradertape.oms import
    x`` where x is a module)."""
    modules, found = _oms_modules(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tradertape.oms."):
            found.add(f"imports {node.module}")
        elif isinstance(node, ast.ImportFrom) and node.module == "tradertape.oms":
            found.update(
                f"imports tradertape.oms.{a.name}" for a in node.names if a.name in modules
            )
        elif isinstance(node, ast.Import):
            found.update(
                f"imports {a.name}" for a in node.names if a.name.startswith("tradertape.oms.")
            )
    return found


# Where a module may still reach past the door, and why. Empty: keep it so; an entry needs a
# reason a reviewer accepts (issue 68 fixed the last ones: `api/routes/instruments.py`'s
# `oms.slicing`, `cli/accounts.py`'s `oms.context` and `oms.positions`, `demo.py`'s
# `oms.funds`, each now a name of the door or a service's function).
PAST_THE_DOOR: dict[tuple[str, str], str] = {}


#: The packages that reach the OMS only by its door: every delivery (routes, the CLI, the
#: MCP server, the Telegram bot) and every service; only the wiring and `jobs/` own it.
THROUGH_THE_DOOR = ("services", "api", "cli", "mcp", "telegram", "serving")


def test_services_routes_and_the_cli_reach_the_oms_by_its_door():
    """Services, routes, the CLI, the MCP server, the Telegram bot and the demo import the
    OMS's public surface (`tradertape.oms`), never its modules (its venues, its ledger's
    writer, its slicing), however named: what they need, the door names."""
    where = [
        *(path for package in THROUGH_THE_DOOR for path in (SRC / package).rglob("*.py")),
        SRC / "demo.py",
        SRC / "launch.py",
    ]
    reaches = sorted(
        (str(path.relative_to(SRC)), how)
        for path in where
        for how in _past_the_door(path)
        if (str(path.relative_to(SRC)), how) not in PAST_THE_DOOR
    )
    assert reaches == [], "import these from tradertape.oms (or list them with a reason)"
    assert set().union(*(_oms_reaches(package) for package in THROUGH_THE_DOOR)) == set()


def test_only_the_wiring_and_the_jobs_import_the_oms_modules():
    """Whoever imports a module of the OMS (past its door) is the composition root, one of
    its context builders, a job, or the OMS itself: a new package that does is named here."""
    owners = {"oms", "wiring", "jobs", "testkit.py", "runtime.py"}
    found = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.relative_to(SRC).parts[0] not in owners and _past_the_door(path)
    )
    assert found == [], "import these from tradertape.oms"


def test_the_door_check_sees_the_deliveries():
    """Each delivery is a package the door check walks (a route, a CLI command, an MCP tool
    or a bot command importing `tradertape.oms.paper` fails it)."""
    for package in ("api", "cli", "mcp", "telegram"):
        assert package in THROUGH_THE_DOOR
        assert any((SRC / package).rglob("*.py")), package


def test_the_door_check_sees_each_way_past_it(tmp_path: Path):
    """The check above is no stronger than what it recognises: each form of reach is seen,
    and the door's own names are not."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from tradertape.oms import slicing, Account\n"
        "from tradertape.oms.ledger import Ledger\n"
        "import tradertape.oms.paper.exchange\n"
        "from tradertape.oms import OrderPipeline\n"
    )
    assert _past_the_door(sample) == {
        "imports tradertape.oms.slicing",
        "imports tradertape.oms.ledger",
        "imports tradertape.oms.paper.exchange",
    }


# Routes that still take a venue (or the paper exchange's context) off the `Runtime`, each
# with its reason. Issue 68 counted 17 such places; each now calls the OMS door
# (`runtime.orders`: its context's clock, calendar and catalog, `last_tick`, `deposit`,
# `apply_kite_update`) or a service (a model portfolio's `portfolio_trading`). The list
# only shrinks: it is empty, and a route may not add one.
ROUTE_VENUES: dict[tuple[str, str], str] = {}
_VENUES = {"exchange", "gtts", "live", "live_gtts"}


def test_routes_take_no_new_venue_off_the_runtime():
    """`runtime.exchange`, `runtime.gtts`, `runtime.live`, `runtime.live_gtts` in a route or a
    command of the CLI are venues held past the OMS's door; only those listed (`ROUTE_VENUES`)
    remain."""
    found = set()
    deliveries = [*(SRC / "api" / "routes").glob("*.py"), *(SRC / "cli").rglob("*.py")]
    for path in sorted(deliveries):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "runtime"
                and node.attr in _VENUES
            ):
                found.add((path.stem, node.attr))
    assert sorted(found - ROUTE_VENUES.keys()) == [], "call the OMS door or a service"
    assert sorted(ROUTE_VENUES.keys() - found) == [], "gone: strike it from ROUTE_VENUES"


def test_the_composition_root_imports_no_job():
    """`jobs/` starts from a built `Runtime`; the runtime importing a job back would be a
    loop (what both need, the job guard and the loop's lag, is in `services.background`)."""
    bad = sorted(
        module
        for _name, module in _imports_of(SRC / "runtime.py") | _imports("wiring")
        if module == "tradertape.jobs" or module.startswith("tradertape.jobs.")
    )
    assert bad == []


def test_the_oms_modules_never_import_its_door():
    """The package's `__init__` imports its modules: one of them importing a name of the
    package (rather than a module of it) would be an import cycle."""
    modules = {path.stem for path in (SRC / "oms").glob("*.py")} | {"paper", "live"}
    inside = sorted(
        f"{path.name} imports {alias.name} from tradertape.oms"
        for path in (SRC / "oms").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module == "tradertape.oms"
        for alias in node.names
        if alias.name not in modules
    )
    assert inside == []


def test_api_holds_routes_and_their_contract():
    """`api/` is the routes, their schemas and dependencies, the errors they answer and the
    app that assembles them; the machinery every request passes lives in `serving/`."""
    assert sorted(path.stem for path in (SRC / "api").glob("*.py")) == [
        "__init__",
        "app",
        "deps",
        "errors",
        "job_slots",
        "openapi_streams",
    ]


#: The attribution tags `domain.owners.owner_from` reads an order's owner from (when the
#: order is recorded: the OMS stores it in ``owner_kind``/``owner_id``). ``run_pk`` is read
#: by no one else however named; the others (also routes' and rows' field names) not out
#: of anything named as an order's tags.
OWNER_TAGS = frozenset({"run_pk", "portfolio_id", "mtm_rule_id", "alert_id", "webhook_id"})
#: Where a tag may be read: the rule itself, the OMS that applies it, the migrations that
#: back-filled the columns.
_READS_TAGS = ("oms/", "domain/owners.py", "db/migrations/")


def _tag_reads(tree: ast.AST) -> set[str]:
    """How a module reads an owner from an order's tags: ``x.get("run_pk")``,
    ``x["run_pk"]`` (read or written), ``"run_pk" in x``, and any owner tag taken out of
    something named ``attribution`` or ``tags`` (``Order.attribution["portfolio_id"]``)."""

    def tag(node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Constant) and node.value in OWNER_TAGS:
            return str(node.value)
        return None

    def of_tags(node: ast.AST) -> bool:
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
        return name in ("attribution", "tags", "requested_by")

    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and (key := tag(node.slice)):
            if key == "run_pk" or of_tags(node.value):
                found.add(f"{ast.unparse(node)} at line {node.lineno}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "pop", "setdefault")
            and node.args
            and (key := tag(node.args[0]))
            and (key == "run_pk" or of_tags(node.func.value))
        ) or (
            isinstance(node, ast.Compare)
            and tag(node.left) == "run_pk"
            and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
        ):
            found.add(f"{ast.unparse(node)} at line {node.lineno}")
    return found


def test_no_one_reads_an_owner_from_an_orders_tags():
    """Who an order is (a worker run's, a portfolio's) is its typed owner: the order's
    ``owner_kind``/``owner_id`` columns (`Order.owned_by` in a query), an event's `owner`,
    `domain.owners.tags_of` to write it; only the OMS and `domain.owners` read the tags it
    is placed with (issue 68 moved the last readers outside the OMS)."""
    found = sorted(
        f"{path.relative_to(SRC)}: {how}"
        for path in SRC.rglob("*.py")
        if not str(path.relative_to(SRC)).startswith(_READS_TAGS)
        for how in _tag_reads(ast.parse(path.read_text()))
    )
    assert found == [], "read the order's owner (its columns, an event's owner)"


def test_the_owner_tag_check_sees_each_read():
    """The check above sees each way a tag is read, and not a row's own ``run_pk`` column
    bound by name in a statement's values."""
    tree = ast.parse(
        "a = tags.get('run_pk')\n"
        "b = by['run_pk']\n"
        "tags['run_pk'] = 4\n"
        "c = 'run_pk' in attribution\n"
        "d = Order.attribution['portfolio_id'].as_integer()\n"
        "e = row.attribution.get('portfolio_id')\n"
        "db.execute(insert_link, {'run_pk': 4, 'order_pk': 5})\n"
        "f = body['portfolio_id']\n"
    )
    assert len(_tag_reads(tree)) == 6


# The door's verbs that act on an order or a trigger, each with the one command it takes
# (issue 68: they took keywords, restated at each caller).
DOOR_COMMANDS = {
    "submit": "SubmitOrder",
    "modify": "ModifyOrder",
    "cancel": "CancelOrder",
    "cancel_slices": "CancelSlices",
    "create_gtt": "CreateGtt",
    "modify_gtt": "ModifyGtt",
    "cancel_gtt": "CancelGtt",
    "delete_gtt": "DeleteGtt",
    "record_external_fill": "ExternalFill",
}
# Frozen values of `oms.commands` that no verb of the door takes whole, and why.
_NOT_YET_TAKEN = {
    "Account": "not a command: whose money one uses (a field of `SubmitOrder`, `CreateGtt`)",
    "Checked": "not a command: a caller's passed check of an order (a field of `SubmitOrder`)",
}


def _frozen_classes(path: Path) -> set[str]:
    """The classes of `path` declared ``@dataclass(frozen=True, …)`` or ``@value_class``
    (frozen where frozenness is checked, by mypy: `domain.values`; `SubmitOrder` is one,
    being made once per order)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ClassDef):
            for deco in node.decorator_list:
                called = deco.func if isinstance(deco, ast.Call) else deco
                valued = isinstance(called, ast.Name) and called.id == "value_class"
                frozen = isinstance(deco, ast.Call) and any(
                    k.arg == "frozen" and isinstance(k.value, ast.Constant) and k.value.value
                    for k in deco.keywords
                )
                if valued or frozen:
                    found.add(node.name)
    return found


def _door_verbs() -> dict[str, ast.FunctionDef]:
    tree = ast.parse((SRC / "oms" / "orders.py").read_text())
    door = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "OrderPipeline")
    return {n.name: n for n in door.body if isinstance(n, ast.FunctionDef)}


def _takes(verb: ast.FunctionDef) -> str | None:
    """The command `verb` takes, when it takes ``(self, db, command)`` and nothing else."""
    args = verb.args
    names = [a.arg for a in args.args]
    if args.kwonlyargs or args.vararg or args.kwarg or args.defaults or names[:2] != ["self", "db"]:
        return None
    if len(names) != 3 or not isinstance(args.args[2].annotation, ast.Name):
        return None
    return args.args[2].annotation.id


def test_the_doors_verbs_each_take_one_command():
    """`OrderPipeline.modify`, `cancel`, the GTT verbs and the rest each take ``(db,
    command)``, the command a frozen value of `oms.commands`: a keyword on the door's
    signature is a field missing from a command. Every command there is taken by a verb
    (or listed in `_NOT_YET_TAKEN` with why)."""
    verbs = _door_verbs()
    taken = {name: _takes(verbs[name]) for name in DOOR_COMMANDS}
    assert taken == DOOR_COMMANDS, "take the command, not its fields as keywords"
    commands = _frozen_classes(SRC / "oms" / "commands.py")
    assert set(DOOR_COMMANDS.values()) <= commands, "a command is a frozen dataclass"
    assert commands - set(DOOR_COMMANDS.values()) == _NOT_YET_TAKEN.keys()


def test_the_command_check_sees_keywords(tmp_path: Path):
    """The check above tells a verb taking its command from one taking keywords."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "class D:\n"
        "    def a(self, db: Session, command: ModifyOrder) -> None: ...\n"
        "    def b(self, db: Session, *, user_id: int) -> None: ...\n"
        "    def c(self, db: Session, command: ModifyOrder, last: int = 0) -> None: ...\n"
    )
    door = ast.parse(sample.read_text()).body[0]
    assert isinstance(door, ast.ClassDef)
    verbs = [n for n in door.body if isinstance(n, ast.FunctionDef)]
    assert [_takes(v) for v in verbs] == ["ModifyOrder", None, None]
