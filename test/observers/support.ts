import { type Pipe, type PipeEvent, type RunOptions, SimulatedClock } from "../../src/index.js";

/** A sink that keeps what is written. */
export class MemorySink {
  text = "";
  constructor(readonly isTTY = false) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  get lines(): string[] {
    return this.text.split("\n").filter((line) => line !== "");
  }
}

/** Runs a pipe to the end on a simulated clock (timers fire as the run waits on them). */
export async function runOn<S>(
  pipe: Pipe<S, any>,
  state: S,
  clock: SimulatedClock,
  options: RunOptions<any> = {},
): Promise<PipeEvent<S>[]> {
  const events: PipeEvent<S>[] = [];
  const running = (async () => {
    for await (const event of pipe.run(state, { ...options, clock })) events.push(event);
  })();
  await clock.runAll();
  await running;
  return events;
}

/** A sleep on the simulated clock. */
export function sleeper(clock: SimulatedClock) {
  return (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
}

export { SimulatedClock };
