"""`objcg-lab serve` under hostile traffic, with no browser: a script floods a session
with keys, runs the server out of file descriptors, asks for it under a foreign name
(DNS rebinding), types hostile file names, sends malformed requests, and kills the
server with a session busy. The server stays up, its memory and its sessions' stay
bounded, and nothing is left behind. Loopback only; every wait is bounded polling."""
from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import socket
import stat
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

aiohttp = pytest.importorskip("aiohttp")

from tests.conftest import wait_until  # noqa: E402
from tui.serve import probe  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024  # probe.rss_kib counts KiB


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Room:
    """A server of its own (TMPDIR inside `folder`, so that its state folder can be
    watched), its output read as it comes into `lines`."""

    def __init__(self, folder: Path, *extra: str, max_sessions: int = 2, **options) -> None:
        self.data, self.tmp = folder / "class", folder / "tmp"
        self.tmp.mkdir()
        env = dict(os.environ, TMPDIR=str(self.tmp), PYTHONPATH=str(ROOT))
        self.port = probe.free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.server = probe.start_server(self.port, self.data, *extra, env=env,
                                         max_sessions=max_sessions, **options)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.server.stdout:
            self.lines.append(line)

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def since(self, mark: int) -> str:
        return "".join(self.lines[mark:])

    def stop(self) -> None:
        """Ctrl+C, as a teacher would (if it still runs); every session ends."""
        if self.server.poll() is None:
            self.server.send_signal(signal.SIGINT)
        self.server.wait(timeout=30)
        self.reader.join(timeout=10)
        wait_until(lambda: probe.session_processes(self.data) == [], what="every session to end")


@contextmanager
def classroom(tmp_path: Path, *extra: str, **options):
    room = Room(tmp_path, *extra, **options)
    try:
        yield room
    finally:
        room.stop()


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One server for the tests that leave it running: two places, one more name."""
    with classroom(tmp_path_factory.mktemp("shared"), "--allow-host", "class.example.edu") \
            as room:
        yield room


def state_folders(room) -> list[Path]:
    return [p for p in room.tmp.iterdir() if p.name.startswith("objcg-lab-serve-state-")]


def run(coroutine):
    return asyncio.run(coroutine)


async def opened(client, room, **size) -> probe.RawTab:
    tab = await probe.RawTab(client, room.url).open(**size)
    assert await tab.read_until("memcg tree"), f"no first frame: {tab.close_code}"
    return tab


# -- 1. bounded input ----------------------------------------------------------------------------

def test_a_flood_of_keys_stays_bounded_and_ends_with_its_tab(shared):
    """18 MB of `n` from a script: the session's memory stays near its size at rest, the
    server drops what does not fit, and the busy session ends soon after its tab closes."""
    mark = len(shared.lines)

    async def flood() -> tuple[int, int, int]:
        async with aiohttp.ClientSession() as client:
            before = set(probe.session_processes(shared.data))
            tab = await opened(client, shared)
            pid, = set(probe.session_processes(shared.data)) - before
            rest = peak = probe.rss_kib(pid)
            keys = json.dumps(["stdin", "n" * 60_000])
            for i in range(300):
                await tab.ws.send_str(keys)
                if i % 10 == 0:
                    peak = max(peak, probe.rss_kib(pid))
            await tab.close()
            return pid, rest, peak
    pid, rest, peak = run(flood())
    assert peak < rest + 60 * MIB, f"the session grew from {rest} KiB to {peak} KiB"
    wait_until(lambda: not alive(pid), 15, "the busy session to end")
    assert probe.rss_kib(shared.server.pid) < 200 * MIB
    assert "dropping what does not fit" in shared.since(mark)
    assert "Traceback" not in shared.since(mark)


def test_a_message_too_big_closes_its_tab_only(shared):
    async def oversized() -> int | None:
        async with aiohttp.ClientSession() as client:
            other = await opened(client, shared)
            tab = await opened(client, shared)
            try:
                await tab.ws.send_str(json.dumps(["stdin", "n" * 3_900_000]))
                reset = False
            except (aiohttp.ClientOSError, ConnectionResetError):
                reset = True  # the server closed it while the message was still going out
            if not reset:
                assert not await tab.read_until("never sent", timeout=20)  # closed
            await other.keys("n")
            assert await other.read_until("step 1/21")  # the other tab goes on
            await other.close()
            return 1006 if reset else tab.close_code
    # RFC 6455 1009, message too big; or 1006 (abnormal closure) when the client, still
    # sending, found the connection closed (or reset) before it could read why
    assert run(oversized()) in (1006, 1009)
    assert shared.server.poll() is None
    wait_until(lambda: probe.session_processes(shared.data) == [], what="its session to end")


def test_a_reload_finds_its_own_place_free(shared):
    """The last place in the class: the tab that holds it reloads. Its old session is
    still ending when the new page is asked for; the page must not say "full"."""
    async def reload() -> int:
        async with aiohttp.ClientSession() as client:
            first, last = await opened(client, shared), await opened(client, shared)
            await last.close()
            async with client.get(shared.url) as page:
                await first.close()
                return page.status
    assert run(reload()) == 200


# -- 2. out of file descriptors, out of memory ----------------------------------------------------

def low_fd_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


def test_out_of_file_descriptors_refuses_new_connections_and_keeps_the_open_session(tmp_path):
    with classroom(tmp_path, "--warm", "1", preexec_fn=low_fd_limit) as room:
        async def exhaust() -> None:
            async with aiohttp.ClientSession() as client:
                tab = await opened(client, room)
                idle = [socket.create_connection(("127.0.0.1", room.port)) for _ in range(400)]
                try:
                    refused = wait_until(lambda: _refused(idle), what="a refused connection")
                    assert b"503 Service Unavailable" in refused
                    assert b"too many connections open" in refused
                    assert room.server.poll() is None
                    assert probe.rss_kib(room.server.pid) < 200 * MIB
                    await tab.keys("n")  # the open session goes on
                    assert await tab.read_until("step 1/21")
                finally:
                    for sock in idle:
                        sock.close()
                async def page() -> int:
                    async with client.get(room.url) as response:
                        return response.status
                for _ in range(100):  # served again once the idle connections closed
                    if await page() == 200:
                        break
                    await asyncio.sleep(0.1)
                else:
                    pytest.fail("no page served after the idle connections closed")
                await tab.close()
        run(exhaust())
    assert "refusing new connections until some close" in room.log
    assert "cannot listen" not in room.log and "Traceback" not in room.log


def _refused(sockets: list[socket.socket]) -> bytes | None:
    """The answer of the first socket that the server answered without a request."""
    import select

    poll = select.poll()  # not select(): descriptors past 1024 are fine
    by_fd = {sock.fileno(): sock for sock in sockets}
    for fd in by_fd:
        poll.register(fd, select.POLLIN)
    for fd, _ in poll.poll(200):
        answer = by_fd[fd].recv(4096)
        if answer:
            return answer
    return None


SHORT_OF_MEMORY = """import sys
from pathlib import Path
import tui.serve.resources
tui.serve.resources.MEMINFO = Path(sys.argv.pop(1))  # the test's own /proc/meminfo
from tui.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_short_of_memory_refuses_new_sessions_with_a_clear_message(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 8000000 kB\nMemAvailable: 4000000 kB\n")
    launcher = tmp_path / "launch.py"
    launcher.write_text(SHORT_OF_MEMORY)
    with classroom(tmp_path, launcher=[sys.executable, str(launcher), str(meminfo)]) as room:
        async def squeeze() -> None:
            async with aiohttp.ClientSession() as client:
                tab = await opened(client, room)
                meminfo.write_text("MemTotal: 8000000 kB\nMemAvailable: 51200 kB\n")  # 50 MiB
                async with client.get(room.url) as page:
                    assert page.status == 503
                    assert "short of memory (50 MiB available)" in await page.text()
                late = await probe.RawTab(client, room.url).open()
                assert not await late.read_until("memcg tree")
                assert late.close_code == 4003 and "short of memory" in late.close_reason
                await tab.keys("n")  # the open session goes on
                assert await tab.read_until("step 1/21")
                meminfo.write_text("MemTotal: 8000000 kB\nMemAvailable: 4000000 kB\n")
                async with client.get(room.url) as page:
                    assert page.status == 200
                await tab.close()
        run(squeeze())
    assert room.log.count("short of memory") == 1  # said when it started, not per tab


# -- 3. Host names: DNS rebinding ------------------------------------------------------------------

def test_a_request_for_a_foreign_host_is_refused(shared):
    """A page on evil.example whose name now resolves to 127.0.0.1 sends Host and Origin
    evil.example: refused, page and session alike; the server's own names are served."""
    mark = len(shared.lines)

    async def rebind() -> None:
        async with aiohttp.ClientSession() as client:
            foreign = f"evil.example:{shared.port}"
            async with client.get(shared.url, headers={"Host": foreign}) as page:
                assert page.status == 403
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(shared.url + "ws", headers={
                    "Host": foreign, "Origin": f"http://{foreign}"})
            assert refused.value.status == 403
            for name in (f"localhost:{shared.port}", f"127.0.0.1:{shared.port}",
                         f"class.example.edu:{shared.port}", "[::1]"):
                async with client.get(shared.url, headers={"Host": name}) as page:
                    assert page.status == 200, name
                    assert page.headers["X-Frame-Options"] == "DENY"
    run(rebind())
    assert probe.session_processes(shared.data) == []
    # one line, the second refusal counted under it
    assert shared.since(mark).count("refused a request for host 'evil.example") == 1


# -- 4. file names ---------------------------------------------------------------------------------

async def to_panels(tab: probe.RawTab) -> None:
    """Esc, and wait until the command line is left (an Esc followed at once by a key
    would be read as Alt and that key)."""
    await tab.keys("\x1b")
    await tab.read_until("esc leave command line", gone=True)


async def command(tab: probe.RawTab, line: str) -> None:
    """`:` LINE Enter, as a student types it, from the panels."""
    await to_panels(tab)
    await tab.keys(":")
    await tab.read_until("type a command (e.g.")
    await tab.keys(line)
    await tab.keys("\r")


def test_hostile_names_at_save_are_one_line_and_paths_are_the_students(shared):
    mark = len(shared.lines)

    async def save() -> tuple[bytes, Path]:
        async with aiohttp.ClientSession() as client:
            before = set(probe.session_processes(shared.data))
            tab = await opened(client, shared, width=160, height=40)
            pid, = set(probe.session_processes(shared.data)) - before
            folder = Path(os.readlink(f"/proc/{pid}/cwd"))
            await command(tab, "save " + "x" * 300)
            assert await tab.read_until("longer than 255 bytes")
            # a key cannot type U+202E (Textual's input takes printable keys); a paste can
            await command(tab, "save \x1b[200~evil\u202egpj.objcg\x1b[201~")
            assert await tab.read_until("bidirectional control (U+202E)")
            await command(tab, "save lab.objcg")
            assert await tab.read_until("saved 13 commands to lab.objcg")
            await command(tab, "save lab.objcg")
            assert await tab.read_until("lab.objcg: error: already exists")
            await to_panels(tab)
            await tab.keys("n")  # the session is alive and well
            assert await tab.read_until("step 1/21")
            await tab.close()
            return bytes(tab.output), folder
    output, folder = run(save())
    assert str(shared.data).encode() not in output  # the teacher's folder is never shown
    saved = folder / "lab.objcg"
    assert stat.S_IMODE(shared.data.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["lab.objcg"]
    assert "Traceback" not in shared.since(mark)
    assert "ended with an error" not in shared.since(mark)


# -- 5. hygiene ------------------------------------------------------------------------------------

def test_malformed_requests_are_one_line_each(shared):
    mark = len(shared.lines)
    for junk in (b"\x16\x03\x01\x02\x00junk\r\n\r\n", b"GET / HTTP/1.1\r\nHost: a\r\n"
                 b"Content-Length: nine\r\n\r\n", b"BREW /pot HTCPCP/1.0\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", shared.port)) as sock:
            sock.sendall(junk)
            sock.settimeout(10)
            assert sock.recv(4096).startswith(b"HTTP/1.")  # answered, then closed
    assert shared.server.poll() is None
    lines = [line for line in shared.since(mark).splitlines() if "tab-" not in line]
    assert len(lines) <= 3, lines
    assert "Traceback" not in shared.since(mark)
    assert not any(line.startswith(" ") and "more like the line above" not in line
                   for line in lines), lines


def test_static_files_are_served_but_no_folder_is_listed(shared):
    async def static() -> None:
        async with aiohttp.ClientSession() as client:
            for folder in ("static/", "static/js/", "static/fonts/"):
                async with client.get(shared.url + folder) as listing:
                    assert listing.status in (403, 404), folder
                    assert "Index of" not in await listing.text()
            async with client.get(shared.url + "static/css/xterm.css") as css:
                assert css.status == 200
    run(static())


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGHUP])
def test_stopping_the_server_with_a_busy_session_leaves_nothing(tmp_path, how):
    """However the server stops (SIGKILL gives it no chance at all), no session goes on,
    nor the fork server, and no state or empty tab folder stays."""
    with classroom(tmp_path, "--warm", "1") as room:
        async def busy_then_stop() -> list[int]:
            async with aiohttp.ClientSession() as client:
                tab = await opened(client, room)
                quiet = await opened(client, room)
                below = probe.descendants(room.server.pid)
                keys = json.dumps(["stdin", "n" * 60_000])
                for _ in range(50):
                    await tab.ws.send_str(keys)
                room.server.send_signal(how)
                await asyncio.to_thread(room.server.wait, 20)
                await quiet.close()
                return below
        below = run(busy_then_stop())
        assert len(below) >= 4  # the fork server, two sessions, a warm one
        wait_until(lambda: not any(alive(pid) for pid in below), 15, "every process to end")
        wait_until(lambda: state_folders(room) == [], 15, "the state folder to go")
        assert list(room.data.iterdir()) == []  # nothing saved: no tab folder
    if how != signal.SIGKILL:
        assert room.server.returncode == 0
        assert "Traceback" not in room.log


def test_a_warm_session_taken_by_a_tab_and_shared_data(tmp_path):
    """--warm 2: two sessions wait before any tab; a tab takes one, and the pool fills
    again. With --shared-data what the tab saves is readable by others."""
    with classroom(tmp_path, "--warm", "2", "--shared-data") as room:
        def warm() -> list[int]:
            state = state_folders(room)
            return [pid for pid in probe.descendants(room.server.pid)
                    if state and os.readlink(f"/proc/{pid}/cwd") == str(state[0])]

        zygote_and_warm = wait_until(lambda: len(warm()) == 3 and warm(), what="two warm sessions")

        async def take() -> None:
            async with aiohttp.ClientSession() as client:
                tab = await opened(client, room, width=160, height=40)
                session = probe.session_processes(room.data)
                assert len(session) == 1 and session[0] in zygote_and_warm  # one taken
                wait_until(lambda: len(warm()) == 3, what="the pool to fill again")
                await command(tab, "save lab.objcg")
                assert await tab.read_until("saved 13 commands to lab.objcg")
                await tab.close()
        run(take())
        saved = room.data / "tab-1" / "lab.objcg"
        assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o755
        assert stat.S_IMODE(saved.stat().st_mode) == 0o644


def test_the_host_0_0_0_0_prints_the_machines_addresses(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe_socket:
        try:  # no packet is sent: the kernel only picks the route's source address
            probe_socket.connect(("192.0.2.1", 9))
        except OSError:
            pytest.skip("no network interface besides loopback")
        address = probe_socket.getsockname()[0]
    if address.startswith("127."):
        pytest.skip("no network interface besides loopback")
    with classroom(tmp_path, "--host", "0.0.0.0", "--warm", "0") as room:
        wait_until(lambda: len(room.lines) >= 2, what="the address printed")
    warning, announce = room.lines[:2]
    assert "warning: listening on 0.0.0.0" in warning
    assert f"http://{address}:{room.port}/" in announce
    assert "127.0.0.1" not in announce


# -- the parts, alone ------------------------------------------------------------------------------

def test_name_checks():
    from tui.safe_names import name_problem, shown

    assert name_problem("lab.objcg") is None
    assert name_problem("sub/ok-é.objcg") is None
    assert name_problem("x" * 255) is None  # NAME_MAX = 255 bytes (include/uapi/linux/limits.h)
    assert "longer than 255 bytes" in name_problem("x" * 256)
    assert "longer than 255 bytes" in name_problem("é" * 128)  # 256 bytes in UTF-8
    assert "longer than 4095 bytes" in name_problem("/".join(["x" * 200] * 21))
    assert "control character (U+000A)" in name_problem("a\nb")
    assert "control character (U+001B)" in name_problem("a\x1b[2Jb")
    assert "control character (U+0085)" in name_problem("a\x85b")
    for bidi in ("\u202e", "\u2066", "\u200f", "\u061c"):
        assert "bidirectional control" in name_problem(f"x{bidi}y")
    assert name_problem("") == name_problem("  ") == "error: no file name given"
    assert shown("a\x1b[2J\u202eb") == "a\\x1b[2J\\u202eb"
    assert len(shown("x" * 300)) < 80 and "(300 characters)" in shown("x" * 300)


def test_hostile_names_are_refused_everywhere_in_one_line(tmp_path, monkeypatch):
    from tui.outfiles import OutputError, write_file
    from tui.record import Tape
    from tui.scenarios import DEFAULT_NAME, default_text
    from tui.session import LoadError, Session

    monkeypatch.chdir(tmp_path)
    session = Session.from_text(default_text(), DEFAULT_NAME)
    for bad in ("x" * 300, "a\x1b]0;owned\x07.objcg", "cod\u202egpj.objcg", " "):
        with pytest.raises(LoadError) as saved:
            session.save(bad)
        with pytest.raises(OutputError) as recorded:
            Tape().start(bad, session)
        with pytest.raises(OutputError) as written:
            write_file(bad, "text")
        for err in (saved, recorded, written):
            assert "\n" not in str(err.value) and "\x1b" not in str(err.value)
    assert list(tmp_path.iterdir()) == []
    run_export = [sys.executable, "-m", "tui.cli", "export", "svg",
                  str(ROOT / "screenshots" / "tour.objcg"), "-o", "y" * 300]
    import subprocess

    done = subprocess.run(run_export, cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "longer than 255 bytes" in done.stderr


def test_messages_name_paths_inside_the_students_folder(tmp_path, monkeypatch):
    from tui.outfiles import CONFINE_ENV, OutputError, write_file
    from tui.record import Tape
    from tui.scenarios import DEFAULT_NAME, default_text
    from tui.session import Session

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(CONFINE_ENV, str(tmp_path))
    write_file("lab.objcg", "x")
    with pytest.raises(OutputError) as again:
        write_file("lab.objcg", "y")
    assert str(again.value).startswith("lab.objcg: error: already exists")
    session = Session.from_text(default_text(), DEFAULT_NAME)
    tape = Tape()
    assert tape.start("rec.objcg", session).startswith("recording to rec.objcg (")
    assert str(tmp_path) not in tape.stop(session)


def test_the_input_queue_is_bounded():
    from tui.serve.inputs import InputQueue

    async def fill() -> None:
        queue = InputQueue(max_bytes=10, max_packets=3)
        assert queue.put(b"abcd") and queue.put(b"efgh")
        assert not queue.put(b"ijk")  # 11 bytes
        assert queue.put(b"ij") and not queue.put(b"")  # a fourth packet
        assert queue.dropped == 2
        assert [await queue.get() for _ in range(3)] == [b"abcd", b"efgh", b"ij"]
        assert queue.put(b"0123456789")  # room again
    run(fill())


def test_host_names():
    from tui.serve.guard import HostCheck, host_name

    assert host_name("Class.Example.EDU.:8000") == "class.example.edu"
    assert host_name("[::1]:8000") == "::1"
    assert host_name("127.0.0.1") == "127.0.0.1"
    check = HostCheck("0.0.0.0", ["class.example.edu"], behind_proxy=False)
    assert check.names == {"localhost", "class.example.edu"}
    assert HostCheck("lab-pc.local", [], False).names == {"localhost", "lab-pc.local"}


def test_one_line_logs():
    import io
    import logging

    from tui.serve.logs import OneLineHandler

    stream = io.StringIO()
    handler = OneLineHandler(stream)
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    for _ in range(3):
        handler.emit(record)
    handler.emit(logging.LogRecord("t", logging.INFO, __file__, 1, "next", (), None))
    assert stream.getvalue() == ("failed: ValueError: bad thing\n"
                                 "  (and 2 more like the line above)\nnext\n")


def test_downloads_not_fetched_expire():
    from tui.serve.downloads import ExpiringDownloads

    async def expire() -> None:
        downloads = ExpiringDownloads(ttl=0)
        owner = SimpleNamespace(app_service_id="tab")
        await downloads.create_download(app_service=owner, delivery_key="k", file_name="x.svg",
                                        open_method="download", mime_type="image/svg+xml")
        for _ in range(100):
            if len(downloads) == 0:
                return
            await asyncio.sleep(0)
        pytest.fail("the download did not expire")
    run(expire())


def test_options_out_of_range_are_one_line(tmp_path):
    import subprocess

    for options, said in ((["--warm", "-1"], "--warm -1: 0 to 64"),
                          (["--base-path", "/a b/"], "--base-path /a b/: a path"),
                          (["--allow-host", "evil.example/x"], "--allow-host evil.example/x")):
        done = subprocess.run([sys.executable, "-m", "tui.cli", "serve", *options, "--data",
                               str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 2 and done.stderr.startswith("objcg-lab serve: error: ")
        assert said in done.stderr and done.stderr.count("\n") == 1
