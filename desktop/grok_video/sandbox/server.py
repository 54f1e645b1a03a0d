"""The sandbox service: API in One's protocol on loopback, with switches for every fault.

It makes real videos, costs nothing and never touches the network. The tests use it, and so does
`grok-video --sandbox`. Control it over HTTP (POST /sandbox/control) or with `configure()`.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import re
import secrets
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .video import make_video

log = logging.getLogger(__name__)

CREATE_PATH = "/api/v1/videos/generations"
TASK_PREFIX = "/api/v1/tasks/"
FILE_RE = re.compile(r"^/files/(task_[0-9a-f]+)\.mp4$")
PRICE = 24

MODELS = ("grok-imagine/text-to-video", "grok-imagine/image-to-video")
CHOICES: dict[str, tuple[object, ...]] = {
    "duration": (6, 10, 15),
    "aspect_ratio": ("16:9", "9:16", "1:1", "2:3", "3:2"),
    "resolution": ("480p", "720p"),
    "mode": ("fun", "normal", "spicy"),
}
RESPONSE_STYLES = ("nested", "flat", "result_urls", "result_json", "top_level")

DEFAULT_SWITCHES: dict[str, Any] = {
    "create_faults": [],
    "poll_faults": [],
    "response_style": "nested",
    "fail_tasks": False,
    "never_finish": False,
    "expire_downloads": 0,
    "truncate_downloads": 0,
    "download_rate": None,
    "download_host": None,
    "credits": None,
    "latency": 0.0,
    "video_scale": 1,
    "rejected_keys": ["bad-key"],
}


class _Reset(Exception):
    """Close the connection abruptly, without an answer."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: SandboxServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "GrokVideoSandbox/1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        sandbox = self.server.sandbox
        try:
            sandbox.dispatch(self)
        except _Reset:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.close()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = _handle
    do_POST = _handle
    do_HEAD = _handle

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


class SandboxServer:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        state_dir: Path | None = None,
        task_seconds: float = 3.0,
        video_seconds: float = 2.0,
    ) -> None:
        self.host = host
        self.port = port
        self.task_seconds = task_seconds
        self.video_seconds = video_seconds
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if state_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="grok-video-sandbox-")
            state_dir = Path(self._tmp.name)
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._switches: dict[str, Any] = copy.deepcopy(DEFAULT_SWITCHES)
        self._log: list[dict[str, Any]] = []
        self._tasks: dict[str, dict[str, Any]] = {}
        self._idempotency: dict[str, str] = {}
        self._video_locks: dict[str, threading.Lock] = {}
        self._spent = 0
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._load()

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        httpd = _Server((self.host, self.port), _Handler)
        httpd.sandbox = self
        self._httpd = httpd
        self.port = int(httpd.server_address[1])
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            daemon=True,
            name="grok-video-sandbox",
        )
        self._thread.start()
        log.info("Sandbox service listening on %s", self.url)
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- control --------------------------------------------------------------------------
    def configure(self, **switches: Any) -> None:
        unknown = set(switches) - set(DEFAULT_SWITCHES)
        if unknown:
            raise ValueError(f"unknown sandbox switch(es): {', '.join(sorted(unknown))}")
        style = switches.get("response_style")
        if style is not None and style not in RESPONSE_STYLES:
            raise ValueError(f"response_style must be one of {', '.join(RESPONSE_STYLES)}")
        with self._lock:
            for name, value in switches.items():
                self._switches[name] = copy.deepcopy(value)

    def reset(self) -> None:
        with self._lock:
            self._switches = copy.deepcopy(DEFAULT_SWITCHES)
            self._log.clear()

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._log)

    def switch(self, name: str) -> Any:
        with self._lock:
            return copy.deepcopy(self._switches[name])

    def _take_fault(self, queue: str) -> dict[str, Any] | None:
        with self._lock:
            faults = self._switches[queue]
            return dict(faults.pop(0)) if faults else None

    def _take_count(self, name: str) -> bool:
        with self._lock:
            if int(self._switches[name] or 0) > 0:
                self._switches[name] = int(self._switches[name]) - 1
                return True
            return False

    # -- persistence ----------------------------------------------------------------------
    @property
    def _tasks_file(self) -> Path:
        return self.state_dir / "tasks.json"

    def _load(self) -> None:
        try:
            data = json.loads(self._tasks_file.read_text())
        except (OSError, ValueError):
            return
        self._tasks = dict(data.get("tasks", {}))
        self._idempotency = dict(data.get("idempotency", {}))

    def _save(self) -> None:
        payload = json.dumps({"tasks": self._tasks, "idempotency": self._idempotency})
        tmp = self._tasks_file.with_name(f"tasks.{threading.get_ident()}.tmp")
        tmp.write_text(payload)
        os.replace(tmp, self._tasks_file)

    # -- requests -------------------------------------------------------------------------
    def dispatch(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        path = parts.path
        raw = handler._body() if handler.command == "POST" else b""
        if path.startswith("/sandbox/"):
            self._control(handler, path, raw)
            return
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        entry: dict[str, Any] = {
            "method": handler.command,
            "path": path,
            "query": parts.query,
            "headers": {k.lower(): v for k, v in handler.headers.items()},
            "body": body,
            "time": time.monotonic(),
            "status": None,
        }
        with self._lock:
            self._log.append(entry)
        status = self._route(handler, path, parts.query, raw, body)
        with self._lock:
            entry["status"] = status

    def _route(self, handler: _Handler, path: str, query: str, raw: bytes, body: Any) -> int | None:
        if handler.command == "POST" and path == CREATE_PATH:
            return self._create(handler, raw, body)
        if handler.command == "GET" and path.startswith(TASK_PREFIX):
            return self._poll(handler, path[len(TASK_PREFIX) :])
        match = FILE_RE.match(path)
        if match and handler.command in ("GET", "HEAD"):
            return self._file(handler, match.group(1), query)
        handler.send_json(404, {"code": 404, "message": "Not found"})
        return 404

    def _control(self, handler: _Handler, path: str, raw: bytes) -> None:
        if path == "/sandbox/health":
            handler.send_json(200, {"ok": True})
        elif path == "/sandbox/requests":
            handler.send_json(200, self.requests())
        elif path == "/sandbox/reset" and handler.command == "POST":
            self.reset()
            handler.send_json(200, {"ok": True})
        elif path == "/sandbox/control" and handler.command == "POST":
            try:
                switches = json.loads(raw or b"{}")
                if not isinstance(switches, dict):
                    raise ValueError("send a JSON object of switches")
                self.configure(**switches)
            except (ValueError, TypeError) as exc:
                handler.send_json(400, {"ok": False, "message": str(exc)})
                return
            handler.send_json(200, {"ok": True})
        else:
            handler.send_json(404, {"ok": False, "message": "unknown control"})

    def _pause(self) -> None:
        latency = float(self.switch("latency") or 0)
        if latency > 0:
            time.sleep(latency)

    def _apply_fault(self, handler: _Handler, fault: dict[str, Any]) -> int | None:
        """Answer with a fault; None means it was only a delay and handling goes on."""
        if "delay" in fault:
            time.sleep(float(fault["delay"]))
            if not ({"status", "reset", "no_task_id", "body_code"} & set(fault)):
                return -1
        if fault.get("reset"):
            raise _Reset
        if "status" in fault:
            status = int(fault["status"])
            headers = {}
            if "retry_after" in fault:
                headers["Retry-After"] = str(fault["retry_after"])
            message = fault.get("message") or f"sandbox fault {status}"
            handler.send_json(status, {"code": status, "message": message}, headers)
            return status
        if "body_code" in fault:
            message = fault.get("message") or "sandbox fault"
            handler.send_json(200, {"code": int(fault["body_code"]), "message": message})
            return 200
        return -1

    def _auth_error(self, handler: _Handler) -> int | None:
        header = handler.headers.get("Authorization", "")
        key = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not key:
            handler.send_json(401, {"code": 401, "message": "Missing API key"})
            return 401
        if key in self.switch("rejected_keys"):
            handler.send_json(401, {"code": 401, "message": "Invalid API key"})
            return 401
        return None

    @staticmethod
    def _invalid(body: Any) -> str | None:
        if not isinstance(body, dict):
            return "The body must be a JSON object."
        model = body.get("model", MODELS[0])
        if model not in MODELS:
            return f"model must be one of {', '.join(MODELS)}"
        prompt = body.get("prompt")
        if prompt is not None and not isinstance(prompt, str):
            return "prompt must be a string"
        if model == MODELS[0] and not (prompt or "").strip():
            return "prompt is required for text-to-video"
        if prompt and len(prompt) > 5000:
            return "prompt: at most 5000 characters"
        if model == MODELS[1]:
            urls = body.get("image_urls")
            if not isinstance(urls, list) or not urls:
                return "image_urls is required for image-to-video"
            for url in urls:
                ok = isinstance(url, str) and url.startswith(("http://", "https://", "data:image/"))
                if not ok:
                    return "image_urls must hold http(s) or data:image URLs"
        for name, allowed in CHOICES.items():
            if name in body and body[name] not in allowed:
                return f"{name} must be one of {', '.join(str(a) for a in allowed)}"
        return None

    def _create(self, handler: _Handler, raw: bytes, body: Any) -> int | None:
        self._pause()
        fault = self._take_fault("create_faults")
        if fault is not None:
            answered = self._apply_fault(handler, fault)
            if answered != -1:
                return answered
            if fault.get("no_task_id"):
                handler.send_json(200, {"code": 200, "message": "success", "data": {}})
                return 200
        auth = self._auth_error(handler)
        if auth is not None:
            return auth
        if raw and body is None:
            handler.send_json(400, {"code": 400, "message": "The body is not valid JSON."})
            return 400
        problem = self._invalid(body)
        if problem is not None:
            handler.send_json(422, {"code": 422, "message": problem})
            return 422
        key = handler.headers.get("Idempotency-Key")
        with self._lock:
            if key and key in self._idempotency:
                task_id = self._idempotency[key]
            else:
                credits = self._switches["credits"]
                if credits is not None and credits - self._spent < PRICE:
                    available = max(0, credits - self._spent)
                    handler.send_json(
                        402,
                        {
                            "code": 402,
                            "message": f"Insufficient credits: {PRICE} needed, "
                            f"{available} available",
                        },
                    )
                    return 402
                self._spent += PRICE
                task_id = "task_" + secrets.token_hex(8)
                fail = self._switches["fail_tasks"]
                self._tasks[task_id] = {
                    "created": time.time(),
                    "prompt": body.get("prompt") or "",
                    "model": body.get("model", MODELS[0]),
                    "aspect_ratio": body.get("aspect_ratio"),
                    "fail": (fail if isinstance(fail, str) else None) if fail else None,
                    "failed": bool(fail),
                    "never_finish": bool(self._switches["never_finish"]),
                    "token": secrets.token_hex(6),
                    "scale": int(self._switches["video_scale"] or 1),
                    "seconds": self.task_seconds,
                }
                if key:
                    self._idempotency[key] = task_id
                self._save()
        handler.send_json(
            200,
            {
                "code": 200,
                "message": "success",
                "data": {"task_id": task_id, "status": "IN_PROGRESS"},
            },
        )
        return 200

    def _video_path(self, task_id: str) -> Path:
        return self.state_dir / f"{task_id}.mp4"

    def _ensure_video(self, task_id: str, task: dict[str, Any]) -> Path:
        path = self._video_path(task_id)
        with self._lock:
            lock = self._video_locks.setdefault(task_id, threading.Lock())
        with lock:
            if not path.exists():
                make_video(
                    path,
                    str(task["prompt"]),
                    task.get("aspect_ratio"),
                    seconds=self.video_seconds,
                    scale=int(task.get("scale") or 1),
                )
        return path

    def _poll(self, handler: _Handler, task_id: str) -> int | None:
        self._pause()
        fault = self._take_fault("poll_faults")
        if fault is not None:
            answered = self._apply_fault(handler, fault)
            if answered != -1:
                return answered
        auth = self._auth_error(handler)
        if auth is not None:
            return auth
        with self._lock:
            task = copy.deepcopy(self._tasks.get(task_id))
            style = self._switches["response_style"]
            download_host = self._switches["download_host"]
        if task is None:
            handler.send_json(404, {"code": 404, "message": "Task not found"})
            return 404
        elapsed = time.time() - float(task["created"])
        duration = float(task.get("seconds") or self.task_seconds)
        done = elapsed >= duration and not task["never_finish"]
        progress = 100 if done else min(99, int(elapsed / max(duration, 1e-6) * 100))
        url = None
        if done and task["failed"]:
            state = "failed"
        elif done:
            self._ensure_video(task_id, task)
            state = "done"
            host = download_host or self.host
            url = f"http://{host}:{self.port}/files/{task_id}.mp4?token={task['token']}"
        else:
            state = "pending" if progress < 10 else "running"
        handler.send_json(200, self._answer(style, task_id, state, progress, url, task))
        return 200

    @staticmethod
    def _answer(
        style: str, task_id: str, state: str, progress: int, url: str | None, task: dict[str, Any]
    ) -> dict[str, Any]:
        words = {
            "nested": {
                "pending": "PENDING",
                "running": "IN_PROGRESS",
                "done": "COMPLETED",
                "failed": "FAILED",
            },
            "flat": {
                "pending": "queued",
                "running": "processing",
                "done": "succeeded",
                "failed": "failed",
            },
            "result_urls": {
                "pending": "waiting",
                "running": "generating",
                "done": "success",
                "failed": "fail",
            },
            "result_json": {
                "pending": "queuing",
                "running": "running",
                "done": "SUCCESS",
                "failed": "error",
            },
            "top_level": {
                "pending": "pending",
                "running": "in_progress",
                "done": "done",
                "failed": "failed",
            },
        }[style]
        status = words[state]
        message = task.get("fail") or "Content policy violation: the prompt was rejected"
        if style == "top_level":
            top: dict[str, Any] = {"task_id": task_id, "status": status, "progress": progress}
            if url:
                top["video"] = {"url": url}
            if state == "failed":
                top["error"] = {"message": message}
            return top
        data: dict[str, Any] = {"task_id": task_id, "status": status, "progress": progress}
        if url:
            if style == "nested":
                data["output"] = {"video_url": url}
            elif style == "flat":
                data["video_url"] = url
            elif style == "result_urls":
                data["resultUrls"] = [url]
            else:
                data["resultJson"] = json.dumps({"resultUrls": [url]})
        if state == "failed":
            data["error"] = {"message": message}
            data["failMsg"] = message
        return {"code": 200, "message": "success", "data": data}

    def _file(self, handler: _Handler, task_id: str, query: str) -> int | None:
        with self._lock:
            task = copy.deepcopy(self._tasks.get(task_id))
        path = self._video_path(task_id)
        if task is None or not path.exists():
            handler.send_json(404, {"code": 404, "message": "No such file"})
            return 404
        token = parse_qs(query).get("token", [""])[0]
        if self._take_count("expire_downloads") or token != task["token"]:
            with self._lock:  # the next poll hands out a fresh link
                self._tasks[task_id]["token"] = secrets.token_hex(6)
                self._save()
            handler.send_json(410, {"code": 410, "message": "link expired"})
            return 410
        data = path.read_bytes()
        total = len(data)
        start, end = 0, total - 1
        status = 200
        wanted = handler.headers.get("Range")
        if wanted:
            match = re.fullmatch(r"bytes=(\d+)-(\d*)", wanted.strip())
            if not match or int(match.group(1)) >= total:
                handler.send_response(416)
                handler.send_header("Content-Range", f"bytes */{total}")
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return 416
            start = int(match.group(1))
            end = min(total - 1, int(match.group(2))) if match.group(2) else total - 1
            status = 206
        body = data[start : end + 1]
        handler.send_response(status)
        handler.send_header("Content-Type", "video/mp4")
        handler.send_header("Accept-Ranges", "bytes")
        handler.send_header("Content-Length", str(len(body)))
        if status == 206:
            handler.send_header("Content-Range", f"bytes {start}-{end}/{total}")
        handler.end_headers()
        if handler.command == "HEAD":
            return status
        if self._take_count("truncate_downloads"):
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
            raise _Reset
        rate = self.switch("download_rate")
        chunk = 16 * 1024
        for offset in range(0, len(body), chunk):
            piece = body[offset : offset + chunk]
            handler.wfile.write(piece)
            if rate:
                handler.wfile.flush()
                time.sleep(len(piece) / float(rate))
        return status


def serve_forever(
    host: str = "127.0.0.1", port: int = 0, state_dir: Path | None = None, task_seconds: float = 3.0
) -> None:
    """Run the sandbox until Ctrl+C or SIGTERM (for `grok-video sandbox`)."""
    server = SandboxServer(host=host, port=port, state_dir=state_dir, task_seconds=task_seconds)
    server.start()
    print(f"Sandbox service listening on {server.url}", flush=True)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        print("Sandbox service stopped.", file=sys.stderr, flush=True)
