#!/usr/bin/env bash
# AfterInstall: read the live colour again, point the web root at it (nothing changes when BeforeInstall
# already did, and the web root follows a switch that happened in between), then reload or restart the web
# server, so that a server or cache that holds on to resolved paths serves the release from now on.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
load_settings
require BLUEGREEN_WEB_SERVICE BLUEGREEN_WEB_SERVICE_ACTION

switch_to_live_color

case $BLUEGREEN_WEB_SERVICE_ACTION in
reload | restart) ;;
*) die "web server action '$BLUEGREEN_WEB_SERVICE_ACTION' is neither reload nor restart" ;;
esac
if service_is_running "$BLUEGREEN_WEB_SERVICE"; then
    service_do "$BLUEGREEN_WEB_SERVICE_ACTION" "$BLUEGREEN_WEB_SERVICE"
else
    log "$BLUEGREEN_WEB_SERVICE is not running; ApplicationStart starts it"
fi
