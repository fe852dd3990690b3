#!/bin/sh
# Measures `volc-im export` side by side with the official Volcengine Python SDK
# (`Service.json` in a `while HasMore` loop) against `volc-im demo-server` on
# loopback. Creates a virtualenv holding the SDK on first use.
#
#   scripts/bench-vs-sdk.sh [--runs N] [--only p2|p3|start|limit|memory]... [--no-archive] [--volc-im PATH]
#
# Builds the release binary first unless --volc-im names one. Figures are medians
# of interleaved runs; see scripts/bench_vs_sdk.py for what each one measures.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
venv=${VOLC_IM_BENCH_VENV:-"$root/target/bench-venv"}

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import volcengine' 2>/dev/null; then
    "$venv/bin/pip" install --quiet volcengine
fi

case " $* " in
*" --volc-im "*) ;;
*)
    (cd "$root" && cargo build --release --quiet --bin volc-im)
    set -- --volc-im "$root/target/release/volc-im" "$@"
    ;;
esac

exec "$venv/bin/python" "$here/bench_vs_sdk.py" "$@"
