import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { renderEnvScript } from '../../src/engine/env-script';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

/**
 * PowerShell cannot run here, so what `machine env --shell powershell` prints is read by a real
 * PowerShell grammar (tree-sitter-powershell, as for the Hyper-V scripts): each value must be one
 * double-quoted string in which the grammar finds nothing to expand (no variable, no `$(...)`), and
 * whose text, read with PowerShell's backtick escapes, is the value; the hint's store path one
 * single-quoted word. The parser runs in a child: its native binding, loaded twice in one jest worker
 * (test/drivers/hyperv/scripts-parse.test.ts loads it too), breaks the second user.
 */
interface SyntaxNode {
  type: string;
  text: string;
  children: SyntaxNode[];
}

const PARSE = `
const Parser = require('tree-sitter');
const parser = new Parser();
parser.setLanguage(require('tree-sitter-powershell'));
const plain = (node) => ({ type: node.type, text: node.text, children: node.children.map(plain) });
process.stdout.write(JSON.stringify(plain(parser.parse(process.argv[1]).rootNode)));
`;

function parse(source: string): SyntaxNode {
  const out = execFileSync(process.execPath, ['-e', PARSE, source], { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8', timeout: SYNC_CHILD_TIMEOUT_MS });
  return JSON.parse(out) as SyntaxNode;
}

function nodes(node: SyntaxNode, type: string): SyntaxNode[] {
  return [...(node.type === type ? [node] : []), ...node.children.flatMap((child) => nodes(child, type))];
}

/** The text of a double-quoted PowerShell string as PowerShell reads it (backtick escapes). */
function expandableValue(literal: string): string {
  const body = literal.slice(1, -1);
  return body.replace(/`(.)/gsu, (_whole, ch: string) => (ch === 'n' ? '\n' : ch === 'r' ? '\r' : ch === 't' ? '\t' : ch === '0' ? '\0' : ch));
}

const HOSTILE = [
  'tcp://203.0.113.5:2376',
  `/Users/Jo "JJ" O'Brien/$HOME/$(Get-Process)/\`id\`/a\\b!/%PATH%/&|;<>()`,
  '${env:PATH} @(1) $null',
  'curly \u201Cquotes\u201D and \u201Elow\u201D',
  'line one\nline two\r\n',
  '日本',
];

describe('machine env --shell powershell, read by a PowerShell grammar', () => {
  it('the grammar finds expansions at all (the check can fail)', () => {
    const tree = parse('$Env:V = "a $HOME $(id)"\n');
    expect(nodes(tree, 'variable').map((n) => n.text)).toContain('$HOME');
    expect(nodes(tree, 'sub_expression')).toHaveLength(1);
  });

  it.each(HOSTILE)('sets %j as one string with nothing to expand', (value) => {
    const script = renderEnvScript({ shell: 'powershell', set: [['V', value]], unset: [], hintCommand: 'machine env dev1' });
    const line = script.split('\n')[0];
    const tree = parse(`${line}\n`);
    expect(nodes(tree, 'ERROR')).toEqual([]);
    const assignment = nodes(tree, 'assignment_expression');
    expect(assignment).toHaveLength(1);
    const strings = nodes(assignment[0], 'expandable_string_literal');
    expect(strings).toHaveLength(1);
    expect([...nodes(strings[0], 'variable'), ...nodes(strings[0], 'sub_expression')].map((n) => n.text)).toEqual([]);
    expect(expandableValue(strings[0].text)).toBe(value);
  });

  it("quotes the hint's store path as one single-quoted word", () => {
    const store = `C:\\it's ‘x’ $HOME & (y)`;
    const script = renderEnvScript({ shell: 'powershell', set: [['V', 'x']], unset: [], hintCommand: ['machine', '--storage-path', store, 'env', 'dev1'] });
    const hint = (script.trimEnd().split('\n').pop() ?? '').replace(/^# /, '');
    const tree = parse(`${hint}\n`);
    expect(nodes(tree, 'ERROR')).toEqual([]);
    const verbatim = nodes(tree, 'verbatim_string_characters');
    expect(verbatim).toHaveLength(1);
    expect(verbatim[0].text.slice(1, -1).replace(/(['\u2018\u2019\u201A\u201B])\1/g, '$1')).toBe(store);
    expect(nodes(tree, 'command_name').map((n) => n.text)).toEqual(['machine', 'Invoke-Expression']);
  });
});
