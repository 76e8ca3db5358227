#!/usr/bin/env bash
# Runs one stage of `make test` or CI and times it: stage.sh NAME COMMAND [ARG...].
#
# Prints "== NAME: N s (exit S)" when the command ends, and appends "NAME N S" to the file named by
# BLUEGREEN_STAGE_LOG when it is set, for a summary of all stages at the end (stage.sh --summary FILE).
# The exit status is the command's.
set -uo pipefail

if [[ ${1:-} == --summary ]]; then
    [[ -s ${2:-} ]] || exit 0
    echo "== time per stage"
    awk '{ total += $2; printf "   %-20s %6d s  %s\n", $1, $2, ($3 == 0 ? "passed" : "FAILED (exit " $3 ")") }
         END { printf "   %-20s %6d s (%.1f minutes)\n", "total", total, total / 60 }' "$2"
    exit 0
fi

name=$1
shift
started=$SECONDS
"$@"
status=$?
seconds=$((SECONDS - started))
echo "== $name: $seconds s (exit $status)"
if [[ -n ${BLUEGREEN_STAGE_LOG:-} ]]; then
    echo "$name $seconds $status" >>"$BLUEGREEN_STAGE_LOG"
fi
exit "$status"
