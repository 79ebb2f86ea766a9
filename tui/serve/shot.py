"""`python3 -m tui.serve.shot [OUT.png]`: the README's picture of the explorer served to
headless Chromium (default screenshots/serve-chromium.png), five micro-steps into
rmdir A/B, where objcg /A/B swings to /A."""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from tui.serve import probe

STEPS = 5


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else probe.ROOT / "screenshots" / "serve-chromium.png")
    chromium = shutil.which("chromium")
    if chromium is None:
        print("tui.serve.shot: error: chromium is not installed", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as data:
        port = probe.free_port()
        server = probe.start_server(port, Path(data))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium,
                                                     args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1280, "height": 760})
                page.goto(f"http://127.0.0.1:{port}/")
                has = f"text => ({probe.SCREEN_TEXT_JS})().includes(text)"
                page.wait_for_function(has, arg="memcg tree", timeout=60_000)
                page.locator("#terminal").click()
                for step in range(1, STEPS + 1):
                    page.keyboard.press("n")
                    page.wait_for_function(has, arg=f"step {step}/", timeout=20_000)
                page.wait_for_timeout(500)  # the header row can come before the rest of the frame
                page.screenshot(path=str(out))
                browser.close()
        finally:
            probe.stop_server(server)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
