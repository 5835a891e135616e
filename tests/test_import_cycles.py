"""Issue 12 item 3: no import cycle among the hand-written packages under src/.

A cycle makes the order of imports matter: whichever module is imported first sees the other half
initialised, so moving one import breaks code far away. The graph is read from the source with
`ast`, so the test needs nothing imported: an edge is an import that runs when the module is loaded
(at module level, also inside a module-level `if`/`try`); an import inside a function runs later,
and one under `if TYPE_CHECKING:` never runs, so neither counts.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGES = ("hpl", "hpl_sandbox", "hpl_contract")


def module_files(src: Path) -> dict[str, Path]:
    """Every module of the packages that exist under `src`, by dotted name."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        root = src / package
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.py")):
            parts = list(path.relative_to(src).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _load_time_imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                found.extend(_load_time_imports(node.body))
            found.extend(_load_time_imports(node.orelse))
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                found.extend(_load_time_imports(block))
    return found


def _imported(module: str, is_package: bool, node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The modules of `known` that one import statement of `module` loads by name."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in known}
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    targets = set()
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        # `from package import name` loads the submodule when there is one, else the package.
        targets.add(submodule if submodule in known else base)
    return targets & known


def import_graph(src: Path) -> dict[str, set[str]]:
    modules = module_files(src)
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in _load_time_imports(tree.body):
            edges |= _imported(name, is_package, node, known)
        edges.discard(name)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_no_module_under_src_imports_itself_back_at_load_time() -> None:
    graph = import_graph(SRC)
    assert "hpl_sandbox.app" in graph and "hpl.client" in graph  # the scan found the packages
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle_through_a_from_import(tmp_path: Path) -> None:
    src = write(
        tmp_path,
        {
            "hpl_sandbox/__init__.py": "",
            "hpl_sandbox/control.py": "from hpl_sandbox import runtime\n",
            "hpl_sandbox/runtime.py": "from hpl_sandbox.control import ForcedResponses\n",
        },
    )
    assert cycles(import_graph(src)) == [["hpl_sandbox.control", "hpl_sandbox.runtime"]]


def test_the_cycle_check_finds_a_cycle_through_relative_imports(tmp_path: Path) -> None:
    src = write(
        tmp_path,
        {
            "hpl/__init__.py": "",
            "hpl/a.py": "from . import b\n",
            "hpl/b.py": "try:\n    from .a import x\nexcept ImportError:\n    pass\n",
        },
    )
    assert cycles(import_graph(src)) == [["hpl.a", "hpl.b"]]


def test_imports_under_type_checking_or_in_functions_make_no_cycle(tmp_path: Path) -> None:
    src = write(
        tmp_path,
        {
            "hpl_sandbox/__init__.py": "",
            "hpl_sandbox/control.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from hpl_sandbox.runtime import Sandbox\n",
            "hpl_sandbox/runtime.py": "from hpl_sandbox import control\n"
            "def later() -> None:\n    from hpl_sandbox import runtime\n",
        },
    )
    assert cycles(import_graph(src)) == []
