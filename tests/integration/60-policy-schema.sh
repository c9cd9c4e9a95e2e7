#!/bin/bash
# The published policy schema (tools/policy.schema.json) agrees with the
# parser (lib/ec_policy.c): an independent JSON Schema validator accepts
# the example policy and refuses the invalid cases.  Two cases only the
# parser catches: rule ids that repeat, and date-times (Debian's
# jsonschema has no RFC 3339 checker).
. "$(dirname "$0")/../lib/it.sh"

check "schema valid, example accepted, invalid cases refused" \
    /usr/bin/python3 "$EC_ROOT/tests/tools/policy_schema_check.py" \
    "$EC_ROOT" -- repeated-id bad-expiry
it_done
