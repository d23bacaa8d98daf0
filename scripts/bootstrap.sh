#!/usr/bin/env bash
# Installs what the tests and the demo need: npm packages, and the Debian packages for the real
# directory servers (and the browser for the end-to-end suite) when running as root. Without
# root it prints the exact command to run and fails.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "# installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi

need=(slapd ldap-utils openssl)
if [ "${LDAPUM_SKIP_SAMBA:-}" != 1 ]; then
  need+=(samba samba-ad-dc samba-ad-provision ldb-tools winbind krb5-user smbclient)
fi
if [ "${LDAPUM_SKIP_E2E:-}" != 1 ]; then
  need+=(chromium)
fi
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "# installing Debian packages: ${missing[*]}"
    # slapd's postinst would start a system slapd and ask questions: the tests start their own.
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Run as root:  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi
# The packages start system daemons on install; our tests run their own on random ports.
for svc in slapd samba-ad-dc smbd nmbd winbind; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" >/dev/null 2>&1 || true
  fi
done
