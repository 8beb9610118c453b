/** `justpipe pipelines [name]`: the pipelines a store has seen; with a name, its Mermaid graph. */

import type { PipelineRecord, PipelineSummary } from "justpipe";
import type { CommandContext } from "../context.js";
import { withStore } from "../context.js";
import { descriptionToMermaid, isStoredDescription } from "../description-mermaid.js";
import { CommandError } from "../errors.js";
import { renderTable, writeJson, writeLines } from "../output.js";
import { formatRelative, formatTimestamp } from "../time.js";

/** Options of `pipelines`. */
export interface PipelinesOptions {
  readonly json?: boolean;
}

/** Lists pipelines, or prints one pipeline's graph. */
export async function showPipelines(
  context: CommandContext,
  name: string | undefined,
  options: PipelinesOptions,
): Promise<void> {
  const { pipelines, record } = await withStore(context, async (store) => {
    const all = await store.listPipelines();
    if (name === undefined) return { pipelines: all, record: undefined };
    // The newest definition of that name (or the one whose hash starts with it).
    const chosen = all
      .filter((pipe) => pipe.name === name || pipe.hash.startsWith(name))
      .sort((a, b) => (b.lastRunAt ?? b.firstSeen) - (a.lastRunAt ?? a.firstSeen));
    const newest = chosen[0];
    return { pipelines: chosen, record: newest ? await store.getPipeline(newest.hash) : undefined };
  });
  if (name !== undefined) return showGraph(context, name, pipelines, record, options);
  if (options.json) {
    writeJson(
      pipelines.map((pipe) => ({
        ...pipe,
        firstSeenIso: formatTimestamp(pipe.firstSeen),
        lastRunAtIso: pipe.lastRunAt === null ? null : formatTimestamp(pipe.lastRunAt),
      })),
    );
    return;
  }
  if (pipelines.length === 0) {
    writeLines("No pipelines stored yet.");
    return;
  }
  const { colors } = context;
  writeLines(
    renderTable<PipelineSummary>(
      pipelines,
      [
        { header: "PIPE", cell: (pipe) => colors.bold(pipe.name) },
        { header: "HASH", cell: (pipe) => colors.dim(pipe.hash.slice(0, 12)) },
        { header: "RUNS", cell: (pipe) => String(pipe.runCount), align: "right" },
        { header: "LAST RUN", cell: (pipe) => formatRelative(pipe.lastRunAt, context.now) },
      ],
      colors,
    ),
  );
}

function showGraph(
  context: CommandContext,
  name: string,
  versions: readonly PipelineSummary[],
  record: PipelineRecord | undefined,
  options: PipelinesOptions,
): void {
  if (!record) {
    throw new CommandError(`no pipeline "${name}" in ${context.location.location}`, {
      details: ["`justpipe pipelines` lists the stored ones."],
    });
  }
  if (!isStoredDescription(record.describe)) {
    throw new CommandError(`pipeline "${name}" (${record.hash}) has no stored description to draw`);
  }
  const mermaid = descriptionToMermaid(record.describe);
  if (options.json) {
    writeJson({
      name: record.name,
      hash: record.hash,
      versions: versions.length,
      mermaid,
      describe: record.describe,
    });
    return;
  }
  if (versions.length > 1) {
    process.stderr.write(
      `${versions.length} definitions of "${name}" are stored; showing ${record.hash.slice(0, 12)}, the newest\n`,
    );
  }
  writeLines(mermaid);
}
