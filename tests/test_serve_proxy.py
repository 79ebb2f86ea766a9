"""Several `objcg-lab serve` processes behind nginx, run with the configuration that
docs/serve.md gives (taken from the page itself, only its ports changed): the class's
address hands out pages of every process, skips a full one, sessions stick to their
process, foreign names are refused through the proxy, and a browser opens a session
through it. Skipped where nginx is not installed (`.ci/run` installs it)."""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

aiohttp = pytest.importorskip("aiohttp")

from tui.serve import probe  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NAME = "class.example.edu"


def documented_configuration() -> str:
    text = (ROOT / "docs" / "serve.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```nginx\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "docs/serve.md should give one nginx configuration"
    return blocks[0]


def on_ports(configuration: str, front: int, a: int, b: int) -> str:
    """The documented configuration with this test's ports (each place must be there)."""
    for old, new in (("listen 80;", f"listen 127.0.0.1:{front};"),
                     ("127.0.0.1:8001", f"127.0.0.1:{a}"), ("127.0.0.1:8002", f"127.0.0.1:{b}")):
        assert old in configuration, old
        configuration = configuration.replace(old, new)
    return configuration


def nginx_conf(folder: Path, site: str) -> str:
    """A whole nginx.conf around the site's configuration, everything inside `folder`."""
    temps = "\n".join(f"    {kind}_temp_path {folder / kind};"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"};
events {{ worker_connections 256; }}
http {{
    access_log off;
{temps}
{site}
}}
"""


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"exited with status {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"nothing listens on port {port} after {timeout} s")


@pytest.fixture(scope="module")
def department(tmp_path_factory):
    """nginx in front of two serve processes of one place each."""
    if NGINX is None:
        pytest.skip("nginx is not installed")
    folder = tmp_path_factory.mktemp("department")
    front, a, b = probe.free_port(), probe.free_port(), probe.free_port()
    servers = {}
    for node, port in (("a", a), ("b", b)):
        servers[node] = probe.start_server(
            port, folder / f"class-{node}", "--base-path", f"/class/{node}/", "--allow-host",
            NAME, "--behind-proxy", "--warm", "1", max_sessions=1)
    (folder / "nginx.conf").write_text(
        nginx_conf(folder, on_ports(documented_configuration(), front, a, b)))
    nginx = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"),
                              "-e", str(folder / "error.log"), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(front, nginx)
        yield f"http://127.0.0.1:{front}", folder, servers
    finally:
        nginx.terminate()
        nginx.wait(timeout=20)
        for server in servers.values():
            probe.stop_server(server)
        for node in "ab":
            assert probe.session_processes(folder / f"class-{node}") == []


def node_of(page: str) -> str:
    """Which process sent a page: the path its websocket address names."""
    found = re.search(r'"/class/([ab])/ws"', page)
    assert found, page
    return found.group(1)


async def pages(client, front: str, count: int) -> list[tuple[int, str]]:
    found = []
    for _ in range(count):
        async with client.get(front + "/class/") as page:
            found.append((page.status, await page.text()))
    return found


async def session(client, front: str, node: str, host: str | None = None) -> probe.RawTab:
    origin = host and f"http://{host}"
    headers = {"Origin": origin or front, **({"Host": host} if host else {})}
    tab = await probe.RawTab(client, f"{front}/class/{node}/", headers).open()
    assert await tab.read_until("memcg tree")
    return tab


def test_the_class_address_hands_out_pages_of_every_process(department):
    front, _, _ = department

    async def visit() -> None:
        async with aiohttp.ClientSession() as client:
            answered = await pages(client, front, 4)
            assert [status for status, _ in answered] == [200] * 4
            assert {node_of(page) for _, page in answered} == {"a", "b"}
            page = answered[0][1]
            node = node_of(page)
            assert f'/class/{node}/static/css/xterm.css' in page
            async with client.get(f"{front}/class/{node}/objcg-lab/textual.js") as script:
                assert f"/class/{node}/download/" in await script.text()
            async with client.get(f"{front}/class/{node}/static/css/xterm.css") as css:
                assert css.status == 200
    asyncio.run(visit())


def test_a_full_process_is_skipped_and_each_session_sticks_to_its_own(department):
    front, folder, _ = department

    async def fill() -> None:
        async with aiohttp.ClientSession() as client:
            first = await session(client, front, "a")
            answered = await pages(client, front, 4)  # a is full: nginx asks b every time
            assert [(status, node_of(page)) for status, page in answered] == [(200, "b")] * 4
            second = await session(client, front, "b")
            (status, page), = await pages(client, front, 1)
            assert status == 503 and "The class is full" in page
            for tab in (first, second):  # each session answers through the proxy
                await tab.keys("n")
                assert await tab.read_until("step 1/21")
            assert len(probe.session_processes(folder / "class-a")) == 1
            assert len(probe.session_processes(folder / "class-b")) == 1
            await first.close()
            for _ in range(100):  # a's place comes back
                (status, page), = await pages(client, front, 1)
                if status == 200:
                    break
                await asyncio.sleep(0.1)
            assert status == 200 and node_of(page) == "a"
            await second.close()
    asyncio.run(fill())


def test_a_foreign_name_is_refused_through_the_proxy(department):
    front, _, servers = department

    async def rebind() -> None:
        async with aiohttp.ClientSession() as client:
            async with client.get(front + "/class/", headers={"Host": "evil.example"}) as page:
                assert page.status == 403
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session(client, front, "a", host="evil.example")
            assert refused.value.status == 403
            tab = await session(client, front, "a", host=NAME)  # the proxy's public name
            await tab.close()
    asyncio.run(rebind())


def test_a_browser_opens_a_session_through_the_proxy(department):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    front, folder, _ = department
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(front + "/class/")
            has = f"text => ({probe.SCREEN_TEXT_JS})().includes(text)"
            page.wait_for_function(has, arg="memcg tree", timeout=30_000)
            page.locator("#terminal").click()
            page.keyboard.press("n")
            page.wait_for_function(has, arg="step 1/21", timeout=20_000)
            assert len(probe.session_processes(folder / "class-a") +
                       probe.session_processes(folder / "class-b")) == 1
        finally:
            browser.close()
