#!/usr/bin/env bash
# Installs headless Chromium (Debian's `chromium` package) when /usr/bin/chromium is missing; used by
# tests/report_html.rs to render the HTML report. Needs root (or sudo) for apt-get.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "chromium: installed $(/usr/bin/chromium --version 2>/dev/null)"
