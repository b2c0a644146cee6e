#!/usr/bin/env bash
# One-command setup for a fresh Debian/Ubuntu machine (x86_64 or a Jetson, arm64).
# Idempotent: safe to run again; apt and `npm ci` skip what is already in place.
#
#   ./scripts/setup.sh            system packages + node modules
#   ARCEDGE_SKIP_APT=1 ./scripts/setup.sh   node modules only (no root needed)
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages, per distribution. `apt_packages` prints them one per line for the system
# that /etc/os-release (and, on a Jetson, /etc/nv_tegra_release) describes; ARCEDGE_OS_RELEASE
# and ARCEDGE_NV_TEGRA_RELEASE point it at other files (the tests use fakes), and
# `./scripts/setup.sh --print-packages` prints the choice without installing anything.
#
# Debian 12 (CI and the development machines): OpenCV 4.6 headers/libs for @u4/opencv4nodejs,
# OpenCV's data files, mosquitto (tests and a standalone broker) and its clients, ffmpeg +
# GStreamer plugins for video files and RTSP (decoding mp4 through GStreamer needs plugins-good
# and libav), the RTSP test server (python3-gi + gst-rtsp-server), python3-skimage for the
# alignment reference test, python3-torch/onnx for the trainer, chromium for the report and web
# UI tests, build tools for native addons.
DEBIAN_PACKAGES=(
  build-essential python3 pkg-config
  libopencv-dev opencv-data
  mosquitto mosquitto-clients openssh-server systemd openssl
  ffmpeg gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav
  python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp
  python3-numpy python3-skimage python3-pil
  python3-torch python3-onnx
  fonts-dejavu-core
  chromium
)
# Ubuntu 22.04 / 24.04: the same, less chromium: Ubuntu has no chromium apt package (its
# chromium-browser is a stub that installs the snap, which fails without snapd). The browser
# tests then need ARCEDGE_CHROMIUM / CHROMIUM pointing at a Chromium or Chrome binary.
# JetPack 5 (L4T R35, Ubuntu 20.04) / 6 (R36, Ubuntu 22.04): the device side. NVIDIA's apt
# repository provides libopencv-dev (its own OpenCV build), the TensorRT and CUDA development
# packages for `npm run build:tensorrt`, and nvidia-l4t-gstreamer (nvarguscamerasrc,
# nvv4l2decoder, nvvidconv). No trainer (python3-torch is host work; Ubuntu 20.04 has none),
# no browser, no opencv-data (Ubuntu's would pull its own OpenCV beside NVIDIA's).
# JetPack 5's GCC 9 cannot compile C++20 (better-sqlite3 12, Node >= 23): add g++-10.
JETSON_PACKAGES=(
  build-essential python3 pkg-config
  libopencv-dev
  mosquitto mosquitto-clients systemd openssl
  ffmpeg gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav
  python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp
  python3-numpy
  fonts-dejavu-core
  nvidia-l4t-gstreamer nvidia-cuda-dev nvidia-tensorrt-dev
)

# The value of KEY in an os-release style file (KEY=value or KEY="value").
os_value() {
  sed -n "s/^$1=//p" "$2" | head -n 1 | tr -d '"'"'"
}

# Prints the apt packages for this system, one per line; fails naming the system when unknown.
apt_packages() {
  local os_release="${ARCEDGE_OS_RELEASE:-/etc/os-release}" tegra="${ARCEDGE_NV_TEGRA_RELEASE:-/etc/nv_tegra_release}"
  [ -f "$os_release" ] || { echo "setup: no $os_release: cannot tell the distribution" >&2; return 1; }
  local id version
  id=$(os_value ID "$os_release")
  version=$(os_value VERSION_ID "$os_release")
  if [ -f "$tegra" ]; then
    # "# R35 (release), REVISION: 4.1, ...": L4T R35 is JetPack 5, R36 is JetPack 6.
    local l4t
    l4t=$(sed -n 's/^# R\([0-9]*\) (release).*/\1/p' "$tegra" | head -n 1)
    case "$l4t" in
      35) printf '%s\n' "${JETSON_PACKAGES[@]}" g++-10 ;;
      36) printf '%s\n' "${JETSON_PACKAGES[@]}" ;;
      *) echo "setup: L4T R${l4t:-?} ($tegra) is not supported: arcedge needs JetPack 5 (R35) or 6 (R36)" >&2; return 1 ;;
    esac
    return 0
  fi
  case "$id:$version" in
    debian:12) printf '%s\n' "${DEBIAN_PACKAGES[@]}" ;;
    ubuntu:22.04 | ubuntu:24.04) printf '%s\n' "${DEBIAN_PACKAGES[@]}" | grep -vx chromium ;;
    *)
      echo "setup: $id $version is not a distribution this script knows (Debian 12, Ubuntu 22.04/24.04, JetPack 5/6)." >&2
      echo "setup: install the equivalents of these Debian 12 packages, then run ARCEDGE_SKIP_APT=1 $0: ${DEBIAN_PACKAGES[*]}" >&2
      return 1 ;;
  esac
}

if [ "${1:-}" = "--print-packages" ]; then
  apt_packages
  exit $?
fi

if [ "${ARCEDGE_SKIP_APT:-0}" != "1" ]; then
  mapfile -t APT_PACKAGES < <(apt_packages)
  [ "${#APT_PACKAGES[@]}" -gt 0 ] || exit 1 # apt_packages said why
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "setup: system packages already installed"
  fi
fi

# Node >= 20.15 is required (node:test features, global fetch, zlib.crc32).
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 15) ? 0 : 1)'; then
  echo "setup: Node.js >= 20.15 is required (found $(node --version)). Install it from https://nodejs.org or NodeSource." >&2
  exit 1
fi

# C++20 for native addons (better-sqlite3 12 compiles with -std=c++20; Node >= 23 adds
# -std=gnu++20): JetPack 5's g++ 9 knows neither, so take g++-10 or newer when g++ fails.
if ! echo 'int main() { return 0; }' | "${CXX:-g++}" -std=gnu++20 -x c++ -o /dev/null - >/dev/null 2>&1; then
  for cxx in g++-10 g++-11 g++-12 g++-13 g++-14; do
    if command -v "$cxx" >/dev/null 2>&1 && echo 'int main() { return 0; }' | "$cxx" -std=gnu++20 -x c++ -o /dev/null - >/dev/null 2>&1; then
      export CXX="$cxx" CC="${cxx/g++/gcc}"
      echo "setup: g++ cannot compile C++20; native addons build with $CXX"
      break
    fi
  done
fi

# onnxruntime-node's postinstall downloads CUDA binaries from outside the npm registry; the
# CPU binary ships inside the package, so skip that download.
export ONNXRUNTIME_NODE_INSTALL=skip
# @u4/opencv4nodejs (a devDependency here; an optional peer for users, who run `npx arcedge
# setup` instead: docs/install.md) must link the system OpenCV instead of building its own
# (which downloads sources); these are read at install time only, a package.json section is not.
export OPENCV4NODEJS_DISABLE_AUTOBUILD=1
export OPENCV_INCLUDE_DIR=/usr/include/opencv4
OPENCV_LIB_DIR=$(dirname "$(find /usr/lib -name 'libopencv_core.so' -print -quit 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/libopencv_core.so)")
export OPENCV_LIB_DIR
export OPENCV_BIN_DIR=/usr/bin
# Compile native addons on every core (node-gyp reads JOBS); the OpenCV binding is ~60 files.
export JOBS=max

# `npm ci` wipes node_modules, so only run it when the lockfile changed since the last
# successful install (the OpenCV binding takes minutes to compile).
stamp=node_modules/.arcedge-setup-stamp
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d node_modules/@u4/opencv4nodejs ]; then
  echo "setup: node modules up to date"
else
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
echo "setup: done. Try: npm start (the agent on embedded defaults, printing recognition events), or npm run arcedge -- demo photo.jpg"
