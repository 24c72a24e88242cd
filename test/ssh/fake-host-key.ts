/** An SSH ed25519 public key blob with a recognisable body, for tests that never talk to a server. */
export function fakeHostKey(seed: number): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const body = Buffer.alloc(32, seed);
  const blob = Buffer.alloc(4 + type.length + 4 + body.length);
  blob.writeUInt32BE(type.length, 0);
  type.copy(blob, 4);
  blob.writeUInt32BE(body.length, 4 + type.length);
  body.copy(blob, 8 + type.length);
  return blob;
}
