#!/usr/bin/env bash
# Makes sure the Debian bookworm base image exists and prints its tag. From a registry when one
# is reachable; otherwise made locally with debootstrap and `docker import`, from the Debian
# mirror this machine's own apt sources name (never a hard-coded host).
# Usage: docker/base_image.sh        (needs a running dockerd; root for debootstrap)
set -euo pipefail
BASE_TAG="${BASE_TAG:-sockgrade-base:bookworm}"
ROOTFS="${ROOTFS:-/var/tmp/sockgrade-rootfs/bookworm}"

# The first Debian archive (not -security, not -updates) among the machine's apt sources, in
# either format: one-line sources.list entries or deb822 .sources stanzas.
apt_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r "$f" ]] || continue
    awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i, $(i+1); break } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r "$f" ]] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
         { uri = ""; suites = "";
           for (i = 1; i <= NF; i++) {
             if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); split($i, u, " "); uri = u[1] }
             if ($i ~ /^Suites:/) { sub(/^Suites:[ \t]*/, "", $i); split($i, s, " "); suites = s[1] } }
           if (uri != "") print uri, suites }' "$f"
  done
}
mirror_for_bookworm() {
  apt_mirror | awk '$2 !~ /-(security|updates|backports)$/ && $1 ~ /debian/ { print $1; exit }'
}

if ! docker image inspect "$BASE_TAG" >/dev/null 2>&1; then
  if timeout 60 docker pull debian:bookworm >/dev/null 2>&1; then
    docker tag debian:bookworm "$BASE_TAG"
  else
    MIRROR="${MIRROR:-$(mirror_for_bookworm)}"
    if [[ -z "$MIRROR" ]]; then
      echo "base_image: no registry, and no Debian mirror in /etc/apt/sources.list{,.d/*}; set MIRROR" >&2
      exit 1
    fi
    echo "base_image: no registry; making $BASE_TAG with debootstrap from $MIRROR" >&2
    if ! command -v debootstrap >/dev/null; then
      apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
    fi
    if [[ ! -x "$ROOTFS/bin/sh" || ! -e "$ROOTFS/.complete" ]]; then
      rm -rf "$ROOTFS"; mkdir -p "$(dirname "$ROOTFS")"
      debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" >/dev/null
      # The image gets the same mirror for its own apt-get.
      echo "deb $MIRROR bookworm main" > "$ROOTFS/etc/apt/sources.list"
      touch "$ROOTFS/.complete"
    fi
    tar -C "$ROOTFS" --exclude=./.complete -c . | docker import - "$BASE_TAG" >/dev/null
  fi
fi
echo "$BASE_TAG"
