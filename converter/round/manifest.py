"""The batch manifest: every inbox file's full record, then the round's state.

Format (valid JSON): {"inputs": [one object per line, in inbox order], "tool": …, "version": …, "year": …,
"counts": files by status, "agency_counts": …, "agencies": [{"agency", "status", "file", …} in roster order], …}.
Records are streamed from the batch's work cache one at a time, so memory does not grow with the
number of files.
"""
from __future__ import annotations

import json
from pathlib import Path

from converter.base.atomic import atomic_path

HIDDEN = ("reused", "work", "mtime", "numbers", "numbers_key")  # batch bookkeeping, not part of a file's record


def write_manifest(path: Path, records, head) -> None:
    """`head`: the round's state, a dict or a function giving it once the records are written (the batch
    finishes its summary meanwhile)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write('{"inputs": [\n')
        for n, item in enumerate(records):
            record = {k: v for k, v in item.items() if k not in HIDDEN and k != "report"}
            record.setdefault("outputs", {})
            fh.write(("  " if n == 0 else ", ") + json.dumps(record, ensure_ascii=False, allow_nan=False, default=str) + "\n")
        head = head() if callable(head) else head
        fh.write("]," + json.dumps(head, ensure_ascii=False, default=str)[1:] + "\n")


def read_manifest(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
