#!/usr/bin/env bash
# Fails when a file of harness/ includes a header of a layer above its own. The layers, lowest
# first, and what each may include (README, "Layout"); the CMake libraries link the same way.
#   layers_test.sh HARNESS_DIR
set -euo pipefail
root="$1"
declare -A allowed=(
  [core]=""
  [net]="core"
  [report]="core"
  [cell]="core net"
  [faults]="core net"
  [batch]="core report"
  [lab]="core net cell"
  [grading]="core net report cell faults lab"
  [checks]="core net report cell faults lab grading"
  [scenario]="core net report cell faults lab grading checks"
  [cli]="core net report cell faults batch lab grading checks scenario"
)
bad=0
for layer in "${!allowed[@]}"; do
  [[ -d "$root/$layer" ]] || continue
  while IFS= read -r hit; do
    file=${hit%%:*}
    target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$hit")
    [[ "$target" == "$layer" || " ${allowed[$layer]} " == *" $target "* ]] && continue
    [[ -z "${allowed[$target]+x}" ]] && continue  # not a layer (e.g. a generated header)
    echo "${file#$root/}: includes $target/ from layer $layer (allowed: ${allowed[$layer]:-none})"
    bad=1
  done < <(grep -rHE '^#include "[a-z_]+/' "$root/$layer" --include=*.cpp --include=*.hpp --include=*.h || true)
done
((bad == 0)) && echo "every include points down the layers"
exit "$bad"
