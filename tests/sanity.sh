#!/usr/bin/env bash
# Runs `ansible-test sanity` (the default set of tests) on this checkout.
#
# ansible-test only accepts a collection that sits at .../ansible_collections/<namespace>/<name>, so the
# checkout is copied into a fresh temporary tree, and the collections galaxy.yml depends on are linked
# beside it: ansible-test resolves `ansible_collections.*` imports from that tree alone.
#
# It runs with --local on this venv's Python: the controller already has the pinned ansible-core, and each
# sanity test still gets its own pinned virtual environment, cached under ~/.ansible/test/venv.
# Any argument is passed on to ansible-test, e.g. `bash tests/sanity.sh --test pylint`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-$root/.venv}
python=$venv/bin/python
export PATH="$venv/bin:$PATH"

if [[ ! -x $python ]]; then
    echo "sanity: no Python at $python; run 'make venv' first" >&2
    exit 2
fi

# ansible-test bootstraps pip in each virtual environment it creates from a script it downloads from a
# host this machine may not reach; the shared tool caches a stand-in that installs pip from the index.
offline_pip=$root/../shared/tools/ansible-test-offline-pip
if [[ -x $offline_pip ]]; then
    "$offline_pip" "$python" >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Prints "<namespace> <name>" for the collection, then one "<namespace> <name> <path>" per dependency, found
# where the Makefile's ansible finds collections: the venv's collections path, then the ansible package.
"$python" - "$root/galaxy.yml" "$venv/collections" >"$work/collections" <<'PY'
import os
import sys
import sysconfig

import yaml

with open(sys.argv[1], encoding="utf-8") as galaxy_file:
    galaxy = yaml.safe_load(galaxy_file)
print(galaxy["namespace"], galaxy["name"])
roots = [sys.argv[2], sysconfig.get_paths()["purelib"]]
for fqcn in galaxy.get("dependencies") or {}:
    namespace, name = fqcn.split(".")
    paths = [os.path.join(root, "ansible_collections", namespace, name) for root in roots]
    found = [path for path in paths if os.path.isfile(os.path.join(path, "MANIFEST.json"))]
    if not found:
        sys.exit("sanity: dependency %s is installed in none of: %s" % (fqcn, ", ".join(paths)))
    print(namespace, name, found[0])
PY

{
    read -r namespace name
    dest=$work/ansible_collections/$namespace/$name
    while read -r dep_namespace dep_name dep_path; do
        mkdir -p "$work/ansible_collections/$dep_namespace"
        ln -s "$dep_path" "$work/ansible_collections/$dep_namespace/$dep_name"
    done
} <"$work/collections"

mkdir -p "$dest"
# benchmarks/ is development tooling, left out of the built collection (galaxy.yml build_ignore) like the
# other excluded paths; black checks it.
tar -C "$root" --anchored \
    --exclude=./.venv --exclude=./.sandbox --exclude=./build --exclude=./.git --exclude=./tests/output \
    --exclude=./benchmarks \
    --exclude=./.ansible --exclude=./.pytest_cache --exclude='*/__pycache__' --exclude='*.pyc' \
    -cf - . | tar -C "$dest" -xf -

python_version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
log=$work/ansible-test.log
cd "$dest"
# The pip chatter of creating the sanity virtual environments is dropped from the console; everything
# ansible-test itself reports, failures in full, passes through.
set +e
"$python" "$venv/bin/ansible-test" sanity --local --python "$python_version" --color no --truncate 0 "$@" 2>&1 |
    tee "$log" |
    grep --line-buffered -v -E \
        '^(Collecting|Processing|Downloading|Installing collected|Successfully|Attempting uninstall|Found existing|Uninstalling|Looking in|Requirement already|Using cached|Obtaining) |^ +(━|Downloading|Attempting uninstall|Found existing|Uninstalling|Successfully)|^WARNING: Location .file:|^WARNING: (Reviewing previous .* warning|Using locale)'
status=${PIPESTATUS[0]}
set -e

if ((status != 0)); then
    # Keep what ansible-test wrote (results, and the unfiltered console log) where the checkout ignores it.
    rm -rf "$root/tests/output/sanity"
    mkdir -p "$root/tests/output/sanity"
    if [[ -d $dest/tests/output ]]; then
        cp -r "$dest/tests/output/." "$root/tests/output/sanity/"
    fi
    cp "$log" "$root/tests/output/sanity/ansible-test.log"
    echo "sanity: FAILED (ansible-test exit $status after ${SECONDS}s); full log in tests/output/sanity/ansible-test.log" >&2
    exit "$status"
fi
echo "sanity: passed in ${SECONDS}s"
