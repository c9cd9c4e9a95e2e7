# Sourced by the benchmarks that run the whole service (api-bench.sh,
# sse-bench.sh) from the top of the tree, with $root set: a private
# PostgreSQL cluster in a fresh EC_VAR (/tmp/ec-bench-$BENCH_NAME.*),
# migrated, and the integration helpers (it.sh, runs.sh, api.sh) loaded,
# so api_start and api can start and drive the stack.
EC_VAR=$(mktemp -d "/tmp/ec-bench-$BENCH_NAME.XXXXXX")
export EC_VAR
EXPORT_CENTER_DB=$(tests/lib/pg.sh start "$EC_VAR/pg") || exit 1
EC_BIN=$root/build/exportctl
EC_ROOT=$root
export EXPORT_CENTER_DB EC_BIN EC_ROOT
"$EC_BIN" db migrate >/dev/null
# shellcheck source=/dev/null
. tests/lib/it.sh
. tests/lib/runs.sh
. tests/lib/api.sh
