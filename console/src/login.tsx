import { useState } from "preact/hooks";
import { api, ApiError, type ConsoleWhoAmI } from "./api.js";

export function Login(props: { region: string; onLogin: (who: ConsoleWhoAmI) => void }) {
  const [accessKeyId, setKeyId] = useState("");
  const [secretAccessKey, setSecret] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    // WebCrypto, which signs the login, exists only on https:// pages and on localhost.
    if (!globalThis.crypto?.subtle)
      return setError(
        "This browser offers WebCrypto only on https:// pages or localhost: serve Berth with TLS (--tls-cert, --tls-key) or reach it through an SSH tunnel to localhost.",
      );
    setBusy(true);
    setError(undefined);
    try {
      props.onLogin(await api.login({ accessKeyId: accessKeyId.trim(), secretAccessKey: secretAccessKey.trim() }, props.region));
    } catch (e) {
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>Berth console</h1>
      <p>
        Log in with an access key from <code>berth keys create</code> (or the <code>admin</code> key the server printed). The secret signs the login here in the
        browser and is never sent.
      </p>
      <label>
        Access key ID
        <input name="accessKeyId" autocomplete="username" value={accessKeyId} onInput={(e) => setKeyId(e.currentTarget.value)} required />
      </label>
      <label>
        Secret access key
        <input
          name="secretAccessKey"
          type="password"
          autocomplete="current-password"
          value={secretAccessKey}
          onInput={(e) => setSecret(e.currentTarget.value)}
          required
        />
      </label>
      <button type="submit" disabled={busy}>
        Log in
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
