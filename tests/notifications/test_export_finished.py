"""A finished bulk export tells the HR user who asked for it, and nobody else."""

from __future__ import annotations

import pytest
from django.core import mail

from reports.models import Export
from reports.signals import export_finished
from tests import factories
from tests.notifications.conftest import links_in, only_mail_to, sign_in_through


@pytest.fixture
def export(cycle, hr):
    return Export.objects.create(
        requested_by=hr, cycle=cycle, language="en", status=Export.Status.DONE, total=4, done_count=3, failed_count=1
    )


def finish(export, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export_finished.send(sender=Export, export=export)


def test_a_finished_export_emails_only_the_hr_user_who_asked(export, hr, django_capture_on_commit_callbacks):
    factories.UserFactory(username="hr-helen", is_hr=True)
    finish(export, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[hr.email]]


def test_the_export_email_counts_the_documents_and_failures(export, hr, django_capture_on_commit_callbacks):
    hr.language = "en"
    hr.save()
    finish(export, django_capture_on_commit_callbacks)
    assert "3 of 4 documents are in the archive; 1 failed." in only_mail_to(hr).body


def test_the_export_email_links_to_the_export_after_sign_in(export, hr, django_capture_on_commit_callbacks):
    finish(export, django_capture_on_commit_callbacks)
    response = sign_in_through(links_in(only_mail_to(hr))[0], hr)
    assert response.status_code == 200
    assert response.redirect_chain[0][0] == f"/reports/exports/{export.pk}/"
