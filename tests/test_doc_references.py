"""Comments and messages that send a reader to the documentation name a file and a section that exist.

The README's operators' and developers' sections moved to docs/; a citation of `README, "Credentials and key
rotation"` sent a reader to a README that no longer has it.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = ["meetings", "accounts", "admin_portal", "demo", "dingtalk_sandbox", "scripts", "benchmarks", "templates"]
# `docs/operating.md, "Production"` or `README, "Demo"`: a document, then a quoted section.
CITATION = re.compile(r"""(README(?:\.md)?|docs/\w+\.md)[,(\s]+["'“]([^"'”\n]+)["'”]""")


def cited_sections():
    paths = [ROOT / "Makefile"] + [
        path for folder in CODE for path in (ROOT / folder).rglob("*") if path.suffix in {".py", ".html", ".md"}
    ]
    for path in paths:
        for document, section in CITATION.findall(path.read_text()):
            yield path.relative_to(ROOT), document, section


def headings(document: str) -> set[str]:
    path = ROOT / ("README.md" if document.startswith("README") else document)
    return {line.lstrip("#").strip() for line in path.read_text().splitlines() if line.startswith("#")}


def test_every_cited_section_is_a_heading_of_the_document_named():
    citations = list(cited_sections())
    assert len(citations) >= 10
    missing = [citation for citation in citations if citation[2] not in headings(citation[1])]
    assert missing == []
