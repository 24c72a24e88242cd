# shellcheck shell=sh
# Helpers shared by the provision scripts; sourced, never run. The scripts run as root (the runner uses
# sudo), take parameters only from the environment, and are safe to run again.
#
# Output convention: lines starting with "::" are for the runner (::phase NAME, ::dockerd PATH,
# ::changed WHAT, ::engine restarted|unchanged); everything else is for people and goes to provision.log.

# sudo's secure_path has the sbin folders, a root login over SSH may not; dockerd lives in /usr/sbin on Debian.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export PATH
# Never let apt, dpkg or debconf wait for an answer nobody can give.
DEBIAN_FRONTEND=noninteractive
export DEBIAN_FRONTEND
LC_ALL=C
export LC_ALL

log() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}
phase() { printf '::phase %s\n' "$1"; }
mark() { printf '::%s\n' "$*"; }

require_root() {
  [ "$(id -u)" = 0 ] || die "must run as root"
}

# retry ATTEMPTS DELAY COMMAND...: runs COMMAND until it succeeds, doubling DELAY (seconds) after each failure.
retry() {
  _retry_attempts=$1
  _retry_delay=$2
  shift 2
  _retry_n=1
  until "$@"; do
    [ "$_retry_n" -lt "$_retry_attempts" ] || return 1
    warn "attempt $_retry_n of $_retry_attempts failed: $*; retrying in ${_retry_delay}s"
    sleep "$_retry_delay"
    _retry_n=$((_retry_n + 1))
    _retry_delay=$((_retry_delay * 2))
  done
}

# Fresh cloud VMs run cloud-init, which installs packages and holds the dpkg lock; wait for it to end.
# Exit 2 means "done, degraded" and other failures are only warned about: cloud-init has finished either
# way, and a real problem shows up in the apt steps that follow with a better message.
wait_for_cloud_init() {
  command -v cloud-init >/dev/null 2>&1 || return 0
  # Without /run/cloud-init it is installed but not active this boot, and `status --wait` would wait forever.
  [ -d /run/cloud-init ] || return 0
  # cloud-init writes boot-finished at the end of its last stage; asking `cloud-init status` costs a
  # Python start-up (seconds on a small VM) to learn the same thing.
  [ -f /var/lib/cloud/instance/boot-finished ] && return 0
  phase wait-cloud-init
  _ci_status=0
  timeout 600 cloud-init status --wait >/dev/null 2>&1 || _ci_status=$?
  case $_ci_status in
    0 | 2) ;;
    124) warn "cloud-init was still running after 10 minutes; continuing" ;;
    *) warn "cloud-init reported an error (exit $_ci_status); continuing" ;;
  esac
}

# Waits while another package manager run holds the dpkg or apt lists locks. Minimal images have no
# fuser; there apt's own DPkg::Lock::Timeout (see apt_get) and the retries of apt-get update cover it.
wait_for_dpkg_lock() {
  command -v fuser >/dev/null 2>&1 || return 0
  _lock_waited=0
  while fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock >/dev/null 2>&1; do
    [ "$_lock_waited" -lt 600 ] || die "the dpkg lock is still held after 10 minutes (another apt run or unattended-upgrades)"
    [ "$_lock_waited" -gt 0 ] || log "waiting for another package manager run to release the dpkg lock"
    sleep 3
    _lock_waited=$((_lock_waited + 3))
  done
}

apt_get() {
  apt-get -q -y -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0 "$@"
}

# Installs packages without recommends (fast, small) and keeps existing config files on upgrades.
apt_install() {
  wait_for_dpkg_lock
  apt_get install --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}

# Prints the installed version of a package, or nothing when it is not installed.
installed_version() {
  dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null | sed -n 's/^install ok installed //p'
}

# install_if_changed SOURCE TARGET MODE: puts SOURCE at TARGET (root-owned, MODE) unless it is already
# identical, and counts real changes in $files_changed so callers can skip restarts when nothing moved.
# The copy goes through a temporary file in the target folder and a rename, so readers never see half a file.
files_changed=0
install_if_changed() {
  if [ -f "$2" ] && cmp -s "$1" "$2"; then
    chown root:root "$2"
    chmod "$3" "$2"
    return 0
  fi
  # install(1) copies, owns and sets the mode in one process (each costs a noticeable fraction of a second
  # on a small VM); the copy is private (0600) until the mode is set, which matters for a key.
  install -o root -g root -m "$3" "$1" "$2.machine-new"
  mv -f "$2.machine-new" "$2"
  files_changed=$((files_changed + 1))
  log "updated $2"
}
