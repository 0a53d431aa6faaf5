import { useState } from 'react';

import type { Api } from './api.js';
import { AuthForm } from './components/auth-form.js';
import { Workspaces } from './components/workspaces.js';

export interface AppProps {
  name: string;
  description: string;
  api: Api;
}

/** The shell: who is signed in decides between the sign-in form and the dashboard. */
export function App({ name, description, api }: AppProps) {
  const [signedIn, setSignedIn] = useState(api.hasSession());
  return (
    <main className="shell">
      <h1>{name}</h1>
      <p>{description}</p>
      {signedIn ? (
        <Workspaces
          api={api}
          onSignedOut={() => {
            setSignedIn(false);
          }}
        />
      ) : (
        <AuthForm
          api={api}
          onSignedIn={() => {
            setSignedIn(true);
          }}
        />
      )}
    </main>
  );
}
