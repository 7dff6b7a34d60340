#!/usr/bin/env bash
# Runs the README's test command (scripts/test.sh) inside a DEFAULT container (a plain
# `docker run`: no --privileged, no capabilities, no namespaces for the cell), the way GitHub
# Actions and GitLab run container jobs, on a copy of this checkout; exits with its status.
# Starts dockerd when none is running (installing docker.io if needed); the Debian bookworm base
# comes from a registry or, when none is reachable, from debootstrap + `docker import`
# (docker/base_image.sh). The test dependencies are baked into an image once (scripts/setup.sh
# --tests with SETUP_DEPS_ONLY=1) so the container itself needs no network.
# Usage: scripts/test-in-docker.sh [ctest args...]     (root; e.g. -L unit)
set -euo pipefail
cd "$(dirname "$0")/.."
TEST_TAG="${TEST_TAG:-sockgrade-test-deps:bookworm}"

start_dockerd() {
  docker info >/dev/null 2>&1 && return 0
  if ! command -v dockerd >/dev/null; then
    echo "test-in-docker: installing docker.io" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
  fi
  echo "test-in-docker: starting dockerd (log /var/log/sockgrade-dockerd.log)" >&2
  nohup dockerd >/var/log/sockgrade-dockerd.log 2>&1 &
  local deadline=$((SECONDS + 60))
  until docker info >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      echo "test-in-docker: dockerd did not come up in 60 s; see /var/log/sockgrade-dockerd.log" >&2
      exit 1
    fi
    sleep 0.5  # polling for the daemon's socket, not synchronising with our own code
  done
}

# The base plus every package scripts/setup.sh installs (the test ones included).
build_test_image() {
  local base ctx
  base=$(docker/base_image.sh)
  ctx=$(mktemp -d)
  cp scripts/setup.sh "$ctx/"
  cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM $base
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
COPY setup.sh /tmp/setup.sh
RUN SETUP_DEPS_ONLY=1 /tmp/setup.sh --tests && rm -rf /var/lib/apt/lists/* /tmp/setup.sh
DOCKERFILE
  # The build (not the test run) may use the host's network to reach the Debian mirror.
  docker build --network host -t "$TEST_TAG" "$ctx" >&2
  rm -rf "$ctx"
}

# A copy of the checkout as it is now (tracked and new files, no build trees).
copy_checkout() {
  local dest=$1
  git ls-files -z --cached --others --exclude-standard | grep -zv '^build' |
    tar --null -T - -c | tar -C "$dest" -x
}

start_dockerd
build_test_image
copy=$(mktemp -d /var/tmp/sockgrade-docker-src.XXXXXX)
trap 'rm -rf "$copy"' EXIT
copy_checkout "$copy"
echo "test-in-docker: running scripts/test.sh $* in a default container" >&2
set +e
docker run --rm -v "$copy:/src:ro" "$TEST_TAG" bash -c \
  'cp -a /src /sockgrade && cd /sockgrade && scripts/test.sh "$@"' test-in-docker "$@"
status=$?
set -e
echo "test-in-docker: scripts/test.sh exited with status $status" >&2
exit "$status"
