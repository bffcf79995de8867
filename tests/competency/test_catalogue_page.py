"""The catalogue can be read by anyone, in Chinese or English, with drafted items marked."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_catalogue_is_readable_without_signing_in(client):
    response = client.get(reverse("competency:catalogue"))
    assert response.status_code == 200


def test_catalogue_shows_chinese_by_default(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    page = client.get(reverse("competency:catalogue")).content.decode()
    assert "大客户销售序列胜任能力模型" in page
    assert "市场信息分析" in page
    assert "学习发展" in page


def test_catalogue_shows_english_after_switching_language(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/catalogue/"})
    page = client.get(reverse("competency:catalogue")).content.decode()
    assert "Market information analysis" in page
    assert "Drafted" in page
    assert "市场信息分析" not in page


def test_catalogue_marks_every_drafted_indicator(client):
    page = client.get(reverse("competency:catalogue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for code in ["SALES-2-07", "SALES-3-01", "SALES-3-06"]:
        item = page.split(f'id="{code}"', 1)[1].split("</li>", 1)[0]
        assert "badge drafted" in item


def test_catalogue_lists_every_indicator_code(client):
    page = client.get(reverse("competency:catalogue")).content.decode()
    assert page.count('<span class="code">MKT-') == 20
    assert page.count('<span class="code">SALES-') == 24


def test_catalogue_makes_the_same_number_of_queries_whatever_the_model_size(client, django_assert_max_num_queries):
    # Track, tracks, intro, stages (+descriptors, levels), competencies (+levels, stages, indicators): 12 at most.
    with django_assert_max_num_queries(12):
        client.get(reverse("competency:catalogue"))
