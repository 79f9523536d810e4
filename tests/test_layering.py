"""The package's layering, checked from the source: the core imports neither side, and the client and the
sandbox never import each other.

Every module of `ileti` belongs to one layer below. A new module must be placed in one (the test fails
otherwise), so the layering is decided when a module is added, not discovered later.

- **core**: what both sides share (codes, numbers, text, limits, the wire format). It imports only the core.
- **client** and **sandbox**: the two sides. Each imports the core and itself, never the other side.
- **top**: the tools built on both (command line, pytest plugin, bulk sending, the package's front door).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ileti

PACKAGE = Path(ileti.__file__).parent

CORE = (
    "ileti.codes",
    "ileti.phone",
    "ileti.text",
    "ileti.limits",
    "ileti.checks",
    "ileti.times",
    "ileti.wire",
)
SIDES = ("ileti.client", "ileti.sandbox")
TOP = ("ileti", "ileti.__main__", "ileti.cli", "ileti.testing", "ileti.bulk", "ileti.conformance")


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer(module: str) -> str:
    """The layer a module of `ileti` belongs to."""
    if any(_within(module, prefix) for prefix in CORE):
        return "core"
    for side in SIDES:
        if _within(module, side):
            return side.removeprefix("ileti.")
    if module in TOP or any(_within(module, prefix) for prefix in TOP[1:]):
        return "top"
    raise AssertionError(f"{module} is in no layer: add it to CORE, SIDES or TOP in {__file__}")


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue  # alembic's scripts import only alembic and sqlalchemy
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imported(module: str, path: Path) -> set[str]:
    """Every `ileti` module that `module` imports, at the top or in a function, type-only ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                names.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                names.add(node.module)
    return {name for name in names if _within(name, "ileti")}


ALLOWED = {
    "core": {"core"},
    "client": {"core", "client"},
    "sandbox": {"core", "sandbox"},
    "top": {"core", "client", "sandbox", "top"},
}

MODULES = modules()


def test_every_module_has_a_layer() -> None:
    assert {name: layer(name) for name in MODULES}  # raises, naming the module, when one has none


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_respect_the_layers(module: str) -> None:
    own = layer(module)
    wrong = sorted(
        name
        for name in imported(module, MODULES[module])
        if name != "ileti" and layer(name) not in ALLOWED[own]
    )
    assert not wrong, f"{module} ({own}) imports {wrong}"


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    """The walk finds imports inside functions and relative ones, so the test above can fail."""
    source = tmp_path / "__init__.py"
    source.write_text("def f():\n    from ..sandbox import store\n    import ileti.client\n", "utf-8")
    assert imported("ileti.wire", source) == {"ileti.sandbox", "ileti.client"}


BELOW_CONTROL = ("ileti.sandbox.api", "ileti.sandbox.world", "ileti.sandbox.store", "ileti.sandbox.inbox")


@pytest.mark.parametrize("module", sorted(m for m in MODULES if any(_within(m, p) for p in BELOW_CONTROL)))
def test_the_control_api_sits_on_top_of_the_sandbox(module: str) -> None:
    """The emulated API, the simulated world, the store and the inbox never import the control API: it drives
    them, they do not know it (a control resource is one module of `sandbox/control/`, added without
    touching them)."""
    wrong = sorted(
        name for name in imported(module, MODULES[module]) if _within(name, "ileti.sandbox.control")
    )
    assert not wrong, f"{module} imports {wrong}"


# what the store may take from the world above it: pure arithmetic and a plain record, nothing that drives it
STORE_MAY_IMPORT_FROM_WORLD = {"ileti.sandbox.world.billing", "ileti.sandbox.world.clock"}


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _within(m, "ileti.sandbox.store")))
def test_the_store_does_not_import_the_world_that_drives_it(module: str) -> None:
    """The carrier, the webhook worker and the reasons use the store; the store gets what it must decide from
    them as arguments (settlement's `decide`), so there is no import circle between them. It may use the
    pure billing module (OQ-11, OQ-16) and the clock's state record."""
    wrong = sorted(
        name
        for name in imported(module, MODULES[module])
        if _within(name, "ileti.sandbox.world") and name not in STORE_MAY_IMPORT_FROM_WORLD
    )
    assert not wrong, f"{module} imports {wrong}"
