#!/usr/bin/env bash
# Installs the Debian packages that `npm test` and the PyTorch benchmarks use, with sudo only where
# this shell is not root (containers and CI images are often root without sudo). Does nothing but
# say so when they are all installed already (no network needed then).
set -euo pipefail

# package            what uses it
PACKAGES=(
  dataset-fashion-mnist # the real Fashion-MNIST files (/usr/share/datasets/fashion-mnist) for the training tests
  chromium              # Debian's Chromium: end-to-end tests and HTML/PDF reports
  poppler-utils         # pdftotext, to read exported PDFs back
  python3-torch         # PyTorch, the reference in bench/ (and its tests)
  libopenblas0-pthread  # OpenBLAS for PyTorch: without it torch falls back to the reference BLAS (~7x slower)
  postgresql            # PostgreSQL server binaries: the store tests start a throwaway cluster (test/helpers/postgres.ts)
  iproute2              # ip netns / veth: the agents test runs each agent as its own network host (test/helpers/netns.ts)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-test: already installed: ${PACKAGES[*]}"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "setup-test: apt-get not found; install these (Debian package names) another way: ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null; then
  as_root=(sudo)
else
  echo "setup-test: not root and no sudo; as root run: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "setup-test: installing ${missing[*]}${as_root:+ (with sudo)}"
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup-test: installed ${missing[*]}"
