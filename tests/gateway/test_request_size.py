"""A request's body is capped (LIANJIAN_MAX_REQUEST_BYTES) before anything parses it: declared larger, it is
refused before it is read; sent in chunks without a length, it is refused once it passes the cap; either way
with 413 and a JSON body. A websocket message past the cap closes the socket (1009, uvicorn's ws_max_size)."""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from gateway.app import create_app
from gateway.settings import Settings
from served import Server

CAP = 64 * 1024
ME = b'{"query": "{ me { username } }"}'


def padded(size: int) -> bytes:
    """A valid request of exactly ``size`` bytes (JSON allows the spaces)."""
    return ME[:-1] + b" " * (size - len(ME)) + b"}"


def assert_too_large(status: int, body: bytes) -> None:
    assert status == 413, body
    error = json.loads(body)["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and f"larger than {CAP} bytes" in error["message"], error


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANJIAN_")}
    env.update(LIANJIAN_DATA_DIR=str(tmp_path_factory.mktemp("data")), LIANJIAN_MAX_REQUEST_BYTES=str(CAP))
    served = Server(env)
    try:
        yield served
    finally:
        served.stop()


def post(server: Server, headers: dict[str, str], body: bytes | Iterator[bytes] | None = None,
         chunked: bool = False) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("POST", "/graphql", body, {"content-type": "application/json", **headers},
                           encode_chunked=chunked)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_a_body_declared_larger_than_the_cap_is_refused_before_it_is_sent(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:  # 100 MB announced, not a byte of it sent: the answer comes all the same
        connection.putrequest("POST", "/graphql")
        connection.putheader("content-type", "application/json")
        connection.putheader("content-length", str(100 * 1024 * 1024))
        connection.endheaders()
        response = connection.getresponse()
        assert_too_large(response.status, response.read())
    finally:
        connection.close()


def test_a_chunked_body_is_refused_once_it_passes_the_cap(server):
    def chunks(total: int) -> Iterator[bytes]:
        body = padded(total)
        yield from (body[i:i + 8192] for i in range(0, len(body), 8192))

    assert_too_large(*post(server, {}, chunks(CAP + 1), chunked=True))
    status, body = post(server, {}, chunks(CAP), chunked=True)  # at the cap: read and answered
    assert status == 200 and json.loads(body)["data"]["me"]["username"] == "", body


def test_a_body_up_to_the_cap_is_answered_and_one_byte_more_refused(server):
    status, body = post(server, {}, padded(CAP))
    assert status == 200 and "errors" not in json.loads(body), body
    assert_too_large(*post(server, {}, padded(CAP + 1)))


def test_a_websocket_message_past_the_cap_closes_the_socket(server):
    with connect(f"ws://127.0.0.1:{server.port}/graphql", subprotocols=["graphql-transport-ws"],
                 max_size=None) as socket:
        socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(socket.recv(timeout=10))["type"] == "connection_ack"
        socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ me { username } }"}}))
        assert json.loads(socket.recv(timeout=10))["type"] == "next"
        socket.send(json.dumps({"id": "2", "type": "subscribe", "payload": {"query": " " * CAP + "{ me { username } }"}}))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                socket.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009  # message too big


def test_the_app_itself_refuses_a_large_body_with_the_default_cap(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data", dev_mode=True, tick_interval_seconds=10**9)
    assert settings.max_request_bytes == 1024 * 1024
    with TestClient(create_app(settings)) as client:
        too_large = client.post("/graphql", content=padded(1024 * 1024 + 1), headers={"content-type": "application/json"})
        assert too_large.status_code == 413 and "larger than 1048576 bytes" in too_large.json()["errors"][0]["message"]
        fits = client.post("/graphql", content=padded(1024 * 1024), headers={"content-type": "application/json"})
        assert fits.status_code == 200 and fits.json()["data"]["me"]["username"] == ""
