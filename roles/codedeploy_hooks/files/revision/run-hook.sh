#!/usr/bin/env bash
# Every hook of the appspec.yml beside this directory runs this script. CodeDeploy runs it from the
# revision it downloaded, with LIFECYCLE_EVENT naming the event; it runs the hook for that event that
# teal.bluegreen.codedeploy_hooks installed on the instance, in the directory named by the file hooks-dir
# beside this script. The revision carries no other code: what runs is what the role installed, root-owned.
set -euo pipefail

fail() {
    printf '%s: %s\n' "${LIFECYCLE_EVENT:-run-hook}" "$*" >&2
    exit 1
}

here=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
event=${LIFECYCLE_EVENT:-}
case $event in
BeforeInstall | AfterInstall | ApplicationStart | ValidateService | BeforeAllowTraffic | AfterAllowTraffic) ;;
*) fail "LIFECYCLE_EVENT '$event' is not an event with a hook of teal.bluegreen.codedeploy_hooks; CodeDeploy sets it for each hook of appspec.yml" ;;
esac

[[ -r $here/hooks-dir ]] || fail "$here/hooks-dir is missing: render the revision with the teal.bluegreen.codedeploy_hooks role"
IFS= read -r hooks <"$here/hooks-dir" || true
if [[ $hooks != /* || ! $hooks =~ ^[A-Za-z0-9._/-]+$ || /$hooks/ == */../* ]]; then
    fail "$here/hooks-dir names '$hooks', which is not an absolute path of letters, digits, '.', '_', '-' and '/'"
fi
[[ -d $hooks ]] || fail "the hooks directory $hooks does not exist on this instance: apply the teal.bluegreen.codedeploy_hooks role to it (bluegreen_hooks_dir)"

script=$hooks/$event.sh
for trusted in "$hooks" "$script"; do
    [[ -e $trusted ]] || fail "$trusted does not exist: apply the teal.bluegreen.codedeploy_hooks role to this instance again"
    read -r owner mode <<<"$(stat -L -c '%u %a' -- "$trusted")"
    if ((owner != 0 || (8#$mode & 8#022) != 0)); then
        fail "$trusted belongs to uid $owner with mode $mode: it must belong to root and be writable by root only; not running it"
    fi
done
exec "$script"
