"""Regenerate ``bot_api_schema.json`` from the scraped Bot API description.

The emulator validates every request the bot makes against the real Bot API, but
``api.json`` is large and mostly prose.  This script keeps only the facts the
validator needs (names, types, required flags, return types, union members) plus
a few machine-checkable rules that the docs state in prose:

* ``const``: the discriminator value of a union member ("always \"chat\"",
  "must be photo");
* ``exactly_one_of`` / ``at_most_one_of``: "Exactly one of the fields other than
  text, ... must be used";
* ``string_allowed``: "String can be used instead of this object";
* ``attach``: the field accepts ``attach://<name>`` references to uploaded parts.

Usage (from the repository root)::

    python -m sandbox.emulator.regenerate_schema [path/to/api.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_API_JSON = "../shared/telegram-bot-api/api.json"
OUTPUT = Path(__file__).with_name("bot_api_schema.json")

_CONST_RE = re.compile(r'(?:always|must be) "?([A-Za-z0-9_]+)"?\.?\s*$')
_OTHER_THAN_RE = re.compile(
    r"(Exactly|At most) one of the fields other than (.+?) must be used", re.IGNORECASE
)
_NAMED_FIELDS_RE = re.compile(r"Exactly one of the fields (\w+) or (\w+) must be used")
_ALL_OPTIONAL_RE = re.compile(r"(exactly|at most) one of the optional fields", re.IGNORECASE)
_STRING_ALLOWED = "String can be used instead of this object"


def _field_facts(field: dict[str, Any]) -> dict[str, Any]:
    facts: dict[str, Any] = {"required": bool(field["required"]), "types": field["types"]}
    if "attach://" in field.get("description", ""):
        facts["attach"] = True
    return facts


def _one_of_rules(description: str, fields: list[dict[str, Any]]) -> dict[str, list[str]]:
    optional = [f["name"] for f in fields if not f["required"]]
    if match := _OTHER_THAN_RE.search(description):
        excluded = set(re.findall(r"\w+", match.group(2))) - {"and", "or"}
        names = [name for name in optional if name not in excluded]
        return {_rule_key(match.group(1)): sorted(names)}
    if match := _NAMED_FIELDS_RE.search(description):
        return {"exactly_one_of": sorted(match.groups())}
    if match := _ALL_OPTIONAL_RE.search(description):
        return {_rule_key(match.group(1)): sorted(optional)}
    return {}


def _rule_key(quantifier: str) -> str:
    return "exactly_one_of" if quantifier.lower() == "exactly" else "at_most_one_of"


def _type_facts(item: dict[str, Any]) -> dict[str, Any]:
    if "subtypes" in item:
        return {"subtypes": item["subtypes"]}
    fields = item.get("fields", [])
    description = " ".join(item.get("description", []))
    facts: dict[str, Any] = {"fields": {f["name"]: _field_facts(f) for f in fields}}
    if "subtype_of" in item:
        const = {
            f["name"]: match.group(1)
            for f in fields
            if f["name"] in ("type", "source", "status")
            and (match := _CONST_RE.search(f.get("description", "")))
        }
        if const:
            facts["const"] = const
    facts.update(_one_of_rules(description, fields))
    if _STRING_ALLOWED in description:
        facts["string_allowed"] = True
    return facts


def build_schema(api: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": api["version"],
        "release_date": api["release_date"],
        "methods": {
            name: {
                "params": {f["name"]: _field_facts(f) for f in method.get("fields", [])},
                "returns": method["returns"],
            }
            for name, method in api["methods"].items()
        },
        "types": {name: _type_facts(item) for name, item in api["types"].items()},
    }


def dump_schema(schema: dict[str, Any]) -> str:
    """Compact JSON with sorted keys, one method/type per line for readable diffs."""

    def compact(value: Any) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    parts = []
    for key in sorted(schema):
        value = schema[key]
        if isinstance(value, dict):
            entries = ",\n".join(
                f"{compact(name)}:{compact(value[name])}" for name in sorted(value)
            )
            parts.append(f"{compact(key)}:{{\n{entries}\n}}")
        else:
            parts.append(f"{compact(key)}:{compact(value)}")
    return "{" + ",\n".join(parts) + "}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "api_json",
        nargs="?",
        default=DEFAULT_API_JSON,
        help=f"scraped Bot API description (default: {DEFAULT_API_JSON}, from the repo root)",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write the schema")
    args = parser.parse_args(argv)

    source = Path(args.api_json)
    if not source.is_absolute():
        source = REPO_ROOT / source
    api = json.loads(source.read_text(encoding="utf-8"))
    schema = build_schema(api)
    args.output.write_text(dump_schema(schema), encoding="utf-8")
    print(
        f"{args.output}: {schema['version']}, "
        f"{len(schema['methods'])} methods, {len(schema['types'])} types",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
