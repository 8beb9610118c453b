// Starting and stopping worker processes for the multi-process tests.
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./fixtures/worker-process.ts", import.meta.url));

/** Forks a worker process and waits until it takes jobs. */
export function startWorker(environment: Record<string, string>): Promise<ChildProcess> {
  const child = fork(script, [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...environment },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("message", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`worker process exited with ${code} before it was ready`)));
  });
}

/** Stops worker processes (SIGTERM: they finish their jobs) and waits for them to exit. */
export async function stopWorkers(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    ),
  );
}
