#!/bin/sh
# Installs the container engine from the source the user chose, never by piping a download to a shell.
# Safe to run again: when the requested engine is already there (at the requested version) and the
# repository files are unchanged, it touches nothing and does not even run apt-get update.
#
# Env:
#   ENGINE_INSTALL               docker | distro | repo | none
#   ENGINE_VERSION               optional version to pin; a prefix such as 27.3 picks the newest 27.3.x
#   ENGINE_REPO_URL              apt repository (docker: defaults to https://download.docker.com/linux/$OS_ID)
#   ENGINE_REPO_SUITE            suite (defaults to $OS_CODENAME; a suite ending in / is a flat repository)
#   ENGINE_REPO_COMPONENT        component (defaults to stable)
#   ENGINE_REPO_KEY_FILE         armored public key (.asc) that signs the repository (docker, repo)
#   ENGINE_REPO_KEY_FINGERPRINT  that key's fingerprint, checked by machine before upload; named in errors
#   OS_ID                        debian | ubuntu | raspbian: the flavour of Docker's repository
#   OS_CODENAME                  the release codename, e.g. bookworm or noble
#   ENGINE_STAGING_DIR           optional: the provisioning staging folder, where a packages-changed
#                                file is left when anything was installed (configure-engine.sh reads it)
# Prints ::dockerd PATH at the end, and ::changed packages when it installed anything.
set -eu
# Where this script is, without a dirname process (each costs a noticeable fraction of a second on a small VM).
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
# shellcheck source=SCRIPTDIR/lib/common.sh
. "$here/lib/common.sh"

KEYRING=/etc/apt/keyrings/machine-docker.asc
SOURCES=/etc/apt/sources.list.d/machine-docker.sources

engine_install=${ENGINE_INSTALL:-docker}
engine_version=${ENGINE_VERSION:-}
apt_updated=no
packages_changed=no

main() {
  require_root
  case $engine_install in
    docker | distro | repo | none) ;;
    *) die "ENGINE_INSTALL must be docker, distro, repo or none, not '$engine_install'" ;;
  esac
  case $engine_install in
    docker) install_from_repository docker ;;
    repo) install_from_repository repo ;;
    distro) install_from_distribution ;;
    none) require_existing_engine ;;
  esac
  report_dockerd
}

# --- what to install ---------------------------------------------------------------------------------

# Packages the engine needs that minimal images lack: without apparmor every container fails to start
# on an AppArmor kernel ("the docker-default profile could not be loaded"), and without ca-certificates
# neither apt over https nor `docker pull` can verify anything.
# One dpkg-query for all of them, and the AppArmor switch read without a process: on a ready host this
# check is most of what install-engine.sh does.
missing_support_packages() {
  _wanted=ca-certificates
  _apparmor=
  { read -r _apparmor </sys/module/apparmor/parameters/enabled; } 2>/dev/null || true
  [ "$_apparmor" != Y ] || _wanted="apparmor $_wanted"
  # "ii " is dpkg's abbreviated status of an installed package.
  # shellcheck disable=SC2086 # $_wanted is a list of package names
  _installed=" $(dpkg-query -W -f='${db:Status-Abbrev}${Package} ' $_wanted 2>/dev/null || true)"
  for _package in $_wanted; do
    case $_installed in *" ii $_package "*) ;; *) printf '%s ' "$_package" ;; esac
  done
}

# version_matches VERSION PREFIX: true when the Debian VERSION (epoch optional) is PREFIX or starts
# with PREFIX followed by a separator, so 27.3 matches 5:27.3.1-1~debian.12~bookworm but not 27.30.0.
version_matches() {
  [ "$1" = "$2" ] && return 0
  _upstream=${1#*:}
  case $_upstream in
    "$2" | "$2".* | "$2"-* | "$2"~* | "$2"+*) return 0 ;;
  esac
  return 1
}

# is_installed PACKAGE: installed, and at the pinned version when there is one.
is_installed() {
  _have=$(installed_version "$1")
  [ -n "$_have" ] || return 1
  [ -z "$engine_version" ] || version_matches "$_have" "$engine_version"
}

# resolve_version PACKAGE: the newest version apt offers that matches ENGINE_VERSION.
resolve_version() {
  _versions=$(apt-cache madison "$1" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
  for _candidate in $_versions; do
    if version_matches "$_candidate" "$engine_version"; then
      printf '%s\n' "$_candidate"
      return 0
    fi
  done
  die "no $1 version matching '$engine_version' is available; apt offers: $(printf '%s' "$_versions" | head -n 8 | tr '\n' ' ')"
}

# pinned PACKAGE: "PACKAGE" or "PACKAGE=VERSION" when a version is requested. Callers assign its output
# to a variable (never use it inside another command), so a failed lookup stops the script.
pinned() {
  if [ -n "$engine_version" ]; then
    _resolved=$(resolve_version "$1") || exit 1
    printf '%s=%s\n' "$1" "$_resolved"
  else
    printf '%s\n' "$1"
  fi
}

# --- apt ---------------------------------------------------------------------------------------------

# apt-get update, retried for network trouble; a signature failure on our repository stops at once
# with the key the user gave, because retrying cannot fix a wrong key.
apt_update() {
  [ "$apt_updated" = no ] || return 0
  # Only apt must wait for cloud-init (it may hold the dpkg lock); a host that needs no package, such
  # as one booted from a provisioned image, goes on while cloud-init finishes its last stage.
  wait_for_cloud_init
  phase apt-update
  _attempt=1
  while :; do
    wait_for_dpkg_lock
    _output=$(mktemp)
    _rc_file=$(mktemp)
    { _rc=0; apt_get update 2>&1 || _rc=$?; echo "$_rc" >"$_rc_file"; } | tee "$_output"
    _rc=$(cat "$_rc_file")
    if [ "$_rc" = 0 ]; then
      rm -f "$_output" "$_rc_file"
      apt_updated=yes
      return 0
    fi
    check_signature_failure "$_output"
    rm -f "$_output" "$_rc_file"
    [ "$_attempt" -lt 4 ] || die "apt-get update failed $_attempt times (exit $_rc); see the output above"
    warn "apt-get update failed (exit $_rc), retrying in $((_attempt * 5))s"
    sleep $((_attempt * 5))
    _attempt=$((_attempt + 1))
  done
}

check_signature_failure() {
  _url=${repo_url:-}
  [ -n "$_url" ] || return 0
  _url=${_url%/}
  _line=$(grep -F "$_url" "$1" |
    grep -E 'NO_PUBKEY|not signed|Missing key|signatures couldn.t be verified|BADSIG|EXPKEYSIG|REVKEYSIG|signature verification failed|invalid signature|Signed file isn' |
    head -n 1 || true)
  [ -n "$_line" ] || return 0
  die "the repository at $_url is not signed by the key with fingerprint ${ENGINE_REPO_KEY_FINGERPRINT:-unknown} ($key_origin): $_line"
}

# An explicit older --engine-version is a deliberate downgrade, so allow it.
install_packages() {
  phase apt-install
  log "installing: $*"
  apt_install --allow-downgrades "$@"
  mark changed packages
  packages_changed=yes
  # configure-engine.sh runs next in the same staging folder: new packages mean dockerd must restart
  # even where its configuration files are unchanged.
  [ -z "${ENGINE_STAGING_DIR:-}" ] || : >"$ENGINE_STAGING_DIR/packages-changed"
}

# --- the four sources ----------------------------------------------------------------------------------

install_from_repository() {
  if [ "$1" = docker ]; then
    repo_url=${ENGINE_REPO_URL:-https://download.docker.com/linux/${OS_ID:?OS_ID is not set}}
    key_origin="machine's bundled Docker key"
  else
    repo_url=${ENGINE_REPO_URL:?ENGINE_REPO_URL is not set (--engine-repo-url)}
    key_origin="from --engine-repo-key"
  fi
  suite=${ENGINE_REPO_SUITE:-${OS_CODENAME:?OS_CODENAME is not set; give --engine-repo-suite}}
  component=${ENGINE_REPO_COMPONENT:-stable}
  key_file=${ENGINE_REPO_KEY_FILE:?ENGINE_REPO_KEY_FILE is not set}
  [ -s "$key_file" ] || die "the repository key $key_file is missing or empty"
  for _value in "$repo_url" "$suite" "$component"; do
    case $_value in *[[:space:]]* | '') die "repository URL, suite and component must be single words, got '$_value'" ;; esac
  done

  support=$(missing_support_packages)
  case $support in
    *ca-certificates*)
      # apt cannot fetch an https repository without CA certificates: get them from the distribution first.
      apt_update
      # shellcheck disable=SC2086 # $support is a list of package names
      install_packages $support
      support=
      apt_updated=no # the next update must also read our repository
      ;;
  esac

  files_changed=0
  write_repository_files
  if [ "$files_changed" = 0 ] && [ -z "$support" ] && repository_engine_installed "$1"; then
    log "engine: already installed from $repo_url ($(installed_version docker-ce || true)$(installed_version docker.io || true)); nothing to do"
    return 0
  fi
  [ "$files_changed" = 0 ] || apt_updated=no
  apt_update
  if [ "$1" = docker ]; then
    engine=$(pinned docker-ce)
    cli=$(pinned docker-ce-cli)
    set -- "$engine" "$cli" containerd.io
  elif repository_offers docker-ce; then
    engine=$(pinned docker-ce)
    set -- "$engine"
  else
    log "$repo_url offers no docker-ce; installing docker.io"
    engine=$(pinned docker.io)
    set -- "$engine"
  fi
  # shellcheck disable=SC2086 # $support is a list of package names
  install_packages "$@" $support
}

repository_engine_installed() {
  if [ "$1" = docker ]; then
    is_installed docker-ce && is_installed docker-ce-cli && [ -n "$(installed_version containerd.io)" ]
  else
    is_installed docker-ce || { [ -z "$(installed_version docker-ce)" ] && is_installed docker.io; }
  fi
}

repository_offers() {
  apt-cache madison "$1" 2>/dev/null | grep -qF "${repo_url%/}"
}

# The key goes to /etc/apt/keyrings and is named by Signed-By, so it vouches for this repository only
# (never a global trusted.gpg). deb822 format; a flat repository (suite ending in /) has no components.
write_repository_files() {
  mkdir -p /etc/apt/keyrings
  chmod 0755 /etc/apt/keyrings # apt reads keys as the unprivileged _apt user
  install_if_changed "$key_file" "$KEYRING" 0644
  _sources=$(mktemp)
  {
    printf 'Types: deb\n'
    printf 'URIs: %s\n' "$repo_url"
    printf 'Suites: %s\n' "$suite"
    case $suite in */) ;; *) printf 'Components: %s\n' "$component" ;; esac
    printf 'Signed-By: %s\n' "$KEYRING"
  } >"$_sources"
  install_if_changed "$_sources" "$SOURCES" 0644
  rm -f "$_sources"
}

install_from_distribution() {
  support=$(missing_support_packages)
  if [ -z "$support" ] && is_installed docker.io; then
    log "engine: docker.io $(installed_version docker.io) already installed; nothing to do"
    return 0
  fi
  apt_update
  set --
  if ! is_installed docker.io; then
    engine=$(pinned docker.io)
    set -- "$engine"
  fi
  # shellcheck disable=SC2086 # $support is a list of package names
  install_packages "$@" $support
}

require_existing_engine() {
  command -v dockerd >/dev/null 2>&1 ||
    die "--engine-install none, but there is no dockerd on this host; install the engine first or use --engine-install docker or distro"
  support=$(missing_support_packages)
  if [ -n "$support" ]; then
    apt_update
    # shellcheck disable=SC2086 # $support is a list of package names
    install_packages $support
  fi
  log "engine: using the engine already installed"
}

report_dockerd() {
  dockerd_path=$(command -v dockerd 2>/dev/null || true)
  [ -n "$dockerd_path" ] || die "the engine packages are installed but no dockerd is on PATH"
  # Starting dockerd just for its version costs seconds under emulation: only after an install, to show
  # that the new binary runs; otherwise the package versions logged above say it.
  if [ "$packages_changed" = yes ]; then
    log "engine: $("$dockerd_path" --version 2>/dev/null || echo 'dockerd (version unknown)')"
  else
    log "engine: dockerd at $dockerd_path"
  fi
  mark dockerd "$dockerd_path"
}

main "$@"
