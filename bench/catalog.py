"""Benchmark every catalogue query on the seed data in a fresh SQLite database.

    python bench/catalog.py [--runs 300]

Prints median and p95 (milliseconds) per query and writes
bench/results/catalog.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.catalog.admissions import admission_calendar  # noqa: E402
from bot.catalog.commands import import_catalog  # noqa: E402
from bot.catalog.geography import area_meanings, current_units, former_district, successors_of_former_commune  # noqa: E402
from bot.catalog.names import (  # noqa: E402
    get_policy,
    lookup_area,
    lookup_group,
    lookup_institution,
    lookup_level,
    lookup_occupation,
)
from bot.catalog.rules import applicable_policies, area_specific_policies, district_support  # noqa: E402
from bot.catalog.search import find_programmes, institutions_with_combined_route, occupations_by_riasec  # noqa: E402
from bot.db import dispose_engines, session_scope  # noqa: E402
from bot.migrations import runner  # noqa: E402

CASES = {
    "find_programmes(occupation, level, area)": lambda s: find_programmes(
        s, occupation="dien_cong_nghiep", level="trung_cap", area="vinh_tuong"
    ),
    "find_programmes(area, text occupation)": lambda s: find_programmes(
        s, occupation="điện CN", area="xã Vĩnh Thành"
    ),
    "applicable_policies(level, area, groups)": lambda s: applicable_policies(
        s, level="trung_cap", area="vinh_tuong", groups=("ho_ngheo",)
    ),
    "applicable_policies(on=2023-06-01)": lambda s: applicable_policies(
        s, level="trung_cap", area="vinh_tuong", on=dt.date(2023, 6, 1)
    ),
    "area_specific_policies": lambda s: area_specific_policies(s, "vinh_tuong"),
    "lookup_area(exact)": lambda s: lookup_area(s, "h. Vĩnh Tường"),
    "lookup_area(typo)": lambda s: lookup_area(s, "vinh tuogn"),
    "lookup_institution": lambda s: lookup_institution(s, "cao đẳng kỹ thuật công nghệ vĩnh phúc"),
    "lookup_occupation": lambda s: lookup_occupation(s, "điện CN"),
    "lookup_level": lambda s: lookup_level(s, "TC"),
    "lookup_group": lambda s: lookup_group(s, "nha ngheo"),
    "current_units": lambda s: current_units(s, "vinh_tuong"),
    "former_district": lambda s: former_district(s, "vinh_thanh"),
    "get_policy": lambda s: get_policy(s, "nq_36_2025_pt_ho_tro_hang_thang"),
    "occupations_by_riasec": lambda s: occupations_by_riasec(s, "RI"),
    "institutions_with_combined_route": lambda s: institutions_with_combined_route(s, area="vinh_yen"),
    "area_meanings": lambda s: area_meanings(s, "Vĩnh Tường"),
    "successors_of_former_commune": lambda s: successors_of_former_commune(s, "thị trấn Tam Sơn"),
    "district_support": lambda s: district_support(s, "vinh_tuong", level="trung_cap"),
    "admission_calendar": lambda s: admission_calendar(s),
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        runner.upgrade(url)
        import_catalog(ROOT / "data" / "catalog", url)
        results = {}
        for name, case in CASES.items():
            timings = []
            for _ in range(args.runs):
                # a new session each time, as an action would open one per message
                with session_scope(url) as session:
                    start = time.perf_counter()
                    case(session)
                    timings.append((time.perf_counter() - start) * 1000)
            timings.sort()
            results[name] = {
                "median_ms": round(statistics.median(timings), 3),
                "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 3),
                "runs": args.runs,
            }
        dispose_engines()
    width = max(len(n) for n in results)
    print(f"{'query'.ljust(width)}  median_ms    p95_ms")
    for name, r in results.items():
        print(f"{name.ljust(width)}  {r['median_ms']:9.3f} {r['p95_ms']:9.3f}")
    out = ROOT / "bench" / "results" / "catalog.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"backend": "sqlite", "date": dt.date.today().isoformat(), "queries": results},
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    slow = [n for n, r in results.items() if r["median_ms"] >= 5]
    if slow:
        print(f"median >= 5 ms: {', '.join(slow)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
