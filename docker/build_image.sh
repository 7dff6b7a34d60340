#!/usr/bin/env bash
# Builds the grading image `sockgrade:latest` (docker/Dockerfile: a build stage, then a slim one). When no registry is reachable (this machine),
# the Debian bookworm base is made locally with debootstrap and `docker import` (docker/base_image.sh).
# Usage: docker/build_image.sh            (needs a running dockerd; root for debootstrap)
set -euo pipefail
cd "$(dirname "$0")/.."
BASE_TAG=$(docker/base_image.sh)
# --network host: the build stages reach the Debian mirror the way the host does.
docker build --network host --build-arg BASE="$BASE_TAG" -t sockgrade:latest -f docker/Dockerfile . >&2
echo "sockgrade:latest"
