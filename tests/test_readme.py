"""The README is for people: what the portal is, the two commands, the demo and its screenshots, then links to
docs/ for operators and developers. Its pictures exist, each screenshot is shown, each link leads somewhere."""

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
README = BASE_DIR / "README.md"
DOCS = sorted((BASE_DIR / "docs").glob("*.md"))
SCREENSHOTS = BASE_DIR / "docs" / "screenshots"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchor(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {anchor(line.lstrip("#")) for line in path.read_text().splitlines() if line.startswith("#")}


def test_the_top_says_what_it_is_and_the_two_commands():
    text = README.read_text()
    top = text[: text.index("\n## Demo")]
    assert "make run" in top and "make test" in top
    assert len(text.splitlines()) <= 120, "operators' and developers' material belongs in docs/"
    for doc in ("docs/using.md", "docs/operating.md", "docs/developing.md"):
        assert f"]({doc})" in text, doc


def test_every_screenshot_is_shown_and_every_picture_exists():
    text = README.read_text()
    pictures = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", text)
    assert all((BASE_DIR / picture).is_file() for picture in pictures), pictures
    shown = {Path(picture).name for picture in pictures}
    assert shown == {path.name for path in SCREENSHOTS.glob("*.png")}


def test_every_link_between_the_readme_and_docs_leads_somewhere():
    for page in [README, *DOCS]:
        for target in LINK.findall(page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue  # another site
            path, _, fragment = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            assert linked.exists(), (page.name, target)
            if fragment and linked.suffix == ".md":
                assert fragment in anchors(linked), (page.name, target)
