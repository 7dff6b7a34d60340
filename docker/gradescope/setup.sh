#!/usr/bin/env bash
# Gradescope's image build step: it runs this once, from /autograder/source (the unpacked
# autograder zip: this repository, with docker/gradescope/{setup.sh,run_autograder} at the top).
# Everything comes from the distribution's packages; setup.sh builds only the CLI and its shim.
set -euo pipefail
cd /autograder/source
scripts/setup.sh
