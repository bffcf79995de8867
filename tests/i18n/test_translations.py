"""The Simplified Chinese catalogue is complete and sound, and the pages speak it by default."""

from __future__ import annotations

import ast
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from config import settings as shipped_settings

PO_FILE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")

# A translation that drops or renames a %-placeholder breaks the formatting at runtime; a {{ }}
# in a msgid is a template variable that escaped blocktranslate and would show raw.
PLACEHOLDER = re.compile(r"%%|%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|\{\{.*?\}\}")

# Words that read the same in a Chinese interface.
SAME_IN_CHINESE = {"HR", "SHA-256"}


@dataclass
class Entry:
    """One message of a .po file: its English text and its translations."""

    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgstrs: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def source(self) -> str:
        """The English text a translation must match: Chinese uses the plural form for every count."""
        return self.msgid_plural if self.msgid_plural is not None else self.msgid


def read_po(path: Path) -> list[Entry]:
    """The messages of a .po file, header and obsolete entries left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] = ("msgid", 0)
    keyword = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$')
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current = None
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = keyword.match(line)
        if match:
            name, index, text = match.group(1), int(match.group(2) or 0), match.group(3)
            target = (name, index)
            _append(current, target, ast.literal_eval(text))
        elif line.startswith('"'):
            _append(current, target, ast.literal_eval(line))
    return [entry for entry in entries if entry.msgid]


def _append(entry: Entry, target: tuple[str, int], text: str) -> None:
    name, index = target
    if name == "msgid":
        entry.msgid += text
    elif name == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + text
    elif name == "msgstr":
        entry.msgstrs[index] = entry.msgstrs.get(index, "") + text


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return read_po(PO_FILE)


@pytest.fixture(autouse=True)
def shipped_default_language(settings):
    # The test settings default to English for everyone else's assertions; these tests are about
    # what a fresh install shows.
    settings.LANGUAGE_CODE = shipped_settings.LANGUAGE_CODE


def describe(broken: list[Entry]) -> list[str]:
    return [f"line {entry.line}: {entry.msgid!r}" for entry in broken]


def test_the_catalogue_has_messages(entries):
    # A reader that silently found nothing would make every other check pass.
    assert len(entries) > 500


def test_every_message_is_translated(entries):
    untranslated = [entry for entry in entries if not entry.msgstrs or not all(entry.msgstrs.values())]
    assert describe(untranslated) == []


def test_no_message_is_left_fuzzy(entries):
    assert describe([entry for entry in entries if "fuzzy" in entry.flags]) == []


def test_plural_messages_have_the_single_form_chinese_uses(entries):
    plurals = [entry for entry in entries if entry.msgid_plural is not None]
    assert describe([entry for entry in plurals if set(entry.msgstrs) != {0}]) == []


def test_every_translation_keeps_the_placeholders_of_its_english_text(entries):
    mismatched = [
        entry
        for entry in entries
        if any(placeholders(text) != placeholders(entry.source) for text in entry.msgstrs.values())
    ]
    assert describe(mismatched) == []


def test_no_translation_is_a_copy_of_the_english_text(entries):
    copied = [entry for entry in entries if entry.msgid not in SAME_IN_CHINESE and entry.msgstrs.get(0) == entry.msgid]
    assert describe(copied) == []


def test_the_header_declares_one_plural_form_and_utf8(entries):
    header = PO_FILE.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in header
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in header


def test_msgfmt_accepts_the_catalogue_with_its_format_checks(tmp_path):
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(PO_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_compiled_catalogue_matches_its_source(tmp_path):
    # The pages below read the .mo file, which `make messages` compiles; a stale one would
    # test yesterday's translations.
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(PO_FILE)], check=True)
    assert MO_FILE.is_file(), "run `make messages` to compile the catalogue"
    assert MO_FILE.read_bytes() == compiled.read_bytes(), "run `make messages`: the .mo file is older than the .po"


def test_the_shipped_default_language_is_simplified_chinese():
    assert shipped_settings.LANGUAGE_CODE == "zh-hans"


@pytest.mark.django_db
def test_the_catalogue_page_is_in_chinese_by_default(client):
    page = client.get(reverse("competency:catalogue")).content.decode()
    assert "胜任能力目录" in page
    assert "通用胜任能力" in page


@pytest.mark.django_db
def test_the_catalogue_page_is_in_english_for_an_english_browser(client):
    page = client.get(reverse("competency:catalogue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Generic competencies" in page
    assert "通用胜任能力" not in page


@pytest.mark.django_db
def test_the_catalogue_page_is_in_english_after_switching_language(client):
    client.post(reverse("switch_language"), {"language": "en", "next": reverse("competency:catalogue")})
    page = client.get(reverse("competency:catalogue")).content.decode()
    assert "Competency catalogue" in page
    assert "胜任能力目录" not in page


@pytest.mark.django_db
def test_the_login_page_is_in_chinese_by_default(client):
    page = client.get(reverse("login")).content.decode()
    assert "忘记密码？" in page
    assert "Forgotten your password?" not in page


@pytest.mark.django_db
def test_the_login_page_is_in_english_for_an_english_browser(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Forgotten your password?" in page
    assert "忘记密码？" not in page


@pytest.mark.django_db
def test_the_login_page_is_in_english_after_switching_language(client):
    client.post(reverse("switch_language"), {"language": "en", "next": reverse("login")})
    page = client.get(reverse("login")).content.decode()
    assert "Forgotten your password?" in page


@pytest.mark.django_db
def test_a_signed_in_employee_sees_their_home_page_in_chinese(client, employee, self_assessment):
    client.force_login(employee.user)
    page = client.get(reverse("home")).content.decode()
    assert "开始自评" in page
