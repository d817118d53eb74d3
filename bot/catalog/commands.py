"""`python -m bot catalog import DIR` / `export DIR` / `report [DIR]`.

The report also lists the console's open "sai thông tin" reports (from the
database; one line saying why when it cannot be read).

Import validates every file first, then mirrors them into the database in
one transaction: a bad file changes nothing and ends the command with one
line naming the file, the record and the field (exit code 1).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import yaml

from bot.config import ConfigError


def import_catalog(directory: Union[str, Path], url: Optional[str] = None) -> Dict[str, Any]:
    """Validate `directory` and mirror it into the database. Raises
    CatalogValidationError (nothing written) or ConfigError."""
    from bot.catalog import tables
    from bot.catalog.schema import load_catalog
    from bot.db import check_database, session_scope

    data = load_catalog(directory)  # before touching the database at all
    check_database(url)
    with session_scope(url) as session:
        return tables.sync_catalog(session, data.tables)


def export_catalog(directory: Union[str, Path], url: Optional[str] = None) -> List[Path]:
    """Write one YAML file per table into `directory` (created if missing)."""
    from bot.catalog import tables
    from bot.catalog.schema import rows_to_documents
    from bot.db import check_database, session_scope

    check_database(url)
    with session_scope(url) as session:
        documents = rows_to_documents(tables.dump_catalog(session))
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table, document in documents.items():
        path = directory / f"{table}.yml"
        text = yaml.safe_dump(
            document, allow_unicode=True, sort_keys=False, default_flow_style=False, width=120
        )
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _run_import(args) -> int:
    from bot.catalog.schema import CatalogValidationError

    try:
        stats = import_catalog(args.directory, args.url)
    except CatalogValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ConfigError:
        raise
    summary = ", ".join(f"{name} +{i}/~{u}/-{d}" for name, (i, u, d) in stats.items())
    print(f"catalog imported from {args.directory}: {summary}")
    return 0


def _run_export(args) -> int:
    written = export_catalog(args.directory, args.url)
    print(f"catalog exported: {len(written)} files in {args.directory}")
    return 0


def _run_report(args) -> int:
    import datetime as dt

    from bot.catalog.report import build_report
    from bot.catalog.schema import CatalogValidationError

    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    try:
        report = build_report(args.directory, today)
    except CatalogValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from bot.web.console.error_reports import open_report_lines

    print("\n".join(report.lines() + open_report_lines(args.url)))
    return 0


def register(subparsers) -> None:
    catalog = subparsers.add_parser("catalog", help="programme-and-policy catalogue")
    actions = catalog.add_subparsers(dest="catalog_command", required=True)
    imp = actions.add_parser("import", help="validate DIR/*.yml and mirror them into the database")
    imp.add_argument("directory", help="directory holding areas.yml, institutions.yml, ...")
    imp.add_argument("--url", help="database URL (default: DATABASE_URL)")
    imp.set_defaults(handler=_run_import)
    exp = actions.add_parser("export", help="write the catalogue tables as YAML files into DIR")
    exp.add_argument("directory")
    exp.add_argument("--url", help="database URL (default: DATABASE_URL)")
    exp.set_defaults(handler=_run_export)
    rep = actions.add_parser("report", help="validate DIR and list what needs attention (monthly routine)")
    rep.add_argument(
        "directory", nargs="?", default="data/catalog", help="catalogue directory (default: data/catalog)"
    )
    rep.add_argument("--today", help="report as of this date (YYYY-MM-DD; default: today)")
    rep.add_argument("--url", help="database of the console's error reports (default: DATABASE_URL)")
    rep.set_defaults(handler=_run_report)
