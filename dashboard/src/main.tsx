import type { JSX } from "preact";
import { render } from "preact";
import { useEffect } from "preact/hooks";
import { lazyView } from "./lazy-view.js";
import { onLinkClick, useRoute } from "./router.js";
import "./styles.css";
import { ComparePage } from "./views/ComparePage.js";
import { PipesPage } from "./views/PipesPage.js";
import { RunPage } from "./views/RunPage.js";
import { RunsPage } from "./views/RunsPage.js";

// The pipe page (and uPlot, its charts) loads when it is first opened.
const PipePage = lazyView(async () => (await import("./views/PipePage.js")).PipePage);

function App() {
  const route = useRoute();
  const parts = route.path
    .split("/")
    .filter((part) => part !== "")
    .map(decodeURIComponent);
  useEffect(() => {
    document.addEventListener("click", onLinkClick);
    return () => document.removeEventListener("click", onLinkClick);
  }, []);
  useEffect(() => {
    document.title = parts.length === 0 ? "Runs · justpipe" : `${parts.join(" / ")} · justpipe`;
  }, [route.path]);
  let view: JSX.Element;
  if (parts.length === 0 || (parts[0] === "runs" && parts.length === 1)) view = <RunsPage route={route} />;
  else if (parts[0] === "runs" && parts.length === 2)
    view = <RunPage key={parts[1]} runId={parts[1]!} route={route} />;
  else if (parts[0] === "compare") view = <ComparePage route={route} />;
  else if (parts[0] === "pipes" && parts.length === 1) view = <PipesPage />;
  else if (parts[0] === "pipes" && parts.length === 2) view = <PipePage key={parts[1]} name={parts[1]!} />;
  else
    view = (
      <main class="page">
        <h1>Not found</h1>
        <p>
          <a href="/runs">Back to the runs</a>
        </p>
      </main>
    );
  const section = parts[0] ?? "runs";
  return (
    <div class="shell">
      <nav class="topbar" aria-label="Main">
        <a href="/runs" class="brand">
          justpipe
        </a>
        <a href="/runs" aria-current={section === "runs" ? "page" : undefined}>
          Runs
        </a>
        <a href="/pipes" aria-current={section === "pipes" ? "page" : undefined}>
          Pipelines
        </a>
        <a href="/compare" aria-current={section === "compare" ? "page" : undefined}>
          Compare
        </a>
      </nav>
      {view}
    </div>
  );
}

render(<App />, document.getElementById("app")!);
