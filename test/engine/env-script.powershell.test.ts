import Parser from 'tree-sitter';
import { renderEnvScript } from '../../src/engine/env-script';

// The grammar package has no type declarations: it is the language object tree-sitter takes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PowerShell = require('tree-sitter-powershell') as Parser.Language;

/**
 * PowerShell cannot run here, so what `machine env --shell powershell` prints is read by a real
 * PowerShell grammar (tree-sitter-powershell, as for the Hyper-V scripts): each value must be one
 * double-quoted string in which the grammar finds nothing to expand (no variable, no `$(...)`), and
 * whose text, read with PowerShell's backtick escapes, is the value; the hint's store path one
 * single-quoted word.
 */
function parse(source: string): Parser.Tree {
  const parser = new Parser();
  parser.setLanguage(PowerShell);
  return parser.parse(source);
}

function nodes(node: Parser.SyntaxNode, type: string): Parser.SyntaxNode[] {
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
    expect(nodes(tree.rootNode, 'variable').map((n) => n.text)).toContain('$HOME');
    expect(nodes(tree.rootNode, 'sub_expression')).toHaveLength(1);
  });

  it.each(HOSTILE)('sets %j as one string with nothing to expand', (value) => {
    const script = renderEnvScript({ shell: 'powershell', set: [['V', value]], unset: [], hintCommand: 'machine env dev1' });
    const line = script.split('\n')[0];
    const tree = parse(`${line}\n`);
    expect(nodes(tree.rootNode, 'ERROR')).toEqual([]);
    const assignment = nodes(tree.rootNode, 'assignment_expression');
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
    expect(nodes(tree.rootNode, 'ERROR')).toEqual([]);
    const verbatim = nodes(tree.rootNode, 'verbatim_string_characters');
    expect(verbatim).toHaveLength(1);
    expect(verbatim[0].text.slice(1, -1).replace(/(['\u2018\u2019\u201A\u201B])\1/g, '$1')).toBe(store);
    expect(nodes(tree.rootNode, 'command_name').map((n) => n.text)).toEqual(['machine', 'Invoke-Expression']);
  });
});
