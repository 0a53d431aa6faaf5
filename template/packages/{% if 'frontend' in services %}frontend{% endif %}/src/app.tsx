export interface AppProps {
  name: string;
  description: string;
}

/** The shell every page renders in; sign-in and the dashboard plug in here. */
export function App({ name, description }: AppProps) {
  return (
    <main className="shell">
      <h1>{name}</h1>
      <p>{description}</p>
    </main>
  );
}
