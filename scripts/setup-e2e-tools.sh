#!/usr/bin/env bash
# Installs the real VS Code the end-to-end suite drives: code-server 4.100.3 (VS Code 1.100.3, the
# last line that runs on Node 20) from the npm registry, into a cache folder reused across runs.
# Debian's Chromium (installed by scripts/bootstrap.sh) is the browser; nothing is downloaded from
# GitHub or nodejs.org, so this works on a machine that reaches only the npm and Debian registries.
#
#   E2E_TOOLS_DIR   where to keep the install (default ~/.cache/ldap-user-manager/e2e)
#   LDAPUM_CHROMIUM the browser (default /usr/bin/chromium)
#   --no-browser    do not require Chromium (npm run demo: the user brings the browser)
#
# Prints "# code-server cached" when the install is already there. A fresh install takes about
# two minutes (most of it compiling the native modules) and is built in a staging folder that is
# renamed into place only when complete, so an interrupted run never leaves a half install behind.
set -euo pipefail

VERSION=4.100.3
TOOLS="${E2E_TOOLS_DIR:-$HOME/.cache/ldap-user-manager/e2e}"
CHROMIUM="${LDAPUM_CHROMIUM:-/usr/bin/chromium}"
INSTALL="$TOOLS/code-server-$VERSION"
ENTRY="$INSTALL/node_modules/code-server/out/node/entry.js"
MARKER="$INSTALL/.complete"

need_browser=1
[ "${1:-}" = --no-browser ] && need_browser=0

if [ "$need_browser" = 1 ] && [ ! -x "$CHROMIUM" ]; then
  echo "Chromium was not found at $CHROMIUM. Install it as root (scripts/bootstrap.sh does):" >&2
  echo "  apt-get install -y --no-install-recommends chromium" >&2
  exit 1
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" != 20 ]; then
  echo "code-server $VERSION needs Node 20 (found $(node -v)). Install Node 20 and run again." >&2
  exit 1
fi

if [ -f "$MARKER" ] && [ -f "$ENTRY" ]; then
  echo "# code-server cached"
  exit 0
fi

mkdir -p "$TOOLS"
# Two concurrent runs (two checkouts, a demo and a test) must not install into each other.
exec 9>"$TOOLS/.install.lock"
flock 9
if [ -f "$MARKER" ] && [ -f "$ENTRY" ]; then
  echo "# code-server cached"
  exit 0
fi

# node-gyp compiles code-server's native modules: it needs make, a C++ compiler and Python 3.
missing=()
command -v make >/dev/null 2>&1 || missing+=(make)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "# installing build tools for code-server's native modules: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "code-server's native modules need: ${missing[*]}. Run as root:" >&2
    echo "  apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

start=$(date +%s)
STAGE="$TOOLS/.staging-$$"
LOG="$TOOLS/install.log"
rm -rf "$STAGE" "$TOOLS"/.staging-*
mkdir -p "$STAGE"
: >"$LOG"
trap 'rm -rf "$STAGE"' EXIT

fail() {
  echo "code-server install failed while $1. The last lines of $LOG:" >&2
  tail -n 30 "$LOG" >&2
  exit 1
}
step() { # step <description> <command...>: runs quietly, logs everything, explains a failure
  local what="$1"; shift
  echo "## $what" >>"$LOG"
  "$@" </dev/null >>"$LOG" 2>&1 || fail "$what"
}

# Native modules are compiled against the headers Debian/NodeSource ship with node (node-gyp
# would otherwise download them from nodejs.org, which this machine cannot reach).
node_prefix=$(dirname "$(dirname "$(command -v node)")")
if [ ! -f "$node_prefix/include/node/common.gypi" ]; then
  echo "Node's C headers are missing ($node_prefix/include/node); they come with the Node 20 package." >&2
  exit 1
fi
export npm_config_nodedir="$node_prefix"
export npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
export JOBS=max # node-gyp: compile with every core

echo "# installing code-server $VERSION into $INSTALL (about two minutes; log: $LOG)"
cd "$STAGE"
printf '{ "name": "ldapum-e2e-tools", "private": true }\n' >package.json

# code-server's own postinstall (lib/vscode install, symlinks) refuses to run as root without
# unsafe-perm and lets @vscode/ripgrep download from GitHub; it is replayed below without either.
step "downloading code-server" npm install "code-server@$VERSION" --ignore-scripts
VSCODE="$STAGE/node_modules/code-server/lib/vscode"
step "downloading VS Code's dependencies" sh -c "cd '$VSCODE' && npm install --omit=dev --ignore-scripts"
# Only the native modules the server loads: file watcher, terminal, logger, machine id, watchdog.
# kerberos (proxy Negotiate auth only) is left out: it needs libkrb5-dev and no test uses a proxy.
step "compiling VS Code's native modules" sh -c "cd '$VSCODE' && npm rebuild @parcel/watcher node-pty @vscode/spdlog @vscode/deviceid native-watchdog"
step "installing the built-in extensions' dependencies" sh -c "cd '$VSCODE/extensions' && npm install --omit=dev --ignore-scripts"
# argon2 (password hashing, loaded at startup even with --auth none): compiled from source rather
# than downloaded from GitHub.
step "compiling argon2" sh -c "cd '$STAGE/node_modules/argon2' && ../.bin/node-pre-gyp rebuild"

# What the postinstall would have linked.
ln -sfn node_modules "$VSCODE/node_modules.asar"
(cd "$VSCODE/bin/remote-cli" && ln -sfn code-linux.sh code-server)
(cd "$VSCODE/bin/helpers" && ln -sfn browser-linux.sh browser.sh)
if command -v rg >/dev/null 2>&1; then
  mkdir -p "$VSCODE/node_modules/@vscode/ripgrep/bin"
  ln -sfn "$(command -v rg)" "$VSCODE/node_modules/@vscode/ripgrep/bin/rg"
fi

for f in \
  node_modules/@parcel/watcher-linux-x64-glibc/watcher.node \
  node_modules/node-pty/build/Release/pty.node \
  node_modules/@vscode/spdlog/build/Release/spdlog.node \
  node_modules/native-watchdog/build/Release/watchdog.node; do
  [ -f "$VSCODE/$f" ] || fail "checking the build: $f is missing"
done
ls "$STAGE"/node_modules/argon2/lib/binding/napi-v*/argon2.node >/dev/null 2>&1 || fail "checking the build: argon2.node is missing"
node "$STAGE/node_modules/code-server/out/node/entry.js" --version </dev/null >>"$LOG" 2>&1 \
  || fail "running code-server --version"

touch "$STAGE/.complete"
rm -rf "$INSTALL"
mv "$STAGE" "$INSTALL"
trap - EXIT
echo "# code-server $VERSION installed in $(( $(date +%s) - start )) s"
