#!/usr/bin/env bash
# Headless Chromium for the report page's browser test (tests/browser.py): Debian's chromium
# package, driven by Playwright's Python package (its own browser download cannot be reached).
# Idempotent: does nothing when /usr/bin/chromium is there. .ci/run and `make test` run it.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    sudo=sudo
else
    sudo=
fi
echo "== installing Debian's chromium (the report's browser test)"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends chromium
/usr/bin/chromium --version
