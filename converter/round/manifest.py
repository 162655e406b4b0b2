"""The batch manifest, written as files finish: each input's full record is one line on disk, and the
batch keeps only a compact record in memory, so memory does not grow with the number of files.

Format (valid JSON): {"inputs": [one object per line, in the order files finished], "tool": …,
"version": …, "counts": …, …}.
"""
from __future__ import annotations

import json
from pathlib import Path

# what the closing line and the roster need of each input; the rest stays on disk
COMPACT = ("file", "status", "agency", "year", "error")


def _compact(item: dict, offset: int) -> dict:
    out = {k: item[k] for k in COMPACT if item.get(k) is not None}
    out["_line"] = offset
    return out


class Spool:
    """Appends full records to the manifest's temporary file; reads one back by its offset."""

    def __init__(self, tmp_path: Path):
        self.fh = open(tmp_path, "w+b")
        self.fh.write(b'{"inputs": [\n')
        self.count = 0

    def add(self, item: dict) -> dict:
        record = {k: v for k, v in item.items() if k not in ("report", "reused")}
        self.fh.seek(0, 2)
        offset = self.fh.tell()
        line = json.dumps(record, ensure_ascii=False, allow_nan=False, default=str)
        self.fh.write(((", " if self.count else "  ") + line + "\n").encode("utf-8"))
        self.count += 1
        return _compact(item, offset)

    def full(self, compact: dict) -> dict:
        self.fh.flush()
        self.fh.seek(compact["_line"])
        return json.loads(self.fh.readline()[2:].decode("utf-8"))

    def finish(self, head: dict) -> None:
        self.fh.seek(0, 2)
        tail = json.dumps(head, ensure_ascii=False, default=str)[1:]
        self.fh.write(("]," + tail + "\n").encode("utf-8"))
        self.fh.flush()

    def close(self) -> None:
        self.fh.close()


class PreviousRun:
    """Last run's manifest, indexed by input file without holding its records in memory."""

    def __init__(self, path: Path):
        self.path = path
        self.index: dict[str, tuple[int, dict]] = {}
        try:
            with open(path, "rb") as fh:
                first = fh.readline()
                if not first.startswith(b'{"inputs"'):
                    return
                while True:
                    offset = fh.tell()
                    line = fh.readline()
                    if not line or line.startswith(b"]"):
                        break
                    record = json.loads(line[2:].decode("utf-8"))
                    keys = {k: record.get(k) for k in ("file", "sha256", "size", "version", "status", "outputs")}
                    self.index[record["file"]] = (offset, keys)
        except (OSError, ValueError, KeyError, TypeError):
            self.index = {}

    def get(self, file: str) -> dict | None:
        entry = self.index.get(file)
        return entry[1] if entry else None

    def full(self, file: str) -> dict | None:
        offset, _ = self.index[file]
        try:
            with open(self.path, "rb") as fh:
                fh.seek(offset)
                return json.loads(fh.readline()[2:].decode("utf-8"))
        except (OSError, ValueError):
            return None


def read_manifest(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
