#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, when any is missing, and any
# named as arguments (e.g. postgresql).
set -euo pipefail
packages=(pkg-config libprotobuf-c-dev protobuf-c-compiler libsqlite3-dev openssl prometheus "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
