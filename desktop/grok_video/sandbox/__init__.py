"""The sandbox service: a fake of API in One on loopback that makes real MP4 files.

Tests and new users use it instead of the paid service. See `server.SandboxServer`.
"""

from __future__ import annotations

from .server import DEFAULT_SWITCHES, SandboxServer, serve_forever
from .video import make_video

__all__ = ["DEFAULT_SWITCHES", "SandboxServer", "make_video", "serve_forever"]
