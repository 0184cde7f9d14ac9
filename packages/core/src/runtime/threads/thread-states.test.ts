import { describe, expect, it } from 'vitest';
import { appStateOf, decideOnThreadFailure } from './thread-states.js';

describe('appStateOf', () => {
  it('is CREATED before start, whatever the threads', () => {
    expect(appStateOf('created', [])).toBe('CREATED');
  });

  it('is RUNNING only when every thread is RUNNING', () => {
    expect(appStateOf('running', ['RUNNING', 'RUNNING'])).toBe('RUNNING');
    expect(appStateOf('running', ['RUNNING', 'REBALANCING'])).toBe('REBALANCING');
    expect(appStateOf('running', ['RUNNING', 'STARTING'])).toBe('REBALANCING');
    expect(appStateOf('running', ['RUNNING', 'CREATED'])).toBe('REBALANCING');
  });

  it('stays up while some threads died, and is ERROR once all died', () => {
    expect(appStateOf('running', ['RUNNING', 'DEAD'])).toBe('REBALANCING');
    expect(appStateOf('running', ['ERROR', 'PENDING_ERROR'])).toBe('REBALANCING');
    expect(appStateOf('running', ['ERROR', 'DEAD'])).toBe('ERROR');
  });

  it('is PENDING_SHUTDOWN while closing until every thread ended, then NOT_RUNNING', () => {
    expect(appStateOf('closing', ['PENDING_SHUTDOWN', 'NOT_RUNNING'])).toBe('PENDING_SHUTDOWN');
    expect(appStateOf('closing', ['NOT_RUNNING', 'DEAD'])).toBe('NOT_RUNNING');
    expect(appStateOf('closing', [])).toBe('NOT_RUNNING');
  });

  it('is PENDING_ERROR after a fatal failure until every thread ended, then ERROR', () => {
    expect(appStateOf('failing', ['ERROR', 'RUNNING'])).toBe('PENDING_ERROR');
    expect(appStateOf('failing', ['ERROR', 'NOT_RUNNING'])).toBe('ERROR');
  });
});

describe('decideOnThreadFailure', () => {
  const error = new Error('boom');

  it('replaces the thread on REPLACE_THREAD and shuts the client down on SHUTDOWN_CLIENT', () => {
    expect(decideOnThreadFailure(() => 'REPLACE_THREAD', error, { starting: false })).toBe('replace');
    expect(decideOnThreadFailure(() => 'SHUTDOWN_CLIENT', error, { starting: false })).toBe('shutdown-client');
  });

  it('gives the handler the error', () => {
    const seen: Error[] = [];
    decideOnThreadFailure((e) => (seen.push(e), 'REPLACE_THREAD'), error, { starting: false });
    expect(seen).toEqual([error]);
  });

  it('shuts down when the handler throws or answers something else, and says why', () => {
    const warnings: string[] = [];
    const warn = (m: string): number => warnings.push(m);
    expect(decideOnThreadFailure(() => { throw new Error('handler bug'); }, error, { starting: false }, warn)).toBe('shutdown-client');
    expect(decideOnThreadFailure(() => 'SHUTDOWN_APPLICATION' as never, error, { starting: false }, warn)).toBe('shutdown-client');
    expect(warnings).toEqual([
      'the uncaughtExceptionHandler threw (handler bug); shutting down',
      'the uncaughtExceptionHandler answered SHUTDOWN_APPLICATION; shutting down',
    ]);
  });

  it('does not replace a thread that failed while starting', () => {
    expect(decideOnThreadFailure(() => 'REPLACE_THREAD', error, { starting: true })).toBe('shutdown-client');
  });
});
