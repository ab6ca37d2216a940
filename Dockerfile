FROM python:3.11-slim
WORKDIR /app
# The CPU build of torch first, so nothing pulls the multi-GB CUDA build.
RUN pip install --no-cache-dir torch --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY track4tip ./track4tip
COPY crawlers ./crawlers
COPY nlp ./nlp
COPY index ./index
COPY api ./api
RUN pip install --no-cache-dir .
RUN useradd --create-home track4tip
USER track4tip
