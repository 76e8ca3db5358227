#!/usr/bin/env bash
# BeforeAllowTraffic: the last check before the load balancer sends users to this instance. Any answer but
# the expected status (200 unless set otherwise) exits non-zero, which fails the deployment: CodeDeploy then
# never registers the instance, and the original instances keep the traffic.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
load_settings

check_application
