#!/usr/bin/env bash
# Builds the installable extension: a production bundle (minified, no source maps) packed by
# @vscode/vsce into ldap-user-manager-<version>.vsix. Works offline: the bundle already holds every
# runtime dependency, so vsce is told not to look at node_modules.
#
#   LDAPUM_VSIX_DIR  where to write the .vsix (default: the repository root)
#
# Prints the path and size of the .vsix on stdout. Leaves dist/ with the production build; run
# `npm run build` to go back to the development build.
set -euo pipefail
cd "$(dirname "$0")/.."

out_dir="${LDAPUM_VSIX_DIR:-.}"
mkdir -p "$out_dir"
name=$(node -p 'require("./package.json").name')
version=$(node -p 'require("./package.json").version')
vsix="$out_dir/$name-$version.vsix"

# Built in place (dist/ is shared with tests that may be running); source maps of an earlier
# development build are removed so they do not end up in the package.
node esbuild.mjs --production >&2
rm -f dist/*.map dist/webview/*.map
for f in dist/extension.js dist/server.js dist/sql-wasm.wasm; do
  if [ ! -f "$f" ]; then
    echo "The production build did not produce $f; run \`node esbuild.mjs --production\` and fix what it reports." >&2
    exit 1
  fi
done

# vsce prints progress and warnings to stdout; keep our stdout for the result line only.
npx --no-install vsce package --no-dependencies --allow-missing-repository --no-rewrite-relative-links \
  --out "$vsix" >&2 </dev/null

bytes=$(stat -c %s "$vsix")
echo "$vsix $(( (bytes + 1023) / 1024 )) KiB"
