#!/usr/bin/env bash
# Gradescope's image build step: it runs this once, from /autograder/source (the unpacked
# autograder zip: this repository, with docker/gradescope/{setup.sh,run_autograder} at the top).
# Everything comes from the distribution's packages; sockgrade is built without its tests.
set -euo pipefail
cd /autograder/source
SOCKGRADE_CMAKE_ARGS="-DSOCKGRADE_TESTS=OFF" scripts/setup.sh
