#!/usr/bin/python3
"""jetson-check's RTSP test stream (GStreamer's rtsp-server through python3-gi):
rtsp://127.0.0.1:<port>/cam serves a live 1280x720 30 fps H.264 test pattern, encoded with the
first encoder this GStreamer has: x264enc (gstreamer1.0-plugins-ugly), nvv4l2h264enc (NVENC:
Orin NX/AGX, not the Orin Nano), openh264enc. Usage: rtsp-server.py <port>.
Prints "ready <encoder>" once it serves, or "no-encoder" and exits 3."""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
ENCODERS = {
    "x264enc": "videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30",
    "nvv4l2h264enc": "nvvidconv ! video/x-raw(memory:NVMM),format=NV12 ! nvv4l2h264enc insert-sps-pps=true iframeinterval=30",
    "openh264enc": "videoconvert ! openh264enc",
}
name = next((n for n in ENCODERS if Gst.ElementFactory.find(n)), None)
if name is None:
    print("no-encoder", flush=True)
    sys.exit(3)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(sys.argv[1])
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=1280,height=720,framerate=30/1 ! "
    + ENCODERS[name]
    + " ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )"
)
factory.set_shared(True)
server.get_mount_points().add_factory("/cam", factory)
if server.attach(None) == 0:
    sys.exit("cannot bind the RTSP port")
print(f"ready {name}", flush=True)
GLib.MainLoop().run()
