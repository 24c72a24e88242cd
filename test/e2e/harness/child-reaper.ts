import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * Long-lived processes the harness started (QEMU) and scratch folders (VM overlays, apt repositories). If the
 * test process ends without calling stop() (a failed assertion before a finally, Ctrl-C, a jest worker
 * being torn down), the exit hook kills what is left so no VM outlives its test run.
 */
interface Tracked {
  child?: ChildProcess;
  scratchDir?: string;
}

const tracked = new Set<Tracked>();
let hooksInstalled = false;

function reapAll(): void {
  for (const entry of tracked) {
    if (entry.child && entry.child.exitCode === null && entry.child.signalCode === null) entry.child.kill('SIGKILL');
    if (entry.scratchDir) rmSync(entry.scratchDir, { recursive: true, force: true });
  }
  tracked.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  reapAll();
  // Our listener replaced the default "exit on signal"; restore it and deliver the signal again.
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', reapAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function track(entry: Tracked): () => void {
  installHooks();
  tracked.add(entry);
  return () => {
    tracked.delete(entry);
  };
}

/** Registers a child (and its scratch folder) for cleanup at process exit; returns the function that forgets it after a normal stop. */
export function trackChild(child: ChildProcess, scratchDir?: string): () => void {
  return track({ child, ...(scratchDir !== undefined ? { scratchDir } : {}) });
}

/** Registers a scratch folder to delete at process exit; returns the function that forgets it after a normal cleanup. */
export function trackScratchDir(scratchDir: string): () => void {
  return track({ scratchDir });
}
