/** Pause / Resume / Stop between steps, and the progress throttle. */
import { afterEach, describe, expect, test } from 'vitest';
import { RunControl, Throttle, Turns } from '../../../src/lib/worker/control';

const turns: Turns[] = [];
function control(): RunControl {
  const t = new Turns();
  turns.push(t);
  return new RunControl(t);
}
afterEach(() => {
  for (const t of turns.splice(0)) t.close();
});

describe('RunControl', () => {
  test('nothing to pause while idle; busy while a run is going', () => {
    const c = control();
    expect(c.pause()).toBe(false);
    expect(() => c.checkIdle('act_evaluate')).not.toThrow();
    c.begin();
    expect(() => c.checkIdle('act_evaluate')).toThrow(expect.objectContaining({ name: 'StateError' }));
    c.end();
    expect(() => c.checkIdle('act_evaluate')).not.toThrow();
  });

  test('a paused run holds between steps until resumed, telling once that it holds', async () => {
    const c = control();
    c.begin();
    expect(await c.between()).toBe('continue');
    expect(c.pause()).toBe(true);
    let held = 0;
    let result: string | null = null;
    const waiting = c.between(() => held++).then((r) => (result = r));
    await new Promise((r) => setTimeout(r, 20));
    expect(result).toBeNull();
    expect(held).toBe(1);
    c.resume();
    await waiting;
    expect(result).toBe('continue');
  });

  test('Stop ends a paused run, and every step after', async () => {
    const c = control();
    c.begin();
    c.pause();
    const waiting = c.between();
    await new Promise((r) => setTimeout(r, 10));
    c.stop();
    expect(await waiting).toBe('stop');
    expect(await c.between()).toBe('stop');
    // A new run starts unstopped.
    c.begin();
    expect(await c.between()).toBe('continue');
  });
});

describe('Throttle', () => {
  test('sends at most once per interval, the latest value; flush sends what waits', () => {
    let now = 0;
    const sent: number[] = [];
    const t = new Throttle<number>(100, () => now);
    const send = t.wrap((v) => sent.push(v));
    send(1);
    now = 50;
    send(2);
    send(3);
    expect(sent).toEqual([1]);
    now = 120;
    send(4);
    expect(sent).toEqual([1, 4]);
    now = 130;
    send(5);
    t.flush();
    expect(sent).toEqual([1, 4, 5]);
    t.flush();
    expect(sent).toEqual([1, 4, 5]);
  });
});
