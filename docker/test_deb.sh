#!/usr/bin/env bash
# Builds the Debian package in a bookworm container (the build stage of docker/Dockerfile: the
# grading image is made from the same package), checks what it holds and declares, then installs it
# into a fresh bookworm container with `apt-get install ./sockgrade_….deb` (apt fetches its Depends)
# and grades the bundled reference there, from another directory and with no SOCKGRADE_* variable:
# the installed CLI must find its labs and shim by itself.
# Usage: docker/test_deb.sh [OUT_DIR]   (root, a running dockerd; the .deb is left in OUT_DIR, default build-deb/)
#        DEB=build/sockgrade_0.1.0_amd64.deb docker/test_deb.sh   (tests that package instead of building one)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="$(realpath -m "${1:-build-deb}")"
mkdir -p "$OUT"
BASE=$(docker/base_image.sh)
failures=0
check() {  # check NAME COMMAND...: passes when the command succeeds
  local name=$1; shift
  if "$@"; then echo "ok    $name"; else echo "FAIL  $name"; failures=$((failures + 1)); fi
}

if [[ -n "${DEB:-}" ]]; then  # DEB=path: test a package built elsewhere (cpack in a build tree)
  [[ "$(realpath "$DEB")" == "$OUT/$(basename "$DEB")" ]] || { rm -f "$OUT"/sockgrade_*.deb; cp "$DEB" "$OUT/"; }
else
  docker build --network host --build-arg BASE="$BASE" --target build -t sockgrade-build:latest -f docker/Dockerfile . >&2
  rm -f "$OUT"/sockgrade_*.deb
  docker run --rm -v "$OUT:/out" sockgrade-build:latest sh -c 'cp /deb/sockgrade_*.deb /out/'
fi
debs=("$OUT"/sockgrade_*_amd64.deb)
[[ -f "${debs[0]}" && ${#debs[@]} == 1 ]] || { echo "test_deb: expected one sockgrade_<version>_amd64.deb in $OUT" >&2; exit 1; }
deb=${debs[0]}
echo "package: $(basename "$deb"), $(du -k "$deb" | cut -f1) KiB"

control=$(dpkg-deb -f "$deb")
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
files=$(dpkg-deb -c "$deb" | awk '{ print $NF }')
for lib in libarchive13 libstdc++6 libc6 gcc make libc6-dev; do
  check "Depends names $lib" grep -qxF "$lib" < <(sed 's/ ([^)]*)//g; s/, /\n/g' <<<"$depends")
done
for f in ./usr/bin/sockgrade ./usr/libexec/sockgrade/libsockgrade_shim.so ./usr/share/sockgrade/labs/echo-server.json \
         ./usr/share/sockgrade/labs/echo-server.md ./usr/share/sockgrade/reference/echo-server/ ./usr/share/doc/sockgrade/copyright; do
  check "holds ${f#.}" grep -qxF "$f" <<<"$files"
done
# The shim is loaded by path: nothing for ldconfig to do, so no maintainer script and no trigger.
scripts=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep -E 'postinst|postrm|triggers' || true)
check "no postinst, postrm or triggers (${scripts:-none})" test -z "$scripts"
check "version $(dpkg-deb -f "$deb" Version)" grep -q '^Version: ' <<<"$control"

# A fresh container: the package from apt, then a grading from /tmp with a clean environment.
set +e
docker run --rm --network host -v "$OUT:/deb:ro" -v "$OUT:/out" "$BASE" bash -c '
  set -e
  cd /deb && apt-get update -qq && apt-get install -y -qq "./$(basename /deb/sockgrade_*_amd64.deb)" >/dev/null
  cd /tmp && env -u SOCKGRADE_LABS -u SOCKGRADE_SHIM sockgrade labs > /out/labs.txt
  env -u SOCKGRADE_LABS -u SOCKGRADE_SHIM sockgrade test echo-server /usr/share/sockgrade/reference/echo-server \
    --json /out/deb-reference.json > /out/deb-reference.txt 2>&1' > "$OUT/install.log" 2>&1
status=$?
set -e
check "installed and graded in a fresh container (exit $status; $OUT/install.log)" test "$status" == 0
check "sockgrade labs lists echo-server" grep -qE '^echo-server +[A-Z]' "$OUT/labs.txt"
score=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("%g/%g" % (r["score"], r["max_score"]))' \
        "$OUT/deb-reference.json" 2>/dev/null || echo none)
check "bundled reference scores 100/100 (got $score)" test "$score" == 100/100
if ((failures)); then echo "docker/test_deb.sh: $failures failed"; exit 1; fi
echo "docker/test_deb.sh: all passed"
