import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import Parser from 'tree-sitter';
import { scriptsDirectory } from '../../../drivers/hyperv/powershell';

// The grammar package has no type declarations: it is the language object tree-sitter takes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PowerShell = require('tree-sitter-powershell') as Parser.Language;

/**
 * Every shipped .ps1 parses without an error under a real PowerShell grammar (tree-sitter-powershell),
 * so a syntax slip is caught here and not on a user's Windows host. Hyper-V itself cannot run here.
 */
function syntaxProblems(source: string): string[] {
  const parser = new Parser();
  parser.setLanguage(PowerShell);
  // A 32 KiB chunk limit applies to string input in this binding; a callback reads any size.
  const tree = parser.parse((index: number) => source.slice(index, index + 4096));
  const problems: string[] = [];
  const visit = (node: Parser.SyntaxNode): void => {
    if (node.type === 'ERROR' || node.isMissing) problems.push(`${node.isMissing ? 'missing' : 'unexpected'} ${node.isMissing ? node.type : JSON.stringify(node.text.slice(0, 40))} at line ${node.startPosition.row + 1}`);
    for (const child of node.children) visit(child);
  };
  visit(tree.rootNode);
  return problems;
}

describe('PowerShell scripts parse', () => {
  it('the grammar finds errors at all (a broken script is caught)', () => {
    expect(syntaxProblems('Invoke-MachineScript {\n  param($P)\n  if ($P.x { return 1 }\n')).not.toEqual([]);
    expect(syntaxProblems('$vm = Hyper-V\\Get-VM -Id $Parameters.id -ErrorAction Stop\n')).toEqual([]);
  });

  it('every shipped script parses without an error', async () => {
    const dir = scriptsDirectory();
    const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.ps1'));
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const file of files) {
      expect({ file, problems: syntaxProblems(await fs.readFile(path.join(dir, file), 'utf8')) }).toEqual({ file, problems: [] });
    }
  });
});
