"""Build the Django fixture of a competency model from its structured source.

The source lives in ``fixtures/source/``: ``model.json`` (the cleaned Chinese source, verbatim),
``model_en.json`` (our English) and ``drafted.json`` (items we wrote where the source is cut off).
Primary keys are derived from positions in the source, so loading the fixture twice changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOURCE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "source"
FIXTURE_PATH = SOURCE_DIR.parent / "key_account_sales.json"
TRACK_CODE = "key-account-sales"
# Levels merge the career stages as the source's note says: stages 3 and 4 become level 3.
STAGES_BY_LEVEL = {1: [1], 2: [2], 3: [3, 4]}


@dataclass(frozen=True)
class SourceIndicator:
    """An indicator as the source (or our draft) places it."""

    code: str
    competency: str
    level: int | None
    order: int
    text_zh: str
    text_en: str
    is_drafted: bool


@dataclass(frozen=True)
class ModelSource:
    """The three source files, read."""

    zh: dict[str, Any]
    en: dict[str, Any]
    drafted: dict[str, Any]

    @classmethod
    def read(cls, directory: Path = SOURCE_DIR) -> ModelSource:
        def load(name: str) -> dict[str, Any]:
            return json.loads((directory / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]

        return cls(zh=load("model.json"), en=load("model_en.json"), drafted=load("drafted.json"))

    def indicators(self) -> list[SourceIndicator]:
        """Every indicator, source first and then drafted, in the model's order."""
        english = self.en["indicators"]
        found: list[SourceIndicator] = []
        for competency in self.zh["generic"]:
            for position, text in enumerate(competency["indicators_zh"], start=1):
                code = f"{competency['code']}-{position:02d}"
                found.append(SourceIndicator(code, competency["code"], None, position, text, english[code], False))
        for competency in self.zh["professional"]:
            for level in competency["levels"]:
                for position, text in enumerate(level["indicators_zh"], start=1):
                    code = f"{competency['code']}-{level['level']}-{position:02d}"
                    found.append(
                        SourceIndicator(code, competency["code"], level["level"], position, text, english[code], False)
                    )
        for item in self.drafted["indicators"]:
            found.append(
                SourceIndicator(
                    item["code"],
                    item["competency"],
                    item["level"],
                    item["order"],
                    item["text_zh"],
                    item["text_en"],
                    True,
                )
            )
        return found


def _intro_sections(source: ModelSource) -> list[tuple[str, str, str, str]]:
    intro_zh, intro_en = source.zh["intro"], source.en["intro"]
    why = (
        intro_zh["why"]["heading_zh"],
        intro_en["why"]["heading"],
        "\n".join(intro_zh["why"]["paragraphs_zh"]),
        "\n".join(intro_en["why"]["paragraphs"]),
    )
    system_zh, system_en = intro_zh["system"], intro_en["system"]
    tiers_zh = [f"{t['tier']}. {t['name_zh']}:{t['text_zh']}" for t in system_zh["tiers"]]
    tiers_en = [f"{t['tier']}. {t['name']}: {t['text']}" for t in system_en["tiers"]]
    system = (
        system_zh["heading_zh"],
        system_en["heading"],
        "\n".join([system_zh["lead_zh"], *tiers_zh, system_zh["levels_paragraph_zh"], system_zh["note_zh"]]),
        "\n".join([system_en["lead"], *tiers_en, system_en["levels_paragraph"], system_en["note"]]),
    )
    combo_zh, combo_en = intro_zh["combination"], intro_en["combination"]
    names_en = source.en["competencies"]
    generic = [c["code"] for c in source.zh["generic"]]
    professional = [c["code"] for c in source.zh["professional"]]
    combination = (
        combo_zh["heading_zh"],
        combo_en["heading"],
        "\n".join(
            [
                combo_zh["generic_lead_zh"] + "、".join(combo_zh["generic_zh"]),
                combo_zh["professional_lead_zh"] + "、".join(combo_zh["professional_zh"]),
            ]
        ),
        "\n".join(
            [
                f"{combo_en['generic_lead']} " + ", ".join(names_en[c]["name"] for c in generic),
                f"{combo_en['professional_lead']} " + ", ".join(names_en[c]["name"] for c in professional),
            ]
        ),
    )
    return [why, system, combination]


def build_fixture(source: ModelSource) -> list[dict[str, Any]]:
    """The fixture records for the track, in load order."""
    zh, en = source.zh, source.en
    records: list[dict[str, Any]] = [
        {
            "model": "competency.track",
            "pk": 1,
            "fields": {
                "code": TRACK_CODE,
                "name_zh": zh["title"],
                "name_en": en["title"],
                "organisation_zh": zh["organisation"],
                "organisation_en": en["organisation"],
                "issued_zh": zh["date_zh"],
                "issued_en": en["date"],
            },
        }
    ]
    for order, (heading_zh, heading_en, body_zh, body_en) in enumerate(_intro_sections(source), start=1):
        records.append(
            {
                "model": "competency.introsection",
                "pk": order,
                "fields": {
                    "track": 1,
                    "order": order,
                    "heading_zh": heading_zh,
                    "heading_en": heading_en,
                    "body_zh": body_zh,
                    "body_en": body_en,
                },
            }
        )
    descriptor_pk = 0
    for stage in zh["career_stages"]:
        stage_en = en["career_stages"][str(stage["stage"])]
        records.append(
            {
                "model": "competency.careerstage",
                "pk": stage["stage"],
                "fields": {
                    "track": 1,
                    "number": stage["stage"],
                    "name_zh": stage["name_zh"],
                    "name_en": stage_en["name"],
                    "is_boundary_inferred": stage["boundary"] == "inferred",
                    "boundary_note": stage["boundary_note"],
                },
            }
        )
        for order, (text_zh, text_en) in enumerate(
            zip(stage["descriptors_zh"], stage_en["descriptors"], strict=True), start=1
        ):
            descriptor_pk += 1
            records.append(
                {
                    "model": "competency.careerstagedescriptor",
                    "pk": descriptor_pk,
                    "fields": {"stage": stage["stage"], "order": order, "text_zh": text_zh, "text_en": text_en},
                }
            )

    competency_pk: dict[str, int] = {}
    level_pk: dict[tuple[str, int], int] = {}
    drafted_levels = {(item["competency"], item["level"]) for item in source.drafted["indicators"]}
    for order, (kind, competency) in enumerate(
        [("generic", c) for c in zh["generic"]] + [("professional", c) for c in zh["professional"]], start=1
    ):
        code = competency["code"]
        competency_pk[code] = order
        names = en["competencies"][code]
        records.append(
            {
                "model": "competency.competency",
                "pk": order,
                "fields": {
                    "track": 1,
                    "code": code,
                    "kind": kind,
                    "order": order,
                    "name_zh": competency["name_zh"],
                    "name_en": names["name"],
                    "description_zh": names["description_zh"],
                    "description_en": names["description"],
                    "is_boundary_inferred": competency.get("boundary") == "inferred",
                    "boundary_note": competency.get("boundary_note", ""),
                },
            }
        )
        for level in competency.get("levels", []):
            pk = order * 10 + level["level"]
            level_pk[(code, level["level"])] = pk
            note = level["boundary_note"]
            if (code, level["level"]) in drafted_levels:
                note = f"{note}. {source.drafted['note']}"
            records.append(
                {
                    "model": "competency.proficiencylevel",
                    "pk": pk,
                    "fields": {
                        "competency": order,
                        "number": level["level"],
                        "career_stages": STAGES_BY_LEVEL[level["level"]],
                        "is_boundary_inferred": level["boundary"] == "inferred",
                        "boundary_note": note,
                    },
                }
            )
    for pk, indicator in enumerate(source.indicators(), start=1):
        records.append(
            {
                "model": "competency.behavioralindicator",
                "pk": pk,
                "fields": {
                    "competency": competency_pk[indicator.competency],
                    "level": level_pk[(indicator.competency, indicator.level)] if indicator.level else None,
                    "code": indicator.code,
                    "order": indicator.order,
                    "text_zh": indicator.text_zh,
                    "text_en": indicator.text_en,
                    "provenance": "drafted" if indicator.is_drafted else "source",
                    "is_active": True,
                },
            }
        )
    return records


def write_fixture(path: Path = FIXTURE_PATH, source: ModelSource | None = None) -> int:
    """Write the fixture file; returns the number of records."""
    records = build_fixture(source or ModelSource.read())
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(records)
