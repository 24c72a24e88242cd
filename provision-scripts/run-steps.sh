#!/bin/sh
# Runs provisioning scripts in this one root shell, so that provisioning costs the host one sudo and
# one SSH channel instead of one per script (each costs a noticeable fraction of a second on a small
# VM). Each step is announced with ::step NAME before it runs; the first step that fails ends the run
# with its exit status, and ::step names it last, so that the runner blames the right step.
# set-hostname runs beside the steps after it: they read nothing it writes (dockerd asks the kernel
# for the host name whenever it needs it), and it need not wait for them either.
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

beside=
status=0
for step in "$@"; do
  printf '::step %s\n' "$step"
  if [ "$step" = set-hostname ]; then
    sh "$here/$step.sh" &
    beside=$!
  else
    sh "$here/$step.sh" || {
      status=$?
      break
    }
  fi
done
if [ -n "$beside" ]; then
  beside_status=0
  wait "$beside" || beside_status=$?
  if [ "$status" = 0 ] && [ "$beside_status" != 0 ]; then
    printf '::step set-hostname\n'
    exit "$beside_status"
  fi
fi
[ "$status" = 0 ] || exit "$status"

if [ "${ENGINE_STAGING_DIR:-}" = "$here" ]; then
  rm -rf -- "$here"
  printf '::staging removed\n'
fi
