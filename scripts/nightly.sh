#!/usr/bin/env bash
# Nightly scoring job, ready for cron:
#   15 2 * * *  /opt/churn/scripts/nightly.sh /data/exports /var/lib/churn/runs >> /var/log/churn-nightly.log 2>&1
#
# - a lock (flock) so two runs never overlap: a second start while one runs exits 75 (EX_TEMPFAIL) at once;
# - a dated output directory RUNS_ROOT/YYYY-MM-DD; churn writes it through a temporary name, so a killed run
#   never leaves a directory that looks complete (the run manifest is written last);
# - churn's exit code is passed on (0 ok, 2 config, 3 input data, 4 quality gate such as drift), so the
#   scheduler alerts on failure;
# - the last KEEP_RUNS dated runs are kept (default 30), older ones are removed.
#
# Environment: CHURN (command, default "npx churn"), MODEL (default models/champion), BUDGET (default 50000),
# KEEP_RUNS (default 30), CHURN_CONFIG (optional config file), AS_OF (default: yesterday, UTC).
set -euo pipefail

DATA_DIR=${1:?usage: nightly.sh DATA_DIR RUNS_ROOT}
RUNS_ROOT=${2:?usage: nightly.sh DATA_DIR RUNS_ROOT}
CHURN=${CHURN:-npx churn}
MODEL=${MODEL:-models/champion}
BUDGET=${BUDGET:-50000}
KEEP_RUNS=${KEEP_RUNS:-30}
AS_OF=${AS_OF:-$(date -u -d yesterday +%F)}

mkdir -p "$RUNS_ROOT"
exec 9>"$RUNS_ROOT/.nightly.lock"
if ! flock -n 9; then
  echo "nightly: another run holds $RUNS_ROOT/.nightly.lock; not starting a second one" >&2
  exit 75
fi

out="$RUNS_ROOT/$AS_OF"
echo "nightly: scoring $DATA_DIR as of $AS_OF into $out" >&2
config_args=()
[ -n "${CHURN_CONFIG:-}" ] && config_args=(--config "$CHURN_CONFIG")

set +e
$CHURN score --model "$MODEL" --data "$DATA_DIR" --as-of "$AS_OF" --budget "$BUDGET" --out "$out" "${config_args[@]}"
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
