#!/usr/bin/env bash
# ValidateService: the application answers on this instance. A failure fails the deployment of the instance.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
load_settings

check_application
