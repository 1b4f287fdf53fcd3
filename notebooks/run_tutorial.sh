#!/usr/bin/env bash
# Runs the tutorial notebook end to end:
#   1. installs Debian's Jupyter packages when missing (Jupyter runs on Debian's
#      /usr/bin/python3, not on a pyenv python3 first on PATH);
#   2. builds and installs the Runnel kernel for the current user (go run ./install);
#   3. executes notebooks/tutorial.ipynb headless into notebooks/out/tutorial.ipynb and
#      exports it as notebooks/out/tutorial.html (the notebook works in a temporary
#      directory of its own and removes it at the end).
set -euo pipefail

cd "$(dirname "$0")/.."
PY=/usr/bin/python3
export PYDEVD_DISABLE_FILE_VALIDATION=1

PKGS=(jupyter-client jupyter-nbconvert python3-nbclient python3-notebook jupyter-console)
missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
  echo "==> installing ${missing[*]}"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
fi

echo "==> installing the Runnel kernel"
go run ./install

echo "==> executing notebooks/tutorial.ipynb"
mkdir -p notebooks/out
(cd notebooks &&
  $PY -m nbconvert --to notebook --execute \
    --ExecutePreprocessor.kernel_name=runnel --ExecutePreprocessor.timeout=600 \
    --output-dir out --output tutorial tutorial.ipynb)
$PY -m nbconvert --to html --output-dir notebooks/out --output tutorial notebooks/out/tutorial.ipynb

cat <<MSG

Done.
  executed notebook: notebooks/out/tutorial.ipynb
  HTML export:       notebooks/out/tutorial.html
Open the notebooks interactively (they name their kernel, "Go (Runnel)"; open them from
this repository, with go on PATH: they build and run Go programs):
  jupyter notebook notebooks/tutorial.ipynb       # Jupyter Notebook (Debian's python3-notebook)
  jupyter lab notebooks/tutorial.ipynb            # or JupyterLab, where it is installed
  jupyter notebook notebooks/bitcoin-dashboard.ipynb   # the live dashboard
or a console:
  jupyter console --kernel runnel
MSG
