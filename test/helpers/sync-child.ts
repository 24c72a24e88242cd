/**
 * The longest a test waits for a program it runs synchronously (execFileSync, spawnSync). Tests run in
 * band, in jest's own process: a synchronous child that never ends would block jest's timeouts and its
 * reporters too, so the whole run would hang without saying where. With this bound the child is killed
 * and the test fails naming the command.
 */
export const SYNC_CHILD_TIMEOUT_MS = 60_000;
