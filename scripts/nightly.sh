#!/usr/bin/env bash
# Nightly scoring job, ready for cron (any working directory; cron's PATH may lack node: set NODE):
#   15 2 * * *  NODE=/usr/local/bin/node /opt/churn/scripts/nightly.sh /data/exports /var/lib/churn/runs >> /var/log/churn-nightly.log 2>&1
#
# - churn is this checkout's own entry point (dist/cli/main.js beside this script), run by node: never npx,
#   which would look the name up in the npm registry (a network call, and whatever is published under it);
# - every path is made absolute first: DATA_DIR, RUNS_ROOT and CHURN_CONFIG against the working directory,
#   MODEL against this checkout (default its models/champion);
# - a lock (flock) so two runs never overlap: a second start while one runs exits 75 (EX_TEMPFAIL) at once;
# - a dated output directory RUNS_ROOT/YYYY-MM-DD; churn writes it through a temporary name, so a killed run
#   never leaves a directory that looks complete (the run manifest is written last). RUNS_ROOT also holds what
#   the runs share: the contacts log (contacts_log.csv: cooldowns, holdouts, learning) and the period-budget
#   ledger (budget_ledger.json); re-running a night replaces that night's contacts and spend;
# - churn's exit code is passed on (0 ok, 2 config, 3 input data such as a stale export, 4 quality gate such as
#   broken input), so the scheduler alerts on failure;
# - the last KEEP_RUNS dated runs are kept (default 30), older ones are removed (the contacts log and the
#   ledger keep their history).
#
# Environment: NODE (default: node on PATH), MODEL (default <checkout>/models/champion), BUDGET (optional: this
# night's budget; the period budget is retention.periodBudget in the config), KEEP_RUNS (default 30),
# CHURN_CONFIG (optional config file), AS_OF (default: yesterday, UTC).
set -euo pipefail

usage="usage: nightly.sh DATA_DIR RUNS_ROOT"
DATA_DIR=${1:?$usage}
RUNS_ROOT=${2:?$usage}

script="${BASH_SOURCE[0]}"
[[ "$script" == */* ]] || script="./$script"
here=$(cd -- "${script%/*}" && pwd -P)
checkout=${here%/*}
main="$checkout/dist/cli/main.js"
# absolute path of $1, relative paths taken against $2
absolute() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$2" "$1" ;; esac; }

DATA_DIR=$(absolute "$DATA_DIR" "$PWD")
RUNS_ROOT=$(absolute "$RUNS_ROOT" "$PWD")
MODEL=$(absolute "${MODEL:-models/champion}" "$checkout")
KEEP_RUNS=${KEEP_RUNS:-30}
AS_OF=${AS_OF:-$(date -u -d yesterday +%F)}
NODE=${NODE:-$(command -v node || true)}

if [ -z "$NODE" ] || [ ! -x "$NODE" ]; then
  echo "nightly: node not found (NODE=${NODE:-unset}, PATH=$PATH); set NODE to the node executable, e.g. NODE=/usr/local/bin/node in the crontab line" >&2
  exit 2
fi
if [ ! -f "$main" ]; then
  echo "nightly: $main not found; build churn first: cd $checkout && npm run build" >&2
  exit 2
fi

mkdir -p "$RUNS_ROOT"
exec 9>"$RUNS_ROOT/.nightly.lock"
if ! flock -n 9; then
  echo "nightly: another run holds $RUNS_ROOT/.nightly.lock; not starting a second one" >&2
  exit 75
fi

out="$RUNS_ROOT/$AS_OF"
echo "nightly: scoring $DATA_DIR as of $AS_OF with $MODEL into $out" >&2
args=(score --model "$MODEL" --data "$DATA_DIR" --as-of "$AS_OF" --out "$out")
[ -n "${BUDGET:-}" ] && args+=(--budget "$BUDGET")
[ -n "${CHURN_CONFIG:-}" ] && args+=(--config "$(absolute "$CHURN_CONFIG" "$PWD")")

set +e
"$NODE" "$main" "${args[@]}"
code=$?
set -e

if [ "$code" -eq 0 ]; then
  # keep the newest KEEP_RUNS dated runs
  mapfile -t runs < <(find "$RUNS_ROOT" -mindepth 1 -maxdepth 1 -type d -name '????-??-??' | sort)
  excess=$(( ${#runs[@]} - KEEP_RUNS ))
  for (( i = 0; i < excess; i++ )); do rm -rf -- "${runs[$i]}"; done
  echo "nightly: ok ($out)" >&2
else
  echo "nightly: churn score failed with exit code $code (2 config, 3 input data, 4 quality gate); see the lines above" >&2
fi
exit "$code"
