"""Timeouts that uvicorn lacks, for `cairn serve`: how long a client may take to send a request's
head, and how long it may stay silent in the middle of a body.

uvicorn's h11 protocol arms a timer only between requests (``timeout_keep_alive``), and cancels
it on the first byte that arrives. A client that connects and sends its request line and headers
one byte every few seconds (slow loris) therefore holds its connection for ever, and enough such
clients exhaust the server's sockets. Here every request head must arrive whole within
``head_timeout`` seconds of the server starting to wait for it (however the bytes trickle in),
and an upload is cut off when it stops sending for ``body_idle_timeout`` seconds, or when, that
long after it began, it has averaged less than ``min_body_rate`` bytes a second (a body sent a
byte at a time, never quite silent). Time the server itself spent not reading (flow control) is
not held against the client.
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for request heads and an idle limit for bodies."""

    head_timeout = 10.0
    body_idle_timeout = 30.0
    min_body_rate = 1024.0  # bytes a second, on average; a modem did 7 KB/s
    _head_timer: asyncio.TimerHandle | None = None
    _body_timer: asyncio.TimerHandle | None = None
    _body_since = 0.0  # when the body (or the rate window after a pause of ours) began
    _body_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head()  # a client that connects and says nothing is held to the same deadline

    def data_received(self, data: bytes) -> None:
        was_in_body = self.conn.their_state is h11.SEND_BODY
        super().data_received(data)
        self._watch(fresh_data=True)
        if was_in_body and self.conn.their_state is h11.SEND_BODY:
            self._check_rate(len(data))

    def on_response_complete(self) -> None:
        super().on_response_complete()  # arms uvicorn's keep-alive timer for the idle wait
        self._watch(fresh_data=False)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head()
        self._cancel_body()
        super().connection_lost(exc)

    def _watch(self, fresh_data: bool) -> None:
        """Arm the timer that fits the client's state: sending a head, or in the middle of a body.

        Between requests uvicorn's keep-alive timer rules; the head deadline starts with the
        first byte of the next head (which is when uvicorn cancels its timer) and is not reset
        by the bytes that follow.
        """
        if self.transport.is_closing():
            return
        state = self.conn.their_state
        if state is h11.IDLE:
            self._cancel_body()
            if fresh_data:
                self._arm_head()
        elif state is h11.SEND_BODY:
            if self._head_timer is not None or self._body_timer is None:  # the body begins
                self._body_since, self._body_bytes = self.loop.time(), 0
            self._cancel_head()
            if fresh_data or self._body_timer is None:
                self._cancel_body()
                self._body_timer = self.loop.call_later(self.body_idle_timeout, self._body_too_slow)
        else:
            self._cancel_head()
            self._cancel_body()

    def _check_rate(self, received: int) -> None:
        self._body_bytes += received
        elapsed = self.loop.time() - self._body_since
        if elapsed > self.body_idle_timeout and self._body_bytes < self.min_body_rate * elapsed:
            self.logger.warning("closing a connection whose upload averaged %.0f bytes/s", self._body_bytes / elapsed)
            self.transport.close()

    def _arm_head(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_too_slow)

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self.logger.warning("closing a connection that sent no whole request head in %.0fs", self.head_timeout)
            self.transport.close()

    def _body_too_slow(self) -> None:
        self._body_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.SEND_BODY:
            return
        if self.flow.read_paused:  # the server is not reading: the client cannot be blamed
            self._body_since, self._body_bytes = self.loop.time(), 0
            self._body_timer = self.loop.call_later(self.body_idle_timeout, self._body_too_slow)
            return
        self.logger.warning("closing a connection whose upload was silent for %.0fs", self.body_idle_timeout)
        self.transport.close()

    def _cancel_head(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _cancel_body(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None


def guarded_protocol(head_timeout: float, body_idle_timeout: float) -> type[GuardedH11Protocol]:
    """A protocol class with these limits (uvicorn instantiates the class itself, per connection)."""
    return type(
        "CairnH11Protocol",
        (GuardedH11Protocol,),
        {"head_timeout": head_timeout, "body_idle_timeout": body_idle_timeout},
    )
