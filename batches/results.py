"""A batch's results file: one CSV line per row, written (and flushed to disk) as soon as the row ends,
so that a batch run again after Ctrl+C, a crash or a reboot knows which rows are done."""
from __future__ import annotations

import csv
import io
import os
from dataclasses import asdict, dataclass
from pathlib import Path

OK, FAILED, REFUSED = "ok", "failed", "refused"
FIELDS = ("row", "status", "images", "seed", "cost_usd", "request_id", "error")


@dataclass
class RowResult:
    row: int
    status: str  # OK, FAILED or REFUSED
    images: str = ""  # the output image paths (or URLs), separated by " | "
    seed: str = ""
    cost_usd: str = ""
    request_id: str = ""
    error: str = ""


def default_results_path(rows_path: Path) -> Path:
    return rows_path.with_name(rows_path.stem + ".results.csv")


class ResultsFile:
    def __init__(self, path: Path):
        self.path = path

    def finished(self) -> dict[int, RowResult]:
        """The last result recorded for each row (a row run again records a newer line)."""
        if not self.path.is_file():
            return {}
        results = {}
        with self.path.open(newline="", encoding="utf-8") as file:
            for record in csv.DictReader(file):
                try:
                    row = int(record.get("row", ""))
                except ValueError:
                    continue  # a line cut off by a crash mid-write
                if record.get("status") in (OK, FAILED, REFUSED):
                    results[row] = RowResult(**{name: record.get(name) or "" for name in FIELDS} | {"row": row})
        return results

    def record(self, result: RowResult) -> None:
        new = not self.path.is_file() or self.path.stat().st_size == 0
        line = io.StringIO()
        writer = csv.DictWriter(line, FIELDS, lineterminator="\n")
        if new:
            writer.writeheader()
        writer.writerow(asdict(result))
        with self.path.open("a", encoding="utf-8", newline="") as file:
            file.write(line.getvalue())
            file.flush()
            os.fsync(file.fileno())  # a reboot right after keeps the row done
