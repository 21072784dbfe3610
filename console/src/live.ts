import { useEffect, useState } from "preact/hooks";
import { api, type ConsoleSnapshot } from "./api.js";

export type LiveState = { snapshot?: ConsoleSnapshot; connected: boolean; loggedOut: boolean };

/** The latest snapshot, pushed by the server (server-sent events); EventSource reconnects by itself. */
export function useLiveSnapshot(): LiveState {
  const [state, setState] = useState<LiveState>({ connected: false, loggedOut: false });
  useEffect(() => {
    const source = new EventSource("api/events");
    source.addEventListener("snapshot", (event) => {
      setState({ snapshot: JSON.parse((event as MessageEvent<string>).data) as ConsoleSnapshot, connected: true, loggedOut: false });
    });
    source.addEventListener("logged-out", () => {
      source.close();
      setState((s) => ({ ...s, connected: false, loggedOut: true }));
    });
    // EventSource retries by itself; a session that ended (a server restart forgets them) needs a new login instead.
    source.onerror = () => {
      setState((s) => ({ ...s, connected: false }));
      api.whoAmI().then(
        (who) => {
          if (who.loggedIn) return;
          source.close();
          setState((s) => ({ ...s, loggedOut: true }));
        },
        () => {},
      );
    };
    return () => source.close();
  }, []);
  return state;
}
