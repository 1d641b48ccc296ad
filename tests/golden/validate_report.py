#!/usr/bin/python3
"""Validate pathbench reports against reports/schema/report.schema.json.

usage: validate_report.py [--expect-invalid] SCHEMA REPORT...

Besides the schema, checks what a schema cannot express: each drop ledger balances
(sent = delivered + attributed + unaccounted).

Exit 0: every REPORT is valid (with --expect-invalid: every REPORT is invalid).
Exit 1: otherwise; each problem is printed as "REPORT: $.json.path: message".
Exit 2: bad usage, an unreadable file, or a broken schema.

Needs jsonschema >= 4 (Debian 12: python3-jsonschema for /usr/bin/python3).
"""

import argparse
import json
import sys

try:
    import jsonschema
except ImportError:
    sys.exit(f"validate_report.py: {sys.executable} has no jsonschema module; "
             "run it with /usr/bin/python3 (Debian: apt install python3-jsonschema)")


def ledger_errors(report):
    """Yields (json_path, message) for each drop ledger that does not balance."""
    scenarios = report.get("scenarios") if isinstance(report, dict) else None
    if not isinstance(scenarios, list):
        return
    for i, scenario in enumerate(scenarios):
        if not isinstance(scenario, dict):
            continue
        drops = scenario.get("drops")
        ledger = drops.get("ledger") if isinstance(drops, dict) else None
        if not isinstance(ledger, dict):
            continue
        keys = ("sent", "delivered", "attributed", "unaccounted")
        values = [ledger.get(k) for k in keys]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            continue  # the schema reports the types
        sent, delivered, attributed, unaccounted = values
        if sent != delivered + attributed + unaccounted:
            yield (f"$.scenarios[{i}].drops.ledger",
                   f"does not balance: sent {sent} != delivered {delivered} + attributed "
                   f"{attributed} + unaccounted {unaccounted}")


def problems(validator, report):
    """Returns sorted (json_path, message) pairs; empty when the report is valid."""
    found = []
    for error in validator.iter_errors(report):
        # For oneOf/anyOf the interesting part is in the sub-errors; show the deepest one.
        leaf = error
        while leaf.context:
            leaf = max(leaf.context, key=lambda e: len(e.absolute_path))
        found.append((leaf.json_path, leaf.message))
    found.extend(ledger_errors(report))
    return sorted(set(found))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expect-invalid", action="store_true",
                        help="succeed only if every REPORT is rejected")
    parser.add_argument("schema")
    parser.add_argument("reports", nargs="+", metavar="REPORT")
    args = parser.parse_args(argv)

    try:
        with open(args.schema, encoding="utf-8") as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as e:
        print(f"{args.schema}: bad schema: {e}", file=sys.stderr)
        return 2
    validator = cls(schema, format_checker=jsonschema.FormatChecker())

    failed = False
    for path in args.reports:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            print(f"{path}: cannot read: {e}", file=sys.stderr)
            return 2
        try:
            found = problems(validator, json.loads(text))
        except ValueError as e:
            found = [("$", f"not valid JSON: {e}")]

        if args.expect_invalid:
            if found:
                print(f"{path}: rejected as expected: {found[0][0]}: {found[0][1]}")
            else:
                print(f"{path}: valid, but expected to be rejected")
                failed = True
        else:
            for where, message in found:
                print(f"{path}: {where}: {message}")
            failed = failed or bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
