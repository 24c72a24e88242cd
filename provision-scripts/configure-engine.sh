#!/bin/sh
# Puts the server certificates and the machine drop-in in place and makes dockerd listen with mutual
# TLS (or, for the ssh transport, on its unix socket only). dockerd is restarted only when something
# changed (or install-engine.sh changed packages), so provisioning again leaves running containers alone.
# Restart, not start: the packages already started dockerd.
#
# Env:
#   ENGINE_TRANSPORT     tls (default): TCP port with mutual TLS; ssh: the unix socket only, no certificates
#   ENGINE_PORT          TCP port dockerd listens on (must match the drop-in; tls only)
#   ENGINE_STAGING_DIR   folder holding ca.pem, server.pem, server-key.pem and 10-machine.conf; a
#                        packages-changed file there (install-engine.sh leaves it) forces a restart
#   ENGINE_WAIT_SECONDS  how long to wait for the port after a restart (default 120)
# The staged drop-in may name dockerd as @DOCKERD@: the runner renders it before install-engine.sh has
# run, so this script puts in the dockerd it finds (the one install-engine.sh reported).
# Prints ::dockerd PATH, then ::engine restarted, ::engine started (files in place, dockerd was not
# running) or ::engine unchanged.
# The login user that ran sudo (SUDO_USER) joins the docker group, so `machine proxy` can reach
# /var/run/docker.sock over SSH's direct-streamlocal channel, which cannot go through sudo.
set -eu
# Where this script is, without a dirname process (each costs a noticeable fraction of a second on a small VM).
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
# shellcheck source=SCRIPTDIR/lib/common.sh
. "$here/lib/common.sh"
# shellcheck source=SCRIPTDIR/lib/drop-in.sh
. "$here/lib/drop-in.sh"

DROP_IN_DIR=/etc/systemd/system/docker.service.d
DAEMON_JSON=/etc/docker/daemon.json

transport=${ENGINE_TRANSPORT:-tls}
case $transport in
  tls) port=${ENGINE_PORT:?ENGINE_PORT is not set} ;;
  ssh) port= ;;
  *) die "ENGINE_TRANSPORT must be tls or ssh, not '$transport'" ;;
esac
staging=${ENGINE_STAGING_DIR:?ENGINE_STAGING_DIR is not set}
wait_seconds=${ENGINE_WAIT_SECONDS:-120}

main() {
  require_root
  if [ "$transport" = tls ]; then
    case $port in '' | *[!0-9]*) die "ENGINE_PORT must be a number, not '$port'" ;; esac
    staged_files="ca.pem server.pem server-key.pem 10-machine.conf"
  else
    staged_files=10-machine.conf
  fi
  for file in $staged_files; do
    [ -s "$staging/$file" ] || die "$staging/$file is missing"
  done
  [ -d /run/systemd/system ] || die "systemd is not running on this host; machine configures dockerd through its systemd unit"
  read_unit_state
  case $unit_load_state in
    loaded) ;;
    masked) die "docker.service is masked on this host; unmask it (systemctl unmask docker.service) and provision again" ;;
    *) die "there is no docker.service unit on this host; the engine must be installed as a systemd service" ;;
  esac
  dockerd_path=$(command -v dockerd || true)
  case $dockerd_path in
    /*) case $dockerd_path in *[!A-Za-z0-9_./+-]*) die "dockerd is at $dockerd_path, a path machine cannot put in a systemd unit" ;; esac ;;
    *) die "there is no dockerd on this host's PATH" ;;
  esac
  # The drop-in as dockerd gets it; checks and comparisons below read this one, never the template.
  drop_in=$staging/10-machine.conf.final
  sed "s|@DOCKERD@|$dockerd_path|g" "$staging/10-machine.conf" >"$drop_in"
  refuse_daemon_json_conflicts

  files_changed=0
  mkdir -p /etc/docker "$DROP_IN_DIR"
  chmod 0755 /etc/docker
  install_if_changed "$drop_in" "$DROP_IN_DIR/10-machine.conf" 0644
  # systemd re-reads every unit (seconds on a small VM): in the background, while the rest is put in place.
  reload_pid=
  if [ "$files_changed" != 0 ] || [ "$unit_needs_reload" = yes ]; then
    systemctl daemon-reload &
    reload_pid=$!
  fi

  # Before dockerd (re)starts, not after: one thing less on the way to an engine that answers.
  login_user_joins_docker_group
  if [ "$transport" = tls ]; then
    install_if_changed "$staging/ca.pem" /etc/docker/ca.pem 0644
    install_if_changed "$staging/server.pem" /etc/docker/server.pem 0644
    install_if_changed "$staging/server-key.pem" /etc/docker/server-key.pem 0600
  fi
  if [ -n "$reload_pid" ]; then
    wait "$reload_pid" || die "systemctl daemon-reload failed, so systemd would not see machine's drop-in"
  fi
  mark dockerd "$dockerd_path"

  if [ "$files_changed" = 0 ] && [ -z "$reload_pid" ] && [ ! -e "$staging/packages-changed" ]; then
    if [ "$unit_active_state" = active ]; then
      log "engine: unchanged"
      mark engine unchanged
    else
      # Configured already (a machine whose seed put these files in place at boot) but not running yet:
      # start joins a start the boot may have under way, where restart would run dockerd's start twice.
      phase start-engine
      reset_failed_unless_active
      systemctl start docker.service || fail_with_journal "dockerd did not start"
      log "engine: started"
      mark engine started
    fi
  else
    phase restart-engine
    reset_failed_unless_active
    systemctl restart docker.service || fail_with_journal "dockerd did not start"
    log "engine: restarted"
    mark engine restarted
  fi
  # Enabling runs the SysV compatibility helpers Debian's docker.io ships, seconds on a small VM: only
  # when it is not enabled yet (the states systemctl is-enabled counts as enabled need nothing).
  case $unit_file_state in
    enabled | enabled-runtime | static | alias | indirect | generated | transient) ;;
    *) systemctl enable --quiet docker.service ;;
  esac
  if [ "$transport" = tls ]; then wait_for_port; else wait_for_socket; fi
}

# What systemd knows of docker.service, in one systemctl call (each costs a noticeable fraction of a
# second on a small VM): unit_load_state, unit_active_state, unit_file_state, unit_needs_reload.
read_unit_state() {
  unit_load_state=
  unit_active_state=
  unit_file_state=
  unit_needs_reload=
  _state=$(systemctl show -p LoadState -p ActiveState -p UnitFileState -p NeedDaemonReload docker.service 2>/dev/null || true)
  while IFS='=' read -r _key _value; do
    case $_key in
      LoadState) unit_load_state=$_value ;;
      ActiveState) unit_active_state=$_value ;;
      UnitFileState) unit_file_state=$_value ;;
      NeedDaemonReload) unit_needs_reload=$_value ;;
    esac
  done <<EOF_STATE
$_state
EOF_STATE
}

# Earlier failed starts count against StartLimitBurst; a fresh provision deserves a fresh budget. A
# running dockerd has none to reset.
reset_failed_unless_active() {
  [ "$unit_active_state" = active ] || systemctl reset-failed docker.service 2>/dev/null || true
}

login_user_joins_docker_group() {
  user=${SUDO_USER:-}
  [ -n "$user" ] && [ "$user" != root ] || return 0
  # /etc/group read by the shell itself, not getent and id (a process each): the engine packages make
  # the docker group there, and a membership the user already has elsewhere is only repeated here.
  _docker_group=no
  _members=
  _group=
  # "|| [ -n ... ]": a last line without its newline counts too.
  while IFS=: read -r _group _ _ _members || [ -n "$_group" ]; do
    if [ "$_group" = docker ]; then
      _docker_group=yes
      break
    fi
    _group=
  done </etc/group
  [ "$_docker_group" = yes ] || return 0
  case ",$_members," in *",$user,"*) return 0 ;; esac
  usermod -aG docker "$user"
  log "engine: $user joined the docker group (for machine proxy)"
}

# dockerd refuses to start when a setting is both a flag and a daemon.json key. We do not edit the
# user's daemon.json (it may carry things they rely on); we stop here and name the keys to remove.
refuse_daemon_json_conflicts() {
  [ -f "$DAEMON_JSON" ] || return 0
  conflicts=
  managed=hosts
  [ "$transport" = ssh ] || managed="$managed tls tlsverify tlscacert tlscert tlskey"
  for key in $managed $(flag_keys_in_drop_in); do
    if grep -Eq "\"$key\"[[:space:]]*:" "$DAEMON_JSON"; then
      case " $conflicts " in *" $key "*) ;; *) conflicts="$conflicts $key" ;; esac
    fi
  done
  [ -z "$conflicts" ] ||
    die "$DAEMON_JSON sets$conflicts, which machine passes to dockerd as flags; dockerd refuses to start with both. Remove$conflicts from $DAEMON_JSON (or the matching --engine-* option) and provision again."
}

# The daemon.json keys matching the flags of our drop-in (labels, registries, storage, --engine-opt).
flag_keys_in_drop_in() {
  drop_in_flag_keys "$drop_in"
}

port_listening() {
  _hex=$(printf '%04X' "$port")
  # /proc instead of ss or netstat: always there, and no output format to guess.
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
    awk -v port=":$_hex" '$4 == "0A" && substr($2, length($2) - 4) == port { found = 1 } END { exit !found }'
}

# Waits until "$@" succeeds (dockerd listening), failing at once when dockerd stopped and after
# wait_seconds with the journal and "$_what" in the message.
# dockerd tells systemd it is ready just before it listens, so the first look usually finds it: the
# looks after it come every fifth of a second, not every second, so that the wait ends when dockerd is
# listening and not up to a second later.
wait_until_listening() {
  _ticks=0
  until "$@"; do
    if systemctl is-failed --quiet docker.service; then fail_with_journal "dockerd stopped"; fi
    [ "$_ticks" -lt $((wait_seconds * 5)) ] || fail_with_journal "dockerd is not listening on $_what after ${wait_seconds}s"
    sleep 0.2
    _ticks=$((_ticks + 1))
  done
}

wait_for_port() {
  _what="port $port"
  wait_until_listening port_listening
  log "engine: listening on tcp port $port with TLS"
}

socket_ready() {
  [ -S /var/run/docker.sock ] && systemctl is-active --quiet docker.service
}

wait_for_socket() {
  _what=/var/run/docker.sock
  wait_until_listening socket_ready
  log "engine: listening on /var/run/docker.sock only (reached through SSH)"
}

# The journal first and the reason last, so the end of the output (what the user sees) says what broke.
fail_with_journal() {
  printf -- '--- journalctl -u docker (last 30 lines) ---\n' >&2
  journalctl -u docker.service --no-pager -n 30 >&2 2>&1 || true
  die "$1"
}

main "$@"
