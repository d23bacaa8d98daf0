#!/usr/bin/env bash
# npm run demo [-- --desktop] [-- --port N] [-- --users N]
# From a fresh clone: installs what is missing (npm packages, OpenLDAP, code-server), packages the
# extension, then starts the demo directory and VS Code with the extension (scripts/demo/main.ts).
# Ctrl+C stops everything it started.
#   LDAPUM_DEMO_DIR   folder for the demo workspace and package (default .demo)
#   LDAPUM_DEMO_VSIX  use this .vsix instead of packaging, and skip the install steps (the demo
#                     test reuses what `npm test` installed and packaged)
set -euo pipefail
cd "$(dirname "$0")/.."

desktop=0
for a in "$@"; do [ "$a" = --desktop ] && desktop=1; done
export LDAPUM_DEMO_DIR="${LDAPUM_DEMO_DIR:-$PWD/.demo}"
mkdir -p "$LDAPUM_DEMO_DIR"

if [ -n "${LDAPUM_DEMO_VSIX:-}" ]; then
  vsix="$LDAPUM_DEMO_VSIX"
else
  # The demo needs neither Samba nor the test browser.
  LDAPUM_SKIP_SAMBA=1 LDAPUM_SKIP_E2E=1 bash scripts/bootstrap.sh
  if [ "$desktop" = 0 ]; then
    bash scripts/setup-e2e-tools.sh --no-browser
  fi
  echo "# packaging the extension"
  if ! out=$(LDAPUM_VSIX_DIR="$LDAPUM_DEMO_DIR" bash scripts/package.sh 2>"$LDAPUM_DEMO_DIR/package.log"); then
    cat "$LDAPUM_DEMO_DIR/package.log" >&2
    exit 1
  fi
  vsix=${out% * KiB}
  node esbuild.mjs # back to the development build for anything else using this checkout
fi
exec node --import tsx scripts/demo/main.ts --vsix "$vsix" "$@"
