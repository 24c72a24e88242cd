#!/bin/sh
# Upgrades the engine packages machine installed, from the apt source create configured (this script
# adds or changes no source), with --only-upgrade so nothing new is pulled in. dockerd's configuration
# (the systemd drop-in, its data-root) is not touched, so containers, images and volumes stay; dockerd
# is restarted on the upgraded binary when a package moved.
#
# Env:
#   ENGINE_INSTALL  docker | repo | distro (none: machine did not install the engine and refuses)
# Prints ::version PACKAGE OLD NEW for each engine package, and ::changed packages when one moved.
set -eu
# Where this script is, without a dirname process (each costs a noticeable fraction of a second on a small VM).
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
# shellcheck source=SCRIPTDIR/lib/common.sh
. "$here/lib/common.sh"

engine_install=${ENGINE_INSTALL:-docker}

main() {
  require_root
  case $engine_install in
    docker) candidates='docker-ce docker-ce-cli containerd.io' ;;
    repo) candidates='docker-ce docker-ce-cli docker.io containerd.io containerd runc' ;;
    distro) candidates='docker.io containerd runc' ;;
    none) die "the engine was not installed by machine (--engine-install none): upgrade it with the tools that installed it" ;;
    *) die "ENGINE_INSTALL must be docker, repo or distro, not '$engine_install'" ;;
  esac
  installed=
  for _package in $candidates; do
    [ -z "$(installed_version "$_package")" ] || installed="$installed $_package"
  done
  [ -n "$installed" ] || die "none of the engine packages ($candidates) is installed; run \`machine provision\` first"

  versions_before=$(versions_of "$installed")
  phase apt-update
  wait_for_dpkg_lock
  retry 4 5 apt_get update || die "apt-get update failed; see the output above"
  phase apt-upgrade
  log "upgrading:$installed"
  # shellcheck disable=SC2086 # $installed is a list of package names
  apt_install --only-upgrade $installed
  versions_after=$(versions_of "$installed")

  moved=no
  for _package in $installed; do
    _old=$(printf '%s\n' "$versions_before" | awk -v p="$_package" '$1 == p { print $2 }')
    _new=$(printf '%s\n' "$versions_after" | awk -v p="$_package" '$1 == p { print $2 }')
    mark version "$_package" "$_old" "$_new"
    [ "$_old" = "$_new" ] || moved=yes
  done
  if [ "$moved" = no ]; then
    log "engine: already the newest version the repository offers"
    return 0
  fi
  mark changed packages
  phase restart-dockerd
  systemctl daemon-reload
  systemctl restart docker.service || die "dockerd did not start after the upgrade: $(journalctl -u docker.service -n 20 --no-pager 2>/dev/null | tail -n 20)"
}

# versions_of "PACKAGE...": one "PACKAGE VERSION" line each.
versions_of() {
  for _each in $1; do
    printf '%s %s\n' "$_each" "$(installed_version "$_each")"
  done
}

main "$@"
