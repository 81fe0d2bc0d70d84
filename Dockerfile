# One image for every role: web (gunicorn + whitenoise), worker, reaper, cron, migrate.
FROM python:3.13-slim

ENV PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
# collectstatic needs a key to import the settings; the real one comes from the environment.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input -v 0

RUN useradd --system --uid 10001 atlas
USER atlas
EXPOSE 8000
CMD ["gunicorn", "tenantatlas.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
