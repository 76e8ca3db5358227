#!/usr/bin/env bash
# Zero-downtime benchmark of the document root switch: `bash benchmarks/symlink_switch.sh` from a clone.
#
# Installs what it needs when it is missing: Apache's server binary (Debian package apache2-bin, which,
# unlike the apache2 package, sets up no system service) and wrk, then the collection (make install). It
# starts its own Apache on 127.0.0.1:$BENCH_PORT with its own configuration, leaves any system Apache
# alone, and stops it at the end. See docs/benchmarks.md for what is measured.
#
# Settings (environment): BENCH_DURATION seconds per method (30), BENCH_PORT (8089), BENCH_THREADS (2),
# BENCH_CONNECTIONS (32), BENCH_METHODS ("none module ln-sfn rm-ln"), BENCH_USER Apache runs as (www-data).
# Arguments are passed to benchmarks/symlink_switch.py, e.g. --verbose for wrk's own reports.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

missing=()
[[ -x /usr/sbin/apache2 ]] || missing+=(apache2-bin)
command -v wrk >/dev/null || missing+=(wrk)
if ((${#missing[@]})); then
    if ((EUID != 0)); then
        echo "symlink_switch: ${missing[*]} missing; install them (apt-get install ${missing[*]}) or run as root" >&2
        exit 2
    fi
    echo "installing ${missing[*]} from the Debian packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

make -C "$root" --no-print-directory install
PATH=/usr/sbin:$PATH exec "$root/.venv/bin/python" "$root/benchmarks/symlink_switch.py" "$@"
