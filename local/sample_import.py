"""`make sample-import` (and `make run`, when it is missing): a member import file of generated
existing BPJS participants in `.local/`, to import through the API (docs/imports.md).

    python -m local.sample_import [--rows 10750] [--format xlsx|csv] [--other-person-every 500]
                                  [--out .local/sample-import-10750.xlsx]

The members are those of local/seed/members.py: valid NIKs, villages of their kecamatan, the
demo agents as "Username Agen", KPJ numbers the BPJS simulator takes as participants registered
before SUTASOMA; every 500th member's KPJ is another person's at BPJS (the simulator's rule), so
the import's list of members to check is not empty. The same arguments write the same file.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

DEFAULT_ROWS = 10_750  # Soppeng's active members in December 2022
DEFAULT_OTHER_PERSON_EVERY = 500


def default_path(rows: int = DEFAULT_ROWS, file_type: str = "xlsx", folder: Path = Path(".local")) -> Path:
    return folder / f"sample-import-{rows}.{file_type}"


def write_sample(path: Path, rows: int, file_type: str, other_person_every: int) -> Path:
    from local.seed.members import SampleOptions, csv_bytes, sample_members, write_xlsx

    path.parent.mkdir(parents=True, exist_ok=True)
    members = sample_members(SampleOptions(count=rows, other_person_every=other_person_every))
    if file_type == "csv":
        path.write_bytes(csv_bytes(members, bom=True, crlf=True))
    else:
        write_xlsx(members, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.sample_import", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--other-person-every", type=int, default=DEFAULT_OTHER_PERSON_EVERY)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    path = write_sample(
        args.out or default_path(args.rows, args.format), args.rows, args.format, args.other_person_every
    )
    size = path.stat().st_size
    print(
        f"{path}: {args.rows} members, {size / 1024 / 1024:.1f} MB, {time.perf_counter() - started:.1f} s "
        "(import it: docs/imports.md)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
