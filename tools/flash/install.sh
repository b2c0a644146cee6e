#!/bin/sh
# arcedge device installer: what `arcedge flash` runs on the device over SSH, and what
# `arcedge flash --out bundle.tar.gz` ships as an offline installer. POSIX sh, idempotent:
# run it again to upgrade; the data folder (config, gallery, keys, caches) is kept.
#
#   sh install.sh [--dir /opt/arcedge] [--no-service] [--node /path/to/node] [--check] [--need-kb N] [--config-only]
#
# --check only probes the device (what `arcedge flash` does before copying anything) and prints
# ARCEDGE_PROBE key=value lines; --config-only re-writes config, keys and the gallery key only
# (no code is touched or run). Failures print one `ARCEDGE_ERROR <CODE> <message>` line that
# `arcedge flash` turns into an error with a fix; exit status 3 for an unsuitable device, 1 else.
set -eu

DIR=/opt/arcedge
SERVICE=1
CHECK=0
CONFIG_ONLY=0
NODE=
NEED_KB=
MIN_NODE=20.15
BUNDLE=$(cd "$(dirname "$0")" && pwd)

while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR=$2; shift 2 ;;
    --no-service) SERVICE=0; shift ;;
    --check) CHECK=1; shift ;;
    --config-only) CONFIG_ONLY=1; shift ;;
    --node) NODE=$2; shift 2 ;;
    --need-kb) NEED_KB=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$DIR" in /*) ;; *) DIR=$(pwd)/$DIR ;; esac

say() { echo "arcedge-install: $*"; }
fail() { # code, message: one machine-readable line, then a human one
  echo "ARCEDGE_ERROR $1 $2"
  echo "arcedge-install: FAILED: $2" >&2
  exit "${3:-3}"
}

refuse_link() { # path: fail if it is a symbolic link (something planted it)
  if [ -L "$1" ]; then fail UNSAFE_PATH "$1 is a symbolic link; an install never follows links under $DIR" 1; fi
}

# --- config, keys and the gallery key (secrets 0600), also alone with --config-only ----------
install_config() {
# Written in a fresh root-owned folder, then moved in with mv -T: a rename replaces whatever
# name the service account left there (a link included) and never writes through it.
umask 077
stage=$(mktemp -d "$DIR/.install-stage.XXXXXX")
place() { # staged file, target: target must not be a folder; the rename is atomic
  refuse_link "$(dirname "$2")"
  [ -d "$2" ] && [ ! -L "$2" ] && fail UNSAFE_PATH "$2 is a folder, not a file" 1
  mv -fT "$1" "$2"
}
if [ -f "$BUNDLE/config/agent.yaml" ]; then
  cp "$BUNDLE/config/agent.yaml" "$stage/agent.yaml"
  chmod 600 "$stage/agent.yaml"
  place "$stage/agent.yaml" "$DIR/data/agent.yaml"
  say "config: $DIR/data/agent.yaml (0600)"
fi
for key in "$BUNDLE"/keys/*.pem; do
  [ -f "$key" ] || continue
  cp "$key" "$stage/key.pem"
  chmod 600 "$stage/key.pem"
  place "$stage/key.pem" "$DIR/data/keys/$(basename "$key")"
  say "trusted key: $DIR/data/keys/$(basename "$key")"
done
# The gallery key (--gallery-key-file on the host): a systemd credential, never in the config
# or the unit. Stored root-only in $DIR/credentials; systemd hands it to the service as
# $CREDENTIALS_DIRECTORY/gallery-key (LoadCredential=), and the launcher points
# ARCEDGE_GALLERY_KEY_FILE at it. Without systemd the launcher reads it from the same file.
GALLERY_KEY_CRED=
if [ -f "$BUNDLE/credentials/gallery-key" ]; then
  refuse_link "$DIR/credentials"
  mkdir -p "$DIR/credentials"
  chmod 700 "$DIR/credentials"
  cp "$BUNDLE/credentials/gallery-key" "$stage/gallery-key"
  chmod 600 "$stage/gallery-key"
  place "$stage/gallery-key" "$DIR/credentials/gallery-key"
  GALLERY_KEY_CRED="$DIR/credentials/gallery-key"
  say "gallery key: $GALLERY_KEY_CRED (root, 0600; LoadCredential=gallery-key)"
elif [ -f "$DIR/credentials/gallery-key" ]; then
  GALLERY_KEY_CRED="$DIR/credentials/gallery-key"
fi
rm -rf "$stage"
umask 022
}

if [ "$CONFIG_ONLY" = 1 ]; then
  # Re-writes config, keys and the gallery key from the bundle: no code is touched or run.
  for p in "$DIR" "$DIR/data" "$DIR/data/keys"; do refuse_link "$p"; done
  [ -d "$DIR/data/keys" ] || fail CONFIG_MISSING "no install at $DIR (run install.sh without --config-only first)" 1
  install_config
  say "config-only: done"
  exit 0
fi

# --- 1. probe -----------------------------------------------------------------------------
[ -n "$NODE" ] || NODE=$(command -v node 2>/dev/null || true)
[ -n "$NODE" ] && [ -x "$NODE" ] || fail NODE_MISSING "no node at ${NODE:-any folder of this session's PATH ($PATH)}"
NODE_VERSION=$("$NODE" -p 'process.versions.node')
if ! "$NODE" -e "const [a,b]=process.versions.node.split('.').map(Number);const [x,y]='$MIN_NODE'.split('.').map(Number);process.exit(a>x||(a===x&&b>=y)?0:1)"; then
  fail NODE_TOO_OLD "node $NODE_VERSION at $NODE is older than $MIN_NODE"
fi
# The chosen node first on PATH: npm, node-gyp, build.sh and binding.gyp's `node -p` then run
# the same Node (and ABI) as the agent, not whichever one the ssh session's PATH finds first.
PATH="$(dirname "$NODE"):$PATH"
export PATH
NODE_ARCH=$("$NODE" -p 'process.arch')
NODE_ABI=$("$NODE" -p 'process.versions.modules')
KEY="linux-$NODE_ARCH-node$NODE_ABI"

# OpenCV: the shared library the binding links against (libopencv-dev or JetPack's build).
OPENCV_LIB=$( (ldconfig -p 2>/dev/null | grep -o '/[^ ]*libopencv_core\.so[.0-9]*$' ; \
  find /usr/lib /usr/local/lib /usr/lib64 -maxdepth 3 -name 'libopencv_core.so*' 2>/dev/null) | head -n 1 || true)
[ -n "$OPENCV_LIB" ] || fail OPENCV_MISSING "no libopencv_core.so found (ldconfig -p, /usr/lib, /usr/local/lib)"
OPENCV_VERSION=$(pkg-config --modversion opencv4 2>/dev/null || basename "$(readlink -f "$OPENCV_LIB")" | sed -n 's/^libopencv_core\.so\.\([0-9.]*\)$/\1/p')

TRT_HEADER=
for d in "/usr/include/$(uname -m)-linux-gnu" /usr/include /usr/local/include "${TENSORRT_ROOT:-/nonexistent}/include"; do
  if [ -f "$d/NvInfer.h" ]; then TRT_HEADER=$d/NvInfer.h; break; fi
done
SYSTEMD=0
[ -d /run/systemd/system ] && SYSTEMD=1

# C++20: better-sqlite3 12 compiles with -std=c++20 and Node >= 23 adds -std=gnu++20 to every
# addon; GCC 9 (Ubuntu 20.04, JetPack 5) knows neither (only c++2a). Take the first compiler that
# does: $CXX, g++, then g++-10.. (Ubuntu 20.04 has g++-10 in its archive). Native builds below
# use it (CXX/CC); with none, they fail naming the fix. The TensorRT addon builds as C++17.
CXX20=
for cxx in ${CXX:-} g++ g++-10 g++-11 g++-12 g++-13 g++-14; do
  command -v "$cxx" >/dev/null 2>&1 || continue
  if echo 'int main() { return 0; }' | "$cxx" -std=gnu++20 -x c++ -o /dev/null - >/dev/null 2>&1; then CXX20=$cxx; break; fi
done
CXX_DEFAULT=$(g++ -dumpfullversion 2>/dev/null || g++ -dumpversion 2>/dev/null || echo none)
if [ -n "$CXX20" ] && [ "$CXX20" != g++ ]; then
  CXX=$CXX20
  CC=$(echo "$CXX20" | sed 's/g++/gcc/')
  command -v "$CC" >/dev/null 2>&1 || CC=gcc
  export CXX CC
fi
# Capture programs: the agent runs these per camera; JetPack's hardware path is GStreamer's
# nv* elements (Ubuntu's ffmpeg decodes on the CPU only on a Jetson).
FFMPEG=$(command -v ffmpeg 2>/dev/null || true)
FFPROBE=$(command -v ffprobe 2>/dev/null || true)
GST=$(command -v gst-launch-1.0 2>/dev/null || true)
GST_NV=
if command -v gst-inspect-1.0 >/dev/null 2>&1; then
  for element in nvarguscamerasrc nvv4l2decoder nvvidconv; do
    gst-inspect-1.0 "$element" >/dev/null 2>&1 && GST_NV="$GST_NV${GST_NV:+,}$element"
  done
fi

# Free space where DIR will be (its nearest existing ancestor).
probe_dir=$DIR
while [ ! -d "$probe_dir" ]; do probe_dir=$(dirname "$probe_dir"); done
FREE_KB=$(df -Pk "$probe_dir" | awk 'NR==2 {print $4}')
[ -n "$NEED_KB" ] || NEED_KB=$(( $(du -sk "$BUNDLE" | awk '{print $1}') * 2 ))
[ "$FREE_KB" -ge "$NEED_KB" ] || fail DISK_FULL "only $FREE_KB kB free on $probe_dir (for $DIR); the install needs about $NEED_KB kB"

if [ "$CHECK" = 1 ]; then
  for kv in "node=$NODE" "node_version=$NODE_VERSION" "arch=$NODE_ARCH" "abi=$NODE_ABI" "key=$KEY" \
    "opencv_lib=$OPENCV_LIB" "opencv_version=$OPENCV_VERSION" "tensorrt=$TRT_HEADER" "systemd=$SYSTEMD" \
    "free_kb=$FREE_KB" "uid=$(id -u)" "cxx20=$CXX20" "gcc=$CXX_DEFAULT" \
    "ffmpeg=$FFMPEG" "ffprobe=$FFPROBE" "gst=$GST" "gst_nv=$GST_NV" "npm=$(command -v npm 2>/dev/null || true)" \
    "config=$([ -f "$DIR/data/agent.yaml" ] && echo 1 || echo 0)" "writable=$([ -w "$probe_dir" ] && echo 1 || echo 0)" "sudo=$(sudo -n true 2>/dev/null && echo 1 || echo 0)"; do
    echo "ARCEDGE_PROBE $kv"
  done
  exit 0
fi
[ -f "$BUNDLE/config/agent.yaml" ] || [ -f "$DIR/data/agent.yaml" ] || fail CONFIG_MISSING "no config in the bundle and none at $DIR/data/agent.yaml" 1
say "device: node $NODE_VERSION ($KEY), OpenCV ${OPENCV_VERSION:-?} ($OPENCV_LIB), ${FREE_KB} kB free, systemd: $SYSTEMD"

# --- 2. the application (code only; staged in app.new, swapped in at the end) ---------------
# Privilege boundary (docs/security.md): this script runs as root, and data/ belongs to the
# service account, which anyone who compromises the agent controls. So root never loads code
# from data/ (the OpenCV binding lives in the root-owned $DIR/cache, outside ReadWritePaths),
# never follows a link there (config and keys are written into a root-owned staging folder and
# moved in; a planted link is replaced, not written through), and chowns only runtime folders.
for p in "$DIR" "$DIR/data" "$DIR/data/keys" "$DIR/cache" "$DIR/bin"; do refuse_link "$p"; done
mkdir -p "$DIR" "$DIR/data/keys" "$DIR/data/cache" "$DIR/cache" "$DIR/bin"
chmod 700 "$DIR/data" # the gallery (face crops and embeddings) and the config live here
chmod 755 "$DIR/cache"
if [ "$(id -u)" = 0 ]; then chown -h root:root "$DIR/cache" "$DIR/bin"; fi
# An earlier install kept its OpenCV build in data/cache/opencv: never reuse it (the service
# could have replaced it); the shipped build or a fresh `arcedge setup` goes to $DIR/cache.
say "installing the agent into $DIR/app"
rm -rf "$DIR/app.new"
cp -R "$BUNDLE/app" "$DIR/app.new"

# --- 3. native modules: the host's build when it matches and loads, else npm on the device -
load_check() { # package name, JS expression using m (the module)
  (cd "$DIR/app.new" && "$NODE" -e "const m=require('$1'); $2" >/dev/null 2>&1)
}
if [ -d "$BUNDLE/native/$KEY" ]; then
  say "native modules: using the prebuilt ones for $KEY"
  cp -R "$BUNDLE/native/$KEY/node_modules/." "$DIR/app.new/node_modules/"
fi
if ! load_check better-sqlite3 "new m(':memory:').close()"; then
  command -v npm >/dev/null 2>&1 || fail NPM_MISSING "better-sqlite3 must be built on this device, and npm is not on PATH"
  [ -n "$CXX20" ] || fail CXX20_MISSING "better-sqlite3 must be built on this device and needs a C++20 compiler (GCC >= 10); g++ here is $CXX_DEFAULT" 1
  say "native modules: building better-sqlite3 with npm on the device (a minute or two)"
  rm -rf "$DIR/native-build"
  mkdir -p "$DIR/native-build"
  (cd "$DIR/native-build" && echo '{"private":true,"allowScripts":{"better-sqlite3":true}}' > package.json && \
    npm install "better-sqlite3@@BETTER_SQLITE3_VERSION@" --no-save --no-audit --no-fund --omit=dev) || fail NATIVE_BUILD_FAILED "npm install better-sqlite3 failed (needs build-essential python3)" 1
  cp -R "$DIR/native-build/node_modules/." "$DIR/app.new/node_modules/"
  rm -rf "$DIR/native-build"
  load_check better-sqlite3 "new m(':memory:').close()" || fail NATIVE_BUILD_FAILED "better-sqlite3 was built but does not load" 1
fi
load_check onnxruntime-node "m.listSupportedBackends && m.listSupportedBackends()" || \
  fail NATIVE_BUILD_FAILED "onnxruntime-node does not load on $KEY (the bundle holds linux x64 and arm64 binaries)" 1
say "native modules: better-sqlite3 and onnxruntime-node load"

# --- 4. OpenCV binding: a shipped build when it loads here, else `arcedge setup` builds one ---
export ARCEDGE_HOME="$DIR/cache" ARCEDGE_OPENCV_HOME="$DIR/cache"
export OPENCV4NODEJS_DISABLE_AUTOBUILD=1
BINDING_KEY="opencv4nodejs-@OPENCV_BINDING_VERSION@-node$NODE_ABI-linux-$NODE_ARCH"
if [ -d "$BUNDLE/opencv/$BINDING_KEY" ] && [ ! -d "$ARCEDGE_HOME/opencv/$BINDING_KEY" ]; then
  staged="$ARCEDGE_HOME/opencv/$BINDING_KEY.shipped"
  rm -rf "$staged"
  mkdir -p "$ARCEDGE_HOME/opencv"
  cp -R "$BUNDLE/opencv/$BINDING_KEY" "$staged"
  pkg="$staged/node_modules/@u4/opencv4nodejs"
  if "$NODE" -e "const r=require('node:module').createRequire('$pkg/package.json'); try{r('@u4/opencv-build').Log.silence=true}catch{}; const v=r('$pkg').cv.version; console.log('arcedge-install: shipped OpenCV binding loads (OpenCV '+[v.major,v.minor,v.revision].join('.')+')')"; then
    mv "$staged" "$ARCEDGE_HOME/opencv/$BINDING_KEY"
  else
    say "the shipped OpenCV binding does not load here; building one instead"
    rm -rf "$staged"
  fi
fi
say "OpenCV binding: arcedge setup (keeps a binding that loads, else compiles one: minutes)"
"$NODE" "$DIR/app.new/dist/bin/arcedge.js" setup || fail OPENCV_BUILD_FAILED "arcedge setup failed (see its output above)" 1

# --- 5. TensorRT addon, only where TensorRT is installed ------------------------------------
TRT_ENV=
if [ -n "$TRT_HEADER" ] && [ -f "$DIR/app.new/sdk/native/tensorrt/build.sh" ]; then
  say "TensorRT found ($TRT_HEADER): building the TensorRT addon"
  if bash "$DIR/app.new/sdk/native/tensorrt/build.sh" --node "$NODE"; then
    TRT_ENV="ARCEDGE_TENSORRT_ADDON=$DIR/app/sdk/native/tensorrt/build/Release/arcedge_tensorrt.node"
    echo "ARCEDGE_TENSORRT built"
  else
    say "WARNING: the TensorRT addon did not build; the agent runs on onnxruntime (CPU)"
    echo "ARCEDGE_TENSORRT failed"
  fi
else
  say "TensorRT not found (no NvInfer.h): skipped the TensorRT addon; inference runs on onnxruntime"
  echo "ARCEDGE_TENSORRT skipped"
fi

# Every step that can fail has run: swap the new code in (the old one goes only once the new
# one is in place). A failure above left the previous install untouched.
if [ -d "$DIR/app" ]; then mv "$DIR/app" "$DIR/app.old"; fi
mv "$DIR/app.new" "$DIR/app"
rm -rf "$DIR/app.old"

# --- 6. config, keys and the gallery key ---------------------------------------------------
install_config

# --- 7. launcher and systemd unit -------------------------------------------------------------
cat > "$DIR/bin/arcedge-agent" <<LAUNCHER
#!/bin/sh
# Written by install.sh: starts the agent with its install's environment. ARCEDGE_HOME (models,
# TensorRT engines) is the service's writable data/cache; the OpenCV binding (code) is loaded
# only from the root-owned $DIR/cache.
export ARCEDGE_HOME="$DIR/data/cache" ARCEDGE_OPENCV_HOME="$DIR/cache" OPENCV4NODEJS_DISABLE_AUTOBUILD=1 $TRT_ENV
if [ -n "\${CREDENTIALS_DIRECTORY:-}" ] && [ -f "\$CREDENTIALS_DIRECTORY/gallery-key" ]; then
  export ARCEDGE_GALLERY_KEY_FILE="\$CREDENTIALS_DIRECTORY/gallery-key"
elif [ -n "$GALLERY_KEY_CRED" ] && [ -r "$GALLERY_KEY_CRED" ]; then
  export ARCEDGE_GALLERY_KEY_FILE="$GALLERY_KEY_CRED"
fi
# The install's node first: anything the agent starts by name (npm, node) is the same Node.
export PATH="$(dirname "$NODE"):\$PATH"
exec "$NODE" "$DIR/app/dist/bin/arcedge-agent.js" --config "$DIR/data/agent.yaml" "\$@"
LAUNCHER
chmod 755 "$DIR/bin/arcedge-agent"

UNIT_USER=arcedge
CREDENTIAL_LINE=
[ -n "$GALLERY_KEY_CRED" ] && CREDENTIAL_LINE="LoadCredential=gallery-key:$GALLERY_KEY_CRED"
# One function writes the unit: test/flash/unit.e2e.test.ts renders and verifies this same text.
write_unit() {
cat <<UNIT
[Unit]
Description=arcedge face recognition agent
Wants=network-online.target
# nvargus-daemon serves CSI cameras (csi://); ordering only, it need not exist.
After=network-online.target nvargus-daemon.service

[Service]
Type=simple
ExecStart=$DIR/bin/arcedge-agent
User=$UNIT_USER
Group=$UNIT_USER
# video: cameras and the Jetson GPU nodes; render: JetPack 6 gives CUDA's nodes to render.
SupplementaryGroups=video render
Restart=on-failure
RestartSec=5
TimeoutStopSec=20
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=$DIR/data
# The agent's own temporary files stay in its 0700 data folder (ProtectSystem=strict leaves /tmp read-only).
Environment=TMPDIR=$DIR/data/tmp
${CREDENTIAL_LINE:-}
ProtectHome=yes
# Not PrivateTmp: nvargus-daemon listens on /tmp/argus_socket, and a private /tmp hides it
# ("Connecting to nvargus-daemon failed" under the service only). Connecting to a socket is
# allowed on the read-only /tmp that ProtectSystem=strict leaves.
PrivateTmp=no
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
CapabilityBoundingSet=
UMask=0077
# Not set: PrivateDevices (cameras and the Jetson GPU are device nodes), MemoryDenyWriteExecute
# (V8's JIT), ProtectClock (before systemd 252 it implies DeviceAllow=char-rtc, which closes
# every other device, cameras included: systemd/systemd#18142; JetPack 5/6 run 245/249).

[Install]
WantedBy=multi-user.target
UNIT
}
write_unit > "$DIR/arcedge-agent.service"
mkdir -p "$DIR/data/tmp"
say "systemd unit: $DIR/arcedge-agent.service"

if [ "$SERVICE" = 1 ] && [ "$SYSTEMD" = 1 ] && [ "$(id -u)" = 0 ]; then
  case "$NODE" in
    /home/*|/root/*) say "WARNING: node is $NODE, under a home folder: the service (ProtectHome=yes, user $UNIT_USER) cannot run it; install Node.js system-wide (e.g. NodeSource's apt package) and flash again" ;;
  esac
  if ! id "$UNIT_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir "$DIR/data" --shell /usr/sbin/nologin "$UNIT_USER"
    say "created system user $UNIT_USER"
  fi
  getent group video >/dev/null 2>&1 || groupadd --system video
  # systemd refuses to start a unit whose SupplementaryGroups names a missing group.
  getent group render >/dev/null 2>&1 || groupadd --system render
  # Only the runtime folder, without following links (-h on each, -P for the walk): a link the
  # service planted must not hand it ownership of a file elsewhere.
  chown -hRP "$UNIT_USER:$UNIT_USER" "$DIR/data"
  # The GPU as the service will see it (its user, video + render): an addon that loads for root
  # but finds no CUDA device for the service would put every model on the CPU with one log line.
  if [ -n "$TRT_ENV" ] && command -v setpriv >/dev/null 2>&1; then
    gpu=$(setpriv --reuid="$UNIT_USER" --regid="$UNIT_USER" --groups=video,render -- "$NODE" -e \
      "const a=require('$DIR/app/sdk/native/tensorrt/build/Release/arcedge_tensorrt.node').info(); if (!a.devices.length) { console.log('none: ' + (a.deviceError || 'no CUDA device')); process.exit(1) } console.log(a.devices[0].name)" 2>&1) ||
      fail GPU_NOT_VISIBLE "the TensorRT addon loads, but user $UNIT_USER (groups video, render) sees no CUDA device: $gpu" 1
    say "GPU visible to $UNIT_USER: $gpu"
  fi
  cp "$DIR/arcedge-agent.service" /etc/systemd/system/arcedge-agent.service
  systemctl daemon-reload
  systemctl enable arcedge-agent.service
  systemctl restart arcedge-agent.service
  say "service arcedge-agent enabled and (re)started"
  echo "ARCEDGE_SERVICE started"
else
  why="--no-service"
  [ "$SERVICE" = 1 ] && why="no systemd running"
  [ "$SERVICE" = 1 ] && [ "$SYSTEMD" = 1 ] && why="not root"
  say "service not installed ($why); start the agent with: $DIR/bin/arcedge-agent"
  echo "ARCEDGE_SERVICE not-installed"
fi
say "done"
