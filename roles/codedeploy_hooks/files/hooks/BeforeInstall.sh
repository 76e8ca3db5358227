#!/usr/bin/env bash
# BeforeInstall: make the instance ready for the revision. Installs the application's packages, mounts the
# EFS file system that holds the releases (with an fstab entry, so that it is mounted again at boot) and
# points the web root at the release of the colour that the live parameter names.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
load_settings

read -r -a packages <<<"${BLUEGREEN_PACKAGES:-}"
install_packages "${packages[@]}"

if is_true "${BLUEGREEN_EFS_MOUNT:-true}"; then
    mount_efs
else
    log "not mounting EFS (bluegreen_efs_mount is false): the releases are expected in ${BLUEGREEN_RELEASES_ROOT:-?}"
fi

switch_to_live_color
