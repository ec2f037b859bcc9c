#!/usr/bin/env bash
# Installs what afterbeep needs on a fresh clone: Debian packages (when missing and we can),
# a virtual environment in .venv, and the package with its extras. Safe to run again: each
# step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(sox espeak-ng ffmpeg libsndfile1 chromium chromium-driver)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "setup: installing Debian packages: ${missing[*]}"
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "setup: please install these Debian packages: ${missing[*]}" >&2
    fi
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$PYTHON" -m venv .venv
    .venv/bin/pip install -q --upgrade pip wheel
fi
if [ ! -f .venv/.setup-stamp ] || [ pyproject.toml -nt .venv/.setup-stamp ]; then
    echo "setup: installing afterbeep and its dependencies into .venv"
    .venv/bin/pip install -q -e ".[dev]"
    touch .venv/.setup-stamp
fi
