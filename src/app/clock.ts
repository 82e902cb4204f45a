/** Time comes in as an argument, so plans and tests are deterministic. */
export interface Clock {
  now(): Date;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock that stays where it is set; for tests and simulated days. */
export function fixedClock(at: Date): Clock & { set(to: Date): void } {
  let current = at;
  return {
    now: () => current,
    set: (to: Date) => {
      current = to;
    },
  };
}

/** A clock that starts at `start` and runs at real speed: a simulated day in which events still happen in order. */
export function offsetClock(start: Date, realNow: () => number = Date.now): Clock {
  const offset = start.getTime() - realNow();
  return { now: () => new Date(realNow() + offset) };
}
