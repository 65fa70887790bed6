"""One error root per package: every exception class the annotator (and its plug-ins) defines
derives from ``AnnotatorError``, every one the segmenter defines from ``SegmenterError``, so
``except`` on the root catches all of a package's deliberate failures and nothing else. Read
from the source with ``ast`` (importing every module would need Qt, ray and more)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILTIN_ERRORS = {
    "BaseException", "Exception", "ValueError", "RuntimeError", "OSError", "KeyError",
    "TypeError", "LookupError", "IOError", "ArithmeticError", "IndexError",
    "FileNotFoundError", "PermissionError", "NotADirectoryError", "IsADirectoryError",
    "FileExistsError", "EnvironmentError", "UnicodeError", "NotImplementedError",
}  # fmt: skip


def exception_classes(folders: list[Path]) -> dict[str, tuple[str, list[str]]]:
    """name -> (where, base names) of every class with a base; private names left out (local
    control flow such as a parser's ``_Bad``, never seen by a caller)."""
    out: dict[str, tuple[str, list[str]]] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and node.bases:
                    bases = [
                        b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                        for b in node.bases
                    ]
                    out[node.name] = (f"{path.relative_to(ROOT)}:{node.lineno}", bases)
    return out


def unrooted(classes: dict[str, tuple[str, list[str]]], root: str) -> list[str]:
    rooted = {root}
    changed = True
    while changed:
        changed = False
        for name, (_, bases) in classes.items():
            if name not in rooted and rooted.intersection(bases):
                rooted.add(name)
                changed = True
    return [
        f"{where} {name}({', '.join(bases)})"
        for name, (where, bases) in classes.items()
        if name not in rooted and not name.startswith("_") and BUILTIN_ERRORS.intersection(bases)
    ]


@pytest.mark.parametrize(
    ("folders", "root"),
    [(["segmenter"], "SegmenterError"), (["annotator", "plugins"], "AnnotatorError")],
)
def test_every_exception_class_derives_from_its_package_root(folders, root):
    classes = exception_classes([ROOT / f for f in folders])
    assert root in classes
    assert unrooted(classes, root) == []


def test_the_check_sees_a_class_that_starts_its_own_root():
    classes = {"Root": ("a", ["Exception"]), "Good": ("b", ["Root", "ValueError"])}
    classes["Stray"] = ("c:1", ["ValueError"])
    assert unrooted(classes, "Root") == ["c:1 Stray(ValueError)"]
