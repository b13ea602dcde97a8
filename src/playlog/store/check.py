"""Checking the store's files, and naming the one a failed query tripped on.

`check_store` opens every committed file of every dataset (and the catalog):
a file that is not Parquet, is cut short, has pages that cannot be decoded
(`deep`), or is a Parquet file of another schema (a key column missing, a
column of the wrong type) is a `Problem`. ``playlog doctor`` lists them.

`explain` turns an error raised while reading the store (DuckDB, Arrow or
Polars) into one `StoreError` naming the file: the one the message names, else
the first one `check_store` finds. None when the store is sound (the error is
then not the store's fault).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from playlog.errors import StoreError
from playlog.schema import DATASETS, SCHEMAS
from playlog.store.fs import as_path, fs_for
from playlog.store.layout import Layout

HINT = "move it out of the data directory; playlog doctor lists every such file"
_NAMED = re.compile(r"""['"]([^'"]+\.parquet)['"]""")


@dataclass(frozen=True)
class Problem:
    path: str
    dataset: str
    why: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "dataset": self.dataset, "why": self.why}


def check_store(layout: Layout, *, deep: bool = True) -> tuple[int, list[Problem]]:
    """(files checked, problems found): every dataset file and the catalog."""
    checked, problems = 0, []
    targets = [(name, path) for name in DATASETS for path in layout.all_files(name)]
    if layout.fs.is_file(layout.catalog):
        targets.append(("catalog", str(layout.catalog)))
    for name, path in targets:
        checked += 1
        why = check_file(path, name, deep=deep)
        if why is not None:
            problems.append(Problem(path, name, why))
    return checked, problems


def check_file(path: str, dataset: str, *, deep: bool = True) -> str | None:
    """Why the file cannot serve as a file of `dataset` (None when it can)."""
    target = as_path(path)
    try:
        parquet = pq.ParquetFile(fs_for(target).open_input(target))
        schema = parquet.schema_arrow
        if deep:
            for group in range(parquet.num_row_groups):
                parquet.read_row_group(group)
    except FileNotFoundError:
        return None  # removed by a commit since it was listed
    except (OSError, pa.ArrowException, ValueError) as exc:
        return f"not a readable Parquet file ({_first_line(exc)})"
    expected = SCHEMAS.get(dataset)
    if expected is None:
        return None
    key = expected.field(0).name
    if key not in schema.names:
        return f"not a file of the {dataset} dataset (no {key} column)"
    for fld in expected:
        if fld.name in schema.names and not _compatible(schema.field(fld.name).type, fld.type):
            return (f"not a file of the {dataset} dataset ({fld.name} is "
                    f"{schema.field(fld.name).type}, not {fld.type})")
    return None


def _compatible(found: pa.DataType, wanted: pa.DataType) -> bool:
    if found == wanted:
        return True
    kinds = (pa.types.is_string, pa.types.is_large_string, pa.types.is_string_view)
    if any(k(found) for k in kinds) and any(k(wanted) for k in kinds):
        return True
    if pa.types.is_timestamp(found) and pa.types.is_timestamp(wanted):
        return True
    numeric = (pa.types.is_integer, pa.types.is_floating)
    return any(k(found) for k in numeric) and any(k(wanted) for k in numeric)


def explain(exc: BaseException, data_dir: Path | str) -> StoreError | None:
    """The store file behind a failed read, as one error naming it; None if none is."""
    layout = Layout(data_dir)
    if layout.remote:
        root = str(layout.root)
    else:
        root = str(layout.root.resolve()) if layout.root.exists() else str(layout.root)
    for named in _NAMED.findall(str(exc)):
        if layout.remote and named.startswith(root + "/") and layout.fs.exists(
                layout.path(named)):
            why = check_file(named, _dataset_of(layout, named), deep=True)
            return StoreError(named, why or f"cannot be read ({_first_line(exc)})", hint=HINT)
        if layout.remote:
            continue
        if Path(named).exists() and str(Path(named).resolve()).startswith(root):
            dataset = _dataset_of(layout, named)
            why = check_file(named, dataset, deep=True) or f"cannot be read ({_first_line(exc)})"
            return StoreError(named, why, hint=HINT)
    if not layout.fs.is_dir(layout.root):
        return None
    for deep in (False, True):
        _, problems = check_store(layout, deep=deep)
        if problems:
            more = f" (and {len(problems) - 1} more file(s))" if len(problems) > 1 else ""
            return StoreError(problems[0].path, problems[0].why + more, hint=HINT)
    return None


def _dataset_of(layout: Layout, path: str) -> str:
    if layout.remote:
        return path[len(str(layout.root)) + 1:].split("/", 1)[0]
    relative = Path(path).resolve().relative_to(layout.root.resolve())
    return relative.parts[0] if relative.parts else ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return re.sub(r"^(Invalid Input Error|IO Error|Error): ", "", line)
