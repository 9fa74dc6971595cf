"""The product does not depend on the demo: no module under meetings/ imports the sandbox or the demo app."""

import ast
from pathlib import Path

import meetings

DEMO_ONLY = {"dingtalk_sandbox", "demo"}


def imported_top_level_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_under_meetings_imports_the_sandbox_or_the_demo():
    modules = sorted(Path(meetings.__file__).parent.rglob("*.py"))
    assert len(modules) > 10

    offenders = {str(path): sorted(imported_top_level_names(path) & DEMO_ONLY) for path in modules}

    assert {path: names for path, names in offenders.items() if names} == {}
