/**
 * The session's log: it keeps every line in order (older ones in Blobs), shows only the last ones, and words a
 * catalog text when it is shown or written out. The page's use of it (Download log after a long session) is tested
 * in the browser: test/browser/logs.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { SessionLog, type LogLine } from '../../../src/lib/state/log-store';
import { text } from '../../../src/lib/shared/errors';

const word = (l: LogLine) => (typeof l === 'string' ? l : `<${l.key}>`);

describe('SessionLog', () => {
  test('keeps every line in order while it shows only the last ones', async () => {
    const log = new SessionLog(word, 3, 4);
    const all = Array.from({ length: 23 }, (_, i) => `line ${i + 1}`);
    for (const line of all.slice(0, 20)) log.append(line);
    log.append(...all.slice(20));
    expect(log.count).toBe(23);
    expect(log.shown()).toEqual([
      { n: 21, line: 'line 21' },
      { n: 22, line: 'line 22' },
      { n: 23, line: 'line 23' },
    ]);
    expect(await log.blob().text()).toBe(all.join('\n') + '\n');
  });

  test('the lines it holds as objects stay under shown + chunk, however long the session', async () => {
    const log = new SessionLog(word, 200, 500);
    let most = 0;
    for (let i = 1; i <= 50_000; i++) {
      log.append(`training step ${i} | Loss: 0.31 Examples/sec: 12345.67`);
      most = Math.max(most, log.held);
    }
    expect(most).toBe(699);
    expect(log.count).toBe(50_000);
    expect(log.shown()).toHaveLength(200);
    expect(log.shown()[0].n).toBe(49_801);
    const lines = (await log.blob().text()).split('\n');
    expect(lines).toHaveLength(50_001);
    expect(lines[0]).toBe('training step 1 | Loss: 0.31 Examples/sec: 12345.67');
    expect(lines[49_999]).toBe('training step 50000 | Loss: 0.31 Examples/sec: 12345.67');
    expect(lines.every((l, i) => i === 50_000 || l.startsWith(`training step ${i + 1} |`))).toBe(true);
  });

  test('a catalog text is worded when shown, and in the download', async () => {
    const log = new SessionLog(word, 2, 2);
    log.append(text('log_empty'), 'plain');
    expect(log.shown().map((l) => l.line)).toEqual([{ key: 'log_empty', params: {} }, 'plain']);
    expect(await log.blob().text()).toBe('<log_empty>\nplain\n');
    expect(await new SessionLog(word).blob().text()).toBe('');
  });
});
