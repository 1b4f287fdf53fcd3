#!/usr/bin/env bash
# The single command that runs every Runnel test:
#   1. installs Debian's Jupyter, Chromium and kcat packages when missing;
#   2. checks gofmt and go vet, runs `go test ./...`;
#   3. installs the kernel into a temporary prefix and runs the Python protocol and
#      notebook tests (every tests/**/test_*.py) and executes every notebook of
#      notebooks/ headless, against that kernelspec.
# Jupyter runs on Debian's /usr/bin/python3, not on a pyenv python3 first on PATH.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1 PYDEVD_DISABLE_FILE_VALIDATION=1

step() { printf '\n==> %s\n' "$*"; }
failed=()
# check NAME CMD...: runs a test step; a failure is reported at the end, the other
# steps still run.
check() {
  local name=$1; shift
  if ! "$@"; then
    failed+=("$name")
    echo "FAILED: $name"
  fi
}
START=$SECONDS

step "Debian packages"
PKGS=(jupyter-client jupyter-nbconvert python3-nbclient python3-jupyter-kernel-test
      python3-notebook jupyter-console chromium chromium-driver python3-selenium kcat)
missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
  echo "installing: ${missing[*]}"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
else
  echo "all present"
fi

step "gofmt"
gofmt_check() {
  local unformatted
  unformatted=$(gofmt -l $(git ls-files --cached --others --exclude-standard '*.go'))
  if [ -n "$unformatted" ]; then
    echo "not gofmt-formatted:"; echo "$unformatted"; return 1
  fi
}
check gofmt gofmt_check

step "go vet"
check "go vet" go vet ./...

step "go test"
check "go test" go test -timeout 9m ./...

step "install the kernel into a temporary prefix"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
go run ./install --prefix "$TMP"
export JUPYTER_PATH="$TMP/share/jupyter"
specs=$($PY -m jupyter kernelspec list)
echo "$specs"
grep -q "^ *runnel " <<<"$specs" || {
  echo "jupyter kernelspec list does not show runnel"; exit 1; }

step "Python protocol and notebook tests"
mapfile -t pytests < <(find tests -name 'test_*.py' | sort)
for t in "${pytests[@]}"; do
  echo "--- $t"
  check "$t" timeout 600 $PY -m unittest -v "$t"
done

step "notebooks executed headless"
for nb in notebooks/*.ipynb; do
  [ -e "$nb" ] || continue
  echo "--- $nb"
  check "$nb" bash -c 'cd "$(dirname "$1")" && timeout 600 '"$PY"' -m nbconvert --to notebook --execute \
      --ExecutePreprocessor.kernel_name=runnel --ExecutePreprocessor.timeout=300 \
      --output-dir "$2" "$(basename "$1")"' _ "$nb" "$TMP/executed"
done

echo
echo "took $((SECONDS - START)) s"
if ((${#failed[@]})); then
  echo "FAILED steps:"; printf '  %s\n' "${failed[@]}"
  exit 1
fi
echo "all tests passed"
