import * as path from 'node:path';
import { findViolations, readSources, specifiersOf } from './layers';

const root = path.join(__dirname, '../..');
const tree = () => [...readSources(root, 'src'), ...readSources(root, 'drivers')];

describe('layers point only down', () => {
  it('no file of src/ or drivers/ imports upward or sideways', () => {
    expect(findViolations(tree())).toEqual([]);
  });

  it('reads static, type-only, re-exported, dynamic and require imports', () => {
    const text = [
      "import { a } from '../a';",
      "import type { B } from '../b';",
      "export { c } from './c';",
      "const d = await import('../d');",
      "const e = require('../e');",
    ].join('\n');
    expect(specifiersOf(text)).toEqual(['../a', '../b', './c', '../d', '../e']);
  });

  it('reports a deliberately wrong import: ssh reaching up into the orchestration', () => {
    const wrong = { file: 'src/ssh/client.ts', specifiers: ["../services/app"] };
    expect(findViolations([wrong])).toEqual([expect.objectContaining({ file: 'src/ssh/client.ts', imports: '../services/app' })]);
  });

  it('reports a lazy import upward just the same', () => {
    const text = "export async function f() { const { x } = await import('../../src/services/lifecycle'); return x; }";
    expect(findViolations([{ file: 'drivers/qemu/late.ts', specifiers: specifiersOf(text) }])).toHaveLength(1);
  });

  it('checks a driver folder the day it appears: no driver imports another', () => {
    const newcomer = { file: 'drivers/newcloud/driver.ts', specifiers: ['../../src/core/driver', '../qemu/ports'] };
    expect(findViolations([newcomer])).toEqual([expect.objectContaining({ imports: '../qemu/ports' })]);
  });

  it('a new folder under src/ must be placed in a layer before it may be used', () => {
    expect(findViolations([{ file: 'src/newthing/x.ts', specifiers: [] }])).toEqual([expect.objectContaining({ why: expect.stringContaining('in no layer') })]);
  });
});
