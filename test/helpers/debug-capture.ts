/**
 * Captures the debug lines `machine` writes on stderr during a test. Only those: jest's heartbeat
 * reporter writes on the same stderr while a test runs in band, and its lines are not the test's.
 */
export function captureDebugLines(into: string[]): jest.SpyInstance {
  const realWrite = process.stderr.write.bind(process.stderr);
  return jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    if (/ machine:[a-z]+ /.test(text)) return into.push(text) > 0;
    return (realWrite as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  });
}
