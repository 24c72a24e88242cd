#!/usr/bin/env bash
# Prints the directory of a ready VM image for VARIANT (base|engine), building it first if the cache
# does not have it yet.
#
#   image.sh VARIANT
#
# Cache entry: ${MACHINE_TEST_CACHE:-$HOME/.cache/machine-test}/images/<variant>-<hash>/ where <hash> is
# the first 16 hex of sha256(build-image.sh + variant): editing the build script makes a new entry.
# Builds go to a temporary sibling directory and are renamed into place, under a per-entry flock, so
# concurrent callers wait for one build and never see a half-written image.
set -euo pipefail

die() { printf '[image.sh] error: %s\n' "$*" >&2; exit 1; }

[ "$#" -eq 1 ] || die "usage: $0 base|engine"
readonly VARIANT=$1
case "$VARIANT" in base | engine) ;; *) die "unknown variant '$VARIANT' (base|engine)" ;; esac

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly BUILD_SCRIPT="$SCRIPT_DIR/build-image.sh"
readonly CACHE_ROOT=${MACHINE_TEST_CACHE:-$HOME/.cache/machine-test}
readonly IMAGES="$CACHE_ROOT/images"

hash=$({ cat "$BUILD_SCRIPT"; printf '\n%s\n' "$VARIANT"; } | sha256sum | cut -c1-16)
readonly ENTRY="$IMAGES/$VARIANT-$hash"

is_ready() { [ -s "$ENTRY/manifest.json" ] && [ -s "$ENTRY/disk.qcow2" ]; }

if ! is_ready; then
  mkdir -p "$IMAGES"
  exec 9>"$IMAGES/.$VARIANT-$hash.lock"
  flock 9
  # Someone else may have finished the build while we waited for the lock.
  if ! is_ready; then
    # Leftovers of a build that was killed; nobody else builds this entry while we hold the lock.
    rm -rf "$IMAGES/.building-$VARIANT-$hash-"*
    staging="$IMAGES/.building-$VARIANT-$hash-$$"
    trap 'rm -rf "$staging"' EXIT
    bash "$BUILD_SCRIPT" "$VARIANT" "$staging" >&2
    mv -T "$staging" "$ENTRY"
    trap - EXIT
  fi
  flock -u 9
fi

printf '%s\n' "$ENTRY"
