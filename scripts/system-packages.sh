#!/bin/sh
# The programs the evaluation tests use beyond Python: LibreOffice (opens the 自评表
# workbook headless and converts it) and Chromium (renders the HTML report and its charts).
# Idempotent: installs only what is missing, with apt-get, and does nothing otherwise.
set -e
missing=""
command -v soffice >/dev/null 2>&1 || missing="$missing libreoffice-calc-nogui"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$missing fonts-noto-cjk"
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing:$missing"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
