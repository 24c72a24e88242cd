import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { HyperVError, POWERSHELL_ARGS, PowerShellRunner, SCRIPTS, scriptsDirectory } from '../../../drivers/hyperv/powershell';
import { makeTempDir } from '../../helpers/tmp-store';

/**
 * The script runner against a stand-in for powershell.exe that speaks its wire: the arguments, the
 * JSON document on stdin, the JSON answer on stdout, the exit code. Each stand-in "script" file holds
 * the name of what to do, so every answer shape the real scripts give (and some they must not) is
 * exercised through a real child process.
 */
const FAKE_POWERSHELL = `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
const file = args[args.length - 1];
const behaviour = fs.readFileSync(file, 'utf8').trim();
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  const reply = (text, code) => { process.stdout.write(text); process.exitCode = code; };
  switch (behaviour) {
    case 'ECHO': return reply(JSON.stringify({ args, parameters: JSON.parse(input) }), 0);
    case 'BOM': return reply('\\uFEFF{"state":"Running"}\\r\\n', 0);
    case 'DENIED': return reply(JSON.stringify({ error: { message: "You do not have the required permission to complete this task. Contact the administrator of the authorization policy for the computer 'HOST'.", category: 'PermissionDenied', errorId: 'AccessDenied,Microsoft.HyperV.PowerShell.Commands.NewVM', exceptionType: 'Microsoft.HyperV.PowerShell.VirtualizationException' } }), 1);
    case 'NOSWITCH': return reply(JSON.stringify({ error: { message: 'Hyper-V was unable to find a virtual switch with name "Nope".', category: 'ObjectNotFound', errorId: 'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.NewVM', exceptionType: 'Microsoft.HyperV.PowerShell.VirtualizationException' } }), 1);
    case 'GARBAGE': process.stderr.write('Import-Module : The specified module Hyper-V was not loaded\\n'); return reply('not json', 1);
    case 'SILENT': return reply('', 0);
    case 'SLOW': setTimeout(() => reply('{}', 0), 60000); return;
  }
  reply('unknown behaviour ' + behaviour, 9);
});
`;

describe('PowerShell script runner', () => {
  let dir: string;
  let executable: string;
  const scriptsFor = async (behaviour: string): Promise<string> => {
    const scripts = path.join(dir, behaviour);
    await fs.mkdir(scripts, { recursive: true });
    for (const name of SCRIPTS) await fs.writeFile(path.join(scripts, `${name}.ps1`), behaviour);
    return scripts;
  };
  const runnerFor = async (behaviour: string) => new PowerShellRunner(executable, await scriptsFor(behaviour));

  beforeAll(async () => {
    dir = await makeTempDir('hyperv-runner-');
    executable = path.join(dir, 'powershell');
    await fs.writeFile(executable, FAKE_POWERSHELL, { mode: 0o755 });
  });

  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('starts PowerShell with -File and the fixed switches, and hands the parameters over as JSON data', async () => {
    const runner = await runnerFor('ECHO');
    // A value that would be code if it were ever spliced into script text.
    const hostile = `dev1"; Remove-VM * -Force; "$(Stop-Computer)'`;
    const answer = (await runner.run('get-vm', { id: null, name: hostile, marker: 'm', nested: { list: [1, 'two'] } })) as { args: string[]; parameters: unknown };
    expect(answer.args).toEqual([...POWERSHELL_ARGS, runner.scriptPath('get-vm')]);
    expect(answer.args).toEqual(['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', path.join(dir, 'ECHO', 'get-vm.ps1')]);
    expect(answer.parameters).toEqual({ id: null, name: hostile, marker: 'm', nested: { list: [1, 'two'] } });
  });

  it('reads an answer with a byte-order mark and a CRLF, as Windows PowerShell may write it', async () => {
    expect(await (await runnerFor('BOM')).run('start-vm', {})).toEqual({ state: 'Running' });
  });

  it('turns a reported cmdlet error into one carrying its message and category', async () => {
    const error = await (await runnerFor('NOSWITCH')).run('new-vm', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HyperVError);
    expect(error).toMatchObject({ code: 'HYPERV_FAILED', category: 'ObjectNotFound', script: 'new-vm', message: 'Hyper-V (new-vm): Hyper-V was unable to find a virtual switch with name "Nope". [ObjectNotFound]', suggestions: [] });
  });

  it('says how to get the rights when Hyper-V refuses for lack of elevation', async () => {
    const error = (await (await runnerFor('DENIED')).run('new-vm', {}).catch((e: unknown) => e)) as HyperVError;
    expect(error.needsElevation).toBe(true);
    expect(error.code).toBe('HYPERV_ELEVATION');
    expect(error.message).toMatch(/required permission to complete this task.*\[PermissionDenied\]/);
    expect(error.suggestions.join('\n')).toMatch(/Administrator.*Hyper-V Administrators.*S-1-5-32-578/);
  });

  it('reports output that is no answer, with what PowerShell wrote to stderr', async () => {
    await expect((await runnerFor('GARBAGE')).run('host-facts', {})).rejects.toMatchObject({
      code: 'HYPERV_SCRIPT_FAILED',
      message: expect.stringMatching(/host-facts\.ps1 exited with code 1: Import-Module : The specified module Hyper-V was not loaded\nnot json/),
    });
    await expect((await runnerFor('SILENT')).run('host-facts', {})).rejects.toMatchObject({ code: 'HYPERV_SCRIPT_FAILED', message: expect.stringMatching(/answered no JSON/) });
  });

  it('explains a missing powershell.exe: the driver runs on Windows', async () => {
    const runner = new PowerShellRunner(path.join(dir, 'no-such-powershell.exe'), await scriptsFor('ECHO'));
    await expect(runner.run('host-facts', {})).rejects.toMatchObject({ code: 'HYPERV_NO_POWERSHELL', message: expect.stringMatching(/runs on Windows/) });
  });

  it('stops a script when asked to (Ctrl-C during create)', async () => {
    const runner = await runnerFor('SLOW');
    const stop = new AbortController();
    const started = Date.now();
    setTimeout(() => stop.abort(), 300);
    await expect(runner.run('new-disk', {}, { signal: stop.signal })).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('the shipped scripts', () => {
  const dir = scriptsDirectory();

  it('every script the driver calls exists, and every shipped script is one the driver calls', async () => {
    const shipped = (await fs.readdir(dir)).filter((f) => f.endsWith('.ps1')).sort();
    expect(shipped).toEqual(['_common.ps1', ...SCRIPTS.map((s) => `${s}.ps1`)].sort());
  });

  it('each one loads the shared wire helpers and runs its body through them', async () => {
    for (const script of SCRIPTS) {
      const text = await fs.readFile(path.join(dir, `${script}.ps1`), 'utf8');
      expect({ script, common: text.includes(". (Join-Path $PSScriptRoot '_common.ps1')"), body: /^Invoke-MachineScript \{$/m.test(text) }).toEqual({ script, common: true, body: true });
    }
  });

  it('no script builds code from text (no Invoke-Expression, no [scriptblock]::Create)', async () => {
    for (const file of (await fs.readdir(dir)).filter((f) => f.endsWith('.ps1'))) {
      const text = await fs.readFile(path.join(dir, file), 'utf8');
      expect({ file, bad: text.match(/Invoke-Expression|\biex\b|ScriptBlock\]::Create|Add-Type/gi) }).toEqual({ file, bad: null });
    }
  });
});
