import type { MachineApp } from './app';
import { openSession } from './ssh-access';

/**
 * `machine scp`: local<->machine and machine<->machine (streamed through this client, so the two
 * machines never need to reach each other). One connection per machine involved.
 */
export async function copyFiles(app: MachineApp, source: string, destination: string, recursive: boolean): Promise<void> {
  // Lazy: scp's SFTP streams come with ssh2; this module is light until a copy starts.
  const { copy } = await import('../ssh/scp');
  const sessions = new Map<string, Awaited<ReturnType<typeof openSession>>>();
  try {
    await copy({
      source,
      destination,
      recursive,
      sessionFor: async (machine: string) => {
        let session = sessions.get(machine);
        if (!session) {
          session = await openSession(app, await app.store.load(machine));
          sessions.set(machine, session);
        }
        return session;
      },
    });
  } finally {
    await Promise.all([...sessions.values()].map((s) => s.close()));
  }
}
