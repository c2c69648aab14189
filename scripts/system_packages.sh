#!/usr/bin/env bash
# The Debian packages GridSeg runs beside Python: a headless Chromium and its WebDriver (the
# segment report is tested in a real browser), a small CJK font (its zh-CN labels) and a Java
# runtime (the `spark` dbt target runs Spark in the dbt process through pyspark).
# Installed with apt-get when missing and this shell may install (root, or sudo without a
# password); otherwise it says what to install.
set -euo pipefail
PACKAGES=(chromium chromium-driver fonts-wqy-microhei default-jre-headless)
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || missing+=(fonts-wqy-microhei)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "GridSeg: install ${missing[*]} (apt-get install -y ${PACKAGES[*]}) to test the report in a browser and run Spark" >&2
    exit 0
fi
echo "GridSeg: installing ${missing[*]} with apt-get ..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}" >/dev/null \
    || { $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}" >/dev/null; }
