#!/usr/bin/env bash
# Runs one set of commands with two builds of tracereplay-tui and compares every output byte for
# byte: for restructurings that must not change behaviour.
#
#   tools/same_outputs.sh OLD_BINARY NEW_BINARY [EXTRA_TRACE ...]
#
# The traces: the embedded sample, the pickles and real samples of tests/fixtures, and any given
# (e.g. /tmp/azure_v2.pkl from tools/gen_trace.py). Outputs: inspect and stats (text and JSON)
# for every distribution, every export format, plots and conversions. Prints one line per
# difference and exits 1 if there is any.
set -uo pipefail
[ $# -ge 2 ] || { sed -n 2,10p "$0"; exit 2; }
old=$(realpath "$1"); new=$(realpath "$2"); shift 2
root="$(cd "$(dirname "$0")/.." && pwd)"
fx="$root/tests/fixtures"
traces=(sample "$fx/pickle/v1_full14d__np2.4.6__p5.pkl" "$fx/pickle/v2_many_functions__np1.26.4__p4.pkl"
    "$fx/realdata/azure-functions-2021-head/Azure2021_200.csv"
    "$fx/realdata/azure-functions-2019-invitro-100/invocations.csv"
    "$fx/realdata/azure-llm-2023/AzureLLMInferenceTrace_conv.csv"
    "$fx/realdata/mooncake/synthetic_trace.jsonl" "$@")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
diffs=0
run() { # NAME ARGS... : runs both builds in their own directory, outputs named by NAME
    local name=$1; shift
    for side in old new; do
        local bin=$old; [ $side = new ] && bin=$new
        mkdir -p "$work/$side"
        (cd "$work/$side" && "$bin" "$@" >"$name.out" 2>"$name.err"; echo $? >"$name.rc")
    done
}
n=0
for t in "${traces[@]}"; do
    [ "$t" = sample ] || [ -e "$t" ] || { echo "skipped (missing): $t"; continue; }
    n=$((n + 1))
    run "t$n-inspect" inspect "$t"
    run "t$n-inspect-json" inspect --json "$t"
    for d in vanilla exponential gamma pareto auto; do
        run "t$n-stats-$d" stats "$t" --distribution "$d"
        run "t$n-stats-$d-json" stats "$t" --distribution "$d" --json
    done
    for f in msgpack json csv; do
        run "t$n-replay-$f" replay "$t" --distribution gamma --slo 1 -o "t$n.$f" --force
        run "t$n-replay-vanilla-$f" replay "$t" --distribution vanilla -o "t$n-v.$f" --force
    done
    for f in mooncake invitro vidur splitwise; do
        run "t$n-replay-$f" replay "$t" --distribution vanilla --format "$f" \
            --input-length 100 --output-length 10 -o "t$n-$f.out.$f" --force
    done
    run "t$n-plot" plot "$t" --distribution gamma -o "t$n.svg"
    run "t$n-plot-rate" plot "$t" --distribution exponential --figure rate -o "t$n-rate.svg"
    run "t$n-convert" convert "$t" -o "t$n.native" --force
done
for f in $(cd "$work/old" && ls); do
    if ! cmp -s "$work/old/$f" "$work/new/$f"; then
        echo "differs: $f"
        diffs=$((diffs + 1))
    fi
done
total=$(ls "$work/old" | wc -l)
failed=$(cat "$work"/old/*.rc | grep -vc '^0$')
echo "$total files compared over $n traces ($failed commands failed, in both builds alike), $diffs differ"
[ $diffs -eq 0 ]
