#!/bin/sh
# Runs once inside a container of the imported VM image (Debian with sshd and docker.io) and turns it
# into a light host: a container booted with systemd that is reached like a VPS. Per host, the backend
# bind-mounts the SSH host key and the login user's authorized_keys; nothing else differs between hosts.
set -eu

mask() {
  for unit in "$@"; do ln -sf /dev/null "/etc/systemd/system/$unit"; done
}

# No cloud-init: a container has no NoCloud seed, and probing other datasources would send traffic to
# cloud metadata addresses. The backend supplies what cloud-init would make (user, key, host keys).
mask cloud-init-local.service cloud-init.service cloud-config.service cloud-final.service \
  cloud-init-hotplugd.service cloud-init-hotplugd.socket
touch /etc/cloud/cloud-init.disabled
rm -f /etc/systemd/system/ssh.service.d/after-cloud-init.conf

# Docker gives the container its address and name resolution; a DHCP client would fight it. The rest is
# periodic work and consoles that only cost CPU when fifty hosts share two cores.
mask systemd-networkd.service systemd-networkd.socket systemd-networkd-wait-online.service \
  systemd-resolved.service systemd-timesyncd.service getty@tty1.service serial-getty@ttyS0.service \
  console-getty.service apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer \
  e2scrub_reap.service fstrim.timer dpkg-db-backup.timer systemd-logind.service
# The root file system is the container's; nothing to mount or check.
: >/etc/fstab

# The AMI's login user, as the local EC2 endpoint promises it (cloud-init makes it on a VM).
useradd --create-home --shell /bin/bash ubuntu
printf 'ubuntu ALL=(ALL) NOPASSWD:ALL\n' >/etc/sudoers.d/90-ubuntu
chmod 0440 /etc/sudoers.d/90-ubuntu
install -d -m 0700 -o ubuntu -g ubuntu /home/ubuntu/.ssh
rm -f /etc/ssh/ssh_host_*
