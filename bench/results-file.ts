/**
 * `bench/results/<name>.md`: a hand-kept head (method, findings) above `<!-- runs -->`, then the
 * latest runs, one `## Run …` section each. A bench appends its run and drops the oldest; the head
 * is written from `intro` only when the file is new, so findings edited in the file are never
 * overwritten by a later run.
 */
import { readFile, writeFile } from 'node:fs/promises';

const RUNS_START = '<!-- runs -->';

export async function appendBenchRun(path: string, options: { intro: string; section?: string; keep: number }): Promise<void> {
  let head = options.intro.trimEnd();
  let previous: string[] = [];
  try {
    const text = await readFile(path, 'utf8');
    const [existingHead, runs = ''] = text.split(RUNS_START);
    if (existingHead !== undefined && runs !== '') head = existingHead.trimEnd();
    previous = runs.split(/\n(?=## Run )/).map((s) => s.trim()).filter((s) => s.startsWith('## Run '));
  } catch {
    // No file yet.
  }
  const kept = [...previous, ...(options.section === undefined ? [] : [options.section.trim()])].slice(-options.keep);
  await writeFile(path, `${head}\n\n${RUNS_START}\n\n${kept.join('\n\n')}\n`);
}
