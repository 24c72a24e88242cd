import { promises as fs } from 'node:fs';

const INOTIFY_INSTANCES = '/proc/sys/fs/inotify/max_user_instances';
/** Enough for a fleet of light hosts: each host's systemd, journald, dbus and dockerd hold several. */
const WANTED_INOTIFY_INSTANCES = 8192;

/**
 * Every light host runs systemd as the same user (root, no user namespace), and inotify instances are
 * counted per user: with Debian's default of 128, about half of a fleet of 50 hosts never reached sshd
 * (systemd cannot watch its units). Raised here when it is lower and we may write it (root, as in CI);
 * otherwise the caller learns what to set.
 */
export async function ensureInotifyInstances(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<void> {
  const current = Number((await fs.readFile(INOTIFY_INSTANCES, 'utf8').catch(() => '0')).trim());
  if (current >= WANTED_INOTIFY_INSTANCES) return;
  try {
    await fs.writeFile(INOTIFY_INSTANCES, String(WANTED_INOTIFY_INSTANCES));
    log(`light hosts: raised fs.inotify.max_user_instances from ${current} to ${WANTED_INOTIFY_INSTANCES} (each host's systemd needs several)`);
  } catch {
    log(`light hosts: fs.inotify.max_user_instances is ${current}; hosts beyond a few dozen may not boot (set it to ${WANTED_INOTIFY_INSTANCES} with sysctl)`);
  }
}
