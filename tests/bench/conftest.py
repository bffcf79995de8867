"""A small generated organisation, the same shape as the benchmark's ten thousand people."""

from __future__ import annotations

import pytest
from django.db import connection

from bench import generate_org

SIZE = 30


@pytest.fixture
def org(db: None) -> generate_org.GeneratedOrg:
    return generate_org.generate(employees=SIZE, connection=connection, out=lambda line: None, analyze=False)
