#!/usr/bin/env bash
# Debian packages the portal needs outside Python. As root they are installed; otherwise they are named.
#   --browser   also the browser the end-to-end tests drive
set -euo pipefail

packages=(
  libpango-1.0-0 libpangoft2-1.0-0   # WeasyPrint's text layout
  libharfbuzz-subset0                # font subsetting in C: without it a report takes about 12 times longer
  fonts-noto-cjk                     # Chinese in PDFs
  fontconfig                         # fc-match finds Noto Sans CJK SC to cut the report font from
  gettext                            # compiling the translations
)
if [[ "${1:-}" == "--browser" ]]; then
  packages+=(chromium poppler-utils)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "missing system packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
