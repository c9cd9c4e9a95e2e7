#!/usr/bin/python3
"""Check tools/policy.schema.json with an independent validator (Debian's
python3-jsonschema): the schema is valid Draft 2020-12, the example policy
validates, and every tests/data/policy/invalid case is refused, except
those the schema cannot express (named on the command line after --)."""
import json
import os
import sys

import jsonschema


def main():
    root = sys.argv[1]
    lenient = set(sys.argv[sys.argv.index("--") + 1:]) if "--" in sys.argv else set()
    with open(os.path.join(root, "tools/policy.schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    with open(os.path.join(root, "tests/data/policy/example.json")) as f:
        errors = list(v.iter_errors(json.load(f)))
    if errors:
        print("example.json does not validate:", errors[0].message)
        return 1
    bad = 0
    cases = os.path.join(root, "tests/data/policy/invalid")
    for case in sorted(os.listdir(cases)):
        with open(os.path.join(cases, case, "policy.json")) as f:
            try:
                doc = json.load(f)
            except ValueError:
                continue  # malformed JSON: refused before any schema
        accepted = v.is_valid(doc)
        if accepted and case not in lenient:
            print("schema accepts invalid case", case)
            bad += 1
        elif not accepted and case in lenient:
            print("lenient case now refused, update the list:", case)
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
