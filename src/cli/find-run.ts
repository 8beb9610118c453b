/** Finding a stored run by id or prefix, with the messages a person can act on. */
import { AmbiguousRunIdError, closestRunIds, RunNotFoundError, type RunRecord, type Store } from "justpipe";
import type { CommandContext } from "./context.js";
import { CommandError } from "./errors.js";

/**
 * Finds a run by full id or unique prefix. An unknown id lists the closest stored ids; an
 * ambiguous prefix lists the runs it matches.
 */
export async function findRun(context: CommandContext, store: Store, id: string): Promise<RunRecord> {
  let run: RunRecord | undefined;
  let suggestions: readonly string[] | undefined;
  try {
    run = await store.getRun(id);
  } catch (error) {
    if (error instanceof AmbiguousRunIdError) {
      const matches = error.matches;
      throw new CommandError(
        `run id "${id}" is ambiguous: it matches ${matches.length >= 10 ? "10 or more" : matches.length} runs`,
        {
          details: [...matches.map((match) => `  ${match}`), "Give more characters of the id."],
          cause: error,
        },
      );
    }
    if (!(error instanceof RunNotFoundError)) throw error;
    suggestions = error.suggestions;
  }
  if (run) return run;
  const closest = suggestions && suggestions.length > 0 ? suggestions : await closestRunIds(store, id, 5);
  const details =
    closest.length > 0
      ? ["Closest run ids:", ...closest.map((candidate) => `  ${candidate}`)]
      : (await store.countRuns()) === 0
        ? ["The store has no runs yet."]
        : ["No stored id shares its first character; `justpipe runs list` shows the newest runs."];
  throw new CommandError(`no run "${id}" in ${context.location.location}`, { details });
}
