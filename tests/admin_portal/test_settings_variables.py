"""Settings say what they read: every environment variable the settings and gunicorn.conf.py read is in
`.env.example` and in the operators' list (docs/operating.md, "Every variable"), and neither names one nothing reads.

The variables are found in the source (env(...), env.int(...), os.environ.get(...), os.environ[...],
os.getenv(...), and a module's own helpers called with a variable's name, like gunicorn.conf.py's _int), so
a variable added to the code and forgotten in either place fails here.
"""

import ast
import re

from meetings.management.commands.add_org import ENVIRONMENT as ADD_ORG_ENVIRONMENT
from tests.admin_portal.production import BASE_DIR

READERS = [BASE_DIR / "admin_portal" / "settings.py", BASE_DIR / "admin_portal" / "gunicorn.conf.py"]
VARIABLE = re.compile(r"[A-Z][A-Z0-9_]+")
# Set by the portal for its own processes, never by a deployment.
NOT_READ = {"DJANGO_SETTINGS_MODULE"}
README_LIST = "### Every variable"


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def variables_read(path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    helpers = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = _dotted(node.func)
            reads = (
                name == "env"
                or name.startswith("env.")
                or name in {"os.environ.get", "os.getenv", "environ.get"}
                or name in helpers
            )
            first = node.args[0]
            if reads and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _dotted(node.value) == "os.environ":
            if isinstance(node.slice, ast.Constant):
                found.add(node.slice.value)
    return {name for name in found if VARIABLE.fullmatch(name)} - NOT_READ


def read_by_the_portal() -> set[str]:
    return set().union(*(variables_read(path) for path in READERS))


def in_env_example() -> set[str]:
    """`NAME=value` lines, and `# NAME=value` for a variable that is off unless set."""
    text = (BASE_DIR / ".env.example").read_text()
    return set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def in_readme_list() -> set[str]:
    readme = (BASE_DIR / "docs" / "operating.md").read_text()
    start = readme.index(README_LIST)
    end = readme.find("\n#", start + len(README_LIST))
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", readme[start : end if end != -1 else None]))


def test_the_source_is_read_as_it_is_written():
    read = read_by_the_portal()
    # One of each way of reading: env(...), env.<type>(...), env.db, os.environ.get, gunicorn's _int.
    assert {"DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DATABASE_URL", "GUNICORN_BIND", "GUNICORN_WORKERS"} <= read
    assert {"BULK_RENAME_THREADS", "GUNICORN_LOG_LEVEL", "DJANGO_ENV_FILE"} <= read


def test_every_variable_read_is_in_env_example():
    assert sorted(read_by_the_portal() - in_env_example()) == []


def test_env_example_names_only_variables_something_reads():
    add_org = {variable for variables in ADD_ORG_ENVIRONMENT.values() for variable in variables}
    assert sorted(in_env_example() - read_by_the_portal() - add_org) == []


def test_every_variable_read_is_in_the_readmes_list_and_the_list_names_no_other():
    assert sorted(read_by_the_portal() ^ in_readme_list()) == []
