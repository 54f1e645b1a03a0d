"""The sandbox service: API in One's wire protocol on loopback, with switches for faults.

It makes real (small) H.264+AAC videos, costs nothing and never touches the network. Tests and
`grok-video --sandbox` use it instead of the paid service. Control it in-process with
`configure()` / `reset()` / `requests()`, or over HTTP:

    POST /sandbox/control   JSON object of switches, merged into the current ones
    POST /sandbox/reset     clear the switches (faults) and the request log; tasks stay
    GET  /sandbox/requests  the request log as a JSON list
    GET  /sandbox/health    {"ok": true}
"""

from __future__ import annotations

import contextlib
import copy
import http
import ipaddress
import json
import logging
import os
import re
import secrets
import signal
import socket
import struct
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .video import make_video

__all__ = ["DEFAULT_SWITCHES", "SandboxServer", "serve_forever"]

log = logging.getLogger(__name__)

CREATE_PATH = "/api/v1/videos/generations"
TASK_PREFIX = "/api/v1/tasks/"
FILE_RE = re.compile(r"^/files/(task_[0-9a-f]{1,64})\.mp4$")
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
PRICE = 24
CHUNK = 16 * 1024
MAX_BODY = 64 * 1024 * 1024
MAX_PROMPT = 5000
DEFAULT_FAILURE = "Content policy violation: the prompt was rejected"

TEXT_TO_VIDEO = "grok-imagine/text-to-video"
IMAGE_TO_VIDEO = "grok-imagine/image-to-video"
MODELS = (TEXT_TO_VIDEO, IMAGE_TO_VIDEO)
CHOICES: dict[str, tuple[object, ...]] = {
    "duration": (6, 10, 15),
    "aspect_ratio": ("16:9", "9:16", "1:1", "2:3", "3:2"),
    "resolution": ("480p", "720p"),
    "mode": ("fun", "normal", "spicy"),
}
IMAGE_PREFIXES = ("http://", "https://", "data:image/")

# The status words each answer style uses for the task states.
STATUS_WORDS: dict[str, dict[str, str]] = {
    "nested": {
        "pending": "PENDING",
        "running": "IN_PROGRESS",
        "done": "COMPLETED",
        "failed": "FAILED",
    },
    "flat": {
        "pending": "pending",
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
        "pending": "queued",
        "running": "processing",
        "done": "done",
        "failed": "failed",
    },
}
RESPONSE_STYLES = tuple(STATUS_WORDS)

DEFAULT_SWITCHES: dict[str, object] = {
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
    """Close the connection abruptly (RST), without an answer."""


class _Hangup(Exception):
    """Stop sending and close the connection (the client sees a short body)."""


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Unsatisfiable(Exception):
    pass


def _parse_range(header: str | None, total: int) -> tuple[int, int] | None:
    """The inclusive byte span a single-range `Range` header asks for; None to send it all.

    Raises _Unsatisfiable when the range lies wholly past the end. Headers this server does not
    understand (several ranges, other units, end before start) are ignored, as RFC 9110 allows.
    """
    match = RANGE_RE.match((header or "").strip())
    if match is None or not (match.group(1) or match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if not first:  # a suffix: the last N bytes
        count = int(last)
        if count == 0 or total == 0:
            raise _Unsatisfiable
        return max(0, total - count), total - 1
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= total:
        raise _Unsatisfiable
    return start, min(int(last), total - 1) if last else total - 1


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return host == "localhost"


def _check_switches(switches: dict[str, object]) -> None:
    """Raise ValueError for an unknown switch or a value of the wrong kind."""
    unknown = sorted(set(switches) - set(DEFAULT_SWITCHES))
    if unknown:
        raise ValueError(f"Unknown sandbox switch: {', '.join(unknown)}")
    for name, value in switches.items():
        ok = True
        if name in ("create_faults", "poll_faults"):
            ok = isinstance(value, list) and all(isinstance(item, dict) for item in value)
        elif name == "rejected_keys":
            ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        elif name == "response_style":
            ok = value in RESPONSE_STYLES
        elif name == "fail_tasks":
            ok = isinstance(value, bool | str)
        elif name == "never_finish":
            ok = isinstance(value, bool)
        elif name in ("expire_downloads", "truncate_downloads", "video_scale"):
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        elif name in ("download_rate", "credits"):
            ok = value is None or (
                isinstance(value, int) and not isinstance(value, bool) and value >= 0
            )
        elif name == "download_host":
            ok = value is None or (isinstance(value, str) and bool(value))
        elif name == "latency":
            ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
        if not ok:
            raise ValueError(f"Bad value for sandbox switch {name}: {value!r}")
    if switches.get("video_scale") == 0:
        raise ValueError("video_scale must be at least 1")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # A real service takes many connections at once; socketserver's default backlog of 5
    # resets the rest, which a burst of submissions (a batch of 50) would see as cut answers.
    request_queue_size = 128
    sandbox: SandboxServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("sandbox: error while handling %s", client_address, exc_info=True)


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "GrokVideoSandbox/1.0"
    sent_status: int | None = None

    # -- plumbing -------------------------------------------------------------------------
    def setup(self) -> None:
        super().setup()
        self.server.sandbox._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            with contextlib.suppress(OSError):
                super().finish()
        finally:
            self.server.sandbox._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox %s: %s", self.address_string(), format % args)

    def send_response(self, code: int, message: str | None = None) -> None:
        self.sent_status = code
        super().send_response(code, message)

    def _dispatch(self) -> None:
        self.sent_status = None
        try:
            self.server.sandbox._dispatch(self)
        except _Reset:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            with contextlib.suppress(OSError):
                self.rfile.close()
            with contextlib.suppress(OSError):
                self.connection.close()  # no FIN: linger 0 makes this a reset
        except _Hangup:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError as exc:  # the client went away (broken pipe, reset) or we are stopping
            log.debug("sandbox: connection lost: %s", exc)
            self.close_connection = True

    do_GET = _dispatch
    do_POST = _dispatch
    do_HEAD = _dispatch
    do_PUT = _dispatch
    do_DELETE = _dispatch
    do_PATCH = _dispatch

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            size = 0
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise _BadRequest(400, "Truncated chunked body")
                try:
                    length = int(line.split(b";")[0].strip(), 16)
                except ValueError as exc:
                    raise _BadRequest(400, "Bad chunked body") from exc
                if length == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                size += length
                if size > MAX_BODY:
                    raise _BadRequest(413, "Request body too large")
                parts.append(self.rfile.read(length))
                self.rfile.readline(1024)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError as exc:
            raise _BadRequest(400, "Bad Content-Length") from exc
        if length > MAX_BODY:
            raise _BadRequest(413, "Request body too large")
        return self.rfile.read(length) if length > 0 else b""

    def send_json(self, status: int, payload: object, headers: dict[str, str] | None = None) -> int:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        return status


def _error(handler: _Handler, status: int, message: str, **headers: str) -> int:
    return handler.send_json(status, {"code": status, "message": message}, headers)


class SandboxServer:
    """A fake API in One on loopback. Start with `start()` or use it as a context manager."""

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
        self.task_seconds = float(task_seconds)
        self.video_seconds = float(video_seconds)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._persist = state_dir is not None
        if state_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="grok-video-sandbox-")
            state_dir = Path(self._tmp.name)
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)

        self._lock = threading.RLock()
        self._switches: dict[str, object] = copy.deepcopy(DEFAULT_SWITCHES)
        self._log: list[dict[str, object]] = []
        self._tasks: dict[str, dict[str, Any]] = {}
        self._idempotency: dict[str, str] = {}
        self._latest_token: dict[str, str] = {}
        self._expired_tokens: set[str] = set()
        self._expiry_used = False
        self._video_locks: dict[str, threading.Lock] = {}
        self._workers: list[threading.Thread] = []
        self._connections: set[socket.socket] = set()
        self._handler_threads: set[threading.Thread] = set()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._load()

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        server_class = _HTTPServer6 if ":" in self.host else _HTTPServer
        httpd = server_class((self.host, self.port), _Handler)
        httpd.sandbox = self
        self._httpd = httpd
        self.port = int(httpd.server_address[1])
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"grok-video-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        log.info("Sandbox service listening on %s", self.url)
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            self._stopping.set()
            httpd.shutdown()
            with self._lock:
                connections = list(self._connections)
                threads = list(self._handler_threads)
            for conn in connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            deadline = time.monotonic() + 5.0
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))
            httpd.server_close()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None
        with self._lock:
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.join(30.0)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self._display_host()}:{self.port}"

    def _display_host(self) -> str:
        host = self.host
        if host in ("", "0.0.0.0"):
            return "127.0.0.1"
        if host == "::":
            return "[::1]"
        return f"[{host}]" if ":" in host else host

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        thread = threading.current_thread()
        with self._lock:
            if add:
                self._connections.add(conn)
                self._handler_threads.add(thread)
            else:
                self._connections.discard(conn)
                self._handler_threads.discard(thread)
        if add and self._stopping.is_set():
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def _sleep(self, seconds: float) -> None:
        """Sleep, but wake up at once when the server stops."""
        if seconds > 0:
            self._stopping.wait(seconds)

    # -- control --------------------------------------------------------------------------
    def configure(self, **switches: object) -> None:
        """Merge switches into the current ones (ValueError for an unknown switch)."""
        _check_switches(switches)
        with self._lock:
            for name, value in switches.items():
                self._switches[name] = copy.deepcopy(value)

    def reset(self) -> None:
        """Every switch back to its default, and an empty request log. Tasks stay."""
        with self._lock:
            self._switches = copy.deepcopy(DEFAULT_SWITCHES)
            self._log.clear()
            self._expired_tokens.clear()
            self._expiry_used = False

    def requests(self) -> list[dict[str, object]]:
        """A copy of the request log (control requests are not logged)."""
        with self._lock:
            return copy.deepcopy(self._log)

    def switches(self) -> dict[str, object]:
        """A copy of the current switches."""
        with self._lock:
            return copy.deepcopy(self._switches)

    def _switch(self, name: str) -> Any:
        with self._lock:
            return copy.deepcopy(self._switches[name])

    def _take_fault(self, queue: str) -> dict[str, Any] | None:
        with self._lock:
            faults = self._switches[queue]
            assert isinstance(faults, list)
            return dict(faults.pop(0)) if faults else None

    def _take_count(self, name: str) -> bool:
        with self._lock:
            left = self._switches[name]
            if isinstance(left, int) and left > 0:
                self._switches[name] = left - 1
                return True
            return False

    # -- persistence ----------------------------------------------------------------------
    @property
    def _tasks_file(self) -> Path:
        return self.state_dir / "tasks.json"

    def _load(self) -> None:
        try:
            data = json.loads(self._tasks_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("sandbox: ignoring unreadable %s: %s", self._tasks_file, exc)
            return
        tasks = data.get("tasks") if isinstance(data, dict) else None
        for task in tasks if isinstance(tasks, list) else []:
            if isinstance(task, dict) and FILE_RE.match(f"/files/{task.get('task_id')}.mp4"):
                self._tasks[str(task["task_id"])] = task
                key = task.get("idempotency_key")
                if isinstance(key, str) and key:
                    self._idempotency[key] = str(task["task_id"])
        log.debug("sandbox: loaded %d task(s) from %s", len(self._tasks), self._tasks_file)

    def _save(self) -> None:
        """Write tasks.json atomically; call with the lock held."""
        if not self._persist:
            return
        payload = json.dumps({"version": 1, "tasks": list(self._tasks.values())}, indent=1)
        tmp = self._tasks_file.with_name("tasks.json.tmp")
        tmp.write_text(payload, encoding="utf-8")
        os.replace(tmp, self._tasks_file)

    # -- dispatch -------------------------------------------------------------------------
    def _dispatch(self, handler: _Handler) -> None:
        arrived = time.monotonic()
        parts = urlsplit(handler.path)
        path = parts.path
        try:
            raw = handler.read_body()
        except _BadRequest as exc:
            handler.close_connection = True
            _error(handler, exc.status, exc.message)
            return
        if path.startswith("/sandbox/"):
            self._control(handler, path, raw)
            return
        body: object = None
        malformed = False
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                malformed = True
        entry: dict[str, object] = {
            "method": handler.command,
            "path": path,
            "query": parts.query,
            "headers": {name.lower(): value for name, value in handler.headers.items()},
            "body": body,
            "time": arrived,
            "status": None,
        }
        with self._lock:
            self._log.append(entry)
        try:
            self._route(handler, path, parts.query, raw, body, malformed)
        finally:
            with self._lock:
                entry["status"] = handler.sent_status

    def _route(
        self, handler: _Handler, path: str, query: str, raw: bytes, body: object, malformed: bool
    ) -> None:
        method = handler.command
        if path == CREATE_PATH:
            if method != "POST":
                _error(handler, 405, "Method not allowed", Allow="POST")
                return
            self._create(handler, raw, body, malformed)
        elif path.startswith(TASK_PREFIX) and len(path) > len(TASK_PREFIX):
            if method != "GET":
                _error(handler, 405, "Method not allowed", Allow="GET")
                return
            self._poll(handler, path[len(TASK_PREFIX) :])
        elif path.startswith("/files/"):
            match = FILE_RE.match(path)
            if method not in ("GET", "HEAD"):
                _error(handler, 405, "Method not allowed", Allow="GET, HEAD")
            elif match is None:
                _error(handler, 404, "File not found")
            else:
                self._download(handler, match.group(1), query)
        else:
            _error(handler, 404, "Not found")

    def _control(self, handler: _Handler, path: str, raw: bytes) -> None:
        if not _is_loopback(str(handler.client_address[0])):
            _error(handler, 403, "The sandbox is controlled from loopback only")
            return
        method = handler.command
        if path == "/sandbox/health" and method in ("GET", "HEAD"):
            handler.send_json(200, {"ok": True})
        elif path == "/sandbox/requests" and method in ("GET", "HEAD"):
            handler.send_json(200, self.requests())
        elif path == "/sandbox/reset" and method == "POST":
            self.reset()
            handler.send_json(200, {"ok": True})
        elif path == "/sandbox/control" and method == "POST":
            try:
                switches = json.loads(raw or b"{}")
            except ValueError:
                _error(handler, 400, "Malformed JSON body")
                return
            if not isinstance(switches, dict):
                _error(handler, 400, "Send a JSON object of switches")
                return
            try:
                self.configure(**switches)
            except ValueError as exc:
                _error(handler, 400, str(exc))
                return
            handler.send_json(200, {"ok": True, "switches": self.switches()})
        else:
            _error(handler, 404, "Unknown sandbox control")

    # -- API helpers ----------------------------------------------------------------------
    def _apply_fault(self, handler: _Handler, fault: dict[str, Any]) -> bool:
        """Act out one fault item. True when it answered (or reset) the request."""
        delay = fault.get("delay")
        if isinstance(delay, int | float) and delay > 0:
            self._sleep(float(delay))
            if self._stopping.is_set():
                raise _Reset
        if fault.get("reset"):
            raise _Reset
        if "status" in fault:
            status = int(fault["status"])
            try:
                default = http.HTTPStatus(status).phrase
            except ValueError:
                default = "Error"
            headers = {}
            if fault.get("retry_after") is not None:
                headers["Retry-After"] = str(fault["retry_after"])
            message = str(fault.get("message") or default)
            handler.send_json(status, {"code": status, "message": message}, headers)
            return True
        if "body_code" in fault:
            code = int(fault["body_code"])
            message = str(fault.get("message") or "Request refused")
            handler.send_json(200, {"code": code, "message": message})
            return True
        if fault.get("no_task_id"):
            handler.send_json(200, {"code": 200, "message": "success", "data": {}})
            return True
        return False

    def _auth_error(self, handler: _Handler) -> bool:
        header = handler.headers.get("Authorization") or ""
        scheme, _, key = header.strip().partition(" ")
        key = key.strip() if scheme.lower() == "bearer" else ""
        if not key:
            _error(handler, 401, "Missing API key")
            return True
        rejected = self._switch("rejected_keys")
        if isinstance(rejected, list) and key in rejected:
            _error(handler, 401, "Invalid API key")
            return True
        return False

    @staticmethod
    def _invalid(body: object) -> str | None:
        """What is wrong with a create request, as the service would say it."""
        if not isinstance(body, dict):
            return "The request body must be a JSON object"
        model = body.get("model", TEXT_TO_VIDEO)
        if model not in MODELS:
            return f"model must be one of: {', '.join(MODELS)}"
        prompt = body.get("prompt")
        if prompt is not None and not isinstance(prompt, str):
            return "prompt must be a string"
        if model == TEXT_TO_VIDEO and not (prompt or "").strip():
            return "prompt is required for text-to-video"
        if isinstance(prompt, str) and len(prompt) > MAX_PROMPT:
            return f"prompt must be at most {MAX_PROMPT} characters (got {len(prompt)})"
        urls = body.get("image_urls")
        if model == IMAGE_TO_VIDEO or urls is not None:
            if not isinstance(urls, list) or not urls:
                return "image_urls is required for image-to-video (a non-empty list of URLs)"
            for url in urls:
                if not isinstance(url, str) or not url.startswith(IMAGE_PREFIXES):
                    return "image_urls must hold http(s):// or data:image/ URLs"
        for name, allowed in CHOICES.items():
            if name not in body:
                continue
            value = body[name]
            if isinstance(value, bool) or value not in allowed:
                return f"{name} must be one of: {', '.join(str(a) for a in allowed)}"
        return None

    def _state(self, task: dict[str, Any]) -> tuple[str, int]:
        """The task's state ("pending", "running", "done", "failed") and progress now."""
        duration = max(1e-3, float(task.get("task_seconds") or self.task_seconds))
        elapsed = max(0.0, time.time() - float(task["created"]))
        if elapsed >= duration and not task.get("never_finish"):
            return ("failed" if task.get("failure") else "done"), 100
        progress = min(99, int(elapsed / duration * 100))
        return ("pending" if progress < 10 else "running"), progress

    # -- create ---------------------------------------------------------------------------
    def _create(self, handler: _Handler, raw: bytes, body: object, malformed: bool) -> None:
        self._sleep(float(self._switch("latency") or 0))
        fault = self._take_fault("create_faults")
        if fault is not None and self._apply_fault(handler, fault):
            return
        if self._auth_error(handler):
            return
        if malformed or not raw:
            _error(handler, 400, "Malformed JSON body")
            return
        problem = self._invalid(body)
        if problem is not None:
            _error(handler, 422, problem)
            return
        assert isinstance(body, dict)
        key = (handler.headers.get("Idempotency-Key") or "").strip()
        with self._lock:
            task_id = self._idempotency.get(key) if key else None
            if task_id is None or task_id not in self._tasks:
                credits = self._switches["credits"]
                if isinstance(credits, int) and credits < PRICE:
                    message = f"Insufficient credits: {PRICE} needed, {credits} available"
                    _error(handler, 402, message)
                    return
                if isinstance(credits, int):
                    self._switches["credits"] = credits - PRICE
                task_id = self._new_task(body, key)
            else:
                log.debug("sandbox: Idempotency-Key %s replays %s", key, task_id)
        data = {"task_id": task_id, "status": "IN_PROGRESS"}
        handler.send_json(200, {"code": 200, "message": "success", "data": data})

    def _new_task(self, body: dict[str, Any], key: str) -> str:
        """Make and save a task; call with the lock held."""
        task_id = "task_" + secrets.token_hex(8)
        fail = self._switches["fail_tasks"]
        failure = (fail if isinstance(fail, str) and fail else DEFAULT_FAILURE) if fail else None
        scale = self._switches["video_scale"]
        task: dict[str, Any] = {
            "task_id": task_id,
            "created": time.time(),
            "model": body.get("model", TEXT_TO_VIDEO),
            "prompt": body.get("prompt") or "",
            "aspect_ratio": body.get("aspect_ratio"),
            "params": {k: body[k] for k in ("duration", "resolution", "mode") if k in body},
            "images": len(body.get("image_urls") or []),
            "failure": failure,
            "never_finish": bool(self._switches["never_finish"]),
            "idempotency_key": key or None,
            "task_seconds": self.task_seconds,
            "video_seconds": self.video_seconds,
            "video_scale": scale if isinstance(scale, int) and scale > 0 else 1,
        }
        self._tasks[task_id] = task
        if key:
            self._idempotency[key] = task_id
        self._save()
        if not failure and not task["never_finish"]:
            # Make the video now, so the completing poll only waits for it if it is slow.
            worker = threading.Thread(
                target=self._background_video,
                args=(task_id,),
                daemon=True,
                name=f"sandbox-video-{task_id}",
            )
            self._workers = [w for w in self._workers if w.is_alive()]
            self._workers.append(worker)
            worker.start()
        return task_id

    # -- videos ---------------------------------------------------------------------------
    def _video_path(self, task_id: str) -> Path:
        return self.state_dir / f"{task_id}.mp4"

    def _ensure_video(self, task_id: str) -> Path:
        path = self._video_path(task_id)
        with self._lock:
            task = copy.deepcopy(self._tasks[task_id])
            lock = self._video_locks.setdefault(task_id, threading.Lock())
        with lock:
            if not path.exists():
                started = time.monotonic()
                make_video(
                    path,
                    str(task.get("prompt") or ""),
                    task.get("aspect_ratio"),
                    seconds=float(task.get("video_seconds") or self.video_seconds),
                    scale=int(task.get("video_scale") or 1),
                )
                log.debug("sandbox: made %s in %.2fs", path.name, time.monotonic() - started)
        return path

    def _background_video(self, task_id: str) -> None:
        try:
            self._ensure_video(task_id)
        except Exception:  # the poll tries again and reports it
            log.exception("sandbox: could not make the video for %s", task_id)

    # -- poll -----------------------------------------------------------------------------
    def _poll(self, handler: _Handler, task_id: str) -> None:
        self._sleep(float(self._switch("latency") or 0))
        fault = self._take_fault("poll_faults")
        if fault is not None and self._apply_fault(handler, fault):
            return
        if self._auth_error(handler):
            return
        with self._lock:
            task = copy.deepcopy(self._tasks.get(task_id))
            style = str(self._switches["response_style"])
            download_host = self._switches["download_host"]
        if task is None:
            _error(handler, 404, "Task not found")
            return
        state, progress = self._state(task)
        url = None
        if state == "done":
            try:
                self._ensure_video(task_id)
            except Exception as exc:
                log.exception("sandbox: could not make the video for %s", task_id)
                _error(handler, 500, f"Video generation failed: {exc}")
                return
            token = secrets.token_urlsafe(12)
            with self._lock:
                self._latest_token[task_id] = token
            host = download_host if isinstance(download_host, str) else self._display_host()
            url = f"http://{host}:{self.port}/files/{task_id}.mp4?token={token}"
        handler.send_json(200, self._answer(style, task_id, state, progress, url, task))

    @staticmethod
    def _answer(
        style: str, task_id: str, state: str, progress: int, url: str | None, task: dict[str, Any]
    ) -> dict[str, object]:
        status = STATUS_WORDS.get(style, STATUS_WORDS["nested"])[state]
        message = str(task.get("failure") or DEFAULT_FAILURE)
        if style == "top_level":
            top: dict[str, object] = {"task_id": task_id, "status": status, "progress": progress}
            if url is not None:
                top["video"] = {"url": url}
            if state == "failed":
                top["error"] = {"message": message}
            return top
        data: dict[str, object] = {"task_id": task_id, "status": status, "progress": progress}
        if url is not None:
            if style == "flat":
                data["video_url"] = url
            elif style == "result_urls":
                data["resultUrls"] = [url]
            elif style == "result_json":
                data["resultJson"] = json.dumps({"resultUrls": [url]})
            else:
                data["output"] = {"video_url": url}
        if state == "failed":
            data["error"] = {"message": message}
            data["failMsg"] = message
        return {"code": 200, "message": "success", "data": data}

    # -- download -------------------------------------------------------------------------
    def _download(self, handler: _Handler, task_id: str, query: str) -> None:
        token = (parse_qs(query).get("token") or [""])[0]
        head = handler.command == "HEAD"
        with self._lock:
            expired = False
            if not head and self._take_count("expire_downloads"):
                expired = True
                self._expiry_used = True
                if token:
                    self._expired_tokens.add(token)
            elif token and token in self._expired_tokens:
                expired = True
            elif token and self._expiry_used:
                latest = self._latest_token.get(task_id)
                expired = latest is not None and latest != token
            task = copy.deepcopy(self._tasks.get(task_id))
        if expired:
            _error(handler, 410, "link expired")
            return
        if task is None or self._state(task)[0] != "done":
            _error(handler, 404, "File not found")
            return
        try:
            path = self._ensure_video(task_id)
            total = path.stat().st_size
        except Exception as exc:
            log.exception("sandbox: no video for %s", task_id)
            _error(handler, 500, f"Video generation failed: {exc}")
            return
        try:
            chosen = _parse_range(handler.headers.get("Range"), total)
        except _Unsatisfiable:
            handler.send_response(416)
            handler.send_header("Content-Range", f"bytes */{total}")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        status = 200 if chosen is None else 206
        start, end = chosen if chosen is not None else (0, total - 1)
        length = end - start + 1
        truncate = not head and self._take_count("truncate_downloads")
        handler.send_response(status)
        handler.send_header("Content-Type", "video/mp4")
        handler.send_header("Accept-Ranges", "bytes")
        handler.send_header("Content-Length", str(length))
        if status == 206:
            handler.send_header("Content-Range", f"bytes {start}-{end}/{total}")
        handler.end_headers()
        if head:
            return
        budget = length // 2 if truncate else length
        rate = self._switch("download_rate")
        with path.open("rb") as stream:
            stream.seek(start)
            while budget > 0:
                piece = stream.read(min(CHUNK, budget))
                if not piece:
                    break
                handler.wfile.write(piece)
                budget -= len(piece)
                if isinstance(rate, int) and rate > 0 and budget > 0:
                    self._sleep(len(piece) / rate)
                    if self._stopping.is_set():
                        raise _Hangup
        if truncate:
            raise _Hangup


def serve_forever(
    host: str = "127.0.0.1",
    port: int = 0,
    state_dir: Path | None = None,
    task_seconds: float = 3.0,
) -> None:
    """Run the sandbox until Ctrl+C or SIGTERM (the `grok-video sandbox` command).

    Prints exactly one line to stdout: "Sandbox service listening on URL".
    """
    server = SandboxServer(host=host, port=port, state_dir=state_dir, task_seconds=task_seconds)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: Any = None
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        previous = signal.signal(signal.SIGTERM, on_signal)
    server.start()
    try:
        print(f"Sandbox service listening on {server.url}", flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if in_main:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
        log.info("Sandbox service stopped")
