import * as path from 'node:path';

/** Everything the QEMU driver keeps in machines/NAME; `rm` deletes exactly these. */
export interface MachineFiles {
  disk: string;
  seed: string;
  /** The seed's source folder, written by releases that made the ISO with genisoimage; rm still removes it. */
  seedDir: string;
  pidfile: string;
  /** Our own record of the launched process (pid and start time), written next to QEMU's pidfile. */
  identity: string;
  qmpSocket: string;
  serialLog: string;
}

export function machineFiles(machineDir: string): MachineFiles {
  const file = (name: string): string => path.join(machineDir, name);
  return {
    disk: file('disk.qcow2'),
    seed: file('seed.iso'),
    seedDir: file('seed'),
    pidfile: file('qemu.pid'),
    identity: file('qemu.identity.json'),
    qmpSocket: file('qmp.sock'),
    serialLog: file('serial.log'),
  };
}

/** Files that belong to one run of QEMU (removed after it stops). */
export function runtimeFiles(files: MachineFiles): string[] {
  return [files.pidfile, files.identity, files.qmpSocket];
}
