/**
 * The device lab's static files (`lab/index.html`, `lab/lab.js`, no build step). They sit beside this module when it
 * runs from the sources and are shipped in the package under `src/service/lab/` for the compiled `dist/service/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/lab.js': { file: 'lab.js', type: 'text/javascript; charset=utf-8' },
};

function labDir(): string | undefined {
  for (const candidate of ['./lab/', '../../src/service/lab/']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

/** Reads the lab's files once; an empty map when they are not there (the API still works). */
export function loadLabAssets(): Map<string, { body: Buffer; type: string }> {
  const dir = labDir();
  const assets = new Map<string, { body: Buffer; type: string }>();
  if (dir === undefined) return assets;
  for (const [path, { file, type }] of Object.entries(FILES)) {
    assets.set(path, { body: readFileSync(`${dir}${file}`), type });
  }
  return assets;
}
