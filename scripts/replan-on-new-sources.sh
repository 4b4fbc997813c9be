#!/usr/bin/env bash
# Usage: scripts/replan-on-new-sources.sh SCRATCH_PATH CONFIGURATION   (e.g. Benchmarks/.build release)
# SwiftPM keeps its build plan for a path dependency (the main package, as Benchmarks/ and
# Fuzz/ use it) while the depending package's manifest is unchanged, so a source file added
# to the main package since the last build is left out and the build fails on it. This
# drops the plan whenever the main package's list of source files changed; the next build
# plans again.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
scratch=${1:?usage: scripts/replan-on-new-sources.sh SCRATCH_PATH CONFIGURATION}
configuration=${2:?usage: scripts/replan-on-new-sources.sh SCRATCH_PATH CONFIGURATION}
sources=$(cd "$repo" && find Sources -type f | sort | sha256sum)
mkdir -p "$scratch"
if [ "$(cat "$scratch/main-sources.sha256" 2>/dev/null)" != "$sources" ]; then
    rm -f "$scratch/$configuration.yaml"
    echo "$sources" > "$scratch/main-sources.sha256"
fi
