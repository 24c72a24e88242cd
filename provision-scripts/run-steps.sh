#!/bin/sh
# Runs provisioning scripts one after another in this one root shell, so that provisioning costs the
# host one sudo and one SSH channel instead of one per script (each costs a noticeable fraction of a
# second on a small VM). Each step is announced with ::step NAME before it runs; the first step that
# fails ends the run with its exit status, and the runner names that step in its error.
# When every step succeeded and ENGINE_STAGING_DIR is the folder these scripts were uploaded to, that
# folder is removed and ::staging removed printed, which spares the runner a round trip to remove it.
#
# Args: the steps, by script name without .sh (set-hostname, install-engine, configure-engine).
# Env:  what the steps take (every step gets all of it; their variables do not overlap).
set -eu
case $0 in */*) here=${0%/*} ;; *) here=$PWD ;; esac

[ "$#" -gt 0 ] || {
  printf 'error: no provisioning step named\n' >&2
  exit 2
}
for step in "$@"; do
  case $step in
    set-hostname | install-engine | configure-engine) ;;
    *)
      printf 'error: unknown provisioning step: %s\n' "$step" >&2
      exit 2
      ;;
  esac
done

for step in "$@"; do
  printf '::step %s\n' "$step"
  sh "$here/$step.sh"
done

if [ "${ENGINE_STAGING_DIR:-}" = "$here" ]; then
  rm -rf -- "$here"
  printf '::staging removed\n'
fi
