#!/bin/sh
# Takes out of a freshly provisioned host everything that belongs to this one machine, so that its disk,
# once the host has shut down cleanly, can be kept as a provisioned image that other machines boot from.
# What stays: the installed packages and the engine's repository files. What goes: dockerd's identity
# (engine-id, and key.json whose key id older engines report as their ID), swarm and network state, its
# TLS material and the machine's drop-in; the SSH host keys; the machine-id; our hostname override;
# cloud-init's instance state (so the next boot, with another seed, runs as a first boot); every login's
# authorized keys and shell history; logs.
# Each machine made from the image gets these back at its first boot (systemd makes a machine-id,
# cloud-init host keys, the hostname and the user's key) and from its per-machine provisioning
# (certificates, drop-in; dockerd then makes a new engine ID).
# dockerd must not start before that provisioning: without its drop-in it would start plain and only be
# restarted. A condition on the drop-in keeps it down until then (and is always true afterwards).
# The caller shuts the host down afterwards; this script does not, so that it can report how it went.
set -eu
# Where this script is, without a dirname process (each costs a noticeable fraction of a second on a small VM).
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
# shellcheck source=SCRIPTDIR/lib/common.sh
. "$here/lib/common.sh"

DROP_IN_DIR=/etc/systemd/system/docker.service.d

main() {
  require_root
  # cloud-init's last stage may still be at work (and writing its state) on a host that just came up.
  wait_for_cloud_init
  phase stop-engine
  systemctl stop docker.service docker.socket containerd.service 2>/dev/null || true

  phase remove-identity
  rm -f /var/lib/docker/engine-id /etc/docker/key.json
  rm -rf /var/lib/docker/swarm /var/lib/docker/network
  rm -f /etc/docker/ca.pem /etc/docker/server.pem /etc/docker/server-key.pem "$DROP_IN_DIR/10-machine.conf"
  mkdir -p "$DROP_IN_DIR"
  printf '[Unit]\nConditionPathExists=%s/10-machine.conf\n' "$DROP_IN_DIR" >"$DROP_IN_DIR/00-machine-sealed.conf"
  systemctl daemon-reload

  rm -f /etc/ssh/ssh_host_*
  # Empty, not absent: systemd then makes a new id at the next boot, as on a fresh cloud image.
  : >/etc/machine-id
  rm -f /var/lib/dbus/machine-id
  rm -f /etc/cloud/cloud.cfg.d/99-machine-hostname.cfg
  if [ -d /etc/cloud/cloud.cfg.d ]; then
    # Every machine made from the image boots with our NoCloud seed: cloud-init need not look for
    # other sources first (each probe costs seconds of an emulated boot).
    printf 'datasource_list: [ NoCloud, None ]\n' >/etc/cloud/cloud.cfg.d/90-machine-image.cfg
  fi
  if command -v cloud-init >/dev/null 2>&1; then
    cloud-init clean --logs >/dev/null 2>&1 || rm -rf /var/lib/cloud/instance /var/lib/cloud/instances /var/lib/cloud/data /var/lib/cloud/sem
  fi
  rm -f /var/lib/dhcp/*.leases /var/lib/dhcp/*.lease

  for home in /root /home/*; do
    [ -d "$home" ] || continue
    rm -f "$home/.ssh/authorized_keys" "$home/.bash_history" "$home/.lesshst"
  done

  phase remove-logs
  # The journal folder is named after the machine-id: the next boot starts a new one.
  rm -rf /var/log/journal/*
  find /var/log -type f \( -name '*.gz' -o -name '*.[0-9]' -o -name '*.old' \) -delete
  find /var/log -type f -exec truncate -s 0 {} +
  sync
  log "sealed: machine-specific state removed; shut the host down to keep its disk"
  # Machines made from the image skip install-engine, which is what reports dockerd's path otherwise.
  dockerd_path=$(command -v dockerd 2>/dev/null || true)
  [ -n "$dockerd_path" ] || die "there is no dockerd on this host to keep in an image"
  mark dockerd "$dockerd_path"
}

main "$@"
