"""Regenerate the capability matrix in README.md from the backends' tables (`make readme`)."""

from __future__ import annotations

import re
from pathlib import Path

from translator.capabilities import render_markdown
from translator.cli.engines import matrix_tables

README = Path(__file__).resolve().parent.parent / "README.md"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    section = "<!-- matrix:start -->\n" + render_markdown(matrix_tables()) + "<!-- matrix:end -->"
    new = re.sub(r"<!-- matrix:start -->\n.*?<!-- matrix:end -->", lambda _: section, text, flags=re.S)
    README.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
