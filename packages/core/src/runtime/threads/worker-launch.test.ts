import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTypeScript, moduleUrlOf, workerEntryUrl, workerLaunch } from './worker-launch.js';

describe('the launch of a stream thread', () => {
  it('takes the module as a URL, a file URL or a path', () => {
    expect(moduleUrlOf(new URL('file:///app/topology.js'))).toBe('file:///app/topology.js');
    expect(moduleUrlOf('file:///app/topology.ts')).toBe('file:///app/topology.ts');
    expect(moduleUrlOf('/app/topology.js')).toBe('file:///app/topology.js');
    expect(moduleUrlOf('dist/topology.js')).toBe(pathToFileURL(resolve('dist/topology.js')).href);
  });

  it('runs the worker entry next to the supervisor: .ts from the sources, .js when built', () => {
    expect(workerEntryUrl('file:///rivulet/src/runtime/threads/stream-threads-app.ts')).toBe('file:///rivulet/src/runtime/threads/stream-thread-worker.ts');
    expect(workerEntryUrl('file:///rivulet/dist/runtime/threads/stream-threads-app.js')).toBe('file:///rivulet/dist/runtime/threads/stream-thread-worker.js');
    expect([isTypeScript('a.ts'), isTypeScript('a.mts'), isTypeScript('a.cts'), isTypeScript('a.js'), isTypeScript('file:///a.ts?x=1')]).toEqual([true, true, true, false, true]);
  });

  it("imports built JavaScript natively, with the parent's execArgv as it is", () => {
    const launch = workerLaunch('file:///rivulet/dist/runtime/threads/stream-thread-worker.js', 'file:///app/topology.js', import.meta.url, ['--enable-source-maps']);
    expect(launch.tsxCjs).toBeUndefined();
    expect(launch.execArgv).toEqual(['--enable-source-maps']);
    expect(launch.bootstrap).toContain('import("file:///rivulet/dist/runtime/threads/stream-thread-worker.js")');
  });

  it("compiles TypeScript with tsx's require hook in the worker, and resolves Rivulet's packages to their sources", () => {
    const fromSources = workerLaunch('file:///rivulet/src/runtime/threads/stream-thread-worker.ts', 'file:///app/topology.ts', import.meta.url, ['--import', 'tsx']);
    expect(fromSources.tsxCjs).toMatch(/tsx[\\/]dist[\\/]cjs[\\/]api[\\/]index\.cjs$/);
    expect(fromSources.execArgv).toEqual(['--import', 'tsx', '--conditions=@rivulet/source']);
    expect(fromSources.bootstrap).toContain('.register(); require("/rivulet/src/runtime/threads/stream-thread-worker.ts");');
    // Already there: not added twice.
    expect(workerLaunch('file:///r/src/stream-thread-worker.ts', 'file:///app/t.ts', import.meta.url, ['--conditions=@rivulet/source']).execArgv).toEqual(['--conditions=@rivulet/source']);
    // Built Rivulet, a TypeScript module: tsx, and no source condition.
    const builtWithTs = workerLaunch('file:///r/dist/stream-thread-worker.js', 'file:///app/topology.ts', import.meta.url, []);
    expect([builtWithTs.tsxCjs !== undefined, builtWithTs.execArgv]).toEqual([true, []]);
  });
});
