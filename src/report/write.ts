/**
 * Writes a report directory: index.html (self-contained), one <chart>.svg per chart and report.json.
 * Each file is written to a temporary file in the same directory and renamed into place, so a reader never
 * sees half a file; index.html goes last. Other files in the directory are left alone.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ReportData } from './data.js';
import { reportPage } from './page.js';
import { renderCharts } from './render.js';

/** The files written, by name. */
export async function writeReport(dir: string, data: ReportData): Promise<string[]> {
  const rendered = await renderCharts(data);
  const html = reportPage(data, rendered);
  const target = resolve(dir);
  await mkdir(target, { recursive: true });
  const files: [string, string][] = [
    ...rendered.map((c): [string, string] => [`${c.name}.svg`, c.svg]),
    ['report.json', `${JSON.stringify(data)}\n`],
    ['index.html', html],
  ];
  for (const [name, text] of files) await writeAtomic(join(target, name), text);
  return files.map(([name]) => name);
}

export async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
