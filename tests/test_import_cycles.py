"""No import cycle among the project's modules (annotator, segmenter, the plugins' packages).

Why: two modules that import each other can only be read, tested and moved together, and the
order in which they load starts to matter. Python hides a cycle closed by a type-only import
(``if TYPE_CHECKING:``) or by an import inside a function, but a reader, a type checker and the
next refactoring do not, so every import statement counts here. import-linter checks what may
not be imported, not cycles; this builds the graph itself with `ast` and fails naming each
cycle, one path through it with the kind of each import.

An import names the most specific project module it loads: ``from a import b`` is an import of
``a.b`` when ``b`` is a submodule, else of ``a``; relative imports are resolved; imports of a
package's parents that Python performs on the way are not edges (every submodule would
otherwise form a cycle with its package's ``__init__``).
"""

from __future__ import annotations

import ast
import functools
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: the cycles that exist today; each must still exist (shrink this list as they are broken)
KNOWN_CYCLES = [
    # splits imports bank's item_masks inside a function; bank imports splits
    {"segmenter.recipes.bank", "segmenter.recipes.splits"},
    # unseen type-hints train's RecipeConfig; train imports unseen
    {"segmenter.recipes.train", "segmenter.recipes.unseen"},
]

Graph = dict[str, dict[str, str]]  # module -> {imported module: kind of the import}


def package_roots(root: Path) -> list[Path]:
    """annotator, segmenter and every top-level package under plugins/ (a plugin is a folder of
    separately named packages, some one level down in a distribution folder)."""
    plugins = [
        init.parent
        for init in sorted((root / "plugins").glob("**/__init__.py"))
        if not (init.parent.parent / "__init__.py").exists()
    ]
    return [root / "annotator", root / "segmenter", *plugins]


def find_modules(roots: list[Path]) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` under each package root."""
    modules = {}
    for package in roots:
        for path in sorted(package.rglob("*.py")):
            parts = path.relative_to(package.parent).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def _type_only_nodes(tree: ast.AST) -> set[int]:
    """Ids of the nodes inside an ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``) body."""
    inside = set()
    for node in ast.walk(tree):
        test = node.test if isinstance(node, ast.If) else None
        name = getattr(test, "id", None) or getattr(test, "attr", None)
        if name == "TYPE_CHECKING":
            inside.update(id(n) for statement in node.body for n in ast.walk(statement))
    return inside


def _function_nodes(tree: ast.AST) -> set[int]:
    """Ids of the nodes inside a function body (imports that run only when it is called)."""
    functions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
    return {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, functions)
        for n in ast.walk(node)
        if n is not node
    }


def _named(node: ast.Import | ast.ImportFrom, package: str) -> Iterator[tuple[str, str]]:
    """(module path, imported name or "") for each name the statement imports."""
    if isinstance(node, ast.Import):
        yield from ((alias.name, "") for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        parts = package.split(".")
        parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join([*parts, *([node.module] if node.module else [])])
    yield from ((base, alias.name) for alias in node.names)


def _resolve(path: str, name: str, modules: dict[str, Path]) -> str | None:
    """The most specific project module an imported ``path`` (and ``name`` from it) loads."""
    if name and f"{path}.{name}" in modules:
        return f"{path}.{name}"
    parts = path.split(".")
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts) or None


def import_graph(modules: dict[str, Path]) -> Graph:
    """Every project module's imports of other project modules, with the kind of the strongest
    import of each: "import" (at load), "in a function", or "type-only"."""
    rank = {"import": 0, "in a function": 1, "type-only": 2}
    graph: Graph = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        type_only, in_function = _type_only_nodes(tree), _function_nodes(tree)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        edges: dict[str, str] = {}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            kind = (
                "type-only"
                if id(node) in type_only
                else "in a function"
                if id(node) in in_function
                else "import"
            )
            for path_, name in _named(node, package):
                target = _resolve(path_, name, modules)
                if target is None or target == module:
                    continue
                if target not in edges or rank[kind] < rank[edges[target]]:
                    edges[target] = kind
        graph[module] = edges
    return graph


def strongly_connected(graph: Graph) -> list[list[str]]:
    """The components of more than one module (Tarjan, iterative: no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return sorted(found)


def one_cycle(graph: Graph, component: list[str]) -> str:
    """A shortest cycle through the component's first module, each step with its kind."""
    start, members = component[0], set(component)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node]):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                path.reverse()
                steps = [
                    f"{a} -({graph[a][b]})-> "
                    for a, b in zip(path, [*path[1:], start], strict=True)
                ]
                return "".join(steps) + start
            if child in members and child not in came_from:
                came_from[child] = node
                queue.append(child)
    raise AssertionError(f"no cycle through {start}")  # a component always has one


def describe(graph: Graph, components: list[list[str]]) -> str:
    return "\n".join(
        f"{len(c)} modules: {', '.join(c)}\n    e.g. {one_cycle(graph, c)}" for c in components
    )


@functools.cache
def project_cycles() -> tuple[Graph, list[list[str]]]:
    """The project's graph and its cycles, built once per test session (a few seconds)."""
    graph = import_graph(find_modules(package_roots(ROOT)))
    return graph, strongly_connected(graph)


KNOWN = "; ".join(" <-> ".join(sorted(cycle)) for cycle in KNOWN_CYCLES)


@pytest.mark.xfail(
    strict=True,
    reason=f"import cycles exist today: {KNOWN}; each needs a fix of its own (see KNOWN_CYCLES)",
)
def test_no_import_cycle_among_project_modules() -> None:
    graph, cycles = project_cycles()
    assert not cycles, "import cycles (every import counts):\n" + describe(graph, cycles)


def test_no_import_cycle_beyond_the_known_ones() -> None:
    """While `KNOWN_CYCLES` is not empty, no new cycle and no known one grown; a known cycle that
    is gone must leave the list, so the list says what is left to do."""
    graph, cycles = project_cycles()
    new = [c for c in cycles if not any(set(c) <= known for known in KNOWN_CYCLES)]
    assert not new, "new import cycles (every import counts):\n" + describe(graph, new)
    gone = [known for known in KNOWN_CYCLES if not any(set(c) == known for c in cycles)]
    assert not gone, f"cycles broken or changed, update KNOWN_CYCLES: {gone}"


def test_the_graph_resolves_relative_submodule_and_type_only_imports(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "from pkg.a import A\n",
        "pkg/a.py": "from . import b\nA = 1\n",
        "pkg/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import A\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/c.py": "def f():\n    from ..a import A\n    import pkg.sub\n",
        "pkg/sub/d.py": "import numpy\nfrom pkg.sub import c, e\n",
        "pkg/sub/e.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = import_graph(find_modules([tmp_path / "pkg"]))
    assert graph["pkg"] == {"pkg.a": "import"}
    assert graph["pkg.a"] == {"pkg.b": "import"}
    assert graph["pkg.b"] == {"pkg.a": "type-only"}
    assert graph["pkg.sub.c"] == {"pkg.a": "in a function", "pkg.sub": "in a function"}
    assert graph["pkg.sub.d"] == {"pkg.sub.c": "import", "pkg.sub.e": "import"}
    assert strongly_connected(graph) == [["pkg.a", "pkg.b"]]
    assert one_cycle(graph, ["pkg.a", "pkg.b"]) == "pkg.a -(import)-> pkg.b -(type-only)-> pkg.a"
