import { UsageError } from '../core/errors';

/**
 * Asks yes/no on a terminal. Without a terminal there is nobody to answer, so it refuses at once
 * (naming the flag that skips the question) instead of hanging a script.
 */
export async function confirmOrRefuse(question: string, skipFlag: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new UsageError(`${question} — no terminal to ask on; pass ${skipFlag} to go ahead`);
  }
  // Lazy: the prompt library loads only when there is a question to ask.
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message: question, default: false });
}
