"""Grok Video Desktop: make short AI videos with Grok Imagine, keep them in a local library."""

__version__ = "0.1.0"
APP_NAME = "grok-video"
APP_DISPLAY_NAME = "Grok Video"
