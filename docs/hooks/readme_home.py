"""The site's home page is the README, its links turned into site links: one text, not two."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[2] / "README.md"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Replace ``index.md``'s text with the README's (``docs/x.md`` links become ``x.md``)."""
    if page.file.src_uri != "index.md":
        return markdown
    text = README.read_text(encoding="utf-8")
    text = re.sub(r"\]\(docs/", "](", text)
    return re.sub(r"\]\(benchmarks/results/", "](results/", text)
