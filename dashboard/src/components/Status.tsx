import { STATUS_LOOK } from "../format.js";

/** A status as an icon and a word (readable without colour); the colour comes from the class. */
export function Status({ status }: { status: keyof typeof STATUS_LOOK }) {
  const look = STATUS_LOOK[status] ?? { icon: "?", label: String(status) };
  return (
    <span class={`status status-${status}`} data-status={status}>
      <span class="status-icon" aria-hidden="true">
        {look.icon}
      </span>
      {look.label}
    </span>
  );
}
