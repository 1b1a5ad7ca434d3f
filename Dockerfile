# planguard as a container: `docker build -t planguard .`, then
#   docker run --rm -v "$PWD:/work" -w /work planguard analyze plan.json
# Terraform is not bundled: give planguard `terraform show -json` output, or build an image
# FROM this one that adds the terraform/tofu binary your plans need (docs/integrations.md).

FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
LABEL org.opencontainers.image.title="planguard" \
      org.opencontainers.image.description="Gate Terraform/OpenTofu plans by blast radius" \
      org.opencontainers.image.source="https://github.com/planguard/planguard" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/planguard/bin:$PATH

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# git: `check --base` and authorship read the repository; ssh-keygen (openssh-client): approvals.
# Versions are not pinned: Debian's security updates replace them in the archive, so a pin
# would break the build rather than make it reproducible.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git openssh-client \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory /work \
    && useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin planguard

# The wheel built above, with its dependencies, in a venv of its own.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m venv /opt/planguard \
    && /opt/planguard/bin/pip install --no-cache-dir /wheels/*.whl \
    && planguard --version

USER 10001:10001
WORKDIR /work
ENTRYPOINT ["planguard"]
CMD ["--help"]
