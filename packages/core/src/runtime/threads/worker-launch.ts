/**
 * How a stream thread's worker is started so that it loads code as the main thread does. A worker
 * inherits the parent's `process.execArgv` (so `--conditions=@rivulet/source` applies), but on
 * Node 20 the module customization hooks that `--import tsx` registers do not reach worker
 * threads (nodejs/node#47747): a worker cannot import a `.ts` file through them. So when the
 * worker's entry (Rivulet run from its sources) or the user's module is TypeScript, the worker
 * registers tsx's require hook (`tsx/cjs/api`, which compiles in the worker's own thread) and loads
 * both through `require`. Built JavaScript is imported natively.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** Whether a path or URL names a TypeScript file. */
export function isTypeScript(pathOrUrl: string): boolean {
  return /\.(c|m)?ts$/.test(pathOrUrl.split(/[?#]/)[0] ?? '');
}

/** A module given as a URL, a file URL string or a path (relative to the working directory), as a file URL. */
export function moduleUrlOf(module: URL | string): string {
  if (module instanceof URL) return module.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return new URL(module).href;
  return pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
}

/** The worker entry next to this file: `.ts` when Rivulet runs from its sources, `.js` when built. */
export function workerEntryUrl(here: string): string {
  return new URL(isTypeScript(here) ? './stream-thread-worker.ts' : './stream-thread-worker.js', here).href;
}

/** tsx's require hook, resolved from Rivulet's package or the working directory; undefined when tsx is not installed. */
export function resolveTsxCjs(here: string): string | undefined {
  for (const from of [here, pathToFileURL(`${process.cwd()}/`).href]) {
    try {
      // The CommonJS build, by path: a resolver with the import condition (vitest's) would pick the ESM one.
      return join(dirname(createRequire(from).resolve('tsx/package.json')), 'dist', 'cjs', 'api', 'index.cjs');
    } catch {
      // try the next place
    }
  }
  return undefined;
}

/** How to start a worker: its bootstrap (an eval'd CommonJS script), its execArgv, and tsx's hook if needed. */
export interface WorkerLaunch {
  readonly bootstrap: string;
  readonly execArgv: string[];
  readonly tsxCjs: string | undefined;
}

/**
 * The launch of a stream thread's worker for this entry and user module.
 *
 * @throws Error when TypeScript must be loaded and tsx is not installed.
 */
export function workerLaunch(entryUrl: string, moduleUrl: string, here: string, execArgv: readonly string[] = process.execArgv): WorkerLaunch {
  const needsTs = isTypeScript(entryUrl) || isTypeScript(moduleUrl);
  const tsxCjs = needsTs ? resolveTsxCjs(here) : undefined;
  if (needsTs && tsxCjs === undefined) {
    throw new Error(
      `a stream thread must load TypeScript (${isTypeScript(moduleUrl) ? moduleUrl : entryUrl}) and tsx is not installed: ` +
        'install tsx, or build to JavaScript and give the module as a .js file',
    );
  }
  const args = [...execArgv];
  // Rivulet from its sources: its sibling packages must resolve to their sources too, or the
  // worker would load a second copy of @rivulet/core (from dist) next to the one it runs.
  if (isTypeScript(entryUrl) && !args.some((a, i) => a === '--conditions=@rivulet/source' || (a === '--conditions' && args[i + 1] === '@rivulet/source') || a === '-C=@rivulet/source')) {
    args.push('--conditions=@rivulet/source');
  }
  const entry = tsxCjs !== undefined ? JSON.stringify(fileURLToPath(entryUrl)) : JSON.stringify(entryUrl);
  const bootstrap =
    tsxCjs !== undefined
      ? `require(${JSON.stringify(tsxCjs)}).register(); require(${entry});`
      : `import(${entry}).catch((err) => { process.nextTick(() => { throw err; }); });`;
  return { bootstrap, execArgv: args, tsxCjs };
}
