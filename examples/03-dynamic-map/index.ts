/**
 * Dynamic map with a concurrency limit: a map step returns the items (here an async generator,
 * read lazily, as from a paginated API), one worker runs per item with at most three at once, and
 * the map's `to` runs once after the last worker. Workers write per-item slots, and the join
 * merges them: no two workers ever write the same field.
 *
 *   npx tsx examples/03-dynamic-map/index.ts
 */
import { EventType, Pipe, Skip } from "justpipe";

interface Photo {
  index: number;
  file: string;
}

interface Album {
  files: string[];
  /** One slot per item: worker `i` writes `thumbnails[i]` and nothing else. */
  thumbnails: (string | undefined)[];
  skipped: string[];
  summary: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const pipe = new Pipe<Album>({ name: "thumbnails" });

let active = 0;
let peak = 0;

// The map step: returns an Iterable or AsyncIterable. Items are pulled only when a worker slot
// is free, so memory stays bounded by maxConcurrency, not by the number of items.
pipe.map(
  "listPhotos",
  async function* ({ state }) {
    for (const [index, file] of state.files.entries()) yield { index, file };
  },
  { each: "makeThumbnail", maxConcurrency: 3, to: "summarize" },
);

// The worker: receives its item; type it with the step's first type parameter.
pipe.step<Photo>(
  "makeThumbnail",
  async ({ item, state }) => {
    active++;
    peak = Math.max(peak, active);
    try {
      await sleep(2 + (item.index % 3) * 2);
      if (item.file.startsWith("corrupt")) throw new Error(`cannot decode ${item.file}`);
      state.thumbnails[item.index] = item.file.replace(".jpg", ".thumb.jpg");
    } finally {
      active--;
    }
  },
  {
    // A worker's Skip drops only its own item; the other workers and the map go on.
    onError: ({ error, state }) => {
      state.skipped.push(error instanceof Error ? error.message : String(error));
      return new Skip();
    },
  },
);

// Runs once, after every worker: merge the slots.
pipe.step("summarize", ({ state }) => {
  const made = state.thumbnails.filter((t) => t !== undefined);
  state.summary = `${made.length} of ${state.files.length} thumbnails, in order: ${made[0]} … ${made.at(-1)}`;
});

const files = Array.from({ length: 12 }, (_, i) => (i === 7 ? "corrupt-7.jpg" : `photo-${i}.jpg`));
const state: Album = { files, thumbnails: [], skipped: [], summary: "" };
let workers = 0;
for await (const event of pipe.run(state)) {
  switch (event.type) {
    case EventType.MAP_START:
      console.log(
        `map_start: worker '${event.payload.target}', item count known up front: ${event.payload.itemCount ?? "no (a generator)"}`,
      );
      break;
    case EventType.MAP_WORKER:
      workers++;
      break;
    case EventType.MAP_COMPLETE:
      console.log(`map_complete: ${event.payload.itemCount} items, ${workers} workers spawned`);
      break;
    case EventType.FINISH:
      console.log(
        `finish: ${event.payload.status}, peak workers (metrics): ${event.payload.metrics?.maps.peakWorkers}`,
      );
      break;
  }
}
console.log(`most workers at once (measured): ${peak}`);
console.log(`skipped: ${state.skipped.join("; ")}`);
console.log(state.summary);
