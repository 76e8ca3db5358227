#!/usr/bin/env bash
# AfterAllowTraffic: the instance takes traffic. Records what it serves and for which deployment in
# <hooks directory>/../deployment, for the operator and for the next deployment's logs.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
load_settings
require BLUEGREEN_WEB_ROOT

served=$(readlink -- "$BLUEGREEN_WEB_ROOT") || die "$BLUEGREEN_WEB_ROOT is not a symlink: BeforeInstall did not run on this instance"
record="$BLUEGREEN_HOOKS_DIR/../deployment"
temp=$(mktemp "$record.XXXXXX")
{
    printf 'deployment_id=%s\n' "${DEPLOYMENT_ID:-}"
    printf 'application_name=%s\n' "${APPLICATION_NAME:-}"
    printf 'deployment_group_name=%s\n' "${DEPLOYMENT_GROUP_NAME:-}"
    printf 'release=%s\n' "$(basename -- "$served")"
    printf 'target=%s\n' "$served"
    printf 'time=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$temp"
chmod 0644 -- "$temp"
mv -f -- "$temp" "$record"
log "serving $served for deployment ${DEPLOYMENT_ID:-?} of ${APPLICATION_NAME:-?}/${DEPLOYMENT_GROUP_NAME:-?}"
