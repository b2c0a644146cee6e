#!/usr/bin/env bash
# One-command setup for a fresh Debian/Ubuntu machine (x86_64 or a Jetson, arm64).
# Idempotent: safe to run again; apt and `npm ci` skip what is already in place.
#
#   ./scripts/setup.sh            system packages + node modules
#   ARCEDGE_SKIP_APT=1 ./scripts/setup.sh   node modules only (no root needed)
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: OpenCV 4.6 headers/libs for @u4/opencv4nodejs, OpenCV's data files,
# mosquitto (tests and a standalone broker), ffmpeg + GStreamer plugins for video files and
# RTSP (decoding mp4 through GStreamer needs plugins-good and libav), python3-skimage for the
# alignment reference test, build tools for native addons; mosquitto-clients for the README's
# mosquitto_sub/mosquitto_pub lines, systemd for `systemd-analyze verify` of the flashed unit,
# openssl for the HTTPS and signing tests (with CI=true a test that skips for want of one fails).
APT_PACKAGES=(
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

if [ "${ARCEDGE_SKIP_APT:-0}" != "1" ]; then
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
