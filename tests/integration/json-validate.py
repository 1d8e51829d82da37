#!/usr/bin/python3
"""Validate hvmlinkctl --json output against docs/hvmlinkctl.schema.json.

usage: json-validate.py SCHEMA DEF FILE [--lines]

DEF is a definition of the schema (status, list, event).  With --lines
every line of FILE is one document (watch --json).  The file must be
valid UTF-8 (strict decoding).  Prints each document's problem and exits
1 if any; exits 0 otherwise.  Uses Debian's python3-jsonschema.
"""
import json
import sys

import jsonschema


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    schema_path, definition, path = sys.argv[1:4]
    lines = len(sys.argv) == 5 and sys.argv[4] == "--lines"
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    if definition not in schema["$defs"]:
        sys.exit(f"no definition {definition} in {schema_path}")
    schema["$ref"] = "#/$defs/" + definition
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", errors="strict")
    docs = text.splitlines() if lines else [text]
    if not docs or not all(d.strip() for d in docs):
        print(f"{path}: empty document")
        return 1
    bad = 0
    for n, doc in enumerate(docs, 1):
        try:
            value = json.loads(doc)
        except ValueError as e:
            print(f"{path}:{n}: not JSON: {e}")
            bad += 1
            continue
        for err in validator.iter_errors(value):
            print(f"{path}:{n}: {'/'.join(map(str, err.absolute_path))}: {err.message}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
