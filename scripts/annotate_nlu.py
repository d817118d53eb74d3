"""Add entity annotations to training examples in data/nlu/*.yml (dev tool).

Examples are written as plain text; this marks catalogue and user_role
mentions with the gazetteer's canonical ids, e.g.
`[vinh tuong]{"entity": "area", "value": "vinh_tuong"}`, so the stock
pipeline (EntitySynonymMapper) and any DIET entity variant can learn them.
Already annotated lines are left alone. Review the diff before committing.

    python scripts/annotate_nlu.py [data/nlu/*.yml]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

from bot.nlu.gazetteer import (
    GazetteerEntityExtractor,
    GazetteerMatcher,
    build_patterns,
    load_catalog_records,
    load_lexicon_records,
)
from bot.nlu.pieces import Lexicon

EXAMPLE = re.compile(r"^(\s*- )(.*)$")


def matcher() -> GazetteerMatcher:
    cfg = GazetteerEntityExtractor.get_default_config()
    lexicon = Lexicon.from_yaml_file(Path(cfg["teencode_file"]))
    records = load_catalog_records(Path(cfg["catalog_dir"]), cfg["sources"])
    for f in cfg["lexicon_files"]:
        records.extend(load_lexicon_records(Path(f)))
    rules = yaml.safe_load(Path(cfg["rules_file"]).read_text(encoding="utf-8"))
    return GazetteerMatcher(build_patterns(records, lexicon, rules), lexicon)


def annotate(text: str, m: GazetteerMatcher) -> str:
    out, pos = [], 0
    for e in m.find(text):
        out.append(text[pos : e["start"]])
        payload = json.dumps({"entity": e["entity"], "value": e["value"]}, ensure_ascii=False)
        out.append(f"[{text[e['start'] : e['end']]}]{payload}")
        pos = e["end"]
    out.append(text[pos:])
    return "".join(out)


def main(paths) -> None:
    m = matcher()
    for path in paths:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        new = []
        for line in lines:
            match = EXAMPLE.match(line)
            if match and "]{" not in line and "](" not in line and line.startswith("    - "):
                line = match.group(1) + annotate(match.group(2), m)
            new.append(line)
        Path(path).write_text("\n".join(new) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:] or sorted(str(p) for p in Path("data/nlu").glob("*.yml")))
