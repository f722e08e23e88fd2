# Production image: web (gunicorn + whitenoise), Celery worker and Celery beat all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=kamcrm.settings.production \
    KAMCRM_VAR_DIR=/app/var

# WeasyPrint needs pango; fonts-wqy-microhei renders Chinese in PDFs; gettext for compilemessages.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-wqy-microhei gettext curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# collectstatic needs some secret and host list at build time only; the real ones come at run time.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
 && useradd --system --create-home kamcrm && mkdir -p /app/var && chown -R kamcrm /app/var
USER kamcrm

EXPOSE 8000
CMD ["gunicorn", "kamcrm.wsgi", "--config", "python:kamcrm.gunicorn_conf", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
