#!/usr/bin/env bash
# Builds a bootable Debian bookworm VM image for the end-to-end tests.
#
#   build-image.sh VARIANT OUTDIR
#
# VARIANT  base   : kernel, systemd, systemd-networkd (DHCP), openssh-server, sudo, cloud-init. No engine.
#          engine : base plus docker.io and apparmor, i.e. a host "with the engine already present".
# OUTDIR   must not exist yet; receives vmlinuz, initrd.img, disk.qcow2 and manifest.json.
#
# The image boots with QEMU's -kernel/-initrd (no bootloader) and root=/dev/vda; cloud-init (NoCloud
# seed ISO) creates the login user and its key at first boot. Needs root (debootstrap, chroot).
# Packages come from Debian's mirror; the downloaded .debs are kept as a debootstrap tarball under
# ${MACHINE_TEST_CACHE:-$HOME/.cache/machine-test}/debootstrap so that rebuilds do not download again.
# (One tarball per variant: debootstrap --unpack-tarball installs every package the tarball lists,
# whatever --include says, so a shared tarball would put the engine into the base image.)
#
# image.sh hashes this file to name its cache entry: any change here rebuilds the images.
set -Eeuo pipefail

readonly SUITE=bookworm
# Debian's mirrors are the ones this machine's apt already uses (deb822 .sources or one-line .list files),
# so the project names no mirror itself; DEBIAN_MIRROR and DEBIAN_SECURITY_MIRROR override them.
apt_mirror_for() {
  local suite=$1
  local files=()
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  [ "${#files[@]}" -gt 0 ] || return 0
  awk -v want="$suite" '
    function pick(uris, suites,   u, s, nu, ns, i, j) {
      ns = split(suites, s, /[ \t]+/)
      nu = split(uris, u, /[ \t]+/)
      for (i = 1; i <= ns; i++) if (s[i] == want) for (j = 1; j <= nu; j++) if (u[j] != "") { print u[j]; found = 1; exit }
    }
    FNR == 1 { if (uris != "") pick(uris, suites); uris = ""; suites = "" }
    /^deb[ \t]/ { line = $0; sub(/^deb[ \t]+(\[[^]]*\][ \t]+)?/, "", line); split(line, f, /[ \t]+/); pick(f[1], f[2]); next }
    /^URIs:/ { uris = $0; sub(/^URIs:[ \t]*/, "", uris) }
    /^Suites:/ { suites = $0; sub(/^Suites:[ \t]*/, "", suites) }
    /^[ \t]*$/ { if (uris != "") pick(uris, suites); uris = ""; suites = "" }
    END { if (!found && uris != "") pick(uris, suites) }
  ' "${files[@]}"
}
readonly DISK_SIZE=8G
readonly ROOT_LABEL=machine-root
# ttyS0 so the harness can keep the serial log; apparmor stays on (Debian's default) because docker needs it.
# mitigations=off: a throwaway test guest gains nothing from them and TCG pays dearly for each (PTI above all).
readonly KERNEL_APPEND="root=/dev/vda rw console=ttyS0 net.ifnames=0 mitigations=off systemd.show_status=auto"

# python3-cffi-backend is listed because debootstrap's resolver misses the virtual package cloud-init needs.
readonly BASE_PACKAGES="systemd-sysv,udev,dbus,libpam-systemd,linux-image-amd64,initramfs-tools,zstd,kmod,\
openssh-server,sudo,cloud-init,python3-cffi-backend,ca-certificates,iproute2,netbase,procps,e2fsprogs,curl,less"
readonly ENGINE_PACKAGES="docker.io,apparmor"

trap 'log "error: line $LINENO: $BASH_COMMAND exited with $?"' ERR

log() { printf '[build-image %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() { die "usage: $0 base|engine OUTDIR"; }

[ "$#" -eq 2 ] || usage
readonly VARIANT=$1
readonly OUTDIR=$2
case "$VARIANT" in
  base) readonly PACKAGES=$BASE_PACKAGES ;;
  engine) readonly PACKAGES="$BASE_PACKAGES,$ENGINE_PACKAGES" ;;
  *) usage ;;
esac
[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap and chroot)"
MIRROR=${DEBIAN_MIRROR:-$(apt_mirror_for "$SUITE")}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-$(apt_mirror_for "$SUITE-security")}
readonly MIRROR SECURITY_MIRROR
[ -n "$MIRROR" ] || die "this machine's apt configuration has no source for $SUITE; set DEBIAN_MIRROR"
[ -n "$SECURITY_MIRROR" ] || die "this machine's apt configuration has no source for $SUITE-security; set DEBIAN_SECURITY_MIRROR"
[ ! -e "$OUTDIR" ] || die "$OUTDIR already exists"
for tool in debootstrap mkfs.ext4 qemu-img flock sha256sum; do
  command -v "$tool" >/dev/null || die "missing $tool"
done

readonly CACHE_ROOT=${MACHINE_TEST_CACHE:-$HOME/.cache/machine-test}
tarball_key=$(printf '%s %s %s\n' "$SUITE" "$MIRROR" "$PACKAGES" | sha256sum | cut -c1-16)
readonly TARBALL="$CACHE_ROOT/debootstrap/$SUITE-$tarball_key.tgz"

started_at=$(date +%s)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/machine-image.XXXXXX")
readonly WORK
readonly ROOTFS="$WORK/rootfs"
mounted=()

cleanup() {
  local i
  # Unmount in reverse order: /dev/pts sits on /dev.
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -l "${mounted[$i]}" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

mount_into_chroot() {
  mount --bind /dev "$ROOTFS/dev" && mounted+=("$ROOTFS/dev")
  mount -t devpts devpts "$ROOTFS/dev/pts" && mounted+=("$ROOTFS/dev/pts")
  mount -t proc proc "$ROOTFS/proc" && mounted+=("$ROOTFS/proc")
  mount -t sysfs sysfs "$ROOTFS/sys" && mounted+=("$ROOTFS/sys")
}

unmount_chroot() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[$i]}"
  done
  mounted=()
}

in_chroot() { LC_ALL=C DEBIAN_FRONTEND=noninteractive chroot "$ROOTFS" "$@"; }

ensure_tarball() {
  mkdir -p "$(dirname "$TARBALL")"
  # Two builds at once must not both download into the same tarball.
  exec 8>"$TARBALL.lock"
  flock 8
  if [ ! -s "$TARBALL" ]; then
    log "downloading packages into $TARBALL"
    local scratch="$WORK/download"
    debootstrap --variant=minbase --include="$PACKAGES" \
      --make-tarball="$TARBALL.partial" "$SUITE" "$scratch" "$MIRROR" >&2
    mv -f "$TARBALL.partial" "$TARBALL"
    rm -rf "$scratch"
  fi
  flock -u 8
  exec 8>&-
}

bootstrap_rootfs() {
  log "debootstrap $VARIANT ($PACKAGES)"
  debootstrap --variant=minbase --include="$PACKAGES" --unpack-tarball="$TARBALL" \
    "$SUITE" "$ROOTFS" "$MIRROR" >&2
}

write_apt_sources() {
  rm -f "$ROOTFS/etc/apt/sources.list"
  cat >"$ROOTFS/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

configure_network() {
  # Every ethernet link asks for DHCP; the harness's QEMU user network answers on the first NIC.
  cat >"$ROOTFS/etc/systemd/network/80-ethernet-dhcp.network" <<'EOF'
[Match]
Type=ether

[Network]
DHCP=yes
EOF
  # A second NIC on a socket network has no DHCP server; "online" must not wait for it.
  mkdir -p "$ROOTFS/etc/systemd/system/systemd-networkd-wait-online.service.d"
  cat >"$ROOTFS/etc/systemd/system/systemd-networkd-wait-online.service.d/any-link.conf" <<'EOF'
[Service]
ExecStart=
ExecStart=/lib/systemd/systemd-networkd-wait-online --any --timeout=30
EOF
  # QEMU user networking's DNS forwarder; no resolver daemon needed for a test guest.
  rm -f "$ROOTFS/etc/resolv.conf"
  printf 'nameserver 10.0.2.3\n' >"$ROOTFS/etc/resolv.conf"
  systemctl --root="$ROOTFS" enable systemd-networkd.service >&2
}

configure_cloud_init() {
  # Only the NoCloud seed: probing other datasources would send traffic to cloud metadata addresses and
  # cost seconds. Networking is systemd-networkd's job. ed25519/ecdsa host keys only: RSA keygen is slow
  # under TCG. /etc/hosts gets the hostname (sudo complains otherwise); no locale generation (slow, and
  # the minimal image has no en_US to switch to anyway).
  cat >"$ROOTFS/etc/cloud/cloud.cfg.d/90-machine-test.cfg" <<'EOF'
datasource_list: [ NoCloud, None ]
network:
  config: disabled
apt:
  preserve_sources_list: true
ssh_genkeytypes: [ ed25519, ecdsa ]
ssh_deletekeys: true
manage_etc_hosts: true
locale: false
# The config stage's other modules (passwords, grub, apt, ntp, timezone, ...) do nothing a test relies on
# and cost seconds of TCG time at every boot.
cloud_config_modules: [ runcmd ]
EOF
  # sshd answers only once cloud-init's network stage has created the user, installed its key and made
  # fresh host keys, so "the banner is up" means "the user can log in".
  mkdir -p "$ROOTFS/etc/systemd/system/ssh.service.d"
  cat >"$ROOTFS/etc/systemd/system/ssh.service.d/after-cloud-init.conf" <<'EOF'
[Unit]
After=cloud-init.service
Wants=cloud-init.service
EOF
  # Host keys are generated per VM at first boot; the image must not carry shared ones.
  rm -f "$ROOTFS"/etc/ssh/ssh_host_*
}

speed_up_boot() {
  # Timers that would fire apt or disk jobs in the middle of a test, and the interactive first-boot prompt
  # that an empty machine-id would otherwise trigger on the serial console.
  local unit
  for unit in apt-daily.timer apt-daily-upgrade.timer apt-daily.service apt-daily-upgrade.service \
    dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer man-db.timer \
    systemd-firstboot.service systemd-timesyncd.service; do
    systemctl --root="$ROOTFS" mask "$unit" >&2
  done
}

configure_system() {
  printf 'LABEL=%s / ext4 rw,errors=remount-ro 0 1\n' "$ROOT_LABEL" >"$ROOTFS/etc/fstab"
  printf 'debian\n' >"$ROOTFS/etc/hostname"
  printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$ROOTFS/etc/hosts"
  # Empty, so systemd gives every VM its own id at first boot.
  : >"$ROOTFS/etc/machine-id"
  rm -f "$ROOTFS/var/lib/dbus/machine-id"
  in_chroot passwd --lock root >&2
}

build_initramfs() {
  # Only what is needed to mount root from a virtio disk: a small initramfs loads much faster under TCG.
  sed -i 's/^MODULES=.*/MODULES=list/' "$ROOTFS/etc/initramfs-tools/initramfs.conf"
  printf '%s\n' virtio_pci virtio_blk virtio_scsi virtio_net ext4 crc32c_generic >>"$ROOTFS/etc/initramfs-tools/modules"
  log "rebuilding initramfs"
  in_chroot update-initramfs -u -k all >&2
  cp "$(find "$ROOTFS/boot" -maxdepth 1 -name 'vmlinuz-*' | sort | tail -n1)" "$WORK/out/vmlinuz"
  cp "$(find "$ROOTFS/boot" -maxdepth 1 -name 'initrd.img-*' | sort | tail -n1)" "$WORK/out/initrd.img"
  # Debian installs the kernel 0600; QEMU runs as whoever runs the tests.
  chmod 0644 "$WORK/out/vmlinuz" "$WORK/out/initrd.img"
}

make_disk() {
  log "making ext4 disk"
  in_chroot apt-get clean >&2
  local raw="$WORK/disk.raw"
  truncate -s "$DISK_SIZE" "$raw"
  mkfs.ext4 -q -F -L "$ROOT_LABEL" -d "$ROOTFS" "$raw" >&2
  qemu-img convert -O qcow2 "$raw" "$WORK/out/disk.qcow2"
  rm -f "$raw"
}

json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

write_manifest() {
  local kernel_version docker_version packages_json
  kernel_version=$(find "$ROOTFS/boot" -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sort | tail -n1 | sed 's/^vmlinuz-//')
  # shellcheck disable=SC2016 # ${Version} is dpkg-query's format field, not a shell expansion.
  # Empty when docker.io is not installed (dpkg-query then fails, which pipefail must not turn into an abort).
  docker_version=$({ in_chroot dpkg-query -W -f '${db:Status-Abbrev} ${Version}' docker.io 2>/dev/null || true; } | sed -n 's/^ii  *//p')
  packages_json=$(printf '%s' "$PACKAGES" | tr ',' '\n' | sed 's/.*/"&"/' | paste -sd, -)
  cat >"$WORK/out/manifest.json" <<EOF
{
  "variant": $(json_string "$VARIANT"),
  "suite": $(json_string "$SUITE"),
  "mirror": $(json_string "$MIRROR"),
  "kernelVersion": $(json_string "$kernel_version"),
  "kernel": "vmlinuz",
  "initrd": "initrd.img",
  "disk": "disk.qcow2",
  "diskFormat": "qcow2",
  "rootLabel": $(json_string "$ROOT_LABEL"),
  "append": $(json_string "$KERNEL_APPEND"),
  "dockerVersion": $(json_string "$docker_version"),
  "packages": [$packages_json],
  "builtAt": $(json_string "$(date -u +%Y-%m-%dT%H:%M:%SZ)"),
  "buildSeconds": $(($(date +%s) - started_at))
}
EOF
}

main() {
  mkdir -p "$WORK/out"
  ensure_tarball
  bootstrap_rootfs
  mount_into_chroot
  write_apt_sources
  configure_network
  configure_cloud_init
  speed_up_boot
  configure_system
  build_initramfs
  unmount_chroot
  make_disk
  write_manifest
  mkdir -p "$(dirname "$OUTDIR")"
  mv "$WORK/out" "$OUTDIR"
  log "done: $OUTDIR ($(($(date +%s) - started_at)) s)"
}

main
