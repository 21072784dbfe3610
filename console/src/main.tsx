import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, type ConsoleWhoAmI } from "./api.js";
import { modelColors, ownerLabel } from "./colors.js";
import { ComponentView } from "./component-view.js";
import { useLiveSnapshot } from "./live.js";
import { Login } from "./login.js";
import { Overview } from "./overview.js";
import { SimulatorView } from "./simulator-view.js";
import "./styles.css";

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const update = () => setHash(location.hash);
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return hash;
}

function Dashboard(props: { who: ConsoleWhoAmI; onLogout: () => void }) {
  const live = useLiveSnapshot();
  const hash = useHash();
  const snapshot = live.snapshot;
  const owners = [
    ...(snapshot?.components.map((c) => c.name) ?? []),
    ...(snapshot?.instances.flatMap((i) => i.copies.filter((c) => c.ownerType === "variant").map((c) => ownerLabel(i.endpointName, c))) ?? []),
  ];
  const colors = useMemo(() => modelColors(owners), [[...new Set(owners)].sort().join("\n")]);
  useEffect(() => {
    if (live.loggedOut) props.onLogout();
  }, [live.loggedOut]);
  const component = /^#\/component\/(.+)$/.exec(hash);
  return (
    <>
      <header>
        <strong>Berth</strong>
        <nav>
          <a href="#/">Overview</a>
          <a href="#/simulator">Simulator report</a>
        </nav>
        <span class={`live ${live.connected ? "on" : "off"}`}>{live.connected ? "live" : "reconnecting…"}</span>
        {props.who.authentication && (
          <span class="who">
            {props.who.accessKeyId}{" "}
            <button type="button" onClick={() => void api.logout().then(props.onLogout)}>
              Log out
            </button>
          </span>
        )}
      </header>
      <main>
        {hash === "#/simulator" ? (
          <SimulatorView />
        ) : !snapshot ? (
          <p class="empty">Loading…</p>
        ) : component ? (
          <ComponentView name={decodeURIComponent(component[1]!)} snapshot={snapshot} />
        ) : (
          <Overview snapshot={snapshot} colors={colors} />
        )}
      </main>
    </>
  );
}

function App() {
  const [who, setWho] = useState<ConsoleWhoAmI>();
  const [error, setError] = useState<string>();
  const refresh = () => api.whoAmI().then(setWho, (e) => setError(String(e.message ?? e)));
  useEffect(() => void refresh(), []);
  if (error) return <p class="error">{error}</p>;
  if (!who) return <p class="empty">Loading…</p>;
  if (!who.loggedIn) return <Login region={who.region} onLogin={setWho} />;
  return <Dashboard who={who} onLogout={() => void refresh()} />;
}

render(<App />, document.getElementById("app")!);
