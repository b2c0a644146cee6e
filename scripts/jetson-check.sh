#!/usr/bin/env bash
# The first thing to run on a real Jetson (Orin, JetPack 5 or 6): what arcedge needs from the
# device, checked one line at a time, into one report file. Nothing in it has run on a device
# yet (docs/jetson.md says what each line means and what to send back).
#
#   sudo ./scripts/jetson-check.sh [--report FILE] [--no-csi] [--no-rtsp] [--rtsp URL] [--codec h264|h265|auto]
#
# Run it from a checkout after ./scripts/setup.sh (node modules, ../shared/assets beside the
# checkout for the models and dev faces). As root it also loads the TensorRT addon as the
# service user (ARCEDGE_SERVICE_USER, default arcedge, else nobody) with and without the render
# group. It builds the addon first when it is missing (npm run build:tensorrt).
#
# Each line: PASS | FAIL | WARN | INFO | SKIP, a name, a colon, the facts. Exit status: the
# number of FAIL lines (0 = everything that ran passed).
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

report="jetson-check-$(hostname)-$(date -u +%Y%m%dT%H%M%SZ).txt"
csi=1
rtsp=1
rtsp_url=
codec=h264
while [ $# -gt 0 ]; do
  case "$1" in
    --report) report=$2; shift 2 ;;
    --no-csi) csi=0; shift ;;
    --no-rtsp) rtsp=0; shift ;;
    --rtsp) rtsp_url=$2; shift 2 ;;
    --codec) codec=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "jetson-check: unknown option $1" >&2; exit 2 ;;
  esac
done
: >"$report"
fails=0
line() { # status, name, text
  printf '%-4s %s: %s\n' "$1" "$2" "$3" | tee -a "$report"
  [ "$1" = FAIL ] && fails=$((fails + 1))
  return 0
}
# Lines printed by a helper (already in the format) go to the report and are counted; fed with
# `collect < <(...)`, not a pipe, so the count survives (a pipe runs it in a subshell).
collect() {
  while IFS= read -r l; do
    echo "$l" | tee -a "$report"
    case "$l" in FAIL*) fails=$((fails + 1)) ;; esac
  done
}
first() { head -n 1 | tr -s ' \t' ' '; }

line INFO report "$(readlink -f "$report"), $(date -u +%FT%TZ), arcedge $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"

# --- 1. versions --------------------------------------------------------------------------------
if [ -f /etc/nv_tegra_release ]; then
  line INFO l4t "$(first </etc/nv_tegra_release)"
else
  line FAIL l4t "no /etc/nv_tegra_release: this is not a Jetson (L4T), or its release file is missing"
fi
line INFO jetpack "$(dpkg-query -W -f='${Version}' nvidia-jetpack 2>/dev/null || echo 'nvidia-jetpack not installed (apt show nvidia-jetpack)')"
line INFO model "$(cat /proc/device-tree/model 2>/dev/null | tr -d '\0' || true); $(nproc) cores; $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM"
line INFO os "$(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r), $(uname -m)"
trt_pkgs=$(dpkg-query -W -f='${Package} ${Version}\n' 'libnvinfer[0-9]*' 'libnvinfer-dev' 'libnvonnxparsers*' 'libnvinfer-plugin*' 2>/dev/null | grep -v '^$' | tr '\n' ';')
line INFO tensorrt "${trt_pkgs:-no libnvinfer package (apt-get install nvidia-tensorrt-dev)}"
nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
line INFO cuda "$([ -x "$nvcc" ] && "$nvcc" --version | grep -o 'release [0-9.]*, V[0-9.]*' || echo 'no nvcc (CUDA toolkit: apt-get install nvidia-cuda-dev)')"
line INFO opencv "$(pkg-config --modversion opencv4 2>/dev/null || echo 'no opencv4.pc (libopencv-dev)'); $(dpkg-query -W -f='${Package} ${Version}' libopencv-dev 2>/dev/null || true)"
node_bin=$(command -v node || true)
if [ -n "$node_bin" ]; then
  line INFO node "$("$node_bin" -v) at $node_bin (ABI $("$node_bin" -p process.versions.modules)); npm $(npm -v 2>/dev/null || echo missing)"
else
  line FAIL node "no node on PATH"
fi
line INFO gstreamer "$(gst-launch-1.0 --version 2>/dev/null | first || echo 'no gst-launch-1.0 (gstreamer1.0-tools)')"
for element in nvarguscamerasrc nvv4l2decoder nvvidconv nvv4l2h264enc; do
  if gst-inspect-1.0 "$element" >/dev/null 2>&1; then line PASS "gst $element" "present"
  elif [ "$element" = nvv4l2h264enc ]; then line INFO "gst $element" "absent (the Orin Nano has no NVENC; only the RTSP test stream would use it)"
  else line FAIL "gst $element" "absent: csi:// and decoder jetson need it (apt-get install nvidia-l4t-gstreamer)"; fi
done
if command -v ffmpeg >/dev/null 2>&1; then
  line INFO ffmpeg "$(ffmpeg -hide_banner -version | first); hwaccels: $(ffmpeg -hide_banner -hwaccels 2>/dev/null | tail -n +2 | tr '\n' ' ')(Ubuntu's ffmpeg decodes on the CPU here: use decoder jetson)"
else
  line WARN ffmpeg "missing: decoder software and size probing need ffmpeg/ffprobe (apt-get install ffmpeg)"
fi

# --- 2. C++20 toolchain (better-sqlite3 12: -std=c++20; Node >= 23 adds -std=gnu++20) -----------------
cxx20=
for cxx in ${CXX:-} g++ g++-10 g++-11 g++-12 g++-13; do
  command -v "$cxx" >/dev/null 2>&1 || continue
  if echo 'int main() { return 0; }' | "$cxx" -std=gnu++20 -x c++ -o /dev/null - >/dev/null 2>&1; then cxx20=$cxx; break; fi
done
gxx=$(g++ -dumpfullversion 2>/dev/null || echo none)
if [ "$cxx20" = g++ ]; then line PASS "c++20" "g++ $gxx compiles -std=gnu++20"
elif [ -n "$cxx20" ]; then line PASS "c++20" "g++ $gxx cannot; $cxx20 can (setup.sh and install.sh use it as CXX)"
else line FAIL "c++20" "no compiler takes -std=gnu++20 (g++ $gxx): apt-get install g++-10 (JetPack 5 / Ubuntu 20.04)"; fi

# --- 3. the TensorRT addon, as the service user -------------------------------------------------
addon="$repo/sdk/native/tensorrt/build/Release/arcedge_tensorrt.node"
if [ ! -f "$addon" ]; then
  started=$(date +%s)
  if npm run -s build:tensorrt >"$report.build.log" 2>&1; then line PASS "addon build" "built in $(( $(date +%s) - started )) s ($addon)"
  else line FAIL "addon build" "npm run build:tensorrt failed after $(( $(date +%s) - started )) s; last lines: $(tail -n 5 "$report.build.log" | tr '\n' ' ')"; fi
else
  line INFO "addon build" "present: $addon ($(date -r "$addon" +%F))"
fi
probe_addon='const a = require(process.argv[1]).info(); const d = a.devices[0]; console.log(d ? `${d.name} cc ${d.computeCapability} ${d.multiProcessorCount ?? "?"} SMs ${(d.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB; TensorRT ${a.tensorrtVersion}, CUDA runtime ${a.cudaRuntimeVersion} driver ${a.cudaDriverVersion}, DLA cores ${a.dlaCores}` : `no CUDA device: ${a.deviceError ?? "cudaGetDeviceCount returned 0"}`); process.exit(d ? 0 : 1)'
if [ -f "$addon" ]; then
  out=$("$node_bin" -e "$probe_addon" "$addon" 2>&1)
  if [ $? -eq 0 ]; then line PASS "addon as $(id -un)" "$out"; else line FAIL "addon as $(id -un)" "$out"; fi
  if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    user=${ARCEDGE_SERVICE_USER:-arcedge}
    id "$user" >/dev/null 2>&1 || user=nobody
    group=$(id -gn "$user")
    for groups in video video,render; do
      if ! getent group "${groups##*,}" >/dev/null 2>&1; then line WARN "addon as $user +$groups" "no group ${groups##*,} on this system"; continue; fi
      out=$(setpriv --reuid="$user" --regid="$group" --groups="$groups" -- "$node_bin" -e "$probe_addon" "$addon" 2>&1)
      rc=$?
      # Without render a failure is information (JetPack 5 needs only video); with both it is the unit's setup.
      if [ $rc -eq 0 ]; then line PASS "addon as $user +$groups" "$out"
      elif [ "$groups" = video ]; then line INFO "addon as $user +$groups" "$out (expected on JetPack 6 if CUDA's nodes belong to render)"
      else line FAIL "addon as $user +$groups" "$out (the service has exactly these groups: it would run on the CPU)"; fi
    done
    line INFO "gpu device nodes" "$(ls -l /dev/nvhost-ctrl-gpu /dev/nvmap /dev/nvgpu/igpu0/* /dev/dri/renderD* 2>/dev/null | awk '{print $1, $3, $4, $NF}' | tr '\n' ';' | head -c 600)"
  else
    line SKIP "addon as the service user" "run as root (sudo) to load it as ${ARCEDGE_SERVICE_USER:-arcedge} with video and with video+render"
  fi
fi

# --- 4. engines: det_500m and fr_feature_512, FP16, against onnxruntime CPU ---------------------
if [ -f "$addon" ]; then
  collect < <(node --import tsx scripts/jetson-check/engines.ts 2>>"$report.stderr")
else
  line SKIP engines "no addon"
fi

# --- 5. capture through the agent's own commands (frames on fd 3) -------------------------------
if [ "$csi" = 1 ]; then
  if [ -S /tmp/argus_socket ] || systemctl is-active --quiet nvargus-daemon 2>/dev/null; then
    collect < <(node --import tsx scripts/jetson-check/capture.ts csi://0 --frames 60 --width 1280 --height 720 --fps 30 2>>"$report.stderr")
  else
    line FAIL "capture csi://0" "nvargus-daemon is not running (systemctl status nvargus-daemon): no CSI camera can open"
  fi
fi
if [ "$rtsp" = 1 ]; then
  if [ -n "$rtsp_url" ]; then
    collect < <(node --import tsx scripts/jetson-check/capture.ts "$rtsp_url" --frames 60 --codec "$codec" 2>>"$report.stderr")
  else
    port=$(( 20000 + RANDOM % 20000 ))
    fifo=$(mktemp -u)
    mkfifo "$fifo"
    /usr/bin/python3 scripts/jetson-check/rtsp-server.py "$port" >"$fifo" 2>>"$report.stderr" &
    server=$!
    read -r -t 20 ready encoder <"$fifo" || ready=timeout
    rm -f "$fifo"
    if [ "$ready" = ready ]; then
      line INFO "rtsp test stream" "rtsp://127.0.0.1:$port/cam, 1280x720 30 fps H.264 from $encoder"
      collect < <(node --import tsx scripts/jetson-check/capture.ts "rtsp://127.0.0.1:$port/cam" --frames 60 --codec h264 2>>"$report.stderr")
      collect < <(node --import tsx scripts/jetson-check/capture.ts "rtsp://127.0.0.1:$port/cam" --frames 60 --codec auto 2>>"$report.stderr")
    else
      line FAIL "rtsp test stream" "did not start ($ready${encoder:+ $encoder}): needs python3-gi gir1.2-gst-rtsp-server-1.0 and an H.264 encoder (gstreamer1.0-plugins-ugly for x264enc); or pass --rtsp rtsp://<camera>"
    fi
    kill "$server" 2>/dev/null
    wait "$server" 2>/dev/null
  fi
fi

# --- 6. the service unit's view ----------------------------------------------------------------
if [ -f /etc/systemd/system/arcedge-agent.service ]; then
  line INFO "service unit" "$(grep -E '^(SupplementaryGroups|PrivateTmp|After)=' /etc/systemd/system/arcedge-agent.service | tr '\n' ' ')"
  line INFO "service state" "$(systemctl is-active arcedge-agent 2>/dev/null); last lines: $(journalctl -u arcedge-agent -n 3 --no-pager 2>/dev/null | tail -n 3 | tr '\n' ' ' | head -c 400)"
else
  line INFO "service unit" "not installed (arcedge flash installs it)"
fi

line INFO summary "$fails failed; send $(readlink -f "$report") (and $report.stderr if not empty) with the issue"
exit "$fails"
