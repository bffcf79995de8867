"""Take PNG screenshots of the portal's main pages, on a desktop and on a phone.

Run from the repository root:  .venv/bin/python docs/screenshots/take_screenshots.py

It seeds the demo organisation into a throwaway SQLite database in a temporary folder, runs the
development server on a free local port, signs in as each demo role in Chromium and writes
``desktop-<page>.png`` (1280 px wide) and ``phone-<page>.png`` (360 px wide) next to this file;
with ``--language zh-hans`` the pages are in Chinese and the files start with ``zh-``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "demo12345"  # noqa: S105 - the published password of the demo accounts
VIEWPORTS = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 360, "height": 740}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return result.stdout


def django_shell(env: dict[str, str], code: str) -> str:
    return manage(env, "shell", "--no-imports", "-c", code).strip()


@contextmanager
def demo_server() -> Iterator[tuple[str, dict[str, str]]]:
    """A seeded development server on a throwaway database; yields its base URL and environment."""
    with tempfile.TemporaryDirectory(prefix="portal-screenshots-") as folder:
        env = {
            **os.environ,
            "PORTAL_VAR_DIR": folder,
            "DATABASE_URL": f"sqlite:///{folder}/portal.sqlite3",
            "DEBUG": "true",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        env.pop("CELERY_BROKER_URL", None)
        manage(env, "migrate", "--verbosity", "0")
        manage(env, "seed_demo", "--quiet-logins")
        port = free_port()
        server = subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
            [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _attempt in range(100):
                try:
                    urllib.request.urlopen(base + "/accounts/login/", timeout=2)  # noqa: S310 - local server
                    break
                except OSError:
                    time.sleep(0.2)
            yield base, env
        finally:
            server.terminate()
            server.wait(timeout=10)


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url(base + "/")


def shoot(page: Page, name: str, kind: str, *, full_page: bool = True) -> None:
    language = "" if page.evaluate("document.documentElement.lang") == "en" else "zh-"
    path = OUT / f"{language}{kind}-{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"wrote {path.relative_to(ROOT)}")


def take(browser: Browser, base: str, ids: dict[str, str], kind: str, language: str) -> None:
    viewport = VIEWPORTS[kind]
    locale = "en-US" if language == "en" else "zh-CN"

    def context_page() -> Page:
        context = browser.new_context(viewport=viewport, locale=locale, device_scale_factor=1)
        return context.new_page()

    page = context_page()
    page.goto(base + "/accounts/login/")
    shoot(page, "sign-in", kind)
    sign_in(page, base, "employee3")
    shoot(page, "home-employee", kind)
    page.goto(base + ids["self_form"])
    page.wait_for_selector("#rating-form")
    shoot(page, "self-assessment", kind, full_page=False)
    page.locator("#ind-MKT-1-01").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -120)")
    shoot(page, "self-assessment-professional", kind, full_page=False)
    page.context.close()

    page = context_page()
    sign_in(page, base, "employee1")
    page.goto(base + ids["results"])
    shoot(page, "results", kind)
    page.context.close()

    page = context_page()
    sign_in(page, base, "manager1")
    shoot(page, "home-manager", kind)
    page.goto(base + "/team/")
    shoot(page, "team", kind)
    page.goto(base + ids["manager_form"])
    page.wait_for_selector("#rating-form")
    # Rate two indicators so the page shows an autosave; the first run's values may already be set.
    for value in ("1", "2"):
        page.check(f"#ind-COMM-01 input[value='{value}']")
        page.check(f"#ind-COMM-02 input[value='{value}']")
    page.wait_for_selector("#save-status.ok")
    shoot(page, "manager-assessment", kind, full_page=False)
    page.locator("#levels").scroll_into_view_if_needed()
    shoot(page, "manager-levels", kind, full_page=False)
    page.context.close()

    page = context_page()
    sign_in(page, base, "hr")
    shoot(page, "home-hr", kind)
    page.goto(base + "/cycles/")
    shoot(page, "cycles", kind)
    page.goto(base + ids["cycle"])
    shoot(page, "cycle-completion", kind)
    page.goto(base + "/cycles/new/")
    shoot(page, "cycle-new", kind)
    page.goto(base + "/organisation/import/")
    shoot(page, "organisation-import", kind)
    page.context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=["en", "zh-hans"], default="en")
    args = parser.parse_args()
    with demo_server() as (base, env):
        ids = dict(
            line.split("=", 1)
            for line in django_shell(
                env,
                "from assessments.models import Assessment as A\n"
                "s = A.objects.get(employee__user__username='employee3', kind='self')\n"
                "m = A.objects.get(employee__user__username='employee2', kind='manager')\n"
                "r = A.objects.get(employee__user__username='employee1', kind='manager')\n"
                "print(f'self_form=/assessments/{s.pk}/')\n"
                "print(f'manager_form=/assessments/{m.pk}/')\n"
                "print(f'results=/cycles/{r.cycle_id}/people/{r.employee_id}/')\n"
                "print(f'cycle=/cycles/{r.cycle_id}/')\n",
            ).splitlines()
            if "=" in line
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for kind in VIEWPORTS:
                    take(browser, base, ids, kind, args.language)
            finally:
                browser.close()


if __name__ == "__main__":
    main()
