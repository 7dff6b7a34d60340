#!/usr/bin/env bash
# Builds the grading image `sockgrade:latest`. When no registry is reachable (this machine),
# the Debian bookworm base is made locally with debootstrap and `docker import`.
# Usage: docker/build_image.sh            (needs a running dockerd; root for debootstrap)
set -euo pipefail
cd "$(dirname "$0")/.."
BASE_TAG="${BASE_TAG:-sockgrade-base:bookworm}"
ROOTFS="${ROOTFS:-/var/tmp/sockgrade-rootfs/bookworm}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

if ! docker image inspect "$BASE_TAG" >/dev/null 2>&1; then
  if docker pull debian:bookworm >/dev/null 2>&1; then
    docker tag debian:bookworm "$BASE_TAG"
  else
    echo "build_image: no registry; making $BASE_TAG with debootstrap" >&2
    command -v debootstrap >/dev/null || apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
    if [[ ! -x "$ROOTFS/bin/sh" ]]; then
      mkdir -p "$(dirname "$ROOTFS")"
      debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" >/dev/null
    fi
    tar -C "$ROOTFS" -c . | docker import - "$BASE_TAG" >/dev/null
  fi
fi
docker build --build-arg BASE="$BASE_TAG" -t sockgrade:latest -f docker/Dockerfile . >&2
echo "sockgrade:latest"
