#!/usr/bin/env bash
# ApplicationStart: the web server runs, and starts again at boot.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
load_settings
require BLUEGREEN_WEB_SERVICE

if [[ -d /run/systemd/system ]]; then
    systemctl enable --quiet "$BLUEGREEN_WEB_SERVICE" || die "could not enable $BLUEGREEN_WEB_SERVICE at boot"
fi
if service_is_running "$BLUEGREEN_WEB_SERVICE"; then
    log "$BLUEGREEN_WEB_SERVICE is running"
else
    service_do start "$BLUEGREEN_WEB_SERVICE"
    service_is_running "$BLUEGREEN_WEB_SERVICE" || die "$BLUEGREEN_WEB_SERVICE did not start; see its error log"
fi
