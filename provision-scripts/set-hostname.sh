#!/bin/sh
# Names the host after the machine: the running host name, /etc/hostname and the 127.0.1.1 line of
# /etc/hosts (so sudo and friends resolve it without DNS). Changes nothing that is already right.
#
# Env: MACHINE_HOSTNAME  the machine name (letters, digits, dots and dashes)
set -eu
# Where this script is, without a dirname process (each costs a noticeable fraction of a second on a small VM).
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
# shellcheck source=SCRIPTDIR/lib/common.sh
. "$here/lib/common.sh"

: "${MACHINE_HOSTNAME:?MACHINE_HOSTNAME is not set}"
name=$MACHINE_HOSTNAME
case $name in
  -* | *[!A-Za-z0-9.-]*) die "invalid host name: $name" ;;
esac
[ "${#name}" -le 64 ] || die "host name longer than 64 characters: $name"

require_root
changed=no

# Files are read with the shell's own read, not cat: each process costs a noticeable fraction of a second
# on a small VM. The kernel's copy of the name is the running host name.
current=
{ read -r current </proc/sys/kernel/hostname; } 2>/dev/null || true
if [ "$current" != "$name" ]; then
  hostname "$name"
  changed=yes
fi

saved=
{ read -r saved </etc/hostname; } 2>/dev/null || true
if [ "$saved" != "$name" ]; then
  printf '%s\n' "$name" >/etc/hostname
  changed=yes
fi

# The first 127.0.1.1 line must name us (an FQDN before the short name is the user's choice, kept);
# the rest of /etc/hosts stays as it is.
if ! awk -v name="$name" '$1 == "127.0.1.1" { for (i = 2; i <= NF; i++) if ($i == name) found = 1; exit } END { exit !found }' /etc/hosts 2>/dev/null; then
  hosts_new=$(mktemp)
  awk -v name="$name" '
    $1 == "127.0.1.1" && !done { print "127.0.1.1\t" name; done = 1; next }
    { print }
    END { if (!done) print "127.0.1.1\t" name }
  ' /etc/hosts >"$hosts_new" 2>/dev/null || printf '127.0.1.1\t%s\n' "$name" >"$hosts_new"
  # Rewrite in place rather than rename: /etc/hosts is often a bind mount (containers) or has local modes.
  cat "$hosts_new" >/etc/hosts
  rm -f "$hosts_new"
  changed=yes
fi

# cloud-init would put the provider's name back at the next boot unless told to keep ours.
if [ -d /etc/cloud/cloud.cfg.d ]; then
  keep=/etc/cloud/cloud.cfg.d/99-machine-hostname.cfg
  kept=
  { read -r kept <"$keep"; } 2>/dev/null || true
  if [ "$kept" != "preserve_hostname: true" ]; then
    printf 'preserve_hostname: true\n' >"$keep"
    changed=yes
  fi
fi

if [ "$changed" = yes ]; then
  log "hostname: set to $name"
  mark changed hostname
else
  log "hostname: $name (unchanged)"
fi
