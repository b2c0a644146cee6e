#!/usr/bin/python3
"""A test RTSP server (GStreamer's rtsp-server through python3-gi): rtsp://127.0.0.1:<port>/cam
serves a live 320x240 10 fps VP8 test pattern (vp8enc: gstreamer1.0-plugins-good). Usage: rtsp-server.py <port>.
Prints "ready" once the server is attached to the main loop."""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(sys.argv[1])
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=10/1 "
    "! vp8enc deadline=1 cpu-used=8 keyframe-max-dist=10 ! rtpvp8pay name=pay0 pt=96 )"
)
factory.set_shared(True)
server.get_mount_points().add_factory("/cam", factory)
if server.attach(None) == 0:
    sys.exit("cannot bind the RTSP port")
print("ready", flush=True)
GLib.MainLoop().run()
