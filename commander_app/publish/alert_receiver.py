"""The alert receiver: an HTTP endpoint Alertmanager's webhook (or a PagerDuty-shaped
sender) posts to, on this laptop.

Safe by default: bound to 127.0.0.1 unless a host is given; an optional bearer token
compared in constant time; a body over `MAX_BODY` is refused (413) before it is read,
malformed JSON (400), a wrong token (401), a wrong path (404) or method (405) likewise.

Write first, then answer: a request's alerts are committed to the log before its 200
goes out, so nothing acknowledged is lost if Commander is killed right after. Request
threads only read and parse; one writer thread owns the log's connection (SQLite has
one writer anyway) and takes each request's alerts as one batch, one transaction. At
most `MAX_IN_FLIGHT` requests are held at once (more get 503 and Alertmanager retries),
so a flood costs bounded memory.

Which incident: the one named at start, else the most recently active open incident
when the alerts arrive; with none open, they wait in the inbox (`store.alerts`).
"""

from __future__ import annotations

import hmac
import json
import logging
import queue
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from commander_app.core.alert_payloads import IncomingAlert, parse_payload
from commander_app.core.clock import Clock
from commander_app.core.errors import CommanderError, NotFoundError
from commander_app.store.alerts import InboxFullError, ingest, keep_in_inbox
from commander_app.store.errors import StorageError
from commander_app.store.incident_log import IncidentLog

logger = logging.getLogger(__name__)

PATH = "/alerts"
HEALTH_PATH = "/health"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9095
MAX_BODY = 1024 * 1024  # 1 MiB: Alertmanager's biggest groups are far smaller
MAX_IN_FLIGHT = 16  # requests read, parsed or waiting for the writer at once
WRITE_TIMEOUT_S = 30.0  # a writer stuck this long (a locked log) answers 503
READ_TIMEOUT_S = 10.0  # a client that stops sending mid-body is dropped


@dataclass
class _Batch:
    alerts: list[IncomingAlert]
    done: threading.Event = field(default_factory=threading.Event)
    result: dict[str, Any] = field(default_factory=dict)
    status: int = 200


class AlertReceiver:
    """Start with `start()`, stop with `stop()`; `url` is where to post."""

    def __init__(
        self,
        path: Path,
        *,
        device_id: str,
        clock: Clock,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        token: str | None = None,
        incident_id: str | None = None,
        author: str = "alertmanager",
        max_body: int = MAX_BODY,
    ) -> None:
        self._path, self._device_id, self._clock = path, device_id, clock
        self.incident_id, self.author, self.max_body = incident_id, author, max_body
        self._token = f"Bearer {token}".encode() if token else None
        self._batches: queue.Queue[_Batch | None] = queue.Queue()
        self._in_flight = threading.BoundedSemaphore(MAX_IN_FLIGHT)
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._threads: list[threading.Thread] = []
        self._opened = threading.Event()
        self._open_error: BaseException | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        shown = f"[{host!s}]" if ":" in str(host) else str(host)
        return f"http://{shown}:{port}{PATH}"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        """The writer opens the log first: a log that cannot be opened fails here."""
        writer = threading.Thread(target=self._write_loop, name="alert-writer", daemon=True)
        writer.start()
        self._opened.wait()
        if self._open_error is not None:
            writer.join()
            self._server.server_close()
            raise self._open_error
        server = threading.Thread(
            target=self._server.serve_forever, name="alert-receiver", daemon=True
        )
        server.start()
        self._threads = [writer, server]

    def stop(self) -> None:
        """Stop taking requests, finish the batches taken, close the log."""
        self._server.shutdown()
        self._server.server_close()
        self._batches.put(None)
        for thread in self._threads:
            thread.join(timeout=WRITE_TIMEOUT_S)

    def serve_forever(self) -> None:
        """In the foreground: until Ctrl+C (KeyboardInterrupt), then `stop()`."""
        self.start()
        try:
            threading.Event().wait()
        finally:
            self.stop()

    # -- the writer thread ---------------------------------------------------------------

    def _write_loop(self) -> None:
        try:
            log = IncidentLog(self._path, device_id=self._device_id, clock=self._clock)
        except Exception as exc:  # noqa: BLE001  start() raises it in the caller's thread
            self._open_error = exc
            self._opened.set()
            return
        self._opened.set()
        with log:
            while (batch := self._batches.get()) is not None:
                try:
                    self._write(log, batch)
                except (StorageError, InboxFullError) as exc:
                    logger.warning("alerts not written, answered 503: %s", exc)
                    batch.status, batch.result = 503, {"error": str(exc)}
                except CommanderError as exc:
                    logger.warning("alerts refused: %s", exc)
                    batch.status, batch.result = 400, {"error": str(exc)}
                except Exception:  # a bug: logged with its traceback, the request told 500
                    logger.exception("writing alerts failed")
                    batch.status, batch.result = 500, {"error": "internal error; see the log"}
                finally:
                    batch.done.set()

    def _write(self, log: IncidentLog, batch: _Batch) -> None:
        incident_id = self.incident_id
        if incident_id is None:
            try:
                incident_id = log.find_incident(None).id
            except NotFoundError:
                kept = keep_in_inbox(log, batch.alerts)
                logger.info("no open incident: %d alerts kept in the inbox", kept)
                batch.result = {"inbox": kept}
                return
        done = ingest(log, incident_id, batch.alerts, author=self.author)
        logger.info(
            "%d alerts: %d written to incident %s, %d repeats",
            len(batch.alerts),
            done.events,
            incident_id[:10],
            done.repeats,
        )
        batch.result = {"incident": incident_id, "written": done.events, "repeats": done.repeats}

    # -- what request threads call -------------------------------------------------------

    def authorized(self, header: str | None) -> bool:
        if self._token is None:
            return True
        return hmac.compare_digest((header or "").encode("utf-8", "replace"), self._token)

    def take(self, alerts: list[IncomingAlert]) -> _Batch:
        """Hand a batch to the writer and wait until it is committed (or refused)."""
        batch = _Batch(alerts)
        self._batches.put(batch)
        if not batch.done.wait(WRITE_TIMEOUT_S):
            batch.status, batch.result = 503, {"error": "the incident log is busy; retry"}
        return batch

    def hold(self) -> bool:
        return self._in_flight.acquire(blocking=False)

    def release(self) -> None:
        self._in_flight.release()


def _handler(receiver: AlertReceiver) -> type[BaseHTTPRequestHandler]:
    class AlertHandler(BaseHTTPRequestHandler):
        server_version = "Commander"
        sys_version = ""
        timeout = READ_TIMEOUT_S
        protocol_version = "HTTP/1.1"
        # The headers and the body go out in two writes: with Nagle's algorithm on, the
        # body waits for the client's delayed ACK (40 ms a request).
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("%s %s", self.address_string(), format % args)

        def _answer(self, status: int, body: dict[str, Any], **headers: str) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _not_here(self) -> None:
            if self.path.split("?")[0] == PATH:
                self._answer(405, {"error": f"use POST {PATH}"}, Allow="POST")
            elif self.path.split("?")[0] == HEALTH_PATH and self.command in ("GET", "HEAD"):
                self._answer(200, {"status": "ok"})
            else:
                self._answer(404, {"error": f"not found; alerts go to POST {PATH}"})

        do_GET = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_here

        def do_POST(self) -> None:
            if self.path.split("?")[0] != PATH:
                self._answer(404, {"error": f"not found; alerts go to POST {PATH}"})
                return
            if not receiver.authorized(self.headers.get("Authorization")):
                self.close_connection = True  # the body is not read
                self._answer(
                    401, {"error": "wrong or missing bearer token"}, WWW_Authenticate="Bearer"
                )
                return
            length = self.headers.get("Content-Length")
            if length is None or not length.strip().isdigit():
                self.close_connection = True
                self._answer(411, {"error": "a Content-Length is required"})
                return
            if int(length) > receiver.max_body:
                self.close_connection = True
                self._answer(413, {"error": f"the body is over {receiver.max_body:,} bytes"})
                return
            if not receiver.hold():
                self.close_connection = True
                self._answer(503, {"error": "too many requests at once; retry"}, Retry_After="5")
                return
            try:
                self._receive(int(length))
            finally:
                receiver.release()

        def _receive(self, length: int) -> None:
            try:
                raw = self.rfile.read(length)
            except TimeoutError:
                self.close_connection = True
                return
            if len(raw) < length:
                self.close_connection = True
                return  # the client went away mid-body: nothing to answer
            try:
                payload = json.loads(raw.decode("utf-8"))
            except (ValueError, RecursionError):
                self._answer(400, {"error": "the body is not JSON"})
                return
            parsed = parse_payload(payload)
            if parsed.problems and not parsed.alerts:
                self._answer(400, {"error": "no alert could be read", "problems": parsed.problems})
                return
            if parsed.problems:
                logger.warning("%d alerts refused: %s", len(parsed.problems), parsed.problems[0])
            if parsed.truncated:
                logger.warning("Alertmanager left out %d alerts (max_alerts)", parsed.truncated)
            batch = receiver.take(parsed.alerts)
            self._answer(batch.status, {**batch.result, "refused": parsed.problems})

    return AlertHandler
