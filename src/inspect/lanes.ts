/** The fields lane ordering needs. */
interface OrderableLane {
  readonly key: string;
  readonly parent: string | undefined;
  readonly start: number;
}

/**
 * Display order of lanes: by first start, each lane followed by the lanes nested under it (a sub
 * step's child steps), recursively. Lanes whose parent lane is absent count as top-level.
 */
export function orderLanes<L extends OrderableLane>(lanes: readonly L[]): L[] {
  const byStart = [...lanes].sort((a, b) => a.start - b.start);
  const keys = new Set(lanes.map((lane) => lane.key));
  const children = new Map<string | undefined, L[]>();
  for (const lane of byStart) {
    const parent = lane.parent !== undefined && keys.has(lane.parent) ? lane.parent : undefined;
    const list = children.get(parent);
    if (list === undefined) children.set(parent, [lane]);
    else list.push(lane);
  }
  const ordered: L[] = [];
  const visit = (parent: string | undefined) => {
    for (const lane of children.get(parent) ?? []) {
      ordered.push(lane);
      visit(lane.key);
    }
  };
  visit(undefined);
  return ordered;
}
