# The portal's image: the web server and the Celery worker run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango lays out the PDFs, libharfbuzz-subset0 subsets fonts in C, Noto CJK renders Chinese (fontconfig's fc-match
# finds it to cut the report font from), gettext compiles translations.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fontconfig gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

COPY . .
RUN useradd --create-home --uid 1000 portal \
    && mkdir -p /app/var && chown -R portal /app/var \
    && DEBUG=true python manage.py compilemessages --ignore=var -v 0 \
    && DEBUG=true python manage.py collectstatic --noinput -v 0 \
    && DEBUG=true python manage.py build_report_font \
    && chown -R portal /app/var

USER portal
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
