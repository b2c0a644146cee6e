#!/usr/bin/python3
"""A local RTSP test stream (GStreamer's rtsp-server through python3-gi), for jetson-check and
the agent's RTSP tests: rtsp://127.0.0.1:<port>/cam serves a live test pattern (a ball), with a
key frame every second.

  rtsp-server.py <port> [--codec h264|vp8] [--size WxH] [--fps N]

h264 (the default, 1280x720 at 30 fps: what a camera sends) is encoded with the first encoder
this GStreamer has: x264enc (gstreamer1.0-plugins-ugly), nvv4l2h264enc (NVENC: Orin NX/AGX, not
the Orin Nano), openh264enc. vp8 uses vp8enc (gstreamer1.0-plugins-good, which scripts/setup.sh
installs), so the tests run where no H.264 encoder is installed.
Prints "ready <encoder>" once it serves, or "no-encoder" and exits 3."""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

# Encoder element -> (the pipeline from raw video to the payloader, given the key frame interval in frames).
ENCODERS = {
    "h264": {
        "x264enc": lambda key: f"videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={key} ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1",
        "nvv4l2h264enc": lambda key: f"nvvidconv ! video/x-raw(memory:NVMM),format=NV12 ! nvv4l2h264enc insert-sps-pps=true iframeinterval={key} ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1",
        "openh264enc": lambda key: "videoconvert ! openh264enc ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1",
    },
    "vp8": {
        "vp8enc": lambda key: f"vp8enc deadline=1 cpu-used=8 keyframe-max-dist={key} ! rtpvp8pay name=pay0 pt=96",
    },
}

parser = argparse.ArgumentParser(description="RTSP test stream on rtsp://127.0.0.1:<port>/cam")
parser.add_argument("port")
parser.add_argument("--codec", choices=sorted(ENCODERS), default="h264")
parser.add_argument("--size", default="1280x720", help="WxH")
parser.add_argument("--fps", type=int, default=30)
args = parser.parse_args()
width, height = (int(v) for v in args.size.split("x"))

Gst.init(None)
name = next((n for n in ENCODERS[args.codec] if Gst.ElementFactory.find(n)), None)
if name is None:
    print("no-encoder", flush=True)
    sys.exit(3)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(args.port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    f"( videotestsrc is-live=true pattern=ball ! video/x-raw,width={width},height={height},framerate={args.fps}/1 ! "
    + ENCODERS[args.codec][name](args.fps)
    + " )"
)
factory.set_shared(True)
server.get_mount_points().add_factory("/cam", factory)
if server.attach(None) == 0:
    sys.exit("cannot bind the RTSP port")
print(f"ready {name}", flush=True)
GLib.MainLoop().run()
