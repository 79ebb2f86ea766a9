"""`objcg-lab serve` in a real headless Chromium: the explorer in a page, keys typed into
it, two tabs that stay apart, the session limit, saves confined to the teacher's folder,
and no session process left behind. Loopback only; every wait is bounded polling."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import chromium_env, wait_until
from tui.outfiles import CONFINE_ENV, OutputError, write_file
from tui.serve import probe
from tui.serve.cli import host_warning, port_problem

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[1]


# -- without a browser -------------------------------------------------------------------------

def test_saves_are_confined_to_the_session_folder(tmp_path, monkeypatch):
    folder = tmp_path / "tab-1"
    folder.mkdir()
    (tmp_path / "outside").mkdir()
    (folder / "link").symlink_to(tmp_path / "outside")
    monkeypatch.setenv(CONFINE_ENV, str(folder))
    for bad in ("/etc/x", "../x", "../../x", "link/x", "sub/../../x", "."):
        with pytest.raises(OutputError, match="writes only inside its own folder"):
            write_file(bad, "text")
    write_file("kept.objcg", "text")
    assert (folder / "kept.objcg").read_text() == "text"
    assert list((tmp_path / "outside").iterdir()) == []


def test_a_served_session_neither_lists_nor_records_outside_its_folder(tmp_path, monkeypatch):
    from tui.complete import candidates
    from tui.record import Tape
    from tui.scenarios import DEFAULT_NAME, default_text
    from tui.session import Session

    (tmp_path / "mine.objcg").write_text("mkdir A\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(CONFINE_ENV, str(tmp_path))
    names = None  # `save` completes file names only: no names of the session needed
    assert candidates("save /etc/", names) == ("/etc/", [])
    assert candidates("save ../", names) == ("../", [])
    assert candidates("save mi", names) == ("mi", ["mine.objcg"])
    session = Session.from_text(default_text(), DEFAULT_NAME)
    with pytest.raises(OutputError, match="writes only inside its own folder"):
        Tape().start("/etc/passwd", session)  # refused before even looking at it
    assert "recording to" in Tape().start("rec.objcg", session)
    assert (tmp_path / "rec.objcg").exists()


def test_a_forged_terminal_size_is_bounded():
    from tui.serve.sessions import _bounded

    assert _bounded(140, 38) == (140, 38)
    assert _bounded(100_000, 100_000) == (400, 150)
    assert _bounded(-5, 0) == (20, 8)
    assert _bounded("80; rm", None) == (80, 24)


def test_taken_port_is_one_clear_line(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert "already in use" in port_problem("127.0.0.1", port)
        run = subprocess.run(
            [sys.executable, "-m", "tui.cli", "serve", "--port", str(port), "--data",
             str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr == (f"objcg-lab serve: error: port {port} on 127.0.0.1 is already in "
                          "use (another server?); choose another with --port N\n")


def test_only_a_non_loopback_host_is_warned_about():
    assert host_warning("127.0.0.1", 5) is None
    assert host_warning("localhost", 5) is None
    assert host_warning("::1", 5) is None
    warning = host_warning("0.0.0.0", 5)
    assert warning is not None and "anyone who can reach" in warning and "up to 5" in warning


def test_bad_file_stops_before_serving(tmp_path):
    run = subprocess.run([sys.executable, "-m", "tui.cli", "serve", "explore",
                          str(tmp_path / "missing.objcg")],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip().endswith("missing.objcg: error: cannot read the script: "
                                       "No such file or directory")
    assert "Traceback" not in run.stderr


# -- in Chromium -------------------------------------------------------------------------------



@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"],
                                              env=chromium_env(tmp_path_factory.mktemp("chromium")))
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """One server for the browser tests: at most 2 sessions."""
    data = tmp_path_factory.mktemp("class")
    port = probe.free_port()
    server = probe.start_server(port, data, max_sessions=2)
    yield f"http://127.0.0.1:{port}/", data, server
    probe.stop_server(server)
    assert probe.session_processes(data) == []


def screen(page) -> str:
    return page.evaluate(probe.SCREEN_TEXT_JS)


def wait_for_text(page, text: str, timeout: float = 20.0) -> str:
    def shown() -> str | None:
        now = screen(page)
        return now if text in now else None
    try:
        return wait_until(shown, timeout, f"{text!r} on the page's screen")
    except pytest.fail.Exception:
        pytest.fail(f"{text!r} not on the page's screen within {timeout} s:\n{screen(page)}")


def open_explorer(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(url)
    wait_for_text(page, "memcg tree", timeout=30)
    page.locator("#terminal").click()
    return page


def to_panels(page) -> None:
    """Esc: keys go to the panels again (the command line may keep them after Enter)."""
    page.keyboard.press("Escape")
    wait_until(lambda: "esc leave command line" not in screen(page), what="the panels' focus")


def command(page, line: str) -> None:
    """`:` LINE Enter, as a student types it. A refused line stays on the command line, and
    ':' there types nothing: leave it first (esc), so that ':' opens an empty line."""
    to_panels(page)
    page.keyboard.press(":")
    wait_for_text(page, "type a command (e.g.")
    page.keyboard.type(line)
    page.keyboard.press("Enter")


def test_explorer_steps_and_takes_commands(browser, classroom, tmp_path):
    url, data, server = classroom
    page = open_explorer(browser, url)
    try:
        assert "command 12/13" in screen(page)
        page.keyboard.press("n")
        wait_for_text(page, "step 1/21 · rmdir A/B")
        assert "cgroup_rmdir(/A/B) from cpu0" in screen(page)
        command(page, "mkdir C")
        text = wait_for_text(page, "└─ /C")
        assert "mkdir C" in text
        shot = tmp_path / "explorer.png"
        page.screenshot(path=str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        page.close()
    wait_until(lambda: probe.session_processes(data) == [], what="the session to end")


def test_saves_stay_in_the_teachers_folder(browser, classroom):
    url, data, server = classroom
    page = open_explorer(browser, url)
    try:
        for bad in ("/etc/objcg-lab-x", "../../objcg-lab-x"):
            command(page, f"save {bad}")
            wait_for_text(page, f"{bad}: error: this served session writes only inside its "
                                "own folder")
        command(page, "save lab.objcg")
        wait_for_text(page, "saved 13 commands to lab.objcg")
        saved = wait_until(lambda: list(data.glob("tab-*/lab.objcg")), what="the saved file")
        assert len(saved) == 1 and "mkdir A" in saved[0].read_text()
        assert not Path("/etc/objcg-lab-x").exists()
        assert not (data.parent / "objcg-lab-x").exists()  # ../../ from DIR/tab-1
    finally:
        page.close()
    wait_until(lambda: probe.session_processes(data) == [], what="the session to end")


def test_two_tabs_stay_apart_and_the_third_finds_the_class_full(browser, classroom):
    url, data, server = classroom
    first, second = open_explorer(browser, url), open_explorer(browser, url)
    try:
        pids = wait_until(lambda: len(probe.session_processes(data)) == 2 and
                          probe.session_processes(data), what="two session processes")
        assert set(pids) <= set(probe.descendants(server.pid))  # forked by its zygote
        command(first, "mkdir C")
        command(second, "mkdir D")
        # a typed command plays its micro-steps: wait until both have played to the end
        wait_for_text(first, "step 3/3 · mkdir C → 0  paused")
        wait_for_text(second, "step 3/3 · mkdir D → 0  paused")
        to_panels(first)
        first.keyboard.press("b")  # only the first tab steps back
        wait_for_text(first, "step 2/3 · mkdir C")
        assert "step 3/3 · mkdir D" in screen(second)
        assert "/D" not in screen(first) and "/C" not in screen(second)
        assert "mkdir D" not in screen(first) and "mkdir C" not in screen(second)

        third = browser.new_page()
        response = third.goto(url)
        assert response.status == 503
        assert third.locator("#full").inner_text() == "The class is full"
        assert "All 2 sessions are in use." in third.inner_text("body")
        third.close()
        assert len(probe.session_processes(data)) == 2

        # A websocket opened past the limit (a tab that raced) is closed as "full"
        async def late_socket() -> int | None:
            import aiohttp

            async with aiohttp.ClientSession() as client:
                async with client.ws_connect(url + "ws") as socket_:
                    await socket_.receive()
                    return socket_.close_code
        with ThreadPoolExecutor(1) as thread:  # playwright's own loop runs in this thread
            assert thread.submit(asyncio.run, late_socket()).result(timeout=20) == 4001
    finally:
        first.close()
        second.close()
    wait_until(lambda: probe.session_processes(data) == [], what="both sessions to end")
    assert not set(pids) & set(probe.descendants(server.pid))


def test_a_lesson_per_tab_with_its_own_progress_and_ctrl_c_ends_it(browser, tmp_path):
    data, teacher, tmp = tmp_path / "class", tmp_path / "teacher", tmp_path / "tmp"
    tmp.mkdir()
    port = probe.free_port()
    server = probe.start_server(port, data, "lesson", "1", max_sessions=2,
                                env=dict(os.environ, XDG_DATA_HOME=str(teacher), TMPDIR=str(tmp)))
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"http://127.0.0.1:{port}/")
        wait_for_text(page, "Lesson 1 · step 1/", timeout=30)
        pids = wait_until(lambda: probe.session_processes(data), what="the session process")
        assert os.readlink(f"/proc/{pids[0]}/cwd") == str(data.resolve() / "tab-1")
        page.locator("#terminal").click()
        page.keyboard.press("]")  # the first step read: progress is saved
        wait_for_text(page, "Lesson 1 · step 2/")
        # ...in the session's own private data folder, not the teacher's
        progress = wait_until(lambda: list(tmp.glob("objcg-lab-serve-state-*/tab-1/data_home/"
                                                    "objcg-lab/progress.json")),
                              what="the session's progress file")
        lessons = json.loads(progress[0].read_text())["lessons"]
        assert len(lessons) == 1 and 0 in next(iter(lessons.values()))["done"]  # step 1 read
        assert not teacher.exists()
        printed = probe.stop_server(server)  # Ctrl+C with a student still working
        assert server.returncode == 0
        assert probe.session_processes(data) == []
        assert "tab-1: session started" in printed
        assert list(tmp.iterdir()) == []  # no state folder left
        page.close()
    finally:
        if server.poll() is None:
            server.kill()


def test_a_killed_server_leaves_no_session(tmp_path):
    """SIGKILL gives the server no chance to clean up: the kernel ends its sessions
    (PR_SET_PDEATHSIG), so nothing is orphaned."""
    data = tmp_path / "class"
    port = probe.free_port()
    server = probe.start_server(port, data, max_sessions=1)

    async def session_then_kill() -> list[int]:
        import aiohttp

        async with aiohttp.ClientSession() as client:
            async with client.ws_connect(f"http://127.0.0.1:{port}/ws?width=80&height=24"):
                pids = wait_until(lambda: probe.session_processes(data), 30, "a session")
                server.send_signal(signal.SIGKILL)
                server.wait(timeout=10)
                return pids
    try:
        with ThreadPoolExecutor(1) as thread:
            pids = thread.submit(asyncio.run, session_then_kill()).result(timeout=60)
        assert len(pids) == 1
        wait_until(lambda: probe.session_processes(data) == [], what="the orphaned session to end")
    finally:
        if server.poll() is None:
            server.kill()
