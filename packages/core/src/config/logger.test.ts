import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConsoleLogger } from './logger.js';

describe('createConsoleLogger', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  function spyConsole() {
    return {
      debug: vi.spyOn(console, 'debug').mockImplementation(() => undefined),
      info: vi.spyOn(console, 'info').mockImplementation(() => undefined),
      warn: vi.spyOn(console, 'warn').mockImplementation(() => undefined),
      error: vi.spyOn(console, 'error').mockImplementation(() => undefined),
    };
  }

  function logAll(level: Parameters<typeof createConsoleLogger>[0]): void {
    const logger = createConsoleLogger(level);
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e', { taskId: '0_1' });
  }

  it("writes warn and error at 'warn', with a prefix and the extra fields", () => {
    const spies = spyConsole();
    logAll('warn');
    expect(spies.debug).not.toHaveBeenCalled();
    expect(spies.info).not.toHaveBeenCalled();
    expect(spies.warn).toHaveBeenCalledWith('[rivulet] w');
    expect(spies.error).toHaveBeenCalledWith('[rivulet] e', { taskId: '0_1' });
  });

  it("writes everything at 'debug' and nothing at 'nothing'", () => {
    const spies = spyConsole();
    logAll('debug');
    expect([spies.debug, spies.info, spies.warn, spies.error].map((spy) => spy.mock.calls.length)).toEqual([1, 1, 1, 1]);
    vi.clearAllMocks();
    logAll('nothing');
    expect([spies.debug, spies.info, spies.warn, spies.error].map((spy) => spy.mock.calls.length)).toEqual([0, 0, 0, 0]);
  });

});
