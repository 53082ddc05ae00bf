import { useEffect, useState } from "react";

type Health = { status: string; database: { mode: string } };

/** The dashboard's shell. Settings, logs and redelivery arrive with the accounts API. */
export function App() {
  const [health, setHealth] = useState<Health | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    fetch("/healthz")
      .then((response) => response.json() as Promise<Health>)
      .then(setHealth)
      .catch((e: unknown) => setError(String(e)));
  }, []);

  return (
    <main style={{ fontFamily: "system-ui, sans-serif", maxWidth: 640, margin: "4rem auto" }}>
      <h1>Genie</h1>
      <p>Registrations from your funnel pages, delivered to your CRM as signed webhooks.</p>
      {error && <p role="alert">Server unreachable: {error}</p>}
      {health && (
        <p>
          Server {health.status}, database: {health.database.mode}
        </p>
      )}
    </main>
  );
}
